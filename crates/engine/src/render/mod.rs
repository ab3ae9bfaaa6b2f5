//! Renderers over a [`Report`](crate::Report): plain text (CLI and snapshots), JSON (the CLI contract),
//! Markdown (pull-request comments), SARIF 2.1.0 (code scanning), and HTML for Markdown docs.
//! The CLI and the web app use the same functions.

pub mod html;
pub mod markdown;
pub mod sarif;
pub mod text;

use std::borrow::Cow;
use std::collections::HashMap;

use crate::project::Project;

/// The texts findings point into: the project's files by report path, plus the files rebuilt from
/// the diffs among them (lines a diff does not show are blank).
pub struct Sources<'p> {
    texts: HashMap<String, Source<'p>>,
}

struct Source<'p> {
    text: Cow<'p, str>,
    /// Built when a line is first asked for: reports can carry thousands of findings in one big file.
    lines: std::cell::OnceCell<crate::text::LineIndex>,
}

impl<'p> Source<'p> {
    fn new(text: Cow<'p, str>) -> Source<'p> {
        Source { text, lines: std::cell::OnceCell::new() }
    }
}

impl<'p> Sources<'p> {
    pub fn new(project: &'p Project) -> Sources<'p> {
        let mut texts: HashMap<String, Source<'p>> = HashMap::new();
        let mut diffs = Vec::new();
        for (i, f) in project.files.iter().enumerate() {
            let kind = f.kind.unwrap_or_else(|| crate::project::detect_kind(&f.path, &f.text));
            if kind == crate::project::FileKind::Diff {
                diffs.push(f.text.as_str());
            }
            texts.insert(crate::analysis::display_path(&f.path, i), Source::new(Cow::Borrowed(f.text.as_str())));
        }
        for text in diffs {
            for patch in crate::diff::parse(text).files {
                if let Some(path) = patch.new_path.clone() {
                    texts
                        .entry(path)
                        .or_insert_with(|| Source::new(Cow::Owned(crate::diff::rebuild(&patch, false, &[]).text)));
                }
            }
        }
        Sources { texts }
    }

    /// The text of the file a report path refers to (report paths name unnamed inputs `<input N>`).
    pub fn text(&self, path: &str) -> Option<&str> {
        self.texts.get(path).map(|s| s.text.as_ref())
    }

    /// Line `n` (1-based, without its line ending) of the file a report path refers to.
    pub fn line(&self, path: &str, n: u32) -> Option<&str> {
        let source = self.texts.get(path)?;
        let text = source.text.as_ref();
        source.lines.get_or_init(|| crate::text::LineIndex::new(text)).line(text, n)
    }
}

/// Where a finding sits in a diff, for the location line of text and Markdown output.
pub(crate) fn diff_note(f: &crate::report::Finding) -> Option<String> {
    let d = f.diff.as_ref()?;
    let at = d.line.map(|l| format!("{}:{l}", d.path)).unwrap_or_else(|| d.path.clone());
    Some(if d.changed { format!("changed line, {at}") } else { format!("unchanged, {at}") })
}

/// The report as the CLI's JSON (schema version 1), pretty-printed.
pub fn json(report: &crate::Report) -> String {
    serde_json::to_string(report).map(|compact| pretty(&compact)).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// serde_json's compact output laid out exactly as `serde_json::to_string_pretty` would write it
/// (two-space indent, `": "` after keys, `[]` and `{}` for empty containers). The web app serialises
/// with the compact formatter elsewhere (share links, autosave, worker messages); laying it out
/// afterwards keeps a second, pretty copy of every serialiser out of the wasm.
pub(crate) fn pretty(compact: &str) -> String {
    let bytes = compact.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut i = 0;
    let newline = |out: &mut Vec<u8>, depth: usize| {
        out.push(b'\n');
        out.resize(out.len() + 2 * depth, b' ');
    };
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            out.push(b);
            if b == b'\\' {
                // An escape: the next byte is part of it (never a quote that ends the string).
                if let Some(&next) = bytes.get(i + 1) {
                    out.push(next);
                    i += 1;
                }
            } else if b == b'"' {
                in_string = false;
            }
        } else {
            match b {
                b'"' => {
                    in_string = true;
                    out.push(b);
                }
                b'{' | b'[' => {
                    out.push(b);
                    let close = if b == b'{' { b'}' } else { b']' };
                    if bytes.get(i + 1) == Some(&close) {
                        out.push(close);
                        i += 1;
                    } else {
                        depth += 1;
                        newline(&mut out, depth);
                    }
                }
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    newline(&mut out, depth);
                    out.push(b);
                }
                b',' => {
                    out.push(b);
                    newline(&mut out, depth);
                }
                b':' => out.extend_from_slice(b": "),
                _ => out.push(b),
            }
        }
        i += 1;
    }
    // Only ASCII bytes were added, between whole UTF-8 sequences of valid input.
    String::from_utf8(out).unwrap_or_default()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::SourceFile;

    #[test]
    fn pretty_lays_out_compact_json_as_serde_json_does() {
        // Every rule fixture and the text plans of the explain corpus, with a non-ASCII line.
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests");
        let mut files = vec![SourceFile::new("u.py", "x = \"\\\"q\\\\ \\u00e9 ✓\"\nprint(x")];
        for sub in ["fixtures", "explain-corpus/text"] {
            for e in std::fs::read_dir(format!("{dir}/{sub}")).unwrap().flatten() {
                let text = std::fs::read_to_string(e.path()).unwrap();
                files.push(SourceFile::new(format!("{sub}/{}", e.file_name().to_string_lossy()), text));
            }
        }
        let report = crate::analyze(&Project::new(files), &crate::Options::default());
        assert!(!report.findings.is_empty() && !report.plans.is_empty());
        assert_eq!(json(&report), serde_json::to_string_pretty(&report).unwrap());
        for v in [
            serde_json::json!({}),
            serde_json::json!([]),
            serde_json::json!({"a": [], "b": {}, "c": [[], [{}], {"d": [1, 2.5, null, true]}], "e": "x:,{}[]\"\\\n"}),
            serde_json::json!("lone"),
            serde_json::json!(-3),
        ] {
            assert_eq!(pretty(&serde_json::to_string(&v).unwrap()), serde_json::to_string_pretty(&v).unwrap());
        }
    }

    #[test]
    fn lines_are_found_by_number_whatever_the_line_endings() {
        let project = Project::new(vec![SourceFile::new("a.py", "one\r\ntwo\n\nfour")]);
        let sources = Sources::new(&project);
        let lines: Vec<_> = (0..=5).map(|n| sources.line("a.py", n)).collect();
        assert_eq!(lines, [None, Some("one"), Some("two"), Some(""), Some("four"), None]);
        assert_eq!(sources.line("missing.py", 1), None);
        for n in 1..=4 {
            assert_eq!(sources.line("a.py", n), crate::text::nth_line(&project.files[0].text, n));
        }
    }
}
