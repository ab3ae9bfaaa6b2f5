//! Renderers over a [`Report`](crate::Report): plain text (CLI and snapshots), JSON (the CLI contract),
//! Markdown (pull-request comments), SARIF 2.1.0 (code scanning), and HTML for Markdown docs.
//! The CLI and the web app use the same functions.

pub mod html;
pub mod markdown;
pub mod sarif;
pub mod text;

use crate::project::Project;

/// The text of the file a report path refers to (report paths name unnamed inputs `<input N>`).
pub fn source_for<'p>(project: &'p Project, path: &str) -> Option<&'p str> {
    project
        .files
        .iter()
        .enumerate()
        .find(|(i, f)| crate::analysis::display_path(&f.path, *i) == path)
        .map(|(_, f)| f.text.as_str())
}

/// The report as the CLI's JSON (schema version 1), pretty-printed.
pub fn json(report: &crate::Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// A Markdown code fence long enough that `code` cannot close it early.
pub(crate) fn fence_for(code: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in code.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}
