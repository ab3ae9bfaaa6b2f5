use super::{commands, gunicorn};
use crate::analysis::{Emitter, ProjectContext};
use crate::facts::runtime::Opt;
use crate::report::{Fix, Severity};

crate::declare_rule! {
    /// ## What it does
    /// Reports a gunicorn process (a command line, with the configuration file it loads, or a
    /// `gunicorn.conf.py` on its own) that never recycles its workers — no `max_requests` /
    /// `--max-requests`, or `0` — or recycles them all at the same count, with no
    /// `max_requests_jitter`.
    ///
    /// ## Why it matters at scale
    /// Long-lived Python processes grow: caches without bounds, fragmentation, a leak in a C
    /// extension. Without recycling, memory only comes back at deploy time, and a busy week ends in
    /// the kernel's OOM killer taking workers mid-request. With `max_requests` but no jitter, workers
    /// started together reach the count together and restart at once, dropping capacity in a burst.
    ///
    /// ## Example
    /// ```procfile
    /// web: gunicorn proj.wsgi:application --workers 4
    /// ```
    ///
    /// ## Use instead
    /// ```procfile
    /// web: gunicorn proj.wsgi:application --workers 4 --max-requests 2000 --max-requests-jitter 200
    /// ```
    ///
    /// ## Precision
    /// A command that loads a configuration file missing from the input (`-c conf/gunicorn.py`) is
    /// not judged on what that file may set; `GUNICORN_CMD_ARGS` in the environment is invisible.
    /// Values from `$VARIABLES` or computations are unknown and not reported.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines): 2
    /// findings (wagtail's project-template Dockerfile, Weblate's example systemd unit), true.
    pub GUNICORN_WORKER_RECYCLING {
        code: "RUN101", name: "gunicorn-worker-recycling", category: Config,
        severity: Medium, confidence: High, playbook: "runtime-envelope",
    }
}

/// RUN101
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    let cmds = commands(ctx);
    for g in gunicorn(ctx, &cmds) {
        let max = g.get("max_requests", &["--max-requests"]);
        let fix = Fix {
            summary: "Recycle workers after a number of requests, with jitter so they do not restart together.".into(),
            before: String::new(),
            after: "max_requests = 2000\nmax_requests_jitter = 200".into(),
        };
        match &max.value {
            Opt::Unknown(_) => continue,
            Opt::Absent => {
                out.emit(&GUNICORN_WORKER_RECYCLING, &max.path, max.span, format!("{} sets no `max_requests`: workers are never recycled, so memory growth is only reclaimed at the next deploy (or by the OOM killer)", g.describe())).fix = Some(fix);
            }
            Opt::Value(v) => {
                let n = max.value.int();
                if n == Some(0) {
                    out.emit(
                        &GUNICORN_WORKER_RECYCLING,
                        &max.path,
                        max.span,
                        format!("{} sets `max_requests` to {v}: workers are never recycled", g.describe()),
                    )
                    .fix = Some(fix);
                    continue;
                }
                let jitter = g.get("max_requests_jitter", &["--max-requests-jitter"]);
                if jitter.value.is_absent() || jitter.value.int() == Some(0) {
                    let f = out.emit(&GUNICORN_WORKER_RECYCLING, &max.path, max.span, format!("{} recycles workers after {v} requests with no `max_requests_jitter`: workers started together restart together, dropping capacity at once", g.describe()));
                    f.severity = Severity::Low;
                    f.fix = Some(fix);
                }
            }
        }
    }
}
