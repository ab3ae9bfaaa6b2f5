use super::commands;
use crate::analysis::{Emitter, ProjectContext};
use crate::facts::runtime::Opt;
use crate::facts::settings::SValue;
use crate::report::Fix;
use crate::rules::envelope::{acks_late, any_setting};

crate::declare_rule! {
    /// ## What it does
    /// Reports a `celery worker` that prefetches more than one task per process
    /// (`--prefetch-multiplier` above 1, or Celery's default of 4) while late acknowledgement is on
    /// (`CELERY_TASK_ACKS_LATE = True` in the settings, or `acks_late=True` on a task). A multiplier
    /// of 1 on the command line or in the settings passes.
    ///
    /// ## Why it matters at scale
    /// With `acks_late` a task stays unacknowledged until it finishes, and each worker process
    /// reserves `multiplier` more tasks up front. Behind one long task, the reserved ones wait even
    /// though other workers are idle; if the worker is killed, all of them are redelivered at once.
    /// Celery's own advice for long tasks with late acknowledgement is a prefetch multiplier of 1.
    ///
    /// ## Example
    /// ```python settings
    /// DEBUG = False
    /// CELERY_BROKER_URL = "redis://cache:6379/0"
    /// CELERY_TASK_ACKS_LATE = True
    /// CELERY_TASK_TIME_LIMIT = 300
    /// ```
    /// ```procfile
    /// worker: celery -A proj worker --max-tasks-per-child 500
    /// ```
    ///
    /// ## Use instead
    /// ```procfile
    /// worker: celery -A proj worker --max-tasks-per-child 500 --prefetch-multiplier 1 -O fair
    /// ```
    ///
    /// ## Precision
    /// Needs both the command line and the evidence of late acknowledgement in the input. A
    /// multiplier set in Celery's configuration in code (`worker_prefetch_multiplier` mentioned
    /// anywhere in the project's Python) is taken as set, and not reported.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines): no
    /// findings (few deployment files and literal settings there); precision rests on the unit
    /// tests' positives and near misses.
    pub CELERY_PREFETCH_ACKS_LATE {
        code: "RUN106", name: "celery-prefetch-acks-late", category: Celery,
        severity: Medium, confidence: Medium, playbook: "celery-reliability",
    }
}

/// RUN106
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    let cmds = commands(ctx);
    let Some(late) = acks_late(ctx) else { return };
    let setting = any_setting(ctx, &["CELERY_WORKER_PREFETCH_MULTIPLIER", "CELERYD_PREFETCH_MULTIPLIER"]).cloned();
    let in_code = ctx.view.files.iter().any(|f| f.text.contains("worker_prefetch_multiplier"));
    for c in cmds.iter().filter(|c| c.starts_celery_workers()) {
        let (multiplier, source) = match c.opt(&["--prefetch-multiplier"]) {
            Opt::Value(v) => match v.parse::<i64>() {
                Ok(n) => (n, format!("`--prefetch-multiplier {n}`")),
                Err(_) => continue,
            },
            Opt::Unknown(_) => continue,
            Opt::Absent => match &setting {
                Some(SValue::Int(n)) => (*n, "the prefetch multiplier setting".to_string()),
                Some(_) => continue,
                None if in_code => continue,
                None => (4, "Celery's default prefetch multiplier".to_string()),
            },
        };
        if multiplier <= 1 {
            continue;
        }
        let who = c.role.as_ref().map_or("this Celery worker".to_string(), |r| format!("the `{r}` Celery worker"));
        out.emit(&CELERY_PREFETCH_ACKS_LATE, &c.path, c.span, format!("{who} reserves {multiplier} tasks per process ({source}) while late acknowledgement is on ({late}): reserved tasks wait unacknowledged behind a long one and are all redelivered if the worker dies")).fix = Some(Fix {
            summary: "Reserve one task per process when tasks are acknowledged late.".into(),
            before: "celery -A proj worker".into(),
            after: "celery -A proj worker --prefetch-multiplier 1 -O fair".into(),
        });
    }
}
