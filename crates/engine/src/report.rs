//! The output: plain data, serializable, stable. The JSON form is the CLI contract (schema version 1).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::project::FileKind;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] =
        [Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Structural guess; the rule could not confirm every fact it relies on.
    Low,
    /// Structural match with the important facts confirmed.
    Medium,
    /// Confirmed against the project's schema or settings.
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// The review checklist's categories. Every finding belongs to exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Queries,
    Migrations,
    Caching,
    Async,
    Celery,
    Transactions,
    Time,
    SideEffects,
    Storage,
    Security,
    Config,
    Templates,
    Explain,
    Syntax,
}

impl Category {
    pub const ALL: [Category; 14] = [
        Category::Queries,
        Category::Migrations,
        Category::Caching,
        Category::Async,
        Category::Celery,
        Category::Transactions,
        Category::Time,
        Category::SideEffects,
        Category::Storage,
        Category::Security,
        Category::Config,
        Category::Templates,
        Category::Explain,
        Category::Syntax,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Queries => "queries",
            Category::Migrations => "migrations",
            Category::Caching => "caching",
            Category::Async => "async",
            Category::Celery => "celery",
            Category::Transactions => "transactions",
            Category::Time => "time",
            Category::SideEffects => "side-effects",
            Category::Storage => "storage",
            Category::Security => "security",
            Category::Config => "config",
            Category::Templates => "templates",
            Category::Explain => "explain",
            Category::Syntax => "syntax",
        }
    }

    /// The heading used in the scorecard.
    pub fn title(self) -> &'static str {
        match self {
            Category::Queries => "Query budget",
            Category::Migrations => "Migration safety",
            Category::Caching => "Caching plan",
            Category::Async => "Async/sync discipline",
            Category::Celery => "Celery idempotency",
            Category::Transactions => "Transactions",
            Category::Time => "Time zones",
            Category::SideEffects => "Side effects",
            Category::Storage => "Storage",
            Category::Security => "Security",
            Category::Config => "Runtime config",
            Category::Templates => "Templates",
            Category::Explain => "Plan health",
            Category::Syntax => "Readable input",
        }
    }
}

/// A suggested change: what to do, and the code before and after.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    pub summary: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub before: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub after: String,
}

/// One problem found in one place.
///
/// Lines and columns are 1-based; columns count Unicode scalar values. `end_line`/`end_column` are
/// inclusive of the last line and exclusive of the column after the span.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub code: String,
    pub name: String,
    pub category: Category,
    pub severity: Severity,
    pub confidence: Confidence,
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub django_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
    /// Slug of the playbook section that explains the problem and its cure.
    pub playbook: String,
    /// Where a diff shows this line, and whether the change wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<DiffLocation>,
}

/// A finding's place in a unified diff that was part of the input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffLocation {
    /// The diff input (its report path).
    pub path: String,
    /// The diff line showing the finding's first line (absent when the diff does not show it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Whether a line the change added lies within the finding's span.
    pub changed: bool,
}

/// What the analysis made of one diff input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffReport {
    pub path: String,
    pub files: Vec<DiffFileReport>,
}

/// One file a diff changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffFileReport {
    /// The file's path after the change (before it, for a deletion).
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_path: Option<String>,
    pub status: crate::diff::PatchStatus,
    pub added: u32,
    pub removed: u32,
    /// How the new version was analysed; `None` when it was not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<FileKind>,
    /// Whether the diff holds the whole new file (otherwise unseen lines are unknown).
    pub complete: bool,
    /// What limited the analysis (hunks that could not be read on their own, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// A file as the engine saw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    pub path: String,
    pub kind: FileKind,
    pub lines: u32,
    /// Whether the kind came from the user rather than detection.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub kind_overridden: bool,
}

/// One migration's risk on PostgreSQL: 0–100 (higher is riskier) with a verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MigrationReport {
    pub path: String,
    pub app: String,
    pub name: String,
    /// Line of the `Migration` class.
    pub line: u32,
    pub score: u8,
    /// `safe` (below 25), `review` (below 60) or `dangerous`.
    pub verdict: String,
    pub atomic: bool,
    pub summary: String,
    /// What raised the score beyond the riskiest operation.
    pub reasons: Vec<String>,
    pub operations: Vec<OperationReport>,
}

/// One operation of a migration, judged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OperationReport {
    pub op: String,
    pub model: Option<String>,
    pub field: Option<String>,
    pub line: u32,
    /// The SQL Django emits on PostgreSQL, one statement per line.
    pub sql: String,
    /// The strongest table lock taken (`ACCESS EXCLUSIVE`, `SHARE`, ..., `none`).
    pub lock: String,
    /// Tables locked, foreign-key parents included.
    pub tables: Vec<String>,
    /// `none`, `metadata`, `scan`, `index` (an index build) or `rewrite`.
    pub rewrite: String,
    /// What the lock blocks while it is held.
    pub blocks: String,
    pub score: u8,
    pub reasons: Vec<String>,
    /// What breaks for the release still serving traffic during the deploy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_code: Option<String>,
    /// The safe multi-step way, as Django migration code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipe: Option<String>,
    /// What could not be known without more input, and which file to paste.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown: Option<String>,
}

/// One EXPLAIN plan, analysed: the tree with per-node times, and tips best first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanReport {
    pub path: String,
    /// Line in the file where the plan starts (a paste may hold several plans).
    pub line: u32,
    /// `text`, `json`, `yaml` or `xml`.
    pub format: String,
    pub planning_ms: Option<f64>,
    pub execution_ms: Option<f64>,
    /// Whether the plan has actual times (EXPLAIN ANALYZE).
    pub analyzed: bool,
    pub root: PlanNodeReport,
    pub tips: Vec<TipReport>,
    /// Lines that were not understood, kept with their line numbers.
    pub unparsed: Vec<(u32, String)>,
    pub summary: PlanSummary,
}

/// One plan node with what PostgreSQL printed and what was derived from it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanNodeReport {
    pub node_type: String,
    pub relation: Option<String>,
    pub alias: Option<String>,
    pub index: Option<String>,
    pub line: u32,
    /// `child`, or the InitPlan/SubPlan/CTE it belongs to.
    pub relationship: String,
    pub startup_cost: Option<f64>,
    pub total_cost: Option<f64>,
    pub plan_rows: Option<f64>,
    /// PostgreSQL's per-loop `actual time` end.
    pub actual_total_ms: Option<f64>,
    pub actual_rows: Option<f64>,
    pub loops: Option<f64>,
    /// All loops, children included; and without the children (never negative).
    pub inclusive_ms: Option<f64>,
    pub exclusive_ms: Option<f64>,
    /// How many times off the row estimate was, and whether it was an underestimate.
    pub estimate_factor: Option<f64>,
    pub underestimated: Option<bool>,
    /// Share of the rows read that a filter or index recheck discarded.
    pub removed_share: Option<f64>,
    /// Shared buffers found in memory and read from disk (totals across loops), and the time spent
    /// reading when `track_io_timing` is on.
    pub shared_hit: Option<f64>,
    pub shared_read: Option<f64>,
    pub io_read_ms: Option<f64>,
    pub extra: Vec<String>,
    /// Indexes into the plan's `tips` that are about this node.
    pub tips: Vec<usize>,
    pub children: Vec<PlanNodeReport>,
}

/// A finding in a plan, scored 0–5 by the share of the runtime its fix could save.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TipReport {
    pub kind: String,
    pub score: f64,
    pub line: u32,
    pub title: String,
    pub detail: String,
    pub fix: Option<String>,
}

/// Where a plan's time goes at a glance.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanSummary {
    pub total_ms: Option<f64>,
    pub nodes: usize,
    /// Exclusive time per table and per node type, largest first: (name, ms, nodes).
    pub by_table: Vec<(String, f64, usize)>,
    pub by_node_type: Vec<(String, f64, usize)>,
    /// Shared buffers of the whole plan (the root's counters): hit, read.
    pub shared_hit: Option<f64>,
    pub shared_read: Option<f64>,
}

/// Scores from 0 (worst) to 100; `None` means "not assessed": nothing in the input could be judged.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scores {
    pub overall: Option<u8>,
    pub categories: BTreeMap<Category, Option<u8>>,
}

/// The result of one analysis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub version: u32,
    pub files: Vec<FileInfo>,
    /// Sorted by path, then position, then code.
    pub findings: Vec<Finding>,
    /// Findings silenced with a `djreview: ignore[...]` comment: counted and shown, not lost.
    #[serde(default)]
    pub suppressed: Vec<Finding>,
    pub migrations: Vec<MigrationReport>,
    pub plans: Vec<PlanReport>,
    /// The unified diffs in the input and the files they change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diffs: Vec<DiffReport>,
    /// Each settings module a deployment would load, with every setting the audit read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<SettingsReport>,
    pub scores: Scores,
    /// How many secrets were hidden from the inputs before this report was made (exports from the
    /// app); the outputs say so.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub redacted: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// One settings module as a deployment loads it (its `from … import *` chain applied).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsReport {
    pub path: String,
    /// The modules it star-imports, in the order they were read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub imports: Vec<String>,
    /// What the files cannot tell: star imports of modules not in the input, code writing `globals()`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknowns: Vec<String>,
    pub settings: Vec<SettingRow>,
}

/// One setting's effective value and verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingRow {
    pub name: String,
    /// The value as written (secrets hidden), "depends on environment …", or Django's default.
    pub value: String,
    /// Where it was assigned; absent for Django's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// The star imports that carried the value into this module (`production.py:1`), outermost first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<String>,
    pub status: SettingStatus,
    /// Codes of the findings about this setting, with the Django check ID when there is one
    /// (`DEP102 security.W004`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
    /// Why the status is what it is, when that is not obvious from the value.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SettingStatus {
    /// A finding is about it.
    Fails,
    /// A check reads it and its value cannot be known from the files.
    Unverified,
    /// A check reads it and it passes.
    Passes,
    /// Assigned, and no check judges it.
    Set,
}

impl SettingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SettingStatus::Fails => "fails",
            SettingStatus::Unverified => "unverified",
            SettingStatus::Passes => "passes",
            SettingStatus::Set => "set",
        }
    }
}

impl Report {
    /// Findings at or above `level`.
    pub fn count_at_least(&self, level: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity >= level).count()
    }

    pub fn count_by_severity(&self) -> BTreeMap<Severity, usize> {
        let mut m = BTreeMap::new();
        for f in &self.findings {
            *m.entry(f.severity).or_insert(0) += 1;
        }
        m
    }
}
