//! Settings, evaluated statically: module-level assignments in the project's settings files, with
//! `from .base import *` layering, augmented assignments, list and dict edits, environment reads
//! (kept as *unknown*, with their default) and both branches of conditionals. Nothing is imported or
//! executed.

use std::collections::BTreeMap;

use rustpython_parser::ast::{self, Constant, Expr, Operator, Stmt};

use super::view::PyFile;
use crate::project::FileKind;
use crate::python::names::{dotted_name, keyword, last_segment, str_value};
use crate::text::Span;

/// A setting's value as far as static evaluation can tell.
#[derive(Clone, Debug, PartialEq)]
pub enum SValue {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<SValue>),
    Dict(Vec<(SValue, SValue)>),
    /// Read from the environment: the variable and the default used when it is unset.
    Env {
        var: String,
        default: Option<Box<SValue>>,
    },
    /// Differs between the branches of a conditional.
    Depends {
        on: String,
        options: Vec<SValue>,
    },
    /// Anything else (a call, a computation); the source text is kept for display.
    Unknown(String),
}

impl SValue {
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            SValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            SValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// `d["key"]` for a dict value.
    pub fn get(&self, key: &str) -> Option<&SValue> {
        match self {
            SValue::Dict(items) => items.iter().rev().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A value written out in full: no environment, branch or computation anywhere inside.
    pub fn is_literal(&self) -> bool {
        match self {
            SValue::List(items) => items.iter().all(SValue::is_literal),
            SValue::Dict(items) => items.iter().all(|(k, v)| k.is_literal() && v.is_literal()),
            other => other.is_known(),
        }
    }

    /// Python's truthiness, for literal values.
    pub fn truthy(&self) -> Option<bool> {
        Some(match self {
            SValue::None => false,
            SValue::Bool(b) => *b,
            SValue::Int(i) => *i != 0,
            SValue::Float(f) => *f != 0.0,
            SValue::Str(s) => !s.is_empty(),
            SValue::List(l) => !l.is_empty(),
            SValue::Dict(d) => !d.is_empty(),
            _ => return None,
        })
    }

    pub fn is_known(&self) -> bool {
        !matches!(self, SValue::Env { .. } | SValue::Depends { .. } | SValue::Unknown(_))
    }

    /// Every value this could be: the literal itself, each branch of a conditional, an
    /// environment read's default.
    pub fn possibilities(&self) -> Vec<&SValue> {
        match self {
            SValue::Depends { options, .. } => options.iter().flat_map(SValue::possibilities).collect(),
            SValue::Env { default: Some(d), .. } => d.possibilities(),
            other => vec![other],
        }
    }

    /// Strings anywhere inside the value (list items, dict values).
    pub fn strings(&self) -> Vec<&str> {
        match self {
            SValue::Str(s) => vec![s.as_str()],
            SValue::List(items) => items.iter().flat_map(SValue::strings).collect(),
            SValue::Dict(items) => items.iter().flat_map(|(_, v)| v.strings()).collect(),
            SValue::Depends { options, .. } => options.iter().flat_map(SValue::strings).collect(),
            SValue::Env { default: Some(d), .. } => d.strings(),
            _ => Vec::new(),
        }
    }

    /// A short rendering for messages and the settings view.
    pub fn display(&self) -> String {
        match self {
            SValue::None => "None".into(),
            SValue::Bool(b) => if *b { "True" } else { "False" }.into(),
            SValue::Int(i) => i.to_string(),
            SValue::Float(f) => f.to_string(),
            SValue::Str(s) => format!("{s:?}"),
            SValue::List(items) => format!("[{}]", items.iter().map(SValue::display).collect::<Vec<_>>().join(", ")),
            SValue::Dict(items) => {
                format!(
                    "{{{}}}",
                    items
                        .iter()
                        .map(|(k, v)| format!("{}: {}", k.display(), v.display()))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
            SValue::Env { var, default: Some(d) } => format!("depends on environment ${var} (default {})", d.display()),
            SValue::Env { var, default: None } => format!("depends on environment ${var}"),
            SValue::Depends { on, .. } => format!("depends on {on}"),
            SValue::Unknown(src) => format!("computed: {src}"),
        }
    }
}

/// Where a setting got its value.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    pub value: SValue,
    pub path: String,
    pub span: Span,
    /// The `from … import *` statements (file, line) that brought this value into the judged
    /// module, outermost first; empty when the module set it itself.
    pub via: Vec<(String, u32)>,
    /// Evaluation order across the import chain, to compare with [`SettingsModule::opaque`].
    pub order: u32,
}

/// The effective settings of one settings module (after its imports).
#[derive(Clone, Debug, Default)]
pub struct SettingsModule {
    pub path: String,
    pub values: BTreeMap<String, Setting>,
    /// Paths of the settings modules this one star-imports (directly or through others).
    pub imports: Vec<String>,
    /// Star imports of modules that are not in the input (`from .local import *`), with the
    /// evaluation order they happened at: any setting not assigned after one may come from it.
    pub opaque: Vec<(String, u32)>,
}

impl SettingsModule {
    pub fn get(&self, name: &str) -> Option<&Setting> {
        self.values.get(name)
    }

    /// The star import of a module missing from the input that may have replaced this setting's
    /// value (the setting was not assigned after it).
    pub fn overridable_by(&self, name: &str) -> Option<&str> {
        let order = self.values.get(name).map_or(0, |s| s.order);
        self.opaque.iter().rev().find(|(_, at)| *at >= order).map(|(m, _)| m.as_str())
    }
}

/// All settings modules in the project, each evaluated with its `import *` chain.
#[derive(Debug, Default)]
pub struct ProjectSettings {
    pub modules: Vec<SettingsModule>,
}

impl ProjectSettings {
    pub fn build(files: &[PyFile]) -> ProjectSettings {
        let settings: Vec<usize> =
            files.iter().enumerate().filter(|(_, f)| f.kind == FileKind::Settings).map(|(i, _)| i).collect();
        // Star imports may bring in any Python module of the project (`from .celery_conf import *`).
        let importable: Vec<usize> =
            files.iter().enumerate().filter(|(_, f)| f.kind != FileKind::Migration).map(|(i, _)| i).collect();
        let mut modules = Vec::new();
        for &i in &settings {
            let mut env = BTreeMap::new();
            let mut walk = Walk::default();
            evaluate_file(files, &importable, i, &mut env, &mut walk);
            // Lower-case names were kept so settings computed from them evaluate; they are not settings.
            env.retain(|k, _| is_setting_name(k));
            let mut imports: Vec<String> =
                walk.read.iter().filter(|&&j| j != i).map(|&j| files[j].path.clone()).collect();
            imports.dedup();
            let opaque = std::mem::take(&mut walk.opaque);
            modules.push(SettingsModule { path: files[i].path.clone(), values: env, imports, opaque });
        }
        ProjectSettings { modules }
    }

    pub fn is_empty(&self) -> bool {
        self.modules.is_empty()
    }

    /// The module that is most likely what production runs: one that no other settings module
    /// imports (a leaf of the `import *` chain), preferring names like `production`/`prod`.
    pub fn primary(&self) -> Option<&SettingsModule> {
        let leaves: Vec<&SettingsModule> = self.modules.iter().collect();
        leaves
            .iter()
            .find(|m| {
                let name = m.path.rsplit('/').next().unwrap_or(&m.path);
                name.starts_with("prod") || name.starts_with("production")
            })
            .or_else(|| leaves.iter().max_by_key(|m| m.values.len()))
            .copied()
    }

    /// The value of a setting in any module (the primary one first).
    pub fn lookup(&self, name: &str) -> Option<&Setting> {
        self.primary().and_then(|m| m.get(name)).or_else(|| self.modules.iter().find_map(|m| m.get(name)))
    }

    /// `DATABASES[*]["ATOMIC_REQUESTS"]` is True in some module.
    pub fn atomic_requests(&self) -> Option<&Setting> {
        self.modules.iter().find_map(|m| {
            let dbs = m.get("DATABASES")?;
            match &dbs.value {
                SValue::Dict(items) => items
                    .iter()
                    .any(|(_, db)| db.get("ATOMIC_REQUESTS").and_then(SValue::as_bool) == Some(true))
                    .then_some(dbs),
                _ => None,
            }
        })
    }
}

fn module_name(path: &str) -> &str {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.strip_suffix(".py").unwrap_or(file)
}

/// The file a star import names: relative imports from the importing file's folder, absolute ones
/// by path suffix, and (for pastes without folders) a settings module of the same name.
fn resolve_star_import(
    files: &[PyFile],
    candidates: &[usize],
    from: usize,
    level: usize,
    module: &str,
) -> Option<usize> {
    let here = &files[from].path;
    let rel = module.replace('.', "/");
    let targets: Vec<String> = if level > 0 {
        let mut dir = here.rsplit_once('/').map_or("", |(d, _)| d);
        for _ in 1..level {
            dir = dir.rsplit_once('/').map_or("", |(d, _)| d);
        }
        let join = |tail: &str| if dir.is_empty() { tail.to_string() } else { format!("{dir}/{tail}") };
        if rel.is_empty() {
            vec![join("__init__.py")]
        } else {
            vec![join(&format!("{rel}.py")), join(&format!("{rel}/__init__.py"))]
        }
    } else {
        vec![format!("{rel}.py"), format!("{rel}/__init__.py")]
    };
    let matches = |p: &str, t: &str| p == t || (level == 0 && p.ends_with(&format!("/{t}")));
    if let Some(&j) = candidates.iter().find(|&&j| j != from && targets.iter().any(|t| matches(&files[j].path, t))) {
        return Some(j);
    }
    let last = module.rsplit('.').next().unwrap_or(module);
    if last.is_empty() {
        return None;
    }
    candidates
        .iter()
        .copied()
        .find(|&j| j != from && files[j].kind == FileKind::Settings && module_name(&files[j].path) == last)
}

/// The state of one module's evaluation across its star imports.
#[derive(Default)]
struct Walk {
    /// Files being evaluated (to stop import cycles).
    stack: Vec<usize>,
    /// The star-import statements leading to the file being evaluated.
    chain: Vec<(String, u32)>,
    /// Every file read, in order.
    read: Vec<usize>,
    /// Star imports that could not be followed, with the order they happened at.
    opaque: Vec<(String, u32)>,
    /// Counts assignments, to order them against opaque imports.
    seq: u32,
}

fn evaluate_file(files: &[PyFile], settings: &[usize], i: usize, env: &mut BTreeMap<String, Setting>, walk: &mut Walk) {
    if walk.stack.contains(&i) || walk.stack.len() > 8 {
        return;
    }
    walk.stack.push(i);
    walk.read.push(i);
    let f = &files[i];
    let mut ev = Evaluator { files, settings, file: i, env, walk };
    ev.block(f.parsed.body(), None);
    walk.stack.pop();
}

struct Evaluator<'e> {
    files: &'e [PyFile],
    settings: &'e [usize],
    file: usize,
    env: &'e mut BTreeMap<String, Setting>,
    walk: &'e mut Walk,
}

impl Evaluator<'_> {
    fn block(&mut self, body: &[Stmt], condition: Option<&str>) {
        for s in body {
            self.stmt(s, condition);
        }
    }

    fn set(&mut self, name: &str, value: SValue, node: &impl ast::Ranged) {
        let f = &self.files[self.file];
        self.walk.seq += 1;
        let order = self.walk.seq;
        let setting =
            Setting { value, path: f.path.clone(), span: f.parsed.span_of(node), via: self.walk.chain.clone(), order };
        self.env.insert(name.to_string(), setting);
    }

    fn stmt(&mut self, s: &Stmt, condition: Option<&str>) {
        // Code that writes the module namespace itself (`globals().update(...)`, a helper handed
        // `globals()`, `exec`) may set any setting: what follows it is not known.
        if matches!(s, Stmt::Expr(_) | Stmt::Assign(_)) {
            let src = self.files[self.file].parsed.source_of(s);
            if src.contains("globals()") || src.contains("exec(") {
                self.walk.seq += 1;
                let line = self.files[self.file].parsed.span_of(s).line;
                let what = format!("{}:{line}", self.files[self.file].path);
                self.walk.opaque.push((what, self.walk.seq));
            }
        }
        match s {
            Stmt::ImportFrom(i) if i.names.iter().any(|a| a.name.as_str() == "*") => {
                // `from .base import *`: evaluate that module into this one first.
                let level = i.level.map_or(0, |l| l.to_usize());
                let module = i.module.as_deref().unwrap_or("");
                match resolve_star_import(self.files, self.settings, self.file, level, module) {
                    Some(j) => {
                        let f = &self.files[self.file];
                        self.walk.chain.push((f.path.clone(), f.parsed.span_of(s).line));
                        evaluate_file(self.files, self.settings, j, self.env, self.walk);
                        self.walk.chain.pop();
                    }
                    // Django's own defaults change nothing; anything else may set any setting.
                    None if module.starts_with("django.") => {}
                    None => {
                        self.walk.seq += 1;
                        let written = format!("{}{module}", ".".repeat(level));
                        self.walk.opaque.push((written, self.walk.seq));
                    }
                }
            }
            Stmt::Assign(a) => {
                let value = self.eval(&a.value);
                for t in &a.targets {
                    match t {
                        Expr::Name(n) => self.set(n.id.as_str(), value.clone(), s),
                        Expr::Subscript(sub) => self.item_assign(sub, value.clone(), s),
                        _ => {}
                    }
                }
            }
            Stmt::AnnAssign(a) => {
                if let (Expr::Name(n), Some(v)) = (&*a.target, &a.value) {
                    let value = self.eval(v);
                    self.set(n.id.as_str(), value, s);
                }
            }
            Stmt::AugAssign(a) => {
                if let Expr::Name(n) = &*a.target {
                    if let Some(current) = self.env.get(n.id.as_str()).map(|x| x.value.clone()) {
                        let add = self.eval(&a.value);
                        let value = match (a.op, current, add) {
                            (Operator::Add, SValue::List(mut l), SValue::List(r)) => {
                                l.extend(r);
                                SValue::List(l)
                            }
                            (Operator::Add, SValue::Int(l), SValue::Int(r)) => SValue::Int(l.saturating_add(r)),
                            (Operator::Add, SValue::Str(l), SValue::Str(r)) => SValue::Str(l + &r),
                            (_, _, _) => SValue::Unknown(self.files[self.file].parsed.source_of(s).to_string()),
                        };
                        self.set(n.id.as_str(), value, s);
                    }
                }
            }
            Stmt::Expr(e) => self.mutation(&e.value, s),
            Stmt::If(i) => {
                // A test the settings decide (`if DEBUG:` with DEBUG a literal) takes one branch.
                match self.truth(&i.test) {
                    Some(true) => return self.block(&i.body, condition),
                    Some(false) => return self.block(&i.orelse, condition),
                    None => {}
                }
                let cond = self.files[self.file].parsed.source_of(&*i.test).to_string();
                let before = self.env.clone();
                self.block(&i.body, Some(&cond));
                let after_body = std::mem::replace(self.env, before);
                self.block(&i.orelse, Some(&cond));
                let after_else = std::mem::take(self.env);
                *self.env = merge(after_body, after_else, &cond);
            }
            Stmt::Try(t) => {
                self.block(&t.body, condition);
                self.block(&t.orelse, condition);
                self.block(&t.finalbody, condition);
            }
            Stmt::With(w) => self.block(&w.body, condition),
            _ => {}
        }
    }

    /// The truth of an `if` test when the values it reads are known literals.
    fn truth(&self, test: &Expr) -> Option<bool> {
        match test {
            Expr::UnaryOp(u) if u.op == ast::UnaryOp::Not => self.truth(&u.operand).map(|b| !b),
            Expr::BoolOp(b) => {
                let parts: Vec<Option<bool>> = b.values.iter().map(|v| self.truth(v)).collect();
                // `and` is decided by any false part or by all true ones; `or` the other way round.
                let decisive = b.op == ast::BoolOp::Or;
                if parts.contains(&Some(decisive)) {
                    Some(decisive)
                } else if parts.iter().all(|p| *p == Some(!decisive)) {
                    Some(!decisive)
                } else {
                    None
                }
            }
            Expr::Compare(c) if c.ops.len() == 1 => {
                let (l, r) = (self.eval(&c.left), self.eval(&c.comparators[0]));
                if !l.is_literal() || !r.is_literal() {
                    return None;
                }
                match c.ops[0] {
                    ast::CmpOp::Eq => Some(l == r),
                    ast::CmpOp::NotEq => Some(l != r),
                    ast::CmpOp::Is
                        if matches!(
                            (&l, &r),
                            (SValue::None | SValue::Bool(_), _) | (_, SValue::None | SValue::Bool(_))
                        ) =>
                    {
                        Some(l == r)
                    }
                    ast::CmpOp::IsNot
                        if matches!(
                            (&l, &r),
                            (SValue::None | SValue::Bool(_), _) | (_, SValue::None | SValue::Bool(_))
                        ) =>
                    {
                        Some(l != r)
                    }
                    ast::CmpOp::In => match &r {
                        SValue::List(items) => Some(items.contains(&l)),
                        _ => None,
                    },
                    ast::CmpOp::NotIn => match &r {
                        SValue::List(items) => Some(!items.contains(&l)),
                        _ => None,
                    },
                    _ => None,
                }
            }
            Expr::Constant(_) | Expr::Name(_) => {
                let v = self.eval(test);
                v.is_literal().then(|| v.truthy()).flatten()
            }
            _ => None,
        }
    }

    /// `X["key"] = v` and `X["a"]["b"] = v` on a dict setting.
    fn item_assign(&mut self, sub: &ast::ExprSubscript, value: SValue, s: &Stmt) {
        let mut keys = Vec::new();
        let mut base: &Expr = &Expr::Subscript(sub.clone());
        while let Expr::Subscript(x) = base {
            keys.push(str_value(&x.slice).map(str::to_string));
            base = &x.value;
        }
        keys.reverse();
        let Expr::Name(n) = base else { return };
        let Some(mut current) = self.env.get(n.id.as_str()).map(|x| x.value.clone()) else { return };
        if keys.iter().any(Option::is_none) {
            return;
        }
        let keys: Vec<String> = keys.into_iter().flatten().collect();
        set_path(&mut current, &keys, value);
        self.set(n.id.as_str(), current, s);
    }

    /// `MIDDLEWARE.append(...)`, `.insert`, `.remove`, `.extend`, `DATABASES.update({...})`.
    fn mutation(&mut self, e: &Expr, s: &Stmt) {
        let Expr::Call(c) = e else { return };
        let Expr::Attribute(a) = c.func.as_ref() else { return };
        let Expr::Name(n) = a.value.as_ref() else { return };
        let Some(current) = self.env.get(n.id.as_str()).map(|x| x.value.clone()) else { return };
        let args: Vec<SValue> = c.args.iter().map(|x| self.eval(x)).collect();
        let value = match (a.attr.as_str(), current, args.as_slice()) {
            ("append", SValue::List(mut l), [v]) => {
                l.push(v.clone());
                SValue::List(l)
            }
            ("extend", SValue::List(mut l), [SValue::List(r)]) => {
                l.extend(r.iter().cloned());
                SValue::List(l)
            }
            ("insert", SValue::List(mut l), [SValue::Int(i), v]) => {
                let at =
                    if *i < 0 { l.len().saturating_sub(i.unsigned_abs() as usize) } else { (*i as usize).min(l.len()) };
                l.insert(at, v.clone());
                SValue::List(l)
            }
            ("remove", SValue::List(mut l), [v]) => {
                if let Some(p) = l.iter().position(|x| x == v) {
                    l.remove(p);
                }
                SValue::List(l)
            }
            ("update", SValue::Dict(mut d), [SValue::Dict(r)]) => {
                for (k, v) in r {
                    d.retain(|(x, _)| x != k);
                    d.push((k.clone(), v.clone()));
                }
                SValue::Dict(d)
            }
            _ => return,
        };
        self.set(n.id.as_str(), value, s);
    }

    fn eval(&self, e: &Expr) -> SValue {
        let src = || self.files[self.file].parsed.source_of(e).to_string();
        match e {
            Expr::Constant(c) => match &c.value {
                Constant::None => SValue::None,
                Constant::Bool(b) => SValue::Bool(*b),
                Constant::Str(s) => SValue::Str(s.clone()),
                Constant::Int(i) => i.to_string().parse().map(SValue::Int).unwrap_or_else(|_| SValue::Unknown(src())),
                Constant::Float(f) => SValue::Float(*f),
                _ => SValue::Unknown(src()),
            },
            Expr::List(l) => SValue::List(l.elts.iter().map(|x| self.eval(x)).collect()),
            Expr::Tuple(t) => SValue::List(t.elts.iter().map(|x| self.eval(x)).collect()),
            Expr::Set(t) => SValue::List(t.elts.iter().map(|x| self.eval(x)).collect()),
            Expr::Dict(d) => SValue::Dict(
                d.keys
                    .iter()
                    .zip(&d.values)
                    .filter_map(|(k, v)| k.as_ref().map(|k| (self.eval(k), self.eval(v))))
                    .collect(),
            ),
            Expr::Name(n) => match self.env.get(n.id.as_str()) {
                Some(s) => s.value.clone(),
                None => SValue::Unknown(src()),
            },
            Expr::BinOp(b) if b.op == Operator::Add => match (self.eval(&b.left), self.eval(&b.right)) {
                (SValue::List(mut l), SValue::List(r)) => {
                    l.extend(r);
                    SValue::List(l)
                }
                (SValue::Str(l), SValue::Str(r)) => SValue::Str(l + &r),
                (SValue::Int(l), SValue::Int(r)) => SValue::Int(l.saturating_add(r)),
                _ => SValue::Unknown(src()),
            },
            Expr::BinOp(b) if b.op == Operator::Mult => match (self.eval(&b.left), self.eval(&b.right)) {
                (SValue::Int(l), SValue::Int(r)) => SValue::Int(l.saturating_mul(r)),
                _ => SValue::Unknown(src()),
            },
            Expr::Call(c) => self.call(c).unwrap_or_else(|| SValue::Unknown(src())),
            Expr::Subscript(s) => {
                // `os.environ["X"]`
                if dotted_name(&s.value).as_deref() == Some("os.environ") {
                    if let Some(var) = str_value(&s.slice) {
                        return SValue::Env { var: var.to_string(), default: None };
                    }
                }
                SValue::Unknown(src())
            }
            _ => SValue::Unknown(src()),
        }
    }

    /// Environment reads: `os.environ.get`, `os.getenv`, django-environ `env(...)`/`env.bool(...)`,
    /// python-decouple `config(...)`; and `dict(...)`.
    fn call(&self, c: &ast::ExprCall) -> Option<SValue> {
        let name = dotted_name(&c.func)?;
        let var = || c.args.first().and_then(str_value).map(str::to_string);
        let default_arg = |pos: usize| -> Option<Box<SValue>> {
            c.args.get(pos).or_else(|| keyword(c, "default")).map(|d| Box::new(self.eval(d)))
        };
        match name.as_str() {
            "os.environ.get" | "os.getenv" | "environ.get" | "getenv" => {
                Some(SValue::Env { var: var()?, default: default_arg(1) })
            }
            "dict" if c.args.is_empty() => Some(SValue::Dict(
                c.keywords
                    .iter()
                    .filter_map(|k| k.arg.as_ref().map(|a| (SValue::Str(a.to_string()), self.eval(&k.value))))
                    .collect(),
            )),
            _ => {
                let last = last_segment(&c.func)?;
                let base = match c.func.as_ref() {
                    Expr::Attribute(a) => dotted_name(&a.value),
                    _ => None,
                };
                let is_environ = |b: &str| b == "env" || b.ends_with(".env") || b == "environ.Env";
                match (base.as_deref(), last) {
                    // django-environ: env("X"), env.bool("X", default=...), env.str/int/list/db/cache/url/json
                    (None, "env") | (None, "config") => Some(SValue::Env {
                        var: var()?,
                        default: keyword(c, "default").map(|d| Box::new(self.eval(d))),
                    }),
                    (
                        Some(b),
                        "bool" | "str" | "int" | "float" | "list" | "tuple" | "dict" | "json" | "url" | "path" | "db"
                        | "db_url" | "cache" | "cache_url" | "email" | "email_url" | "search_url",
                    ) if is_environ(b) => Some(SValue::Env {
                        var: var().unwrap_or_else(|| "DATABASE_URL".into()),
                        default: default_arg(1),
                    }),
                    _ => None,
                }
            }
        }
    }
}

fn is_setting_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn set_path(value: &mut SValue, keys: &[String], new: SValue) {
    let Some((first, rest)) = keys.split_first() else {
        *value = new;
        return;
    };
    if !matches!(value, SValue::Dict(_)) {
        *value = SValue::Dict(Vec::new());
    }
    let SValue::Dict(items) = value else { return };
    let key = SValue::Str(first.clone());
    match items.iter_mut().find(|(k, _)| *k == key) {
        Some((_, v)) => set_path(v, rest, new),
        None => {
            let mut v = SValue::Dict(Vec::new());
            set_path(&mut v, rest, new);
            items.push((key, v));
        }
    }
}

/// After a conditional: equal values stay, different ones become "depends on <condition>". A
/// setting assigned in one branch only depends on it too: the other branch leaves Django's default
/// (or nothing known, for a name without one).
fn merge(a: BTreeMap<String, Setting>, mut b: BTreeMap<String, Setting>, condition: &str) -> BTreeMap<String, Setting> {
    let depends = |x: SValue, y: SValue| SValue::Depends { on: condition.to_string(), options: vec![x, y] };
    let unset = |k: &str| django_default(k).unwrap_or_else(|| SValue::Unknown("not set".into()));
    let mut out = BTreeMap::new();
    for (k, sa) in a {
        match b.remove(&k) {
            Some(sb) if sb.value == sa.value => {
                out.insert(k, sa);
            }
            Some(sb) => {
                let value = depends(sa.value.clone(), sb.value);
                out.insert(k, Setting { value, ..sa });
            }
            None => {
                let value = depends(sa.value.clone(), unset(&k));
                out.insert(k, Setting { value, ..sa });
            }
        }
    }
    for (k, sb) in b {
        let value = depends(unset(&k), sb.value.clone());
        out.insert(k, Setting { value, ..sb });
    }
    out
}

/// Django's global default for a setting the module does not assign (`django.conf.global_settings`,
/// Django 5.2; the same in 6.x for these). Only settings some check reads are listed.
pub fn django_default(name: &str) -> Option<SValue> {
    let s = |v: &str| SValue::Str(v.to_string());
    Some(match name {
        "DEBUG"
        | "SECURE_HSTS_INCLUDE_SUBDOMAINS"
        | "SECURE_HSTS_PRELOAD"
        | "SECURE_SSL_REDIRECT"
        | "SESSION_COOKIE_SECURE"
        | "CSRF_COOKIE_SECURE"
        | "CSRF_COOKIE_HTTPONLY"
        | "CSRF_USE_SESSIONS"
        | "USE_X_FORWARDED_HOST"
        | "USE_X_FORWARDED_PORT" => SValue::Bool(false),
        "SESSION_COOKIE_HTTPONLY" | "SECURE_CONTENT_TYPE_NOSNIFF" | "USE_TZ" | "USE_I18N" => SValue::Bool(true),
        "SECURE_HSTS_SECONDS" => SValue::Int(0),
        "ALLOWED_HOSTS"
        | "MIDDLEWARE"
        | "INSTALLED_APPS"
        | "SECRET_KEY_FALLBACKS"
        | "CSRF_TRUSTED_ORIGINS"
        | "STATICFILES_DIRS"
        | "SILENCED_SYSTEM_CHECKS"
        | "DATABASE_ROUTERS"
        | "ADMINS"
        | "TEMPLATES" => SValue::List(Vec::new()),
        "SECRET_KEY" | "MEDIA_ROOT" => s(""),
        "SECURE_REFERRER_POLICY" | "SECURE_CROSS_ORIGIN_OPENER_POLICY" => s("same-origin"),
        "X_FRAME_OPTIONS" => s("DENY"),
        "SESSION_COOKIE_SAMESITE" | "CSRF_COOKIE_SAMESITE" => s("Lax"),
        "CSRF_FAILURE_VIEW" => s("django.views.csrf.csrf_failure"),
        "SESSION_ENGINE" => s("django.contrib.sessions.backends.db"),
        "SESSION_CACHE_ALIAS" => s("default"),
        "EMAIL_BACKEND" => s("django.core.mail.backends.smtp.EmailBackend"),
        "TIME_ZONE" => s("America/Chicago"),
        "SECURE_PROXY_SSL_HEADER" | "STATIC_ROOT" | "STATIC_URL" | "SECURE_SSL_HOST" => SValue::None,
        "CACHES" => SValue::Dict(vec![(
            s("default"),
            SValue::Dict(vec![(s("BACKEND"), s("django.core.cache.backends.locmem.LocMemCache"))]),
        )]),
        "SECURE_CSP" | "SECURE_CSP_REPORT_ONLY" | "DATABASES" | "LOGGING" | "STORAGES" => SValue::Dict(Vec::new()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python::parse_python;

    fn file(path: &str, src: &str) -> PyFile {
        PyFile {
            path: path.into(),
            text: src.into(),
            kind: FileKind::Settings,
            parsed: parse_python(path, src).expect("parses"),
            partial: false,
        }
    }

    #[test]
    fn evaluates_layers_edits_environment_and_branches() {
        let base = r#"
import os
DEBUG = False
MIDDLEWARE = ["a", "b"]
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": os.environ.get("DB_NAME", "app")}}
SECRET_KEY = os.environ["SECRET_KEY"]
"#;
        let prod = r#"
from .base import *
MIDDLEWARE += ["c"]
MIDDLEWARE.insert(0, "z")
MIDDLEWARE.remove("a")
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if os.environ.get("STAGING"):
    DEBUG = True
USE_TZ = env.bool("USE_TZ", default=True)
"#;
        let files = vec![file("proj/settings/base.py", base), file("proj/settings/production.py", prod)];
        let s = ProjectSettings::build(&files);
        let m = s.primary().expect("primary");
        assert_eq!(m.path, "proj/settings/production.py");
        assert_eq!(
            m.get("MIDDLEWARE").map(|x| x.value.clone()),
            Some(SValue::List(vec![SValue::Str("z".into()), SValue::Str("b".into()), SValue::Str("c".into())]))
        );
        assert!(s.atomic_requests().is_some());
        assert!(matches!(m.get("DEBUG").map(|x| &x.value), Some(SValue::Depends { .. })), "{:?}", m.get("DEBUG"));
        assert_eq!(m.get("SECRET_KEY").map(|x| x.value.display()), Some("depends on environment $SECRET_KEY".into()));
        assert_eq!(
            m.get("USE_TZ").map(|x| x.value.display()),
            Some("depends on environment $USE_TZ (default True)".into())
        );
        assert_eq!(m.get("MIDDLEWARE").map(|x| x.path.as_str()), Some("proj/settings/production.py"));
        assert_eq!(m.get("SECRET_KEY").map(|x| x.path.as_str()), Some("proj/settings/base.py"));
    }
}
