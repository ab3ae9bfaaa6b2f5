//! Migration risk on PostgreSQL: read each migration, replay the project's history to know every
//! model as it stood before each operation, judge the operations, and score the migration.
//!
//! Scoring (0–100, higher is riskier), per operation on an existing table:
//! - no SQL, or a table created in the same migration: 0;
//! - a brief ACCESS EXCLUSIVE catalogue change (nullable column, constant `db_default`, DROP NOT
//!   NULL, NOT VALID constraint): 10;
//! - work under a lock that only blocks writes (CREATE INDEX, a partial unique index): 50;
//! - NOT NULL with only a Python default (old code's INSERTs fail): 45;
//! - a scan or an index build under ACCESS EXCLUSIVE (SET NOT NULL, validated CHECK/FK, UNIQUE,
//!   index on a new column): 65; a rename that breaks running code: 70; a drop: 75;
//! - a table rewrite: 80; a key widening that rewrites every referencing table: 95;
//! - a CONCURRENTLY statement in a transaction (the migration fails): 90.
//!
//! The migration scores its riskiest operation, plus 10 when an atomic migration takes several
//! exclusive locks on existing tables (each extends the hold), 15 when it mixes data changes with
//! exclusive DDL in one transaction, 10 for several index builds, and 15 (at least 40) per hot
//! table touched. Verdicts: below 25 `safe`, below 60 `review`, else `dangerous`.

pub mod judge;
mod md5;
pub mod read;
mod runpython;
mod runsql;
pub mod sql;
pub mod state;
pub mod value;

use std::collections::{HashMap, HashSet};

use crate::facts::view::ProjectView;
use crate::options::Options;
use crate::project::FileKind;
use crate::report::{MigrationReport, OperationReport};
use crate::text::Case;
use judge::{JudgeCtx, Judgement, Lock, RiskKind, Work};
use read::MigrationFile;
use state::ProjectState;

/// One migration with its judged operations.
pub struct MigrationAnalysis {
    pub migration: MigrationFile,
    pub judgements: Vec<Judgement>,
    pub score: u8,
    pub reasons: Vec<String>,
}

impl MigrationAnalysis {
    pub fn verdict(&self) -> &'static str {
        verdict(self.score)
    }
}

pub fn verdict(score: u8) -> &'static str {
    match score {
        0..=24 => "safe",
        25..=59 => "review",
        _ => "dangerous",
    }
}

/// Reads, replays and judges every migration in the project.
pub fn analyze(view: &ProjectView<'_>, options: &Options) -> Vec<MigrationAnalysis> {
    let migrations: Vec<MigrationFile> = view
        .files
        .iter()
        .enumerate()
        .filter(|(_, f)| f.kind == FileKind::Migration)
        .filter_map(|(i, f)| read::read(i, f))
        .collect();
    if migrations.is_empty() {
        return Vec::new();
    }
    let migrations = with_app_labels(migrations);
    let present: HashSet<(String, String)> = migrations.iter().map(|m| (m.app.clone(), m.name.clone())).collect();
    // A squashed migration whose originals are also here is judged from the state before them.
    let squash_of_present: Vec<usize> =
        (0..migrations.len()).filter(|&i| migrations[i].replaces.iter().any(|r| present.contains(r))).collect();
    let mut first_replaced: HashMap<(String, String), Vec<usize>> = HashMap::new();
    for &s in &squash_of_present {
        if let Some(first) = migrations[s].replaces.iter().find(|r| present.contains(*r)) {
            first_replaced.entry(first.clone()).or_default().push(s);
        }
    }
    let mut main: Vec<MigrationFile> =
        migrations.iter().enumerate().filter(|(i, _)| !squash_of_present.contains(i)).map(|(_, m)| m.clone()).collect();
    // Dependencies on migrations a squash replaced (and that are gone) mean the squash, as in Django.
    let mut replaced_by: HashMap<(String, String), (String, String)> = HashMap::new();
    for m in &main {
        for r in m.replaces.iter().filter(|r| !present.contains(*r)) {
            replaced_by.insert(r.clone(), (m.app.clone(), m.name.clone()));
        }
    }
    // ...and a dependency on a squash that is set aside (its originals are here) means them all.
    let set_aside: HashMap<(String, String), Vec<(String, String)>> = squash_of_present
        .iter()
        .map(|&i| {
            let m = &migrations[i];
            ((m.app.clone(), m.name.clone()), m.replaces.iter().filter(|r| present.contains(*r)).cloned().collect())
        })
        .collect();
    for m in main.iter_mut() {
        let own = (m.app.clone(), m.name.clone());
        let mut deps = Vec::with_capacity(m.dependencies.len());
        for d in m.dependencies.drain(..) {
            if let Some(originals) = set_aside.get(&d) {
                deps.extend(originals.iter().cloned());
            } else if let Some(target) = replaced_by.get(&d).filter(|t| **t != own) {
                deps.push(target.clone());
            } else {
                deps.push(d);
            }
        }
        m.dependencies = deps;
    }
    let order = state::apply_order(&main);
    let mut state = ProjectState {
        user_model: view.settings.lookup("AUTH_USER_MODEL").and_then(|s| s.value.as_str().map(str::to_string)),
        ..ProjectState::default()
    };
    let mut apps_seen: HashSet<String> = HashSet::new();
    let mut snapshots: HashMap<usize, (ProjectState, HashSet<String>)> = HashMap::new();
    let mut results: Vec<MigrationAnalysis> = Vec::new();
    for idx in order {
        let m = &main[idx];
        if let Some(squashes) = first_replaced.get(&(m.app.clone(), m.name.clone())) {
            for &s in squashes {
                snapshots.insert(s, (state.clone(), apps_seen.clone()));
            }
        }
        results.push(judge_migration(view, options, m, &mut state, &apps_seen));
        apps_seen.insert(m.app.clone());
    }
    for &s in &squash_of_present {
        let (mut snapshot, seen) = snapshots.remove(&s).unwrap_or_default();
        results.push(judge_migration(view, options, &migrations[s], &mut snapshot, &seen));
    }
    crate::sort::sort_by(&mut results, |a, b| a.migration.path.cmp(&b.migration.path));
    results
}

/// Django knows an app by its label, which may differ from its folder (`pretix/base` is
/// `pretixbase`). Migrations name their predecessors by label, so a folder's label is the one its
/// own migrations use for each other.
fn with_app_labels(mut migrations: Vec<MigrationFile>) -> Vec<MigrationFile> {
    let folder = |m: &MigrationFile| m.path.rsplit_once('/').map(|(d, _)| d.to_string()).unwrap_or_default();
    let mut names_by_folder: HashMap<String, HashSet<String>> = HashMap::new();
    for m in &migrations {
        names_by_folder.entry(folder(m)).or_default().insert(m.name.clone());
    }
    let mut votes: HashMap<String, HashMap<String, usize>> = HashMap::new();
    for m in &migrations {
        let dir = folder(m);
        let names = &names_by_folder[&dir];
        for (label, name) in &m.dependencies {
            if names.contains(name) {
                *votes.entry(dir.clone()).or_default().entry(label.clone()).or_default() += 1;
            }
        }
    }
    for m in migrations.iter_mut() {
        if let Some(label) =
            votes.get(&folder(m)).and_then(|v| v.iter().max_by_key(|(l, n)| (**n, l.len())).map(|(l, _)| l.clone()))
        {
            m.app = label;
        }
    }
    migrations
}

fn judge_migration(
    view: &ProjectView<'_>,
    options: &Options,
    m: &MigrationFile,
    state: &mut ProjectState,
    apps_seen: &HashSet<String>,
) -> MigrationAnalysis {
    let mut created: HashSet<String> = HashSet::new();
    let mut judgements = Vec::new();
    for op in &m.operations {
        let ctx = JudgeCtx {
            state,
            migration: m,
            created_here: &created,
            options,
            app_history: apps_seen.contains(&m.app),
            file: &view.files[m.file],
            models: &view.models,
        };
        judgements.push(judge::judge(&ctx, op));
        if op.kind == "CreateModel" {
            if let Some(n) = op.model() {
                created.insert(n.lowercase());
            }
        }
        state.apply(m, op);
    }
    // A migration that overrides `apply()` decides itself what runs (often: nothing on PostgreSQL).
    if m.custom_apply {
        for j in judgements.iter_mut() {
            j.score = j.score.min(20);
            j.risks.clear();
        }
        let reason = "The migration overrides `apply()`: what it runs depends on that code (often a database vendor check), so its operations are not reported.".to_string();
        let score = judgements.iter().map(|j| j.score).max().unwrap_or(0);
        return MigrationAnalysis { migration: m.clone(), judgements, score, reasons: vec![reason] };
    }
    // A squashed migration never runs on a database that applied the migrations it replaces (it
    // is recorded as applied), and on a new database its tables are empty.
    if !m.replaces.is_empty() {
        for j in judgements.iter_mut() {
            j.score = 0;
            j.risks.clear();
            j.unknown = None;
            j.new_table = true;
        }
        let reason = format!(
            "Squashes {} migrations: existing databases record it as applied without running it, and a new database has empty tables, so nothing here locks live data.",
            m.replaces.len()
        );
        return MigrationAnalysis { migration: m.clone(), judgements, score: 0, reasons: vec![reason] };
    }
    let (score, reasons) = score_migration(m, &judgements);
    MigrationAnalysis { migration: m.clone(), judgements, score, reasons }
}

/// The migration's score and the points that raised it beyond its riskiest operation.
fn score_migration(m: &MigrationFile, js: &[Judgement]) -> (u8, Vec<String>) {
    let mut reasons = Vec::new();
    let mut score = js.iter().map(|j| j.score).max().unwrap_or(0) as u32;
    if m.operations_unreadable {
        score = score.max(30);
        reasons.push("`operations` is built by code: its operations could not be read.".into());
    }
    let exclusive: Vec<&Judgement> =
        js.iter().filter(|j| j.lock == Lock::AccessExclusive && !j.new_table && j.score >= 10).collect();
    if m.atomic && exclusive.len() > 1 {
        score += 10;
        reasons.push(format!(
            "{} operations take ACCESS EXCLUSIVE locks in one transaction: each lock is held until the whole migration commits.",
            exclusive.len()
        ));
    }
    let data = js
        .iter()
        .any(|j| j.risks.iter().any(|r| r.kind == RiskKind::DataMigration) || (j.op == "RunPython" && j.score >= 15));
    if m.atomic && data && !exclusive.is_empty() {
        score += 15;
        reasons.push("Data changes and schema changes share one transaction: the schema locks are held while the data is rewritten. Put them in separate migrations.".into());
    }
    let builds = js
        .iter()
        .filter(|j| j.work == Work::IndexBuild && !j.new_table && j.lock != Lock::ShareUpdateExclusive)
        .count();
    if builds > 1 {
        score += 10;
        reasons.push(format!("{builds} index builds in one migration: their locks add up."));
    }
    if !exclusive.is_empty() && !sets_lock_timeout(js) {
        reasons.push("No `lock_timeout`: while an ACCESS EXCLUSIVE lock waits for a long transaction, every query on the table queues behind it. Start with `migrations.RunSQL(\"SET lock_timeout = '5s'\", migrations.RunSQL.noop)` and retry on failure.".into());
    }
    let score = score.min(100) as u8;
    (score, reasons)
}

/// Whether the migration sets `lock_timeout` itself (a RunSQL `SET lock_timeout`).
pub fn sets_lock_timeout(js: &[Judgement]) -> bool {
    js.iter().any(|j| j.op == "RunSQL" && j.sql.iter().any(|s| s.to_ascii_lowercase().contains("lock_timeout")))
}

impl MigrationAnalysis {
    /// The report form (the JSON contract).
    pub fn report(&self) -> MigrationReport {
        let operations: Vec<OperationReport> = self
            .judgements
            .iter()
            .map(|j| OperationReport {
                op: j.op.clone(),
                model: j.model.clone(),
                field: j.field.clone(),
                line: j.span.line,
                sql: j.sql.iter().map(|s| format!("{s};")).collect::<Vec<_>>().join("\n"),
                lock: j.lock.as_str().to_string(),
                tables: j.tables.clone(),
                rewrite: match j.work {
                    Work::None => "none",
                    Work::Metadata => "metadata",
                    Work::Scan => "scan",
                    Work::IndexBuild => "index",
                    Work::Rewrite => "rewrite",
                }
                .to_string(),
                blocks: if j.new_table { "nothing (new table)".to_string() } else { j.lock.blocks().to_string() },
                score: j.score,
                reasons: j.reasons.clone(),
                old_code: j.old_code.clone(),
                recipe: j.recipe.clone(),
                unknown: j.unknown.clone(),
            })
            .collect();
        let riskiest = self.judgements.iter().max_by_key(|j| j.score);
        let summary = match riskiest {
            Some(j) if j.score > 0 => format!(
                "Riskiest operation: {}{} ({} lock, {}).",
                j.op,
                j.model.as_ref().map(|m| format!(" on `{m}`")).unwrap_or_default(),
                j.lock.as_str(),
                j.work.as_str()
            ),
            _ => "No operation locks an existing table.".to_string(),
        };
        MigrationReport {
            path: self.migration.path.clone(),
            app: self.migration.app.clone(),
            name: self.migration.name.clone(),
            line: self.migration.span.line,
            score: self.score,
            verdict: self.verdict().to_string(),
            atomic: self.migration.atomic,
            summary,
            reasons: self.reasons.clone(),
            operations,
        }
    }
}
