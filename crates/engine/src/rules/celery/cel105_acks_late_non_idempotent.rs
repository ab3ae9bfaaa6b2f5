use crate::analysis::{Emitter, PyContext};
use crate::facts::code::Role;
use crate::report::Fix;

crate::declare_rule! {
    /// ## What it does
    /// Finds tasks declared with `acks_late=True` that perform an external side effect without a guard
    /// against running twice (see `non-idempotent-task`).
    ///
    /// ## Why it matters at scale
    /// With late acknowledgement the message is acknowledged only after the task finishes, so any
    /// worker crash, OOM kill, deploy or broker visibility timeout mid-task redelivers it. That is the
    /// point of `acks_late`, and it is only safe when running twice does no harm.
    ///
    /// ## Example
    /// ```python
    /// import requests
    /// from celery import shared_task
    ///
    /// @shared_task(acks_late=True)
    /// def notify_partner(order_id):
    ///     requests.post("https://partner.example.com/orders", json={"id": order_id}, timeout=10)
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// import requests
    /// from celery import shared_task
    ///
    /// @shared_task(acks_late=True)
    /// def notify_partner(order_id):
    ///     requests.post(
    ///         "https://partner.example.com/orders",
    ///         json={"id": order_id},
    ///         headers={"Idempotency-Key": f"order-{order_id}"},
    ///         timeout=10,
    ///     )
    /// ```
    ///
    /// ## Precision
    /// Same side-effect and guard detection as `non-idempotent-task`, for tasks whose decorator (or
    /// task class) sets `acks_late=True`.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// no findings; precision rests on the fixtures' positives and near misses.
    pub ACKS_LATE_NON_IDEMPOTENT {
        code: "CEL105", name: "acks-late-non-idempotent", category: Celery,
        severity: Medium, confidence: Medium, playbook: "celery-reliability",
    }
}

/// CEL105
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    let code = ctx.code();
    for (id, f) in code.functions.iter().enumerate() {
        if f.role != Role::Task || f.parent.is_some() {
            continue;
        }
        let Some(flag) = super::acks_late(f) else { continue };
        let Some((effect, what)) = super::unguarded_side_effect(ctx, id) else { continue };
        let message = format!(
            "task `{}` is `acks_late` and performs {what} (`{}`) without a guard: a redelivery after a crash or timeout does it again",
            f.name,
            effect.lines().next().unwrap_or(effect)
        );
        out.emit(&ACKS_LATE_NON_IDEMPOTENT, ctx.path(), ctx.span(flag), message).fix = Some(Fix {
            summary: "Make the task idempotent (claim with `cache.add`, a conditional update, or an idempotency key) or drop `acks_late`.".into(),
            before: "acks_late=True".into(),
            after: "acks_late=True  # only with an idempotency guard in the task".into(),
        });
    }
}
