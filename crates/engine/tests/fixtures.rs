//! Fixture snapshots: each file in `tests/fixtures/` is a small project (sections start with
//! `# === path`), named after the rule it exercises, holding flagged cases and near misses. The
//! snapshot is the CLI's text output for it, so a change in any message, span or fix shows up in review.

use djreview_engine::{analyze, render, Options, Project, SourceFile};

fn project_from_fixture(text: &str) -> Project {
    let mut files: Vec<SourceFile> = Vec::new();
    for line in text.split_inclusive('\n') {
        if let Some(path) = line.strip_prefix("# === ") {
            files.push(SourceFile::new(path.trim(), ""));
            continue;
        }
        match files.last_mut() {
            Some(f) => f.text.push_str(line),
            None => files.push(SourceFile::new("fixture.py", line)),
        }
    }
    Project::new(files)
}

#[test]
fn rule_fixtures() {
    insta::glob!("fixtures/*", |path| {
        let text = std::fs::read_to_string(path).expect("fixture is readable");
        let project = project_from_fixture(&text);
        let report = analyze(&project, &Options::default());
        let mut out = render::text::render(&report, &project, false);
        for f in &report.suppressed {
            out.push_str(&format!("suppressed: {} {}:{}\n", f.code, f.path, f.line));
        }
        insta::assert_snapshot!(out);
    });
}

#[test]
fn each_rule_code_with_a_fixture_fires_in_it() {
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures")).expect("fixtures dir") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        let code = &name[..6];
        let project = project_from_fixture(&std::fs::read_to_string(&path).expect("readable"));
        let report = analyze(&project, &Options::default());
        assert!(report.findings.iter().any(|f| f.code == code), "{name} does not trigger {code}");
    }
}
