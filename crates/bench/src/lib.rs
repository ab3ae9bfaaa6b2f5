//! Corpus loading for the benchmarks: the CLI's file selection (Python modules and templates), read
//! from the folders named in `DJREVIEW_BENCH_CORPUS` or, by default, from the corpora that
//! `scripts/bench.sh` and `scripts/bench-peers.sh` unpack into `target/bench-corpus`.

use std::path::{Path, PathBuf};

use engine::{Project, SourceFile};

/// The corpora the benchmarks read by default, in this order, when they have been downloaded.
pub const DEFAULT_CORPORA: &[&str] = &["django", "pretix"];

/// Folders to benchmark: the paths in the variable `var` (separated like `PATH`) when it is set,
/// where an empty value means none; otherwise each of [`DEFAULT_CORPORA`] found in
/// `target/bench-corpus`.
pub fn corpora(var: &str) -> Vec<PathBuf> {
    if let Some(value) = std::env::var_os(var) {
        return std::env::split_paths(&value).filter(|p| !p.as_os_str().is_empty()).collect();
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-corpus");
    DEFAULT_CORPORA.iter().map(|name| dir.join(name)).filter(|p| p.is_dir()).collect()
}

/// The benchmark's name for a corpus folder (its last component).
pub fn name(root: &Path) -> String {
    root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Reads every file under `root` that the CLI reads when given the folder: Python modules, HTML and
/// Jinja templates, and `.txt` files under `templates/` (skipping virtualenvs, VCS and cache folders).
pub fn load(root: &Path) -> Project {
    let mut files = Vec::new();
    walk(root, &mut files);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Project::new(files)
}

/// Only the migration modules under `root` (every `migrations/` folder, `__init__.py` left out).
pub fn load_migrations(root: &Path) -> Project {
    let mut project = load(root);
    project.files.retain(|f| f.path.contains("/migrations/") && !f.path.ends_with("__init__.py"));
    project
}

fn wanted(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let in_templates = path.components().any(|c| c.as_os_str() == "templates" || c.as_os_str() == "jinja2");
    match ext.as_str() {
        "py" | "html" | "htm" | "djhtml" | "jinja" | "jinja2" | "j2" => true,
        "txt" => in_templates,
        _ => false,
    }
}

fn walk(dir: &Path, out: &mut Vec<SourceFile>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if path.is_dir() {
            if !matches!(name.as_str(), ".git" | "node_modules" | "__pycache__" | ".venv" | "venv" | "site-packages") {
                walk(&path, out);
            }
        } else if wanted(&path) {
            if let Ok(bytes) = std::fs::read(&path) {
                out.push(SourceFile::new(path.to_string_lossy(), String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
    }
}

/// Total lines of the project's files.
pub fn lines(project: &Project) -> usize {
    project.files.iter().map(|f| f.text.lines().count()).sum()
}

/// A JSON plan with `nodes` nodes: an Append over nested loops, each joining two index scans.
pub fn large_json_plan(nodes: usize) -> String {
    let scan = |table: usize, loops: usize| {
        format!(
            r#"{{"Node Type": "Index Scan", "Parent Relationship": "Inner", "Scan Direction": "Forward", "Index Name": "t{table}_pkey", "Relation Name": "t{table}", "Alias": "t{table}", "Startup Cost": 0.29, "Total Cost": 8.3, "Plan Rows": 1, "Plan Width": 16, "Actual Startup Time": 0.004, "Actual Total Time": 0.005, "Actual Rows": 1, "Actual Loops": {loops}, "Index Cond": "(id = o.t_id)", "Shared Hit Blocks": 3, "Shared Read Blocks": 0}}"#
        )
    };
    let mut children = Vec::new();
    let mut count = 1;
    let mut i = 0;
    while count + 3 <= nodes {
        children.push(format!(
            r#"{{"Node Type": "Nested Loop", "Parent Relationship": "Member", "Join Type": "Inner", "Startup Cost": 0.5, "Total Cost": 90.0, "Plan Rows": 10, "Plan Width": 32, "Actual Startup Time": 0.01, "Actual Total Time": 0.2, "Actual Rows": 10, "Actual Loops": 1, "Plans": [{}, {}]}}"#,
            scan(i, 1),
            scan(i + 1, 10)
        ));
        count += 3;
        i += 2;
    }
    format!(
        r#"[{{"Plan": {{"Node Type": "Append", "Startup Cost": 0.0, "Total Cost": 1000000.0, "Plan Rows": 100000, "Plan Width": 32, "Actual Startup Time": 0.01, "Actual Total Time": 900.0, "Actual Rows": 100000, "Actual Loops": 1, "Plans": [{}]}}, "Planning Time": 12.0, "Execution Time": 905.0}}]"#,
        children.join(", ")
    )
}
