use rustpython_parser::ast::Expr;

use crate::analysis::{Emitter, PyContext};
use crate::facts::code::Role;
use crate::python::names::{keyword, last_segment};
use crate::report::Fix;

crate::declare_rule! {
    /// ## What it does
    /// Finds `post_save`, `pre_save`, `post_delete`, `pre_delete` and `m2m_changed` receivers that do
    /// business work: send email, make HTTP requests, dispatch tasks, or write other models.
    ///
    /// ## Why it matters at scale
    /// The work runs on every save from anywhere: admin edits, fixtures, data migrations, management
    /// commands, tests. It runs inside the caller's transaction, before the commit, so the email goes
    /// out even when the save is rolled back; and it is skipped silently by `bulk_create()`,
    /// `update()` and `QuerySet.delete()`. Nobody reading the view that saves the order can see it.
    ///
    /// ## Example
    /// ```python
    /// from django.core.mail import send_mail
    /// from django.db.models.signals import post_save
    /// from django.dispatch import receiver
    ///
    /// @receiver(post_save, sender="shop.Order")
    /// def order_saved(sender, instance, created, **kwargs):
    ///     if created:
    ///         send_mail("Order received", "Thanks!", "shop@example.com", [instance.email])
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from django.core.mail import send_mail
    /// from django.db import transaction
    ///
    /// def place_order(cart):
    ///     with transaction.atomic():
    ///         order = cart.checkout()
    ///         transaction.on_commit(lambda: send_mail("Order received", "Thanks!", "shop@example.com", [order.email]))
    ///     return order
    /// ```
    /// Do the work explicitly in the service function that creates the order, after commit.
    ///
    /// ## Precision
    /// Receivers are recognised by `@receiver(<model signal>, ...)` or `<signal>.connect(fn)`. Writes to
    /// the sender's own model are not reported, nor work already deferred with `on_commit`, nor
    /// database writes under `if created:` (a companion row inserted with a new one, as Django REST
    /// framework's token recipe does), nor deletes of dependent rows in delete receivers (cleanup in
    /// the same transaction); external calls are reported wherever they are.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// 3 findings, all judged, 0 false positives (0 %).
    pub SIGNAL_SIDE_EFFECTS {
        code: "SFX101", name: "signal-side-effects", category: SideEffects,
        severity: Medium, confidence: High, playbook: "side-effects",
    }
}

const MODEL_SIGNALS: &[&str] = &["post_save", "pre_save", "post_delete", "pre_delete", "m2m_changed"];

/// SFX101
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    let code = ctx.code();
    for (id, f) in code.functions.iter().enumerate() {
        if f.role != Role::Receiver {
            continue;
        }
        let Some((signal, sender)) = model_signal(ctx, f) else { continue };
        let mut effects = super::side_effects(ctx, id, sender.as_deref());
        let deleting = matches!(signal.as_str(), "post_delete" | "pre_delete");
        // Cascading a delete to rows that point at the deleted one is cleanup in the same
        // transaction, not business logic.
        if deleting {
            effects.retain(|(src, _)| !src.trim_end().ends_with(".delete()"));
        }
        let Some((first, _)) = effects.first() else { continue };
        let kinds = super::distinct(&effects);
        let when = if deleting {
            "it runs for every deleted row, before the commit, and makes queryset `.delete()` load and signal each row"
        } else if signal == "m2m_changed" {
            "it runs on every change to the relation from anywhere, before the commit"
        } else {
            "it runs on every save from anywhere, before the commit, and is skipped by bulk operations"
        };
        let message = format!("`{signal}` receiver `{}` {}: {when}", f.name, kinds.join(", "));
        out.emit(&SIGNAL_SIDE_EFFECTS, ctx.path(), ctx.header_span(f.range), message).fix = Some(Fix {
            summary: "Move the work into the service function that performs the business action, and run external effects after commit (`transaction.on_commit`).".into(),
            before: first.lines().next().unwrap_or(first).to_string(),
            after: format!("transaction.on_commit(lambda: {})  # in the service that saves, not in a receiver", first.lines().next().unwrap_or(first)),
        });
    }
}

/// The model signal a receiver listens to, and its sender's model name when given.
fn model_signal(ctx: &PyContext<'_, '_>, f: &crate::facts::code::Function<'_>) -> Option<(String, Option<String>)> {
    for d in f.decorators {
        let Expr::Call(c) = d else { continue };
        if last_segment(&c.func) != Some("receiver") {
            continue;
        }
        let signals: Vec<&Expr> = match c.args.first() {
            Some(Expr::List(l)) => l.elts.iter().collect(),
            Some(Expr::Tuple(t)) => t.elts.iter().collect(),
            Some(other) => vec![other],
            None => continue,
        };
        if let Some(sig) = signals.iter().filter_map(|s| last_segment(s)).find(|s| MODEL_SIGNALS.contains(s)) {
            let sender = keyword(c, "sender").map(|s| {
                let text = ctx.source(s).trim_matches(['"', '\'']).to_string();
                text.rsplit('.').next().unwrap_or(&text).to_string()
            });
            return Some((sig.to_string(), sender));
        }
    }
    // `post_save.connect(handler, sender=Order)`
    ctx.code().calls.iter().find_map(|c| {
        let Expr::Attribute(a) = c.call.func.as_ref() else { return None };
        if a.attr.as_str() != "connect" || c.call.args.first().and_then(last_segment) != Some(f.name) {
            return None;
        }
        let sig = last_segment(&a.value).filter(|s| MODEL_SIGNALS.contains(s))?;
        let sender = keyword(c.call, "sender").and_then(last_segment).map(str::to_string);
        Some((sig.to_string(), sender))
    })
}
