//! The models as a sequence of migrations leaves them: replaying each app's history gives the
//! previous definition an `AlterField` or `RemoveField` is judged against.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use super::read::{MigrationFile, Operation};
use super::value::{Call, PyValue};
use crate::text::Case;

/// How a relation to `settings.AUTH_USER_MODEL` is recorded; [`ProjectState`] maps it to the
/// project's user model.
pub const USER_MODEL: &str = "settings.AUTH_USER_MODEL";

/// A field as a migration defines it: `models.CharField(max_length=100, null=True)`.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldDef {
    pub call: Call,
}

impl FieldDef {
    pub fn from_value(v: &PyValue) -> Option<FieldDef> {
        v.as_call().map(|c| FieldDef { call: c.clone() })
    }

    pub fn class(&self) -> &str {
        self.call.short_func()
    }

    fn flag(&self, name: &str) -> Option<bool> {
        self.call.kwarg(name).and_then(PyValue::as_bool)
    }

    pub fn null(&self) -> bool {
        self.flag("null").unwrap_or(false)
    }

    pub fn primary_key(&self) -> bool {
        self.flag("primary_key").unwrap_or(false)
    }

    pub fn unique(&self) -> bool {
        self.flag("unique").unwrap_or(false) || self.class() == "OneToOneField" || self.primary_key()
    }

    /// Django indexes foreign keys and slugs unless told otherwise.
    pub fn db_index(&self) -> bool {
        self.flag("db_index").unwrap_or(matches!(self.class(), "ForeignKey" | "SlugField"))
    }

    pub fn is_foreign_key(&self) -> bool {
        matches!(self.class(), "ForeignKey" | "OneToOneField" | "ParentalKey" | "TreeForeignKey")
    }

    pub fn is_many_to_many(&self) -> bool {
        matches!(self.class(), "ManyToManyField" | "ParentalManyToManyField" | "TaggableManager")
    }

    pub fn db_constraint(&self) -> bool {
        self.flag("db_constraint").unwrap_or(true)
    }

    pub fn default(&self) -> Option<&PyValue> {
        self.call.kwarg("default")
    }

    pub fn db_default(&self) -> Option<&PyValue> {
        self.call.kwarg("db_default")
    }

    pub fn db_column(&self) -> Option<&str> {
        self.call.kwarg("db_column").and_then(PyValue::as_str)
    }

    pub fn max_length(&self) -> Option<i64> {
        self.call.kwarg("max_length").and_then(PyValue::as_int).or(match self.class() {
            "SlugField" => Some(50),
            "EmailField" => Some(254),
            "URLField" => Some(200),
            "FileField" | "ImageField" | "FilePathField" => Some(100),
            _ => None,
        })
    }

    /// The target model of a relation, as `app.Model` or `Model` (`"self"` kept).
    pub fn target(&self) -> Option<String> {
        match self.call.arg("to", 0)? {
            PyValue::Str(s) => Some(s.clone()),
            PyValue::Name(n) if n.ends_with("AUTH_USER_MODEL") => Some(USER_MODEL.into()),
            PyValue::Name(n) => Some(n.rsplit('.').next().unwrap_or(n).to_string()),
            _ => None,
        }
    }

    /// Points the relation at another model (`app.Model`).
    pub fn set_target(&mut self, label: &str) {
        if let Some(slot) = self.call.kwargs.iter_mut().find(|(k, _)| k == "to") {
            slot.1 = PyValue::Str(label.to_string());
        } else if let Some(first) = self.call.args.first_mut() {
            *first = PyValue::Str(label.to_string());
        } else {
            self.call.kwargs.push(("to".into(), PyValue::Str(label.to_string())));
        }
    }

    /// The column the field is stored in.
    pub fn column(&self, name: &str) -> String {
        match self.db_column() {
            Some(c) => c.to_string(),
            None if self.is_foreign_key() => format!("{name}_id"),
            None => name.to_string(),
        }
    }

    /// The PostgreSQL column type Django gives the field. Relations take their target key's type.
    pub fn db_type(&self, target_pk: Option<&str>) -> Option<String> {
        let t = match self.class() {
            "CharField" | "SlugField" | "EmailField" | "URLField" | "FileField" | "ImageField" | "FilePathField" => {
                match self.max_length() {
                    Some(n) => format!("varchar({n})"),
                    None => "varchar".into(),
                }
            }
            "TextField" => "text".into(),
            "AutoField" => "integer".into(),
            "BigAutoField" => "bigint".into(),
            "SmallAutoField" => "smallint".into(),
            "IntegerField" | "PositiveIntegerField" => "integer".into(),
            "BigIntegerField" | "PositiveBigIntegerField" => "bigint".into(),
            "SmallIntegerField" | "PositiveSmallIntegerField" => "smallint".into(),
            "BooleanField" | "NullBooleanField" => "boolean".into(),
            "DateTimeField" => "timestamp with time zone".into(),
            "DateField" => "date".into(),
            "TimeField" => "time".into(),
            "DurationField" => "interval".into(),
            "DecimalField" => {
                let digits = self.call.kwarg("max_digits").and_then(PyValue::as_int).unwrap_or(10);
                let places = self.call.kwarg("decimal_places").and_then(PyValue::as_int).unwrap_or(2);
                format!("numeric({digits}, {places})")
            }
            "FloatField" => "double precision".into(),
            "UUIDField" => "uuid".into(),
            "JSONField" => "jsonb".into(),
            "BinaryField" => "bytea".into(),
            "GenericIPAddressField" | "IPAddressField" => "inet".into(),
            "ForeignKey" | "OneToOneField" | "ParentalKey" | "TreeForeignKey" => {
                target_pk.unwrap_or("bigint").to_string()
            }
            "ManyToManyField" | "ParentalManyToManyField" | "TaggableManager" | "GenericRelation" => return None,
            "ArrayField" => {
                let base = self.call.arg("base_field", 0).and_then(FieldDef::from_value);
                format!("{}[]", base.and_then(|b| b.db_type(None)).unwrap_or_else(|| "varchar".into()))
            }
            "HStoreField" => "hstore".into(),
            "CICharField" | "CIEmailField" | "CITextField" => "citext".into(),
            // A custom field class: its type is decided by code we do not see.
            other => format!("<{other} column>"),
        };
        Some(t)
    }

    /// The type of the key column when this field is a primary key: serials become plain integers.
    pub fn key_type(&self) -> Option<String> {
        self.db_type(None)
    }

    /// Whether `django` knows this class: custom field classes get an unknown type.
    pub fn known_type(&self) -> bool {
        self.db_type(None).is_some_and(|t| !t.starts_with('<'))
    }
}

#[derive(Clone, Debug)]
pub struct ModelState {
    pub app: String,
    pub name: String,
    pub fields: Vec<(String, FieldDef)>,
    pub db_table: Option<String>,
    pub unique_together: Vec<Vec<String>>,
    pub indexes: Vec<PyValue>,
    pub constraints: Vec<PyValue>,
    /// The migration that created the model (`app`, `name`).
    pub created_in: (String, String),
    /// `proxy = True` or `managed = False`: Django creates no table and runs no SQL for it.
    pub no_table: bool,
}

impl ModelState {
    pub fn table(&self) -> String {
        self.db_table.clone().unwrap_or_else(|| format!("{}_{}", self.app, self.name.lowercase()))
    }

    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, f)| f)
    }

    pub fn pk(&self) -> Option<(&str, &FieldDef)> {
        self.fields.iter().find(|(_, f)| f.primary_key()).map(|(n, f)| (n.as_str(), f))
    }
}

/// Every model the replayed migrations define, keyed by (app label, lower-cased model name).
///
/// Judging an operation works on a copy of the state with the operation applied; the models are
/// shared between copies (`Rc`) so that a copy costs one map, and an operation copies only the
/// models it changes.
#[derive(Clone, Debug, Default)]
pub struct ProjectState {
    pub models: BTreeMap<(String, String), Rc<ModelState>>,
    /// `AUTH_USER_MODEL` from the project's settings (`auth.User` when not set).
    pub user_model: Option<String>,
}

impl ProjectState {
    /// A relation target with the swappable user model replaced by the project's.
    pub fn canonical(&self, target: &str) -> String {
        if target == USER_MODEL {
            self.user_model.clone().unwrap_or_else(|| "auth.User".into())
        } else {
            target.to_string()
        }
    }

    pub fn get(&self, app: &str, model: &str) -> Option<&ModelState> {
        self.models.get(&(app.to_string(), model.lowercase())).map(|m| &**m)
    }

    /// The model a relation points to, from the app of the field that declares it.
    pub fn resolve(&self, from_app: &str, target: &str) -> Option<&ModelState> {
        let target = self.canonical(target);
        let target = target.as_str();
        match target.split_once('.') {
            Some((app, model)) => self.get(app, model),
            None => self.get(from_app, target).or_else(|| {
                let lower = target.lowercase();
                let mut hits = self.models.iter().filter(|((_, m), _)| *m == lower);
                match (hits.next(), hits.next()) {
                    (Some((_, m)), None) => Some(&**m),
                    _ => None,
                }
            }),
        }
    }

    /// The table a relation points to: from the replayed state, else derived from `app.Model`.
    pub fn target_table(&self, from_app: &str, target: &str) -> String {
        if let Some(m) = self.resolve(from_app, target) {
            return m.table();
        }
        let target = self.canonical(target);
        match target.split_once('.') {
            Some((app, model)) if !app.is_empty() && !model.is_empty() => {
                if app == "auth" && model.eq_ignore_ascii_case("user") {
                    "auth_user".to_string()
                } else {
                    format!("{}_{}", app.lowercase(), model.lowercase())
                }
            }
            _ => format!("<table of {target}>"),
        }
    }

    /// The key column type of a relation's target (`integer` for `AutoField`, `bigint` for
    /// `BigAutoField`), when the target is known.
    pub fn target_key_type(&self, from_app: &str, field: &FieldDef) -> Option<String> {
        let target = field.target()?;
        let model = self.resolve(from_app, &target)?;
        model.pk().and_then(|(_, f)| f.key_type())
    }

    /// Foreign keys elsewhere that point at `app.model`: (model, field name).
    pub fn incoming(&self, app: &str, model: &str) -> Vec<(&ModelState, &str)> {
        let mut out = Vec::new();
        for m in self.models.values() {
            for (name, f) in &m.fields {
                if !f.is_foreign_key() {
                    continue;
                }
                let Some(target) = f.target().map(|t| self.canonical(&t)) else { continue };
                let hit = match target.split_once('.') {
                    Some((a, t)) => a.eq_ignore_ascii_case(app) && t.eq_ignore_ascii_case(model),
                    None if target == "self" => m.app == app && m.name.eq_ignore_ascii_case(model),
                    None => m.app == app && target.eq_ignore_ascii_case(model),
                };
                if hit {
                    out.push((&**m, name.as_str()));
                }
            }
        }
        out
    }

    /// A model to change, copied first if another copy of the state shares it.
    fn model_mut(&mut self, key: &(String, String)) -> Option<&mut ModelState> {
        self.models.get_mut(key).map(Rc::make_mut)
    }

    /// Applies one operation of migration `m` to the state.
    pub fn apply(&mut self, m: &MigrationFile, op: &Operation) {
        let app = m.app.clone();
        let key = |name: &str| (app.clone(), name.lowercase());
        match op.kind.as_str() {
            "CreateModel" => {
                let Some(name) = op.call.arg("name", 0).and_then(PyValue::as_str) else { return };
                let fields = op
                    .call
                    .arg("fields", 1)
                    .map(|f| {
                        f.as_list()
                            .iter()
                            .filter_map(|pair| match pair.as_list() {
                                [PyValue::Str(n), def] => FieldDef::from_value(def).map(|d| (n.clone(), d)),
                                _ => None,
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let mut model = ModelState {
                    app: app.clone(),
                    name: name.to_string(),
                    fields,
                    db_table: None,
                    unique_together: Vec::new(),
                    indexes: Vec::new(),
                    constraints: Vec::new(),
                    created_in: (m.app.clone(), m.name.clone()),
                    no_table: false,
                };
                if let Some(PyValue::Dict(options)) = op.call.kwarg("options") {
                    apply_options(&mut model, options);
                }
                self.models.insert(key(name), Rc::new(model));
            }
            "DeleteModel" => {
                if let Some(name) = op.model() {
                    self.models.remove(&key(&name));
                }
            }
            "RenameModel" => {
                let (Some(old), Some(new)) = (
                    op.call.arg("old_name", 0).and_then(PyValue::as_str),
                    op.call.arg("new_name", 1).and_then(PyValue::as_str),
                ) else {
                    return;
                };
                if let Some(mut model) = self.models.remove(&key(old)) {
                    Rc::make_mut(&mut model).name = new.to_string();
                    self.models.insert(key(new), model);
                }
                // Relations that pointed at the old name now point at the new one, as in Django.
                let (old_label, new_label) = (format!("{app}.{old}").lowercase(), format!("{app}.{new}"));
                for other in self.models.values_mut() {
                    let same_app = other.app == app;
                    let hit = |f: &FieldDef| {
                        (f.is_foreign_key() || f.is_many_to_many())
                            && f.target().is_some_and(|target| {
                                target.lowercase() == old_label || (same_app && target.eq_ignore_ascii_case(old))
                            })
                    };
                    // Only the models that change are copied out of the shared state.
                    if !other.fields.iter().any(|(_, f)| hit(f)) {
                        continue;
                    }
                    for (_, f) in Rc::make_mut(other).fields.iter_mut() {
                        if hit(f) {
                            f.set_target(&new_label);
                        }
                    }
                }
            }
            "AlterModelTable" => {
                if let Some(model) = op.model().and_then(|n| self.model_mut(&key(&n))) {
                    model.db_table = op.call.arg("table", 1).and_then(PyValue::as_str).map(str::to_string);
                }
            }
            "AlterModelOptions" => {
                if let (Some(model), Some(PyValue::Dict(options))) =
                    (op.model().and_then(|n| self.model_mut(&key(&n))), op.call.arg("options", 1))
                {
                    apply_options(model, options);
                }
            }
            "AddField" | "AlterField" => {
                let (Some(model), Some(field)) = (op.model(), op.field()) else { return };
                let Some(def) = op.call.arg("field", 2).and_then(FieldDef::from_value) else { return };
                if let Some(state) = self.model_mut(&key(&model)) {
                    match state.fields.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(&field)) {
                        Some(slot) => slot.1 = def,
                        None => state.fields.push((field, def)),
                    }
                }
            }
            "RemoveField" => {
                let (Some(model), Some(field)) = (op.model(), op.field()) else { return };
                if let Some(state) = self.model_mut(&key(&model)) {
                    state.fields.retain(|(n, _)| !n.eq_ignore_ascii_case(&field));
                }
            }
            "RenameField" => {
                let (Some(model), Some(old), Some(new)) =
                    (op.model(), op.field(), op.call.arg("new_name", 2).and_then(PyValue::as_str))
                else {
                    return;
                };
                if let Some(state) = self.model_mut(&key(&model)) {
                    for (n, _) in state.fields.iter_mut() {
                        if n.eq_ignore_ascii_case(&old) {
                            *n = new.to_string();
                        }
                    }
                    for set in state.unique_together.iter_mut() {
                        for n in set.iter_mut() {
                            if n.eq_ignore_ascii_case(&old) {
                                *n = new.to_string();
                            }
                        }
                    }
                }
            }
            "AlterUniqueTogether" => {
                if let Some(state) = op.model().and_then(|n| self.model_mut(&key(&n))) {
                    state.unique_together = together(op.call.arg("unique_together", 1));
                }
            }
            "AddIndex" | "AddIndexConcurrently" => {
                if let (Some(state), Some(index)) =
                    (op.model().and_then(|n| self.model_mut(&key(&n))), op.call.arg("index", 1))
                {
                    state.indexes.push(index.clone());
                }
            }
            "RemoveIndex" | "RemoveIndexConcurrently" => {
                let name = op.call.arg("name", 1).and_then(PyValue::as_str).map(str::to_string);
                if let (Some(state), Some(name)) = (op.model().and_then(|n| self.model_mut(&key(&n))), name) {
                    state.indexes.retain(|i| object_name(i).as_deref() != Some(name.as_str()));
                }
            }
            "AddConstraint" | "AddConstraintNotValid" => {
                if let (Some(state), Some(c)) =
                    (op.model().and_then(|n| self.model_mut(&key(&n))), op.call.arg("constraint", 1))
                {
                    state.constraints.push(c.clone());
                }
            }
            "RemoveConstraint" => {
                let name = op.call.arg("name", 1).and_then(PyValue::as_str).map(str::to_string);
                if let (Some(state), Some(name)) = (op.model().and_then(|n| self.model_mut(&key(&n))), name) {
                    state.constraints.retain(|c| object_name(c).as_deref() != Some(name.as_str()));
                }
            }
            "SeparateDatabaseAndState" => {
                for inner in &op.state_operations {
                    self.apply(m, inner);
                }
            }
            _ => {}
        }
    }
}

/// `name="..."` of an `Index(...)` or constraint.
pub fn object_name(v: &PyValue) -> Option<String> {
    v.as_call().and_then(|c| c.kwarg("name")).and_then(PyValue::as_str).map(str::to_string)
}

fn together(v: Option<&PyValue>) -> Vec<Vec<String>> {
    let Some(v) = v else { return Vec::new() };
    let items = v.as_list();
    // `("a", "b")` alone means one set.
    if items.iter().all(|i| matches!(i, PyValue::Str(_))) && !items.is_empty() {
        return vec![items.iter().filter_map(PyValue::as_str).map(str::to_string).collect()];
    }
    items.iter().map(|set| set.as_list().iter().filter_map(PyValue::as_str).map(str::to_string).collect()).collect()
}

fn apply_options(model: &mut ModelState, options: &[(PyValue, PyValue)]) {
    for (k, v) in options {
        match k.as_str() {
            Some("db_table") => model.db_table = v.as_str().map(str::to_string),
            Some("unique_together") => model.unique_together = together(Some(v)),
            Some("indexes") => model.indexes = v.as_list().to_vec(),
            Some("constraints") => model.constraints = v.as_list().to_vec(),
            Some("proxy") if v.as_bool() == Some(true) => model.no_table = true,
            Some("managed") if v.as_bool() == Some(false) => model.no_table = true,
            _ => {}
        }
    }
}

/// The order Django would apply the migrations in: dependencies first, then by app and name.
/// Dependencies outside the input are ignored; a cycle falls back to name order.
pub fn apply_order(migrations: &[MigrationFile]) -> Vec<usize> {
    let index: HashMap<(&str, &str), usize> =
        migrations.iter().enumerate().map(|(i, m)| ((m.app.as_str(), m.name.as_str()), i)).collect();
    let mut order = Vec::with_capacity(migrations.len());
    let mut state = vec![0u8; migrations.len()]; // 0 new, 1 visiting, 2 done
    let mut sorted: Vec<usize> = (0..migrations.len()).collect();
    crate::sort::sort_by(&mut sorted, |&a, &b| {
        (&migrations[a].app, &migrations[a].name).cmp(&(&migrations[b].app, &migrations[b].name))
    });
    for start in sorted {
        // Iterative depth-first search: deep histories must not overflow the stack.
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        while let Some((node, next_dep)) = stack.pop() {
            if next_dep == 0 {
                if state[node] != 0 {
                    continue;
                }
                state[node] = 1;
            }
            let deps = &migrations[node].dependencies;
            let mut pushed = false;
            for (k, (app, name)) in deps.iter().enumerate().skip(next_dep) {
                let Some(&dep) = index.get(&(app.as_str(), name.as_str())) else { continue };
                if state[dep] == 0 {
                    stack.push((node, k + 1));
                    stack.push((dep, 0));
                    pushed = true;
                    break;
                }
            }
            if !pushed {
                state[node] = 2;
                order.push(node);
            }
        }
    }
    order
}
