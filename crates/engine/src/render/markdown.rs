//! A report as Markdown, shaped for a GitHub/GitLab pull-request comment: the score, the scorecard,
//! then the findings by severity with their code and fix.

use std::fmt::Write;

use crate::project::Project;
use crate::report::{Finding, Report, Severity};

use super::{diff_note, fence_for, Sources};

/// How many findings are written out in full; the rest are listed in one line each.
const DETAILED: usize = 10;

pub fn render(report: &Report, project: &Project, link: Option<&str>) -> String {
    let mut out = String::new();
    match report.scores.overall {
        Some(s) => {
            let _ = writeln!(out, "## djreview: {s}/100");
        }
        None => out.push_str("## djreview\n"),
    }
    out.push('\n');
    let counts = report.count_by_severity();
    let summary: Vec<String> =
        Severity::ALL.iter().rev().filter_map(|s| counts.get(s).map(|n| format!("{n} {}", s.as_str()))).collect();
    if report.findings.is_empty() {
        out.push_str("No findings.");
    } else {
        let _ = write!(
            out,
            "**{} finding{}**: {}.",
            report.findings.len(),
            if report.findings.len() == 1 { "" } else { "s" },
            summary.join(", ")
        );
    }
    if !report.suppressed.is_empty() {
        let _ = write!(out, " {} suppressed in the code.", report.suppressed.len());
    }
    if report.redacted > 0 {
        let n = report.redacted;
        let _ = write!(out, " {n} secret{} hidden before export.", if n == 1 { " was" } else { "s were" });
    }
    out.push_str("\n\n");

    let assessed: Vec<_> = report.scores.categories.iter().filter_map(|(c, s)| s.map(|s| (c, s))).collect();
    if !assessed.is_empty() {
        out.push_str("| Checklist | Score |\n|---|---|\n");
        for (cat, s) in assessed {
            let _ = writeln!(out, "| {} | {s} |", cat.title());
        }
        out.push('\n');
    }

    if !report.migrations.is_empty() {
        out.push_str("| Migration | Risk | Verdict | Riskiest operation |\n|---|---|---|---|\n");
        for m in &report.migrations {
            let riskiest = m.operations.iter().max_by_key(|o| o.score).map(|o| {
                let target =
                    [o.model.as_deref(), o.field.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(".");
                escape_cell(&format!("{} {target} ({} lock, {})", o.op, o.lock, o.rewrite))
            });
            let _ = writeln!(
                out,
                "| `{}.{}` | {}/100 | {} | {} |",
                m.app,
                m.name,
                m.score,
                m.verdict,
                riskiest.unwrap_or_default()
            );
        }
        out.push('\n');
    }

    let sources = Sources::new(project);
    let mut ordered: Vec<&Finding> = report.findings.iter().collect();
    crate::sort::sort_by(&mut ordered, |a, b| b.severity.cmp(&a.severity).then(b.confidence.cmp(&a.confidence)));
    for f in ordered.iter().take(DETAILED) {
        let _ = writeln!(out, "### {} `{}` {}\n", severity_badge(f.severity), f.code, f.name);
        let place = diff_note(f).map(|n| format!(", {n}")).unwrap_or_default();
        let _ = writeln!(out, "`{}:{}` ({} confidence{place})\n", f.path, f.line, f.confidence.as_str());
        let _ = writeln!(out, "{}\n", escape_inline(&f.message));
        if let Some(line) = sources.line(&f.path, f.line) {
            let fence = fence_for(line);
            let _ = writeln!(out, "{fence}python\n{}\n{fence}\n", line.trim_end());
        }
        if let Some(fix) = &f.fix {
            let _ = writeln!(out, "**Fix:** {}\n", escape_inline(&fix.summary));
            if !fix.after.is_empty() {
                let fence = fence_for(&format!("{}{}", fix.before, fix.after));
                let _ = writeln!(out, "{fence}diff");
                for l in fix.before.lines() {
                    let _ = writeln!(out, "- {l}");
                }
                for l in fix.after.lines() {
                    let _ = writeln!(out, "+ {l}");
                }
                let _ = writeln!(out, "{fence}\n");
            }
        }
    }
    if ordered.len() > DETAILED {
        let _ = writeln!(out, "<details><summary>{} more</summary>\n", ordered.len() - DETAILED);
        for f in &ordered[DETAILED..] {
            let _ = writeln!(
                out,
                "- {} `{}` `{}:{}`: {}",
                f.severity.as_str(),
                f.code,
                f.path,
                f.line,
                escape_inline(&f.message)
            );
        }
        out.push_str("\n</details>\n\n");
    }
    if let Some(link) = link {
        let _ = writeln!(out, "[Open the full report]({link})");
    }
    out
}

/// A table cell: no pipes or line breaks, and no HTML.
fn escape_cell(s: &str) -> String {
    escape_inline(&s.replace('|', "\\|").replace('\n', " "))
}

fn severity_badge(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "🟥 critical",
        Severity::High => "🟧 high",
        Severity::Medium => "🟨 medium",
        Severity::Low => "🟦 low",
        Severity::Info => "⬜ info",
    }
}

/// Messages quote code in backticks already; keep `<` from being read as HTML by the PR renderer.
fn escape_inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_code = false;
    for c in s.chars() {
        match c {
            '`' => {
                in_code = !in_code;
                out.push(c);
            }
            '<' if !in_code => out.push_str("&lt;"),
            '>' if !in_code => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{analyze, Options, SourceFile};

    fn project(path: &str, text: &str) -> Project {
        Project::new(vec![SourceFile { path: path.into(), text: text.into(), kind: None }])
    }

    #[test]
    fn the_comment_lists_each_migration_with_its_risk_and_the_link() {
        let p = project(
            "shop/migrations/0002_order_note.py",
            "from django.db import migrations, models\n\nclass Migration(migrations.Migration):\n    dependencies = [(\"shop\", \"0001_initial\")]\n    operations = [migrations.AddIndex(\"order\", models.Index(fields=[\"created\"], name=\"order_created\"))]\n",
        );
        let report = analyze(&p, &Options::default());
        let md = render(&report, &p, Some("https://example.test/#s1.abc"));
        assert!(md.contains("| Migration | Risk | Verdict | Riskiest operation |"), "{md}");
        let m = &report.migrations[0];
        assert!(md.contains(&format!("| `shop.0002_order_note` | {}/100 | {} | AddIndex", m.score, m.verdict)), "{md}");
        assert!(md.trim_end().ends_with("[Open the full report](https://example.test/#s1.abc)"), "{md}");
    }

    #[test]
    fn table_cells_cannot_break_the_table_or_carry_html() {
        assert_eq!(escape_cell("a | b\n<script>"), "a \\| b &lt;script&gt;");
    }
}
