//! Human-readable findings, like rustc: the message, the location, the source line with carets, the
//! fix and where to read more.

use std::fmt::Write;

use crate::project::Project;
use crate::report::{Finding, Report, Severity};

use super::{diff_note, Sources};

/// Renders every finding and a summary line.
pub fn render(report: &Report, project: &Project, color: bool) -> String {
    let mut out = String::new();
    let sources = Sources::new(project);
    for f in &report.findings {
        render_finding(&mut out, f, sources.line(&f.path, f.line), color);
        out.push('\n');
    }
    for d in &report.diffs {
        for file in &d.files {
            for note in &file.notes {
                let _ = writeln!(out, "note: {}: {}: {note}", d.path, file.path);
            }
        }
    }
    if !report.diffs.is_empty() {
        out.push('\n');
    }
    let counts = report.count_by_severity();
    let by_level: Vec<String> =
        Severity::ALL.iter().rev().filter_map(|s| counts.get(s).map(|n| format!("{n} {}", s.as_str()))).collect();
    let n = report.findings.len();
    let _ = write!(out, "{n} finding{}", if n == 1 { "" } else { "s" });
    if !by_level.is_empty() {
        let _ = write!(out, " ({})", by_level.join(", "));
    }
    if !report.suppressed.is_empty() {
        let _ = write!(out, ", {} suppressed", report.suppressed.len());
    }
    let _ = write!(out, " in {} file{}", report.files.len(), if report.files.len() == 1 { "" } else { "s" });
    match report.scores.overall {
        Some(s) => {
            let _ = writeln!(out, "; score {s}/100");
        }
        None => out.push_str("; nothing to score\n"),
    }
    out
}

fn paint(color: bool, code: &str, s: &str) -> String {
    if color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

fn severity_color(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "1;31",
        Severity::Medium => "1;33",
        Severity::Low => "1;36",
        Severity::Info => "1;34",
    }
}

/// One finding in rustc's layout; `line` is the source line it starts on, when known.
pub fn render_finding(out: &mut String, f: &Finding, line: Option<&str>, color: bool) {
    let head = format!("{}[{}]", f.severity.as_str(), f.code);
    let _ = writeln!(out, "{}: {}", paint(color, severity_color(f.severity), &head), paint(color, "1", &f.message));
    let gutter = f.line.to_string().len();
    let pad = " ".repeat(gutter);
    let place = diff_note(f).map(|n| format!(" ({n})")).unwrap_or_default();
    let _ = writeln!(out, "{pad}{} {}:{}:{}{place}", paint(color, "1;34", "-->"), f.path, f.line, f.column);
    if let Some(line) = line {
        let bar = paint(color, "1;34", "|");
        let _ = writeln!(out, "{pad} {bar}");
        let shown: String = line.chars().map(|c| if c == '\t' { ' ' } else { c }).collect();
        let _ = writeln!(out, "{} {bar} {}", paint(color, "1;34", &f.line.to_string()), shown);
        let width = line.chars().count() as u32;
        let start = f.column.clamp(1, width.max(1));
        let end = if f.end_line == f.line {
            f.end_column.clamp(start + 1, width.max(start) + 1)
        } else {
            width.max(start) + 1
        };
        let carets = "^".repeat((end - start) as usize);
        let _ = writeln!(
            out,
            "{pad} {bar} {}{}",
            " ".repeat((start - 1) as usize),
            paint(color, severity_color(f.severity), &carets)
        );
    }
    let eq = paint(color, "1;34", "=");
    let _ =
        writeln!(out, "{pad} {eq} {}: {} ({} confidence)", paint(color, "1", "rule"), f.name, f.confidence.as_str());
    if let Some(fix) = &f.fix {
        let _ = writeln!(out, "{pad} {eq} {}: {}", paint(color, "1", "fix"), fix.summary);
        if !fix.after.is_empty() {
            for line in fix.after.lines() {
                let _ = writeln!(out, "{pad}     {}", paint(color, "32", line));
            }
        }
    }
    let _ = writeln!(out, "{pad} {eq} {}: playbook#{}", paint(color, "1", "see"), f.playbook);
}
