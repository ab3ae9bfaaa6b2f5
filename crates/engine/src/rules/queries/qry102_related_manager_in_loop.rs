use crate::analysis::{Emitter, PyContext};
use crate::facts::queries::AccessKind;
use crate::report::Confidence;

use super::{fetch_fix, loop_place, model_name};

crate::declare_rule! {
    /// ## What it does
    /// Finds a to-many relation (a reverse foreign key such as `author.book_set`, or a many-to-many
    /// field) read with `.all()`, `.count()` or `.exists()` on each row of a queryset inside a loop,
    /// when the queryset did not `prefetch_related` it.
    ///
    /// ## Why it matters at scale
    /// Every row issues its own query for its related rows. A list of 500 authors with their book
    /// counts is 501 queries; the page's latency grows linearly with the data, and so does the load
    /// on the database.
    ///
    /// ## Example
    /// ```python
    /// from django.db import models
    ///
    /// class Author(models.Model):
    ///     name = models.CharField(max_length=100)
    ///
    /// class Book(models.Model):
    ///     author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    ///     title = models.CharField(max_length=200)
    ///
    /// def shelf(request):
    ///     rows = []
    ///     for author in Author.objects.order_by("name"):
    ///         rows.append((author.name, [b.title for b in author.books.all()]))
    ///     return rows
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from django.db import models
    ///
    /// class Author(models.Model):
    ///     name = models.CharField(max_length=100)
    ///
    /// class Book(models.Model):
    ///     author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    ///     title = models.CharField(max_length=200)
    ///
    /// def shelf(request):
    ///     rows = []
    ///     for author in Author.objects.order_by("name").prefetch_related("books"):
    ///         rows.append((author.name, [b.title for b in author.books.all()]))
    ///     return rows
    /// ```
    /// For counts alone, `annotate(book_count=Count("books"))` does it in the same query.
    ///
    /// ## Precision
    /// Same queryset resolution as `fk-access-in-loop`. Only `.all()`, `.count()` and `.exists()` are
    /// reported here, because `prefetch_related` serves exactly those from its cache; calls that
    /// always query (`.filter()`, `.order_by()`, `.first()`) are `related-query-in-loop`.
    /// Objects fetched inside a loop count only when some enclosing loop runs over rows (a queryset
    /// or request data); generators inside `any()`/`all()`/`next()` stop early and do not count; an
    /// object made by `create(author=...)` keeps the related object it was given; after the loop,
    /// its variable is the last row and no longer per row. Lookups given at run time
    /// (`select_related(*fields)`) are assumed to cover the relation.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// 18 findings, all judged, 1 false positive (6 %), 3 of the true ones borderline.
    /// Severity is medium in data migrations, which run once per deploy.
    pub RELATED_MANAGER_IN_LOOP {
        code: "QRY102", name: "related-manager-in-loop", category: Queries,
        severity: High, confidence: High, playbook: "n-plus-one",
    }
}

/// QRY102
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    for fact in &ctx.queries.loop_queries {
        let AccessKind::Manager { method, cacheable: true } = &fact.kind else { continue };
        if fact.prefetched {
            continue;
        }
        let owner = model_name(ctx, fact.owner_model);
        let target = &fact.target_label;
        let message = format!(
            "`{}` runs one query per `{owner}` in {}: the `{target}` rows of `{}` are not prefetched, so `.{method}()` goes to the database every time",
            fact.text,
            loop_place(fact),
            fact.relation,
        );
        let finding = out.emit(&RELATED_MANAGER_IN_LOOP, ctx.path(), fact.span, message);
        super::once_per_deploy(ctx, finding);
        finding.fix = Some(fetch_fix(ctx, fact));
        if fact.confidence < Confidence::High {
            finding.confidence = fact.confidence;
        }
    }
}
