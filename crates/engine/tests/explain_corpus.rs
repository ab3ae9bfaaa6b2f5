//! Every plan of the corpus parses, and its tree and per-node times match the expectations shipped
//! with it (see `tests/explain-corpus/README.md`: Pg::Explain's test plans, as data).

use std::path::{Path, PathBuf};

use djreview_engine::explain::plan::{PlanNode, Relationship};
use serde_json::{json, Map, Value};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/explain-corpus")
}

fn plan_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in std::fs::read_dir(corpus()).expect("corpus") {
        let dir = dir.expect("entry").path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&dir).expect("dir") {
            let f = f.expect("entry").path();
            if f.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.contains(".plan.")) {
                out.push(f);
            }
        }
    }
    out.sort();
    out
}

fn companion(plan: &Path, suffix: &str) -> PathBuf {
    let name = plan.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let stem = &name[..name.find(".plan.").unwrap_or(name.len())];
    plan.with_file_name(format!("{stem}{suffix}"))
}

/// Our tree in the expectation's shape. For JSON, YAML and XML, Pg::Explain keeps only the
/// condition keys as detail lines (`conditions_only`); we keep every detail, so compare those.
fn to_struct(n: &PlanNode, conditions_only: bool) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), json!(n.node_type));
    let mut scan = Map::new();
    let s = &n.scan_on;
    let mut put = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            scan.insert(k.into(), json!(v));
        }
    };
    if s.cte.is_some() {
        put("cte_name", &s.cte);
        put("cte_alias", &s.alias);
    } else if s.function.is_some() {
        put("function_name", &s.function);
        put("function_alias", &s.alias);
    } else {
        put("table_name", &s.table);
        put("table_alias", &s.alias);
    }
    put("index_name", &s.index);
    put("subquery_name", &s.subquery);
    if !scan.is_empty() {
        m.insert("scan_on".into(), Value::Object(scan));
    }
    let num = |m: &mut Map<String, Value>, k: &str, v: Option<f64>| {
        if let Some(v) = v {
            m.insert(k.into(), json!(v));
        }
    };
    num(&mut m, "estimated_startup_cost", n.startup_cost);
    num(&mut m, "estimated_total_cost", n.total_cost);
    num(&mut m, "estimated_rows", n.plan_rows);
    num(&mut m, "estimated_row_width", n.plan_width);
    let analyzed = n.actual_last_ms.is_some() || n.actual_rows.is_some() || n.loops.is_some();
    m.insert("is_analyzed".into(), json!(if analyzed { 1 } else { 0 }));
    if analyzed {
        num(&mut m, "actual_time_first", n.actual_first_ms);
        num(&mut m, "actual_time_last", n.actual_last_ms);
        num(&mut m, "actual_rows", n.actual_rows);
        num(&mut m, "actual_loops", n.loops);
    }
    const CONDITIONS: &[&str] = &[
        "Filter",
        "Index Cond",
        "Recheck Cond",
        "Join Filter",
        "Hash Cond",
        "Merge Cond",
        "One-Time Filter",
        "TID Cond",
    ];
    let extra: Vec<&str> = n
        .extra
        .iter()
        .map(|e| e.trim())
        .filter(|e| !conditions_only || CONDITIONS.iter().any(|c| e.split(':').next() == Some(*c)))
        .collect();
    if !extra.is_empty() {
        m.insert("extra_info".into(), json!(extra));
    }
    let group = |rel: fn(&Relationship) -> bool| -> Vec<Value> {
        n.children.iter().filter(|c| rel(&c.relationship)).map(|c| to_struct(c, conditions_only)).collect()
    };
    let sub = group(|r| matches!(r, Relationship::Child));
    let init = group(|r| matches!(r, Relationship::InitPlan(_)));
    let subplans = group(|r| matches!(r, Relationship::SubPlan(_)));
    if !sub.is_empty() {
        m.insert("sub_nodes".into(), Value::Array(sub));
    }
    if !init.is_empty() {
        m.insert("initplans".into(), Value::Array(init));
    }
    if !subplans.is_empty() {
        m.insert("subplans".into(), Value::Array(subplans));
    }
    let ctes: Vec<(&str, Value)> = n
        .children
        .iter()
        .filter_map(|c| match &c.relationship {
            Relationship::Cte(name) => Some((name.as_str(), to_struct(c, conditions_only))),
            _ => None,
        })
        .collect();
    if !ctes.is_empty() {
        m.insert("cte_order".into(), json!(ctes.iter().map(|(k, _)| *k).collect::<Vec<_>>()));
        m.insert("ctes".into(), Value::Object(ctes.into_iter().map(|(k, v)| (k.to_string(), v)).collect()));
    }
    Value::Object(m)
}

/// Deep equality with numbers compared numerically (the expectations keep some as strings).
fn same(a: &Value, b: &Value, at: &str, diffs: &mut Vec<String>) {
    let number = |v: &Value| match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse::<f64>().ok(),
        _ => None,
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => same(p, q, &format!("{at}.{k}"), diffs),
                    (p, q) => diffs.push(format!("{at}.{k}: ours {p:?}, expected {q:?}")),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                diffs.push(format!("{at}: {} items, expected {}", x.len(), y.len()));
            }
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                same(p, q, &format!("{at}[{i}]"), diffs);
            }
        }
        _ => match (number(a), number(b)) {
            (Some(p), Some(q)) if (p - q).abs() < 1e-6 => {}
            _ if a == b => {}
            _ => diffs.push(format!("{at}: ours {a}, expected {b}")),
        },
    }
}

#[test]
fn every_corpus_plan_parses_into_the_expected_tree() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for plan in plan_files() {
        let text = std::fs::read_to_string(&plan).expect("plan");
        let parsed = djreview_engine::explain::parse(&text);
        if !parsed.errors.is_empty() || parsed.plans.is_empty() {
            failures.push(format!("{}: {:?}", plan.display(), parsed.errors));
            continue;
        }
        let expect = companion(&plan, ".expect.json");
        if !expect.exists() {
            continue;
        }
        let expected: Value = serde_json::from_str(&std::fs::read_to_string(&expect).expect("expect")).expect("json");
        let mut diffs = Vec::new();
        let structured = parsed.plans[0].format != "text";
        same(&to_struct(&parsed.plans[0].root, structured), &expected, "root", &mut diffs);
        if !diffs.is_empty() {
            failures.push(format!("{}:\n  {}", plan.display(), diffs.join("\n  ")));
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{} plans differ:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(checked, 49, "plans with an expected tree");
}

#[test]
fn node_times_match_the_reference_metrics() {
    let mut failures = Vec::new();
    let mut plans = 0;
    for plan in plan_files() {
        let golden = companion(&plan, ".pgexplain-golden.json");
        let golden: Value = serde_json::from_str(&std::fs::read_to_string(&golden).expect("golden")).expect("json");
        let parsed = djreview_engine::explain::parse(&std::fs::read_to_string(&plan).expect("plan"));
        let Some(first) = parsed.plans.first() else {
            failures.push(format!("{}: no plan", plan.display()));
            continue;
        };
        let ours = first.nodes();
        let theirs = golden["nodes"].as_array().expect("nodes");
        plans += 1;
        if ours.len() != theirs.len() {
            failures.push(format!("{}: {} nodes, expected {}", plan.display(), ours.len(), theirs.len()));
            continue;
        }
        for (i, (o, t)) in ours.iter().zip(theirs).enumerate() {
            if t["type"].as_str() != Some(o.node_type.as_str()) {
                failures.push(format!("{} node {i}: type {} vs {}", plan.display(), o.node_type, t["type"]));
            }
            for (ours, key) in [(o.inclusive_ms, "inclusive_ms"), (o.exclusive_ms, "exclusive_ms")] {
                let expected = t[key].as_f64();
                let close = match (ours, expected) {
                    (Some(a), Some(b)) => (a - b).abs() <= 0.0011 + b.abs() * 1e-6,
                    (None, None) => true,
                    (Some(a), None) => a == 0.0,
                    (None, Some(b)) => b == 0.0,
                };
                if !close {
                    failures.push(format!(
                        "{} node {i} ({}): {key} {ours:?}, expected {expected:?}",
                        plan.display(),
                        o.node_type
                    ));
                }
            }
            // Invariant: no negative time.
            assert!(o.exclusive_ms.is_none_or(|x| x >= 0.0));
        }
    }
    assert!(failures.is_empty(), "{} differences:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(plans, 91);
}

/// Parse → render as text → parse again gives the same tree (the `as_text/` plans exist for this).
#[test]
fn plans_survive_a_round_trip_through_the_text_format() {
    let mut count = 0;
    for plan in plan_files() {
        let parsed = djreview_engine::explain::parse(&std::fs::read_to_string(&plan).expect("plan"));
        let Some(first) = parsed.plans.first() else { continue };
        let rendered = djreview_engine::explain::text::render(first);
        let again = djreview_engine::explain::parse(&rendered);
        assert!(again.errors.is_empty(), "{}: {:?}\n{rendered}", plan.display(), again.errors);
        let mut diffs = Vec::new();
        same(&to_struct(&again.plans[0].root, false), &to_struct(&first.root, false), "root", &mut diffs);
        assert!(diffs.is_empty(), "{}:\n{}\n{rendered}", plan.display(), diffs.join("\n"));
        count += 1;
    }
    assert_eq!(count, 91);
}
