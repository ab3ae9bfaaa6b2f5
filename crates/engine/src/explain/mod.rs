//! PostgreSQL `EXPLAIN` plans: read every format users paste, compute where the time goes, and find
//! what to change, in Django terms.

pub mod clean;
pub mod metrics;
pub mod plan;
pub mod structured;
pub mod text;

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
