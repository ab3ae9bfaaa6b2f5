//! PostgreSQL `EXPLAIN` plans: read every format users paste, compute where the time goes, and find
//! what to change, in Django terms.

pub mod clean;
pub mod django;
pub mod metrics;
pub mod plan;
pub mod structured;
pub mod text;
pub mod tips;

use crate::text::Case;
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
        crate::sort::sort_by(&mut by_table, |a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
        crate::sort::sort_by(&mut by_type, |a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
        let buffers = |key: &str| -> Option<f64> {
            let r = &self.plan.root;
            r.extra_number(&format!("Shared {key} Blocks")).or_else(|| {
                r.extra_value("Buffers").and_then(|b| {
                    b.split_whitespace()
                        .find_map(|w| w.strip_prefix(&format!("{}=", key.lowercase())))
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

/// `Buffers: shared hit=10 read=5` (text) or `Shared Hit Blocks` (structured formats).
fn buffer(n: &plan::PlanNode, key: &str) -> Option<f64> {
    let structured = if key == "hit" { "Shared Hit Blocks" } else { "Shared Read Blocks" };
    n.extra_number(structured).or_else(|| {
        n.extra_value("Buffers").and_then(|b| {
            let shared = b.split(',').next().unwrap_or(b);
            shared.split_whitespace().find_map(|w| w.strip_prefix(&format!("{key}="))).and_then(|v| v.parse().ok())
        })
    })
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
        removed_share: {
            let loops = n.loops.unwrap_or(1.0).max(1.0);
            let removed = (n.extra_number("Rows Removed by Filter").unwrap_or(0.0)
                + n.extra_number("Rows Removed by Index Recheck").unwrap_or(0.0))
                * loops;
            let read = removed + n.actual_rows.unwrap_or(0.0) * loops;
            (removed > 0.0).then(|| removed / read.max(1.0))
        },
        shared_hit: buffer(n, "hit"),
        shared_read: buffer(n, "read"),
        io_read_ms: n.extra_number("I/O Read Time").or_else(|| {
            n.extra_value("I/O Timings").and_then(|v| {
                v.split_whitespace()
                    .find_map(|w| w.strip_prefix("read="))
                    .and_then(|x| x.trim_end_matches(',').parse().ok())
            })
        }),
        extra: n.extra.clone(),
        tips: tips.iter().enumerate().filter(|(_, t)| t.node == Some(index)).map(|(i, _)| i).collect(),
        children: n.children.iter().map(|c| node_report(c, tips, counter)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn several_plans_in_one_paste_become_several_plans() {
        let text = "Seq Scan on a  (cost=0.00..1.00 rows=1 width=4) (actual time=0.010..0.020 rows=1 loops=1)\nExecution Time: 0.050 ms\n\nSeq Scan on b  (cost=0.00..2.00 rows=2 width=4) (actual time=0.010..0.030 rows=2 loops=1)\nExecution Time: 0.060 ms\n";
        let p = parse(text);
        assert!(p.errors.is_empty());
        assert_eq!(p.plans.len(), 2);
        assert_eq!(p.plans[1].root.scan_on.table.as_deref(), Some("b"));
        assert_eq!(p.plans[1].line, 4);
    }

    #[test]
    fn wrapped_lines_are_joined_and_unknown_lines_kept() {
        let text = " Hash Join  (cost=1.00..2.00 rows=1 width=4) (actual time=7.355\n..9.185 rows=3 loops=1)\n   Hash Cond: (a.id = b.a_id)\n   Brand New Field: 7\n   ->  Seq Scan on a  (cost=0.00..1.00 rows=1 width=4) (actual time=0.010..0.020 rows=1 loops=1)\n   ->  Hash  (cost=1.00..1.00 rows=1 width=4) (actual time=0.010..0.020 rows=1 loops=1)\n         ->  Seq Scan on b  (cost=0.00..1.00 rows=1 width=4) (actual time=0.005..0.006 rows=1 loops=1)\n";
        let p = parse(text);
        let root = &p.plans[0].root;
        assert_eq!(root.actual_last_ms, Some(9.185));
        assert_eq!(root.children.len(), 2);
        assert!(root.extra.iter().any(|e| e.contains("Brand New Field: 7")), "{:?}", root.extra);
    }

    #[test]
    fn django_json_in_python_repr_and_pg17_lines_parse() {
        let repr = "[{'Plan': {'Node Type': 'Seq Scan', 'Relation Name': 'shop_order', 'Alias': 'shop_order', 'Startup Cost': 0.0, 'Total Cost': 10.0, 'Plan Rows': 5, 'Plan Width': 4, 'Filter': \"(status = 'x'::text)\"}, 'Planning Time': 0.1}]";
        let p = parse(repr);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.plans[0].root.extra_value("Filter"), Some("(status = 'x'::text)"));
        let pg17 = "Gather  (cost=1000.00..2000.00 rows=10 width=4) (actual time=1.000..50.000 rows=10 loops=1)\n  Workers Planned: 2\n  Workers Launched: 1\n  Buffers: shared hit=10 read=5\n  ->  Parallel Seq Scan on t  (cost=0.00..1000.00 rows=5 width=4) (actual time=0.500..40.000 rows=5 loops=2)\n        Filter: (x > 1)\n        Rows Removed by Filter: 5000\nPlanning:\n  Buffers: shared hit=3\nPlanning Time: 0.200 ms\nJIT:\n  Functions: 2\n  Timing: Generation 0.1 ms, Inlining 0.0 ms, Optimization 0.3 ms, Emission 2.0 ms, Total 2.4 ms\nExecution Time: 52.000 ms\n";
        let p = parse(pg17);
        assert!(p.errors.is_empty());
        let plan = &p.plans[0];
        assert_eq!(plan.jit_ms, Some(2.4));
        assert_eq!(plan.planning_ms, Some(0.2));
        assert!(plan.unparsed.is_empty(), "{:?}", plan.unparsed);
        // Two processes ran the parallel scan: its wall time is half of time × loops.
        let scan = &plan.root.children[0];
        assert_eq!(scan.inclusive_ms, Some(40.0));
    }

    #[test]
    fn unreadable_input_names_the_line() {
        let p = parse("here is my query\nselect 1;\n");
        assert!(p.plans.is_empty());
        assert_eq!(p.errors[0].0, 1);
        let p = parse("[{\"Plan\": {\"Node Type\": \"Seq Scan\"\n");
        assert!(p.plans.is_empty());
        assert!(p.errors[0].1.contains("JSON"));
    }
}
