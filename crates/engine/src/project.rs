//! The input: a set of named source texts, and the detection of what each one is.

use serde::{Deserialize, Serialize};

/// Everything under review: the files a user pasted or uploaded, or the CLI read from disk.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    pub files: Vec<SourceFile>,
}

/// One input text. `path` may be empty for an unnamed paste; `kind` overrides detection when set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<FileKind>,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile { path: path.into(), text: text.into(), kind: None }
    }

    pub fn with_kind(mut self, kind: FileKind) -> Self {
        self.kind = Some(kind);
        self
    }
}

impl Project {
    pub fn new(files: Vec<SourceFile>) -> Self {
        Project { files }
    }
}

/// What a source text is, which decides the front end that reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Python,
    Migration,
    Settings,
    Template,
    Explain,
    Diff,
    /// Process command lines and server configuration outside settings: a Procfile, a Dockerfile,
    /// a compose file, a shell script or systemd unit that starts gunicorn, uvicorn or Celery.
    Runtime,
    Unknown,
}

impl FileKind {
    pub const ALL: [FileKind; 8] = [
        FileKind::Python,
        FileKind::Migration,
        FileKind::Settings,
        FileKind::Template,
        FileKind::Explain,
        FileKind::Diff,
        FileKind::Runtime,
        FileKind::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Python => "python",
            FileKind::Migration => "migration",
            FileKind::Settings => "settings",
            FileKind::Template => "template",
            FileKind::Explain => "explain",
            FileKind::Diff => "diff",
            FileKind::Runtime => "runtime",
            FileKind::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<FileKind> {
        FileKind::ALL.into_iter().find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// Kinds whose text is Python source.
    pub fn is_python(self) -> bool {
        matches!(self, FileKind::Python | FileKind::Migration | FileKind::Settings)
    }
}

/// Decide a file's kind from its name (when it has one) and its content.
///
/// Content wins over a generic name: a paste named `untitled.py` that is a migration is a migration.
/// Only the first 64 KiB are inspected, so detection stays cheap on huge pastes.
pub fn detect_kind(path: &str, text: &str) -> FileKind {
    let head = prefix_at_char_boundary(text, 64 * 1024);
    let name = path.rsplit(['/', '\\']).next().unwrap_or("").to_ascii_lowercase();
    let lower_path = path.replace('\\', "/").to_ascii_lowercase();
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");

    if matches!(ext, "diff" | "patch") || looks_like_diff(head) {
        return FileKind::Diff;
    }
    if looks_like_runtime(&name, ext, head) {
        return FileKind::Runtime;
    }
    if matches!(
        ext,
        "html"
            | "htm"
            | "djhtml"
            | "jinja"
            | "jinja2"
            | "j2"
            | "txt"
            | "xml"
            | "json"
            | "yaml"
            | "yml"
            | "sql"
            | "explain"
            | "plan"
            | ""
    ) && looks_like_explain(head)
    {
        return FileKind::Explain;
    }
    if matches!(ext, "html" | "htm" | "djhtml" | "jinja" | "jinja2" | "j2") {
        return FileKind::Template;
    }
    if ext == "py" || ext.is_empty() || ext == "pyi" {
        if looks_like_migration(&lower_path, head) {
            return FileKind::Migration;
        }
        if looks_like_settings(&lower_path, &name, head) {
            return FileKind::Settings;
        }
        if ext == "py" || ext == "pyi" {
            return FileKind::Python;
        }
    }
    // Unnamed or oddly named: judge the content alone.
    if looks_like_template(head) {
        return FileKind::Template;
    }
    if looks_like_python(head) {
        return FileKind::Python;
    }
    if ext == "txt" && (head.contains("{%") || head.contains("{{")) {
        return FileKind::Template;
    }
    FileKind::Unknown
}

fn prefix_at_char_boundary(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn looks_like_diff(text: &str) -> bool {
    let mut minus = false;
    let mut plus = false;
    for line in text.lines().take(400) {
        if line.starts_with("diff --git ") {
            return true;
        }
        if line.starts_with("--- ") {
            minus = true;
        } else if line.starts_with("+++ ") && minus {
            plus = true;
        } else if line.starts_with("@@ ") && plus {
            return true;
        }
    }
    false
}

fn looks_like_explain(text: &str) -> bool {
    let t = text.trim_start();
    if t.contains("(cost=") && t.contains("rows=") {
        return true;
    }
    if t.contains("(actual time=") || t.contains("(actual rows=") {
        return true;
    }
    if t.starts_with("<explain") || (t.starts_with("<?xml") && t.contains("<explain")) {
        return true;
    }
    if (t.starts_with('[') || t.starts_with('{')) && (t.contains("\"Plan\"") || t.contains("'Plan'")) {
        return true;
    }
    if t.lines().take(5).any(|l| l.trim() == "QUERY PLAN") {
        return true;
    }
    t.lines().take(5).any(|l| l.trim_start().starts_with("- Plan:"))
}

fn looks_like_migration(lower_path: &str, text: &str) -> bool {
    if text.contains("(migrations.Migration)") {
        return true;
    }
    // `app/migrations/0001_initial.py`
    if let Some(rest) =
        lower_path.rsplit_once("/migrations/").map(|(_, r)| r).or_else(|| lower_path.strip_prefix("migrations/"))
    {
        return rest.as_bytes().first().is_some_and(u8::is_ascii_digit) && text.contains("class Migration");
    }
    false
}

/// Settings that only a Django settings module assigns at top level.
const SETTINGS_NAMES: &[&str] = &[
    "INSTALLED_APPS",
    "MIDDLEWARE",
    "DATABASES",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "ROOT_URLCONF",
    "TEMPLATES",
    "STATIC_URL",
    "WSGI_APPLICATION",
    "AUTH_PASSWORD_VALIDATORS",
    "DEFAULT_AUTO_FIELD",
    "USE_TZ",
    "CACHES",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "LOGGING",
    "STORAGES",
    "CELERY_BROKER_URL",
];

fn looks_like_settings(lower_path: &str, name: &str, text: &str) -> bool {
    let named = name == "settings.py" || lower_path.contains("/settings/") || lower_path.starts_with("settings/");
    let mut hits = 0;
    for line in text.lines() {
        // Only lines starting with a capital (a setting) or `f` (a star import) can count.
        match line.as_bytes().first() {
            Some(b'A'..=b'Z') => {
                if let Some((lhs, _)) = line.split_once('=') {
                    let lhs = lhs.trim_end_matches(['+', ' ']);
                    if SETTINGS_NAMES.contains(&lhs) {
                        hits += 1;
                    }
                }
            }
            Some(b'f') => {
                if line.starts_with("from .base import *") || line.starts_with("from .settings import *") {
                    hits += 2;
                }
            }
            _ => {}
        }
    }
    hits >= 3 || (named && (hits >= 1 || !text.contains("class ")))
}

/// Programs whose command lines the runtime rules read.
const RUNTIME_PROGRAMS: &[&str] = &["gunicorn", "uvicorn", "daphne", "hypercorn", "celery"];

/// Process definitions: a Procfile or Dockerfile by name; a compose file, shell script or systemd
/// unit by name when it starts one of [`RUNTIME_PROGRAMS`]; an unnamed paste whose lines are such
/// command lines (`web: gunicorn …`, `CMD gunicorn …`, `celery -A proj worker`).
fn looks_like_runtime(name: &str, ext: &str, text: &str) -> bool {
    if name == "procfile" || name.starts_with("procfile.") {
        return true;
    }
    if name == "dockerfile" || name.starts_with("dockerfile.") || ext == "dockerfile" || name.ends_with(".dockerfile") {
        return true;
    }
    let starts_program = || {
        text.lines().take(2000).any(|l| {
            let words: Vec<&str> = l.split_whitespace().take(12).collect();
            words.iter().any(|w| {
                let w = w.trim_matches(|c: char| c == '"' || c == '\'' || c == '[' || c == ',');
                let base = w.rsplit('/').next().unwrap_or(w);
                RUNTIME_PROGRAMS.contains(&base)
            })
        })
    };
    let compose = (name.starts_with("docker-compose") || name.starts_with("compose")) && matches!(ext, "yml" | "yaml");
    let shebang = text.starts_with("#!") && text.lines().next().is_some_and(|l| l.contains("sh"));
    let supervisor = matches!(ext, "conf" | "ini") && text.contains("[program:");
    if compose || supervisor || matches!(ext, "sh" | "bash" | "service") || (ext.is_empty() && shebang) {
        return starts_program();
    }
    if (ext.is_empty() || ext == "txt") && !name.starts_with("requirements") && !name.starts_with("constraints") {
        // A pasted command line or Procfile: every non-blank, non-comment line is a command.
        let lines: Vec<&str> =
            text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).take(50).collect();
        return !lines.is_empty()
            && lines.len() <= 40
            && lines.iter().any(|l| {
                let l = l.split_once(": ").filter(|(k, _)| !k.contains(' ')).map_or(*l, |(_, r)| r);
                let l = l.strip_prefix("CMD ").or_else(|| l.strip_prefix("ENTRYPOINT ")).unwrap_or(l);
                // Past `exec`, `VAR=value` and `python -m`, a program and at least one argument: a
                // bare `celery` line is a requirements list.
                let mut words = l
                    .split_whitespace()
                    .map(|w| w.trim_matches(|c: char| c == '"' || c == '[' || c == ','))
                    .skip_while(|w| *w == "exec" || w.contains('=') || w.starts_with("python") || *w == "-m")
                    .peekable();
                let first = words.next().unwrap_or("");
                RUNTIME_PROGRAMS.contains(&first.rsplit('/').next().unwrap_or(first)) && words.next().is_some()
            })
            && !looks_like_python(text);
    }
    false
}

fn looks_like_template(text: &str) -> bool {
    let tags = text.matches("{%").count();
    let vars = text.matches("{{").count();
    if tags == 0 && vars == 0 {
        return false;
    }
    let html = text.contains("</") || text.contains("<div") || text.contains("<!DOCTYPE") || text.contains("<!doctype");
    // Python code rarely holds `{%`; f-strings hold `{{` only as escapes, so demand a tag or markup.
    tags > 0 && (html || !looks_like_python(text)) || (vars > 0 && html)
}

fn looks_like_python(text: &str) -> bool {
    // Definitions and imports are strong evidence; other statements are weak.
    let mut score = 0;
    for line in text.lines().take(500) {
        let t = line.trim_start();
        let strong = t.starts_with("def ")
            || t.starts_with("async def ")
            || t.starts_with("class ")
            || t.starts_with("import ")
            || (t.starts_with("from ") && t.contains(" import "));
        let weak = t.starts_with("return ")
            || t.starts_with('@')
            || (t.starts_with("for ") && t.ends_with(':'))
            || (t.starts_with("if ") && t.ends_with(':'))
            || t.starts_with("self.");
        score += if strong { 2 } else { usize::from(weak) };
        if score >= 2 {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_kinds_from_names_and_content() {
        let cases: &[(&str, &str, FileKind)] = &[
            ("blog/models.py", "from django.db import models\nclass A(models.Model): pass\n", FileKind::Python),
            ("", "from django.db import models\n\nclass A(models.Model):\n    pass\n", FileKind::Python),
            (
                "blog/migrations/0002_auto.py",
                "from django.db import migrations\nclass Migration(migrations.Migration):\n    pass\n",
                FileKind::Migration,
            ),
            ("", "class Migration(migrations.Migration):\n    operations = []\n", FileKind::Migration),
            ("proj/settings.py", "DEBUG = True\n", FileKind::Settings),
            ("", "SECRET_KEY = 'x'\nDEBUG = False\nINSTALLED_APPS = []\nMIDDLEWARE = []\n", FileKind::Settings),
            ("proj/settings/production.py", "from .base import *\nDEBUG = False\n", FileKind::Settings),
            ("templates/list.html", "<ul>{% for p in posts %}<li>{{ p }}</li>{% endfor %}</ul>", FileKind::Template),
            ("", "{% extends 'base.html' %}\n{% block body %}{{ x }}{% endblock %}\n", FileKind::Template),
            ("", "Seq Scan on books  (cost=0.00..1.10 rows=10 width=4)\n", FileKind::Explain),
            ("plan.json", "[{\"Plan\": {\"Node Type\": \"Seq Scan\"}}]", FileKind::Explain),
            ("", "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n", FileKind::Diff),
            ("fix.patch", "anything", FileKind::Diff),
            ("", "just some words", FileKind::Unknown),
            ("", "def broken(:\n    pass\n", FileKind::Python),
            ("", "return to sender\n", FileKind::Unknown),
            ("Procfile", "web: gunicorn proj.wsgi\n", FileKind::Runtime),
            ("deploy/Dockerfile", "FROM python:3.12\nCMD [\"gunicorn\", \"proj.wsgi\"]\n", FileKind::Runtime),
            ("docker-compose.yml", "services:\n  worker:\n    command: celery -A proj worker\n", FileKind::Runtime),
            ("docker-compose.yml", "services:\n  db:\n    image: postgres\n", FileKind::Unknown),
            (
                "bin/start.sh",
                "#!/bin/sh\nexec gunicorn proj.asgi:application -k uvicorn.workers.UvicornWorker\n",
                FileKind::Runtime,
            ),
            ("", "web: gunicorn proj.wsgi --workers 4\nworker: celery -A proj worker\n", FileKind::Runtime),
            ("notes.txt", "deploy with care\n", FileKind::Unknown),
            ("", "django\ncelery\ngunicorn\n", FileKind::Unknown),
            ("requirements.txt", "gunicorn -r base.txt\n", FileKind::Unknown),
            ("compose/production/django/start", "#!/bin/bash\nset -o errexit\nexec /usr/local/bin/gunicorn config.asgi -k uvicorn_worker.UvicornWorker\n", FileKind::Runtime),
            ("", "exec gunicorn config.wsgi --bind 0.0.0.0:5000\n", FileKind::Runtime),
            ("deploy/supervisor.conf", "[program:worker]\ncommand=/srv/venv/bin/celery -A proj worker -l info\n", FileKind::Runtime),
            ("deploy/nginx.conf", "upstream app { server unix:/run/gunicorn.sock; }\n", FileKind::Unknown),
        ];
        for (path, text, kind) in cases {
            assert_eq!(detect_kind(path, text), *kind, "path={path:?} text={text:?}");
        }
    }

    #[test]
    fn an_indented_snippet_without_name_is_python() {
        let text = "    def get(self, request):\n        for b in Book.objects.all():\n            print(b.author)\n";
        assert_eq!(detect_kind("", text), FileKind::Python);
    }

    #[test]
    fn kind_names_round_trip() {
        for k in FileKind::ALL {
            assert_eq!(FileKind::parse(k.as_str()), Some(k));
        }
    }
}
