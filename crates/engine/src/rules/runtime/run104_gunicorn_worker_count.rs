use super::{commands, gunicorn, is_sync_class, worker_class};
use crate::analysis::{Emitter, ProjectContext};
use crate::facts::runtime::Opt;
use crate::report::{Fix, Severity};

crate::declare_rule! {
    /// ## What it does
    /// Reports a gunicorn worker count that is a fixed literal and either 1 with sync workers and
    /// no threads (one request at a time per process), or above 16 (more processes than most
    /// machines have cores for, each with its own database connections).
    ///
    /// ## Why it matters at scale
    /// A single sync worker serves one request at a time: one slow request queues every other one
    /// behind it, and health checks time out under the most modest load. A large fixed count
    /// copied from a big machine oversubscribes a small container: processes fight for CPU, memory
    /// runs out, and workers times connections exceed the database's `max_connections`.
    ///
    /// ## Example
    /// ```procfile
    /// web: gunicorn proj.wsgi:application --workers 1 --max-requests 2000 --max-requests-jitter 200
    /// ```
    ///
    /// ## Use instead
    /// ```procfile
    /// web: gunicorn proj.wsgi:application --workers ${WEB_CONCURRENCY:-3} --threads 4 --max-requests 2000 --max-requests-jitter 200
    /// ```
    /// Size from the host's cores (`2 × cores + 1` for sync workers is the usual start), from the
    /// environment, and check `workers × threads × hosts` against the database's connection limit.
    ///
    /// ## Precision
    /// Only literal counts are judged; a count from `$WEB_CONCURRENCY` or
    /// `multiprocessing.cpu_count()` is unknown. One worker per container behind an orchestrator
    /// that runs many containers is a deliberate design, but still serves one request at a time per
    /// container; the finding is low severity.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines): no
    /// findings (few deployment files and literal settings there); precision rests on the unit
    /// tests' positives and near misses.
    pub GUNICORN_WORKER_COUNT {
        code: "RUN104", name: "gunicorn-worker-count", category: Config,
        severity: Low, confidence: Medium, playbook: "runtime-envelope",
    }
}

/// RUN104
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    let cmds = commands(ctx);
    for g in gunicorn(ctx, &cmds) {
        let workers = g.get("workers", &["-w", "--workers"]);
        let Some(n) = workers.value.int() else { continue };
        let threads = g.get("threads", &["--threads"]);
        let class = match worker_class(&g) {
            Opt::Value(c) => c,
            _ => continue,
        };
        let message = if n == 1 && is_sync_class(&class) && threads.value.is_absent() {
            format!("{} runs 1 sync worker with no threads: it serves one request at a time, so one slow request stalls every other", g.describe())
        } else if n > 16 {
            format!("{} starts a fixed {n} workers: on a smaller host they oversubscribe the CPU and memory, and {n} × hosts connections may exceed the database's limit", g.describe())
        } else {
            continue;
        };
        let f = out.emit(&GUNICORN_WORKER_COUNT, &workers.path, workers.span, message);
        if n == 1 {
            f.severity = Severity::Medium;
        }
        f.fix = Some(Fix {
            summary: "Size workers from the host (and the environment), with threads for I/O-bound views.".into(),
            before: format!("workers = {n}"),
            after: "import multiprocessing\nworkers = multiprocessing.cpu_count() * 2 + 1\nthreads = 2".into(),
        });
    }
}
