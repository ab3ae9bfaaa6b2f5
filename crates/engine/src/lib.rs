//! djreview's analysis engine.
//!
//! One entry point, [`analyze`], turns a [`Project`] (named source texts) into a [`Report`] (files with
//! their kinds, findings, migration and plan reports, scores). The engine is pure: no file system, no
//! clock, no UI types, no panics on input. The CLI and the web app are thin front-ends over it.

pub mod analysis;
pub mod diff;
pub mod docs;
pub mod explain;
pub mod facts;
pub mod fasthash;
pub mod from_json;
pub mod migrations;
pub mod options;
pub mod par;
pub mod playbook;
pub mod project;
pub mod python;
pub mod redact;
pub mod registry;
pub mod render;
pub mod report;
pub mod rule;
pub mod rules;
pub mod score;
pub mod share;
pub mod sort;
pub mod suppress;
pub mod template;
pub mod text;

pub use analysis::{analyze, analyze_for_exit, display_path};
pub use options::{Options, Profile};
pub use project::{detect_kind, FileKind, Project, SourceFile};
pub use report::{
    Category, Confidence, FileInfo, Finding, Fix, MigrationReport, OperationReport, PlanNodeReport, PlanReport,
    PlanSummary, Report, Scores, Severity, TipReport,
};
pub use rule::RuleMeta;

/// The version of the JSON report schema (`"version"` in the output).
pub const REPORT_SCHEMA_VERSION: u32 = 1;

/// The engine's version, shown by the CLI and in SARIF output.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
