//! PostgreSQL `EXPLAIN` plans: read every format users paste, compute where the time goes, and find
//! what to change, in Django terms.

pub mod clean;
pub mod django;
pub mod metrics;
pub mod plan;
pub mod structured;
pub mod text;
pub mod tips;

use plan::Plan;

/// A plan read from a paste, or why it could not be.
pub struct ParsedPlans {
    pub plans: Vec<Plan>,
    /// (line, message) for input that could not be read.
    pub errors: Vec<(u32, String)>,
}

/// Reads every plan in `input`. Never fails: unreadable input becomes an error naming the line.
pub fn parse(input: &str) -> ParsedPlans {
    let lines = clean::clean(input);
    if lines.is_empty() {
        return ParsedPlans { plans: Vec::new(), errors: vec![(1, "the plan is empty".into())] };
    }
    let first =
        lines.iter().map(|l| l.text.trim_start()).find(|t| !t.starts_with('#') && !t.starts_with('$')).unwrap_or("");
    let structured = if first.starts_with("<explain")
        || first.starts_with("<?xml")
        || lines.iter().any(|l| l.text.trim_start().starts_with("<explain"))
    {
        Some(structured::parse_xml(&lines))
    } else if lines.iter().any(|l| l.text.trim_start().starts_with("- Plan:")) {
        Some(structured::parse_yaml(&lines))
    } else if lines.iter().any(|l| {
        let t = l.text.trim();
        t == "[" || t == "{" || t.starts_with("[{") || t.starts_with("{\"") || t.starts_with("{'")
    }) {
        Some(structured::parse_json(&lines))
    } else {
        None
    };
    let mut result = match structured {
        Some(Ok(plans)) if !plans.is_empty() => ParsedPlans { plans, errors: Vec::new() },
        Some(Ok(_)) => ParsedPlans {
            plans: Vec::new(),
            errors: vec![(lines[0].no, "no plan found in the structured input".into())],
        },
        Some(Err(e)) => ParsedPlans { plans: Vec::new(), errors: vec![e] },
        None => {
            let plans = text::parse(&lines);
            let errors = if plans.is_empty() {
                vec![(lines[0].no, "no plan node found: expected lines such as `Seq Scan on t  (cost=...)`".into())]
            } else {
                Vec::new()
            };
            ParsedPlans { plans, errors }
        }
    };
    for p in result.plans.iter_mut() {
        metrics::compute(&mut p.root);
    }
    result
}

/// One plan of a file, analysed.
pub struct PlanAnalysis {
    pub path: String,
    pub plan: Plan,
    pub tips: Vec<tips::Tip>,
}

/// Every plan in the explain files of the project, with tips and Django fixes; plus the lines of
/// input that could not be read, per file.
pub fn analyze(
    files: &[(String, String)],
    models: &crate::facts::models::ModelIndex,
) -> (Vec<PlanAnalysis>, Vec<(String, u32, String)>) {
    let mut plans = Vec::new();
    let mut errors = Vec::new();
    for (path, text) in files {
        let parsed = parse(text);
        for (line, message) in parsed.errors {
            errors.push((path.clone(), line, message));
        }
        for plan in parsed.plans {
            let mut t = tips::tips(&plan);
            django::add_fixes(&mut t, models);
            plans.push(PlanAnalysis { path: path.clone(), plan, tips: t });
        }
    }
    (plans, errors)
}

impl PlanAnalysis {
    /// The report form (the JSON contract).
    pub fn report(&self) -> crate::report::PlanReport {
        use crate::report::{PlanReport, PlanSummary, TipReport};
        let nodes = self.plan.nodes();
        let tip_reports: Vec<TipReport> = self
            .tips
            .iter()
            .map(|t| TipReport {
                kind: format!("{:?}", t.kind),
                score: t.score,
                line: t.line,
                title: t.title.clone(),
                detail: t.detail.clone(),
                fix: t.fix.clone(),
            })
            .collect();
        let mut counter = 0usize;
        let root = node_report(&self.plan.root, &self.tips, &mut counter);
        let mut by_table: Vec<(String, f64, usize)> = Vec::new();
        let mut by_type: Vec<(String, f64, usize)> = Vec::new();
        let add =
            |list: &mut Vec<(String, f64, usize)>, key: &str, ms: f64| match list.iter_mut().find(|(k, _, _)| k == key)
            {
                Some(e) => {
                    e.1 += ms;
                    e.2 += 1;
                }
                None => list.push((key.to_string(), ms, 1)),
            };
        for n in &nodes {
            let ms = n.exclusive_ms.unwrap_or(0.0);
            if let Some(t) = n.table() {
                add(&mut by_table, t, ms);
            }
            add(&mut by_type, &n.node_type, ms);
        }
        by_table.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
        by_type.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
        let buffers = |key: &str| -> Option<f64> {
            let r = &self.plan.root;
            r.extra_number(&format!("Shared {key} Blocks")).or_else(|| {
                r.extra_value("Buffers").and_then(|b| {
                    b.split_whitespace()
                        .find_map(|w| w.strip_prefix(&format!("{}=", key.to_lowercase())))
                        .and_then(|v| v.parse().ok())
                })
            })
        };
        PlanReport {
            path: self.path.clone(),
            line: self.plan.line,
            format: self.plan.format.clone(),
            planning_ms: self.plan.planning_ms,
            execution_ms: self.plan.execution_ms,
            analyzed: self.plan.is_analyzed(),
            root,
            tips: tip_reports,
            unparsed: self.plan.unparsed.clone(),
            summary: PlanSummary {
                total_ms: self.plan.total_ms(),
                nodes: nodes.len(),
                by_table,
                by_node_type: by_type,
                shared_hit: buffers("Hit"),
                shared_read: buffers("Read"),
            },
        }
    }
}

fn node_report(n: &plan::PlanNode, tips: &[tips::Tip], counter: &mut usize) -> crate::report::PlanNodeReport {
    let index = *counter;
    *counter += 1;
    let estimate = metrics::misestimate(n);
    let relationship = match &n.relationship {
        plan::Relationship::Child => "child".to_string(),
        plan::Relationship::InitPlan(name) | plan::Relationship::SubPlan(name) => name.clone(),
        plan::Relationship::Cte(name) => format!("CTE {name}"),
    };
    crate::report::PlanNodeReport {
        node_type: n.node_type.clone(),
        relation: n.scan_on.table.clone().or_else(|| n.scan_on.cte.clone()).or_else(|| n.scan_on.function.clone()),
        alias: n.scan_on.alias.clone(),
        index: n.scan_on.index.clone(),
        line: n.line,
        relationship,
        startup_cost: n.startup_cost,
        total_cost: n.total_cost,
        plan_rows: n.plan_rows,
        actual_total_ms: n.actual_last_ms,
        actual_rows: n.actual_rows,
        loops: n.loops,
        inclusive_ms: n.inclusive_ms,
        exclusive_ms: n.exclusive_ms,
        estimate_factor: estimate.map(|e| (e.0 * 10.0).round() / 10.0),
        underestimated: estimate.map(|e| e.1),
        extra: n.extra.clone(),
        tips: tips.iter().enumerate().filter(|(_, t)| t.node == Some(index)).map(|(i, _)| i).collect(),
        children: n.children.iter().map(|c| node_report(c, tips, counter)).collect(),
    }
}
