use crate::analysis::{Emitter, PyContext};
use crate::facts::code::Role;
use crate::facts::queries::Materialize;
use crate::report::Fix;

use super::model_name;

crate::declare_rule! {
    /// ## What it does
    /// Finds request handlers (function views, class-based view handlers, DRF views) that load every
    /// row of a table into memory: a `for` loop, comprehension, `list()` or `len()` over
    /// `Model.objects.all()` (or a manager chain with no filter) without a slice or pagination.
    ///
    /// ## Why it matters at scale
    /// The page is fine with 500 rows and falls over with 500,000: memory per request grows with the
    /// table, the response time with it, and one popular page can take a worker's memory past its
    /// limit. Tables only grow.
    ///
    /// ## Example
    /// ```python
    /// from django.http import JsonResponse
    /// from django.db import models
    ///
    /// class Customer(models.Model):
    ///     email = models.EmailField()
    ///
    /// def export_emails(request):
    ///     return JsonResponse({"emails": [c.email for c in Customer.objects.all()]})
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from django.core.paginator import Paginator
    /// from django.http import JsonResponse
    /// from django.db import models
    ///
    /// class Customer(models.Model):
    ///     email = models.EmailField()
    ///
    /// def export_emails(request):
    ///     page = Paginator(Customer.objects.order_by("pk").values_list("email", flat=True), 500).get_page(request.GET.get("page"))
    ///     return JsonResponse({"emails": list(page)})
    /// ```
    /// For exports, stream (`StreamingHttpResponse` over `.iterator(chunk_size=...)`) or hand the job
    /// to a task.
    ///
    /// ## Precision
    /// Only whole-table querysets (no `filter()`/`exclude()`, no slice) of models defined in the
    /// reviewed files, evaluated inside a request handler. Querysets passed to a `Paginator` or a
    /// template are not evaluated here and are not reported. Many tables are small by nature
    /// (countries, categories, settings rows) and that is not visible in code, so the rule is low
    /// severity and low confidence: a prompt to check the table's growth.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// 4 findings, all judged, 3 false positives (75 %).
    pub UNBOUNDED_QUERYSET {
        code: "QRY105", name: "unbounded-queryset", category: Queries,
        severity: Low, confidence: Low, playbook: "n-plus-one",
    }
}

/// QRY105
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    let code = ctx.code();
    for m in &ctx.queries.materialized {
        if m.shape.filtered || m.shape.sliced || m.how == Materialize::Len {
            continue;
        }
        let in_view = code
            .functions
            .iter()
            .any(|f| f.role == Role::View && f.range.contains_range(m.range) && f.parent.is_none());
        if !in_view {
            continue;
        }
        let model = model_name(ctx, m.model);
        let how = match m.how {
            Materialize::Loop => "iterates",
            Materialize::List => "loads",
            Materialize::Len => "counts by loading",
        };
        // Where the queryset was built, unless that is a bare manager (`X.objects.values(...)`
        // starts a new queryset there): then the evaluated expression.
        let text = if m.origin.text.ends_with(".objects") { ctx.source_range(m.range) } else { &m.origin.text };
        let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let message = format!(
            "this request handler {how} every `{model}` row (`{one_line}`): memory and time grow with the table"
        );
        out.emit(&UNBOUNDED_QUERYSET, ctx.path(), m.span, message).fix = Some(Fix {
            summary: "Bound the rows: paginate (`Paginator`, DRF pagination), slice, or filter to what this request needs; stream exports.".into(),
            before: text.to_string(),
            after: format!("{text}[:100]  # or Paginator(...).get_page(page)"),
        });
    }
}
