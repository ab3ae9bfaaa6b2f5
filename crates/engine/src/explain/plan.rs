//! The plan tree every format is read into, keyed on PostgreSQL's own vocabulary.

use serde::{Deserialize, Serialize};

/// How a node hangs under its parent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "lowercase")]
pub enum Relationship {
    #[default]
    Child,
    InitPlan(String),
    SubPlan(String),
    Cte(String),
}

/// What a scan node reads, as the plan names it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanOn {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cte: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subquery: Option<String>,
}

impl ScanOn {
    pub fn is_empty(&self) -> bool {
        self == &ScanOn::default()
    }
}

/// One plan node.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanNode {
    /// The node as the text format names it: `Seq Scan`, `Index Scan Backward`, `Hash Left Join`.
    pub node_type: String,
    #[serde(skip_serializing_if = "ScanOn::is_empty", default)]
    pub scan_on: ScanOn,
    pub startup_cost: Option<f64>,
    pub total_cost: Option<f64>,
    pub plan_rows: Option<f64>,
    pub plan_width: Option<f64>,
    /// Per-loop averages, as PostgreSQL prints them.
    pub actual_first_ms: Option<f64>,
    pub actual_last_ms: Option<f64>,
    pub actual_rows: Option<f64>,
    pub loops: Option<f64>,
    /// `(never executed)`.
    pub never_executed: bool,
    /// Every other line under the node, verbatim (`Filter: ...`, `Rows Removed by Filter: 5`).
    pub extra: Vec<String>,
    pub relationship: Relationship,
    pub children: Vec<PlanNode>,
    /// 1-based line in the pasted text where the node starts.
    pub line: u32,
    /// Inclusive time (all loops, all children) and own time, in ms; `None` without timing.
    pub inclusive_ms: Option<f64>,
    pub exclusive_ms: Option<f64>,
}

impl PlanNode {
    /// The value of an extra line `Key: value`.
    pub fn extra_value(&self, key: &str) -> Option<&str> {
        self.extra.iter().find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix(':')).map(str::trim))
    }

    /// A numeric extra value (`Rows Removed by Filter: 120`).
    pub fn extra_number(&self, key: &str) -> Option<f64> {
        self.extra_value(key).and_then(|v| v.split_whitespace().next()).and_then(|n| n.parse().ok())
    }

    pub fn is_analyzed(&self) -> bool {
        self.loops.is_some() || self.never_executed
    }

    /// Pre-order walk.
    pub fn walk<'a>(&'a self, out: &mut Vec<&'a PlanNode>) {
        out.push(self);
        for c in &self.children {
            c.walk(out);
        }
    }

    /// The base table behind a scan node.
    pub fn table(&self) -> Option<&str> {
        self.scan_on.table.as_deref()
    }
}

/// A whole plan: the tree and what PostgreSQL prints around it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// `text`, `json`, `yaml` or `xml`.
    pub format: String,
    pub root: PlanNode,
    pub planning_ms: Option<f64>,
    pub execution_ms: Option<f64>,
    /// `Trigger name: time=... calls=...`: (name, ms, calls).
    pub triggers: Vec<(String, f64, f64)>,
    pub jit_ms: Option<f64>,
    /// Lines of the plan that were not understood, kept with their line numbers.
    pub unparsed: Vec<(u32, String)>,
    /// 1-based line where the plan starts in the pasted text.
    pub line: u32,
}

impl Plan {
    /// Total runtime: execution time when printed, else the root's inclusive time.
    pub fn total_ms(&self) -> Option<f64> {
        self.execution_ms.or(self.root.inclusive_ms)
    }

    pub fn nodes(&self) -> Vec<&PlanNode> {
        let mut out = Vec::new();
        self.root.walk(&mut out);
        out
    }

    pub fn is_analyzed(&self) -> bool {
        self.root.is_analyzed()
    }
}
