//! In-place suppression: `# djreview: ignore[QRY101]` in Python, `{# djreview: ignore[QRY101] #}` in
//! templates, on the line a finding starts. Codes or kebab names, comma-separated; a bare
//! `djreview: ignore` silences every rule on that line. Suppressed findings are kept and counted.

use std::collections::HashMap;

use crate::report::Finding;
use crate::text::LineIndex;

const MARKER: &str = "djreview: ignore";

/// Splits findings into (kept, suppressed).
pub fn split(findings: Vec<Finding>, texts: &HashMap<String, &str>) -> (Vec<Finding>, Vec<Finding>) {
    // Only files that mention the marker can suppress anything; they are indexed once, since one
    // big file can carry thousands of findings.
    let indexed: HashMap<&str, (&str, LineIndex)> = texts
        .iter()
        .filter(|(_, text)| text.contains(MARKER))
        .map(|(path, text)| (path.as_str(), (*text, LineIndex::new(text))))
        .collect();
    findings.into_iter().partition(|f| {
        let line = indexed.get(f.path.as_str()).and_then(|(text, index)| index.line(text, f.line)).unwrap_or("");
        !suppresses(line, &f.code, &f.name)
    })
}

/// Whether a source line carries a suppression comment covering the rule.
pub fn suppresses(line: &str, code: &str, name: &str) -> bool {
    let Some(pos) = line.find(MARKER) else { return false };
    let before = &line[..pos];
    if !(before.contains('#')) {
        return false;
    }
    let rest = &line[pos + MARKER.len()..];
    let Some(list) = rest.strip_prefix('[') else {
        // A bare marker silences every rule on the line.
        return true;
    };
    let Some(end) = list.find(']') else { return false };
    list[..end].split(',').map(str::trim).any(|item| item.eq_ignore_ascii_case(code) || item == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_codes_names_and_bare_markers() {
        assert!(suppresses("x = b.author  # djreview: ignore[QRY101]", "QRY101", "fk-access-in-loop"));
        assert!(suppresses("x = b.author  # djreview: ignore[qry101, SEC001]", "QRY101", "fk-access-in-loop"));
        assert!(suppresses("x = b.author  # djreview: ignore[fk-access-in-loop]", "QRY101", "fk-access-in-loop"));
        assert!(suppresses("x = b.author  # djreview: ignore", "QRY101", "fk-access-in-loop"));
        assert!(suppresses("{{ p.author }} {# djreview: ignore[TPL101] #}", "TPL101", "x"));
        assert!(!suppresses("x = b.author  # djreview: ignore[QRY102]", "QRY101", "fk-access-in-loop"));
        assert!(!suppresses("x = 'djreview: ignore'", "QRY101", "fk-access-in-loop"));
        assert!(!suppresses("x = b.author", "QRY101", "fk-access-in-loop"));
    }
}
