//! The text format: psql's default output and what Django's `QuerySet.explain()` returns.

use super::clean::Line;
use super::plan::{Plan, PlanNode, Relationship, ScanOn};

/// Parses cleaned lines into plans (several when the paste holds several). Lines that are neither
/// nodes, node details nor plan-level lines are kept in `unparsed`.
pub fn parse(lines: &[Line]) -> Vec<Plan> {
    let lines = repair_wrapped(lines);
    let mut plans = Vec::new();
    let mut current: Option<Builder> = None;
    for line in &lines {
        let text = line.text.as_str();
        if let Some(node) = node_line(text) {
            let starts_new = match &current {
                None => true,
                Some(b) => b.finished || node.depth <= b.root_depth,
            };
            if starts_new {
                if let Some(b) = current.take() {
                    plans.push(b.finish());
                }
                current = Some(Builder::new(line.no, node.depth));
            }
            if let Some(b) = current.as_mut() {
                b.add_node(node, line.no);
            }
            continue;
        }
        let Some(b) = current.as_mut() else { continue }; // text before the plan (the query, a command)
        let trimmed = text.trim();
        if b.plan_level(trimmed) {
            continue;
        }
        let indent = indent_of(text);
        if let Some(rel) = marker(trimmed) {
            b.marker(indent, rel);
            continue;
        }
        b.detail(indent, trimmed, line.no);
    }
    if let Some(b) = current {
        plans.push(b.finish());
    }
    plans
}

fn indent_of(text: &str) -> usize {
    text.len() - text.trim_start().len()
}

/// Joins lines that a terminal or e-mail wrapped: a line whose parentheses are left open, or a
/// list that ends with a comma, continues on the next line.
fn repair_wrapped(lines: &[Line]) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::with_capacity(lines.len());
    for l in lines {
        let t = l.text.trim_start();
        if let Some(prev) = out.last_mut() {
            let open = prev.text.matches('(').count() > prev.text.matches(')').count();
            let list = prev.text.trim_end().ends_with(',') && !t.starts_with("->");
            if (open || list) && !t.starts_with("->") && node_line(&l.text).is_none() {
                let sep = if open && !prev.text.ends_with(' ') && !t.starts_with(')') { "" } else { " " };
                prev.text = format!("{}{sep}{t}", prev.text.trim_end());
                continue;
            }
        }
        out.push(l.clone());
    }
    out
}

struct NodeLine {
    depth: usize,
    node: PlanNode,
}

/// A node line: `->  Seq Scan on t  (cost=...) (actual ...)`, or the root without the arrow.
fn node_line(text: &str) -> Option<NodeLine> {
    let indent = indent_of(text);
    let body = text.trim_start();
    let (arrow, body) = match body.strip_prefix("->") {
        Some(rest) => (true, rest.trim_start()),
        None => (false, body),
    };
    let metrics_at =
        ["(cost=", "(actual ", "(actual time", "(never executed)"].iter().filter_map(|m| body.find(m)).min();
    let (desc, metrics) = match metrics_at {
        Some(at) => (body[..at].trim_end(), &body[at..]),
        // COSTS OFF without ANALYZE: only the node's name is printed.
        None if arrow || looks_like_node_name(body) => (body.trim_end(), ""),
        None => return None,
    };
    if desc.is_empty() || (desc.contains(": ") && !desc.starts_with("Custom Scan")) || desc.ends_with(':') {
        return None;
    }
    let mut node = describe(desc);
    read_metrics(metrics, &mut node);
    Some(NodeLine { depth: indent, node })
}

fn looks_like_node_name(body: &str) -> bool {
    const NAMES: &[&str] = &[
        "Seq Scan",
        "Parallel Seq Scan",
        "Index Scan",
        "Index Only Scan",
        "Bitmap Heap Scan",
        "Bitmap Index Scan",
        "Nested Loop",
        "Hash Join",
        "Hash Left Join",
        "Hash Right Join",
        "Hash Full Join",
        "Merge Join",
        "Hash",
        "Sort",
        "Incremental Sort",
        "Limit",
        "Aggregate",
        "HashAggregate",
        "GroupAggregate",
        "Result",
        "Append",
        "Merge Append",
        "Gather",
        "Gather Merge",
        "Materialize",
        "Memoize",
        "Unique",
        "CTE Scan",
        "Subquery Scan",
        "Function Scan",
        "Values Scan",
        "WindowAgg",
        "Update on",
        "Insert on",
        "Delete on",
        "Merge on",
        "LockRows",
        "SetOp",
        "Finalize",
        "Partial",
        "ProjectSet",
        "Foreign Scan",
        "Tid Scan",
        "Sample Scan",
        "Group",
    ];
    !body.contains(':') && NAMES.iter().any(|n| body.starts_with(n))
}

/// `Index Scan Backward using idx on t a` → type `Index Scan Backward`, index, table, alias.
fn describe(desc: &str) -> PlanNode {
    let mut node = PlanNode::default();
    let mut scan = ScanOn::default();
    let (kind, target) = if let Some((kind, rest)) = desc.split_once(" using ") {
        let (index, on) = match rest.split_once(" on ") {
            Some((i, on)) => (i, Some(on)),
            None => (rest, None),
        };
        scan.index = Some(index.trim().to_string());
        (kind, on)
    } else if let Some((kind, on)) = desc.split_once(" on ") {
        (kind, Some(on))
    } else {
        (desc, None)
    };
    if let Some(target) = target {
        let mut words = target.split_whitespace();
        let name = words.next().map(str::to_string);
        let alias = words.next().map(str::to_string);
        match kind.trim() {
            k if k.ends_with("Bitmap Index Scan") => scan.index = name,
            k if k.ends_with("CTE Scan") => {
                scan.cte = name;
                scan.alias = alias;
            }
            k if k.ends_with("Function Scan") => {
                scan.function = name;
                scan.alias = alias;
            }
            k if k.ends_with("Subquery Scan") => scan.subquery = name,
            _ => {
                scan.table = name;
                scan.alias = alias;
            }
        }
    }
    node.node_type = kind.trim().to_string();
    node.scan_on = scan;
    node
}

/// `(cost=S..T rows=R width=W) (actual time=A..B rows=R loops=L)`, `(never executed)`.
fn read_metrics(text: &str, node: &mut PlanNode) {
    if text.contains("(never executed)") {
        node.never_executed = true;
        node.loops = Some(0.0);
    }
    let mut rest = text;
    while let Some(open) = rest.find('(') {
        let Some(close) = rest[open..].find(')').map(|c| c + open) else { break };
        let group = &rest[open + 1..close];
        rest = &rest[close + 1..];
        let actual = group.starts_with("actual");
        for part in group.split_whitespace() {
            let Some((k, v)) = part.split_once('=') else { continue };
            let range = || -> Option<(f64, f64)> {
                let (a, b) = v.split_once("..")?;
                Some((a.parse().ok()?, b.parse().ok()?))
            };
            match (actual, k) {
                (false, "cost") => {
                    if let Some((a, b)) = range() {
                        node.startup_cost = Some(a);
                        node.total_cost = Some(b);
                    }
                }
                (false, "rows") => node.plan_rows = v.parse().ok(),
                (false, "width") => node.plan_width = v.parse().ok(),
                (true, "time") => {
                    if let Some((a, b)) = range() {
                        node.actual_first_ms = Some(a);
                        node.actual_last_ms = Some(b);
                    }
                }
                (true, "rows") => node.actual_rows = v.parse().ok(),
                (true, "loops") => node.loops = v.parse().ok(),
                _ => {}
            }
        }
    }
}

/// `InitPlan 1 (returns $0)`, `SubPlan 2`, `CTE name`: the nodes below belong to that group.
fn marker(t: &str) -> Option<Relationship> {
    let first = t.split_whitespace().next()?;
    match first {
        "InitPlan" => Some(Relationship::InitPlan(t.to_string())),
        "SubPlan" => Some(Relationship::SubPlan(t.to_string())),
        "CTE" if !t.contains(':') && t.split_whitespace().count() == 2 => {
            Some(Relationship::Cte(t.split_whitespace().nth(1).unwrap_or("").to_string()))
        }
        _ => None,
    }
}

/// Deepest nesting kept as a tree.
const MAX_DEPTH: usize = 256;

struct Frame {
    depth: usize,
    /// Path of child indexes from the root.
    path: Vec<usize>,
    /// A group marker seen under this node: (its indent, the group).
    group: Option<(usize, Relationship)>,
}

struct Builder {
    plan: Plan,
    root_depth: usize,
    stack: Vec<Frame>,
    /// Plan-level lines (`Execution Time`) have been seen: the next root starts a new plan.
    finished: bool,
    /// Inside a plan-level block (`Planning:`, `JIT:`), whose indented lines belong to it.
    block: Option<usize>,
    /// Nodes deeper than [`MAX_DEPTH`] were flattened.
    capped: bool,
}

impl Builder {
    fn new(line: u32, root_depth: usize) -> Builder {
        Builder {
            plan: Plan { format: "text".into(), line, ..Plan::default() },
            root_depth,
            stack: Vec::new(),
            finished: false,
            block: None,
            capped: false,
        }
    }

    fn node_mut(&mut self, path: &[usize]) -> &mut PlanNode {
        let mut n = &mut self.plan.root;
        for &i in path {
            n = &mut n.children[i];
        }
        n
    }

    fn add_node(&mut self, line: NodeLine, no: u32) {
        self.block = None;
        // Keep the tree shallow enough for recursive walks on a small (wasm) stack.
        if self.stack.len() >= MAX_DEPTH {
            if !self.capped {
                self.capped = true;
                self.plan
                    .unparsed
                    .push((no, format!("nodes nested deeper than {MAX_DEPTH} levels are shown at that level")));
            }
            while self.stack.len() >= MAX_DEPTH {
                self.stack.pop();
            }
        }
        let mut node = line.node;
        node.line = no;
        if self.stack.is_empty() {
            self.plan.root = node;
            self.stack.push(Frame { depth: line.depth, path: Vec::new(), group: None });
            return;
        }
        while self.stack.len() > 1 && self.stack.last().is_some_and(|f| f.depth >= line.depth) {
            self.stack.pop();
        }
        let parent = self.stack.last_mut().expect("root frame");
        // A group marker applies to deeper nodes; a node at the marker's level ends the group.
        node.relationship = match &parent.group {
            Some((indent, rel)) if line.depth > *indent => rel.clone(),
            _ => {
                parent.group = None;
                Relationship::Child
            }
        };
        let parent_path = parent.path.clone();
        let siblings = self.node_mut(&parent_path);
        siblings.children.push(node);
        let mut path = parent_path;
        path.push(siblings.children.len() - 1);
        self.stack.push(Frame { depth: line.depth, path, group: None });
    }

    fn marker(&mut self, indent: usize, rel: Relationship) {
        self.block = None;
        while self.stack.len() > 1 && self.stack.last().is_some_and(|f| f.depth >= indent) {
            self.stack.pop();
        }
        if let Some(f) = self.stack.last_mut() {
            f.group = Some((indent, rel));
        }
    }

    fn detail(&mut self, indent: usize, text: &str, no: u32) {
        if let Some(block_indent) = self.block {
            if indent > block_indent {
                return; // a line of `Planning:` or `JIT:`
            }
            self.block = None;
        }
        // The nearest node above that is shallower than the line.
        let Some(frame) = self.stack.iter().rev().find(|f| f.depth < indent) else {
            self.plan.unparsed.push((no, text.to_string()));
            return;
        };
        let path = frame.path.clone();
        self.node_mut(&path).extra.push(text.to_string());
    }

    /// Lines about the whole plan. Returns whether the line was one.
    fn plan_level(&mut self, t: &str) -> bool {
        let lower = t.to_ascii_lowercase();
        let ms = |t: &str| -> Option<f64> {
            t.split_once(':').and_then(|(_, v)| v.split_whitespace().next()).and_then(|n| n.parse().ok())
        };
        if lower.starts_with("total runtime:") || lower.starts_with("execution time:") {
            self.plan.execution_ms = ms(t);
            self.finished = true;
            return true;
        }
        if lower.starts_with("planning time:") {
            self.plan.planning_ms = ms(t);
            return true;
        }
        if lower.starts_with("trigger ") && lower.contains("time=") {
            let name = t.split_once(':').map(|(n, _)| n.trim_start_matches("Trigger ").to_string()).unwrap_or_default();
            let field = |k: &str| -> f64 {
                t.split_whitespace().find_map(|w| w.strip_prefix(k)).and_then(|v| v.parse().ok()).unwrap_or(0.0)
            };
            self.plan.triggers.push((name, field("time="), field("calls=")));
            return true;
        }
        if lower == "planning:" || lower == "jit:" {
            self.block = Some(self.stack.first().map_or(0, |f| f.depth));
            return true;
        }
        if let Some(block) = self.block {
            let _ = block;
            if lower.starts_with("timing:") {
                self.plan.jit_ms =
                    t.split("Total ").nth(1).and_then(|r| r.split_whitespace().next()).and_then(|n| n.parse().ok());
            }
        }
        lower.starts_with("settings:")
            || lower.starts_with("query text:")
            || lower.starts_with("query identifier:")
            || lower.starts_with("serialization:")
    }

    fn finish(self) -> Plan {
        self.plan
    }
}

/// The plan in PostgreSQL's text format (used to show a normalised plan and to check parsing by
/// round trip).
pub fn render(plan: &Plan) -> String {
    let mut out = String::new();
    render_node(&plan.root, 0, true, &mut out);
    if let Some(p) = plan.planning_ms {
        out.push_str(&format!("Planning Time: {p:.3} ms\n"));
    }
    if let Some(e) = plan.execution_ms {
        out.push_str(&format!("Execution Time: {e:.3} ms\n"));
    }
    out
}

fn render_node(n: &PlanNode, indent: usize, root: bool, out: &mut String) {
    let pad = " ".repeat(indent);
    let mut desc = n.node_type.clone();
    let s = &n.scan_on;
    if let Some(index) = &s.index {
        if n.node_type.ends_with("Bitmap Index Scan") {
            desc.push_str(&format!(" on {index}"));
        } else {
            desc.push_str(&format!(" using {index}"));
        }
    }
    let target = s.table.as_ref().or(s.cte.as_ref()).or(s.function.as_ref()).or(s.subquery.as_ref());
    if let Some(t) = target {
        desc.push_str(&format!(" on {t}"));
        if let Some(a) = &s.alias {
            desc.push_str(&format!(" {a}"));
        }
    }
    let mut metrics = String::new();
    if let (Some(a), Some(b), Some(r), Some(w)) = (n.startup_cost, n.total_cost, n.plan_rows, n.plan_width) {
        metrics.push_str(&format!("  (cost={a:.2}..{b:.2} rows={r} width={w})"));
    }
    if n.never_executed {
        metrics.push_str(" (never executed)");
    } else if let (Some(a), Some(b), Some(r), Some(l)) = (n.actual_first_ms, n.actual_last_ms, n.actual_rows, n.loops) {
        metrics.push_str(&format!(" (actual time={a:.3}..{b:.3} rows={r} loops={l})"));
    } else if let (Some(r), Some(l)) = (n.actual_rows, n.loops) {
        metrics.push_str(&format!(" (actual rows={r} loops={l})"));
    }
    if root {
        out.push_str(&format!("{pad}{desc}{metrics}\n"));
    } else {
        out.push_str(&format!("{pad}->  {desc}{metrics}\n"));
    }
    let detail_pad = " ".repeat(if root { indent + 2 } else { indent + 6 });
    for e in &n.extra {
        out.push_str(&format!("{detail_pad}{}\n", e.trim()));
    }
    let child_indent = if root { indent + 2 } else { indent + 6 };
    let mut last_group: Option<&Relationship> = None;
    for c in &n.children {
        let group_line = match &c.relationship {
            Relationship::Child => None,
            Relationship::InitPlan(name) | Relationship::SubPlan(name) => Some(name.clone()),
            Relationship::Cte(name) => Some(format!("CTE {name}")),
        };
        let (group_line, child_pad) = match group_line {
            Some(g) if last_group != Some(&c.relationship) => (Some(g), child_indent + 2),
            Some(_) => (None, child_indent + 2),
            None => (None, child_indent),
        };
        if let Some(g) = group_line {
            out.push_str(&format!("{}{g}\n", " ".repeat(child_indent)));
        }
        last_group = Some(&c.relationship);
        render_node(c, child_pad, false, out);
    }
}
