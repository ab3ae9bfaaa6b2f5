//! The pipeline: classify and parse every file, build project facts once, run the enabled rules,
//! apply suppressions, sort, score.

use std::collections::{BTreeSet, HashMap};

use crate::diff::{FilePatch, NewLine, PatchStatus, Placement, PythonPlan, Rebuilt};
use crate::facts::code::CodeFacts;
use crate::facts::queries::{self, QueryFacts};
use crate::facts::{ProjectView, PyFile, TemplateFile};
use crate::options::Options;
use crate::project::{detect_kind, FileKind, Project};
use crate::python::parse_python;
use crate::registry::{Check, RULES};
use crate::report::{Category, FileInfo, Finding, Report, Scores};
use crate::report::{DiffFileReport, DiffLocation, DiffReport};
use crate::rule::RuleMeta;
use crate::rules::syntax::syn004_unreadable_diff::UNREADABLE_DIFF;
use crate::rules::syntax::{
    syn001_syntax_error::SYNTAX_ERROR, syn002_unsupported_syntax::UNSUPPORTED_SYNTAX,
    syn003_template_syntax::TEMPLATE_SYNTAX,
};
use crate::text::Span;
use crate::{score, suppress, REPORT_SCHEMA_VERSION};

/// Analyses a project. Never panics on any input; a file that cannot be read as its kind yields a
/// finding for that file and the others are still analysed.
pub fn analyze(project: &Project, options: &Options) -> Report {
    run(project, options, false)
}

/// [`analyze`] for a process that exits right after reporting (the CLI): the working data (syntax
/// trees, project facts, followed querysets) is leaked instead of freed, since freeing millions of
/// small allocations one by one costs a few percent of the run and the operating system reclaims the
/// memory at exit anyway. Same report as [`analyze`].
pub fn analyze_for_exit(project: &Project, options: &Options) -> Report {
    run(project, options, true)
}

fn run(project: &Project, options: &Options, leak: bool) -> Report {
    let mut files = Vec::with_capacity(project.files.len());
    let mut emitter = Emitter::default();
    let mut py_files = Vec::new();
    let mut templates = Vec::new();
    let mut ran: BTreeSet<Category> = BTreeSet::new();
    let mut explain_files: Vec<(String, String)> = Vec::new();
    let mut runtime_files = Vec::new();

    let mut inputs: Vec<Input> = Vec::with_capacity(project.files.len());
    let mut diff_texts: Vec<(String, &str)> = Vec::new();
    // Each file's kind (read from its content unless given) and line count, on every core.
    let kinds_and_lines = crate::par::map(
        &project.files,
        |f| f.text.len(),
        |_, f| (f.kind.unwrap_or_else(|| detect_kind(&f.path, &f.text)), line_count(&f.text)),
    );
    for (i, (f, (kind, lines))) in project.files.iter().zip(kinds_and_lines).enumerate() {
        let path = display_path(&f.path, i);
        files.push(FileInfo { path: path.clone(), kind, lines, kind_overridden: f.kind.is_some() });
        if kind == FileKind::Diff {
            ran.insert(Category::Syntax);
            diff_texts.push((path, f.text.as_str()));
        } else {
            inputs.push(Input { path, text: f.text.clone(), kind, parsed: None, template: None, from_diff: None });
        }
    }
    let expanded = expand_diffs(&diff_texts, &inputs, options, &mut emitter);
    inputs.extend(expanded.inputs);
    parse_ahead(&mut inputs);

    for input in inputs.iter_mut() {
        let Input { path, text, kind, .. } = input;
        let (path, kind) = (path.clone(), *kind);
        let partial = input.from_diff.as_ref().is_some_and(|d| !d.complete);
        if kind.is_python() {
            ran.insert(Category::Syntax);
            let parsed = match input.parsed.take() {
                Some(p) => Ok(p),
                None => parse_python(&path, text),
            };
            match parsed {
                // The text moves on with the file (one copy of every text, not two).
                Ok(parsed) => py_files.push(PyFile { path, text: std::mem::take(text), kind, parsed, partial }),
                Err(problem) => {
                    let rule = if problem.unsupported.is_some() { &UNSUPPORTED_SYNTAX } else { &SYNTAX_ERROR };
                    if options.rule_enabled(rule.code, rule.name) {
                        emitter.emit(rule, &path, problem.span, problem.message);
                    }
                }
            }
        } else if kind == FileKind::Explain {
            ran.insert(Category::Explain);
            explain_files.push((path, std::mem::take(text)));
        } else if kind == FileKind::Template {
            ran.insert(Category::Syntax);
            let template = match input.template.take() {
                Some(t) => t,
                None => crate::template::parse(text),
            };
            // Jinja2 templates share the delimiters but not the grammar.
            let jinja = path.contains("/jinja2/")
                || path.ends_with(".jinja")
                || path.ends_with(".jinja2")
                || path.ends_with(".j2");
            // A template rebuilt from hunks has tags whose partners the diff does not show.
            if options.rule_enabled(TEMPLATE_SYNTAX.code, TEMPLATE_SYNTAX.name) && !jinja && !partial {
                for p in &template.problems {
                    emitter.emit(&TEMPLATE_SYNTAX, &path, p.span, p.message.clone());
                }
            }
            templates.push(TemplateFile { path, text: std::mem::take(text), template });
        } else if kind == FileKind::Runtime {
            runtime_files.push(crate::facts::runtime::RuntimeFile { path, text: std::mem::take(text) });
        }
    }
    // Every input's text, wherever it went (the inputs keep only those no stage took).
    let mut texts: HashMap<String, &str> = inputs.iter().map(|i| (i.path.clone(), i.text.as_str())).collect();
    texts.extend(py_files.iter().map(|f| (f.path.clone(), f.text.as_str())));
    texts.extend(templates.iter().map(|t| (t.path.clone(), t.text.as_str())));
    texts.extend(explain_files.iter().map(|(path, text)| (path.clone(), text.as_str())));

    let mut view = ProjectView::new(&py_files, &templates);
    view.runtime = runtime_files;
    let view = view;
    texts.extend(view.runtime.iter().map(|r| (r.path.clone(), r.text.as_str())));
    // Replaying and judging the migrations needs only the view: it runs alongside the per-file stage.
    let (checked, migrations) =
        crate::par::join(|| check_python_files(&view, options), || crate::migrations::analyze(&view, options));
    let mut all_queries: Vec<QueryFacts> = Vec::with_capacity(py_files.len());
    for checked in checked {
        all_queries.push(checked.queries);
        emitter.findings.extend(checked.findings);
        ran.extend(checked.ran);
    }
    for (i, t) in templates.iter().enumerate() {
        let ctx = TemplateContext { view: &view, template: i, options };
        let test_file = is_test_path(relative_path(&t.path, view.root));
        for rule in RULES {
            let Check::Template(check) = rule.check else { continue };
            if options.rule_enabled(rule.meta.code, rule.meta.name) && !test_file {
                ran.insert(rule.meta.category);
                check(&ctx, &mut emitter);
            }
        }
    }
    let (plans, plan_errors) = crate::explain::analyze(&explain_files, &view.models);
    for (path, line, message) in plan_errors {
        let rule = &crate::rules::explain::exp100_unreadable_plan::UNREADABLE_PLAN;
        if options.rule_enabled(rule.code, rule.name) {
            emitter.emit(rule, &path, Span::point(line, 1), message);
        }
    }
    let audit = crate::facts::deploy::audit(&view.settings.modules, &py_files, view.root, options);
    let project_ctx = ProjectContext {
        view: &view,
        queries: &all_queries,
        options,
        migrations: &migrations,
        plans: &plans,
        settings: &audit,
    };
    for rule in RULES {
        let Check::Project(check) = rule.check else { continue };
        // Plan rules judge plans; the others judge Python (a category with nothing to judge stays
        // "not assessed").
        let has_input = if rule.meta.category == Category::Explain {
            !plans.is_empty()
        } else {
            !py_files.is_empty() || !view.runtime.is_empty()
        };
        if options.rule_enabled(rule.meta.code, rule.meta.name) && has_input {
            ran.insert(rule.meta.category);
            check(&project_ctx, &mut emitter);
        }
    }

    let findings = place_in_diffs(emitter.findings, &inputs, &expanded.touched, options);
    let (mut findings, mut suppressed) = suppress::split(findings, &texts);
    sort_findings(&mut findings);
    sort_findings(&mut suppressed);
    let scores: Scores = score::score(&findings, &ran);
    let settings = crate::facts::settings_report::build(&audit, &findings);
    let report = Report {
        version: REPORT_SCHEMA_VERSION,
        files,
        findings,
        suppressed,
        migrations: migrations.iter().map(|m| m.report()).collect(),
        plans: plans.iter().map(|p| p.report()).collect(),
        diffs: expanded.reports,
        settings,
        scores,
        redacted: 0,
    };
    if leak {
        // Each after everything that borrows from it.
        std::mem::forget(audit);
        std::mem::forget(all_queries);
        std::mem::forget(migrations);
        std::mem::forget(plans);
        std::mem::forget(texts);
        std::mem::forget(view);
        std::mem::forget(py_files);
        std::mem::forget(templates);
        std::mem::forget(inputs);
        std::mem::forget(expanded.touched);
    }
    report
}

/// What the per-file Python stage produced for one file.
struct CheckedFile {
    queries: QueryFacts,
    findings: Vec<Finding>,
    /// Categories of the rules that ran on the file.
    ran: BTreeSet<Category>,
}

/// Follows the querysets through one Python file and runs the per-file Python rules on it. Depends
/// only on the (finished) project view, so files can be checked in any order or at once.
fn check_python_file(view: &ProjectView<'_>, file: usize, options: &Options) -> CheckedFile {
    let queries = queries::extract(view, file);
    let mut emitter = Emitter::default();
    let mut ran = BTreeSet::new();
    let ctx = PyContext { view, file, queries: &queries, options };
    // Test code does not serve production traffic: only its syntax is checked.
    let test_file = ctx.is_test_file();
    for rule in RULES {
        let Check::Python(check) = rule.check else { continue };
        if !options.rule_enabled(rule.meta.code, rule.meta.name)
            || (test_file && rule.meta.category != Category::Syntax)
        {
            continue;
        }
        ran.insert(rule.meta.category);
        check(&ctx, &mut emitter);
    }
    CheckedFile { queries, findings: emitter.findings, ran }
}

/// [`check_python_file`] for every Python file, in file order (on every core in native builds).
fn check_python_files(view: &ProjectView<'_>, options: &Options) -> Vec<CheckedFile> {
    crate::par::map(view.files, |f| f.text.len(), |i, _| check_python_file(view, i, options))
}

/// One text to analyse: a file of the project, or a file rebuilt from a diff.
struct Input {
    path: String,
    text: String,
    kind: FileKind,
    /// Already parsed (rebuilt Python files are parsed while their readable hunks are chosen).
    parsed: Option<crate::python::ParsedPython>,
    /// Already parsed, for templates (parsed alongside the Python files in native builds).
    template: Option<crate::template::Template>,
    from_diff: Option<DiffOrigin>,
}

/// Where a rebuilt file's lines come from.
struct DiffOrigin {
    /// The diff input's report path.
    diff: String,
    lines: Vec<NewLine>,
    complete: bool,
}

/// A project file that a diff changes (the diff agrees with it): findings there are placed in the diff.
struct Touched {
    diff: String,
    patch: FilePatch,
    added: BTreeSet<u32>,
}

#[derive(Default)]
struct Expanded {
    inputs: Vec<Input>,
    reports: Vec<DiffReport>,
    touched: HashMap<String, Touched>,
}

/// Parses of a rebuilt Python file before its readable hunks are all placed on their own (each hunk
/// at fault takes up to two: placed on its own, then left out).
const MAX_HUNK_ATTEMPTS: usize = 128;

/// Reads the diff inputs and rebuilds the files they change (see [`crate::diff`]).
fn expand_diffs(diffs: &[(String, &str)], existing: &[Input], options: &Options, emitter: &mut Emitter) -> Expanded {
    let mut out = Expanded::default();
    let report_problems = options.rule_enabled(UNREADABLE_DIFF.code, UNREADABLE_DIFF.name);
    for (diff_path, text) in diffs {
        let parsed = crate::diff::parse(text);
        if report_problems {
            for p in &parsed.problems {
                emitter.emit(&UNREADABLE_DIFF, diff_path, Span::point(p.line, 1), p.message.clone());
            }
            if parsed.files.is_empty() && parsed.problems.is_empty() {
                emitter.emit(
                    &UNREADABLE_DIFF,
                    diff_path,
                    Span::point(1, 1),
                    "no file changes found: a unified diff has `--- a/PATH` and `+++ b/PATH` lines followed by `@@ -OLD,COUNT +NEW,COUNT @@` hunks",
                );
            }
        }
        let mut report = DiffReport { path: diff_path.clone(), files: Vec::new() };
        for patch in parsed.files {
            let mut file = DiffFileReport {
                path: patch.path().to_string(),
                old_path: (patch.status == PatchStatus::Renamed).then(|| patch.old_path.clone()).flatten(),
                status: patch.status,
                added: patch.added(),
                removed: patch.removed(),
                kind: None,
                complete: patch.is_complete(),
                notes: Vec::new(),
            };
            let new_path = match (patch.status, patch.new_path.clone()) {
                (PatchStatus::Deleted, _) | (_, None) => {
                    file.notes.push("deleted by the change: nothing to analyse".into());
                    report.files.push(file);
                    continue;
                }
                (PatchStatus::Binary, _) => {
                    file.notes.push("binary file: not analysed".into());
                    report.files.push(file);
                    continue;
                }
                (_, Some(p)) if patch.hunks.is_empty() => {
                    let _ = p;
                    file.notes.push("no content changes (a rename or mode change)".into());
                    report.files.push(file);
                    continue;
                }
                (_, Some(p)) => p,
            };
            if let Some(full) = existing.iter().find(|i| same_file(&i.path, &new_path)) {
                if agrees(&patch, &full.text) {
                    file.kind = Some(full.kind);
                    file.complete = true;
                    file.notes.push(format!("analysed from the full file `{}`", full.path));
                    // `extend`, not `collect()`, which would bring in a sort (wasm size).
                    let mut added = BTreeSet::new();
                    added.extend(patch.added_lines());
                    out.touched.insert(full.path.clone(), Touched { diff: diff_path.clone(), patch, added });
                } else {
                    file.notes.push(format!(
                        "not analysed: `{}` is also in the input and is not the diff's new version",
                        full.path
                    ));
                }
                report.files.push(file);
                continue;
            }
            if out.inputs.iter().any(|i| i.path == new_path) {
                file.notes.push("not analysed: an earlier diff in the input changes this file too".into());
                report.files.push(file);
                continue;
            }
            let plain = crate::diff::rebuild(&patch, false, &[]);
            let kind = match detect_kind(&new_path, &plain.text) {
                // A diff names its files: one whose name says it is something else (`app.js`) is not
                // read as Python because some of its lines look like Python.
                kind if kind.is_python() && !python_name(&new_path) => FileKind::Unknown,
                kind => kind,
            };
            let complete = patch.is_complete();
            let (rebuilt, parsed) = match kind {
                FileKind::Python | FileKind::Migration | FileKind::Settings if !complete => {
                    let (rebuilt, parsed) = rebuild_python(&new_path, &patch);
                    for &h in &rebuilt.skipped {
                        let hunk = &patch.hunks[h];
                        file.notes.push(format!(
                            "lines {}–{} (the hunk at diff line {}) were not analysed: they cannot be read as Python without the lines around them",
                            hunk.new_start,
                            hunk.new_start + hunk.new_count().saturating_sub(1),
                            hunk.header_line
                        ));
                    }
                    (rebuilt, parsed)
                }
                FileKind::Python
                | FileKind::Migration
                | FileKind::Settings
                | FileKind::Template
                | FileKind::Explain
                | FileKind::Runtime => (plain, None),
                FileKind::Diff | FileKind::Unknown => {
                    file.notes.push("not a kind of file djreview analyses".into());
                    report.files.push(file);
                    continue;
                }
            };
            file.kind = Some(kind);
            report.files.push(file);
            out.inputs.push(Input {
                path: new_path,
                text: rebuilt.text,
                kind,
                parsed,
                template: None,
                from_diff: Some(DiffOrigin { diff: diff_path.clone(), lines: rebuilt.lines, complete }),
            });
        }
        out.reports.push(report);
    }
    out
}

/// Parses the Python inputs and the templates on every core before the (sequential) pipeline uses
/// them; parsing is over half of the work on a real project. Only successful Python parses are kept:
/// a file that fails is parsed again in the main loop, which reports the problem (a template parse
/// never fails; its problems are part of the result). In wasm there are no threads, and the main loop
/// parses as before.
#[cfg(not(any(target_arch = "wasm32", fuzzing)))]
fn parse_ahead(inputs: &mut [Input]) {
    /// Deeply nested code recurses in the parser; give each thread the room a main thread has.
    const STACK: usize = 64 * 1024 * 1024;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    let todo: Vec<&mut Input> = inputs
        .iter_mut()
        .filter(|i| (i.kind.is_python() && i.parsed.is_none()) || i.kind == FileKind::Template)
        .collect();
    if threads < 2 || todo.len() < 2 {
        return;
    }
    // Deal the files out round-robin by size so each thread gets a similar share of the text.
    let mut todo = todo;
    todo.sort_by_key(|i| std::cmp::Reverse(i.text.len()));
    let mut shares: Vec<Vec<&mut Input>> = (0..threads).map(|_| Vec::new()).collect();
    for (n, input) in todo.into_iter().enumerate() {
        shares[n % threads].push(input);
    }
    std::thread::scope(|scope| {
        for share in shares {
            let spawned = std::thread::Builder::new().stack_size(STACK).spawn_scoped(scope, move || {
                for input in share {
                    if input.kind == FileKind::Template {
                        input.template = Some(crate::template::parse(&input.text));
                    } else {
                        input.parsed = parse_python(&input.path, &input.text).ok();
                    }
                }
            });
            // If a thread cannot be started, those files are parsed by the main loop instead.
            drop(spawned);
        }
    });
}

#[cfg(any(target_arch = "wasm32", fuzzing))]
fn parse_ahead(_inputs: &mut [Input]) {}

/// Rebuilds a partial Python file, leaving out the hunks that cannot be parsed in place, so the rest
/// is still analysed. Hunks that do not parse even on their own (with the synthetic lines
/// [`crate::diff::PythonPlan`] works out) are left out first; when the whole file still fails, the
/// hunk at fault is placed on its own under synthetic headers, and left out only if that fails too.
fn rebuild_python(path: &str, patch: &FilePatch) -> (Rebuilt, Option<crate::python::ParsedPython>) {
    let plan = PythonPlan::new(patch);
    let n = patch.hunks.len();
    let debug = debug_diffs();
    let mut placements: Vec<Placement> =
        (0..n).map(|h| if plan.readable(h) { Placement::Auto } else { Placement::Skip }).collect();
    if debug {
        for h in 0..n {
            if !plan.readable(h) {
                dump_unreadable_hunk(path, patch, &plan, h);
            } else if plan.reading(h) != "code" {
                eprintln!(
                    "=== READ {path} hunk {h} (diff line {}) {}: {}",
                    patch.hunks[h].header_line,
                    plan.reading(h),
                    plan.opener(h).unwrap_or("").trim_start()
                );
            }
        }
    }
    for _ in 0..(2 * n + 1).min(MAX_HUNK_ATTEMPTS) {
        let rebuilt = crate::diff::rebuild_python(patch, &plan, &placements);
        let problem = match parse_python(path, &rebuilt.text) {
            Ok(parsed) => {
                if debug {
                    dump_rebuilt(path, &rebuilt);
                }
                return (rebuilt, Some(parsed));
            }
            Err(problem) => problem,
        };
        let line = problem.span.line;
        // An error on a blank or synthetic line belongs to the hunk after it; otherwise to the hunk
        // the line is in.
        let between = matches!(rebuilt.lines.get(line as usize - 1), Some(NewLine::Gap | NewLine::Synthetic));
        let live = |h: &usize| placements[*h] != Placement::Skip;
        let culprit = if between { (0..n).filter(live).find(|&h| patch.hunks[h].new_start >= line) } else { None }
            .or_else(|| (0..n).filter(live).rfind(|&h| patch.hunks[h].new_start <= line))
            .or_else(|| (0..n).find(|h| live(h)));
        let Some(h) = culprit else { break };
        if debug {
            eprintln!("--- {path}: line {line}: {} -> hunk {h} ({:?})", problem.message, placements[h]);
            for (i, t) in rebuilt.text.lines().enumerate().skip((line as usize).saturating_sub(5)).take(6) {
                eprintln!("    {:>6} {:?}|{t}", i + 1, rebuilt.lines[i]);
            }
        }
        placements[h] = match placements[h] {
            Placement::Auto => Placement::Standalone,
            _ => {
                if debug {
                    dump_dropped_hunk(path, patch, h, &rebuilt, &problem);
                }
                Placement::Skip
            }
        };
    }
    // Out of attempts: every readable hunk on its own.
    let placements: Vec<Placement> =
        (0..n).map(|h| if plan.readable(h) { Placement::Standalone } else { Placement::Skip }).collect();
    let rebuilt = crate::diff::rebuild_python(patch, &plan, &placements);
    if let Ok(parsed) = parse_python(path, &rebuilt.text) {
        return (rebuilt, Some(parsed));
    }
    // Nothing readable: the file is analysed as empty (the main loop parses it).
    (crate::diff::rebuild(patch, true, &vec![true; n]), None)
}

/// Whether `DJREVIEW_DEBUG_DIFF` is set: a development aid (not part of any interface) that prints to
/// stderr every hunk left out of a rebuilt Python file (with the rebuilt text around it, or the text
/// it was tried as on its own, and the parse error) and each failed attempt. Set to a path suffix
/// (`DJREVIEW_DEBUG_DIFF=test/runner.py`) it also prints that rebuilt file, line by line with each
/// line's origin. `scripts/dev/diff_eval.py --dump` classifies the hunks left out.
fn debug_diffs() -> bool {
    !cfg!(target_arch = "wasm32") && std::env::var_os("DJREVIEW_DEBUG_DIFF").is_some()
}

fn dump_rebuilt(path: &str, rebuilt: &Rebuilt) {
    let wanted = std::env::var("DJREVIEW_DEBUG_DIFF").unwrap_or_default();
    if wanted.is_empty() || wanted == "1" || !path.ends_with(wanted.as_str()) {
        return;
    }
    let mut out = format!("=== REBUILT {path}\n");
    for (i, text) in rebuilt.text.lines().enumerate() {
        let mark = match rebuilt.lines.get(i) {
            Some(NewLine::Synthetic) => 'S',
            Some(NewLine::Added { .. }) => '+',
            Some(NewLine::Context { .. }) => ' ',
            _ => '.',
        };
        if mark != '.' {
            out.push_str(&format!("{:>6} {mark}|{text}\n", i + 1));
        }
    }
    eprint!("{out}");
}

fn dump_unreadable_hunk(path: &str, patch: &FilePatch, plan: &PythonPlan, h: usize) {
    let hunk = &patch.hunks[h];
    let text = plan.standalone_text(patch, h);
    let error = parse_python("hunk.py", &text).err();
    let mut out = format!(
        "=== UNREADABLE {path} hunk {h} (diff line {}) @@ {}\n--- error at line {}: {}\n",
        hunk.header_line,
        hunk.context,
        error.as_ref().map_or(0, |e| e.span.line),
        error.as_ref().map_or("", |e| e.message.as_str())
    );
    for (i, line) in text.lines().enumerate() {
        let here = if error.as_ref().is_some_and(|e| e.span.line as usize == i + 1) { ">>" } else { "  " };
        out.push_str(&format!("{here}{:>6} |{line}\n", i + 1));
    }
    eprint!("{out}");
}

fn dump_dropped_hunk(
    path: &str,
    patch: &FilePatch,
    h: usize,
    rebuilt: &Rebuilt,
    problem: &crate::python::SyntaxProblem,
) {
    let hunk = &patch.hunks[h];
    let start = hunk.new_start as usize;
    let end = start + hunk.new_count() as usize;
    // The synthetic lines right before the hunk, and a few lines of the gap.
    let mut from = start.saturating_sub(1).max(1);
    while from > 1 && matches!(rebuilt.lines.get(from - 2), Some(NewLine::Synthetic)) {
        from -= 1;
    }
    let from = from.saturating_sub(2).max(1);
    let mut out = format!(
        "=== DROPPED {path} hunk {h} (diff line {}) @@ {}\n--- error at line {}: {}\n",
        hunk.header_line, hunk.context, problem.span.line, problem.message
    );
    for (i, text) in rebuilt.text.lines().enumerate().take(end + 1).skip(from - 1) {
        let mark = match rebuilt.lines.get(i) {
            Some(NewLine::Synthetic) => 'S',
            Some(NewLine::Added { .. }) => '+',
            Some(NewLine::Context { .. }) => ' ',
            _ => '.',
        };
        let here = if i + 1 == problem.span.line as usize { ">>" } else { "  " };
        out.push_str(&format!("{here}{:>6} {mark}|{text}\n", i + 1));
    }
    let at = problem.span.line as usize;
    if at < from || at > end + 1 {
        let text = rebuilt.text.lines().nth(at.wrapping_sub(1)).unwrap_or("");
        out.push_str(&format!("  (error line elsewhere) >>{at:>6} |{text}\n"));
    }
    eprint!("{out}");
}

/// Whether a file name allows Python: `.py`, `.pyi`, or no extension (`manage`).
fn python_name(path: &str) -> bool {
    let name = path.rsplit(['/', '\\']).next().unwrap_or("");
    match name.rsplit_once('.') {
        None => true,
        Some((stem, ext)) => stem.is_empty() || ext.eq_ignore_ascii_case("py") || ext.eq_ignore_ascii_case("pyi"),
    }
}

/// Whether an input path and a path from a diff name the same file (`/ci/shop/views.py` and
/// `shop/views.py`).
fn same_file(input: &str, from_diff: &str) -> bool {
    let input = input.trim_start_matches("./");
    input == from_diff || input.ends_with(&format!("/{from_diff}"))
}

/// Whether `text` is the diff's new version: every line the hunks show is where they say.
fn agrees(patch: &FilePatch, text: &str) -> bool {
    let lines: Vec<&str> = text.lines().collect();
    patch.hunks.iter().all(|h| {
        h.new_side().enumerate().all(|(k, l)| {
            let at = h.new_start as usize + k;
            at >= 1 && lines.get(at - 1).is_some_and(|t| t.trim_end() == l.text.trim_end())
        })
    })
}

/// Gives findings their place in the diffs: the diff line and whether the change wrote it. Findings on
/// lines of a rebuilt file that the diff does not show (blank or synthetic) are about code nobody
/// pasted, and are dropped. With `changed_only`, only findings on added lines (and on the diffs
/// themselves) remain.
fn place_in_diffs(
    findings: Vec<Finding>,
    inputs: &[Input],
    touched: &HashMap<String, Touched>,
    options: &Options,
) -> Vec<Finding> {
    let origins: HashMap<&str, &DiffOrigin> =
        inputs.iter().filter_map(|i| i.from_diff.as_ref().map(|d| (i.path.as_str(), d))).collect();
    // Inserted one by one: `collect()` into a B-tree set would bring in its own sort (wasm size).
    let mut diff_paths: BTreeSet<&str> = BTreeSet::new();
    diff_paths.extend(origins.values().map(|o| o.diff.as_str()));
    let any_diff = !origins.is_empty() || !touched.is_empty();
    findings
        .into_iter()
        .filter_map(|mut f| {
            let span = f.line..=f.end_line.max(f.line);
            if let Some(o) = origins.get(f.path.as_str()) {
                let at = |l: u32| o.lines.get((l as usize).wrapping_sub(1)).copied();
                let diff_line = match at(f.line) {
                    Some(NewLine::Context { diff_line } | NewLine::Added { diff_line }) => diff_line,
                    _ => return None,
                };
                let changed = span.clone().any(|l| matches!(at(l), Some(NewLine::Added { .. })));
                f.diff = Some(DiffLocation { path: o.diff.clone(), line: Some(diff_line), changed });
            } else if let Some(t) = touched.get(&f.path) {
                let changed = t.added.range(span).next().is_some();
                f.diff =
                    Some(DiffLocation { path: t.diff.clone(), line: t.patch.locate(f.line).map(|(l, _)| l), changed });
            }
            let keep = !options.changed_only
                || !any_diff
                || diff_paths.contains(f.path.as_str())
                || f.code == UNREADABLE_DIFF.code
                || f.diff.as_ref().is_some_and(|d| d.changed);
            keep.then_some(f)
        })
        .collect()
}

/// What a Python rule sees: the project view (all files, the model index) and one file's facts.
pub struct PyContext<'v, 'a> {
    pub view: &'v ProjectView<'a>,
    pub file: usize,
    pub queries: &'v QueryFacts,
    pub options: &'v Options,
}

impl<'v, 'a> PyContext<'v, 'a> {
    pub fn file(&self) -> &'a PyFile {
        &self.view.files[self.file]
    }

    /// Imports, functions and calls of this file.
    pub fn code(&self) -> &'v CodeFacts<'a> {
        &self.view.code[self.file]
    }

    /// The span of a node of this file.
    pub fn span<N: rustpython_parser::ast::Ranged>(&self, node: &N) -> Span {
        self.file().parsed.span_of(node)
    }

    /// The source text of a node of this file.
    pub fn source<N: rustpython_parser::ast::Ranged>(&self, node: &N) -> &'a str {
        self.file().parsed.source_of(node)
    }

    /// The first line of a range (a `def` or `class` header), for findings about a whole definition.
    pub fn header_span(&self, range: rustpython_parser::text_size::TextRange) -> Span {
        let full = self.file().parsed.span(range);
        let line_len =
            crate::text::nth_line(&self.file().text, full.line).map(|l| l.chars().count() as u32).unwrap_or(0);
        Span {
            line: full.line,
            column: full.column,
            end_line: full.line,
            end_column: (line_len + 1).max(full.column + 1),
        }
    }

    /// The source text of a range of this file.
    pub fn source_range(&self, range: rustpython_parser::text_size::TextRange) -> &'a str {
        self.file().parsed.source_range(range)
    }

    /// Whether the file is test code, where some production rules do not apply.
    pub fn is_test_file(&self) -> bool {
        is_test_path(relative_path(self.path(), self.view.root))
    }

    pub fn path(&self) -> &str {
        &self.file().path
    }

    pub fn kind(&self) -> FileKind {
        self.file().kind
    }
}

/// What a template rule sees: the project view and one template.
pub struct TemplateContext<'v, 'a> {
    pub view: &'v ProjectView<'a>,
    pub template: usize,
    pub options: &'v Options,
}

impl<'v, 'a> TemplateContext<'v, 'a> {
    pub fn file(&self) -> &'a TemplateFile {
        &self.view.templates[self.template]
    }
}

/// What a project-wide rule sees: every file's facts at once (for flows between files, such as a
/// view's context into a template).
pub struct ProjectContext<'v, 'a> {
    pub view: &'v ProjectView<'a>,
    pub queries: &'v [QueryFacts],
    pub options: &'v Options,
    /// Every migration, replayed and judged.
    pub migrations: &'v [crate::migrations::MigrationAnalysis],
    /// Every EXPLAIN plan, with its tips.
    pub plans: &'v [crate::explain::PlanAnalysis],
    /// The settings modules a deployment loads, with Django's deploy checks already run.
    pub settings: &'v [crate::facts::deploy::Audit<'v>],
}

/// Whether a path is test code (tests are checked for syntax only). Judge paths relative to the
/// project root ([`relative_path`]): a checkout under `/home/ci/tests/` is not test code.
pub fn is_test_path(p: &str) -> bool {
    let mut parts = p.split('/').rev();
    let name = parts.next().unwrap_or(p);
    parts.any(|dir| matches!(dir, "tests" | "test" | "testutils" | "testing"))
        || name.starts_with("test_")
        || name == "settings_test.py"
        || name.ends_with("_tests.py")
        || name.ends_with("_test.py")
        || name == "tests.py"
        || name == "conftest.py"
        || name == "factories.py"
}

/// A path without the project's common root folder (`/ci/tests/app/views.py` → `app/views.py`
/// when every file is under `/ci/tests/`).
pub fn relative_path(path: &str, root: usize) -> &str {
    path.get(root..).unwrap_or(path)
}

/// The length of the longest folder prefix all paths share (up to and including its `/`).
pub fn common_root(paths: &[&str]) -> usize {
    let Some(first) = paths.first() else { return 0 };
    let mut len = first.rfind('/').map_or(0, |i| i + 1);
    for p in &paths[1..] {
        let common = first.bytes().zip(p.bytes()).take_while(|(a, b)| a == b).count().min(len);
        len = first[..common].rfind('/').map_or(0, |i| i + 1);
    }
    len
}

/// Collects findings. Rules call [`Emitter::emit`] and adjust the returned finding (fix, confidence).
#[derive(Default)]
pub struct Emitter {
    findings: Vec<Finding>,
}

impl Emitter {
    pub fn emit(
        &mut self,
        rule: &'static RuleMeta,
        path: &str,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Finding {
        self.findings.push(Finding {
            code: rule.code.to_string(),
            name: rule.name.to_string(),
            category: rule.category,
            severity: rule.severity,
            confidence: rule.confidence,
            path: path.to_string(),
            line: span.line,
            column: span.column,
            end_line: span.end_line.max(span.line),
            end_column: span.end_column,
            message: message.into(),
            django_id: None,
            fix: None,
            playbook: rule.playbook.to_string(),
            diff: None,
        });
        let last = self.findings.len() - 1;
        &mut self.findings[last]
    }

    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }
}

/// The name a file has in reports: its path, or `<input N>` for an unnamed paste.
pub fn display_path(path: &str, index: usize) -> String {
    let p = path.trim();
    if p.is_empty() {
        format!("<input {}>", index + 1)
    } else {
        p.replace('\\', "/")
    }
}

fn line_count(text: &str) -> u32 {
    if text.is_empty() {
        0
    } else {
        (text.bytes().filter(|&b| b == b'\n').count() + usize::from(!text.ends_with('\n'))) as u32
    }
}

fn sort_findings(findings: &mut [Finding]) {
    crate::sort::sort_by(findings, |a, b| {
        (a.path.as_str(), a.line, a.column, a.code.as_str()).cmp(&(b.path.as_str(), b.line, b.column, b.code.as_str()))
    });
}

#[cfg(test)]
mod tests {
    use super::{common_root, is_test_path, relative_path};

    #[test]
    fn test_code_is_recognised_by_folder_or_file_name() {
        for p in ["tests/test_views.py", "shop/tests/factories.py", "testutils/settings.py", "app/test/client.py"] {
            assert!(is_test_path(p), "{p}");
        }
        for p in ["shop/views.py", "contest/models.py", "attestation/tasks.py", "latest.py"] {
            assert!(!is_test_path(p), "{p}");
        }
    }

    #[test]
    fn a_checkout_folder_named_tests_does_not_make_everything_test_code() {
        let paths = ["/ci/tests/shop/views.py", "/ci/tests/shop/models.py", "/ci/tests/conf/settings.py"];
        let root = common_root(&paths);
        assert_eq!(relative_path(paths[0], root), "shop/views.py");
        assert!(!is_test_path(relative_path(paths[0], root)));
    }
}
