//! The runtime envelope outside settings: the command lines that start the web server and the
//! Celery workers (a Procfile, a Dockerfile's `CMD`/`ENTRYPOINT`, a compose file's `command:`, a
//! shell script, a systemd unit's `ExecStart=`) and gunicorn's Python configuration file.
//!
//! Nothing here runs a shell: command lines are split into words the way a POSIX shell quotes
//! them, `$VARIABLES` stay unexpanded (and so unknown), and every reader returns what it could
//! read; a line it cannot split (an unterminated quote) is skipped, never a panic.

use rustpython_parser::ast::{Constant, Expr, Stmt, UnaryOp};

use super::view::PyFile;
use crate::text::Span;

/// A file of [`crate::project::FileKind::Runtime`], kept as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeFile {
    pub path: String,
    pub text: String,
}

/// The servers and workers whose command lines the rules read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Program {
    Gunicorn,
    Uvicorn,
    Daphne,
    Hypercorn,
    Celery,
}

impl Program {
    fn from_word(w: &str) -> Option<Program> {
        let base = w.rsplit('/').next().unwrap_or(w);
        Some(match base {
            "gunicorn" => Program::Gunicorn,
            "uvicorn" => Program::Uvicorn,
            "daphne" => Program::Daphne,
            "hypercorn" => Program::Hypercorn,
            "celery" => Program::Celery,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Program::Gunicorn => "gunicorn",
            Program::Uvicorn => "uvicorn",
            Program::Daphne => "daphne",
            Program::Hypercorn => "hypercorn",
            Program::Celery => "celery",
        }
    }
}

/// One command that starts a server or worker.
#[derive(Clone, Debug, PartialEq)]
pub struct Command {
    pub path: String,
    /// The line (or lines, with continuations) the command is written on.
    pub span: Span,
    pub program: Program,
    /// The words after the program name.
    pub args: Vec<String>,
    /// The process type: a Procfile entry's name or a compose service, when known.
    pub role: Option<String>,
}

/// An option's value on a command line or in a configuration file.
#[derive(Clone, Debug, PartialEq)]
pub enum Opt {
    /// Not given.
    Absent,
    /// Given, but not as a literal (`$WORKERS`, `multiprocessing.cpu_count() * 2`).
    Unknown(String),
    /// Given as this literal text (a flag without a value is `""`).
    Value(String),
}

impl Opt {
    pub fn int(&self) -> Option<i64> {
        match self {
            Opt::Value(v) => v.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn is_absent(&self) -> bool {
        matches!(self, Opt::Absent)
    }
}

/// A shell word or operator.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Word(String),
    /// `;`, `&&`, `||`, `|`, `&`: the end of one simple command.
    Separator,
}

/// Splits a command line into words with POSIX quoting (single quotes, double quotes with
/// backslash escapes, backslash outside quotes) and command separators. A `#` starting a word
/// begins a comment. An unterminated quote is an error.
fn tokenize(line: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    let flush = |word: &mut String, in_word: &mut bool, out: &mut Vec<Token>| {
        if *in_word {
            out.push(Token::Word(std::mem::take(word)));
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(x) => word.push(x),
                        None => return Err("unterminated single quote".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(x @ ('"' | '\\' | '$' | '`')) => word.push(x),
                            Some(x) => {
                                word.push('\\');
                                word.push(x);
                            }
                            None => return Err("unterminated double quote".into()),
                        },
                        Some(x) => word.push(x),
                        None => return Err("unterminated double quote".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(x) = chars.next() {
                    word.push(x);
                }
            }
            '#' if !in_word => break,
            ';' | '&' | '|' => {
                flush(&mut word, &mut in_word, &mut out);
                if matches!(chars.peek(), Some('&' | '|')) {
                    chars.next();
                }
                out.push(Token::Separator);
            }
            c if c.is_whitespace() => flush(&mut word, &mut in_word, &mut out),
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    flush(&mut word, &mut in_word, &mut out);
    Ok(out)
}

/// A JSON-style array of strings (`["gunicorn", "proj.wsgi"]`), as Dockerfiles and compose files
/// write exec-form commands; compose also accepts bare words in a flow list.
fn parse_array(text: &str) -> Result<Vec<String>, String> {
    let inner = text
        .trim()
        .strip_prefix('[')
        .and_then(|t| t.trim_end().strip_suffix(']'))
        .ok_or_else(|| "not an array".to_string())?;
    let mut out = Vec::new();
    let mut chars = inner.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let Some(&first) = chars.peek() else { break };
        let mut item = String::new();
        if first == '"' || first == '\'' {
            chars.next();
            loop {
                match chars.next() {
                    Some(c) if c == first => break,
                    Some('\\') => match chars.next() {
                        Some('n') => item.push('\n'),
                        Some('t') => item.push('\t'),
                        Some(x) => item.push(x),
                        None => return Err("unterminated string".into()),
                    },
                    Some(c) => item.push(c),
                    None => return Err("unterminated string".into()),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                item.push(c);
                chars.next();
            }
            item = item.trim().to_string();
        }
        out.push(item);
    }
    Ok(out)
}

/// Words that only wrap the real command: `exec gunicorn …`, `poetry run celery …`,
/// `python -m gunicorn …`, `VAR=value gunicorn …`. Returns the program and its arguments.
fn find_program(words: &[String]) -> Option<(Program, Vec<String>)> {
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_str();
        let base = w.rsplit('/').next().unwrap_or(w);
        if let Some(p) = Program::from_word(w) {
            return Some((p, words[i + 1..].to_vec()));
        }
        let is_assignment = w
            .split_once('=')
            .is_some_and(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        if is_assignment
            || matches!(
                base,
                "exec"
                    | "env"
                    | "nohup"
                    | "time"
                    | "dumb-init"
                    | "tini"
                    | "--"
                    | "ddtrace-run"
                    | "opentelemetry-instrument"
                    | "gosu"
                    | "su-exec"
            )
        {
            // `gosu user cmd`: skip the user too.
            if matches!(base, "gosu" | "su-exec") {
                i += 1;
            }
            i += 1;
            continue;
        }
        // Heroku buildpacks' launchers (`bin/start-pgbouncer gunicorn …`, `bin/start-nginx …`).
        if base.starts_with("start-") {
            i += 1;
            continue;
        }
        if matches!(base, "poetry" | "pipenv" | "uv" | "pdm" | "hatch" | "rye" | "doppler" | "infisical")
            && words.get(i + 1).is_some_and(|n| n == "run")
        {
            i += 2;
            continue;
        }
        if base == "newrelic-admin" && words.get(i + 1).is_some_and(|n| n == "run-program") {
            i += 2;
            continue;
        }
        if base.starts_with("python") && words.get(i + 1).is_some_and(|n| n == "-m") {
            let module = words.get(i + 2)?;
            let p = Program::from_word(module)?;
            return Some((p, words[(i + 3).min(words.len())..].to_vec()));
        }
        return None;
    }
    None
}

/// The programs started by one logical line of shell.
fn commands_in_shell(line: &str) -> Vec<(Program, Vec<String>)> {
    let Ok(tokens) = tokenize(line) else { return Vec::new() };
    let mut out = Vec::new();
    for part in tokens.split(|t| *t == Token::Separator) {
        let words: Vec<String> = part
            .iter()
            .filter_map(|t| match t {
                Token::Word(w) => Some(w.clone()),
                Token::Separator => None,
            })
            .collect();
        out.extend(commands_in_words(&words));
    }
    out
}

/// The program started by a word list, looking inside `sh -c "…"`.
fn commands_in_words(words: &[String]) -> Vec<(Program, Vec<String>)> {
    let first = words.first().map(|w| w.rsplit('/').next().unwrap_or(w)).unwrap_or("");
    if matches!(first, "sh" | "bash" | "ash" | "dash" | "zsh") {
        if let Some(at) = words.iter().position(|w| w == "-c" || w == "-ec" || w == "-ex" || w == "-xe") {
            if let Some(script) = words.get(at + 1) {
                return script.lines().flat_map(commands_in_shell).collect();
            }
        }
        return Vec::new();
    }
    find_program(words).into_iter().collect()
}

/// What sort of file holds the commands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Procfile,
    Dockerfile,
    Compose,
    Systemd,
    /// supervisord: `command=` in `[program:name]` sections.
    Supervisor,
    Shell,
    /// An unnamed paste: each line is judged on its own.
    Paste,
}

fn style_of(path: &str) -> Style {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path).to_ascii_lowercase();
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    if name == "procfile" || name.starts_with("procfile.") {
        Style::Procfile
    } else if name == "dockerfile" || name.starts_with("dockerfile.") || name.ends_with(".dockerfile") {
        Style::Dockerfile
    } else if matches!(ext, "yml" | "yaml") {
        Style::Compose
    } else if ext == "service" {
        Style::Systemd
    } else if matches!(ext, "conf" | "ini") {
        Style::Supervisor
    } else if matches!(ext, "sh" | "bash") {
        Style::Shell
    } else {
        Style::Paste
    }
}

/// Lines joined across trailing backslashes: (first line, last line, text).
fn logical_lines(text: &str) -> Vec<(u32, u32, String)> {
    let mut out = Vec::new();
    let mut current: Option<(u32, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let n = i as u32 + 1;
        let (start, mut acc) = current.take().unwrap_or((n, String::new()));
        let trimmed = raw.trim_end();
        if let Some(head) = trimmed.strip_suffix('\\') {
            acc.push_str(head);
            acc.push(' ');
            current = Some((start, acc));
        } else {
            acc.push_str(trimmed);
            out.push((start, n, acc));
        }
    }
    if let Some((start, acc)) = current {
        let end = text.lines().count() as u32;
        out.push((start, end.max(start), acc));
    }
    out
}

fn strip_yaml_quotes(v: &str) -> &str {
    let v = v.trim();
    if v.len() >= 2 && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\''))) {
        &v[1..v.len() - 1]
    } else {
        v
    }
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The commands a runtime file starts.
pub fn commands(file: &RuntimeFile) -> Vec<Command> {
    let style = style_of(&file.path);
    let mut out = Vec::new();
    let mut push = |start: u32, end: u32, role: Option<String>, found: Vec<(Program, Vec<String>)>| {
        for (program, args) in found {
            let end_len = crate::text::nth_line(&file.text, end).map(|l| l.chars().count() as u32).unwrap_or(0);
            let span = Span { line: start, column: 1, end_line: end, end_column: end_len.max(1) + 1 };
            out.push(Command { path: file.path.clone(), span, program, args, role: role.clone() });
        }
    };
    if style == Style::Compose {
        compose_commands(&file.text, &mut push);
        return out;
    }
    let mut section: Option<String> = None;
    for (start, end, line) in logical_lines(&file.text) {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let docker = |rest: &str| -> Vec<(Program, Vec<String>)> {
            let rest = rest.trim();
            if rest.starts_with('[') {
                parse_array(rest).map(|words| commands_in_words(&words)).unwrap_or_default()
            } else {
                commands_in_shell(rest)
            }
        };
        let upper_word = t.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
        let found = match style {
            Style::Dockerfile => match upper_word.as_str() {
                "CMD" | "ENTRYPOINT" => docker(&t[upper_word.len()..]),
                _ => Vec::new(),
            },
            Style::Systemd => match t.split_once('=') {
                Some((k, v)) if k.trim() == "ExecStart" => {
                    commands_in_shell(v.trim_start_matches(['-', '@', '+', '!', ':']))
                }
                _ => Vec::new(),
            },
            Style::Supervisor => {
                if let Some(name) = t.strip_prefix("[program:").and_then(|r| r.strip_suffix(']')) {
                    section = Some(name.trim().to_string());
                    continue;
                }
                if t.starts_with('[') {
                    section = None;
                }
                match t.split_once('=') {
                    Some((k, v)) if k.trim() == "command" => {
                        let found = commands_in_shell(v);
                        push(start, end, section.clone(), found);
                        continue;
                    }
                    _ => Vec::new(),
                }
            }
            Style::Procfile => match t.split_once(':') {
                Some((role, cmd)) if !role.contains(' ') => {
                    let found = commands_in_shell(cmd);
                    push(start, end, Some(role.trim().to_string()), found);
                    continue;
                }
                _ => Vec::new(),
            },
            Style::Shell => commands_in_shell(t),
            Style::Paste => {
                if matches!(upper_word.as_str(), "CMD" | "ENTRYPOINT") {
                    docker(&t[upper_word.len()..])
                } else if let Some((role, cmd)) =
                    t.split_once(": ").filter(|(r, _)| !r.contains(' ') && !r.starts_with('-'))
                {
                    let found = commands_in_shell(cmd);
                    push(start, end, Some(role.trim().to_string()), found);
                    continue;
                } else {
                    commands_in_shell(t)
                }
            }
            Style::Compose => Vec::new(),
        };
        push(start, end, None, found);
    }
    out
}

/// `command:` and `entrypoint:` entries of a compose file, with their service's name: a string,
/// a flow list, a block scalar (`>`/`|`) or a block list of `- item` lines.
fn compose_commands(text: &str, push: &mut dyn FnMut(u32, u32, Option<String>, Vec<(Program, Vec<String>)>)) {
    let lines: Vec<&str> = text.lines().collect();
    let mut service: Option<(usize, String)> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim();
        let ind = indent_of(line);
        if t.is_empty() || t.starts_with('#') {
            i += 1;
            continue;
        }
        // A service is a key one level under `services:`; remember the nearest shallow key.
        if let Some(key) = t.strip_suffix(':') {
            if !key.contains(' ') && ind > 0 && service.as_ref().is_none_or(|(d, _)| ind <= *d) {
                service = Some((ind, key.trim_matches(['"', '\'']).to_string()));
            }
        }
        let Some((key, value)) = t.split_once(':') else {
            i += 1;
            continue;
        };
        if key != "command" && key != "entrypoint" {
            i += 1;
            continue;
        }
        let value = value.trim();
        let role = service.as_ref().map(|(_, s)| s.clone());
        let start = i as u32 + 1;
        // Continuation lines: deeper than the key.
        let mut j = i + 1;
        while j < lines.len() && (lines[j].trim().is_empty() || indent_of(lines[j]) > ind) {
            j += 1;
        }
        let block: Vec<&str> = lines[i + 1..j].iter().map(|l| l.trim()).filter(|l| !l.is_empty()).collect();
        let end = (start + block.len() as u32).max(start);
        let found = if value.is_empty() {
            let items: Vec<String> = block
                .iter()
                .filter_map(|l| l.strip_prefix("- ").or_else(|| l.strip_prefix('-')))
                .map(|v| strip_yaml_quotes(v).to_string())
                .collect();
            commands_in_words(&items)
        } else if value.starts_with('>') || value.starts_with('|') {
            commands_in_shell(&block.join(" "))
        } else if value.starts_with('[') {
            let mut flow = value.to_string();
            for l in &block {
                flow.push(' ');
                flow.push_str(l);
            }
            parse_array(&flow).map(|w| commands_in_words(&w)).unwrap_or_default()
        } else {
            let mut joined = strip_yaml_quotes(value).to_string();
            for l in &block {
                joined.push(' ');
                joined.push_str(l);
            }
            commands_in_shell(strip_yaml_quotes(&joined))
        };
        push(start, if value.is_empty() || value.starts_with(['>', '|', '[']) { end } else { start }, role, found);
        i = j;
    }
}

/// Options of a gunicorn, uvicorn or celery command line that take no value.
const FLAGS: &[&str] = &[
    "--reload",
    "--preload",
    "--daemon",
    "-D",
    "--check-config",
    "--print-config",
    "--spew",
    "--capture-output",
    "--enable-stdio-inheritance",
    "--no-sendfile",
    "--reuse-port",
    "--strip-header-spaces",
    "--log-syslog",
    "-R",
    "-B",
    "--beat",
    "-E",
    "--task-events",
    "--without-gossip",
    "--without-mingle",
    "--without-heartbeat",
    "--detach",
    "--purge",
    "--discard",
    "--quiet",
    "-q",
    "--no-color",
    "--proxy-headers",
    "--no-proxy-headers",
    "--no-access-log",
    "--use-colors",
    "--no-use-colors",
    "--factory",
    "--skip-checks",
    "--no-execv",
    "--reload-engine-auto",
    "-v",
    "--verbose",
];

impl Command {
    /// An option's value: `--name value`, `--name=value`, `-n value`, `-nvalue` (short options).
    pub fn opt(&self, names: &[&str]) -> Opt {
        let mut found = Opt::Absent;
        let mut i = 0;
        while i < self.args.len() {
            let a = self.args[i].as_str();
            for n in names {
                let value = if a == *n {
                    if FLAGS.contains(n) {
                        Some(String::new())
                    } else {
                        self.args.get(i + 1).cloned()
                    }
                } else if let Some(v) = a.strip_prefix(n).and_then(|r| r.strip_prefix('=')) {
                    Some(v.to_string())
                } else if let Some(v) = a
                    .strip_prefix(n)
                    .filter(|_| n.starts_with("--"))
                    .and_then(|r| r.strip_prefix(':'))
                    .and_then(|r| r.split_once('='))
                {
                    // `celery multi`'s per-node form: `--prefetch-multiplier:celery=4`.
                    Some(v.1.to_string())
                } else if n.len() == 2 && !n.starts_with("--") && a.starts_with(n) && !a.starts_with("--") {
                    Some(a[n.len()..].to_string())
                } else {
                    None
                };
                if let Some(v) = value {
                    found = if v.contains('$') || v.contains("{{") { Opt::Unknown(v) } else { Opt::Value(v) };
                }
            }
            i += 1;
        }
        found
    }

    /// Words that are not options or option values.
    pub fn positionals(&self) -> Vec<&str> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < self.args.len() {
            let a = self.args[i].as_str();
            if a.starts_with('-') && a.len() > 1 {
                // A long option with `=`, a flag, or a short option with its value attached.
                let attached = a.contains('=') || (!a.starts_with("--") && a.len() > 2);
                if !attached && !FLAGS.contains(&a) {
                    i += 1;
                }
            } else {
                out.push(a);
            }
            i += 1;
        }
        out
    }

    /// The application a server command serves (`proj.wsgi:application`, `proj.asgi`).
    pub fn app(&self) -> Option<&str> {
        self.positionals().into_iter().rev().find(|p| {
            !p.contains('/')
                && !p.is_empty()
                && p.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | ':' | '(' | ')' | '{' | '}' | ' '))
        })
    }

    /// Whether this is a Celery command that starts workers: `celery worker`, or `celery multi
    /// start|restart`, which starts one worker per node.
    pub fn starts_celery_workers(&self) -> bool {
        if self.program != Program::Celery {
            return false;
        }
        match self.celery_subcommand() {
            Some("worker") => true,
            Some("multi") => {
                let p = self.positionals();
                let at = p.iter().position(|w| *w == "multi").unwrap_or(0);
                matches!(p.get(at + 1).copied(), Some("start" | "restart"))
            }
            _ => false,
        }
    }

    /// The Celery sub-command (`worker`, `beat`, …).
    pub fn celery_subcommand(&self) -> Option<&str> {
        self.positionals().into_iter().find(|p| {
            matches!(
                *p,
                "worker"
                    | "beat"
                    | "flower"
                    | "multi"
                    | "events"
                    | "inspect"
                    | "control"
                    | "purge"
                    | "call"
                    | "shell"
                    | "status"
                    | "result"
                    | "report"
                    | "graph"
                    | "upgrade"
                    | "migrate"
                    | "amqp"
                    | "list"
                    | "logtool"
            )
        })
    }
}

/// Whether an app path names a WSGI or ASGI entry point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interface {
    Wsgi,
    Asgi,
}

pub fn interface_of(app: &str) -> Option<Interface> {
    let module = app.split(':').next().unwrap_or(app);
    let last = module.rsplit('.').next().unwrap_or(module);
    let callable = app.split_once(':').map(|(_, c)| c).unwrap_or("");
    if last == "wsgi" || last.ends_with("_wsgi") || callable.contains("get_wsgi_application") {
        Some(Interface::Wsgi)
    } else if last == "asgi" || last.ends_with("_asgi") || callable.contains("get_asgi_application") {
        Some(Interface::Asgi)
    } else {
        None
    }
}

/// A gunicorn configuration file (`gunicorn.conf.py`): its module-level settings.
pub struct GunicornConfig<'a> {
    pub file: &'a PyFile,
}

/// Whether a Python file is a gunicorn configuration file, by its name.
pub fn is_gunicorn_config(path: &str) -> bool {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path).to_ascii_lowercase();
    matches!(
        name.as_str(),
        "gunicorn.conf.py"
            | "gunicorn_conf.py"
            | "gunicorn.py"
            | "gunicorn_config.py"
            | "gunicorn-conf.py"
            | "gunicorn_cfg.py"
    )
}

impl<'a> GunicornConfig<'a> {
    /// A setting's value and where it is assigned. A literal number or string is a value; anything
    /// else (a call, an environment read) is unknown.
    pub fn get(&self, name: &str) -> (Opt, Option<Span>) {
        let mut found = (Opt::Absent, None);
        for s in self.file.parsed.body() {
            let (targets, value): (Vec<&Expr>, &Expr) = match s {
                Stmt::Assign(a) => (a.targets.iter().collect(), &a.value),
                Stmt::AnnAssign(a) => match &a.value {
                    Some(v) => (vec![&*a.target], v),
                    None => continue,
                },
                _ => continue,
            };
            if !targets.iter().any(|t| matches!(t, Expr::Name(n) if n.id.as_str() == name)) {
                continue;
            }
            let opt =
                literal(value).map_or_else(|| Opt::Unknown(self.file.parsed.source_of(value).to_string()), Opt::Value);
            found = (opt, Some(self.file.parsed.span_of(s)));
        }
        found
    }
}

fn literal(e: &Expr) -> Option<String> {
    match e {
        Expr::Constant(c) => match &c.value {
            Constant::Int(i) => Some(i.to_string()),
            Constant::Str(s) => Some(s.clone()),
            Constant::Bool(b) => Some(b.to_string()),
            Constant::Float(f) => Some(f.to_string()),
            _ => None,
        },
        Expr::UnaryOp(u) if u.op == UnaryOp::USub => literal(&u.operand).map(|v| format!("-{v}")),
        _ => None,
    }
}

/// The gunicorn configuration a command loads: the file `-c`/`--config` names (matched by the end
/// of its path, or `python:module` by module), else `gunicorn.conf.py` in the input, which gunicorn
/// reads from its working directory. `Err(name)` when the command names a file not in the input.
pub fn config_for<'a>(cmd: &Command, files: &'a [PyFile]) -> Result<Option<GunicornConfig<'a>>, String> {
    match cmd.opt(&["-c", "--config"]) {
        Opt::Value(v) => {
            let wanted = match v.strip_prefix("python:") {
                Some(module) => format!("{}.py", module.replace('.', "/")),
                None => v.trim_start_matches("./").to_string(),
            };
            let tail = wanted.rsplit('/').next().unwrap_or(&wanted).to_string();
            let file = files
                .iter()
                .find(|f| f.path == wanted || f.path.ends_with(&format!("/{wanted}")))
                .or_else(|| files.iter().find(|f| is_gunicorn_config(&f.path) && f.path.ends_with(&tail)));
            file.map(|file| Some(GunicornConfig { file })).ok_or(v)
        }
        Opt::Unknown(v) => Err(v),
        Opt::Absent => Ok(files
            .iter()
            .find(|f| f.path.rsplit('/').next() == Some("gunicorn.conf.py"))
            .map(|file| GunicornConfig { file })),
    }
}

/// Where a gunicorn setting came from, for findings.
#[derive(Clone, Debug, PartialEq)]
pub struct Located {
    pub value: Opt,
    pub path: String,
    pub span: Span,
}

/// One gunicorn process as the rules see it: a command line, a configuration file, or both.
pub struct GunicornSetup<'a> {
    pub command: Option<&'a Command>,
    pub config: Option<GunicornConfig<'a>>,
    /// The command names a configuration file that is not in the input, or the configuration is
    /// rebuilt from a diff's hunks: any setting not seen may be there.
    pub unseen_config: Option<String>,
}

impl GunicornSetup<'_> {
    /// A setting by its configuration-file name, with the command-line names that override it.
    pub fn get(&self, config_name: &str, flags: &[&str]) -> Located {
        if let Some(cmd) = self.command {
            let v = cmd.opt(flags);
            if !v.is_absent() {
                return Located { value: v, path: cmd.path.clone(), span: cmd.span };
            }
        }
        if let Some(c) = &self.config {
            if let (v, Some(span)) = c.get(config_name) {
                return Located { value: v, path: c.file.path.clone(), span };
            }
        }
        let value = match &self.unseen_config {
            Some(name) => Opt::Unknown(format!("may be set in `{name}`, which is not in the input")),
            None => Opt::Absent,
        };
        Located { value, path: self.path().to_string(), span: self.anchor() }
    }

    pub fn path(&self) -> &str {
        match (self.command, &self.config) {
            (Some(c), _) => &c.path,
            (None, Some(c)) => &c.file.path,
            (None, None) => "",
        }
    }

    /// The command line, or the first line of a configuration file used on its own.
    pub fn anchor(&self) -> Span {
        match self.command {
            Some(c) => c.span,
            None => Span::point(1, 1),
        }
    }

    /// How the process is described in messages.
    pub fn describe(&self) -> String {
        match (self.command, &self.config) {
            (Some(c), _) => match &c.role {
                Some(r) => format!("the `{r}` gunicorn process"),
                None => "this gunicorn command".to_string(),
            },
            (None, Some(c)) => format!("gunicorn's configuration `{}`", c.file.path),
            (None, None) => "gunicorn".to_string(),
        }
    }
}

/// Every gunicorn process in the input: each gunicorn command with the configuration it loads,
/// and each gunicorn configuration file that no command in the input loads.
pub fn gunicorn_setups<'a>(commands: &'a [Command], files: &'a [PyFile]) -> Vec<GunicornSetup<'a>> {
    let mut out = Vec::new();
    let mut used: Vec<&str> = Vec::new();
    for c in commands.iter().filter(|c| c.program == Program::Gunicorn) {
        let (config, unseen_config) = match config_for(c, files) {
            // A configuration file rebuilt from a diff's hunks may set anything in the lines the
            // diff does not show.
            Ok(Some(cfg)) if cfg.file.partial => {
                let path = cfg.file.path.clone();
                (Some(cfg), Some(path))
            }
            Ok(config) => (config, None),
            Err(name) => (None, Some(name)),
        };
        if let Some(cfg) = &config {
            used.push(&cfg.file.path);
        }
        out.push(GunicornSetup { command: Some(c), config, unseen_config });
    }
    for f in files.iter().filter(|f| is_gunicorn_config(&f.path) && !used.contains(&f.path.as_str())) {
        let unseen_config = f.partial.then(|| f.path.clone());
        out.push(GunicornSetup { command: None, config: Some(GunicornConfig { file: f }), unseen_config });
    }
    out
}

/// Every command in the runtime files.
pub fn all_commands(files: &[RuntimeFile]) -> Vec<Command> {
    files.iter().flat_map(commands).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmds(path: &str, text: &str) -> Vec<(Program, Vec<String>, Option<String>, u32)> {
        commands(&RuntimeFile { path: path.into(), text: text.into() })
            .into_iter()
            .map(|c| (c.program, c.args, c.role, c.span.line))
            .collect()
    }

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn tokenizer_quotes_and_separators() {
        assert_eq!(
            tokenize(r#"a 'b c' "d \"e\"" f\ g; h && i # j"#).unwrap(),
            vec![
                Token::Word("a".into()),
                Token::Word("b c".into()),
                Token::Word("d \"e\"".into()),
                Token::Word("f g".into()),
                Token::Separator,
                Token::Word("h".into()),
                Token::Separator,
                Token::Word("i".into()),
            ]
        );
        assert!(tokenize("echo 'open").is_err());
        assert!(tokenize("echo \"open\\").is_err());
        assert_eq!(parse_array(r#"["gunicorn", "a:b", "--workers=2"]"#).unwrap(), words("gunicorn a:b --workers=2"));
        assert!(parse_array("[\"open").is_err());
    }

    #[test]
    fn reads_each_style() {
        let p = cmds("Procfile", "release: python manage.py migrate\nweb: gunicorn proj.wsgi --workers 4\nworker: celery -A proj worker -l info\n");
        assert_eq!(p.len(), 2);
        assert_eq!(p[0], (Program::Gunicorn, words("proj.wsgi --workers 4"), Some("web".into()), 2));
        assert_eq!(p[1].0, Program::Celery);
        let d = cmds(
            "Dockerfile",
            "FROM python\nRUN pip install gunicorn\nCMD [\"sh\", \"-c\", \"python manage.py migrate && exec gunicorn proj.asgi:application -k uvicorn.workers.UvicornWorker\"]\n",
        );
        assert_eq!(
            d,
            vec![(Program::Gunicorn, words("proj.asgi:application -k uvicorn.workers.UvicornWorker"), None, 3)]
        );
        let d = cmds("Dockerfile", "CMD set -xe; python manage.py migrate; gunicorn \\\n  proj.wsgi:application\n");
        assert_eq!(d, vec![(Program::Gunicorn, words("proj.wsgi:application"), None, 1)]);
        let c = cmds(
            "docker-compose.yml",
            "services:\n  web:\n    image: app\n    command: gunicorn proj.wsgi -w 3\n  worker:\n    command: >\n      celery -A proj worker\n      --concurrency 2\n  beat:\n    command: [\"celery\", \"-A\", \"proj\", \"beat\"]\n  other:\n    command:\n      - python\n      - -m\n      - celery\n      - worker\n",
        );
        assert_eq!(c.len(), 4, "{c:?}");
        assert_eq!(c[0], (Program::Gunicorn, words("proj.wsgi -w 3"), Some("web".into()), 4));
        assert_eq!(c[1], (Program::Celery, words("-A proj worker --concurrency 2"), Some("worker".into()), 6));
        assert_eq!(c[2].1, words("-A proj beat"));
        assert_eq!(c[3].1, words("worker"));
        let s = cmds(
            "run.sh",
            "#!/bin/bash\nset -e\nexport X=1\nexec poetry run gunicorn proj.wsgi:application \\\n --timeout 60\n",
        );
        assert_eq!(s, vec![(Program::Gunicorn, words("proj.wsgi:application --timeout 60"), None, 4)]);
        let u = cmds(
            "weblate.service",
            "[Service]\nExecStart=/path/to/venv/bin/gunicorn --bind unix:/run/g.sock proj.wsgi\n",
        );
        assert_eq!(u.len(), 1);
        // Never panics on junk.
        for junk in ["CMD [\"unterminated", "command: '", "web: \"", "\\", "services:\n  a:\n    command:\n"] {
            for path in ["Dockerfile", "compose.yaml", "Procfile", "x.sh", ""] {
                let _ = cmds(path, junk);
            }
        }
    }

    #[test]
    fn skips_launchers_before_the_program() {
        let h = cmds("Procfile", "web: bin/start-pgbouncer-stunnel newrelic-admin run-program gunicorn proj.wsgi\n");
        assert_eq!(h, vec![(Program::Gunicorn, words("proj.wsgi"), Some("web".into()), 1)]);
        let d = cmds("start.sh", "doppler run -- ddtrace-run python -m celery -A proj worker\n");
        assert_eq!(d, vec![(Program::Celery, words("-A proj worker"), None, 1)]);
        // Not a launcher: a command that merely mentions a program.
        assert!(cmds("build.sh", "pip install gunicorn\necho gunicorn\n").is_empty());
    }

    #[test]
    fn never_panics_on_cut_or_mangled_input() {
        let samples = [
            "web: gunicorn \"proj.wsgi\" -w4 --timeout=30 # comment\nworker: celery -A proj worker -Ofair\n",
            "FROM python\nCMD [\"sh\", \"-c\", \"exec gunicorn proj.asgi:application -k 'uvicorn.workers.UvicornWorker'\"]\n",
            "services:\n  web:\n    command: >\n      gunicorn proj.wsgi\n  w:\n    command: [\"celery\", 'worker']\n",
            "[program:é]\ncommand=celery multi start w1 --prefetch-multiplier:w1=4 \\\n  -A proj\n",
            "ExecStart=/bin/gunicorn \\\n  --bind unix:/run/ü.sock proj.wsgi\n",
        ];
        let paths = ["Procfile", "Dockerfile", "docker-compose.yml", "supervisor.conf", "x.service", "run.sh", ""];
        for sample in samples {
            let cuts: Vec<usize> = (0..=sample.len()).filter(|&i| sample.is_char_boundary(i)).collect();
            for &cut in &cuts {
                for path in paths {
                    let text = &sample[..cut];
                    let _ = commands(&RuntimeFile { path: path.into(), text: text.into() });
                    let mangled = format!("{text}\"'[\\{{}}");
                    let _ = commands(&RuntimeFile { path: path.into(), text: mangled });
                }
            }
        }
    }

    #[test]
    fn options_and_app() {
        let c = Command {
            path: "Procfile".into(),
            span: Span::point(1, 1),
            program: Program::Gunicorn,
            args: words("--bind 0.0.0.0:8000 -w4 --max-requests=1000 --preload -k uvicorn.workers.UvicornWorker proj.asgi:application --timeout $T"),
            role: None,
        };
        assert_eq!(c.opt(&["-w", "--workers"]).int(), Some(4));
        assert_eq!(c.opt(&["--max-requests"]).int(), Some(1000));
        assert_eq!(c.opt(&["-k", "--worker-class"]), Opt::Value("uvicorn.workers.UvicornWorker".into()));
        assert!(matches!(c.opt(&["-t", "--timeout"]), Opt::Unknown(_)));
        assert!(c.opt(&["--max-requests-jitter"]).is_absent());
        assert_eq!(c.app(), Some("proj.asgi:application"));
        assert_eq!(interface_of("proj.asgi:application"), Some(Interface::Asgi));
        assert_eq!(interface_of("config.wsgi"), Some(Interface::Wsgi));
        assert_eq!(interface_of("main:app"), None);
    }
}
