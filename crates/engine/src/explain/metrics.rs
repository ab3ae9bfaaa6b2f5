//! Inclusive and exclusive time per node.
//!
//! PostgreSQL prints per-loop averages, so a node's inclusive time is `actual total × loops`. Under
//! `Gather`/`Gather Merge` every process (the leader and each launched worker) reports its own
//! loops, so the product is divided by the number of processes to get wall time. A node's
//! exclusive time is its inclusive time minus that of its children, InitPlans and SubPlans,
//! clamped at zero (they overlap when PostgreSQL runs children lazily). CTE bodies are not
//! subtracted: the CTE Scans that read them already contain their time. This is the accounting of
//! explain.depesz.com (Pg::Explain), with PEV2's division for parallel workers.

use super::plan::{PlanNode, Relationship};

/// Fills `inclusive_ms` and `exclusive_ms` on every node of the tree.
pub fn compute(root: &mut PlanNode) {
    inclusive(root, 1.0);
    exclusive(root);
}

fn inclusive(node: &mut PlanNode, processes: f64) {
    let processes = if node.node_type.starts_with("Gather") {
        let launched = node.extra_number("Workers Launched").unwrap_or(0.0);
        launched + 1.0
    } else {
        processes
    };
    node.inclusive_ms = match (node.actual_last_ms, node.loops) {
        (Some(t), Some(l)) => {
            // Under Gather the node itself (not the Gather) is what the workers run.
            let divide = if node.node_type.starts_with("Gather") { 1.0 } else { processes };
            Some(t * l / divide)
        }
        (None, Some(0.0)) => Some(0.0),
        _ if node.never_executed => Some(0.0),
        _ => None,
    };
    for c in node.children.iter_mut() {
        // InitPlans and SubPlans run in the leader's process.
        let p = if matches!(c.relationship, Relationship::Child) { processes } else { 1.0 };
        inclusive(c, p);
    }
}

fn exclusive(node: &mut PlanNode) {
    for c in node.children.iter_mut() {
        exclusive(c);
    }
    node.exclusive_ms = node.inclusive_ms.map(|own| {
        let below: f64 = node
            .children
            .iter()
            .filter(|c| !matches!(c.relationship, Relationship::Cte(_)))
            .filter_map(|c| c.inclusive_ms)
            .sum();
        (own - below).max(0.0)
    });
}

/// The estimate error: how many times off the planner's row estimate was, per loop, and whether
/// it under- or over-estimated. `None` without ANALYZE.
pub fn misestimate(node: &PlanNode) -> Option<(f64, bool)> {
    let (actual, planned) = (node.actual_rows?, node.plan_rows?);
    if node.never_executed {
        return None;
    }
    let (a, p) = (actual.max(0.0), planned.max(0.0));
    if a == p {
        return Some((1.0, false));
    }
    // Zero rows on either side counts as one, as explain.depesz.com does.
    let (a1, p1) = (a.max(1.0), p.max(1.0));
    if a1 >= p1 {
        Some((a1 / p1, true))
    } else {
        Some((p1 / a1, false))
    }
}
