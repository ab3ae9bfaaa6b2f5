//! The model index: every Django model defined in the project's Python files, its fields, and the
//! relations between models in both directions, with string references resolved.
//!
//! Models are recognised by their bases (`models.Model`, a class already known to be a model, or a
//! well-known abstract base) or by declaring `models.*Field` attributes, so a model whose base lives
//! outside the pasted files (wagtail's `Page`, say) is still indexed.

use std::collections::{HashMap, HashSet};

use rustpython_parser::ast::{self, Expr, Stmt};
use serde::Serialize;

use super::view::PyFile;
use crate::python::names::{bool_value, dotted_name, keyword, last_segment, str_value};
use crate::text::Case;
use crate::text::Span;

pub type ModelId = usize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationKind {
    ForeignKey,
    OneToOne,
    ManyToMany,
}

/// Where a relation points.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Target {
    Model(ModelId),
    /// A model outside the project, by the reference as written (`"auth.User"`, `Tag`).
    External(String),
}

#[derive(Clone, Debug, Serialize)]
pub struct Relation {
    pub kind: RelationKind,
    pub target: Target,
    /// `related_name` as written; `None` when absent.
    pub related_name: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Field {
    pub name: String,
    /// The field class's name, e.g. `CharField`, `ForeignKey`.
    pub class_name: String,
    pub relation: Option<Relation>,
    pub null: bool,
    /// `auto_now` or `auto_now_add`: Django sets the value itself on save.
    pub auto_now: bool,
    /// The model that declares the field (differs from the owner for inherited fields).
    pub declared_in: ModelId,
    pub span: Span,
}

/// A relation seen from its target: `author.book_set`, `user.profile`.
#[derive(Clone, Debug, Serialize)]
pub struct ReverseRelation {
    pub accessor: String,
    /// The model that declares the relation field.
    pub from_model: ModelId,
    pub field: String,
    pub kind: RelationKind,
}

#[derive(Clone, Debug, Serialize)]
pub struct Model {
    pub name: String,
    /// From `Meta.app_label`, else the package that holds `models.py`; empty for unnamed pastes.
    pub app_label: String,
    pub path: String,
    pub span: Span,
    pub is_abstract: bool,
    pub db_table: Option<String>,
    /// Own and inherited fields, in declaration order.
    pub fields: Vec<Field>,
    /// Manager attribute names (`objects` is always included).
    pub managers: Vec<String>,
    pub reverse: Vec<ReverseRelation>,
    /// Names of model bases, as written.
    pub bases: Vec<String>,
}

/// What an attribute of a model instance is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Accessor {
    /// A single related object: forward FK/O2O, or reverse O2O.
    Single { target: Option<ModelId>, reverse: bool, kind: RelationKind },
    /// A related manager: forward M2M, reverse FK, reverse M2M.
    Many { target: Option<ModelId>, reverse: bool, kind: RelationKind },
}

#[derive(Debug, Default, Serialize)]
pub struct ModelIndex {
    pub models: Vec<Model>,
    #[serde(skip)]
    by_name: HashMap<String, Vec<ModelId>>,
}

/// Base classes that make a class a model even when their definition is not in the project.
const KNOWN_MODEL_BASES: &[&str] = &["Model", "AbstractUser", "AbstractBaseUser", "PermissionsMixin"];

/// Field classes that declare relations.
fn relation_kind(class_name: &str) -> Option<RelationKind> {
    match class_name {
        "ForeignKey" | "ParentalKey" | "TreeForeignKey" => Some(RelationKind::ForeignKey),
        "OneToOneField" => Some(RelationKind::OneToOne),
        "ManyToManyField" | "ParentalManyToManyField" | "TreeManyToManyField" => Some(RelationKind::ManyToMany),
        _ => None,
    }
}

struct RawClass<'a> {
    file: usize,
    def: &'a ast::StmtClassDef,
    bases: Vec<String>,
    app_label: String,
    imports_django_models: bool,
}

impl ModelIndex {
    pub fn build(files: &[PyFile]) -> ModelIndex {
        let mut raw = Vec::new();
        for (i, f) in files.iter().enumerate() {
            let imports_django_models = imports_django_models(f.parsed.body());
            for def in module_classes(f.parsed.body()) {
                let bases = def.bases.iter().filter_map(dotted_name).collect();
                raw.push(RawClass {
                    file: i,
                    def,
                    bases,
                    app_label: app_label_from_path(&f.path),
                    imports_django_models,
                });
            }
        }

        // Which classes are models: by base or by fields, then anything inheriting from a model.
        let mut is_model: Vec<bool> = raw
            .iter()
            .map(|c| {
                c.bases.iter().any(|b| {
                    let last = b.rsplit('.').next().unwrap_or(b);
                    b == "models.Model"
                        || (KNOWN_MODEL_BASES.contains(&last)
                            && (b.starts_with("models.") || c.imports_django_models || last != "Model"))
                        || (last.ends_with("Model") && last != "Model" && !last.ends_with("ViewModel"))
                }) || declares_model_fields(c.def)
            })
            .collect();
        loop {
            let names: HashSet<&str> =
                raw.iter().zip(&is_model).filter(|(_, m)| **m).map(|(c, _)| c.def.name.as_str()).collect();
            let mut changed = false;
            for (c, m) in raw.iter().zip(is_model.iter_mut()) {
                if !*m && c.bases.iter().any(|b| names.contains(b.rsplit('.').next().unwrap_or(b))) {
                    *m = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }

        let mut index = ModelIndex::default();
        let mut raw_fields: Vec<Vec<RawField>> = Vec::new();
        for (c, _) in raw.iter().zip(&is_model).filter(|(_, m)| **m) {
            let id = index.models.len();
            let meta = read_meta(c.def);
            let file = &files[c.file];
            let app_label = meta.app_label.clone().unwrap_or_else(|| c.app_label.clone());
            let (fields, managers) = read_body(c.def, &file.parsed);
            index.models.push(Model {
                name: c.def.name.to_string(),
                app_label,
                path: file.path.clone(),
                span: class_name_span(&file.parsed, c.def),
                is_abstract: meta.is_abstract,
                db_table: meta.db_table,
                fields: Vec::new(),
                managers,
                reverse: Vec::new(),
                bases: c.bases.clone(),
            });
            index.by_name.entry(c.def.name.to_string()).or_default().push(id);
            raw_fields.push(fields);
        }

        migration_models(files, &mut index, &mut raw_fields);

        // Resolve relation targets now that every model has an id.
        for (id, raw) in raw_fields.iter().enumerate() {
            let resolved: Vec<Field> = raw
                .iter()
                .map(|rf| Field {
                    name: rf.name.clone(),
                    class_name: rf.class_name.clone(),
                    relation: rf.relation.as_ref().map(|(kind, target, related_name)| Relation {
                        kind: *kind,
                        target: index.resolve_reference(target, id),
                        related_name: related_name.clone(),
                    }),
                    null: rf.null,
                    auto_now: rf.auto_now,
                    declared_in: id,
                    span: rf.span,
                })
                .collect();
            index.models[id].fields = resolved;
        }

        index.inherit_fields();
        index.add_reverse_relations();
        index
    }

    pub fn len(&self) -> usize {
        self.models.len()
    }

    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }

    pub fn get(&self, id: ModelId) -> &Model {
        &self.models[id]
    }

    /// Looks a model up by class name, preferring one in `app_label` when several share the name.
    pub fn find(&self, name: &str, app_label: Option<&str>) -> Option<ModelId> {
        let ids = self.by_name.get(name)?;
        if let Some(app) = app_label.filter(|a| !a.is_empty()) {
            if let Some(&id) = ids.iter().find(|&&id| self.models[id].app_label.eq_ignore_ascii_case(app)) {
                return Some(id);
            }
        }
        ids.first().copied()
    }

    /// The one concrete model built on an abstract one, if there is exactly one: what `self` is in
    /// the abstract model's methods at runtime.
    pub fn sole_concrete_subclass(&self, abstract_model: ModelId) -> Option<ModelId> {
        let name = &self.models[abstract_model].name;
        let mut subs = self
            .models
            .iter()
            .enumerate()
            .filter(|(_, m)| !m.is_abstract && m.bases.iter().any(|b| b.rsplit('.').next() == Some(name.as_str())));
        let first = subs.next().map(|(i, _)| i)?;
        subs.next().is_none().then_some(first)
    }

    /// Whether the name is ambiguous (several models share it).
    pub fn is_ambiguous(&self, name: &str) -> bool {
        self.by_name.get(name).is_some_and(|ids| ids.len() > 1)
    }

    /// What `instance.<attr>` is on a model: a related object, a related manager, or neither.
    pub fn accessor(&self, model: ModelId, attr: &str) -> Option<Accessor> {
        let m = &self.models[model];
        if let Some(f) = m.fields.iter().find(|f| f.name == attr) {
            let rel = f.relation.as_ref()?;
            let target = match rel.target {
                Target::Model(t) => Some(t),
                Target::External(_) => None,
            };
            return Some(match rel.kind {
                RelationKind::ForeignKey | RelationKind::OneToOne => {
                    Accessor::Single { target, reverse: false, kind: rel.kind }
                }
                RelationKind::ManyToMany => Accessor::Many { target, reverse: false, kind: rel.kind },
            });
        }
        let r = m.reverse.iter().find(|r| r.accessor == attr)?;
        Some(match r.kind {
            RelationKind::OneToOne => Accessor::Single { target: Some(r.from_model), reverse: true, kind: r.kind },
            _ => Accessor::Many { target: Some(r.from_model), reverse: true, kind: r.kind },
        })
    }

    /// The name of what `model.<attr>` points to: a model name, or the reference as written when the
    /// target is outside the project (`auth.User`).
    pub fn target_label(&self, model: ModelId, attr: &str) -> String {
        match self.accessor(model, attr) {
            Some(Accessor::Single { target: Some(t), .. } | Accessor::Many { target: Some(t), .. }) => {
                self.models[t].name.clone()
            }
            _ => self.models[model]
                .fields
                .iter()
                .find(|f| f.name == attr)
                .and_then(|f| f.relation.as_ref())
                .map(|r| match &r.target {
                    Target::External(s) if s == "get_user_model()" || s.ends_with("AUTH_USER_MODEL") => {
                        "the user model".to_string()
                    }
                    Target::External(s) => s.clone(),
                    Target::Model(t) => self.models[*t].name.clone(),
                })
                .unwrap_or_else(|| "a related model".into()),
        }
    }

    /// Resolves `"self"`, `"app.Model"`, `"Model"`, `Model`, `settings.AUTH_USER_MODEL`.
    fn resolve_reference(&self, reference: &str, from: ModelId) -> Target {
        let from_app = self.models[from].app_label.clone();
        if reference == "self" {
            return Target::Model(from);
        }
        if reference == "settings.AUTH_USER_MODEL" || reference == "get_user_model()" || reference == "AUTH_USER_MODEL"
        {
            let user = self.models.iter().position(|m| {
                !m.is_abstract && m.bases.iter().any(|b| b.ends_with("AbstractUser") || b.ends_with("AbstractBaseUser"))
            });
            return user.map(Target::Model).unwrap_or_else(|| Target::External("auth.User".into()));
        }
        let (app, name) = match reference.rsplit_once('.') {
            Some((app, name)) => (Some(app.rsplit('.').next().unwrap_or(app)), name),
            None => (None, reference),
        };
        let app = app.or(Some(from_app.as_str()));
        match self.find(name, app) {
            // A dotted Python reference (`other.Model`) whose app is not ours still resolves by name.
            Some(id) => Target::Model(id),
            None => Target::External(reference.to_string()),
        }
    }

    /// Copies fields from model bases into subclasses (abstract inheritance and multi-table
    /// inheritance both expose the parent's fields on the child).
    fn inherit_fields(&mut self) {
        let n = self.models.len();
        let mut done = vec![false; n];
        for id in 0..n {
            self.inherit_into(id, &mut done, &mut Vec::new());
        }
    }

    fn inherit_into(&mut self, id: ModelId, done: &mut [bool], visiting: &mut Vec<ModelId>) {
        if done[id] || visiting.contains(&id) {
            return;
        }
        visiting.push(id);
        let app = self.models[id].app_label.clone();
        let parents: Vec<ModelId> = self.models[id]
            .bases
            .iter()
            .filter_map(|b| self.find(b.rsplit('.').next().unwrap_or(b), Some(&app)))
            .filter(|&p| p != id)
            .collect();
        let mut inherited = Vec::new();
        for p in parents {
            self.inherit_into(p, done, visiting);
            for f in &self.models[p].fields {
                if !self.models[id].fields.iter().any(|own| own.name == f.name)
                    && !inherited.iter().any(|x: &Field| x.name == f.name)
                {
                    let mut f = f.clone();
                    if let Some(rel) = &mut f.relation {
                        // `related_name="%(class)s_set"` on an abstract base names each child.
                        if let Some(rn) = &rel.related_name {
                            rel.related_name = Some(
                                rn.replace("%(class)s", &self.models[id].name.lowercase())
                                    .replace("%(app_label)s", &app.lowercase()),
                            );
                        }
                        if rel.target == Target::Model(p) && self.models[p].is_abstract {
                            rel.target = Target::Model(id);
                        }
                    }
                    inherited.push(f);
                }
            }
            for m in self.models[p].managers.clone() {
                if !self.models[id].managers.contains(&m) {
                    self.models[id].managers.push(m);
                }
            }
        }
        let own = std::mem::take(&mut self.models[id].fields);
        inherited.extend(own);
        self.models[id].fields = inherited;
        visiting.pop();
        done[id] = true;
    }

    fn add_reverse_relations(&mut self) {
        let mut additions: Vec<(ModelId, ReverseRelation)> = Vec::new();
        for (id, m) in self.models.iter().enumerate() {
            if m.is_abstract {
                continue;
            }
            for f in &m.fields {
                let Some(rel) = &f.relation else { continue };
                let Target::Model(target) = rel.target else { continue };
                let accessor = match &rel.related_name {
                    Some(rn) if rn.ends_with('+') => continue,
                    Some(rn) => {
                        rn.replace("%(class)s", &m.name.lowercase()).replace("%(app_label)s", &m.app_label.lowercase())
                    }
                    None => match rel.kind {
                        RelationKind::OneToOne => m.name.lowercase(),
                        _ => format!("{}_set", m.name.lowercase()),
                    },
                };
                additions.push((
                    target,
                    ReverseRelation { accessor, from_model: id, field: f.name.clone(), kind: rel.kind },
                ));
            }
        }
        for (target, r) in additions {
            if !self.models[target].reverse.iter().any(|x| x.accessor == r.accessor) {
                self.models[target].reverse.push(r);
            }
        }
    }
}

/// Classes defined at module level, including inside `if`/`try`/`with` blocks (django-oscar defines
/// its concrete models under `if not is_model_registered(...)`).
fn module_classes(body: &[Stmt]) -> Vec<&ast::StmtClassDef> {
    let mut out = Vec::new();
    let mut stack: Vec<&[Stmt]> = vec![body];
    while let Some(block) = stack.pop() {
        for stmt in block {
            match stmt {
                Stmt::ClassDef(def) => out.push(def),
                Stmt::If(i) => {
                    stack.push(&i.body);
                    stack.push(&i.orelse);
                }
                Stmt::Try(t) => {
                    stack.push(&t.body);
                    stack.push(&t.orelse);
                    for h in &t.handlers {
                        let ast::ExceptHandler::ExceptHandler(h) = h;
                        stack.push(&h.body);
                    }
                }
                Stmt::With(w) => stack.push(&w.body),
                _ => {}
            }
        }
    }
    crate::sort::sort_by_key(&mut out, |d| d.range.start());
    out
}

fn imports_django_models(body: &[Stmt]) -> bool {
    body.iter().any(|s| match s {
        Stmt::ImportFrom(i) => {
            i.module.as_deref().is_some_and(|m| m.starts_with("django.db") || m.starts_with("django.contrib.auth"))
        }
        Stmt::Import(i) => i.names.iter().any(|a| a.name.starts_with("django.db")),
        _ => false,
    })
}

/// `blog/models.py` and `blog/models/post.py` are app `blog`.
pub fn app_label_from_path(path: &str) -> String {
    let parts: Vec<&str> = path.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
    if let Some(pos) = parts.iter().rposition(|p| *p == "models" || *p == "models.py" || *p == "migrations") {
        if pos >= 1 {
            return parts[pos - 1].to_string();
        }
    }
    if parts.len() >= 2 {
        return parts[parts.len() - 2].to_string();
    }
    String::new()
}

struct Meta {
    is_abstract: bool,
    db_table: Option<String>,
    app_label: Option<String>,
}

fn read_meta(def: &ast::StmtClassDef) -> Meta {
    let mut meta = Meta { is_abstract: false, db_table: None, app_label: None };
    for stmt in &def.body {
        let Stmt::ClassDef(inner) = stmt else { continue };
        if inner.name.as_str() != "Meta" {
            continue;
        }
        for s in &inner.body {
            let Stmt::Assign(a) = s else { continue };
            for t in &a.targets {
                let Expr::Name(n) = t else { continue };
                match n.id.as_str() {
                    "abstract" => meta.is_abstract = bool_value(&a.value) == Some(true),
                    "db_table" => meta.db_table = str_value(&a.value).map(str::to_string),
                    "app_label" => meta.app_label = str_value(&a.value).map(str::to_string),
                    _ => {}
                }
            }
        }
    }
    meta
}

struct RawField {
    name: String,
    class_name: String,
    relation: Option<(RelationKind, String, Option<String>)>,
    null: bool,
    auto_now: bool,
    span: Span,
}

fn field_call(value: &Expr) -> Option<(&ast::ExprCall, String)> {
    let Expr::Call(call) = value else { return None };
    let name = dotted_name(&call.func)?;
    let last = name.rsplit('.').next().unwrap_or(&name).to_string();
    let looks_like_field = last.ends_with("Field") || last.ends_with("Key") || relation_kind(&last).is_some();
    looks_like_field.then_some((call, last))
}

fn declares_model_fields(def: &ast::StmtClassDef) -> bool {
    def.body.iter().any(|s| {
        let value = match s {
            Stmt::Assign(a) => &a.value,
            Stmt::AnnAssign(a) => match &a.value {
                Some(v) => v,
                None => return false,
            },
            _ => return false,
        };
        match value.as_ref() {
            Expr::Call(c) => {
                dotted_name(&c.func).is_some_and(|n| n.starts_with("models.") && field_call(value).is_some())
            }
            _ => false,
        }
    })
}

fn read_body(def: &ast::StmtClassDef, parsed: &crate::python::ParsedPython) -> (Vec<RawField>, Vec<String>) {
    let mut fields = Vec::new();
    let mut managers = vec!["objects".to_string()];
    for stmt in &def.body {
        let (targets, value): (Vec<&Expr>, &Expr) = match stmt {
            Stmt::Assign(a) => (a.targets.iter().collect(), &a.value),
            Stmt::AnnAssign(a) => match &a.value {
                Some(v) => (vec![&a.target], v),
                None => continue,
            },
            _ => continue,
        };
        let Some(Expr::Name(target)) = targets.first().copied() else { continue };
        let name = target.id.to_string();
        if let Some(field) = raw_field(name.clone(), value, parsed.span_of(target)) {
            fields.push(field);
        } else if is_manager(value) && !managers.contains(&name) {
            managers.push(name);
        }
    }
    (fields, managers)
}

/// A field from its declaration (`models.ForeignKey("Author", related_name="books")`).
fn raw_field(name: String, value: &Expr, span: Span) -> Option<RawField> {
    let (call, class_name) = field_call(value)?;
    let relation = relation_kind(&class_name).and_then(|kind| {
        let reference = call.args.first().or_else(|| keyword(call, "to")).and_then(reference_text)?;
        let related_name = keyword(call, "related_name").and_then(str_value).map(str::to_string);
        Some((kind, reference, related_name))
    });
    let null = keyword(call, "null").and_then(bool_value) == Some(true);
    let auto_now = ["auto_now", "auto_now_add"].iter().any(|k| keyword(call, k).and_then(bool_value) == Some(true));
    Some(RawField { name, class_name, relation, null, auto_now, span })
}

/// Models known only from migrations (`CreateModel`, then `AddField`), for inputs that contain
/// migrations but not the models module. A model defined in Python always wins.
fn migration_models(files: &[PyFile], index: &mut ModelIndex, raw_fields: &mut Vec<Vec<RawField>>) {
    use crate::python::walk::{walk_body, walk_expr, Visitor};
    struct Ops<'a>(Vec<&'a ast::ExprCall>);
    impl<'a> Visitor<'a> for Ops<'a> {
        fn visit_expr(&mut self, e: &'a Expr) {
            if let Expr::Call(c) = e {
                if matches!(last_segment(&c.func), Some("CreateModel" | "AddField" | "get_model")) {
                    self.0.push(c);
                }
            }
            walk_expr(self, e);
        }
    }
    let first_defined = index.models.len();
    for f in files.iter().filter(|f| f.kind == crate::project::FileKind::Migration) {
        let app = app_label_from_path(&f.path);
        let mut ops = Ops(Vec::new());
        walk_body(&mut ops, f.parsed.body());
        for c in ops.0 {
            let arg = |pos: usize, kw: &str| c.args.get(pos).or_else(|| keyword(c, kw));
            if last_segment(&c.func) == Some("get_model") {
                // `apps.get_model("shop", "Order")` in a data migration names a model even when neither
                // its class nor its CreateModel is in the input: known to exist, fields unknown.
                let (Some(app_label), Some(name)) =
                    (c.args.first().and_then(str_value), c.args.get(1).and_then(str_value))
                else {
                    continue;
                };
                // Only when no model of that name is defined anywhere: app labels from paths do not
                // always match `Meta.app_label`, and a real model must never be shadowed.
                if index.models.iter().any(|m| m.name == name) {
                    continue;
                }
                let id = index.models.len();
                index.models.push(Model {
                    name: name.to_string(),
                    app_label: app_label.to_string(),
                    path: f.path.clone(),
                    span: f.parsed.span_of(c),
                    is_abstract: false,
                    db_table: None,
                    fields: Vec::new(),
                    managers: vec!["objects".to_string()],
                    reverse: Vec::new(),
                    bases: Vec::new(),
                });
                index.by_name.entry(name.to_string()).or_default().push(id);
                raw_fields.push(Vec::new());
                continue;
            }
            if last_segment(&c.func) == Some("CreateModel") {
                let Some(name) = arg(0, "name").and_then(str_value) else { continue };
                if index.models.iter().any(|m| m.name == name) {
                    continue;
                }
                let mut fields = Vec::new();
                if let Some(Expr::List(l)) = arg(1, "fields") {
                    for item in &l.elts {
                        let Expr::Tuple(t) = item else { continue };
                        let (Some(fname), Some(value)) = (t.elts.first().and_then(str_value), t.elts.get(1)) else {
                            continue;
                        };
                        fields.extend(raw_field(fname.to_string(), value, f.parsed.span_of(item)));
                    }
                }
                let db_table = match arg(2, "options") {
                    Some(Expr::Dict(d)) => d.keys.iter().zip(&d.values).find_map(|(k, v)| {
                        (k.as_ref().and_then(str_value) == Some("db_table"))
                            .then(|| str_value(v).map(str::to_string))
                            .flatten()
                    }),
                    _ => None,
                };
                let id = index.models.len();
                index.models.push(Model {
                    name: name.to_string(),
                    app_label: app.clone(),
                    path: f.path.clone(),
                    span: f.parsed.span_of(c),
                    is_abstract: false,
                    db_table,
                    fields: Vec::new(),
                    managers: vec!["objects".to_string()],
                    reverse: Vec::new(),
                    bases: Vec::new(),
                });
                index.by_name.entry(name.to_string()).or_default().push(id);
                raw_fields.push(fields);
            } else {
                let (Some(model), Some(fname), Some(value)) =
                    (arg(0, "model_name").and_then(str_value), arg(1, "name").and_then(str_value), arg(2, "field"))
                else {
                    continue;
                };
                let target = (first_defined..index.models.len())
                    .find(|&i| index.models[i].name.eq_ignore_ascii_case(model) && index.models[i].app_label == app);
                if let (Some(id), Some(field)) = (target, raw_field(fname.to_string(), value, f.parsed.span_of(c))) {
                    raw_fields[id].retain(|x| x.name != field.name);
                    raw_fields[id].push(field);
                }
            }
        }
    }
}

/// The model reference a relation field names: a string, a class name, or the user-model setting.
fn reference_text(expr: &Expr) -> Option<String> {
    if let Some(s) = str_value(expr) {
        return Some(s.to_string());
    }
    if let Expr::Call(c) = expr {
        if last_segment(&c.func) == Some("get_user_model") {
            return Some("get_user_model()".into());
        }
    }
    dotted_name(expr)
}

fn is_manager(value: &Expr) -> bool {
    let Expr::Call(call) = value else { return false };
    match call.func.as_ref() {
        // `Manager.from_queryset(QS)()`
        Expr::Call(inner) => last_segment(&inner.func) == Some("from_queryset"),
        f => last_segment(f).is_some_and(|n| n.ends_with("Manager") || n == "as_manager"),
    }
}

fn class_name_span(parsed: &crate::python::ParsedPython, def: &ast::StmtClassDef) -> Span {
    let s = parsed.span_of(def);
    // Point at `class Name`, not the whole body.
    Span {
        line: s.line,
        column: s.column,
        end_line: s.line,
        end_column: s.column + 6 + def.name.chars().count() as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::FileKind;
    use crate::python::parse_python;

    fn file(path: &str, src: &str) -> PyFile {
        PyFile {
            path: path.into(),
            text: src.into(),
            kind: FileKind::Python,
            parsed: parse_python(path, src).expect("parses"),
            partial: false,
        }
    }

    const BLOG: &str = r#"
from django.db import models
from django.conf import settings

class Author(models.Model):
    name = models.CharField(max_length=100)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

class Tag(models.Model):
    label = models.SlugField()

class Post(models.Model):
    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="posts")
    editor = models.ForeignKey("Author", null=True, on_delete=models.SET_NULL, related_name="+")
    tags = models.ManyToManyField("blog.Tag")
    parent = models.ForeignKey("self", null=True, on_delete=models.CASCADE)
    published = PublishedManager()

class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE)
    body = models.TextField()
"#;

    #[test]
    fn indexes_models_fields_and_both_directions_of_relations() {
        let files = vec![file("blog/models.py", BLOG)];
        let idx = ModelIndex::build(&files);
        let names: Vec<&str> = idx.models.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["Author", "Tag", "Post", "Comment"]);
        let post = idx.find("Post", None).expect("Post");
        let author = idx.find("Author", None).expect("Author");
        let tag = idx.find("Tag", None).expect("Tag");
        let comment = idx.find("Comment", None).expect("Comment");
        assert_eq!(idx.get(post).app_label, "blog");
        assert_eq!(
            idx.accessor(post, "author"),
            Some(Accessor::Single { target: Some(author), reverse: false, kind: RelationKind::ForeignKey })
        );
        assert_eq!(
            idx.accessor(post, "tags"),
            Some(Accessor::Many { target: Some(tag), reverse: false, kind: RelationKind::ManyToMany })
        );
        assert_eq!(
            idx.accessor(post, "parent"),
            Some(Accessor::Single { target: Some(post), reverse: false, kind: RelationKind::ForeignKey })
        );
        // Reverse accessors: related_name, default `_set`, M2M reverse, and `+` hides one.
        assert_eq!(
            idx.accessor(author, "posts"),
            Some(Accessor::Many { target: Some(post), reverse: true, kind: RelationKind::ForeignKey })
        );
        assert_eq!(
            idx.accessor(post, "comment_set"),
            Some(Accessor::Many { target: Some(comment), reverse: true, kind: RelationKind::ForeignKey })
        );
        assert_eq!(
            idx.accessor(tag, "post_set"),
            Some(Accessor::Many { target: Some(post), reverse: true, kind: RelationKind::ManyToMany })
        );
        assert_eq!(
            idx.accessor(post, "post_set"),
            Some(Accessor::Many { target: Some(post), reverse: true, kind: RelationKind::ForeignKey })
        );
        assert!(idx.get(author).reverse.iter().all(|r| r.field != "editor"));
        // Plain fields and `_id` attributes are not relations.
        assert_eq!(idx.accessor(post, "title"), None);
        assert_eq!(idx.accessor(post, "author_id"), None);
        // The user model is outside the project.
        assert!(matches!(idx.get(author).fields[1].relation.as_ref().map(|r| &r.target), Some(Target::External(_))));
        assert!(idx.get(post).managers.contains(&"published".to_string()));
    }

    #[test]
    fn resolves_references_across_files_and_apps_and_inherits_abstract_fields() {
        let shop = r#"
from django.db import models
class Stamped(models.Model):
    created_by = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="%(class)s_created")
    class Meta:
        abstract = True

class Order(Stamped):
    customer = models.ForeignKey("accounts.User", on_delete=models.CASCADE)

class Line(models.Model):
    order = models.ForeignKey("shop.Order", on_delete=models.CASCADE, related_name="lines")
    class Meta:
        db_table = "order_lines"
"#;
        let accounts = "from django.contrib.auth.models import AbstractUser\nclass User(AbstractUser):\n    pass\n";
        let files = vec![file("shop/models.py", shop), file("accounts/models.py", accounts)];
        let idx = ModelIndex::build(&files);
        let order = idx.find("Order", None).expect("Order");
        let user = idx.find("User", Some("accounts")).expect("User");
        let line = idx.find("Line", None).expect("Line");
        assert!(idx.get(idx.find("Stamped", None).expect("Stamped")).is_abstract);
        assert_eq!(idx.get(line).db_table.as_deref(), Some("order_lines"));
        assert_eq!(
            idx.accessor(order, "created_by"),
            Some(Accessor::Single { target: Some(user), reverse: false, kind: RelationKind::ForeignKey })
        );
        assert_eq!(
            idx.accessor(order, "lines"),
            Some(Accessor::Many { target: Some(line), reverse: true, kind: RelationKind::ForeignKey })
        );
        assert!(idx.accessor(user, "order_created").is_some(), "{:?}", idx.get(user).reverse);
        assert!(idx.accessor(user, "order_set").is_some());
    }

    #[test]
    fn forms_and_serializers_are_not_models() {
        let src = "from django import forms\nclass PostForm(forms.ModelForm):\n    title = forms.CharField()\nclass S(serializers.ModelSerializer):\n    x = serializers.CharField()\n";
        let idx = ModelIndex::build(&[file("blog/forms.py", src)]);
        assert!(idx.is_empty(), "{:?}", idx.models.iter().map(|m| &m.name).collect::<Vec<_>>());
    }

    #[test]
    fn app_labels_come_from_the_package() {
        assert_eq!(app_label_from_path("src/blog/models.py"), "blog");
        assert_eq!(app_label_from_path("blog/models/post.py"), "blog");
        assert_eq!(app_label_from_path("blog/migrations/0001_initial.py"), "blog");
        assert_eq!(app_label_from_path(""), "");
    }
}
