//! The parsed project as the fact extractors see it: every Python file parsed once, plus the indexes
//! built over all of them.

use std::collections::HashMap;

use rustpython_parser::ast::{Stmt, StmtFunctionDef};

use super::code::CodeFacts;
use super::models::ModelIndex;
use super::settings::ProjectSettings;
use crate::project::FileKind;
use crate::python::ParsedPython;

/// One Python file that parsed.
pub struct PyFile {
    pub path: String,
    pub text: String,
    pub kind: FileKind,
    pub parsed: ParsedPython,
}

/// All parsed Python files and the project-wide indexes over them.
pub struct ProjectView<'a> {
    pub files: &'a [PyFile],
    pub models: ModelIndex,
    /// Module-level functions by name, for following querysets through helpers.
    pub functions: HashMap<&'a str, Vec<(usize, &'a StmtFunctionDef)>>,
    /// Per file: imports, functions with their roles, calls with their context.
    pub code: Vec<CodeFacts<'a>>,
    /// The project's settings modules, evaluated.
    pub settings: ProjectSettings,
}

impl<'a> ProjectView<'a> {
    pub fn new(files: &'a [PyFile]) -> ProjectView<'a> {
        let models = ModelIndex::build(files);
        let mut functions: HashMap<&'a str, Vec<(usize, &'a StmtFunctionDef)>> = HashMap::new();
        for (i, f) in files.iter().enumerate() {
            for stmt in f.parsed.body() {
                if let Stmt::FunctionDef(def) = stmt {
                    functions.entry(def.name.as_str()).or_default().push((i, def));
                }
            }
        }
        let code = files.iter().map(|f| CodeFacts::build(f.parsed.body())).collect();
        let settings = ProjectSettings::build(files);
        ProjectView { files, models, functions, code, settings }
    }
}
