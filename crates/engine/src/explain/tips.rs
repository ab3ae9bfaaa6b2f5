//! What is slow in a plan and what to change, scored 0–5 by the share of the runtime a fix could
//! save (pgMustard's idea): `5 × min(1, share) × severity`, one decimal. Without ANALYZE the share
//! comes from costs and the score is capped at 2.5, because costs are only estimates. Thresholds
//! are those of PEV2 and explain.depesz.com (see `../shared/reference/explain.md`, section 6).

use super::metrics::misestimate;
use super::plan::{Plan, PlanNode, Relationship};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TipKind {
    SeqScanFilter,
    IndexFilter,
    HeapFetches,
    Spill,
    Misestimate,
    Loops,
    LargeOffset,
    Overhead,
    NotAnalyzed,
}

/// One finding in a plan.
#[derive(Clone, Debug)]
pub struct Tip {
    pub kind: TipKind,
    pub score: f64,
    /// The node it is about (pre-order index) and its line in the paste.
    pub node: Option<usize>,
    pub line: u32,
    pub title: String,
    pub detail: String,
    /// The change to make, in Django terms, as code.
    pub fix: Option<String>,
    /// Table the tip is about, for mapping to a model.
    pub table: Option<String>,
    /// Columns a suggested index should cover (equality first).
    pub columns: Vec<String>,
}

fn score(share: f64, severity: f64, analyzed: bool) -> f64 {
    let s = 5.0 * share.clamp(0.0, 1.0) * severity;
    let s = if analyzed { s } else { s.min(2.5) };
    (s * 10.0).round() / 10.0
}

/// Every tip for a plan, best first.
pub fn tips(plan: &Plan) -> Vec<Tip> {
    let nodes = plan.nodes();
    let analyzed = plan.is_analyzed() && nodes.iter().any(|n| n.actual_last_ms.is_some());
    let total_ms = plan.total_ms().filter(|t| *t > 0.0);
    let total_cost = plan.root.total_cost.filter(|c| *c > 0.0);
    // The share of the runtime a node's own work takes (its own cost share without ANALYZE).
    let own_share = |n: &PlanNode| -> f64 {
        match (analyzed, total_ms, n.exclusive_ms) {
            (true, Some(t), Some(e)) => e / t,
            _ => match (total_cost, n.total_cost) {
                (Some(tc), Some(c)) => {
                    let below: f64 = n.children.iter().filter_map(|c| c.total_cost).sum();
                    ((c - below).max(0.0)) / tc
                }
                _ => 0.0,
            },
        }
    };
    let incl_share = |n: &PlanNode| -> f64 {
        match (analyzed, total_ms, n.inclusive_ms) {
            (true, Some(t), Some(i)) => i / t,
            _ => match (total_cost, n.total_cost) {
                (Some(tc), Some(c)) => c / tc,
                _ => 0.0,
            },
        }
    };
    // Parent of each node (pre-order indexes), to keep cascades to one tip.
    let mut parent: Vec<Option<usize>> = vec![None; nodes.len()];
    {
        fn mark(n: &PlanNode, me: usize, next: &mut usize, parent: &mut [Option<usize>]) {
            for c in &n.children {
                *next += 1;
                let id = *next;
                parent[id] = Some(me);
                mark(c, id, next, parent);
            }
        }
        let mut next = 0;
        mark(&plan.root, 0, &mut next, &mut parent);
    }
    let mut out = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        let loops = n.loops.unwrap_or(1.0).max(1.0);
        let returned = n.actual_rows.unwrap_or(0.0) * loops;
        let table = n.table().map(str::to_string);
        let tip = |kind, score, title: String, detail: String| Tip {
            kind,
            score,
            node: Some(i),
            line: n.line,
            title,
            detail,
            fix: None,
            table: table.clone(),
            columns: Vec::new(),
        };
        // Seq scans and index scans that throw most rows away.
        let removed = n.extra_number("Rows Removed by Filter").map(|r| r * loops);
        let recheck = n.extra_number("Rows Removed by Index Recheck").map(|r| r * loops);
        let filter = n.extra_value("Filter").map(str::to_string);
        if n.node_type.contains("Seq Scan") {
            if let (Some(removed), Some(f)) = (removed, &filter) {
                let ratio = removed / (removed + returned).max(1.0);
                if ratio > 0.5 && removed >= 1000.0 {
                    let severity = if ratio > 0.9 { 0.9 } else { 0.6 };
                    let mut t = tip(
                        TipKind::SeqScanFilter,
                        score(own_share(n), severity, analyzed),
                        format!("Seq Scan on `{}` discards {:.0} % of the rows it reads", table.as_deref().unwrap_or("?"), ratio * 100.0),
                        format!("It reads {} rows and keeps {}: an index on the filtered columns would read only those ({f}).", fmt_rows(removed + returned), fmt_rows(returned)),
                    );
                    t.columns = filter_columns(f);
                    out.push(t);
                }
            } else if !analyzed && filter.is_some() && n.plan_rows.unwrap_or(0.0) >= 1000.0 {
                let mut t = tip(
                    TipKind::SeqScanFilter,
                    score(own_share(n), 0.5, false),
                    format!("Seq Scan on `{}` with a filter", table.as_deref().unwrap_or("?")),
                    format!("Without ANALYZE the rows it discards are unknown; an index on the filtered columns may avoid reading the table ({}).", filter.as_deref().unwrap_or("")),
                );
                t.columns = filter_columns(filter.as_deref().unwrap_or(""));
                out.push(t);
            }
        }
        if n.node_type.contains("Index Scan")
            || n.node_type.contains("Index Only Scan")
            || n.node_type.contains("Bitmap Heap Scan")
        {
            let thrown = removed.unwrap_or(0.0) + recheck.unwrap_or(0.0);
            let ratio = thrown / (thrown + returned).max(1.0);
            if ratio > 0.5 && thrown >= 1000.0 {
                let severity = if ratio > 0.9 { 0.8 } else { 0.5 };
                let mut t = tip(
                    TipKind::IndexFilter,
                    score(own_share(n), severity, analyzed),
                    format!("`{}` on `{}` fetches rows it then discards ({:.0} %)", n.node_type, table.as_deref().unwrap_or("?"), ratio * 100.0),
                    format!("The index finds {} rows but the filter keeps {}: a composite index that also covers the filtered columns would skip them.", fmt_rows(thrown + returned), fmt_rows(returned)),
                );
                t.columns = filter_columns(filter.as_deref().unwrap_or(""));
                out.push(t);
            }
            if n.node_type.contains("Index Only Scan") {
                if let Some(fetches) = n.extra_number("Heap Fetches") {
                    let ratio = fetches / returned.max(1.0);
                    if ratio > 0.4 && fetches >= 1000.0 {
                        out.push(tip(
                            TipKind::HeapFetches,
                            score(own_share(n), 0.5, analyzed),
                            format!("Index Only Scan on `{}` visits the table for {:.0} % of its rows", table.as_deref().unwrap_or("?"), ratio.min(1.0) * 100.0),
                            "The visibility map is stale, so the index-only scan reads the heap anyway: vacuum the table more often (autovacuum settings).".into(),
                        ));
                    }
                }
            }
        }
        // Work that spilled to disk.
        let sort_method = n.extra_value("Sort Method").unwrap_or("");
        if sort_method.contains("external") || sort_method.contains("Disk:") {
            let disk = sort_method
                .split("Disk:")
                .nth(1)
                .and_then(|r| r.trim().trim_end_matches("kB").trim().parse::<f64>().ok());
            out.push(tip(
                TipKind::Spill,
                score(own_share(n), 0.6, analyzed),
                "Sort spills to disk".into(),
                format!(
                    "`{}`: the sort did not fit in `work_mem`{}; an index in the sort order avoids the sort, or raise `work_mem` for this query.",
                    sort_method.trim(),
                    disk.map(|d| format!(" (it needed about {} MB)", (d / 1024.0).ceil())).unwrap_or_default()
                ),
            ));
        }
        let batches = n.extra_value("Buckets").and_then(|_| batches_of(n)).or_else(|| n.extra_number("Hash Batches"));
        if n.node_type == "Hash" && batches.is_some_and(|b| b > 1.0) {
            out.push(tip(
                TipKind::Spill,
                score(incl_share(n), 0.6, analyzed),
                format!("Hash spills to disk in {} batches", batches.unwrap_or(0.0)),
                "The hash table did not fit in `work_mem` (× `hash_mem_multiplier`): raise it for this query, or hash fewer rows.".into(),
            ));
        }
        if (n.node_type.contains("Aggregate") || n.node_type.contains("HashAgg"))
            && (n.extra_value("Disk Usage").is_some() || n.extra.iter().any(|e| e.contains("Disk Usage:")))
        {
            out.push(tip(
                TipKind::Spill,
                score(own_share(n), 0.6, analyzed),
                "HashAggregate spills to disk".into(),
                "The aggregate's hash table did not fit in `work_mem`: raise it for this query.".into(),
            ));
        }
        if let Some(lossy) = n
            .extra_value("Heap Blocks")
            .and_then(|v| v.split_whitespace().find_map(|w| w.strip_prefix("lossy=")))
            .and_then(|v| v.parse::<f64>().ok())
        {
            if lossy > 0.0 {
                out.push(tip(
                    TipKind::Spill,
                    score(own_share(n), 0.4, analyzed),
                    format!("Bitmap heap scan on `{}` became lossy", table.as_deref().unwrap_or("?")),
                    format!("{lossy} blocks were tracked as whole pages, so every row in them is rechecked: raise `work_mem`."),
                ));
            }
        }
        // Estimates far from reality mislead the planner.
        if let Some((factor, under)) = misestimate(n) {
            let big = n.actual_rows.unwrap_or(0.0).max(n.plan_rows.unwrap_or(0.0)) >= 10.0;
            // A misestimate inherited from a child is the child's: report where it starts.
            let inherited =
                n.children.iter().any(|c| misestimate(c).is_some_and(|(f, u)| u == under && f * 2.0 >= factor));
            // Writes return no rows, and a Limit stops its input early: neither is a misestimate.
            let writes = matches!(n.node_type.as_str(), "Update" | "Insert" | "Delete" | "Merge" | "ModifyTable");
            let under_limit = {
                let mut p = parent[i];
                let mut stopped = false;
                while let Some(pi) = p {
                    let t = nodes[pi].node_type.as_str();
                    if t == "Limit" {
                        stopped = true;
                        break;
                    }
                    if t.contains("Sort") || t.contains("Aggregate") || t == "Hash" || t.contains("Materialize") {
                        break;
                    }
                    p = parent[pi];
                }
                stopped
            };
            if factor >= 10.0 && big && !inherited && !writes && !under_limit {
                let severity = if factor >= 1000.0 {
                    1.0
                } else if factor >= 100.0 {
                    0.7
                } else {
                    0.4
                };
                out.push(tip(
                    TipKind::Misestimate,
                    score(incl_share(n) * 0.5, severity, analyzed),
                    format!("Row estimate off by {factor:.0}× on `{}`", n.node_type),
                    format!(
                        "The planner expected {} rows and got {} ({}-estimated): plans built on it may be wrong. Refresh statistics (ANALYZE), raise the column's statistics target, or add extended statistics for correlated columns (a RunSQL migration with CREATE STATISTICS).",
                        fmt_rows(n.plan_rows.unwrap_or(0.0)),
                        fmt_rows(n.actual_rows.unwrap_or(0.0)),
                        if under { "under" } else { "over" }
                    ),
                ));
            }
        }
        // Loops: the database's N+1.
        let parent_loops = parent[i].and_then(|p| nodes[p].loops).unwrap_or(1.0);
        if loops >= 1000.0 && analyzed && parent_loops < 1000.0 {
            let share = incl_share(n);
            if share >= 0.1 {
                let sub = matches!(n.relationship, Relationship::SubPlan(_));
                let mut t = tip(
                    TipKind::Loops,
                    score(share, if loops >= 10000.0 { 0.8 } else { 0.6 }, analyzed),
                    format!("`{}` runs {} times", n.node_type, fmt_rows(loops)),
                    if sub {
                        "A correlated subquery runs once per outer row: replace the `Subquery()`/`Exists()` annotation with a join or a grouped annotation.".into()
                    } else {
                        "The inner side of a nested loop runs once per outer row: make each run an index lookup on the join key, or join in one pass.".into()
                    },
                );
                // Only a scan without an index gets an index suggestion; an index lookup run
                // many times needs fewer runs, not another index.
                if n.node_type.contains("Seq Scan") {
                    t.columns = filter_columns(n.extra_value("Filter").unwrap_or(""));
                }
                out.push(t);
            }
        }
        // Large OFFSET: the child produces many rows the Limit throws away.
        if n.node_type == "Limit" {
            if let (Some(child), Some(kept)) = (n.children.first(), n.actual_rows) {
                // Per loop on both sides: a Limit inside a repeated SubPlan returns per run.
                let produced =
                    child.actual_rows.unwrap_or(0.0) * child.loops.unwrap_or(1.0) / n.loops.unwrap_or(1.0).max(1.0);
                if produced >= 1000.0 && produced >= kept * 10.0 && analyzed {
                    let mut below: &PlanNode = child;
                    while below.table().is_none() && below.children.len() == 1 {
                        below = &below.children[0];
                    }
                    let mut t = tip(
                        TipKind::LargeOffset,
                        score(incl_share(n), 0.7, analyzed),
                        format!("Limit reads {} rows to return {}", fmt_rows(produced), fmt_rows(kept)),
                        "An OFFSET makes the database produce and discard every skipped row: paginate by key instead (`filter(pk__gt=last_seen).order_by(\"pk\")[:size]`).".into(),
                    );
                    t.table = below.table().map(str::to_string);
                    out.push(t);
                }
            }
        }
        // Workers, disabled nodes.
        if let (Some(planned), Some(launched)) = (n.extra_number("Workers Planned"), n.extra_number("Workers Launched"))
        {
            if launched < planned {
                out.push(tip(
                    TipKind::Overhead,
                    score(incl_share(n), 0.4 * (1.0 - launched / planned.max(1.0)), analyzed),
                    format!("{launched} of {planned} parallel workers launched"),
                    "The server ran out of background workers: check `max_parallel_workers` and `max_parallel_workers_per_gather`.".into(),
                ));
            }
        }
        if n.total_cost.is_some_and(|c| c >= 1e10) || n.extra_value("Disabled") == Some("true") {
            out.push(tip(
                TipKind::Overhead,
                score(incl_share(n).max(0.2), 0.5, analyzed),
                format!("`{}` is disabled by a setting", n.node_type),
                "An `enable_*` setting was turned off in this session, so the planner avoided this node type at any cost: the plan is not what production would run.".into(),
            ));
        }
    }
    // Plan-level overheads.
    if let (Some(exec), true) = (plan.execution_ms, analyzed) {
        let plan_tip = |title: String, detail: String, share: f64| Tip {
            kind: TipKind::Overhead,
            score: score(share, 0.6, true),
            node: None,
            line: plan.line,
            title,
            detail,
            fix: None,
            table: None,
            columns: Vec::new(),
        };
        if let Some(p) = plan.planning_ms.filter(|p| *p / exec.max(0.001) >= 0.1 && *p >= 1.0) {
            out.push(plan_tip(
                format!("Planning takes {:.0} % of the time", 100.0 * p / (p + exec)),
                "Planning is slow for this query (many partitions or joins): a prepared statement or fewer partitions help.".into(),
                p / (p + exec),
            ));
        }
        if let Some(j) = plan.jit_ms.filter(|j| *j / exec.max(0.001) >= 0.1) {
            out.push(plan_tip(
                format!("JIT compilation takes {:.0} % of the time", 100.0 * j / exec),
                "JIT is not paying off for this query: raise `jit_above_cost` or turn JIT off for the connection (`\"OPTIONS\": {\"options\": \"-c jit=off\"}`).".into(),
                j / exec,
            ));
        }
        let trig: f64 = plan.triggers.iter().map(|t| t.1).sum();
        if trig / exec.max(0.001) >= 0.1 {
            out.push(plan_tip(
                format!("Triggers take {:.0} % of the time", 100.0 * trig / exec),
                "Foreign key triggers look up the referencing rows on every write: index the referencing columns (Django indexes a ForeignKey unless `db_index=False`) and review cascades.".into(),
                trig / exec,
            ));
        }
    }
    if !analyzed {
        out.push(Tip {
            kind: TipKind::NotAnalyzed,
            score: 0.5,
            node: None,
            line: plan.line,
            title: "Estimates only".into(),
            detail: "This plan has no actual times: run `EXPLAIN (ANALYZE, BUFFERS)` (Django: `qs.explain(analyze=True, buffers=True)`) to see where the time really goes.".into(),
            fix: None,
            table: None,
            columns: Vec::new(),
        });
    }
    crate::sort::sort_by(&mut out, |a, b| b.score.partial_cmp(&a.score).unwrap_or(std::cmp::Ordering::Equal));
    out
}

fn batches_of(n: &PlanNode) -> Option<f64> {
    let line = n.extra.iter().find(|e| e.trim_start().starts_with("Buckets:"))?;
    let after = line.split("Batches:").nth(1)?;
    after.split_whitespace().next()?.parse().ok()
}

fn fmt_rows(n: f64) -> String {
    if n >= 1e6 {
        format!("{:.1}M", n / 1e6)
    } else if n >= 1e4 {
        format!("{:.0}k", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

/// Column names a filter compares, equality comparisons first: `((status)::text = 'x'::text) AND
/// (created > '...')` → `status`, `created`.
pub fn filter_columns(filter: &str) -> Vec<String> {
    let mut eq = Vec::new();
    let mut other = Vec::new();
    for part in filter.split(" AND ").flat_map(|p| p.split(" OR ")) {
        let p = part.trim().trim_start_matches(['(', ' ']).trim_start_matches("NOT ");
        let ops = [" = ", " <> ", " >= ", " <= ", " > ", " < ", " ~~ ", " ~~* ", " IS ", " = ANY"];
        let Some((at, op)) = ops.iter().filter_map(|op| p.find(op).map(|i| (i, *op))).min_by_key(|(i, _)| *i) else {
            // A bare boolean column: `(NOT hidden)`, `(active)`.
            let word = p.trim_end_matches([')', ' ']);
            if is_identifier(word) {
                other.push(word.to_string());
            }
            continue;
        };
        let left = p[..at].trim().trim_start_matches('(').trim_end_matches(')');
        let left = left.split("::").next().unwrap_or(left).trim_end_matches(')').trim_start_matches('(');
        let column = left.rsplit('.').next().unwrap_or(left).trim_matches('"');
        if is_identifier(column) {
            let list = if op.trim() == "=" || op.contains("ANY") || op.trim() == "IS" { &mut eq } else { &mut other };
            if !list.iter().any(|c: &String| c == column) {
                list.push(column.to_string());
            }
        }
    }
    eq.extend(other);
    let mut seen = Vec::new();
    eq.retain(|c| {
        if seen.contains(c) {
            false
        } else {
            seen.push(c.clone());
            true
        }
    });
    eq
}

fn is_identifier(w: &str) -> bool {
    !w.is_empty()
        && w.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !matches!(w.to_ascii_uppercase().as_str(), "NOT" | "NULL" | "TRUE" | "FALSE" | "AND" | "OR")
}

#[cfg(test)]
mod tests {
    use super::filter_columns;

    #[test]
    fn filter_columns_are_named_equality_first() {
        assert_eq!(
            filter_columns("((created_at > now()) AND ((status)::text = 'paid'::text))"),
            vec!["status", "created_at"]
        );
        assert_eq!(filter_columns("(NOT hidden)"), vec!["hidden"]);
        assert_eq!(filter_columns("(o.customer_id = 42)"), vec!["customer_id"]);
    }
}
