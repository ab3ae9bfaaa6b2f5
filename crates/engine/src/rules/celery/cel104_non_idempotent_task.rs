use crate::analysis::{Emitter, PyContext};
use crate::facts::code::Role;
use crate::report::Fix;

crate::declare_rule! {
    /// ## What it does
    /// Finds tasks that perform an external side effect (send an email, make an HTTP request, call a
    /// payment or messaging API) with no guard against running twice: no claim with `cache.add()`, no
    /// status check under `select_for_update()`, no `get_or_create`, no idempotency key, no early
    /// return on a status check before the side effect.
    ///
    /// ## Why it matters at scale
    /// Celery delivers at least once. Worker restarts, deploys, visibility timeouts and retries run the
    /// same task again, and then the customer gets two emails, or is charged twice. At volume "rare"
    /// means every day.
    ///
    /// ## Example
    /// ```python
    /// from celery import shared_task
    /// from django.core.mail import send_mail
    ///
    /// @shared_task
    /// def send_receipt(order_id):
    ///     send_mail("Your receipt", "Thanks!", "shop@example.com", ["customer@example.com"])
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from celery import shared_task
    /// from django.core.cache import cache
    /// from django.core.mail import send_mail
    ///
    /// @shared_task
    /// def send_receipt(order_id):
    ///     if not cache.add(f"receipt-sent:{order_id}", True, timeout=7 * 24 * 3600):
    ///         return
    ///     send_mail("Your receipt", "Thanks!", "shop@example.com", ["customer@example.com"])
    /// ```
    /// Durable alternatives: a status column set in the same transaction as a conditional update
    /// (`filter(pk=..., receipt_sent=False).update(receipt_sent=True)`), a unique constraint on a
    /// "sent" log row, or the provider's idempotency key.
    ///
    /// ## Precision
    /// The side effect is recognised by its call (Django's mail functions, HTTP clients, known payment
    /// and messaging SDKs). Any of the guards above anywhere in the task, or an early `return`/`raise`
    /// under a condition before the side effect, silences it. Confidence is medium: a unique constraint
    /// or a guard in a helper is invisible. Tasks with `acks_late=True` are reported by
    /// `acks-late-non-idempotent` instead.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// no findings; precision rests on the fixtures' positives and near misses.
    pub NON_IDEMPOTENT_TASK {
        code: "CEL104", name: "non-idempotent-task", category: Celery,
        severity: Medium, confidence: Medium, playbook: "celery-reliability",
    }
}

/// CEL104
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    let code = ctx.code();
    for (id, f) in code.functions.iter().enumerate() {
        if f.role != Role::Task || f.parent.is_some() || super::acks_late(f).is_some() {
            continue;
        }
        let Some((effect, what)) = super::unguarded_side_effect(ctx, id) else { continue };
        let message = format!(
            "task `{}` performs {what} (`{}`) with no guard against running twice; Celery delivers at least once",
            f.name,
            effect.lines().next().unwrap_or(effect)
        );
        let span = ctx.header_span(f.range);
        out.emit(&NON_IDEMPOTENT_TASK, ctx.path(), span, message).fix = Some(Fix {
            summary: "Claim the work before doing it: `if not cache.add(key, True, timeout): return`, or a conditional `filter(..., sent=False).update(sent=True)`, or the provider's idempotency key.".into(),
            before: effect.to_string(),
            after: format!("if not cache.add(f\"{}:{{<id>}}\", True, timeout=86400):\n    return\n{effect}", f.name),
        });
    }
}
