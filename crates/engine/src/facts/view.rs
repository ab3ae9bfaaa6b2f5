//! The parsed project as the fact extractors see it: every Python file parsed once, plus the indexes
//! built over all of them.

use std::collections::HashMap;

use rustpython_parser::ast::{Stmt, StmtFunctionDef};

use super::code::CodeFacts;
use super::models::ModelIndex;
use super::settings::ProjectSettings;
use crate::project::FileKind;
use crate::python::ParsedPython;

/// One template file, parsed.
pub struct TemplateFile {
    pub path: String,
    pub text: String,
    pub template: crate::template::Template,
}

impl TemplateFile {
    /// Whether this file is what `{% include "name" %}`/`render(..., "name")` loads: the path ends
    /// with `templates/<name>`, or with `/<name>`, or is the name.
    pub fn answers_to(&self, name: &str) -> bool {
        // Called for every pair of templates by some rules: no allocation unless the path has a backslash.
        // (A path ending with `templates/<name>` also ends with `/<name>`.)
        let answers = |p: &str| p == name || p.strip_suffix(name).is_some_and(|head| head.ends_with('/'));
        if self.path.contains('\\') {
            answers(&self.path.replace('\\', "/"))
        } else {
            answers(&self.path)
        }
    }
}

/// One Python file that parsed.
pub struct PyFile {
    pub path: String,
    pub text: String,
    pub kind: FileKind,
    pub parsed: ParsedPython,
    /// Rebuilt from a diff's hunks: lines the diff does not show are missing, so rules must not
    /// conclude anything from the absence of a statement.
    pub partial: bool,
}

/// All parsed Python files and the project-wide indexes over them.
pub struct ProjectView<'a> {
    pub files: &'a [PyFile],
    pub templates: &'a [TemplateFile],
    pub models: ModelIndex,
    /// Module-level functions by name, for following querysets through helpers.
    pub functions: HashMap<&'a str, Vec<(usize, &'a StmtFunctionDef)>>,
    /// Per file: imports, functions with their roles, calls with their context.
    pub code: Vec<CodeFacts<'a>>,
    /// The project's settings modules, evaluated.
    pub settings: ProjectSettings,
    /// Length of the folder prefix every file shares, to judge paths relative to the project.
    pub root: usize,
    /// Custom template tags and filters that run queries, by the name templates use.
    pub querying_tags: HashMap<String, super::template_tags::QueryingTag>,
    /// Names of project classes that define `get_queryset` or inherit one from a project class.
    pub get_queryset_classes: std::collections::HashSet<&'a str>,
    /// Runtime files (Procfile, Dockerfile, compose, scripts), as text; see [`super::runtime`].
    pub runtime: Vec<super::runtime::RuntimeFile>,
}

impl<'a> ProjectView<'a> {
    pub fn new(files: &'a [PyFile], templates: &'a [TemplateFile]) -> ProjectView<'a> {
        let models = ModelIndex::build(files);
        let mut functions: HashMap<&'a str, Vec<(usize, &'a StmtFunctionDef)>> = HashMap::new();
        for (i, f) in files.iter().enumerate() {
            for stmt in f.parsed.body() {
                if let Stmt::FunctionDef(def) = stmt {
                    functions.entry(def.name.as_str()).or_default().push((i, def));
                }
            }
        }
        let code: Vec<CodeFacts<'a>> =
            crate::par::map(files, |f| f.text.len(), |_, f| CodeFacts::build(f.parsed.body()));
        let settings = ProjectSettings::build(files);
        let querying_tags =
            if templates.is_empty() { HashMap::new() } else { super::template_tags::querying_tags(files, &code) };
        let paths: Vec<&str> =
            files.iter().map(|f| f.path.as_str()).chain(templates.iter().map(|t| t.path.as_str())).collect();
        let root = crate::analysis::common_root(&paths);
        let get_queryset_classes = classes_with_get_queryset(files);
        ProjectView {
            files,
            templates,
            models,
            functions,
            code,
            settings,
            querying_tags,
            root,
            get_queryset_classes,
            runtime: Vec::new(),
        }
    }
}

/// Classes (by name) that define `get_queryset` or inherit it from another project class, found by
/// iterating to a fixed point: linear in classes per round, and immune to inheritance cycles.
fn classes_with_get_queryset(files: &[PyFile]) -> std::collections::HashSet<&str> {
    let classes: Vec<&rustpython_parser::ast::StmtClassDef> = files
        .iter()
        .flat_map(|f| f.parsed.body())
        .filter_map(|s| match s {
            Stmt::ClassDef(c) => Some(c),
            _ => None,
        })
        .collect();
    let mut found: std::collections::HashSet<&str> = classes
        .iter()
        .filter(|c| c.body.iter().any(|s| matches!(s, Stmt::FunctionDef(d) if d.name.as_str() == "get_queryset")))
        .map(|c| c.name.as_str())
        .collect();
    loop {
        let before = found.len();
        for c in &classes {
            if !found.contains(c.name.as_str())
                && c.bases.iter().filter_map(crate::python::names::last_segment).any(|b| found.contains(b))
            {
                found.insert(c.name.as_str());
            }
        }
        if found.len() == before {
            return found;
        }
    }
}
