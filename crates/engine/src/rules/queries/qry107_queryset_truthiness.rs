use crate::analysis::{Emitter, PyContext};
use crate::facts::queries::SizeKind;
use crate::report::Fix;

crate::declare_rule! {
    /// ## What it does
    /// Finds a queryset tested for truth (`if qs:`, `if not qs:`, `bool(qs)`) when its rows are not
    /// used afterwards.
    ///
    /// ## Why it matters at scale
    /// Testing a queryset evaluates it: every matching row is fetched and turned into a model
    /// instance to answer a yes/no question. `.exists()` stops at the first row.
    ///
    /// ## Example
    /// ```python
    /// from django.db import models
    ///
    /// class Order(models.Model):
    ///     customer = models.ForeignKey("auth.User", on_delete=models.CASCADE)
    ///
    /// def can_delete(user):
    ///     orders = Order.objects.filter(customer=user)
    ///     if orders:
    ///         return False
    ///     return True
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from django.db import models
    ///
    /// class Order(models.Model):
    ///     customer = models.ForeignKey("auth.User", on_delete=models.CASCADE)
    ///
    /// def can_delete(user):
    ///     orders = Order.objects.filter(customer=user)
    ///     if orders.exists():
    ///         return False
    ///     return True
    /// ```
    ///
    /// ## Precision
    /// Not reported when the variable is also iterated, indexed or otherwise used in the function:
    /// then one evaluation serves both.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// no findings; precision rests on the fixtures' positives and near misses.
    pub QUERYSET_TRUTHINESS {
        code: "QRY107", name: "queryset-truthiness", category: Queries,
        severity: Low, confidence: High, playbook: "n-plus-one",
    }
}

/// QRY107
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    for s in ctx.queries.size_checks.iter().filter(|s| s.kind == SizeKind::Truthiness) {
        let Some(var) = &s.var else { continue };
        if super::used_elsewhere(ctx, var, s.range) {
            continue;
        }
        let message = format!("testing `{var}` for truth fetches every matching row; `.exists()` stops at the first");
        out.emit(&QUERYSET_TRUTHINESS, ctx.path(), s.span, message).fix = Some(Fix {
            summary: "Ask the database whether a row exists.".into(),
            before: s.text.clone(),
            after: format!("{var}.exists()"),
        });
    }
}
