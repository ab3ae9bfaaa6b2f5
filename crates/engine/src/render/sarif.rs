//! SARIF 2.1.0 for code-scanning upload (GitHub, GitLab, Azure DevOps).

use serde_json::{json, Value};

use crate::registry::RULES;
use crate::report::{Report, Severity};

pub fn render(report: &Report) -> String {
    render_with_docs(report, None)
}

/// With the rule docs from a loaded bundle (the web app's engine carries none).
pub fn render_with_docs(report: &Report, docs: Option<&crate::docs::DocsBundle>) -> String {
    // Compact, then laid out: the same text as `to_string_pretty` without its serialiser (see `super::pretty`).
    serde_json::to_string(&sarif_with_docs(report, docs)).map(|compact| super::pretty(&compact)).unwrap_or_default()
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

pub fn sarif(report: &Report) -> Value {
    sarif_with_docs(report, None)
}

fn sarif_with_docs(report: &Report, docs: Option<&crate::docs::DocsBundle>) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            let m = r.meta;
            let md = docs.and_then(|d| d.rule(m.code)).map(str::to_string).unwrap_or_else(|| m.docs_markdown());
            let summary = match crate::rule::summary_of(&md) {
                s if s.is_empty() => m.name.replace('-', " "),
                s => s,
            };
            json!({
                "id": m.code,
                "name": m.name,
                "shortDescription": { "text": summary },
                "fullDescription": { "text": summary },
                "help": { "text": md, "markdown": md },
                "defaultConfiguration": { "level": level(m.severity) },
                "properties": {
                    "category": m.category.as_str(),
                    "confidence": m.confidence.as_str(),
                    "tags": [m.category.as_str()],
                    "precision": match m.confidence { crate::Confidence::High => "high", crate::Confidence::Medium => "medium", crate::Confidence::Low => "low" },
                }
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let rule_index = RULES.iter().position(|r| r.meta.code == f.code);
            let mut message = f.message.clone();
            if let Some(fix) = &f.fix {
                message.push_str("\nFix: ");
                message.push_str(&fix.summary);
            }
            let mut result = json!({
                "ruleId": f.code,
                "level": level(f.severity),
                "message": { "text": message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&f.path) },
                        "region": {
                            "startLine": f.line.max(1),
                            "startColumn": f.column.max(1),
                            "endLine": f.end_line.max(f.line).max(1),
                            "endColumn": f.end_column.max(1),
                        }
                    }
                }],
                "properties": {
                    "severity": f.severity.as_str(),
                    "confidence": f.confidence.as_str(),
                    "category": f.category.as_str(),
                    "playbook": f.playbook,
                },
            });
            if let Some(i) = rule_index {
                result["ruleIndex"] = json!(i);
            }
            if let Some(id) = &f.django_id {
                result["properties"]["django_id"] = json!(id);
            }
            result
        })
        .collect();
    let mut run_properties = serde_json::Map::new();
    if report.redacted > 0 {
        run_properties.insert("redactedSecrets".into(), json!(report.redacted));
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "djreview",
                    "version": crate::VERSION,
                    "semanticVersion": crate::VERSION,
                    "informationUri": "https://github.com/djreview/djreview",
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": run_properties,
        }]
    })
}

/// A relative URI for a report path (`<input 1>` and spaces are percent-encoded).
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("blog/views.py"), "blog/views.py");
        assert_eq!(uri("<input 1>"), "%3Cinput%201%3E");
    }
}
