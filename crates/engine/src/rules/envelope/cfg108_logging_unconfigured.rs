use super::{fix, judged, value, Reporter};
use crate::analysis::{Emitter, ProjectContext};
use crate::facts::deploy::Tri;
use crate::facts::settings::{SValue, SettingsModule};

crate::declare_rule! {
    /// ## What it does
    /// Reports production settings that leave server errors nowhere to go: no `LOGGING` (and no
    /// other logging setup or error tracker such as Sentry in the settings), or a literal `LOGGING`
    /// with no handlers at all. A literal `LOGGING` whose handlers write plain text (no JSON or
    /// key=value formatter anywhere in it) gets an info-level note.
    ///
    /// ## Why it matters at scale
    /// Django's default logging prints to the console only while `DEBUG` is on. In production an
    /// unhandled exception in a view is passed to the `mail_admins` handler and nothing else: with
    /// `ADMINS` empty, or mail not configured, a 500 leaves no trace anywhere, and at volume a mail
    /// per error is no monitoring either. Logs on stdout, one event per line (JSON or key=value),
    /// are what the platform's log collector can search and count.
    ///
    /// ## Example
    /// ```python settings
    /// DEBUG = False
    /// ALLOWED_HOSTS = ["app.example.com"]
    /// ```
    ///
    /// ## Use instead
    /// ```python settings
    /// DEBUG = False
    /// ALLOWED_HOSTS = ["app.example.com"]
    /// LOGGING = {
    ///     "version": 1,
    ///     "disable_existing_loggers": False,
    ///     "formatters": {"json": {"()": "pythonjsonlogger.json.JsonFormatter"}},
    ///     "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    ///     "root": {"handlers": ["console"], "level": "INFO"},
    /// }
    /// ```
    ///
    /// ## Precision
    /// The settings files (the judged module and those it star-imports) are searched for
    /// `dictConfig`, `LOGGING_CONFIG`, `structlog` and error trackers (`sentry_sdk`, `rollbar`,
    /// `bugsnag`, `raven`, `newrelic`); any of them counts as a setup. A logging setup done in
    /// `wsgi.py` or by the platform's agent is invisible, so confidence is medium. Structured
    /// output is recognised by name anywhere in the literal `LOGGING` (`json`, `logfmt`,
    /// `structlog`, `ecs_logging`, `key=value`); the plain-text note is info severity, low
    /// confidence: plain text is a choice, not a fault.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines): no
    /// findings (few deployment files and literal settings there); precision rests on the unit
    /// tests' positives and near misses.
    pub LOGGING_UNCONFIGURED {
        code: "CFG108", name: "logging-unconfigured", category: Config,
        severity: Low, confidence: Medium, playbook: "observability",
    }
}

const SETUP_SIGNS: &[&str] = &[
    "dictConfig",
    "fileConfig",
    "LOGGING_CONFIG",
    "structlog",
    "sentry_sdk",
    "rollbar",
    "bugsnag",
    "raven",
    "newrelic",
    "logging.basicConfig",
    "honeybadger",
    "ddtrace",
];

/// A formatter that writes fields, not prose, named anywhere in the logging configuration.
fn structured(logging: &SValue) -> bool {
    logging.strings().iter().chain(dict_keys(logging).iter()).any(|s| {
        let s = s.to_ascii_lowercase();
        ["json", "logfmt", "structlog", "ecs_logging", "key=value", "keyvalue"].iter().any(|k| s.contains(k))
    })
}

/// Every key of every dict inside a value (formatter names such as `"json"`).
fn dict_keys(v: &SValue) -> Vec<&str> {
    match v {
        SValue::Dict(items) => items.iter().flat_map(|(k, v)| k.as_str().into_iter().chain(dict_keys(v))).collect(),
        SValue::List(items) => items.iter().flat_map(dict_keys).collect(),
        _ => Vec::new(),
    }
}

fn has_setup(ctx: &ProjectContext<'_, '_>, m: &SettingsModule) -> bool {
    ctx.view
        .files
        .iter()
        .filter(|f| f.path == m.path || m.imports.contains(&f.path))
        .any(|f| SETUP_SIGNS.iter().any(|s| f.text.contains(s)))
}

/// CFG108
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    let mut reporter = Reporter::default();
    for m in judged(ctx) {
        if has_setup(ctx, m) || m.overridable_by("LOGGING").is_some() {
            continue;
        }
        let logging = value(m, "LOGGING");
        let message = match (m.get("LOGGING"), &logging) {
            (None, _) => {
                let admins = value(m, "ADMINS");
                let to = if admins.truthy() == Some(false) {
                    "and `ADMINS` is empty, so they are recorded nowhere"
                } else {
                    "so they reach only the `ADMINS` by e-mail"
                };
                format!("`LOGGING` is not set in `{}` and no error tracker is configured: with `DEBUG` off, Django sends unhandled exceptions only to `mail_admins`, {to}", m.path)
            }
            (Some(_), SValue::Dict(_)) if logging.is_literal() => {
                let handlers = logging.get("handlers");
                if handlers.is_some_and(|h| h.truthy() != Some(false)) {
                    if !structured(&logging) {
                        let message = "`LOGGING` writes plain-text records (no JSON or key=value formatter): at volume, a log collector can only search them as text, not filter or count by field".to_string();
                        let fix = fix(
                            "Emit one JSON object per record (python-json-logger, structlog or ecs-logging) so fields are searchable.",
                            "",
                            "\"formatters\": {\"json\": {\"()\": \"pythonjsonlogger.json.JsonFormatter\"}},\n\"handlers\": {\"console\": {\"class\": \"logging.StreamHandler\", \"formatter\": \"json\"}},",
                        );
                        if let Some(f) =
                            reporter.report(out, &LOGGING_UNCONFIGURED, m, "LOGGING", Tri::Yes, message, fix)
                        {
                            f.severity = crate::report::Severity::Info;
                            f.confidence = crate::report::Confidence::Low;
                        }
                    }
                    continue;
                }
                format!("`LOGGING` defines no handlers: log records go nowhere but Python's last-resort stderr output for warnings")
            }
            _ => continue,
        };
        reporter.report(
            out,
            &LOGGING_UNCONFIGURED,
            m,
            "LOGGING",
            Tri::Yes,
            message,
            fix(
                "Log to stdout with a handler on the root logger (and send errors to a tracker).",
                "",
                "LOGGING = {\n    \"version\": 1,\n    \"disable_existing_loggers\": False,\n    \"handlers\": {\"console\": {\"class\": \"logging.StreamHandler\"}},\n    \"root\": {\"handlers\": [\"console\"], \"level\": \"INFO\"},\n}",
            ),
        );
    }
}
