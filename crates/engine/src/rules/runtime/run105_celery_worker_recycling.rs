use super::commands;
use crate::analysis::{Emitter, ProjectContext};
use crate::facts::runtime::Opt;
use crate::report::Fix;
use crate::rules::envelope::mentioned;

crate::declare_rule! {
    /// ## What it does
    /// Reports a `celery worker` command line on the prefork pool (the default) that never
    /// replaces its child processes: no `--max-tasks-per-child` and no `--max-memory-per-child`, and
    /// no `worker_max_tasks_per_child` / `worker_max_memory_per_child` in the settings or the Celery
    /// app's configuration.
    ///
    /// ## Why it matters at scale
    /// Worker children live as long as the worker: every task that leaks (a growing module-level
    /// cache, a large queryset kept alive, a C library that never frees) adds to the same process
    /// for days. Memory climbs until the container is OOM-killed, taking the tasks in flight with
    /// it. Replacing a child after some tasks (or above some memory) caps the damage.
    ///
    /// ## Example
    /// ```procfile
    /// worker: celery -A proj worker -l info --concurrency 4
    /// ```
    ///
    /// ## Use instead
    /// ```procfile
    /// worker: celery -A proj worker -l info --concurrency 4 --max-tasks-per-child 500 --max-memory-per-child 400000
    /// ```
    ///
    /// ## Precision
    /// Settings and Celery configuration anywhere in the input's Python count when they mention
    /// `max_tasks_per_child` or `max_memory_per_child` (the value is not judged). Other pools
    /// (`-P threads`, `gevent`, `solo`) ignore the option and are not reported.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines): no
    /// findings (few deployment files and literal settings there); precision rests on the unit
    /// tests' positives and near misses.
    pub CELERY_WORKER_RECYCLING {
        code: "RUN105", name: "celery-worker-recycling", category: Celery,
        severity: Low, confidence: Medium, playbook: "celery-reliability",
    }
}

/// RUN105
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    let cmds = commands(ctx);
    let configured = mentioned(
        ctx,
        &[
            "CELERY_WORKER_MAX_TASKS_PER_CHILD",
            "CELERYD_MAX_TASKS_PER_CHILD",
            "CELERY_WORKER_MAX_MEMORY_PER_CHILD",
            "CELERYD_MAX_MEMORY_PER_CHILD",
        ],
        "max_tasks_per_child",
    ) || ctx.view.files.iter().any(|f| f.text.contains("max_memory_per_child"));
    if configured {
        return;
    }
    for c in cmds.iter().filter(|c| c.starts_celery_workers()) {
        let pool = c.opt(&["-P", "--pool"]);
        if !matches!(&pool, Opt::Absent) && !matches!(&pool, Opt::Value(p) if p == "prefork" || p == "processes") {
            continue;
        }
        let recycling = ["--max-tasks-per-child", "--maxtasksperchild", "--max-memory-per-child", "--maxmemperchild"];
        if recycling.iter().any(|o| !c.opt(&[o]).is_absent()) {
            continue;
        }
        let who = c.role.as_ref().map_or("this Celery worker".to_string(), |r| format!("the `{r}` Celery worker"));
        out.emit(&CELERY_WORKER_RECYCLING, &c.path, c.span, format!("{who} never replaces its child processes (no `--max-tasks-per-child` or `--max-memory-per-child`, and no `worker_max_tasks_per_child` setting): memory leaked by tasks accumulates until the worker is OOM-killed")).fix = Some(Fix {
            summary: "Replace pool children after a number of tasks or above a memory size.".into(),
            before: "celery -A proj worker".into(),
            after: "celery -A proj worker --max-tasks-per-child 500 --max-memory-per-child 400000  # KiB".into(),
        });
    }
}
