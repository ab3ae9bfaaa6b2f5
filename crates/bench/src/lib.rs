//! Corpus loading for the benchmarks: the same file selection as the CLI (Python modules and
//! templates), read from a folder given in `DJREVIEW_BENCH_CORPUS`.

use std::path::Path;

use engine::{Project, SourceFile};

/// Reads every `.py` and `.html` file under `root` (skipping virtualenvs, VCS and cache folders).
pub fn load(root: &Path) -> Project {
    let mut files = Vec::new();
    walk(root, &mut files);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Project::new(files)
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
        } else if name.ends_with(".py")
            || (name.ends_with(".html") && path.components().any(|c| c.as_os_str() == "templates"))
        {
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
