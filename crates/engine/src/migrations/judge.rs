//! Judges each operation against the state before it: the SQL it emits, the lock it takes and on
//! which tables, whether it scans or rewrites, what breaks for the release still serving traffic,
//! and the safe recipe. Facts per operation come from `../shared/reference/migrations.md`
//! (verified on PostgreSQL 15 with Django 5.2); the scores are ours and documented in `score.rs`.

use std::collections::HashSet;

use serde::Serialize;

use super::read::{MigrationFile, Operation};
use super::sql::{self, quote};
use super::state::{FieldDef, ModelState, ProjectState};
use super::value::PyValue;
use crate::options::Options;
use crate::text::Case;
use crate::text::Span;

/// PostgreSQL table lock levels, weakest first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Lock {
    #[default]
    None,
    /// Taken by UPDATE, DELETE and INSERT: the written rows stay locked until commit.
    RowExclusive,
    ShareUpdateExclusive,
    Share,
    ShareRowExclusive,
    AccessExclusive,
}

impl Lock {
    pub fn as_str(self) -> &'static str {
        match self {
            Lock::None => "none",
            Lock::RowExclusive => "ROW EXCLUSIVE",
            Lock::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            Lock::Share => "SHARE",
            Lock::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            Lock::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }

    pub fn blocks(self) -> &'static str {
        match self {
            Lock::None => "nothing",
            Lock::RowExclusive => "other writers of the same rows, and schema changes",
            Lock::ShareUpdateExclusive => "other schema changes and VACUUM only",
            Lock::Share | Lock::ShareRowExclusive => "writes (reads continue)",
            Lock::AccessExclusive => "reads and writes",
        }
    }
}

/// How much of the table the database goes through while the lock is held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Work {
    #[default]
    None,
    Metadata,
    Scan,
    IndexBuild,
    Rewrite,
}

impl Work {
    pub fn as_str(self) -> &'static str {
        match self {
            Work::None => "none",
            Work::Metadata => "metadata only",
            Work::Scan => "full scan",
            Work::IndexBuild => "index build",
            Work::Rewrite => "table rewrite",
        }
    }
}

/// What kind of risk an operation carries; each kind is one rule's finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RiskKind {
    IndexBuild,
    NotNullWithoutDbDefault,
    Rewrite,
    NotNullScan,
    ValidatedConstraint,
    DropWhileInUse,
    RenameWhileInUse,
    KeyWidening,
    RunPythonIrreversible,
    DataMigration,
    RunSqlStatement,
    ConcurrentInTransaction,
}

#[derive(Clone, Debug)]
pub struct Risk {
    pub kind: RiskKind,
    pub message: String,
    /// A fix for this risk in particular, when it differs from the operation's recipe.
    pub recipe: Option<String>,
}

/// One operation, judged.
#[derive(Clone, Debug)]
pub struct Judgement {
    pub op: String,
    pub model: Option<String>,
    pub field: Option<String>,
    pub span: Span,
    pub sql: Vec<String>,
    pub lock: Lock,
    pub tables: Vec<String>,
    pub work: Work,
    pub score: u8,
    pub reasons: Vec<String>,
    pub old_code: Option<String>,
    pub recipe: Option<String>,
    pub risks: Vec<Risk>,
    /// What could not be known, and the file to paste for a precise answer.
    pub unknown: Option<String>,
    /// The operation's table was created earlier in the same migration (empty, nobody reads it).
    pub new_table: bool,
    /// The operation as written.
    pub source: String,
}

/// Everything an operation is judged against.
pub struct JudgeCtx<'a> {
    pub state: &'a ProjectState,
    pub migration: &'a MigrationFile,
    /// Lower-cased models created earlier in this migration.
    pub created_here: &'a HashSet<String>,
    pub options: &'a Options,
    /// Whether earlier migrations of this app were replayed (so a missing model is really unknown).
    pub app_history: bool,
    /// The Python file, for `RunPython` bodies.
    pub file: &'a crate::facts::view::PyFile,
    /// The project's models, to tell a model class from other imports.
    pub models: &'a crate::facts::models::ModelIndex,
}

impl JudgeCtx<'_> {
    fn model(&self, name: &str) -> Option<&ModelState> {
        self.state.get(&self.migration.app, name)
    }

    fn is_new(&self, name: &str) -> bool {
        self.created_here.contains(&name.lowercase())
    }

    fn table_of(&self, name: &str) -> String {
        self.model(name).map(|m| m.table()).unwrap_or_else(|| format!("{}_{}", self.migration.app, name.lowercase()))
    }

    fn hot(&self, table: &str, model: &str) -> bool {
        let label = format!("{}.{}", self.migration.app, model).lowercase();
        self.options.hot_tables.iter().any(|h| {
            let h = h.lowercase();
            h == table || h == label || h == model.lowercase()
        })
    }

    /// The file to paste to judge `model` precisely: the migration this one depends on.
    fn history_hint(&self) -> String {
        match self.migration.dependencies.iter().find(|(a, _)| *a == self.migration.app) {
            Some((app, dep)) => format!("{app}/migrations/{dep}.py (and the app's earlier migrations)"),
            None => format!("the earlier migrations of `{}`", self.migration.app),
        }
    }
}

/// The score of a lock held while doing `work` on an existing table; see `score.rs` for bands.
fn base_score(lock: Lock, work: Work) -> u8 {
    match (lock, work) {
        (Lock::None, _) | (_, Work::None) => 0,
        (Lock::AccessExclusive, Work::Rewrite) => 80,
        (Lock::AccessExclusive, Work::Scan | Work::IndexBuild) => 65,
        (Lock::Share | Lock::ShareRowExclusive, Work::IndexBuild | Work::Scan | Work::Rewrite) => 50,
        (Lock::ShareUpdateExclusive | Lock::RowExclusive, _) => 15,
        (_, Work::Metadata) => 10,
    }
}

fn judgement(op: &Operation) -> Judgement {
    Judgement {
        op: op.kind.clone(),
        model: op.model(),
        field: op.field(),
        span: op.span,
        sql: Vec::new(),
        lock: Lock::None,
        tables: Vec::new(),
        work: Work::None,
        score: 0,
        reasons: Vec::new(),
        old_code: None,
        recipe: None,
        risks: Vec::new(),
        unknown: None,
        new_table: false,
        source: op.call.source.clone(),
    }
}

/// Judges one operation with the state as it stands before it.
pub fn judge(ctx: &JudgeCtx<'_>, op: &Operation) -> Judgement {
    let mut j = judgement(op);
    // Proxy and unmanaged models have no table of their own: Django runs no SQL for them.
    let no_table = op.model().and_then(|m| ctx.model(&m)).is_some_and(|m| m.no_table)
        || (op.kind == "CreateModel"
            && matches!(op.call.kwarg("options"), Some(PyValue::Dict(o)) if o.iter().any(|(k, v)| {
                (k.as_str() == Some("proxy") && v.as_bool() == Some(true))
                    || (k.as_str() == Some("managed") && v.as_bool() == Some(false))
            })));
    if no_table && !matches!(op.kind.as_str(), "RunPython" | "RunSQL" | "SeparateDatabaseAndState") {
        j.reasons.push("A proxy or unmanaged model has no table of its own: no SQL.".into());
        return j;
    }
    match op.kind.as_str() {
        "CreateModel" => create_model(ctx, op, &mut j),
        "AddField" => add_field(ctx, op, &mut j),
        "AlterField" => alter_field(ctx, op, &mut j),
        "RemoveField" => remove_field(ctx, op, &mut j),
        "RenameField" => rename_field(ctx, op, &mut j),
        "DeleteModel" => delete_model(ctx, op, &mut j),
        "RenameModel" => rename_model(ctx, op, &mut j),
        "AlterModelTable" => alter_model_table(ctx, op, &mut j),
        "AddIndex" | "AddIndexConcurrently" => add_index(ctx, op, &mut j),
        "RemoveIndex" | "RemoveIndexConcurrently" => remove_index(ctx, op, &mut j),
        "AddConstraint" | "AddConstraintNotValid" => add_constraint(ctx, op, &mut j),
        "ValidateConstraint" => validate_constraint(ctx, op, &mut j),
        "RemoveConstraint" => remove_constraint(ctx, op, &mut j),
        "AlterUniqueTogether" | "AlterIndexTogether" => alter_together(ctx, op, &mut j),
        "AlterOrderWithRespectTo" => order_with_respect_to(ctx, op, &mut j),
        "RunPython" => super::runpython::judge(ctx, op, &mut j),
        "RunSQL" => super::runsql::judge(ctx, op, &mut j),
        "SeparateDatabaseAndState" => separate(ctx, op, &mut j),
        "AlterModelOptions" | "AlterModelManagers" => {
            j.reasons.push("Changes Django's model options only: no SQL.".into());
        }
        "RenameIndex" => {
            let model = op.model().unwrap_or_default();
            let new = op.call.kwarg("new_name").and_then(PyValue::as_str).unwrap_or("index");
            match op.call.kwarg("old_name").and_then(PyValue::as_str) {
                Some(old) => j.sql.push(format!("ALTER INDEX {} RENAME TO {}", quote(old), quote(new))),
                None => j.sql.push(format!(
                    "ALTER INDEX <index on {}> RENAME TO {}",
                    op.call.kwarg("old_fields").map(PyValue::to_python).unwrap_or_default(),
                    quote(new)
                )),
            }
            j.tables.push(ctx.table_of(&model));
            j.lock = Lock::ShareUpdateExclusive;
            j.work = Work::Metadata;
            j.score = 5;
            j.reasons.push("Renaming an index is a catalogue change (SHARE UPDATE EXCLUSIVE on PostgreSQL 12+): queries keep running.".into());
        }
        "CreateExtension" | "BtreeGinExtension" | "BtreeGistExtension" | "CITextExtension" | "CryptoExtension"
        | "HStoreExtension" | "TrigramExtension" | "UnaccentExtension" | "BloomExtension" => {
            let name = match op.kind.as_str() {
                "CreateExtension" => {
                    op.call.arg("name", 0).and_then(PyValue::as_str).unwrap_or("extension").to_string()
                }
                "BtreeGinExtension" => "btree_gin".into(),
                "BtreeGistExtension" => "btree_gist".into(),
                "CITextExtension" => "citext".into(),
                "CryptoExtension" => "pgcrypto".into(),
                "HStoreExtension" => "hstore".into(),
                "TrigramExtension" => "pg_trgm".into(),
                "UnaccentExtension" => "unaccent".into(),
                _ => "bloom".into(),
            };
            j.sql.push(format!("CREATE EXTENSION IF NOT EXISTS {}", quote(&name)));
            j.reasons.push(
                "Creating an extension locks no table; it needs a role allowed to create it (often a superuser)."
                    .into(),
            );
        }
        "CreateCollation" | "RemoveCollation" => {
            let name = op.call.arg("name", 0).and_then(PyValue::as_str).unwrap_or("collation");
            j.sql.push(if op.kind == "CreateCollation" {
                format!("CREATE COLLATION {} (...)", quote(name))
            } else {
                format!("DROP COLLATION {}", quote(name))
            });
            j.reasons.push("A collation is a catalogue object: no table is locked.".into());
        }
        "AlterModelTableComment" => {
            let model = op.model().unwrap_or_default();
            j.sql.push(format!("COMMENT ON TABLE {} IS ...", quote(&ctx.table_of(&model))));
            j.lock = Lock::ShareUpdateExclusive;
            j.work = Work::Metadata;
            j.reasons.push("A table comment is a catalogue change.".into());
        }
        other => {
            j.score = 20;
            j.reasons
                .push(format!("`{other}` is not a built-in operation djreview knows: read its `database_forwards`."));
        }
    }
    // Hot tables: even a brief exclusive lock queues every request behind it.
    if j.lock >= Lock::Share && !j.new_table {
        if let Some(model) = j.model.clone() {
            let table = ctx.table_of(&model);
            if ctx.hot(&table, &model) {
                j.score = (j.score + 15).max(40).min(100);
                j.reasons.push(format!(
                    "`{table}` is listed as a hot table: a {} lock there queues every request that touches it.",
                    j.lock.as_str()
                ));
            }
        }
    }
    j
}

fn create_model(ctx: &JudgeCtx<'_>, op: &Operation, j: &mut Judgement) {
    let mut scratch = ctx.state.clone();
    scratch.apply(ctx.migration, op);
    let name = op.model().unwrap_or_default();
    j.new_table = true;
    if let Some(model) = scratch.get(&ctx.migration.app, &name) {
        j.sql = sql::create_model(&scratch, model);
        j.tables.push(model.table());
        let parents: Vec<String> = model
            .fields
            .iter()
            .filter(|(_, f)| f.is_foreign_key() && f.db_constraint())
            .filter_map(|(_, f)| f.target().map(|t| scratch.target_table(&ctx.migration.app, &t)))
            .collect();
        if !parents.is_empty() {
            j.lock = Lock::ShareRowExclusive;
            j.work = Work::Metadata;
            j.reasons.push(format!(
                "A new, empty table: safe. Its foreign keys take a brief SHARE ROW EXCLUSIVE lock on {}.",
                parents.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
            ));
            j.tables.extend(parents);
        } else {
            j.reasons.push("A new, empty table: safe.".into());
        }
    }
}

fn add_field(ctx: &JudgeCtx<'_>, op: &Operation, j: &mut Judgement) {
    let (Some(model_name), Some(name)) = (op.model(), op.field()) else { return };
    let Some(field) = op.call.arg("field", 2).and_then(FieldDef::from_value) else { return };
    let table = ctx.table_of(&model_name);
    let fallback;
    let model = match ctx.model(&model_name) {
        Some(m) => m,
        None => {
            fallback = ModelState {
                app: ctx.migration.app.clone(),
                name: model_name.clone(),
                fields: Vec::new(),
                db_table: None,
                unique_together: Vec::new(),
                indexes: Vec::new(),
                constraints: Vec::new(),
                created_in: (String::new(), String::new()),
                no_table: false,
            };
            &fallback
        }
    };
    j.sql = sql::add_field(ctx.state, model, &name, &field, ctx.options.postgres);
    j.tables.push(table.clone());
    j.lock = Lock::AccessExclusive;
    j.work = Work::Metadata;
    if ctx.is_new(&model_name) {
        j.new_table = true;
        j.reasons.push("The table was created earlier in this migration: it is empty, so this is safe.".into());
        return;
    }
    let column = field.column(&name);
    if field.is_many_to_many() && field.call.kwarg("through").is_some() {
        j.sql.clear();
        j.lock = Lock::None;
        j.work = Work::None;
        j.reasons.push("A many-to-many relation through its own model: no SQL here (the through model's own migration creates its table).".into());
        return;
    }
    if field.is_many_to_many() {
        j.lock = Lock::ShareRowExclusive;
        j.tables = vec![table.clone()];
        j.reasons.push(
            "A many-to-many field creates a new join table; both parents get a brief SHARE ROW EXCLUSIVE lock.".into(),
        );
        j.score = 5;
        return;
    }
    let pg = ctx.options.postgres;
    let volatile_db_default = field
        .db_default()
        .and_then(PyValue::short_name)
        .is_some_and(|n| matches!(n, "RandomUUID" | "Random" | "Uuid4"));
    let callable_default = field.default().is_some_and(|d| matches!(d, PyValue::Name(_) | PyValue::Call(_)));
    // Adding the column itself.
    if volatile_db_default {
        j.work = Work::Rewrite;
        j.score = 80;
        j.reasons.push(format!(
            "`db_default={}` is volatile: PostgreSQL computes it for every existing row, rewriting `{table}` and all its indexes under ACCESS EXCLUSIVE.",
            field.db_default().map(PyValue::to_python).unwrap_or_default()
        ));
        j.risks.push(Risk {
            recipe: None,
            kind: RiskKind::Rewrite,
            message: format!(
                "adding `{model_name}.{name}` with a volatile `db_default` rewrites `{table}` under an exclusive lock"
            ),
        });
        j.recipe = Some(format!(
            "# 1. add the column nullable, without the default\nmigrations.AddField(\"{model_name}\", \"{name}\", {}),\n# 2. fill existing rows in batches (RunPython), new rows get the value from Django\n# 3. then require it: see djreview's NOT NULL recipe",
            nullable_version(&field)
        ));
    } else if !field.null() && field.db_default().is_none() {
        if let Some(default) = field.default().cloned().or_else(|| effective_default(&field)) {
            let default = &default;
            if pg < 11 {
                j.work = Work::Rewrite;
                j.score = 80;
                j.reasons.push(format!("On PostgreSQL {pg} (before 11) adding a column with a default rewrites the whole table under ACCESS EXCLUSIVE."));
                j.risks.push(Risk {
                    recipe: None,
                    kind: RiskKind::Rewrite,
                    message: format!(
                        "adding `{model_name}.{name}` with a default rewrites `{table}` on PostgreSQL {pg}"
                    ),
                });
            } else {
                j.score = 45;
            }
            let same_value = if callable_default {
                format!(" `{}` runs once, in Python: every existing row gets the same value.", default.to_python())
            } else {
                String::new()
            };
            j.reasons.push(format!(
                "Django adds the column with a temporary default and drops it at once: the database keeps no default.{same_value}"
            ));
            let old = format!(
                "The release still serving traffic does not know `{name}`: its INSERTs omit the column and fail on NOT NULL (also after a rollback)."
            );
            j.old_code = Some(old);
            j.risks.push(Risk {
                recipe: None,
                kind: RiskKind::NotNullWithoutDbDefault,
                message: format!(
                    "`{model_name}.{name}` is NOT NULL with only a Python default, which Django drops right after adding the column"
                ),
            });
            j.recipe = Some(if callable_default {
                format!(
                    "# 1. nullable first\nmigrations.AddField(\"{model_name}\", \"{name}\", {}),\n# 2. backfill in batches (RunPython), one value per row\n# 3. then NOT NULL without a long lock: AddConstraintNotValid(CheckConstraint({name}__isnull=False)) -> ValidateConstraint -> AlterField(null=False)",
                    nullable_version(&field)
                )
            } else {
                format!(
                    "# Django 5.0+: the database keeps the default, so old INSERTs still work\nmigrations.AddField(\"{model_name}\", \"{name}\", {}),",
                    with_db_default(&field, default)
                )
            });
        } else {
            j.score = 65;
            j.reasons.push(format!("NOT NULL without any default: the ALTER fails as soon as `{table}` has a row."));
            let old = format!("Old code's INSERTs omit `{name}` and fail.");
            j.old_code = Some(old);
            j.risks.push(Risk {
                recipe: None,
                kind: RiskKind::NotNullWithoutDbDefault,
                message: format!(
                    "`{model_name}.{name}` is NOT NULL with no default: the migration fails on a non-empty table"
                ),
            });
            j.recipe = Some(format!(
                "migrations.AddField(\"{model_name}\", \"{name}\", {}),  # db_default keeps old INSERTs working",
                with_db_default(&field, &PyValue::Other("<value>".into()))
            ));
        }
    } else {
        j.score = 10;
        j.reasons.push(if field.db_default().is_some() {
            "A constant `db_default` is stored in the catalogue (PostgreSQL 11+): no rewrite, and old code's INSERTs get the default.".to_string()
        } else {
            "A nullable column without a default: a catalogue change only.".to_string()
        });
        if field.db_default().is_some() && pg < 11 {
            j.work = Work::Rewrite;
            j.score = 80;
            j.reasons.push(format!("But on PostgreSQL {pg} (before 11) any default rewrites the table."));
        }
    }
    // The foreign key constraint: validated at once, scanning the child, locking the parent.
    if field.is_foreign_key() && field.db_constraint() {
        let parent = ctx.state.target_table(&ctx.migration.app, &field.target().unwrap_or_default());
        j.tables.push(parent.clone());
        j.work = j.work.max(Work::Scan);
        j.score = j.score.max(65);
        j.reasons.push(format!(
            "The foreign key is created valid: PostgreSQL scans all of `{table}` under ACCESS EXCLUSIVE (even though the new column is empty) and takes SHARE ROW EXCLUSIVE on `{parent}`."
        ));
        j.risks.push(Risk {
            recipe: None,
            kind: RiskKind::ValidatedConstraint,
            message: format!("the foreign key `{model_name}.{name}` is validated at once: `{table}` is scanned under ACCESS EXCLUSIVE and `{parent}` blocks writes"),
        });
        let fk = quote(&format!("{table}_{column}_fk"));
        let index = sql::generated_name(&table, &[&column], "");
        j.recipe = Some(format!(
            "# 1. this migration: add the column with no constraint and no index in the database,\n#    while Django's state keeps the real field\nmigrations.SeparateDatabaseAndState(\n    database_operations=[migrations.AddField(\"{model_name}\", \"{name}\", {})],\n    state_operations=[{}],\n),\nmigrations.RunSQL(\n    'ALTER TABLE {} ADD CONSTRAINT {fk} FOREIGN KEY ({}) REFERENCES {} (\"id\") DEFERRABLE INITIALLY DEFERRED NOT VALID',\n    reverse_sql='ALTER TABLE {} DROP CONSTRAINT {fk}',\n),\n# 2. next migration, with atomic = False: the index, built without blocking writes\nmigrations.RunSQL(\n    'CREATE INDEX CONCURRENTLY IF NOT EXISTS {} ON {} ({})',\n    reverse_sql='DROP INDEX CONCURRENTLY IF EXISTS {}',\n),\n# 3. next migration: check the existing rows without blocking (SHARE UPDATE EXCLUSIVE)\nmigrations.RunSQL('ALTER TABLE {} VALIDATE CONSTRAINT {fk}', migrations.RunSQL.noop),",
            replace_kwargs(&field, &[("db_constraint", "False"), ("db_index", "False")]),
            op.call.source,
            quote(&table),
            quote(&column),
            quote(&parent),
            quote(&table),
            quote(&index),
            quote(&table),
            quote(&column),
            quote(&index),
            quote(&table),
        ));
    }
    // Indexes built while ADD COLUMN's exclusive lock is still held.
    if field.unique() || field.db_index() {
        j.work = j.work.max(Work::IndexBuild);
        let what = if field.unique() { "unique index" } else { "index" };
        if ctx.migration.atomic {
            j.score = j.score.max(65);
            j.reasons.push(format!(
                "The {what} is built inside the same transaction, so ADD COLUMN's ACCESS EXCLUSIVE lock is held for the whole build: reads and writes of `{table}` wait."
            ));
        } else {
            j.score = j.score.max(50);
            j.reasons.push(format!(
                "With `atomic = False` the column is committed first; the {what} build then holds SHARE on `{table}`: writes wait, reads continue."
            ));
        }
        j.risks.push(Risk {
            recipe: None,
            kind: RiskKind::IndexBuild,
            message: format!(
                "the {what} on `{model_name}.{name}` is built while `{table}` is locked against reads and writes"
            ),
        });
        if j.recipe.is_none() {
            j.recipe = Some(format!(
                "# 1. the column without the index\nmigrations.AddField(\"{model_name}\", \"{name}\", {}),\n# 2. in the next migration, with atomic = False:\nfrom django.contrib.postgres.operations import AddIndexConcurrently\nAddIndexConcurrently(\"{model_name}\", models.Index(fields=[\"{name}\"], name=\"{}\")),",
                replace_kwargs(&field, &[("db_index", "False"), ("unique", "False")]),
                sql::generated_name(&table, &[&column], "")
            ));
        }
    }
}

fn alter_field(ctx: &JudgeCtx<'_>, op: &Operation, j: &mut Judgement) {
    let (Some(model_name), Some(name)) = (op.model(), op.field()) else { return };
    let Some(new) = op.call.arg("field", 2).and_then(FieldDef::from_value) else { return };
    let table = ctx.table_of(&model_name);
    j.tables.push(table.clone());
    if ctx.is_new(&model_name) {
        j.new_table = true;
        j.reasons.push("The table was created earlier in this migration: it is empty, so this is safe.".into());
        return;
    }
    let Some(old) = ctx.model(&model_name).and_then(|m| m.field(&name)).cloned() else {
        // Without the previous definition, say what could happen and what to paste.
        j.lock = Lock::AccessExclusive;
        j.work = Work::Rewrite;
        j.score = 50;
        j.unknown = Some(format!(
            "The previous definition of `{model_name}.{name}` is not in the input: paste {} to know whether this changes nothing, scans or rewrites the table.",
            ctx.history_hint()
        ));
        j.reasons.push(
            "Previous definition unknown: judged as a possible type change (ACCESS EXCLUSIVE, possibly a rewrite)."
                .into(),
        );
        return;
    };
    let model = ctx.model(&model_name).expect("checked above");
    // A many-to-many field has no column: only a new join table (`through`, `db_table`) is SQL.
    if old.is_many_to_many() || new.is_many_to_many() {
        let join_changed = old.call.kwarg("through") != new.call.kwarg("through")
            || old.call.kwarg("db_table") != new.call.kwarg("db_table")
            || old.is_many_to_many() != new.is_many_to_many();
        if join_changed {
            j.lock = Lock::AccessExclusive;
            j.work = Work::Metadata;
            j.score = 40;
            j.reasons.push(
                "The many-to-many relation changes its join table: check what happens to the existing rows.".into(),
            );
        } else {
            j.reasons.push(format!(
                "`{name}` is a many-to-many relation: it has no column, so this changes nothing in the database."
            ));
        }
        return;
    }
    let column = new.column(&name);
    let old_column = old.column(&name);
    let old_pk = ctx.state.target_key_type(&ctx.migration.app, &old);
    let new_pk = ctx.state.target_key_type(&ctx.migration.app, &new);
    let old_type = old.db_type(old_pk.as_deref());
    let mut new_type = new.db_type(new_pk.as_deref());
    // A relation's column follows its target's key: same target table, same column type.
    if old.is_foreign_key() && new.is_foreign_key() {
        let table = |f: &FieldDef| ctx.state.target_table(&ctx.migration.app, &f.target().unwrap_or_default());
        if table(&old) == table(&new) {
            new_type = old_type.clone();
        }
    }
    let mut changed = false;
    j.lock = Lock::None;
    // Column renamed through db_column.
    if old_column != column {
        changed = true;
        j.sql.push(format!("ALTER TABLE {} RENAME COLUMN {} TO {}", quote(&table), quote(&old_column), quote(&column)));
        j.lock = Lock::AccessExclusive;
        j.work = Work::Metadata;
        j.score = j.score.max(70);
        let old_code = format!("The release still serving traffic selects `{old_column}` by name and fails at once.");
        j.old_code = Some(old_code);
        j.risks.push(Risk {
            recipe: None,
            kind: RiskKind::RenameWhileInUse,
            message: format!("`db_column` renames `{table}.{old_column}` to `{column}` while the old release still queries `{old_column}`"),
        });
    }
    // Type.
    if old_type != new_type {
        changed = true;
        let (Some(ot), Some(nt)) = (old_type.clone(), new_type.clone()) else { return };
        if ot.starts_with('<') || nt.starts_with('<') {
            // A custom field class decides its column type in code that is not in the input.
            j.lock = Lock::AccessExclusive;
            j.work = j.work.max(Work::Metadata);
            j.score = j.score.max(35);
            j.unknown = Some(format!(
                "`{}` → `{}`: a custom field class decides the column type; paste the field's code (its `db_type`) to know whether this rewrites `{table}`.",
                old.class(),
                new.class()
            ));
            j.sql.pop();
            j.sql.push(format!(
                "ALTER TABLE {} ALTER COLUMN {} TYPE <type of {}> -- if it differs",
                quote(&table),
                quote(&column),
                new.class()
            ));
            j.reasons.push("Column type unknown (custom field class): possibly a rewrite.".into());
            return;
        }
        j.sql.push(format!(
            "ALTER TABLE {} ALTER COLUMN {} TYPE {nt} USING {}::{nt}",
            quote(&table),
            quote(&column),
            quote(&column)
        ));
        j.lock = Lock::AccessExclusive;
        let referenced = old.primary_key() && !ctx.state.incoming(&ctx.migration.app, &model_name).is_empty();
        match type_change(&ot, &nt, &old, &new) {
            TypeChange::Free(why) => {
                j.work = j.work.max(Work::Metadata);
                j.score = j.score.max(10);
                j.reasons.push(format!("`{ot}` → `{nt}`: {why}"));
            }
            TypeChange::IndexRebuild => {
                j.work = j.work.max(Work::IndexBuild);
                j.score = j.score.max(65);
                j.reasons.push(format!("`{ot}` → `{nt}` keeps the data, but Django drops and rebuilds the `_like` pattern index under ACCESS EXCLUSIVE."));
                j.risks.push(Risk {
                    recipe: None,
                    kind: RiskKind::IndexBuild,
                    message: format!(
                        "changing `{model_name}.{name}` to `{nt}` rebuilds its pattern index while `{table}` is locked"
                    ),
                });
            }
            TypeChange::Rewrite if referenced => {
                let children = ctx.state.incoming(&ctx.migration.app, &model_name);
                // What Django runs: drop the incoming constraints, widen the key and each
                // referencing column, then re-add the constraints (validated).
                let widen = j.sql.pop();
                let mut before = Vec::new();
                let mut after = Vec::new();
                for (child, fname) in &children {
                    let ctable = child.table();
                    let ccol = child.field(fname).map(|f| f.column(fname)).unwrap_or_else(|| format!("{fname}_id"));
                    let fk = sql::generated_name(&ctable, &[&ccol], &format!("_fk_{table}_{column}"));
                    before.push(format!("ALTER TABLE {} DROP CONSTRAINT {}", quote(&ctable), quote(&fk)));
                    after.push(format!(
                        "ALTER TABLE {} ALTER COLUMN {} TYPE {nt} USING {}::{nt}",
                        quote(&ctable),
                        quote(&ccol),
                        quote(&ccol)
                    ));
                    after.push(format!(
                        "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}) DEFERRABLE INITIALLY DEFERRED",
                        quote(&ctable), quote(&fk), quote(&ccol), quote(&table), quote(&column)
                    ));
                }
                j.sql.extend(before);
                j.sql.extend(widen);
                j.sql.push(format!("ALTER SEQUENCE {} AS {nt}", quote(&format!("{table}_{column}_seq"))));
                j.sql.extend(after);
                let names: Vec<String> = children.iter().map(|(m, f)| format!("`{}.{}`", m.table(), f)).collect();
                let mut child_tables: Vec<String> =
                    children.iter().map(|(m, _)| m.table()).filter(|t| *t != table).collect();
                crate::sort::sort(&mut child_tables);
                child_tables.dedup();
                j.work = Work::Rewrite;
                j.score = j.score.max(95);
                j.tables.extend(child_tables.iter().cloned());
                j.reasons.push(format!(
                    "`{ot}` → `{nt}` on a primary key that {} foreign key(s) reference ({}): Django drops those constraints, rewrites `{table}` and every referencing table with all their indexes under ACCESS EXCLUSIVE, then re-adds and validates the constraints.",
                    children.len(),
                    names.join(", ")
                ));
                j.risks.push(Risk {
                    recipe: None,
                    kind: RiskKind::KeyWidening,
                    message: format!(
                        "widening the primary key of `{model_name}` rewrites `{table}` and {} referencing table(s) ({}) under exclusive locks",
                        child_tables.len(),
                        child_tables.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
                    ),
                });
                j.recipe = Some(format!(
                    "# Keep the narrow key for now (in models.py or the app config):\n#     id = models.AutoField(primary_key=True)\n# and widen it online: add a bigint shadow column, keep it in sync with a trigger, backfill in batches,\n# build its unique index CONCURRENTLY, then swap keys in one short transaction (and the same for each referencing column: {}).",
                    names.join(", ")
                ));
            }
            TypeChange::Rewrite => {
                j.work = Work::Rewrite;
                j.score = j.score.max(80);
                j.reasons.push(format!(
                    "`{ot}` → `{nt}` is not binary-compatible: PostgreSQL rewrites `{table}` and rebuilds all its indexes under ACCESS EXCLUSIVE."
                ));
                if nt.starts_with("varchar") && ot.starts_with("varchar") {
                    j.old_code = Some(
                        "Rows longer than the new limit make the ALTER fail, and old code keeps writing long values."
                            .into(),
                    );
                }
                j.risks.push(Risk { recipe: None, kind: RiskKind::Rewrite, message: format!("changing `{model_name}.{name}` from `{ot}` to `{nt}` rewrites `{table}` under an exclusive lock") });
                if old.primary_key() {
                    j.recipe = Some(format!(
                        "# Keep the key type for now (models.py or the app's default_auto_field), or widen it online:\n# add a `{nt}` shadow column, fill it from a trigger and batched backfills, build its unique\n# index CONCURRENTLY, then swap the key in one short transaction."
                    ));
                } else {
                    j.recipe = Some(format!(
                    "# Expand and contract instead of converting in place:\n# 1. add the new column\nmigrations.AddField(\"{model_name}\", \"{name}_new\", {}),\n# 2. write both columns in code; backfill old rows in batches (RunPython)\n# 3. switch reads to the new column; 4. drop the old one in a later release",
                    nullable_version(&new)
                ));
                }
            }
        }
    }
    // NULL / NOT NULL.
    if old.null() && !new.null() {
        changed = true;
        j.lock = Lock::AccessExclusive;
        let has_check = has_not_null_check(model, &name);
        if let Some(default) = new.default() {
            j.sql.push(format!(
                "ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}",
                quote(&table),
                quote(&column),
                sql::default_sql(default)
            ));
            j.sql.push(format!(
                "UPDATE {} SET {} = {} WHERE {} IS NULL",
                quote(&table),
                quote(&column),
                sql::default_sql(default),
                quote(&column)
            ));
        }
        j.sql.push(format!("ALTER TABLE {} ALTER COLUMN {} SET NOT NULL", quote(&table), quote(&column)));
        if new.default().is_some() {
            j.sql.push(format!("ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT", quote(&table), quote(&column)));
        }
        if has_check && ctx.options.postgres >= 12 && new.default().is_none() {
            j.work = j.work.max(Work::Metadata);
            j.score = j.score.max(10);
            j.reasons.push(
                "A validated `CHECK (… IS NOT NULL)` already exists: PostgreSQL 12+ sets NOT NULL without scanning."
                    .into(),
            );
        } else {
            j.work = j.work.max(Work::Scan);
            j.score = j.score.max(if new.default().is_some() { 70 } else { 65 });
            j.reasons.push(format!(
                "SET NOT NULL scans all of `{table}` under ACCESS EXCLUSIVE{}.",
                if new.default().is_some() {
                    ", after an unbatched UPDATE of every NULL row in the same transaction"
                } else {
                    ""
                }
            ));
            j.old_code = Some(format!("The release still serving traffic may write NULL into `{column}`; those writes fail once the constraint is on."));
            j.risks.push(Risk {
                recipe: None,
                kind: RiskKind::NotNullScan,
                message: format!("making `{model_name}.{name}` NOT NULL scans `{table}` under an exclusive lock"),
            });
            let check = format!("{}_{}_not_null", model_name.lowercase(), name);
            let pg18 = if ctx.options.postgres >= 18 {
                "\n# PostgreSQL 18 can also add the NOT NULL itself NOT VALID and validate it later."
            } else {
                ""
            };
            j.recipe = Some(format!(
                "# 1. a CHECK that is not validated yet (brief lock)\nfrom django.contrib.postgres.operations import AddConstraintNotValid, ValidateConstraint\nAddConstraintNotValid(\"{model_name}\", models.CheckConstraint(condition=models.Q({name}__isnull=False), name=\"{check}\")),\n# 2. backfill NULL rows in batches (RunPython)\n# 3. next migration: validate without blocking writes\nValidateConstraint(\"{model_name}\", name=\"{check}\"),\n# 4. next migration: NOT NULL is now free (PostgreSQL 12+), then drop the CHECK\nmigrations.AlterField(\"{model_name}\", \"{name}\", {}),\nmigrations.RemoveConstraint(\"{model_name}\", \"{check}\"),{pg18}",
                op.call.arg("field", 2).map(PyValue::to_python).unwrap_or_default()
            ));
        }
    } else if !old.null() && new.null() {
        changed = true;
        j.sql.push(format!("ALTER TABLE {} ALTER COLUMN {} DROP NOT NULL", quote(&table), quote(&column)));
        j.lock = Lock::AccessExclusive;
        j.work = j.work.max(Work::Metadata);
        j.score = j.score.max(10);
        j.reasons.push("DROP NOT NULL is a catalogue change. Old code reading the column may not expect NULL, and a rollback needs a scan.".into());
    }
    // Unique.
    if !old.unique() && new.unique() {
        changed = true;
        let name_uniq = sql::generated_name(&table, &[&column], "_uniq");
        j.sql.push(format!(
            "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({})",
            quote(&table),
            quote(&name_uniq),
            quote(&column)
        ));
        j.lock = Lock::AccessExclusive;
        j.work = j.work.max(Work::IndexBuild);
        j.score = j.score.max(65);
        j.reasons.push(format!("ADD CONSTRAINT … UNIQUE builds its index under ACCESS EXCLUSIVE: `{table}` is unreadable until it finishes, and duplicates make it fail."));
        j.risks.push(Risk { recipe: None, kind: RiskKind::IndexBuild, message: format!("making `{model_name}.{name}` unique builds an index while `{table}` is locked against reads and writes") });
        j.recipe = Some(unique_recipe(&table, &column, &name_uniq, op));
    } else if old.unique() && !new.unique() {
        changed = true;
        j.sql.push(format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            quote(&table),
            quote(&sql::generated_name(&table, &[&column], "_uniq"))
        ));
        j.lock = Lock::AccessExclusive;
        j.work = j.work.max(Work::Metadata);
        j.score = j.score.max(10);
    }
    // Index.
    if !old.db_index() && new.db_index() && !new.unique() {
        changed = true;
        j.sql.extend(sql::field_indexes(&table, &column, &new));
        j.lock = j.lock.max(Lock::Share);
        j.work = j.work.max(Work::IndexBuild);
        j.score = j.score.max(if j.lock == Lock::AccessExclusive { 65 } else { 50 });
        j.reasons
            .push(format!("CREATE INDEX holds SHARE on `{table}` for the whole build: writes wait, reads continue."));
        j.risks.push(Risk {
            recipe: None,
            kind: RiskKind::IndexBuild,
            message: format!("indexing `{model_name}.{name}` blocks writes to `{table}` for the whole build"),
        });
        if j.recipe.is_none() {
            j.recipe = Some(format!(
                "# Build it without blocking writes (migration with atomic = False):\nfrom django.contrib.postgres.operations import AddIndexConcurrently\nmigrations.SeparateDatabaseAndState(\n    database_operations=[AddIndexConcurrently(\"{model_name}\", models.Index(fields=[\"{name}\"], name=\"{}\"))],\n    state_operations=[migrations.AlterField(\"{model_name}\", \"{name}\", {})],\n),",
                sql::generated_name(&table, &[&column], ""),
                op.call.arg("field", 2).map(PyValue::to_python).unwrap_or_default()
            ));
        }
    } else if old.db_index() && !new.db_index() && !old.unique() {
        changed = true;
        j.sql.push(format!("DROP INDEX IF EXISTS {}", quote(&sql::generated_name(&table, &[&column], ""))));
        j.lock = j.lock.max(Lock::AccessExclusive);
        j.work = j.work.max(Work::Metadata);
        j.score = j.score.max(10);
    }
    // Foreign key rework: constraint dropped and re-added (validated) around the change.
    if new.is_foreign_key()
        && new.db_constraint()
        && changed
        && (old.null() != new.null() || old_type != new_type || old.target() != new.target())
    {
        let parent = ctx.state.target_table(&ctx.migration.app, &new.target().unwrap_or_default());
        j.tables.push(parent.clone());
        j.work = j.work.max(Work::Scan);
        j.score = j.score.max(65);
        let fk = sql::generated_name(&table, &[&column], &format!("_fk_{parent}_id"));
        j.sql.insert(0, format!("ALTER TABLE {} DROP CONSTRAINT {}", quote(&table), quote(&fk)));
        j.sql.push(format!(
            "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} (\"id\") DEFERRABLE INITIALLY DEFERRED",
            quote(&table),
            quote(&fk),
            quote(&column),
            quote(&parent)
        ));
        j.reasons.push(format!("Django drops the foreign key constraint and re-adds it validated: `{table}` is scanned and `{parent}` is locked."));
        if old.null() && !new.null() {
            j.recipe = Some(format!(
                "# Run only the NOT NULL change, keep the constraint (after a validated CHECK it needs no scan):\nmigrations.SeparateDatabaseAndState(\n    database_operations=[migrations.RunSQL(\n        'ALTER TABLE {} ALTER COLUMN {} SET NOT NULL',\n        reverse_sql='ALTER TABLE {} ALTER COLUMN {} DROP NOT NULL',\n    )],\n    state_operations=[{}],\n),",
                quote(&table), quote(&column), quote(&table), quote(&column), op.call.source
            ));
        }
        j.risks.push(Risk {
            recipe: None,
            kind: RiskKind::ValidatedConstraint,
            message: format!(
                "the foreign key `{model_name}.{name}` is re-validated: `{table}` is scanned and `{parent}` locked"
            ),
        });
    }
    if old.db_constraint() && !new.db_constraint() && new.is_foreign_key() {
        changed = true;
        j.sql.push(format!("ALTER TABLE {} DROP CONSTRAINT {}", quote(&table), quote(&format!("<fk of {column}>"))));
        j.lock = j.lock.max(Lock::AccessExclusive);
        j.work = j.work.max(Work::Metadata);
        j.score = j.score.max(10);
    }
    if old.call.kwarg("db_collation") != new.call.kwarg("db_collation") {
        changed = true;
        j.lock = Lock::AccessExclusive;
        j.work = Work::Rewrite;
        j.score = j.score.max(80);
        j.reasons.push(
            "A collation change rebuilds every index on the column (treat it as a rewrite) and changes sort order."
                .into(),
        );
        j.risks.push(Risk {
            recipe: None,
            kind: RiskKind::Rewrite,
            message: format!(
                "changing the collation of `{model_name}.{name}` rebuilds its indexes under an exclusive lock"
            ),
        });
    }
    if old.call.kwarg("db_comment") != new.call.kwarg("db_comment") {
        changed = true;
        j.sql.push(format!("COMMENT ON COLUMN {}.{} IS ...", quote(&table), quote(&column)));
        j.lock = j.lock.max(Lock::ShareUpdateExclusive);
        j.work = j.work.max(Work::Metadata);
        j.reasons.push("A column comment is a catalogue change.".into());
    }
    if !changed {
        j.reasons.push(format!(
            "Only Python-side options of `{name}` change ({}): no SQL.",
            changed_kwargs(&old, &new).join(", ")
        ));
        j.score = 0;
        j.lock = Lock::None;
        j.work = Work::None;
    }
}

enum TypeChange {
    Free(&'static str),
    IndexRebuild,
    Rewrite,
}

/// Whether PostgreSQL can change `old` to `new` without touching the rows.
fn type_change(old: &str, new: &str, old_def: &FieldDef, new_def: &FieldDef) -> TypeChange {
    let indexed = old_def.db_index() || old_def.unique();
    let varchar_len =
        |t: &str| t.strip_prefix("varchar(").and_then(|r| r.strip_suffix(')')).and_then(|n| n.parse::<i64>().ok());
    match (old, new) {
        (o, n) if o.starts_with("varchar") && n.starts_with("varchar") => match (varchar_len(o), varchar_len(n)) {
            (Some(a), Some(b)) if b >= a => {
                TypeChange::Free("a longer varchar is a catalogue change (PostgreSQL 9.2+).")
            }
            (Some(_), None) => TypeChange::Free("dropping the limit is a catalogue change."),
            _ => TypeChange::Rewrite,
        },
        (o, "text") if o.starts_with("varchar") => {
            if indexed {
                TypeChange::IndexRebuild
            } else {
                TypeChange::Free("varchar → text is binary-compatible: no rewrite.")
            }
        }
        (o, n) if o.starts_with("numeric(") && n.starts_with("numeric(") => {
            let parse = |t: &str| -> Option<(i64, i64)> {
                let inner = t.strip_prefix("numeric(")?.strip_suffix(')')?;
                let (a, b) = inner.split_once(',')?;
                Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
            };
            match (parse(o), parse(n)) {
                (Some((p1, s1)), Some((p2, s2))) if s1 == s2 && p2 >= p1 => {
                    TypeChange::Free("more precision at the same scale is a catalogue change.")
                }
                _ => TypeChange::Rewrite,
            }
        }
        _ if old_def.class() == new_def.class() && old == new => TypeChange::Free("same type."),
        _ => TypeChange::Rewrite,
    }
}

fn has_not_null_check(model: &ModelState, field: &str) -> bool {
    model.constraints.iter().any(|c| {
        c.as_call().is_some_and(|call| {
            call.short_func() == "CheckConstraint"
                && call.kwarg("condition").or(call.kwarg("check")).is_some_and(|q| {
                    let text = q.to_python();
                    text.contains(&format!("{field}__isnull")) && text.contains("False")
                })
        })
    })
}

fn changed_kwargs(old: &FieldDef, new: &FieldDef) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (k, v) in &new.call.kwargs {
        if old.call.kwarg(k) != Some(v) {
            names.push(format!("`{k}`"));
        }
    }
    for (k, _) in &old.call.kwargs {
        if new.call.kwarg(k).is_none() {
            names.push(format!("`{k}`"));
        }
    }
    if names.is_empty() {
        names.push("none".into());
    }
    names
}

fn remove_field(ctx: &JudgeCtx<'_>, op: &Operation, j: &mut Judgement) {
    let (Some(model_name), Some(name)) = (op.model(), op.field()) else { return };
    let table = ctx.table_of(&model_name);
    j.tables.push(table.clone());
    if ctx.is_new(&model_name) {
        j.new_table = true;
        return;
    }
    let old = ctx.model(&model_name).and_then(|m| m.field(&name)).cloned();
    let column = old.as_ref().map(|f| f.column(&name)).unwrap_or_else(|| name.clone());
    if let Some(f) = old.as_ref().filter(|f| f.is_foreign_key() && f.db_constraint()) {
        let parent = ctx.state.target_table(&ctx.migration.app, &f.target().unwrap_or_default());
        j.sql.push(format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            quote(&table),
            quote(&sql::generated_name(&table, &[&column], &format!("_fk_{parent}_id")))
        ));
        j.tables.push(parent);
    }
    if old.as_ref().is_some_and(|f| f.is_many_to_many() && f.call.kwarg("through").is_some()) {
        j.reasons.push(
            "A many-to-many relation through its own model: removing it runs no SQL (the through model's table stays)."
                .into(),
        );
        return;
    }
    if old.as_ref().is_some_and(FieldDef::is_many_to_many) {
        j.sql.push(format!("DROP TABLE {} CASCADE", quote(&format!("{table}_{}", name.lowercase()))));
    } else {
        j.sql.push(format!("ALTER TABLE {} DROP COLUMN {} CASCADE", quote(&table), quote(&column)));
    }
    j.lock = Lock::AccessExclusive;
    j.work = Work::Metadata;
    j.score = 75;
    let not_null_no_default =
        old.as_ref().is_some_and(|f| !f.null() && f.db_default().is_none() && !f.is_many_to_many());
    let mut old_code = format!("The release still serving traffic selects `{column}` in every query on `{model_name}`: those queries fail the moment the column is gone, and its data is lost.");
    if not_null_no_default {
        old_code.push_str(
            " Staging the removal needs the column nullable or with a `db_default` first, or old INSERTs fail.",
        );
    }
    j.old_code = Some(old_code);
    j.reasons.push("DROP COLUMN itself is quick (ACCESS EXCLUSIVE, catalogue only).".into());
    if old.is_none() && ctx.app_history {
        j.unknown = Some(format!("`{model_name}.{name}` is not in the replayed history."));
    }
    // The model itself is deleted later in this migration: that is the finding, not each column.
    let model_deleted = ctx
        .migration
        .operations
        .iter()
        .any(|o| o.kind == "DeleteModel" && o.model().is_some_and(|m| m.eq_ignore_ascii_case(&model_name)));
    if !model_deleted {
        j.risks.push(Risk {
            recipe: None,
            kind: RiskKind::DropWhileInUse,
            message: format!(
                "removing `{model_name}.{name}` drops the column while the previous release still reads it"
            ),
        });
    }
    j.recipe = Some(format!(
        "# Release 1: remove the field from the model, but only from Django's state\nmigrations.SeparateDatabaseAndState(\n    state_operations=[migrations.RemoveField(\"{model_name}\", \"{name}\")],\n    database_operations=[],\n),\n# (make it nullable first if it is NOT NULL without a db_default)\n# Release 2, once no running code reads it:\nmigrations.RunSQL('ALTER TABLE {} DROP COLUMN IF EXISTS {}', migrations.RunSQL.noop),",
        quote(&table),
        quote(&column)
    ));
}

fn rename_field(ctx: &JudgeCtx<'_>, op: &Operation, j: &mut Judgement) {
    let (Some(model_name), Some(old_name)) = (op.model(), op.field()) else { return };
    let new_name = op.call.arg("new_name", 2).and_then(PyValue::as_str).unwrap_or_default().to_string();
    let table = ctx.table_of(&model_name);
    j.tables.push(table.clone());
    if ctx.is_new(&model_name) {
        j.new_table = true;
        return;
    }
    let field = ctx.model(&model_name).and_then(|m| m.field(&old_name)).cloned();
    // A field with db_column keeps its column: nothing happens in the database.
    if let Some(f) = field.as_ref().filter(|f| f.db_column().is_some()) {
        j.reasons.push(format!(
            "`{old_name}` keeps its column `{}` (`db_column`): no SQL.",
            f.db_column().unwrap_or_default()
        ));
        return;
    }
    let (old_col, new_col) = match &field {
        Some(f) if f.is_foreign_key() => (format!("{old_name}_id"), format!("{new_name}_id")),
        _ => (old_name.clone(), new_name.clone()),
    };
    j.sql.push(format!("ALTER TABLE {} RENAME COLUMN {} TO {}", quote(&table), quote(&old_col), quote(&new_col)));
    j.lock = Lock::AccessExclusive;
    j.work = Work::Metadata;
    j.score = 70;
    j.old_code = Some(format!(
        "The release still serving traffic names `{old_col}` in every query on `{model_name}`: they fail at once."
    ));
    j.risks.push(Risk {
        recipe: None,
        kind: RiskKind::RenameWhileInUse,
        message: format!("renaming `{model_name}.{old_name}` to `{new_name}` renames the column while the previous release still queries `{old_col}`"),
    });
    j.recipe = Some(format!(
        "# Rename in Python only: keep the column name\n# models.py: {new_name} = models.<Field>(..., db_column=\"{old_col}\")\nmigrations.SeparateDatabaseAndState(\n    state_operations=[\n        migrations.RenameField(\"{model_name}\", \"{old_name}\", \"{new_name}\"),\n        migrations.AlterField(\"{model_name}\", \"{new_name}\", <field with db_column=\"{old_col}\">),\n    ],\n    database_operations=[],\n),"
    ));
}

fn delete_model(ctx: &JudgeCtx<'_>, op: &Operation, j: &mut Judgement) {
    let Some(model_name) = op.model() else { return };
    let table = ctx.table_of(&model_name);
    j.tables.push(table.clone());
    if ctx.is_new(&model_name) {
        j.new_table = true;
        return;
    }
    j.sql.push(format!("DROP TABLE {} CASCADE", quote(&table)));
    let children: Vec<String> =
        ctx.state.incoming(&ctx.migration.app, &model_name).iter().map(|(m, _)| m.table()).collect();
    j.tables.extend(children);
    j.lock = Lock::AccessExclusive;
    j.work = Work::Metadata;
    j.score = 75;
    j.old_code = Some(format!(
        "The release still serving traffic queries `{table}`: those requests fail, and the rows are gone."
    ));
    j.risks.push(Risk {
        recipe: None,
        kind: RiskKind::DropWhileInUse,
        message: format!("deleting `{model_name}` drops `{table}` while the previous release still queries it"),
    });
    j.recipe = Some(format!(
        "# Release 1: delete the model from Django's state only\nmigrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(\"{model_name}\")], database_operations=[]),\n# Release 2, once no running code uses it:\nmigrations.RunSQL('DROP TABLE IF EXISTS {}', migrations.RunSQL.noop),",
        quote(&table)
    ));
}

fn rename_model(ctx: &JudgeCtx<'_>, op: &Operation, j: &mut Judgement) {
    let Some(old) = op.model() else { return };
    let new = op.call.arg("new_name", 1).and_then(PyValue::as_str).unwrap_or_default().to_string();
    let state = ctx.model(&old);
    if state.is_some_and(|m| m.db_table.is_some()) {
        j.reasons.push("The model keeps its table (`Meta.db_table`): no SQL for the table itself.".into());
        return;
    }
    if ctx.is_new(&old) {
        j.new_table = true;
        return;
    }
    let old_table = ctx.table_of(&old);
    let new_table = format!("{}_{}", ctx.migration.app, new.lowercase());
    j.sql.push(format!("ALTER TABLE {} RENAME TO {}", quote(&old_table), quote(&new_table)));
    j.tables.push(old_table.clone());
    let children = ctx.state.incoming(&ctx.migration.app, &old);
    for (m, _) in &children {
        j.tables.push(m.table());
    }
    if !children.is_empty() {
        j.reasons.push(format!(
            "{} foreign key(s) point at the model: Django drops, renames and re-adds them, validating each.",
            children.len()
        ));
    }
    j.lock = Lock::AccessExclusive;
    j.work = if children.is_empty() { Work::Metadata } else { Work::Scan };
    j.score = 70;
    j.old_code = Some(format!("The release still serving traffic queries `{old_table}`: it fails at once."));
    j.risks.push(Risk {
        recipe: None,
        kind: RiskKind::RenameWhileInUse,
        message: format!(
            "renaming `{old}` to `{new}` renames `{old_table}` while the previous release still queries it"
        ),
    });
    j.recipe = Some(format!(
        "# Rename the class, keep the table:\n# class {new}(models.Model):\n#     class Meta:\n#         db_table = \"{old_table}\"\nmigrations.SeparateDatabaseAndState(\n    state_operations=[migrations.RenameModel(\"{old}\", \"{new}\"), migrations.AlterModelTable(\"{new}\", \"{old_table}\")],\n    database_operations=[],\n),"
    ));
}

fn alter_model_table(ctx: &JudgeCtx<'_>, op: &Operation, j: &mut Judgement) {
    let Some(model) = op.model() else { return };
    let old_table = ctx.table_of(&model);
    let new_table = op
        .call
        .arg("table", 1)
        .and_then(PyValue::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("{}_{}", ctx.migration.app, model.lowercase()));
    if old_table == new_table {
        j.reasons.push("The table name does not change: no SQL.".into());
        return;
    }
    if ctx.is_new(&model) {
        j.new_table = true;
        return;
    }
    j.sql.push(format!("ALTER TABLE {} RENAME TO {}", quote(&old_table), quote(&new_table)));
    j.tables.push(old_table.clone());
    j.lock = Lock::AccessExclusive;
    j.work = Work::Metadata;
    j.score = 70;
    j.old_code = Some(format!("The release still serving traffic queries `{old_table}`: it fails at once."));
    j.risks.push(Risk {
        recipe: None,
        kind: RiskKind::RenameWhileInUse,
        message: format!(
            "`AlterModelTable` renames `{old_table}` to `{new_table}` while the previous release still queries it"
        ),
    });
    j.recipe = Some(format!(
        "# Keep the old name for one release, or bridge it with an updatable view:\nmigrations.RunSQL(\n    'ALTER TABLE {} RENAME TO {}; CREATE VIEW {} AS SELECT * FROM {}',\n    reverse_sql='DROP VIEW {}; ALTER TABLE {} RENAME TO {}',\n),  # drop the view in the next release",
        quote(&old_table), quote(&new_table), quote(&old_table), quote(&new_table), quote(&old_table), quote(&new_table), quote(&old_table)
    ));
}

fn add_index(ctx: &JudgeCtx<'_>, op: &Operation, j: &mut Judgement) {
    let Some(model_name) = op.model() else { return };
    let table = ctx.table_of(&model_name);
    j.tables.push(table.clone());
    let Some(index) = op.call.arg("index", 1).and_then(PyValue::as_call).cloned() else { return };
    let concurrent = op.kind == "AddIndexConcurrently";
    j.sql.push(sql::create_index(ctx.model(&model_name), &table, &index, concurrent, false));
    let name = index.kwarg("name").and_then(PyValue::as_str).unwrap_or("index").to_string();
    if concurrent {
        j.lock = Lock::ShareUpdateExclusive;
        j.work = Work::IndexBuild;
        j.score = 15;
        if ctx.migration.atomic {
            j.score = 90;
            j.reasons.push(
                "CREATE INDEX CONCURRENTLY cannot run inside a transaction block: this migration fails as written."
                    .into(),
            );
            j.risks.push(Risk {
                recipe: None,
                kind: RiskKind::ConcurrentInTransaction,
                message: format!("`AddIndexConcurrently` of `{name}` runs in an atomic migration, where PostgreSQL refuses CONCURRENTLY"),
            });
            j.recipe = Some(
                "class Migration(migrations.Migration):
    atomic = False  # required for CONCURRENTLY
    ..."
                .into(),
            );
            return;
        }
        j.reasons.push("CREATE INDEX CONCURRENTLY lets reads and writes continue; it scans twice and waits for older transactions.".into());
        if !ctx.migration.atomic {
            j.reasons.push("If it fails it leaves an INVALID index behind, and a rerun fails with \"already exists\": drop it before retrying (or use RunSQL with IF NOT EXISTS).".into());
        }
        if ctx.options.postgres == 14 {
            j.reasons.push(
                "PostgreSQL 14.0–14.3 can corrupt indexes built CONCURRENTLY: make sure the server runs 14.4 or later."
                    .into(),
            );
        }
        return;
    }
    if ctx.is_new(&model_name) {
        j.new_table = true;
        j.lock = Lock::Share;
        j.work = Work::IndexBuild;
        j.reasons.push("The table was created earlier in this migration: building the index is instant.".into());
        return;
    }
    j.lock = Lock::Share;
    j.work = Work::IndexBuild;
    j.score = 50;
    j.reasons.push(format!(
        "CREATE INDEX holds SHARE on `{table}` for the whole build: every INSERT, UPDATE and DELETE waits."
    ));
    j.risks.push(Risk {
        recipe: None,
        kind: RiskKind::IndexBuild,
        message: format!("`AddIndex` builds `{name}` while writes to `{table}` are blocked"),
    });
    j.recipe = Some(format!(
        "from django.contrib.postgres.operations import AddIndexConcurrently\n\nclass Migration(migrations.Migration):\n    atomic = False  # CONCURRENTLY cannot run in a transaction\n    operations = [\n        AddIndexConcurrently(\"{model_name}\", {}),\n    ]",
        index.source
    ));
}

fn remove_index(ctx: &JudgeCtx<'_>, op: &Operation, j: &mut Judgement) {
    let Some(model_name) = op.model() else { return };
    let name = op.call.arg("name", 1).and_then(PyValue::as_str).unwrap_or("index").to_string();
    j.tables.push(ctx.table_of(&model_name));
    if op.kind == "RemoveIndexConcurrently" {
        j.sql.push(format!("DROP INDEX CONCURRENTLY IF EXISTS {}", quote(&name)));
        j.lock = Lock::ShareUpdateExclusive;
        j.work = Work::Metadata;
        j.score = 5;
        return;
    }
    j.sql.push(format!("DROP INDEX IF EXISTS {}", quote(&name)));
    j.lock = Lock::AccessExclusive;
    j.work = Work::Metadata;
    j.score = 10;
    j.reasons.push(
        "DROP INDEX is quick but takes ACCESS EXCLUSIVE on the table; `RemoveIndexConcurrently` avoids that.".into(),
    );
}

fn add_constraint(ctx: &JudgeCtx<'_>, op: &Operation, j: &mut Judgement) {
    let Some(model_name) = op.model() else { return };
    let table = ctx.table_of(&model_name);
    j.tables.push(table.clone());
    let Some(c) = op.call.arg("constraint", 1).and_then(PyValue::as_call).cloned() else { return };
    let model = ctx.model(&model_name);
    let name = c.kwarg("name").and_then(PyValue::as_str).unwrap_or("constraint").to_string();
    let not_valid = op.kind == "AddConstraintNotValid";
    let new_table = ctx.is_new(&model_name);
    j.new_table = new_table;
    match c.short_func() {
        "CheckConstraint" => {
            let cond =
                c.kwarg("condition").or(c.kwarg("check")).map(|q| sql::condition_sql(model, q)).unwrap_or_default();
            j.sql.push(format!(
                "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({cond}){}",
                quote(&table),
                quote(&name),
                if not_valid { " NOT VALID" } else { "" }
            ));
            j.lock = Lock::AccessExclusive;
            if not_valid {
                j.work = Work::Metadata;
                j.score = 10;
                j.reasons.push("NOT VALID: only new writes are checked; the existing rows are validated later with `ValidateConstraint`, without blocking.".into());
            } else if !new_table {
                j.work = Work::Scan;
                j.score = 65;
                j.reasons.push(format!("The CHECK is validated at once: `{table}` is scanned under ACCESS EXCLUSIVE."));
                j.old_code = Some(
                    "Writes from the release still serving traffic that break the rule fail with IntegrityError."
                        .into(),
                );
                j.risks.push(Risk {
                    recipe: None,
                    kind: RiskKind::ValidatedConstraint,
                    message: format!(
                        "the check constraint `{name}` is validated while `{table}` is locked against reads and writes"
                    ),
                });
                j.recipe = Some(format!(
                    "from django.contrib.postgres.operations import AddConstraintNotValid, ValidateConstraint\nAddConstraintNotValid(\"{model_name}\", {}),\n# in the next migration (SHARE UPDATE EXCLUSIVE: reads and writes continue)\nValidateConstraint(\"{model_name}\", name=\"{name}\"),",
                    c.source
                ));
            }
        }
        "UniqueConstraint" => {
            let partial = c.kwarg("condition").is_some()
                || !c.args.is_empty()
                || c.kwarg("include").is_some()
                || c.kwarg("opclasses").is_some();
            if partial {
                j.sql.push(sql::create_index(model, &table, &c, false, true));
                j.lock = Lock::Share;
            } else {
                let cols = c.kwarg("fields").map(|f| sql::columns_of(model, f.as_list())).unwrap_or_default();
                j.sql.push(format!(
                    "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({})",
                    quote(&table),
                    quote(&name),
                    cols.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ")
                ));
                j.lock = Lock::AccessExclusive;
            }
            j.work = Work::IndexBuild;
            if !new_table {
                j.score = if partial { 50 } else { 65 };
                j.reasons.push(format!(
                    "The unique index is built with {} held on `{table}`; duplicates make the migration fail.",
                    j.lock.as_str()
                ));
                j.old_code = Some("The release still serving traffic may insert duplicates until the constraint exists; those inserts fail after.".into());
                j.risks.push(Risk {
                    recipe: None,
                    kind: RiskKind::IndexBuild,
                    message: format!(
                        "the unique constraint `{name}` builds its index while `{table}` is locked ({})",
                        j.lock.blocks()
                    ),
                });
                j.recipe = Some(unique_constraint_recipe(&table, &name, &model_name, &c, model));
            }
        }
        "ExclusionConstraint" => {
            j.sql.push(format!(
                "ALTER TABLE {} ADD CONSTRAINT {} EXCLUDE USING gist (...)",
                quote(&table),
                quote(&name)
            ));
            j.lock = Lock::AccessExclusive;
            j.work = Work::IndexBuild;
            if !new_table {
                j.score = 65;
                j.reasons.push("Exclusion constraints cannot be added NOT VALID: the index is built and checked under ACCESS EXCLUSIVE.".into());
                j.risks.push(Risk {
                    recipe: None,
                    kind: RiskKind::ValidatedConstraint,
                    message: format!(
                        "the exclusion constraint `{name}` is built and checked while `{table}` is locked"
                    ),
                });
            }
        }
        other => {
            j.lock = Lock::AccessExclusive;
            j.score = 30;
            j.reasons.push(format!("`{other}` is a custom constraint: its SQL is not known."));
        }
    }
    if new_table {
        j.score = 0;
        j.reasons.push("The table was created earlier in this migration: it is empty.".into());
    }
}

fn validate_constraint(ctx: &JudgeCtx<'_>, op: &Operation, j: &mut Judgement) {
    let Some(model_name) = op.model() else { return };
    let table = ctx.table_of(&model_name);
    let name = op.call.arg("name", 1).and_then(PyValue::as_str).unwrap_or("constraint").to_string();
    j.sql.push(format!("ALTER TABLE {} VALIDATE CONSTRAINT {}", quote(&table), quote(&name)));
    j.tables.push(table.clone());
    j.lock = Lock::ShareUpdateExclusive;
    j.work = Work::Scan;
    j.score = 15;
    j.reasons
        .push("VALIDATE CONSTRAINT scans the table with SHARE UPDATE EXCLUSIVE: reads and writes continue.".into());
    // Validation in the same atomic migration as the NOT VALID add keeps the add's exclusive lock.
    if ctx.migration.atomic
        && ctx.migration.operations.iter().any(|o| {
            o.kind == "AddConstraintNotValid"
                && o.call.arg("constraint", 1).and_then(super::state::object_name).as_deref() == Some(name.as_str())
        })
    {
        j.lock = Lock::AccessExclusive;
        j.score = 65;
        j.reasons.push("But the NOT VALID add ran earlier in this same transaction, so its ACCESS EXCLUSIVE lock is still held during the scan: move the validation to its own migration.".into());
        j.risks.push(Risk {
            recipe: None,
            kind: RiskKind::ValidatedConstraint,
            message: format!(
                "`{name}` is validated in the same transaction that added it, so `{table}` stays locked for the scan"
            ),
        });
    }
}

fn remove_constraint(ctx: &JudgeCtx<'_>, op: &Operation, j: &mut Judgement) {
    let Some(model_name) = op.model() else { return };
    let table = ctx.table_of(&model_name);
    let name = op.call.arg("name", 1).and_then(PyValue::as_str).unwrap_or("constraint").to_string();
    j.sql.push(format!("ALTER TABLE {} DROP CONSTRAINT {}", quote(&table), quote(&name)));
    j.tables.push(table);
    j.lock = Lock::AccessExclusive;
    j.work = Work::Metadata;
    j.score = 10;
}

fn alter_together(ctx: &JudgeCtx<'_>, op: &Operation, j: &mut Judgement) {
    let Some(model_name) = op.model() else { return };
    let table = ctx.table_of(&model_name);
    j.tables.push(table.clone());
    let unique = op.kind == "AlterUniqueTogether";
    let key = if unique { "unique_together" } else { "index_together" };
    let new_sets: Vec<Vec<String>> = op
        .call
        .arg(key, 1)
        .map(|v| {
            let items = v.as_list();
            if items.iter().all(|i| matches!(i, PyValue::Str(_))) && !items.is_empty() {
                vec![items.iter().filter_map(PyValue::as_str).map(str::to_string).collect()]
            } else {
                items
                    .iter()
                    .map(|s| s.as_list().iter().filter_map(PyValue::as_str).map(str::to_string).collect())
                    .collect()
            }
        })
        .unwrap_or_default();
    let model = ctx.model(&model_name);
    let old_sets: Vec<Vec<String>> =
        if unique { model.map(|m| m.unique_together.clone()).unwrap_or_default() } else { Vec::new() };
    let added: Vec<&Vec<String>> = new_sets.iter().filter(|s| !old_sets.contains(s)).collect();
    let removed: Vec<&Vec<String>> = old_sets.iter().filter(|s| !new_sets.contains(s)).collect();
    for set in &removed {
        let cols = sql::columns_of(model, &set.iter().map(|s| PyValue::Str(s.clone())).collect::<Vec<_>>());
        let refs: Vec<&str> = cols.iter().map(String::as_str).collect();
        j.sql.push(format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            quote(&table),
            quote(&sql::generated_name(&table, &refs, "_uniq"))
        ));
        j.lock = Lock::AccessExclusive;
        j.work = j.work.max(Work::Metadata);
        j.score = j.score.max(10);
    }
    for set in &added {
        let cols = sql::columns_of(model, &set.iter().map(|s| PyValue::Str(s.clone())).collect::<Vec<_>>());
        let refs: Vec<&str> = cols.iter().map(String::as_str).collect();
        let quoted = cols.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ");
        if unique {
            let name = sql::generated_name(&table, &refs, "_uniq");
            j.sql.push(format!("ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({quoted})", quote(&table), quote(&name)));
            j.lock = Lock::AccessExclusive;
        } else {
            j.sql.push(format!(
                "CREATE INDEX {} ON {} ({quoted})",
                quote(&sql::generated_name(&table, &refs, "_idx")),
                quote(&table)
            ));
            j.lock = j.lock.max(Lock::Share);
        }
        j.work = Work::IndexBuild;
    }
    if ctx.is_new(&model_name) {
        j.new_table = true;
        return;
    }
    if !added.is_empty() {
        j.score = j.score.max(if unique { 65 } else { 50 });
        j.reasons.push(format!(
            "Each new {} is built with {} held on `{table}`.",
            if unique { "unique constraint" } else { "index" },
            j.lock.as_str()
        ));
        j.risks.push(Risk {
            recipe: None,
            kind: RiskKind::IndexBuild,
            message: format!("`{}` builds an index on `{table}` while it is locked ({})", op.kind, j.lock.blocks()),
        });
        if unique {
            let set = added[0];
            let name = format!("{}_{}_uniq", model_name.lowercase(), set.join("_"));
            j.recipe = Some(format!(
                "# Build the unique index first, without blocking writes (atomic = False)\nmigrations.RunSQL(\n    'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {} ON {} ({})',\n    reverse_sql='DROP INDEX CONCURRENTLY IF EXISTS {}',\n),\n# then, in the next migration, attach it (instant) and tell Django\nmigrations.SeparateDatabaseAndState(\n    database_operations=[migrations.RunSQL('ALTER TABLE {} ADD CONSTRAINT {} UNIQUE USING INDEX {}')],\n    state_operations=[{}],\n),",
                quote(&name), quote(&table),
                set.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", "),
                quote(&name), quote(&table), quote(&name), quote(&name),
                op.call.source
            ));
        }
    } else if removed.is_empty() {
        j.reasons.push("No constraint or index changes.".into());
    }
    if !unique && j.work == Work::None && !new_sets.is_empty() {
        j.unknown = Some(format!("The previous `index_together` of `{model_name}` is not tracked: indexes that already existed are shown as new."));
    }
}

fn order_with_respect_to(ctx: &JudgeCtx<'_>, op: &Operation, j: &mut Judgement) {
    let Some(model_name) = op.model() else { return };
    let table = ctx.table_of(&model_name);
    j.tables.push(table.clone());
    if matches!(op.call.arg("order_with_respect_to", 1), Some(PyValue::None) | None) {
        j.sql.push(format!("ALTER TABLE {} DROP COLUMN \"_order\" CASCADE", quote(&table)));
        j.lock = Lock::AccessExclusive;
        j.work = Work::Metadata;
        j.score = 40;
        return;
    }
    j.sql.push(format!("ALTER TABLE {} ADD COLUMN \"_order\" integer DEFAULT 0 NOT NULL", quote(&table)));
    j.sql.push(format!("ALTER TABLE {} ALTER COLUMN \"_order\" DROP DEFAULT", quote(&table)));
    j.lock = Lock::AccessExclusive;
    j.work = Work::Metadata;
    if ctx.is_new(&model_name) {
        j.new_table = true;
        return;
    }
    j.score = 45;
    j.old_code = Some("Old code's INSERTs omit `_order` and fail on NOT NULL.".into());
    j.risks.push(Risk {
        recipe: None,
        kind: RiskKind::NotNullWithoutDbDefault,
        message: format!(
            "`order_with_respect_to` adds a NOT NULL `_order` column to `{table}` with no database default"
        ),
    });
}

fn separate(ctx: &JudgeCtx<'_>, op: &Operation, j: &mut Judgement) {
    if op.database_operations.is_empty() {
        j.reasons.push("Changes Django's state only (no `database_operations`): no SQL.".into());
        return;
    }
    let mut scratch = ctx.state.clone();
    let mut created = ctx.created_here.clone();
    for inner in &op.database_operations {
        let inner_ctx = JudgeCtx { state: &scratch, created_here: &created, ..*ctx };
        let ij = judge(&inner_ctx, inner);
        j.sql.extend(ij.sql);
        j.lock = j.lock.max(ij.lock);
        j.work = j.work.max(ij.work);
        j.score = j.score.max(ij.score);
        j.tables.extend(ij.tables);
        j.reasons.extend(ij.reasons.into_iter().map(|r| format!("{}: {r}", inner.kind)));
        j.risks.extend(ij.risks);
        j.old_code = j.old_code.take().or(ij.old_code);
        j.recipe = j.recipe.take().or(ij.recipe);
        if inner.kind == "CreateModel" {
            if let Some(n) = inner.model() {
                created.insert(n.lowercase());
            }
        }
        scratch.apply(ctx.migration, inner);
    }
    j.tables.dedup();
}

fn unique_recipe(table: &str, column: &str, name: &str, op: &Operation) -> String {
    format!(
        "# 1. build the unique index without blocking (migration with atomic = False)\nmigrations.RunSQL(\n    'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {} ON {} ({})',\n    reverse_sql='DROP INDEX CONCURRENTLY IF EXISTS {}',\n),\n# 2. next migration: attach it as the constraint (instant) and update Django's state\nmigrations.SeparateDatabaseAndState(\n    database_operations=[migrations.RunSQL('ALTER TABLE {} ADD CONSTRAINT {} UNIQUE USING INDEX {}')],\n    state_operations=[{}],\n),",
        quote(name), quote(table), quote(column), quote(name), quote(table), quote(name), quote(name),
        op.call.source
    )
}

fn unique_constraint_recipe(
    table: &str,
    name: &str,
    model_name: &str,
    c: &super::value::Call,
    model: Option<&ModelState>,
) -> String {
    let cols = c.kwarg("fields").map(|f| sql::columns_of(model, f.as_list())).unwrap_or_default();
    let quoted = cols.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ");
    let condition =
        c.kwarg("condition").map(|q| format!(" WHERE {}", sql::condition_sql(model, q))).unwrap_or_default();
    format!(
        "# 1. build the index without blocking (migration with atomic = False)\nmigrations.RunSQL(\n    'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {} ON {} ({quoted}){condition}',\n    reverse_sql='DROP INDEX CONCURRENTLY IF EXISTS {}',\n),\n# 2. next migration: tell Django the constraint exists{}\nmigrations.SeparateDatabaseAndState(\n    database_operations=[{}],\n    state_operations=[migrations.AddConstraint(\"{model_name}\", {})],\n),",
        quote(name), quote(table), quote(name),
        if condition.is_empty() { " (attaching the index is instant)" } else { "" },
        if condition.is_empty() { format!("migrations.RunSQL('ALTER TABLE {} ADD CONSTRAINT {} UNIQUE USING INDEX {}')", quote(table), quote(name), quote(name)) } else { String::new() },
        c.source
    )
}

/// What Django fills existing rows with when a NOT NULL field has no `default`: `now()` for
/// `auto_now`/`auto_now_add` date fields, `''` for `blank=True` text fields.
fn effective_default(field: &FieldDef) -> Option<PyValue> {
    let flag = |k: &str| field.call.kwarg(k).and_then(PyValue::as_bool) == Some(true);
    if (flag("auto_now") || flag("auto_now_add"))
        && matches!(field.class(), "DateTimeField" | "DateField" | "TimeField")
    {
        return Some(PyValue::Name("django.utils.timezone.now".into()));
    }
    let text = matches!(field.db_type(None).as_deref(), Some(t) if t.starts_with("varchar") || t == "text");
    (text && flag("blank")).then(|| PyValue::Str(String::new()))
}

/// The field definition with `null=True` and no default, for expand steps.
fn nullable_version(field: &FieldDef) -> String {
    let mut kwargs: Vec<String> = field
        .call
        .kwargs
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "null" | "default" | "db_default" | "unique" | "db_index"))
        .map(|(k, v)| format!("{k}={}", v.to_python()))
        .collect();
    kwargs.push("null=True".into());
    let mut args: Vec<String> = field.call.args.iter().map(PyValue::to_python).collect();
    args.extend(kwargs);
    format!("{}({})", field.call.func, args.join(", "))
}

/// The field definition with `db_default` instead of `default`.
fn with_db_default(field: &FieldDef, default: &PyValue) -> String {
    let mut args: Vec<String> = field.call.args.iter().map(PyValue::to_python).collect();
    args.extend(
        field
            .call
            .kwargs
            .iter()
            .filter(|(k, _)| k != "default" && k != "db_default")
            .map(|(k, v)| format!("{k}={}", v.to_python())),
    );
    let value = match default {
        PyValue::Name(n) if n == "now" || n.ends_with(".now") => "Now()".to_string(),
        other => other.to_python(),
    };
    args.push(format!("db_default={value}"));
    format!("{}({})", field.call.func, args.join(", "))
}

/// The field definition with some keywords set.
fn replace_kwargs(field: &FieldDef, set: &[(&str, &str)]) -> String {
    let mut args: Vec<String> = field.call.args.iter().map(PyValue::to_python).collect();
    args.extend(
        field
            .call
            .kwargs
            .iter()
            .filter(|(k, _)| !set.iter().any(|(n, _)| n == k))
            .map(|(k, v)| format!("{k}={}", v.to_python())),
    );
    args.extend(set.iter().map(|(n, v)| format!("{n}={v}")));
    format!("{}({})", field.call.func, args.join(", "))
}

/// The score an operation gets from its lock and work alone (used by RunSQL statements).
pub fn score_for(lock: Lock, work: Work) -> u8 {
    base_score(lock, work)
}
