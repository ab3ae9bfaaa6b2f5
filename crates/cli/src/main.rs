//! `djreview`: the engine on the command line, for CI and pre-commit.
//!
//! ```text
//! djreview check [--format text|json|markdown|sarif] [--postgres N] [--fail-on LEVEL] [--changed-only] PATH...
//! ```
//! Exit status: 0 when no finding is at or above the fail level (default `high`), 1 when one is,
//! 2 on a usage or IO error.

mod args;
mod walk;

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

use engine::render;
use engine::{analyze_for_exit, Project, SourceFile};

use args::{Command, Format};

/// The syntax trees are millions of small allocations; mimalloc serves them faster than the system
/// allocator (about a tenth of the CLI's CPU time on a large project).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    match args::parse(&argv) {
        Ok(Command::Help) => {
            print!("{}", args::USAGE);
            ExitCode::SUCCESS
        }
        Ok(Command::Version) => {
            println!("djreview {}", engine::VERSION);
            ExitCode::SUCCESS
        }
        Ok(Command::Rules) => {
            for r in engine::registry::RULES {
                println!(
                    "{}  {:<28} {:<13} {:<8} {}",
                    r.meta.code,
                    r.meta.name,
                    r.meta.category.as_str(),
                    r.meta.severity.as_str(),
                    r.meta.summary()
                );
            }
            ExitCode::SUCCESS
        }
        Ok(Command::Rule(code)) => match engine::registry::find_rule(&code) {
            Some(meta) => {
                println!("# {} {}\n", meta.code, meta.name);
                println!(
                    "category: {} · severity: {} · confidence: {} · playbook: {}\n",
                    meta.category.as_str(),
                    meta.severity.as_str(),
                    meta.confidence.as_str(),
                    meta.playbook
                );
                print!("{}", meta.docs_markdown());
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("djreview: no rule named `{code}` (see `djreview rules`)");
                ExitCode::from(2)
            }
        },
        Ok(Command::Check(check)) => run_check(check),
        Err(message) => {
            eprintln!("djreview: {message}\n\n{}", args::USAGE);
            ExitCode::from(2)
        }
    }
}

fn run_check(check: args::Check) -> ExitCode {
    let mut files = Vec::new();
    let mut stdin_used = false;
    for path in &check.paths {
        if path == "-" {
            if stdin_used {
                continue;
            }
            stdin_used = true;
            let mut bytes = Vec::new();
            if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
                eprintln!("djreview: cannot read standard input: {e}");
                return ExitCode::from(2);
            }
            match walk::decode(bytes) {
                Some(text) => files.push(SourceFile::new("", text)),
                None => eprintln!("djreview: standard input looks binary; skipped"),
            }
            continue;
        }
        match walk::collect(std::path::Path::new(path)) {
            Ok(found) => {
                for w in found.warnings {
                    eprintln!("djreview: {w}");
                }
                files.extend(found.files);
            }
            Err(e) => {
                eprintln!("djreview: {path}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let project = Project::new(files);
    let report = analyze_for_exit(&project, &check.options);
    let color = match check.color {
        args::Color::Always => true,
        args::Color::Never => false,
        args::Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let written = write_report(&mut stdout, check.format, color, &report, &project);
    if let Err(e) = written.and_then(|_| stdout.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("djreview: cannot write the report: {e}");
            return ExitCode::from(2);
        }
    }
    let status = match check.fail_on {
        Some(level) if report.count_at_least(level) > 0 => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    };
    // The process ends here: let the operating system reclaim the files and the report rather than
    // freeing them piece by piece.
    std::mem::forget(report);
    std::mem::forget(project);
    status
}

/// Writes the report in the chosen format.
fn write_report(
    out: &mut impl Write,
    format: Format,
    color: bool,
    report: &engine::Report,
    project: &Project,
) -> std::io::Result<()> {
    let text = match format {
        // Written as it is serialised: a large project's report is megabytes, and building it as a
        // string first (compact, then laid out) held three copies. Same bytes as `render::json`.
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, report).map_err(std::io::Error::from)?;
            return out.write_all(b"\n");
        }
        Format::Text => render::text::render(report, project, color),
        Format::Markdown => render::markdown::render(report, project, None),
        Format::Sarif => render::sarif::render(report) + "\n",
    };
    out.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file under `dir`, as the walk would hand them over.
    fn files_under(dir: &std::path::Path, out: &mut Vec<SourceFile>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).expect("fixture folder").flatten().map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                files_under(&path, out);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                out.push(SourceFile::new(path.to_string_lossy(), text));
            }
        }
    }

    #[test]
    fn streamed_json_is_byte_for_byte_the_engines_json() {
        let mut files = Vec::new();
        for fixture in ["blog", "shop", "plans"] {
            files_under(
                &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(fixture),
                &mut files,
            );
        }
        let project = Project::new(files);
        let report = engine::analyze(&project, &engine::Options::default());
        assert!(!report.findings.is_empty() && !report.migrations.is_empty() && !report.plans.is_empty());
        let mut streamed = Vec::new();
        write_report(&mut streamed, Format::Json, false, &report, &project).expect("writes to memory");
        assert_eq!(String::from_utf8(streamed).expect("UTF-8"), render::json(&report) + "\n");
    }
}
