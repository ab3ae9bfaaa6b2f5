//! Reads a migration file: the `Migration` class's attributes and every operation with its
//! arguments, plus what `RunPython` needs from the rest of the module.

use rustpython_parser::ast::{self, Expr, Stmt};

use super::value::{Call, PyValue};
use crate::facts::view::PyFile;
use crate::python::names::{dotted_name, last_segment};
use crate::text::Span;

/// One migration file, read.
#[derive(Clone, Debug)]
pub struct MigrationFile {
    /// Index of the file in the project's Python files.
    pub file: usize,
    pub path: String,
    /// The app label, from the folder that holds `migrations/`.
    pub app: String,
    /// The file name without `.py`: `0002_book_isbn`.
    pub name: String,
    pub dependencies: Vec<(String, String)>,
    pub replaces: Vec<(String, String)>,
    pub atomic: bool,
    pub initial: bool,
    pub operations: Vec<Operation>,
    /// `operations` is not a literal list (built by code): what it holds is unknown.
    pub operations_unreadable: bool,
    /// Where the `Migration` class is.
    pub span: Span,
    /// Names of module-level functions, for `RunPython(forwards)`.
    pub functions: Vec<String>,
    /// `from shop.models import Order` at module level: today's model in a historical migration.
    pub model_imports: Vec<(String, Span)>,
    /// The class overrides `apply`/`unapply`: what runs is decided by its code.
    pub custom_apply: bool,
}

#[derive(Clone, Debug)]
pub struct Operation {
    /// `AddField`, `RunPython`, `AddIndexConcurrently`...
    pub kind: String,
    pub call: Call,
    pub span: Span,
    /// For `SeparateDatabaseAndState`: the operations that touch the database, and those that
    /// only change Django's idea of the models.
    pub database_operations: Vec<Operation>,
    pub state_operations: Vec<Operation>,
}

impl Operation {
    /// The model an operation names (`model_name=`, or `name=` for model operations), lower-cased
    /// as Django keys its state.
    pub fn model(&self) -> Option<String> {
        let v = match self.kind.as_str() {
            "CreateModel"
            | "DeleteModel"
            | "AlterModelTable"
            | "AlterUniqueTogether"
            | "AlterIndexTogether"
            | "AlterModelOptions"
            | "AlterModelManagers"
            | "AlterOrderWithRespectTo"
            | "AlterModelTableComment" => self.call.arg("name", 0),
            "RenameModel" => self.call.arg("old_name", 0),
            _ => self.call.arg("model_name", 0),
        };
        v.and_then(PyValue::as_str).map(str::to_string)
    }

    /// The field an operation names.
    pub fn field(&self) -> Option<String> {
        let v = match self.kind.as_str() {
            "AddField" | "AlterField" | "RemoveField" => self.call.arg("name", 1),
            "RenameField" => self.call.arg("old_name", 1),
            _ => None,
        };
        v.and_then(PyValue::as_str).map(str::to_string)
    }
}

/// The app label and migration name of a path like `shop/migrations/0002_x.py`.
pub fn app_and_name(path: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = path.split(['/', '\\']).collect();
    let pos = parts.iter().rposition(|p| *p == "migrations")?;
    let file = parts.get(pos + 1)?;
    let name = file.strip_suffix(".py")?;
    let app = if pos == 0 { "app".to_string() } else { parts[pos - 1].to_string() };
    Some((app, name.to_string()))
}

/// Reads the migration in `file`, when it has a `Migration` class.
pub fn read(index: usize, file: &PyFile) -> Option<MigrationFile> {
    let parsed = &file.parsed;
    let source = |e: &Expr| parsed.source_of(e).to_string();
    let class = parsed.body().iter().find_map(|s| match s {
        Stmt::ClassDef(c)
            if c.name.as_str() == "Migration" || c.bases.iter().any(|b| last_segment(b) == Some("Migration")) =>
        {
            Some(c)
        }
        _ => None,
    })?;
    let (app, name) = app_and_name(&file.path).unwrap_or_else(|| ("app".into(), "migration".into()));
    let mut m = MigrationFile {
        file: index,
        path: file.path.clone(),
        app,
        name,
        dependencies: Vec::new(),
        replaces: Vec::new(),
        atomic: true,
        initial: false,
        operations: Vec::new(),
        operations_unreadable: false,
        span: parsed.span_of(class),
        functions: Vec::new(),
        model_imports: Vec::new(),
        custom_apply: class
            .body
            .iter()
            .any(|s| matches!(s, Stmt::FunctionDef(f) if matches!(f.name.as_str(), "apply" | "unapply"))),
    };
    // Lists assigned to names (`state_operations = [...]`), which operations may refer to.
    let mut named: std::collections::HashMap<&str, &Expr> = std::collections::HashMap::new();
    for stmt in parsed.body().iter().chain(class.body.iter()) {
        if let Stmt::Assign(a) = stmt {
            if let ([Expr::Name(n)], Expr::List(_) | Expr::Tuple(_)) = (a.targets.as_slice(), a.value.as_ref()) {
                named.insert(n.id.as_str(), &a.value);
            }
        }
    }
    let resolve = |e: &Expr| -> Vec<Operation> {
        let list = match e {
            Expr::Name(n) => named.get(n.id.as_str()).copied().unwrap_or(e),
            other => other,
        };
        let items: &[Expr] = match list {
            Expr::List(l) => &l.elts,
            Expr::Tuple(t) => &t.elts,
            _ => &[],
        };
        items.iter().filter_map(|x| operation(x, parsed, &source, &named, 0)).collect()
    };
    for stmt in &class.body {
        let (target, value) = match stmt {
            Stmt::Assign(a) => match a.targets.as_slice() {
                [Expr::Name(n)] => (n.id.as_str(), &*a.value),
                _ => continue,
            },
            Stmt::AnnAssign(a) => match (a.target.as_ref(), a.value.as_deref()) {
                (Expr::Name(n), Some(v)) => (n.id.as_str(), v),
                _ => continue,
            },
            _ => continue,
        };
        match target {
            "dependencies" => m.dependencies = pairs(value, &source),
            "replaces" => m.replaces = pairs(value, &source),
            "atomic" => m.atomic = PyValue::from_expr(value, &source).as_bool().unwrap_or(true),
            "initial" => m.initial = PyValue::from_expr(value, &source).as_bool().unwrap_or(false),
            "operations" => match value {
                Expr::List(_) | Expr::Tuple(_) => m.operations = resolve(value),
                Expr::Name(n) if named.contains_key(n.id.as_str()) => m.operations = resolve(value),
                _ => m.operations_unreadable = true,
            },
            _ => {}
        }
    }
    for stmt in parsed.body() {
        match stmt {
            Stmt::FunctionDef(f) => m.functions.push(f.name.to_string()),
            Stmt::ImportFrom(i) => {
                let module = i.module.as_deref().unwrap_or("");
                if module.ends_with("models") && !module.starts_with("django") {
                    for alias in &i.names {
                        m.model_imports.push((format!("{module}.{}", alias.name), parsed.span_of(stmt)));
                    }
                }
            }
            _ => {}
        }
    }
    Some(m)
}

/// `[("shop", "0001_initial"), ...]`; swappable dependencies are skipped.
fn pairs(value: &Expr, source: &dyn Fn(&Expr) -> String) -> Vec<(String, String)> {
    PyValue::from_expr(value, source)
        .as_list()
        .iter()
        .filter_map(|p| match p.as_list() {
            [PyValue::Str(a), PyValue::Str(b)] => Some((a.clone(), b.clone())),
            _ => None,
        })
        .collect()
}

fn operation(
    e: &Expr,
    parsed: &crate::python::ParsedPython,
    source: &dyn Fn(&Expr) -> String,
    named: &std::collections::HashMap<&str, &Expr>,
    depth: u32,
) -> Option<Operation> {
    let Expr::Call(c) = e else { return None };
    let func = dotted_name(&c.func)?;
    let kind = func.rsplit('.').next().unwrap_or(&func).to_string();
    let PyValue::Call(call) = PyValue::from_expr(e, source) else { return None };
    let nested = |name: &str| -> Vec<Operation> {
        if depth > 4 {
            return Vec::new();
        }
        let value = c.keywords.iter().find(|k| k.arg.as_deref() == Some(name)).map(|k| &k.value);
        let position = if name == "database_operations" { 0 } else { 1 };
        let value = value.or_else(|| c.args.get(position));
        let value = match value {
            Some(Expr::Name(n)) => named.get(n.id.as_str()).copied(),
            other => other,
        };
        let items: &[Expr] = match value {
            Some(Expr::List(l)) => &l.elts,
            Some(Expr::Tuple(t)) => &t.elts,
            _ => &[],
        };
        items.iter().filter_map(|x| operation(x, parsed, source, named, depth + 1)).collect()
    };
    let (database_operations, state_operations) = if kind == "SeparateDatabaseAndState" {
        (nested("database_operations"), nested("state_operations"))
    } else {
        (Vec::new(), Vec::new())
    };
    Some(Operation { kind, call: *call, span: parsed.span_of(e), database_operations, state_operations })
}

/// The statements of a module-level function, for `RunPython` bodies.
pub fn function_body<'a>(file: &'a PyFile, name: &str) -> Option<&'a ast::StmtFunctionDef> {
    file.parsed.body().iter().find_map(|s| match s {
        Stmt::FunctionDef(f) if f.name.as_str() == name => Some(f),
        _ => None,
    })
}
