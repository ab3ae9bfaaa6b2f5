use crate::analysis::{Emitter, PyContext};
use crate::facts::code::Role;
use crate::report::Fix;

crate::declare_rule! {
    /// ## What it does
    /// Finds `save()` overrides on models that write other models or call out: email, HTTP requests,
    /// task dispatch, `Other.objects.create/update/delete`.
    ///
    /// ## Why it matters at scale
    /// `save()` is called from everywhere, often in loops, and not at all by `bulk_create()` and
    /// `update()`. Hidden writes multiply queries and locks per save, external calls block inside the
    /// caller's transaction and happen even if it rolls back, and two code paths that save the same
    /// object now disagree about what "saving" does.
    ///
    /// ## Example
    /// ```python
    /// from django.db import models
    ///
    /// class Order(models.Model):
    ///     total = models.IntegerField()
    ///
    ///     def save(self, *args, **kwargs):
    ///         super().save(*args, **kwargs)
    ///         AuditLog.objects.create(action="order-saved", object_id=self.pk)
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from django.db import models, transaction
    ///
    /// class Order(models.Model):
    ///     total = models.IntegerField()
    ///
    /// def update_total(order, total):
    ///     with transaction.atomic():
    ///         order.total = total
    ///         order.save(update_fields=["total"])
    ///         AuditLog.objects.create(action="order-total-changed", object_id=order.pk)
    /// ```
    ///
    /// ## Precision
    /// Only `save()` methods of model classes; writes to the model itself and work deferred with
    /// `on_commit` are not reported, nor database writes that only run when the row is created
    /// (`if not self.pk:`, `if self._state.adding:`, or a flag set from those), nor tasks dispatched
    /// with no arguments (cache rebuilds that read nothing of the row).
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// 2 findings, all judged, 0 false positives (0 %).
    pub SAVE_OVERRIDE_SIDE_EFFECTS {
        code: "SFX102", name: "save-override-side-effects", category: SideEffects,
        severity: Medium, confidence: High, playbook: "side-effects",
    }
}

/// SFX102
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    let code = ctx.code();
    for (id, f) in code.functions.iter().enumerate() {
        if f.role != Role::ModelSave {
            continue;
        }
        let model = f.class.as_ref().map(|(c, _)| c.name.as_str());
        let mut effects = super::side_effects(ctx, id, model);
        // A task dispatched with no arguments (rebuild a cache, refresh a sitemap) reads nothing
        // of this row, so it cannot see it uncommitted.
        effects.retain(|(src, _)| !(src.ends_with(".delay()") || src.ends_with(".apply_async()")));
        let Some((first, _)) = effects.first() else { continue };
        let kinds = super::distinct(&effects);
        let message = format!(
            "`{}.save()` {}: every caller of `save()` pays for it, and `bulk_create()`/`update()` skip it",
            model.unwrap_or("model"),
            kinds.join(", ")
        );
        out.emit(&SAVE_OVERRIDE_SIDE_EFFECTS, ctx.path(), ctx.header_span(f.range), message).fix = Some(Fix {
            summary: "Keep `save()` about the row itself; do the other writes and external calls in the service function that performs the business action (after commit for external calls).".into(),
            before: first.lines().next().unwrap_or(first).to_string(),
            after: String::new(),
        });
    }
}
