use crate::analysis::{Emitter, PyContext};
use crate::facts::queries::AccessKind;
use crate::report::{Confidence, Fix};

use super::{loop_place, model_name, origin_place};

crate::declare_rule! {
    /// ## What it does
    /// Finds a related manager queried with a method that always goes to the database, such as
    /// `.filter()`, `.exclude()`, `.order_by()`, `.first()`, `.get()`, `.values()` or `.aggregate()`,
    /// on each row of a queryset inside a loop. This holds even when the relation was prefetched:
    /// those methods build a new query and ignore the prefetch cache.
    ///
    /// ## Why it matters at scale
    /// It is an N+1 that survives the usual cure. Teams add `prefetch_related("comments")`, see the
    /// same number of queries in production, and conclude prefetching does not work.
    ///
    /// ## Example
    /// ```python
    /// from django.db import models
    ///
    /// class Post(models.Model):
    ///     title = models.CharField(max_length=200)
    ///
    /// class Comment(models.Model):
    ///     post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    ///     approved = models.BooleanField(default=False)
    ///
    /// def front_page(request):
    ///     posts = Post.objects.prefetch_related("comments")
    ///     return {p.title: p.comments.filter(approved=True) for p in posts}
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from django.db import models
    /// from django.db.models import Prefetch
    ///
    /// class Post(models.Model):
    ///     title = models.CharField(max_length=200)
    ///
    /// class Comment(models.Model):
    ///     post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    ///     approved = models.BooleanField(default=False)
    ///
    /// def front_page(request):
    ///     posts = Post.objects.prefetch_related(
    ///         Prefetch("comments", queryset=Comment.objects.filter(approved=True), to_attr="approved_comments")
    ///     )
    ///     return {p.title: p.approved_comments for p in posts}
    /// ```
    ///
    /// ## Precision
    /// Same queryset resolution as `fk-access-in-loop`; the relation must be a declared to-many
    /// relation. Writes through the manager (`.add()`, `.create()`) are not reported here.
    /// Objects fetched inside a loop count only when some enclosing loop runs over rows (a queryset
    /// or request data); generators inside `any()`/`all()`/`next()` stop early and do not count; an
    /// object made by `create(author=...)` keeps the related object it was given; after the loop,
    /// its variable is the last row and no longer per row. Lookups given at run time
    /// (`select_related(*fields)`) are assumed to cover the relation.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// 23 findings, all judged, 2 false positives (9 %), 2 of the true ones borderline.
    /// Severity is medium in data migrations, which run once per deploy.
    pub RELATED_QUERY_IN_LOOP {
        code: "QRY103", name: "related-query-in-loop", category: Queries,
        severity: High, confidence: High, playbook: "n-plus-one",
    }
}

/// QRY103
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    for fact in &ctx.queries.loop_queries {
        let AccessKind::Manager { method, cacheable: false } = &fact.kind else { continue };
        let owner = model_name(ctx, fact.owner_model);
        let target = &fact.target_label;
        let cache_note = if fact.prefetched { " and bypasses the `prefetch_related` cache" } else { "" };
        let message = format!(
            "`{}` runs a new query per `{owner}` in {}: `.{method}()` on the `{}` manager always queries{cache_note}",
            fact.text,
            loop_place(fact),
            fact.relation,
        );
        // `p.comments.filter(approved=True)` → the part after the manager, `.filter(approved=True)`.
        let call = fact.text.find(&format!(".{method}(")).map(|i| &fact.text[i..]).unwrap_or("");
        let to_attr = format!("{}_{}", fact.relation, if method == "filter" { "filtered" } else { "list" });
        let fix = match method.as_str() {
            "filter" | "exclude" | "order_by" => Fix {
                summary: format!(
                    "Prefetch the rows the loop needs once, with the condition, on the queryset built {}; then read `{}.{to_attr}` (a list) in the loop.",
                    origin_place(ctx, &fact.origin),
                    fact.var
                ),
                before: fact.origin.text.clone(),
                after: fact.origin.with_call(&format!(
                    ".prefetch_related(Prefetch(\"{}\", queryset={target}.objects{call}, to_attr=\"{to_attr}\"))",
                    fact.path
                )),
            },
            _ => Fix {
                summary: format!(
                    "Fetch the related `{target}` rows for all `{owner}` rows at once (`prefetch_related` with a `Prefetch` queryset, or an annotation such as `Subquery`/`Count`) instead of calling `.{method}()` per row."
                ),
                before: String::new(),
                after: String::new(),
            },
        };
        let finding = out.emit(&RELATED_QUERY_IN_LOOP, ctx.path(), fact.span, message);
        super::once_per_deploy(ctx, finding);
        finding.fix = Some(fix);
        if fact.confidence < Confidence::High {
            finding.confidence = fact.confidence;
        }
    }
}
