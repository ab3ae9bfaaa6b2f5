//! Helpers shared by the fuzz targets: turning raw bytes into a project, options and checks that
//! every target applies to the report it gets back.

use djreview_engine::{analyze, render, FileKind, Options, Profile, Project, Report, SourceFile};

/// Separates the files of one input. A line of its own, so seeds stay readable and the fuzzer finds
/// it quickly through its comparison tracing.
pub const SEPARATOR: &str = "\n#~~~~\n";

/// Bytes to text the way the CLI reads a file that is not valid UTF-8.
pub fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// Options steered by a leading control byte (0xF8..=0xFF never starts valid UTF-8, so seeds
/// written as text keep the defaults). Returns the options and the rest of the input.
pub fn options(data: &[u8]) -> (Options, &[u8]) {
    match data.first() {
        Some(&b) if b >= 0xF8 => {
            let options = Options {
                postgres: if b & 1 != 0 { 11 } else { 16 },
                profile: if b & 2 != 0 { Profile::Development } else { Profile::Production },
                changed_only: b & 4 != 0,
                hot_tables: vec!["app_book".into(), "auth_user".into()],
                disabled_rules: Vec::new(),
                // The Django 6.1 checks ride on the old-PostgreSQL bit (only three bits are free).
                django: if b & 1 != 0 { "6.1".into() } else { "5.2".into() },
            };
            (options, &data[1..])
        }
        _ => (Options::default(), data),
    }
}

/// Splits the input into at most `n` parts at [`SEPARATOR`]; missing parts are absent.
pub fn split(text: &str, n: usize) -> Vec<&str> {
    text.splitn(n, SEPARATOR).collect()
}

/// A file with its kind forced, so the front end under test reads it whatever detection says.
pub fn file(path: &str, text: &str, kind: Option<FileKind>) -> SourceFile {
    SourceFile { path: path.into(), text: text.into(), kind }
}

/// Runs the whole pipeline and the renderers that quote the input (text excerpts, Markdown, JSON),
/// and checks the positions the report gives. SARIF is left out: it writes the whole rule catalogue
/// every time, which took most of each run and reads nothing from the input that JSON does not.
pub fn analyze_and_render(project: &Project, options: &Options) -> Report {
    let report = analyze(project, options);
    check(&report, project);
    let _ = render::text::render(&report, project, false);
    let _ = render::json(&report);
    let _ = render::markdown::render(&report, project, None);
    report
}

/// Every file is reported, and positions are 1-based with spans that do not end before they start.
fn check(report: &Report, project: &Project) {
    assert!(report.files.len() >= project.files.len().min(1), "a file went missing");
    for f in report.findings.iter().chain(&report.suppressed) {
        assert!(f.line >= 1 && f.column >= 1, "position before the start: {f:?}");
        assert!(f.end_line >= f.line, "span ends before it starts: {f:?}");
    }
}
