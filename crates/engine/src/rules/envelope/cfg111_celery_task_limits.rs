use super::{acks_late, fix, judged, value, Reporter};
use crate::analysis::{Emitter, ProjectContext};
use crate::facts::deploy::{over, Tri};
use crate::facts::settings::{SValue, SettingsModule};
use crate::python::names::keyword;
use crate::report::Severity;
use rustpython_parser::ast::{Constant, Expr, Operator};

crate::declare_rule! {
    /// ## What it does
    /// Reports Celery settings that let tasks run or wait without bound, in a settings module that
    /// configures Celery (a `CELERY_` broker setting): no `CELERY_TASK_TIME_LIMIT` (nor soft limit)
    /// anywhere in the project; and, on a Redis or SQS broker, a `countdown`/`eta` in the code or a
    /// task time limit longer than the broker's `visibility_timeout`
    /// (`CELERY_BROKER_TRANSPORT_OPTIONS`, one hour by default); and a result backend whose
    /// results never expire (`CELERY_RESULT_EXPIRES = None` or `0`).
    ///
    /// ## Why it matters at scale
    /// A task stuck on a network call without a timeout holds its worker process forever; a handful
    /// of them and the queue stops draining. On Redis and SQS a message not acknowledged within the
    /// visibility timeout is handed to another worker: a task scheduled for tomorrow
    /// (`countdown=86400`) is redelivered every hour and runs several times, and with
    /// `acks_late` a task that runs longer than the timeout is started again while the first run
    /// is still going.
    ///
    /// ## Example
    /// ```python settings
    /// DEBUG = False
    /// CELERY_BROKER_URL = "redis://cache:6379/0"
    /// CELERY_TASK_ACKS_LATE = True
    /// ```
    ///
    /// ## Use instead
    /// ```python settings
    /// DEBUG = False
    /// CELERY_BROKER_URL = "redis://cache:6379/0"
    /// CELERY_TASK_ACKS_LATE = True
    /// CELERY_TASK_SOFT_TIME_LIMIT = 240
    /// CELERY_TASK_TIME_LIMIT = 300
    /// CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    /// ```
    ///
    /// ## Precision
    /// A time limit set on the Celery app in code (`app.conf.task_time_limit`,
    /// `@app.task(time_limit=…)` everywhere) counts when the project's Python mentions
    /// `time_limit`. A broker URL read from the environment without a default is unknown, so the
    /// visibility-timeout checks are skipped. Countdowns are read from literal integers (and
    /// products of them), ETAs from `now() + timedelta(...)` with literal arguments.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines): 2
    /// findings (pretix, Weblate: no task time limit anywhere), true.
    pub CELERY_TASK_LIMITS {
        code: "CFG111", name: "celery-task-limits", category: Celery,
        severity: Medium, confidence: Medium, playbook: "celery-reliability",
    }
}

const BROKER_NAMES: &[&str] = &["CELERY_BROKER_URL", "BROKER_URL", "CELERY_BROKER"];

fn broker(m: &SettingsModule) -> Option<(&'static str, SValue)> {
    BROKER_NAMES.iter().find(|n| m.get(n).is_some()).map(|n| (*n, value(m, n)))
}

fn int_expr(e: &Expr) -> Option<i64> {
    match e {
        Expr::Constant(c) => match &c.value {
            Constant::Int(i) => i.to_string().parse().ok(),
            _ => None,
        },
        Expr::BinOp(b) if b.op == Operator::Mult => int_expr(&b.left)?.checked_mul(int_expr(&b.right)?),
        Expr::BinOp(b) if b.op == Operator::Add => int_expr(&b.left)?.checked_add(int_expr(&b.right)?),
        _ => None,
    }
}

/// The seconds a `timedelta(...)` with literal arguments adds to an `eta` expression
/// (`now() + timedelta(days=2)`); `None` when there is none or it is not literal.
fn timedelta_seconds(e: &Expr) -> Option<i64> {
    match e {
        Expr::BinOp(b) if b.op == Operator::Add => match (timedelta_seconds(&b.left), timedelta_seconds(&b.right)) {
            (Some(l), Some(r)) => l.checked_add(r),
            (l, r) => l.or(r),
        },
        Expr::Call(c) if crate::python::names::last_segment(&c.func) == Some("timedelta") => {
            let mut total: i64 = 0;
            for (i, a) in c.args.iter().enumerate() {
                let unit = match i {
                    0 => 86400,
                    1 => 1,
                    _ => return None,
                };
                total = total.checked_add(int_expr(a)?.checked_mul(unit)?)?;
            }
            for k in &c.keywords {
                let unit = match k.arg.as_deref() {
                    Some("weeks") => 7 * 86400,
                    Some("days") => 86400,
                    Some("hours") => 3600,
                    Some("minutes") => 60,
                    Some("seconds") => 1,
                    Some("milliseconds" | "microseconds") => 0,
                    _ => return None,
                };
                total = total.checked_add(int_expr(&k.value)?.checked_mul(unit)?)?;
            }
            Some(total)
        }
        _ => None,
    }
}

/// CFG111
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    let mut reporter = Reporter::default();
    let limit_in_code = ctx.view.files.iter().any(|f| f.text.contains("time_limit"));
    let mut scanned = false;
    for m in judged(ctx) {
        let Some((broker_name, url)) = broker(m) else { continue };
        let limit = [
            "CELERY_TASK_TIME_LIMIT",
            "CELERYD_TASK_TIME_LIMIT",
            "CELERY_TASK_SOFT_TIME_LIMIT",
            "CELERYD_TASK_SOFT_TIME_LIMIT",
        ]
        .iter()
        .find_map(|n| m.get(n).map(|s| (*n, s.value.clone())));
        if limit.is_none() && !limit_in_code && m.overridable_by("CELERY_TASK_TIME_LIMIT").is_none() {
            reporter.report(
                out,
                &CELERY_TASK_LIMITS,
                m,
                broker_name,
                Tri::Yes,
                format!("Celery is configured (`{broker_name}`) but no task time limit is set (`CELERY_TASK_TIME_LIMIT`, `CELERY_TASK_SOFT_TIME_LIMIT`): a task stuck on I/O holds its worker process forever"),
                fix("Bound every task; raise the limit per task where a long run is expected.", "", "CELERY_TASK_SOFT_TIME_LIMIT = 240  # raises SoftTimeLimitExceeded in the task\nCELERY_TASK_TIME_LIMIT = 300       # kills the worker process"),
            );
        }
        // Results that never expire.
        let backend = value(m, "CELERY_RESULT_BACKEND");
        if m.get("CELERY_RESULT_BACKEND").is_some() && backend.is_literal() && backend.truthy() == Some(true) {
            if let Some(expires) = m.get("CELERY_RESULT_EXPIRES").or_else(|| m.get("CELERY_TASK_RESULT_EXPIRES")) {
                let never = over(&expires.value, &|v| Tri::from(matches!(v, SValue::None | SValue::Int(0))));
                let name = if m.get("CELERY_RESULT_EXPIRES").is_some() {
                    "CELERY_RESULT_EXPIRES"
                } else {
                    "CELERY_TASK_RESULT_EXPIRES"
                };
                reporter.report(
                    out,
                    &CELERY_TASK_LIMITS,
                    m,
                    name,
                    never,
                    format!("`{name}` is {} with the result backend {}: task results are never deleted, so the backend grows with every task until it runs out of memory or disk", expires.value.display(), backend.display()),
                    fix("Let results expire (a day is Celery's default), or ignore results nobody reads.", &format!("{name} = None"), "CELERY_RESULT_EXPIRES = 86400\nCELERY_TASK_IGNORE_RESULT = True  # where no caller reads results"),
                );
            }
        }
        // Visibility timeout: Redis and SQS only.
        let redelivers = over(&url, &|u| {
            Tri::from(
                u.as_str().is_some_and(|s| s.starts_with("redis") || s.starts_with("rediss") || s.starts_with("sqs")),
            )
        });
        if redelivers < Tri::ByDefault {
            continue;
        }
        let visibility = match value(m, "CELERY_BROKER_TRANSPORT_OPTIONS").get("visibility_timeout") {
            Some(SValue::Int(v)) => *v,
            Some(SValue::Float(v)) => *v as i64,
            Some(_) => continue,
            None if m.get("CELERY_BROKER_TRANSPORT_OPTIONS").is_some_and(|s| !s.value.is_literal()) => continue,
            None => 3600,
        };
        if let Some((name, SValue::Int(l))) = &limit {
            if name.ends_with("_TIME_LIMIT") && !name.contains("SOFT") && *l > visibility && acks_late(ctx).is_some() {
                if let Some(f) = reporter.report(
                    out,
                    &CELERY_TASK_LIMITS,
                    m,
                    name,
                    redelivers,
                    format!("`{name}` is {l} s, longer than the broker's `visibility_timeout` ({visibility} s) with late acknowledgement: a task still running after {visibility} s is delivered to another worker and runs twice"),
                    fix("Keep the visibility timeout above the longest task time limit and countdown.", "", &format!("CELERY_BROKER_TRANSPORT_OPTIONS = {{\"visibility_timeout\": {}}}", l * 2)),
                ) {
                    f.severity = Severity::High;
                }
            }
        }
        // Countdowns in the code longer than the visibility timeout (once per project).
        if scanned {
            continue;
        }
        scanned = true;
        for (i, code) in ctx.view.code.iter().enumerate() {
            let file = &ctx.view.files[i];
            if crate::analysis::is_test_path(crate::analysis::relative_path(&file.path, ctx.view.root)) {
                continue;
            }
            for call in &code.calls {
                if !matches!(call.method, Some("apply_async" | "retry")) {
                    continue;
                }
                let (seconds, how) = match (keyword(call.call, "countdown"), keyword(call.call, "eta")) {
                    (Some(c), _) => match int_expr(c) {
                        Some(s) => (s, "`countdown`"),
                        None => continue,
                    },
                    (None, Some(e)) => match timedelta_seconds(e) {
                        Some(s) => (s, "`eta`"),
                        None => continue,
                    },
                    (None, None) => continue,
                };
                if seconds <= visibility {
                    continue;
                }
                let span = file.parsed.span_of(call.call);
                let source = if m.get("CELERY_BROKER_TRANSPORT_OPTIONS").is_some() {
                    "set in `CELERY_BROKER_TRANSPORT_OPTIONS`"
                } else {
                    "Celery's default"
                };
                let key_message = format!("a task is scheduled {seconds} s ahead ({how}), beyond the broker's `visibility_timeout` of {visibility} s ({source}): Redis and SQS hand it to another worker every {visibility} s until it runs, so it runs several times");
                let f = out.emit(&CELERY_TASK_LIMITS, &file.path, span, key_message);
                f.severity = Severity::High;
                f.fix = Some(fix(
                    "Schedule far-future work with celery beat or a database row polled by a periodic task, or raise the visibility timeout above the longest countdown.",
                    &format!("task.apply_async(countdown={seconds})"),
                    "CELERY_BROKER_TRANSPORT_OPTIONS = {\"visibility_timeout\": 2 * 86400}",
                ));
            }
        }
    }
}
