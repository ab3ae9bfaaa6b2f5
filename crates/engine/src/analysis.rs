//! The pipeline: classify and parse every file, build project facts once, run the enabled rules,
//! apply suppressions, sort, score.

use std::collections::{BTreeSet, HashMap};

use crate::facts::code::CodeFacts;
use crate::facts::queries::{self, QueryFacts};
use crate::facts::{ProjectView, PyFile, TemplateFile};
use crate::options::Options;
use crate::project::{detect_kind, FileKind, Project};
use crate::python::parse_python;
use crate::registry::{Check, RULES};
use crate::report::{Category, FileInfo, Finding, Report, Scores};
use crate::rule::RuleMeta;
use crate::rules::syntax::{
    syn001_syntax_error::SYNTAX_ERROR, syn002_unsupported_syntax::UNSUPPORTED_SYNTAX,
    syn003_template_syntax::TEMPLATE_SYNTAX,
};
use crate::text::Span;
use crate::{score, suppress, REPORT_SCHEMA_VERSION};

/// Analyses a project. Never panics on any input; a file that cannot be read as its kind yields a
/// finding for that file and the others are still analysed.
pub fn analyze(project: &Project, options: &Options) -> Report {
    let mut files = Vec::with_capacity(project.files.len());
    let mut emitter = Emitter::default();
    let mut py_files = Vec::new();
    let mut templates = Vec::new();
    let mut texts: HashMap<String, &str> = HashMap::new();
    let mut ran: BTreeSet<Category> = BTreeSet::new();
    let mut explain_files: Vec<(String, String)> = Vec::new();

    for (i, f) in project.files.iter().enumerate() {
        let path = display_path(&f.path, i);
        let kind = f.kind.unwrap_or_else(|| detect_kind(&f.path, &f.text));
        files.push(FileInfo {
            path: path.clone(),
            kind,
            lines: line_count(&f.text),
            kind_overridden: f.kind.is_some(),
        });
        texts.insert(path.clone(), f.text.as_str());
        if kind.is_python() {
            ran.insert(Category::Syntax);
            match parse_python(&path, &f.text) {
                Ok(parsed) => py_files.push(PyFile { path, text: f.text.clone(), kind, parsed }),
                Err(problem) => {
                    let rule = if problem.unsupported.is_some() { &UNSUPPORTED_SYNTAX } else { &SYNTAX_ERROR };
                    if options.rule_enabled(rule.code, rule.name) {
                        emitter.emit(rule, &path, problem.span, problem.message);
                    }
                }
            }
        } else if kind == FileKind::Explain {
            ran.insert(Category::Explain);
            explain_files.push((path, f.text.clone()));
        } else if kind == FileKind::Template {
            ran.insert(Category::Syntax);
            let template = crate::template::parse(&f.text);
            // Jinja2 templates share the delimiters but not the grammar.
            let jinja = path.contains("/jinja2/")
                || path.ends_with(".jinja")
                || path.ends_with(".jinja2")
                || path.ends_with(".j2");
            if options.rule_enabled(TEMPLATE_SYNTAX.code, TEMPLATE_SYNTAX.name) && !jinja {
                for p in &template.problems {
                    emitter.emit(&TEMPLATE_SYNTAX, &path, p.span, p.message.clone());
                }
            }
            templates.push(TemplateFile { path, text: f.text.clone(), template });
        }
    }

    let view = ProjectView::new(&py_files, &templates);
    let all_queries: Vec<QueryFacts> = (0..py_files.len()).map(|i| queries::extract(&view, i)).collect();
    for (i, queries) in all_queries.iter().enumerate() {
        let ctx = PyContext { view: &view, file: i, queries, options };
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
    let migrations = crate::migrations::analyze(&view, options);
    let (plans, plan_errors) = crate::explain::analyze(&explain_files, &view.models);
    for (path, line, message) in plan_errors {
        let rule = &crate::rules::explain::exp100_unreadable_plan::UNREADABLE_PLAN;
        if options.rule_enabled(rule.code, rule.name) {
            emitter.emit(rule, &path, Span::point(line, 1), message);
        }
    }
    let project_ctx =
        ProjectContext { view: &view, queries: &all_queries, options, migrations: &migrations, plans: &plans };
    for rule in RULES {
        let Check::Project(check) = rule.check else { continue };
        // Plan rules judge plans; the others judge Python (a category with nothing to judge stays
        // "not assessed").
        let has_input = if rule.meta.category == Category::Explain { !plans.is_empty() } else { !py_files.is_empty() };
        if options.rule_enabled(rule.meta.code, rule.meta.name) && has_input {
            ran.insert(rule.meta.category);
            check(&project_ctx, &mut emitter);
        }
    }

    let (mut findings, mut suppressed) = suppress::split(emitter.findings, &texts);
    sort_findings(&mut findings);
    sort_findings(&mut suppressed);
    let scores: Scores = score::score(&findings, &ran);
    Report {
        version: REPORT_SCHEMA_VERSION,
        files,
        findings,
        suppressed,
        migrations: migrations.iter().map(|m| m.report()).collect(),
        plans: plans.iter().map(|p| p.report()).collect(),
        scores,
    }
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
    findings.sort_by(|a, b| {
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
