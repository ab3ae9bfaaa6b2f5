//! Turning paths into source files: folders are walked (skipping virtualenvs, node_modules, VCS and
//! cache folders), binary files are skipped with a warning, invalid UTF-8 is decoded lossily.

use std::path::Path;

use engine::SourceFile;

pub struct Found {
    pub files: Vec<SourceFile>,
    pub warnings: Vec<String>,
}

/// Folders never worth reading.
const SKIP_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "__pycache__",
    ".tox",
    ".nox",
    ".venv",
    "venv",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "site-packages",
    ".eggs",
    "target",
    "dist",
    ".idea",
    ".vscode",
];

/// Extensions read when walking a folder (named files are always read).
fn wanted(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let in_templates = path.components().any(|c| c.as_os_str() == "templates" || c.as_os_str() == "jinja2");
    match ext.as_str() {
        "py" | "diff" | "patch" | "explain" => true,
        "html" | "htm" | "djhtml" | "jinja" | "jinja2" | "j2" => true,
        "txt" => in_templates,
        _ => false,
    }
}

/// Small text files that may hold an EXPLAIN plan.
fn maybe_plan(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    matches!(ext.as_str(), "txt" | "json" | "yaml" | "yml" | "xml" | "sql" | "plan")
        && std::fs::metadata(path).is_ok_and(|m| m.len() <= 5_000_000)
}

/// Files that may start the web server or workers (a Procfile, a Dockerfile, a compose file, a
/// shell script, a systemd unit): kept only when the engine reads them as runtime files.
fn maybe_runtime(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_ascii_lowercase();
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let named = name == "procfile"
        || name.starts_with("procfile.")
        || name == "dockerfile"
        || name.starts_with("dockerfile.")
        || name.ends_with(".dockerfile")
        || ((name.starts_with("docker-compose") || name.starts_with("compose"))
            && matches!(ext.as_str(), "yml" | "yaml"))
        || matches!(ext.as_str(), "sh" | "bash" | "service" | "conf" | "ini");
    // Start scripts without an extension, in the folders deployments keep them in.
    let script = ext.is_empty()
        && path.parent().is_some_and(|p| {
            p.components().any(|c| {
                matches!(
                    c.as_os_str().to_str(),
                    Some("compose" | "docker" | ".docker" | "deploy" | "deployment" | "bin" | "scripts")
                )
            })
        });
    (named && std::fs::metadata(path).is_ok_and(|m| m.len() <= 1_000_000))
        || (script && std::fs::metadata(path).is_ok_and(|m| m.len() <= 64 * 1024))
}

pub fn collect(path: &Path) -> std::io::Result<Found> {
    let mut found = Found { files: Vec::new(), warnings: Vec::new() };
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        let mut candidates = Vec::new();
        walk_dir(path, &mut candidates, &mut found.warnings)?;
        // Reading and decoding are independent per file: on every core, results in walk order.
        let read = engine::par::map(
            &candidates,
            |c| c.size as usize,
            |_, c| match read_candidate(c) {
                Ok(read) => read,
                Err(e) if c.keep == Keep::Always => Read::Warning(format!("{}: {e}; skipped", c.path.display())),
                Err(_) => Read::Nothing,
            },
        );
        read.into_iter().for_each(|r| found.add(r));
        found.files.sort_by(|a, b| a.path.cmp(&b.path));
    } else {
        // A file named on the command line that cannot be read is an error, not a warning.
        let named = Candidate { path: path.to_path_buf(), size: meta.len(), keep: Keep::Always };
        found.add(read_candidate(&named)?);
    }
    Ok(found)
}

impl Found {
    fn add(&mut self, read: Read) {
        match read {
            Read::File(file) => self.files.push(file),
            Read::Warning(w) => self.warnings.push(w),
            Read::Nothing => {}
        }
    }
}

/// A file the walk found worth opening.
struct Candidate {
    path: std::path::PathBuf,
    size: u64,
    keep: Keep,
}

/// Which files, once read, are kept.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// Code, templates, diffs: every readable text file.
    Always,
    /// Only when the engine reads the content as this kind (runtime files, saved plans).
    IfKind(engine::FileKind),
}

enum Read {
    File(SourceFile),
    Warning(String),
    Nothing,
}

fn walk_dir(dir: &Path, found: &mut Vec<Candidate>, warnings: &mut Vec<String>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let Ok(file_type) = entry.file_type() else { continue };
        if file_type.is_symlink() {
            continue;
        }
        if file_type.is_dir() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            // A virtualenv under any name carries pyvenv.cfg.
            if SKIP_DIRS.contains(&name.as_ref()) || path.join("pyvenv.cfg").exists() {
                continue;
            }
            if let Err(e) = walk_dir(&path, found, warnings) {
                warnings.push(format!("{}: {e}; skipped", path.display()));
            }
            continue;
        }
        let keep = if wanted(&path) {
            Keep::Always
        } else if maybe_runtime(&path) {
            Keep::IfKind(engine::FileKind::Runtime)
        } else if maybe_plan(&path) {
            // Saved EXPLAIN output (`plan.txt`, `plan.json`): kept only when it reads as a plan.
            Keep::IfKind(engine::FileKind::Explain)
        } else {
            continue;
        };
        let size = entry.metadata().map_or(0, |m| m.len());
        found.push(Candidate { path, size, keep });
    }
    Ok(())
}

/// Reads and decodes one candidate; IO errors are the caller's to report.
fn read_candidate(candidate: &Candidate) -> std::io::Result<Read> {
    let bytes = std::fs::read(&candidate.path)?;
    let shown = candidate.path.to_string_lossy().trim_start_matches("./").to_string();
    Ok(match (decode(bytes), candidate.keep) {
        (Some(text), Keep::Always) => Read::File(SourceFile::new(shown, text)),
        (None, Keep::Always) => Read::Warning(format!("{shown}: looks binary; skipped")),
        (Some(text), Keep::IfKind(kind)) if engine::detect_kind(&shown, &text) == kind => {
            Read::File(SourceFile::new(shown, text))
        }
        _ => Read::Nothing,
    })
}

/// Text from bytes: `None` for binary content (a NUL byte early on), lossy UTF-8 otherwise.
/// Valid UTF-8 (nearly every file) becomes the string without a copy.
pub fn decode(mut bytes: Vec<u8>) -> Option<String> {
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return None;
    }
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    match String::from_utf8(bytes) {
        Ok(text) => Some(text),
        Err(e) => Some(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_text_and_rejects_binary() {
        assert_eq!(decode(b"\xEF\xBB\xBFx = 1\n".to_vec()).as_deref(), Some("x = 1\n"));
        assert_eq!(decode(b"a\xFFb".to_vec()).as_deref(), Some("a\u{FFFD}b"));
        assert_eq!(decode(b"\xEF\xBB\xBFa\xFFb".to_vec()).as_deref(), Some("a\u{FFFD}b"));
        assert_eq!(decode(b"\x7FELF\x00\x01".to_vec()), None);
    }

    #[test]
    fn picks_up_runtime_files() {
        let dir = std::env::temp_dir().join(format!("djreview-walk-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("deploy")).expect("temp dir");
        std::fs::write(dir.join("Procfile"), "web: gunicorn proj.wsgi\n").expect("write");
        std::fs::write(dir.join("deploy/Dockerfile"), "FROM python\nCMD gunicorn proj.wsgi\n").expect("write");
        std::fs::write(dir.join("deploy/docker-compose.yml"), "services:\n  db:\n    image: postgres\n")
            .expect("write");
        std::fs::write(dir.join("deploy/build.sh"), "#!/bin/sh\nnpm run build\n").expect("write");
        std::fs::write(dir.join("deploy/start"), "#!/bin/bash\nexec gunicorn proj.wsgi\n").expect("write");
        std::fs::write(dir.join("deploy/nginx.conf"), "server { listen 80; }\n").expect("write");
        let found = collect(&dir).expect("collect");
        let names: Vec<&str> = found.files.iter().filter_map(|f| f.path.rsplit('/').next()).collect();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(names, vec!["Procfile", "Dockerfile", "start"]);
    }
}
