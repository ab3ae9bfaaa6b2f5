use std::collections::HashSet;

use rustpython_parser::ast::Expr;

use crate::analysis::{Emitter, PyContext};
use crate::python::names::{keyword, last_segment};
use crate::report::Fix;
use crate::rules::support::task_dispatch;
use crate::rules::transactions::in_transaction;

crate::declare_rule! {
    /// ## What it does
    /// Finds `.delay()`, `.apply_async()` and `send_task()` inside `transaction.atomic()`, or in a view
    /// while `ATOMIC_REQUESTS` is on (read from the project's settings), without
    /// `transaction.on_commit` or Celery's `delay_on_commit()`.
    ///
    /// ## Why it matters at scale
    /// The broker is faster than the commit: a worker picks the task up before the transaction is
    /// visible and reads the old row or gets `DoesNotExist`. Under load this becomes a steady trickle
    /// of tasks that fail or act on stale data; when the transaction rolls back, the task still runs.
    ///
    /// ## Example
    /// ```python
    /// from django.db import transaction
    ///
    /// def place_order(cart):
    ///     with transaction.atomic():
    ///         order = Order.objects.create(cart=cart)
    ///         send_confirmation.delay(order.pk)
    ///     return order
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from django.db import transaction
    ///
    /// def place_order(cart):
    ///     with transaction.atomic():
    ///         order = Order.objects.create(cart=cart)
    ///         transaction.on_commit(lambda: send_confirmation.delay(order.pk))
    ///     return order
    /// ```
    /// With Celery 5.4+, `send_confirmation.delay_on_commit(order.pk)` does the same.
    ///
    /// ## Precision
    /// Dispatch inside `on_commit` callbacks and lambdas is not reported, nor views marked
    /// `non_atomic_requests`, nor tasks whose base class (or the app's `task_cls`) defers
    /// `apply_async` to `transaction.on_commit`, nor a task re-queueing itself (a retry).
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// 15 findings, all judged, 1 false positive (7 %).
    pub TASK_DISPATCH_IN_TRANSACTION {
        code: "CEL101", name: "task-dispatch-in-transaction", category: Celery,
        severity: Medium, confidence: High, playbook: "celery-reliability",
    }
}

/// CEL101
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    let mut aware: Option<CommitAware> = None;
    for c in &ctx.code().calls {
        if c.deferred || !task_dispatch(c.call) {
            continue;
        }
        let Some(where_) = in_transaction(ctx, c) else { continue };
        let aware = aware.get_or_insert_with(|| CommitAware::find(ctx));
        if aware.covers(c.call) || reschedules_itself(ctx, c) {
            continue;
        }
        let src = ctx.source(c.call);
        let message = format!("`{src}` dispatches a task {where_}: a worker can run it before the commit (stale or missing rows) or after a rollback");
        let after = if c.method == Some("delay") {
            src.replacen(".delay(", ".delay_on_commit(", 1)
        } else {
            format!("transaction.on_commit(lambda: {src})")
        };
        out.emit(&TASK_DISPATCH_IN_TRANSACTION, ctx.path(), ctx.span(c.call), message).fix = Some(Fix {
            summary: "Dispatch after the commit: `transaction.on_commit(lambda: ...)`, or `delay_on_commit()` on Celery 5.4+.".into(),
            before: src.to_string(),
            after,
        });
    }
}

/// A task re-queueing itself (a retry with a countdown): its input rows are already committed.
fn reschedules_itself(ctx: &PyContext<'_, '_>, c: &crate::facts::code::Call<'_>) -> bool {
    let Some(f) = c.function else { return false };
    let code = ctx.code();
    let task = code.function(code.outermost(f)).name;
    let Expr::Attribute(a) = c.call.func.as_ref() else { return false };
    last_segment(&a.value) == Some(task)
}

/// Task classes of the project whose `apply_async`/`delay` defer to `transaction.on_commit`, and the
/// tasks built on them.
struct CommitAware {
    all_tasks: bool,
    tasks: HashSet<String>,
}

impl CommitAware {
    fn find(ctx: &PyContext<'_, '_>) -> CommitAware {
        let mut classes: HashSet<String> = HashSet::new();
        for (i, facts) in ctx.view.code.iter().enumerate() {
            for f in &facts.functions {
                let Some((class, _)) = &f.class else { continue };
                if matches!(f.name, "apply_async" | "delay")
                    && ctx.view.files[i].parsed.source_range(f.range).contains("on_commit")
                {
                    classes.insert(class.name.to_string());
                }
            }
        }
        let mut tasks = HashSet::new();
        let mut all_tasks = false;
        for (i, facts) in ctx.view.code.iter().enumerate() {
            for f in &facts.functions {
                for d in f.decorators {
                    let Expr::Call(call) = d else { continue };
                    if keyword(call, "base").and_then(last_segment).is_some_and(|b| classes.contains(b)) {
                        tasks.insert(f.name.to_string());
                    }
                }
            }
            // `Celery(..., task_cls=...)` makes every task of the app commit-aware.
            all_tasks |= facts.calls.iter().any(|c| {
                c.method == Some("Celery")
                    && keyword(c.call, "task_cls").is_some_and(|v| {
                        let text = ctx.view.files[i].parsed.source_of(v);
                        classes.iter().any(|k| text.contains(k.as_str()))
                    })
            });
        }
        CommitAware { all_tasks, tasks }
    }

    /// Whether the task dispatched by `call` (`module.task.apply_async(...)`) is commit-aware.
    fn covers(&self, call: &rustpython_parser::ast::ExprCall) -> bool {
        if self.all_tasks {
            return true;
        }
        let Expr::Attribute(a) = call.func.as_ref() else { return false };
        last_segment(&a.value).is_some_and(|task| self.tasks.contains(task))
    }
}
