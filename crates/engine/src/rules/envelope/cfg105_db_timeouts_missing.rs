use super::{databases, fix, judged, value, Reporter};
use crate::analysis::{Emitter, ProjectContext};
use crate::facts::deploy::Tri;
use crate::facts::settings::SValue;
use crate::report::Severity;

crate::declare_rule! {
    /// ## What it does
    /// Reports a PostgreSQL alias of a literal `DATABASES` whose `OPTIONS` set no
    /// `statement_timeout` (through `"options": "-c statement_timeout=…"`). When the alias also has
    /// `ATOMIC_REQUESTS = True` the finding is raised to medium severity and asks for
    /// `lock_timeout` and `idle_in_transaction_session_timeout` too.
    ///
    /// ## Why it matters at scale
    /// Without a statement timeout, one pathological query runs until someone kills it: it holds a
    /// web worker, a connection and its locks long after the client and the proxy gave up. With
    /// `ATOMIC_REQUESTS` every request is a transaction, so a slow external call inside a view keeps
    /// row locks held and other requests queue behind them.
    ///
    /// ## Example
    /// ```python settings
    /// DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "app", "ATOMIC_REQUESTS": True}}
    /// ```
    ///
    /// ## Use instead
    /// ```python settings
    /// DATABASES = {
    ///     "default": {
    ///         "ENGINE": "django.db.backends.postgresql",
    ///         "NAME": "app",
    ///         "ATOMIC_REQUESTS": True,
    ///         "OPTIONS": {"options": "-c statement_timeout=30000 -c lock_timeout=5000 -c idle_in_transaction_session_timeout=60000"},
    ///     }
    /// }
    /// ```
    /// Give Celery workers and management commands a longer limit through their own alias or
    /// `SET statement_timeout` where a long statement is expected.
    ///
    /// ## Precision
    /// Timeouts set on the database role (`ALTER ROLE app SET statement_timeout = …`) or in a
    /// connection URL are invisible here, so the rule is low confidence and low severity unless
    /// `ATOMIC_REQUESTS` is on. Only literal database dicts are judged.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines): 1
    /// finding (Weblate's example settings), true.
    pub DB_TIMEOUTS_MISSING {
        code: "CFG105", name: "db-timeouts-missing", category: Config,
        severity: Low, confidence: Low, playbook: "runtime-envelope",
    }
}

/// CFG105
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    let mut reporter = Reporter::default();
    for m in judged(ctx) {
        let dbs = value(m, "DATABASES");
        for (alias, db) in databases(&dbs) {
            let Some(engine) = db.get("ENGINE").and_then(SValue::as_str) else { continue };
            if !(engine.contains("postgres") || engine.contains("postgis") || engine.contains("psycopg")) {
                continue;
            }
            let options = db.get("OPTIONS").cloned().unwrap_or(SValue::Dict(Vec::new()));
            if !options.is_literal() {
                continue;
            }
            let text = options.strings().join(" ");
            if text.contains("statement_timeout") {
                continue;
            }
            let atomic = db.get("ATOMIC_REQUESTS") == Some(&SValue::Bool(true));
            let message = if atomic {
                format!("`DATABASES[\"{alias}\"]` has `ATOMIC_REQUESTS = True` but its `OPTIONS` set no `statement_timeout` (nor `lock_timeout`, `idle_in_transaction_session_timeout`): a slow view holds its transaction and row locks for as long as it runs")
            } else {
                format!("`DATABASES[\"{alias}\"]` sets no `statement_timeout` in `OPTIONS`: a runaway query holds a worker, a connection and its locks until someone kills it")
            };
            if let Some(f) = reporter.report(
                out,
                &DB_TIMEOUTS_MISSING,
                m,
                "DATABASES",
                Tri::Yes,
                message,
                fix(
                    "Bound every statement (and lock wait) at the connection.",
                    "\"OPTIONS\": {},",
                    "\"OPTIONS\": {\"options\": \"-c statement_timeout=30000 -c lock_timeout=5000\"},",
                ),
            ) {
                if atomic {
                    f.severity = Severity::Medium;
                }
            }
        }
    }
}
