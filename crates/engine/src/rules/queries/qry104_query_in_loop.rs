use crate::analysis::{Emitter, PyContext};
use crate::facts::queries::LoopKind;
use crate::report::{Fix, Severity};

use super::model_name;

crate::declare_rule! {
    /// ## What it does
    /// Finds single-row and aggregate queries (`.get()`, `.first()`, `.last()`, `.count()`,
    /// `.exists()`, `.aggregate()`, `.get_or_create()`, ...) run on every iteration of a `for` loop or
    /// comprehension.
    ///
    /// ## Why it matters at scale
    /// It is the N+1 that no `select_related` can fix: one round trip per item. A loop over 1,000 ids
    /// costs 1,000 queries. When the query does not even depend on the loop, it is the same query
    /// repeated for nothing.
    ///
    /// ## Example
    /// ```python
    /// from django.db import models
    ///
    /// class Product(models.Model):
    ///     sku = models.CharField(max_length=20, unique=True)
    ///     price = models.IntegerField()
    ///
    /// class OrderLine(models.Model):
    ///     sku = models.CharField(max_length=20)
    ///
    /// def prices(request):
    ///     lines = OrderLine.objects.filter(quantity__gt=0)
    ///     return {line.pk: Product.objects.get(sku=line.sku).price for line in lines}
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from django.db import models
    ///
    /// class Product(models.Model):
    ///     sku = models.CharField(max_length=20, unique=True)
    ///     price = models.IntegerField()
    ///
    /// class OrderLine(models.Model):
    ///     sku = models.CharField(max_length=20)
    ///
    /// def prices(request):
    ///     lines = list(OrderLine.objects.filter(quantity__gt=0))
    ///     by_sku = Product.objects.in_bulk({line.sku for line in lines}, field_name="sku")
    ///     return {line.pk: by_sku[line.sku].price for line in lines if line.sku in by_sku}
    /// ```
    /// Fetch all rows with one `filter(field__in=...)`/`in_bulk()` before the loop, or compute
    /// counts with one `annotate()`/`values().annotate()`; hoist a loop-invariant query out of the loop.
    ///
    /// ## Precision
    /// Only queries on a model manager chain (`X.objects...`) of a model defined in the reviewed
    /// files, inside `for` loops and comprehensions whose iterable is known to grow with data: a
    /// queryset (or a list built from one) or request data (`request.POST.getlist(...)`,
    /// `request.data[...]`). Loops over parameters, literals and constants are not reported, since
    /// they are usually a handful of items. Not reported either: `while` loops (polling, retries),
    /// queries through a related manager (`related-query-in-loop`), memoised lookups (under
    /// `if key not in cache:`), exception handlers, per-row `select_for_update()` in a transaction
    /// opened inside the loop (short locks on purpose), and loop-invariant queries under a
    /// condition. Names assigned in the loop body count as loop variables. Severity is medium in
    /// data migrations and for loop-invariant queries.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// 39 findings, all judged, 0 false positives (0 %), 13 of the true ones borderline.
    pub QUERY_IN_LOOP {
        code: "QRY104", name: "query-in-loop", category: Queries,
        severity: High, confidence: High, playbook: "n-plus-one",
    }
}

/// A `select_for_update()` in a transaction opened inside the loop: one short lock per row, on purpose.
fn locks_per_iteration(ctx: &PyContext<'_, '_>, call: &crate::facts::queries::LoopCall) -> bool {
    ctx.code().calls.iter().find(|c| c.call.range == call.range).is_some_and(|c| match (c.atomic, c.loop_range) {
        (Some(atomic), Some(lp)) => atomic.start() > lp.start(),
        _ => false,
    })
}

/// QRY104
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    for call in &ctx.queries.loop_calls {
        // A loop-invariant query under a condition usually runs once (behind `if not cached:`).
        if call.loop_info.kind == LoopKind::While
            || !call.over_rows
            || (!call.uses_loop_var && call.conditional)
            || (call.locked && locks_per_iteration(ctx, call))
        {
            continue;
        }
        let model = model_name(ctx, call.model);
        let loop_desc = super::loop_place_info(&call.loop_info);
        let (message, fix) = if call.uses_loop_var {
            (
                format!("`{}` runs one query per iteration of {loop_desc}: fetch the `{model}` rows for all items at once", call.text),
                Fix {
                    summary: format!(
                        "Query once before the loop (`{model}.objects.filter(<field>__in=...)` or `.in_bulk(...)` into a dict; `annotate()` for counts) and look rows up in the loop."
                    ),
                    before: call.text.clone(),
                    after: format!("rows = {model}.objects.in_bulk(keys, field_name=\"<field>\")  # before the loop\nrows.get(key)  # in the loop"),
                },
            )
        } else {
            (
                format!(
                    "`{}` runs the same query on every iteration of {loop_desc}: it does not depend on the loop",
                    call.text
                ),
                Fix {
                    summary: "Run it once before the loop and reuse the result.".into(),
                    before: call.text.clone(),
                    after: format!("result = {}  # before the loop", call.text),
                },
            )
        };
        let f = out.emit(&QUERY_IN_LOOP, ctx.path(), call.span, message);
        f.fix = Some(fix);
        // A data migration pays it once, during the deploy.
        if !call.uses_loop_var || ctx.kind() == crate::project::FileKind::Migration {
            f.severity = Severity::Medium;
        }
    }
}
