//! Reading the engine's JSON back (reports, projects, options, share payloads) without serde's
//! derived deserializers.
//!
//! The derived `Deserialize` impls cost about 90 KB of wasm for the web app, which reads a report
//! from its worker, projects and options, autosaved sessions and share links. These readers go
//! through [`serde_json::Value`] (whose parser the app ships anyway) and hand-written field lists
//! instead. They accept what the derived impls accept from the JSON the engine writes: unknown fields
//! are ignored, a missing `Option` field is `None`, a missing field with `#[serde(default)]` takes its
//! default, and anything else missing or of the wrong type is an error (never a panic). The derives
//! stay for the CLI and tests; `tests` below checks both read the same.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::diff::PatchStatus;
use crate::options::{Options, Profile};
use crate::project::{FileKind, Project, SourceFile};
use crate::report::*;
use crate::share::{SharedFile, SharedFindings, SharedReview};

/// A type read from a JSON value.
pub trait FromJson: Sized {
    fn from_json(v: &Value) -> Result<Self, String>;
}

/// Parses `json` and reads a `T` from it. The error is a message for people.
pub fn from_str<T: FromJson>(json: &str) -> Result<T, String> {
    T::from_json(&parse(json)?)
}

#[inline(never)]
fn parse(json: &str) -> Result<Value, String> {
    serde_json::from_str::<Value>(json).map_err(|e| e.to_string())
}

#[inline(never)]
fn invalid(expected: &str, v: &Value) -> String {
    let found = match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    format!("invalid type: {found}, expected {expected}")
}

#[inline(never)]
fn in_field(key: &str, e: String) -> String {
    format!("{e} (field `{key}`)")
}

/// An object's fields.
pub struct Fields<'a>(&'a Map<String, Value>);

/// The fields of `v`, which must be an object.
pub fn object(v: &Value) -> Result<Fields<'_>, String> {
    v.as_object().map(Fields).ok_or_else(|| invalid("an object", v))
}

impl Fields<'_> {
    /// A field that must be present.
    pub fn req<T: FromJson>(&self, key: &str) -> Result<T, String> {
        T::from_json(self.value(key)?).map_err(|e| in_field(key, e))
    }

    /// A field that may be absent: an `Option` (absent is `None`) or a `#[serde(default)]` field.
    pub fn opt<T: FromJson + Default>(&self, key: &str) -> Result<T, String> {
        self.or(key, T::default)
    }

    /// A field that may be absent, with the default `default` gives.
    pub fn or<T: FromJson>(&self, key: &str, default: impl FnOnce() -> T) -> Result<T, String> {
        match self.0.get(key) {
            Some(v) => T::from_json(v).map_err(|e| in_field(key, e)),
            None => Ok(default()),
        }
    }

    #[inline(never)]
    fn value(&self, key: &str) -> Result<&Value, String> {
        self.0.get(key).ok_or_else(|| format!("missing field `{key}`"))
    }
}

impl FromJson for String {
    fn from_json(v: &Value) -> Result<Self, String> {
        v.as_str().map(str::to_string).ok_or_else(|| invalid("a string", v))
    }
}

impl FromJson for bool {
    fn from_json(v: &Value) -> Result<Self, String> {
        v.as_bool().ok_or_else(|| invalid("a boolean", v))
    }
}

impl FromJson for f64 {
    fn from_json(v: &Value) -> Result<Self, String> {
        v.as_f64().ok_or_else(|| invalid("a number", v))
    }
}

/// A non-negative integer no larger than `max`.
#[inline(never)]
fn unsigned(v: &Value, max: u64) -> Result<u64, String> {
    match v {
        Value::Number(n) => match n.as_u64() {
            Some(x) if x <= max => Ok(x),
            Some(x) => Err(format!("invalid value: {x}, expected an integer up to {max}")),
            None if n.is_i64() => Err(format!("invalid value: {n}, expected a non-negative integer")),
            None => Err(invalid("an integer", v)),
        },
        _ => Err(invalid("an integer", v)),
    }
}

impl FromJson for u8 {
    fn from_json(v: &Value) -> Result<Self, String> {
        unsigned(v, u8::MAX.into()).map(|x| x as u8)
    }
}

impl FromJson for u32 {
    fn from_json(v: &Value) -> Result<Self, String> {
        unsigned(v, u32::MAX.into()).map(|x| x as u32)
    }
}

impl FromJson for usize {
    fn from_json(v: &Value) -> Result<Self, String> {
        unsigned(v, usize::MAX as u64).map(|x| x as usize)
    }
}

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(v: &Value) -> Result<Self, String> {
        if v.is_null() {
            Ok(None)
        } else {
            T::from_json(v).map(Some)
        }
    }
}

/// The items of `v`, which must be an array of exactly `len` items when `len` is given.
#[inline(never)]
fn array(v: &Value, len: Option<usize>) -> Result<&[Value], String> {
    match (v.as_array(), len) {
        (Some(a), Some(n)) if a.len() != n => Err(format!("invalid length {}, expected {n} items", a.len())),
        (Some(a), _) => Ok(a),
        (None, _) => Err(invalid("an array", v)),
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(v: &Value) -> Result<Self, String> {
        array(v, None)?.iter().map(T::from_json).collect()
    }
}

impl<A: FromJson, B: FromJson> FromJson for (A, B) {
    fn from_json(v: &Value) -> Result<Self, String> {
        let a = array(v, Some(2))?;
        Ok((A::from_json(&a[0])?, B::from_json(&a[1])?))
    }
}

impl<A: FromJson, B: FromJson, C: FromJson> FromJson for (A, B, C) {
    fn from_json(v: &Value) -> Result<Self, String> {
        let a = array(v, Some(3))?;
        Ok((A::from_json(&a[0])?, B::from_json(&a[1])?, C::from_json(&a[2])?))
    }
}

/// A unit variant written as its name.
#[inline(never)]
fn variant_index(v: &Value, names: &[&str]) -> Result<usize, String> {
    let s = v.as_str().ok_or_else(|| invalid("a string", v))?;
    names
        .iter()
        .position(|n| *n == s)
        .ok_or_else(|| format!("unknown variant `{s}`, expected one of {}", names.join(", ")))
}

macro_rules! unit_enum {
    ($t:ty, $all:expr) => {
        impl FromJson for $t {
            fn from_json(v: &Value) -> Result<Self, String> {
                let all = $all;
                let names = all.map(|x| x.as_str());
                Ok(all[variant_index(v, &names)?])
            }
        }
    };
}

unit_enum!(Severity, Severity::ALL);
unit_enum!(Confidence, [Confidence::Low, Confidence::Medium, Confidence::High]);
unit_enum!(Category, Category::ALL);
unit_enum!(FileKind, FileKind::ALL);

impl FromJson for Profile {
    fn from_json(v: &Value) -> Result<Self, String> {
        Ok([Profile::Production, Profile::Development][variant_index(v, &["production", "development"])?])
    }
}

impl FromJson for PatchStatus {
    fn from_json(v: &Value) -> Result<Self, String> {
        let all = [
            PatchStatus::Added,
            PatchStatus::Modified,
            PatchStatus::Deleted,
            PatchStatus::Renamed,
            PatchStatus::Binary,
        ];
        Ok(all[variant_index(v, &["added", "modified", "deleted", "renamed", "binary"])?])
    }
}

impl FromJson for Fix {
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = object(v)?;
        Ok(Fix { summary: f.req("summary")?, before: f.opt("before")?, after: f.opt("after")? })
    }
}

impl FromJson for DiffLocation {
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = object(v)?;
        Ok(DiffLocation { path: f.req("path")?, line: f.opt("line")?, changed: f.req("changed")? })
    }
}

impl FromJson for Finding {
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = object(v)?;
        Ok(Finding {
            code: f.req("code")?,
            name: f.req("name")?,
            category: f.req("category")?,
            severity: f.req("severity")?,
            confidence: f.req("confidence")?,
            path: f.req("path")?,
            line: f.req("line")?,
            column: f.req("column")?,
            end_line: f.req("end_line")?,
            end_column: f.req("end_column")?,
            message: f.req("message")?,
            django_id: f.opt("django_id")?,
            fix: f.opt("fix")?,
            playbook: f.req("playbook")?,
            diff: f.opt("diff")?,
        })
    }
}

impl FromJson for DiffFileReport {
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = object(v)?;
        Ok(DiffFileReport {
            path: f.req("path")?,
            old_path: f.opt("old_path")?,
            status: f.req("status")?,
            added: f.req("added")?,
            removed: f.req("removed")?,
            kind: f.opt("kind")?,
            complete: f.req("complete")?,
            notes: f.opt("notes")?,
        })
    }
}

impl FromJson for DiffReport {
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = object(v)?;
        Ok(DiffReport { path: f.req("path")?, files: f.req("files")? })
    }
}

impl FromJson for FileInfo {
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = object(v)?;
        Ok(FileInfo {
            path: f.req("path")?,
            kind: f.req("kind")?,
            lines: f.req("lines")?,
            kind_overridden: f.opt("kind_overridden")?,
        })
    }
}

impl FromJson for MigrationReport {
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = object(v)?;
        Ok(MigrationReport {
            path: f.req("path")?,
            app: f.req("app")?,
            name: f.req("name")?,
            line: f.req("line")?,
            score: f.req("score")?,
            verdict: f.req("verdict")?,
            atomic: f.req("atomic")?,
            summary: f.req("summary")?,
            reasons: f.req("reasons")?,
            operations: f.req("operations")?,
        })
    }
}

impl FromJson for OperationReport {
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = object(v)?;
        Ok(OperationReport {
            op: f.req("op")?,
            model: f.opt("model")?,
            field: f.opt("field")?,
            line: f.req("line")?,
            sql: f.req("sql")?,
            lock: f.req("lock")?,
            tables: f.req("tables")?,
            rewrite: f.req("rewrite")?,
            blocks: f.req("blocks")?,
            score: f.req("score")?,
            reasons: f.req("reasons")?,
            old_code: f.opt("old_code")?,
            recipe: f.opt("recipe")?,
            unknown: f.opt("unknown")?,
        })
    }
}

impl FromJson for PlanReport {
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = object(v)?;
        Ok(PlanReport {
            path: f.req("path")?,
            line: f.req("line")?,
            format: f.req("format")?,
            planning_ms: f.opt("planning_ms")?,
            execution_ms: f.opt("execution_ms")?,
            analyzed: f.req("analyzed")?,
            root: f.req("root")?,
            tips: f.req("tips")?,
            unparsed: f.req("unparsed")?,
            summary: f.req("summary")?,
        })
    }
}

impl FromJson for PlanNodeReport {
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = object(v)?;
        Ok(PlanNodeReport {
            node_type: f.req("node_type")?,
            relation: f.opt("relation")?,
            alias: f.opt("alias")?,
            index: f.opt("index")?,
            line: f.req("line")?,
            relationship: f.req("relationship")?,
            startup_cost: f.opt("startup_cost")?,
            total_cost: f.opt("total_cost")?,
            plan_rows: f.opt("plan_rows")?,
            actual_total_ms: f.opt("actual_total_ms")?,
            actual_rows: f.opt("actual_rows")?,
            loops: f.opt("loops")?,
            inclusive_ms: f.opt("inclusive_ms")?,
            exclusive_ms: f.opt("exclusive_ms")?,
            estimate_factor: f.opt("estimate_factor")?,
            underestimated: f.opt("underestimated")?,
            removed_share: f.opt("removed_share")?,
            shared_hit: f.opt("shared_hit")?,
            shared_read: f.opt("shared_read")?,
            io_read_ms: f.opt("io_read_ms")?,
            extra: f.req("extra")?,
            tips: f.req("tips")?,
            children: f.req("children")?,
        })
    }
}

impl FromJson for TipReport {
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = object(v)?;
        Ok(TipReport {
            kind: f.req("kind")?,
            score: f.req("score")?,
            line: f.req("line")?,
            title: f.req("title")?,
            detail: f.req("detail")?,
            fix: f.opt("fix")?,
        })
    }
}

impl FromJson for PlanSummary {
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = object(v)?;
        Ok(PlanSummary {
            total_ms: f.opt("total_ms")?,
            nodes: f.req("nodes")?,
            by_table: f.req("by_table")?,
            by_node_type: f.req("by_node_type")?,
            shared_hit: f.opt("shared_hit")?,
            shared_read: f.opt("shared_read")?,
        })
    }
}

impl FromJson for Scores {
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = object(v)?;
        let mut categories = BTreeMap::new();
        let map = f.value("categories")?;
        let map = object(map).map_err(|e| in_field("categories", e))?;
        for (key, value) in map.0 {
            let category = Category::from_json(&Value::String(key.clone()))?;
            categories.insert(category, Option::<u8>::from_json(value).map_err(|e| in_field(key, e))?);
        }
        Ok(Scores { overall: f.opt("overall")?, categories })
    }
}

impl FromJson for Report {
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = object(v)?;
        Ok(Report {
            version: f.req("version")?,
            files: f.req("files")?,
            findings: f.req("findings")?,
            suppressed: f.opt("suppressed")?,
            migrations: f.req("migrations")?,
            plans: f.req("plans")?,
            diffs: f.opt("diffs")?,
            settings: f.opt("settings")?,
            scores: f.req("scores")?,
            redacted: f.opt("redacted")?,
        })
    }
}

unit_enum!(SettingStatus, [SettingStatus::Fails, SettingStatus::Unverified, SettingStatus::Passes, SettingStatus::Set]);

impl FromJson for SettingRow {
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = object(v)?;
        Ok(SettingRow {
            name: f.req("name")?,
            value: f.req("value")?,
            path: f.opt("path")?,
            line: f.opt("line")?,
            via: f.opt("via")?,
            status: f.req("status")?,
            findings: f.opt("findings")?,
            note: f.opt("note")?,
        })
    }
}

impl FromJson for SettingsReport {
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = object(v)?;
        Ok(SettingsReport {
            path: f.req("path")?,
            imports: f.opt("imports")?,
            unknowns: f.opt("unknowns")?,
            settings: f.req("settings")?,
        })
    }
}

impl FromJson for SourceFile {
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = object(v)?;
        Ok(SourceFile { path: f.req("path")?, text: f.req("text")?, kind: f.opt("kind")? })
    }
}

impl FromJson for Project {
    fn from_json(v: &Value) -> Result<Self, String> {
        Ok(Project { files: object(v)?.req("files")? })
    }
}

impl FromJson for Options {
    /// `#[serde(default)]` on the struct: a missing field takes its value from `Options::default()`.
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = object(v)?;
        let d = Options::default();
        Ok(Options {
            postgres: f.or("postgres", || d.postgres)?,
            profile: f.or("profile", || d.profile)?,
            hot_tables: f.or("hot_tables", || d.hot_tables)?,
            disabled_rules: f.or("disabled_rules", || d.disabled_rules)?,
            changed_only: f.or("changed_only", || d.changed_only)?,
            django: f.or("django", || d.django)?,
        })
    }
}

impl FromJson for SharedFile {
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = object(v)?;
        Ok(SharedFile { name: f.req("name")?, text: f.req("text")?, kind: f.opt("kind")? })
    }
}

impl FromJson for SharedReview {
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = object(v)?;
        Ok(SharedReview {
            files: f.req("files")?,
            options: f.or("options", Options::default)?,
            active: f.opt("active")?,
            redacted: f.opt("redacted")?,
            selected: f.opt("selected")?,
            panel: f.opt("panel")?,
        })
    }
}

impl FromJson for SharedFindings {
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = object(v)?;
        Ok(SharedFindings {
            files: f.req("files")?,
            findings: f.req("findings")?,
            scores: f.req("scores")?,
            migrations: f.opt("migrations")?,
            redacted: f.opt("redacted")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{from_str, FromJson};
    use crate::share::{SharedFile, SharedFindings, SharedReview};
    use crate::{analyze, Options, Project, Report, SourceFile};
    use serde_json::Value;

    /// Every fixture, each explain-corpus plan and the diffs, analysed together: a report with
    /// findings of every rule, fixes, suppressed findings, migrations, plans and diffs.
    fn reports() -> Vec<Report> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests");
        let mut files = Vec::new();
        let mut walk =
            vec![std::path::PathBuf::from(format!("{dir}/fixtures")), format!("{dir}/explain-corpus").into()];
        while let Some(d) = walk.pop() {
            for e in std::fs::read_dir(&d).expect("dir").flatten() {
                let path = e.path();
                if path.is_dir() {
                    walk.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let rel = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().to_string();
                if rel.starts_with("fixtures") {
                    // Fixture sections (`# === path`) become files of their own.
                    let mut current = SourceFile::new(rel.clone(), "");
                    for line in text.split_inclusive('\n') {
                        if let Some(p) = line.strip_prefix("# === ") {
                            files.push(std::mem::replace(
                                &mut current,
                                SourceFile::new(format!("{rel}/{}", p.trim()), ""),
                            ));
                        } else {
                            current.text.push_str(line);
                        }
                    }
                    files.push(current);
                } else if !rel.ends_with(".md") {
                    files.push(SourceFile::new(rel, text));
                }
            }
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let mut out = vec![analyze(&Project::new(files.clone()), &Options::default())];
        let options =
            Options { postgres: 11, hot_tables: vec!["blog_post".into()], changed_only: true, ..Options::default() };
        out.push(analyze(&Project::new(files.into_iter().take(40).collect()), &options));
        out.push(analyze(&Project::default(), &Options::default()));
        out
    }

    /// Reads `json` both ways; they must agree on success and on the value.
    fn same<T: FromJson + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(json: &str) -> bool {
        let ours = from_str::<T>(json);
        let derived = serde_json::from_str::<T>(json);
        match (&ours, &derived) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{json}"),
            (Err(_), Err(_)) => {}
            _ => panic!(
                "ours {:?} derived {:?} for {}",
                ours.as_ref().err(),
                derived.as_ref().err(),
                &json[..json.len().min(400)]
            ),
        }
        ours.is_ok()
    }

    /// Every object field of `v`, as a path of object keys and array indexes.
    fn field_paths(v: &Value, at: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    at.push(Value::String(k.clone()));
                    out.push(at.clone());
                    field_paths(child, at, out);
                    at.pop();
                }
            }
            Value::Array(a) => {
                // The first two items are enough to reach every kind of field.
                for (i, child) in a.iter().enumerate().take(2) {
                    at.push(Value::from(i));
                    out.push(at.clone());
                    field_paths(child, at, out);
                    at.pop();
                }
            }
            _ => {}
        }
    }

    fn parent<'v>(v: &'v mut Value, path: &[Value]) -> &'v mut Value {
        path.iter().fold(v, |v, k| match k {
            Value::String(k) => &mut v[k.as_str()],
            _ => &mut v[k.as_u64().unwrap() as usize],
        })
    }

    /// Each field removed, and replaced by values of every JSON type (and out-of-range numbers):
    /// both readers must accept and reject the same documents and read the same values.
    fn mutations<T: FromJson + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(json: &str) {
        let base: Value = serde_json::from_str(json).unwrap();
        let mut paths = Vec::new();
        field_paths(&base, &mut Vec::new(), &mut paths);
        let replacements = [
            Value::Null,
            Value::Bool(true),
            serde_json::json!(1.5),
            serde_json::json!(-1),
            serde_json::json!(300),
            serde_json::json!(5_000_000_000u64),
            serde_json::json!("high"),
            serde_json::json!("x"),
            serde_json::json!([]),
            serde_json::json!({}),
        ];
        for path in &paths {
            let (last, up) = path.split_last().unwrap();
            let mut removed = base.clone();
            match (parent(&mut removed, up), last) {
                (Value::Object(m), Value::String(k)) => {
                    m.remove(k);
                }
                (Value::Array(a), i) => {
                    a.remove(i.as_u64().unwrap() as usize);
                }
                _ => unreachable!(),
            }
            same::<T>(&removed.to_string());
            for r in &replacements {
                let mut changed = base.clone();
                // The derived impls also read a struct written as an array (`[]` is a struct whose
                // fields all have defaults); the engine never writes one, and these readers refuse it.
                if r == &serde_json::json!([]) && parent(&mut changed, path).is_object() {
                    continue;
                }
                *parent(&mut changed, path) = r.clone();
                same::<T>(&changed.to_string());
            }
        }
    }

    #[test]
    fn reports_read_back_as_written() {
        for r in reports() {
            // Compared with the derived impl, not with `r`: serde_json's float parsing does not
            // round-trip every last bit, for either reader.
            assert!(same::<Report>(&serde_json::to_string(&r).unwrap()));
            // The worker's form: the JSON renderer.
            assert!(same::<Report>(&crate::render::json(&r)));
        }
    }

    #[test]
    fn damaged_reports_fail_or_read_as_serde_does() {
        let r = &reports()[0];
        // A smaller report keeps the mutations quick, with one of every kind of part.
        let small = Report {
            findings: r
                .findings
                .iter()
                .filter(|f| f.fix.is_some())
                .take(2)
                .chain(r.findings.iter().filter(|f| f.diff.is_some()).take(1))
                .cloned()
                .collect(),
            suppressed: r.suppressed.iter().take(1).cloned().collect(),
            files: r.files.iter().take(2).cloned().collect(),
            migrations: r.migrations.iter().take(1).cloned().collect(),
            plans: r.plans.iter().take(1).cloned().collect(),
            diffs: r.diffs.iter().take(1).cloned().collect(),
            settings: r.settings.iter().take(1).cloned().collect(),
            redacted: 2,
            ..r.clone()
        };
        assert!(
            !small.settings.is_empty()
                && !small.plans.is_empty()
                && !small.migrations.is_empty()
                && !small.diffs.is_empty()
                && !small.suppressed.is_empty()
        );
        mutations::<Report>(&serde_json::to_string(&small).unwrap());
        for bad in ["", "[]", "null", "{", "{\"version\": 1}", "\"x\"", "{\"a\":1}"] {
            same::<Report>(bad);
        }
    }

    #[test]
    fn share_payloads_projects_and_options_read_as_serde_does() {
        let r = &reports()[1];
        let findings = SharedFindings {
            files: r.files.iter().take(2).cloned().collect(),
            findings: r.findings.iter().filter(|f| f.fix.is_some()).take(2).cloned().collect(),
            scores: r.scores.clone(),
            migrations: r.migrations.iter().take(1).cloned().collect(),
            redacted: 3,
        };
        let json = serde_json::to_string(&findings).unwrap();
        assert!(same::<SharedFindings>(&json));
        mutations::<SharedFindings>(&json);
        let options = Options {
            postgres: 12,
            hot_tables: vec!["a".into()],
            disabled_rules: vec!["QRY101".into()],
            changed_only: true,
            profile: crate::Profile::Development,
            django: "6.1".into(),
        };
        let review = SharedReview {
            files: vec![
                SharedFile { name: "a.py".into(), text: "x = 1\n".into(), kind: Some(crate::FileKind::Settings) },
                SharedFile { name: "b.py".into(), text: String::new(), kind: None },
            ],
            options: options.clone(),
            active: 1,
            redacted: 2,
            selected: Some(4),
            panel: Some("playbook".into()),
        };
        let json = serde_json::to_string(&review).unwrap();
        assert!(same::<SharedReview>(&json));
        mutations::<SharedReview>(&json);
        let project = Project::new(vec![
            SourceFile::new("a.py", "x = 1").with_kind(crate::FileKind::Python),
            SourceFile::new("b.py", ""),
        ]);
        let json = serde_json::to_string(&project).unwrap();
        assert!(same::<Project>(&json));
        mutations::<Project>(&json);
        let json = serde_json::to_string(&options).unwrap();
        assert!(same::<Options>(&json));
        mutations::<Options>(&json);
        assert!(same::<Options>("{}"));
    }
}
