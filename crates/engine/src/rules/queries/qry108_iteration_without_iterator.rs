use crate::analysis::{Emitter, PyContext};
use crate::facts::code::Role;
use crate::facts::queries::Materialize;
use crate::report::Fix;

use super::model_name;

crate::declare_rule! {
    /// ## What it does
    /// Finds management commands and background tasks that loop over a whole table
    /// (`Model.objects.all()` or a manager chain with no filter or slice) without `.iterator()`.
    ///
    /// ## Why it matters at scale
    /// A queryset loop fetches every row and keeps all the instances in its result cache until the
    /// loop ends. On a table of millions, a nightly job's memory grows until the worker is killed,
    /// usually weeks after the job was written and tested on a small copy.
    ///
    /// ## Example
    /// ```python
    /// from django.core.management.base import BaseCommand
    /// from django.db import models
    ///
    /// class Order(models.Model):
    ///     total = models.IntegerField()
    ///
    /// class Command(BaseCommand):
    ///     def handle(self, *args, **options):
    ///         for order in Order.objects.all():
    ///             self.stdout.write(str(order.total))
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from django.core.management.base import BaseCommand
    /// from django.db import models
    ///
    /// class Order(models.Model):
    ///     total = models.IntegerField()
    ///
    /// class Command(BaseCommand):
    ///     def handle(self, *args, **options):
    ///         for order in Order.objects.all().iterator(chunk_size=2000):
    ///             self.stdout.write(str(order.total))
    /// ```
    ///
    /// ## Precision
    /// Only in `handle()` of management commands and in task functions, only for whole-table
    /// querysets of models defined in the reviewed files. `values()`/`values_list()` loops are
    /// reported too (they cache as well).
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// 4 findings, all judged, 0 false positives (0 %), 2 of the true ones borderline.
    pub ITERATION_WITHOUT_ITERATOR {
        code: "QRY108", name: "iteration-without-iterator", category: Queries,
        severity: Low, confidence: Medium, playbook: "n-plus-one",
    }
}

/// QRY108
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    let code = ctx.code();
    for m in &ctx.queries.materialized {
        if m.how != Materialize::Loop || m.shape.filtered || m.shape.sliced || m.shape.iterator {
            continue;
        }
        let role = code
            .functions
            .iter()
            .filter(|f| f.range.contains_range(m.range))
            .map(|f| f.role)
            .find(|r| matches!(r, Role::Command | Role::Task));
        let Some(role) = role else { continue };
        let model = model_name(ctx, m.model);
        let who = if role == Role::Command { "this management command" } else { "this task" };
        let message = format!("{who} loops over every `{model}` row without `.iterator()`: all instances stay in memory until the loop ends");
        out.emit(&ITERATION_WITHOUT_ITERATOR, ctx.path(), m.span, message).fix = Some(Fix {
            summary: "Stream the rows in chunks.".into(),
            before: m.origin.text.clone(),
            after: format!("{}.iterator(chunk_size=2000)", m.origin.text),
        });
    }
}
