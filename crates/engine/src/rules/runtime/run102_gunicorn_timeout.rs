use super::{commands, gunicorn, worker_class};
use crate::analysis::{Emitter, ProjectContext};
use crate::facts::runtime::Opt;
use crate::report::{Fix, Severity};

crate::declare_rule! {
    /// ## What it does
    /// Reports a gunicorn `timeout` that is disabled (`0`), above 120 seconds, or below 10 seconds
    /// for sync and threaded workers.
    ///
    /// ## Why it matters at scale
    /// The timeout is what kills a worker stuck on a request. Disabled or very long, one slow query
    /// or hung upstream call holds a worker for minutes after the proxy and the client gave up;
    /// a few of them and the whole pool is stuck while health checks still pass. Very short, it
    /// kills ordinary slow requests (an export, a cold cache) mid-way and restarts the worker.
    ///
    /// ## Example
    /// ```procfile
    /// web: gunicorn proj.wsgi:application --timeout 600 --max-requests 2000 --max-requests-jitter 200
    /// ```
    ///
    /// ## Use instead
    /// ```procfile
    /// web: gunicorn proj.wsgi:application --timeout 30 --max-requests 2000 --max-requests-jitter 200
    /// ```
    /// Move long work (exports, imports, reports) to a task queue instead of raising the timeout.
    ///
    /// ## Precision
    /// Only explicit values are judged; gunicorn's default of 30 seconds passes. For async worker
    /// classes (gevent, uvicorn) the timeout only watches the event loop, so the lower bound is not
    /// applied to them.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines): 1
    /// finding (Weblate's `--timeout 3600`), true but borderline: deliberate, for long repository
    /// operations.
    pub GUNICORN_TIMEOUT {
        code: "RUN102", name: "gunicorn-timeout", category: Config,
        severity: Medium, confidence: High, playbook: "runtime-envelope",
    }
}

/// RUN102
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    let cmds = commands(ctx);
    for g in gunicorn(ctx, &cmds) {
        let timeout = g.get("timeout", &["-t", "--timeout"]);
        let Some(seconds) = timeout.value.int() else { continue };
        let class = match worker_class(&g) {
            Opt::Value(c) => c,
            _ => String::new(),
        };
        let blocking = class.is_empty()
            || class == "sync"
            || class == "gthread"
            || class.ends_with("SyncWorker")
            || class.ends_with("ThreadWorker");
        let (message, severity) = if seconds == 0 {
            (
                format!(
                    "{} sets `timeout` to 0, which disables it: a worker stuck on a request is never killed",
                    g.describe()
                ),
                Severity::High,
            )
        } else if seconds > 120 {
            (format!("{} sets `timeout` to {seconds} s: a stuck request holds its worker for minutes after the proxy and the client have given up", g.describe()), Severity::Medium)
        } else if seconds < 10 && blocking && !class.is_empty() {
            (format!("{} sets `timeout` to {seconds} s: ordinary slow requests are killed mid-way and their worker restarted", g.describe()), Severity::Low)
        } else {
            continue;
        };
        let f = out.emit(&GUNICORN_TIMEOUT, &timeout.path, timeout.span, message);
        f.severity = severity;
        f.fix = Some(Fix {
            summary: "Keep the worker timeout a little above the slowest legitimate request (and below the proxy's); move long work to tasks.".into(),
            before: format!("timeout = {seconds}"),
            after: "timeout = 30".into(),
        });
    }
}
