//! JSON, YAML and XML plans. All three are read into a `serde_json::Value` keyed by PostgreSQL's
//! JSON names (`Node Type`, `Actual Total Time`, `Plans`) and turned into one tree from there.

use serde_json::{Map, Value};

use super::clean::Line;
use super::plan::{Plan, PlanNode, Relationship, ScanOn};

/// Keys whose values become `Key: value` detail lines, as the text format prints them.
const DETAIL_KEYS: &[&str] = &[
    "Output",
    "Sort Key",
    "Presorted Key",
    "Group Key",
    "Hash Cond",
    "Merge Cond",
    "Join Filter",
    "Rows Removed by Join Filter",
    "Index Cond",
    "Order By",
    "Recheck Cond",
    "Rows Removed by Index Recheck",
    "TID Cond",
    "One-Time Filter",
    "Filter",
    "Rows Removed by Filter",
    "Heap Fetches",
    "Index Searches",
    "Sort Method",
    "Sort Space Used",
    "Sort Space Type",
    "Hash Buckets",
    "Original Hash Buckets",
    "Hash Batches",
    "Original Hash Batches",
    "Peak Memory Usage",
    "HashAgg Batches",
    "Disk Usage",
    "Exact Heap Blocks",
    "Lossy Heap Blocks",
    "Cache Key",
    "Cache Hits",
    "Cache Misses",
    "Cache Evictions",
    "Workers Planned",
    "Workers Launched",
    "Subplans Removed",
    "Shared Hit Blocks",
    "Shared Read Blocks",
    "Shared Dirtied Blocks",
    "Shared Written Blocks",
    "Temp Read Blocks",
    "Temp Written Blocks",
    "I/O Read Time",
    "I/O Write Time",
    "Disabled",
];

/// Reads a JSON plan (also Django's old Python-literal form, and JSON hard-wrapped mid-token).
pub fn parse_json(lines: &[Line]) -> Result<Vec<Plan>, (u32, String)> {
    let start = lines
        .iter()
        .position(|l| l.text.trim_start().starts_with(['[', '{']))
        .ok_or((lines.first().map_or(1, |l| l.no), "no JSON array or object found".to_string()))?;
    let first_line = lines[start].no;
    let text: String = lines[start..].iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join("\n");
    let value = serde_json::from_str::<Value>(&text)
        .or_else(|_| serde_json::from_str::<Value>(&python_literal_to_json(&text)))
        .or_else(|_| serde_json::from_str::<Value>(&text.replace('\n', "")))
        .or_else(|_| serde_json::from_str::<Value>(&python_literal_to_json(&text.replace('\n', ""))))
        .map_err(|e| (first_line + e.line().saturating_sub(1) as u32, format!("the JSON plan does not parse: {e}")))?;
    Ok(from_value(&value, "json", first_line))
}

/// Django before ticket #32226 printed `explain(format="json")` as a Python repr: single quotes,
/// `True`/`False`/`None`. Converts it token by token (quotes inside strings are kept).
fn python_literal_to_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' || c == '"' {
            let quote = c;
            out.push('"');
            i += 1;
            while i < chars.len() && chars[i] != quote {
                match chars[i] {
                    '\\' if i + 1 < chars.len() => {
                        let next = chars[i + 1];
                        if next == '\'' {
                            out.push('\'');
                        } else {
                            out.push('\\');
                            out.push(next);
                        }
                        i += 2;
                        continue;
                    }
                    '"' => out.push_str("\\\""),
                    other => out.push(other),
                }
                i += 1;
            }
            out.push('"');
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            out.push_str(match word.as_str() {
                "True" => "true",
                "False" => "false",
                "None" => "null",
                other => other,
            });
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Plans from a parsed value: `[{"Plan": ...}]`, `{"Plan": ...}` or several.
pub fn from_value(v: &Value, format: &str, line: u32) -> Vec<Plan> {
    let items: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    items
        .into_iter()
        .filter_map(|item| {
            let obj = item.as_object()?;
            let plan = obj.get("Plan")?;
            let root = read_node(plan, line)?;
            let number = |k: &str| obj.get(k).and_then(as_f64);
            let triggers = obj
                .get("Triggers")
                .and_then(Value::as_array)
                .map(|ts| {
                    ts.iter()
                        .filter_map(|t| {
                            let name = t.get("Trigger Name").and_then(Value::as_str).unwrap_or("trigger").to_string();
                            Some((
                                name,
                                t.get("Time").and_then(as_f64)?,
                                t.get("Calls").and_then(as_f64).unwrap_or(0.0),
                            ))
                        })
                        .collect()
                })
                .unwrap_or_default();
            Some(Plan {
                format: format.to_string(),
                root,
                planning_ms: number("Planning Time"),
                execution_ms: number("Execution Time").or_else(|| number("Total Runtime")),
                triggers,
                jit_ms: obj.get("JIT").and_then(|j| j.get("Timing")).and_then(|t| t.get("Total")).and_then(as_f64),
                unparsed: Vec::new(),
                line,
            })
        })
        .collect()
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(text_of).collect::<Vec<_>>().join(", "),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn read_node(v: &Value, line: u32) -> Option<PlanNode> {
    let o = v.as_object()?;
    let s = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_string);
    let n = |k: &str| o.get(k).and_then(as_f64);
    let base = s("Node Type")?;
    let mut node = PlanNode { node_type: display_type(&base, o), line, ..PlanNode::default() };
    let mut scan = ScanOn::default();
    match base.as_str() {
        "Bitmap Index Scan" => scan.index = s("Index Name"),
        "CTE Scan" => {
            scan.cte = s("CTE Name");
            scan.alias = s("Alias");
        }
        "Function Scan" => {
            scan.function = s("Function Name");
            scan.alias = s("Alias");
        }
        "Subquery Scan" => scan.subquery = s("Alias"),
        _ => {
            scan.table = s("Relation Name");
            scan.index = s("Index Name");
            scan.alias = s("Alias").filter(|_| scan.table.is_some());
        }
    }
    node.scan_on = scan;
    node.startup_cost = n("Startup Cost");
    node.total_cost = n("Total Cost");
    node.plan_rows = n("Plan Rows");
    node.plan_width = n("Plan Width");
    node.actual_first_ms = n("Actual Startup Time");
    node.actual_last_ms = n("Actual Total Time");
    node.actual_rows = n("Actual Rows");
    node.loops = n("Actual Loops");
    node.never_executed = node.loops == Some(0.0);
    for key in DETAIL_KEYS {
        if let Some(v) = o.get(*key) {
            node.extra.push(format!("{key}: {}", text_of(v)));
        }
    }
    node.relationship = match (s("Parent Relationship").as_deref(), s("Subplan Name")) {
        (Some("InitPlan"), Some(name)) if name.starts_with("CTE ") => Relationship::Cte(name[4..].trim().to_string()),
        (Some("InitPlan"), Some(name)) => Relationship::InitPlan(name),
        (Some("InitPlan"), None) => Relationship::InitPlan("InitPlan".into()),
        (Some("SubPlan"), name) => Relationship::SubPlan(name.unwrap_or_else(|| "SubPlan".into())),
        _ => Relationship::Child,
    };
    if let Some(children) = o.get("Plans").and_then(Value::as_array) {
        node.children = children.iter().filter_map(|c| read_node(c, line)).collect();
    }
    Some(node)
}

/// The text format's name for a node: joins and aggregate strategies folded in, as psql prints them.
fn display_type(base: &str, o: &Map<String, Value>) -> String {
    let s = |k: &str| o.get(k).and_then(Value::as_str);
    let mut name = match base {
        "Aggregate" => match s("Strategy") {
            Some("Hashed") => "HashAggregate".to_string(),
            Some("Sorted") => "GroupAggregate".to_string(),
            Some("Mixed") => "MixedAggregate".to_string(),
            _ => "Aggregate".to_string(),
        },
        "ModifyTable" => s("Operation").unwrap_or("ModifyTable").to_string(),
        "Nested Loop" | "Hash Join" | "Merge Join" => match s("Join Type") {
            Some(t) if t != "Inner" => {
                let (head, tail) = base.rsplit_once(' ').unwrap_or((base, ""));
                if base == "Nested Loop" {
                    format!("Nested Loop {t} Join")
                } else {
                    format!("{head} {t} {tail}")
                }
            }
            _ => base.to_string(),
        },
        other => other.to_string(),
    };
    if s("Scan Direction") == Some("Backward") {
        name.push_str(" Backward");
    }
    if o.get("Parallel Aware").and_then(Value::as_bool) == Some(true) && !name.starts_with("Parallel") {
        name = format!("Parallel {name}");
    }
    if let Some(p) = s("Partial Mode").filter(|p| *p != "Simple") {
        name = format!("{p} {name}");
    }
    name
}

/// `FORMAT YAML`: a small reader for the subset PostgreSQL prints (maps, `- ` lists, scalars).
pub fn parse_yaml(lines: &[Line]) -> Result<Vec<Plan>, (u32, String)> {
    let start = lines
        .iter()
        .position(|l| l.text.trim_start().starts_with("- Plan:"))
        .ok_or((lines.first().map_or(1, |l| l.no), "no `- Plan:` line found".to_string()))?;
    let body: Vec<(usize, &str, u32)> =
        lines[start..].iter().map(|l| (l.text.len() - l.text.trim_start().len(), l.text.trim_start(), l.no)).collect();
    let mut pos = 0;
    let value = yaml_block(&body, &mut pos, body[0].0);
    Ok(from_value(&value, "yaml", lines[start].no))
}

/// A block at `indent`: a list when its first line starts with `- `, else a map.
fn yaml_block(lines: &[(usize, &str, u32)], pos: &mut usize, indent: usize) -> Value {
    if *pos < lines.len() && lines[*pos].1.starts_with("- ") {
        let mut items = Vec::new();
        while *pos < lines.len() && lines[*pos].0 == indent && lines[*pos].1.starts_with("- ") {
            // The item's first key sits after `- `, two columns deeper.
            let (i, t, n) = lines[*pos];
            let inner = &t[2..];
            let mut synthetic: Vec<(usize, &str, u32)> = vec![(i + 2, inner, n)];
            *pos += 1;
            while *pos < lines.len() && lines[*pos].0 > indent {
                synthetic.push(lines[*pos]);
                *pos += 1;
            }
            let mut p = 0;
            items.push(yaml_block(&synthetic, &mut p, i + 2));
        }
        return Value::Array(items);
    }
    let mut map = Map::new();
    while *pos < lines.len() && lines[*pos].0 == indent {
        let (_, t, _) = lines[*pos];
        *pos += 1;
        let Some((key, rest)) = t.split_once(':') else { continue };
        let rest = rest.trim();
        let value = if rest.is_empty() {
            if *pos < lines.len() && lines[*pos].0 > indent {
                let child = lines[*pos].0;
                yaml_block(lines, pos, child)
            } else if *pos < lines.len() && lines[*pos].0 == indent && lines[*pos].1.starts_with("- ") {
                yaml_block(lines, pos, indent)
            } else {
                Value::Array(Vec::new())
            }
        } else {
            yaml_scalar(rest)
        };
        map.insert(key.trim().to_string(), value);
    }
    Value::Object(map)
}

fn yaml_scalar(t: &str) -> Value {
    if let Some(inner) = t.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        return Value::String(inner.replace("\\\"", "\"").replace("\\\\", "\\"));
    }
    if let Some(inner) = t.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        return Value::String(inner.replace("''", "'"));
    }
    match t {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" | "~" => Value::Null,
        _ => t
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(t.to_string())),
    }
}

/// `FORMAT XML`: elements named like the JSON keys with hyphens; `<Plans>` holds `<Plan>` items.
pub fn parse_xml(lines: &[Line]) -> Result<Vec<Plan>, (u32, String)> {
    let start = lines
        .iter()
        .position(|l| l.text.trim_start().starts_with("<explain") || l.text.trim_start().starts_with("<?xml"))
        .ok_or((lines.first().map_or(1, |l| l.no), "no `<explain>` element found".to_string()))?;
    let text: String = lines[start..].iter().map(|l| l.text.trim()).collect::<Vec<_>>().join("");
    let mut pos = 0;
    let tokens = xml_tokens(&text);
    let root =
        xml_element(&tokens, &mut pos).ok_or((lines[start].no, "the XML plan is not well formed".to_string()))?;
    // <explain><Query>...</Query>...</explain>
    let queries: Vec<Value> = match root {
        Value::Object(mut m) => match m.remove("Query") {
            Some(Value::Array(a)) => a,
            Some(q) => vec![q],
            None => Vec::new(),
        },
        _ => Vec::new(),
    };
    Ok(from_value(&Value::Array(queries), "xml", lines[start].no))
}

enum Tok<'a> {
    Open(&'a str),
    Close,
    Text(&'a str),
}

fn xml_tokens(text: &str) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(stripped) = rest.strip_prefix('<') {
            let Some(end) = stripped.find('>') else { break };
            let tag = &stripped[..end];
            rest = &stripped[end + 1..];
            if tag.starts_with('?') || tag.starts_with('!') {
                continue;
            }
            if tag.starts_with('/') {
                out.push(Tok::Close);
            } else if let Some(name) = tag.strip_suffix('/') {
                let name = name.split_whitespace().next().unwrap_or("");
                out.push(Tok::Open(name));
                out.push(Tok::Close);
            } else {
                out.push(Tok::Open(tag.split_whitespace().next().unwrap_or("")));
            }
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            out.push(Tok::Text(&rest[..end]));
            rest = &rest[end..];
        }
    }
    out
}

/// One element: text content becomes a scalar, children a map (repeated names a list, and
/// `<Plans>`/`<Triggers>` always a list).
fn xml_element(tokens: &[Tok<'_>], pos: &mut usize) -> Option<Value> {
    let Tok::Open(name) = tokens.get(*pos)? else { return None };
    let name = *name;
    *pos += 1;
    let mut text = String::new();
    let mut children: Vec<(String, Value)> = Vec::new();
    while let Some(t) = tokens.get(*pos) {
        match t {
            Tok::Close => {
                *pos += 1;
                break;
            }
            Tok::Text(s) => {
                text.push_str(s);
                *pos += 1;
            }
            Tok::Open(child) => {
                let key = child.replace('-', " ");
                let v = xml_element(tokens, pos)?;
                children.push((key, v));
            }
        }
    }
    if children.is_empty() {
        let t = unescape(text.trim());
        return Some(match name {
            "Plans" | "Triggers" => Value::Array(Vec::new()),
            _ => t
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .unwrap_or(Value::String(t)),
        });
    }
    if matches!(name, "Plans" | "Triggers" | "Group-Key" | "Sort-Key" | "Output") {
        return Some(Value::Array(children.into_iter().map(|(_, v)| v).collect()));
    }
    let mut map = Map::new();
    for (k, v) in children {
        match map.get_mut(&k) {
            Some(Value::Array(a)) if k == "Query" => a.push(v),
            Some(existing) if k == "Query" => {
                let first = existing.take();
                *existing = Value::Array(vec![first, v]);
            }
            _ => {
                map.insert(k, v);
            }
        }
    }
    Some(Value::Object(map))
}

fn unescape(t: &str) -> String {
    t.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::python_literal_to_json;

    #[test]
    fn python_reprs_become_json_without_touching_apostrophes_in_strings() {
        let repr = "[{'Plan': {'Node Type': 'Seq Scan', 'Filter': \"(name = 'x'::text)\", 'Parallel Aware': False}}]";
        let v: serde_json::Value = serde_json::from_str(&python_literal_to_json(repr)).expect("json");
        assert_eq!(v[0]["Plan"]["Filter"], "(name = 'x'::text)");
        assert_eq!(v[0]["Plan"]["Parallel Aware"], false);
    }
}
