use crate::analysis::{Emitter, PyContext};
use crate::facts::models::RelationKind;
use crate::facts::queries::AccessKind;
use crate::report::{Confidence, Fix};

use super::{fetch_fix, loop_place, model_name};

crate::declare_rule! {
    /// ## What it does
    /// Finds a foreign key or one-to-one relation read on each row of a queryset inside a loop or
    /// comprehension (`book.author.name`) when the queryset did not fetch it with `select_related` or
    /// `prefetch_related`. The relation is checked against the project's models, reverse one-to-one
    /// accessors included.
    ///
    /// ## Why it matters at scale
    /// Each row triggers its own `SELECT` for the related object: 1 query for the list plus N for the
    /// relation. With 20 rows in development nobody notices; with 2,000 rows in production the page
    /// spends its time in round trips to the database and holds a connection for all of them.
    ///
    /// ## Example
    /// ```python
    /// from django.db import models
    ///
    /// class Author(models.Model):
    ///     name = models.CharField(max_length=100)
    ///
    /// class Book(models.Model):
    ///     title = models.CharField(max_length=200)
    ///     author = models.ForeignKey(Author, on_delete=models.CASCADE)
    ///
    /// def book_titles(request):
    ///     books = Book.objects.filter(published=True)
    ///     return [f"{book.title} by {book.author.name}" for book in books]
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
    ///     title = models.CharField(max_length=200)
    ///     author = models.ForeignKey(Author, on_delete=models.CASCADE)
    ///
    /// def book_titles(request):
    ///     books = Book.objects.filter(published=True).select_related("author")
    ///     return [f"{book.title} by {book.author.name}" for book in books]
    /// ```
    /// When only the key is needed, `book.author_id` reads the column without any query.
    ///
    /// ## Precision
    /// Fires only when the iterable resolves to a queryset of a model defined in the reviewed files
    /// (`Model.objects…`, a variable bound to one, a helper that returns one, a class-based view's
    /// `queryset`), and the attribute is a declared relation of that model. Loops over `range`,
    /// literals, `apps.get_models()` or anything unresolved never fire. `select_related`,
    /// `prefetch_related`, `Prefetch` and `prefetch_related_objects` applied anywhere earlier in the
    /// function (in either branch of an `if`) count as fetched. One finding per relation per loop.
    /// Objects fetched inside a loop count only when some enclosing loop runs over rows (a queryset
    /// or request data); generators inside `any()`/`all()`/`next()` stop early and do not count; an
    /// object made by `create(author=...)` keeps the related object it was given; after the loop,
    /// its variable is the last row and no longer per row. Lookups given at run time
    /// (`select_related(*fields)`) are assumed to cover the relation.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// 61 findings, all judged, 5 false positives (8 %), 2 of the true ones borderline.
    /// Severity is medium in data migrations, which run once per deploy.
    pub FK_ACCESS_IN_LOOP {
        code: "QRY101", name: "fk-access-in-loop", category: Queries,
        severity: High, confidence: High, playbook: "n-plus-one",
    }
}

/// QRY101
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    for fact in &ctx.queries.loop_queries {
        if fact.kind != AccessKind::Object {
            continue;
        }
        let owner = model_name(ctx, fact.owner_model);
        let target = &fact.target_label;
        let relation = match fact.relation_kind {
            RelationKind::OneToOne => "one-to-one relation",
            _ => "foreign key",
        };
        let fetch = if fact.path_has_many { "prefetch_related" } else { "select_related" };
        let message = format!(
            "`{}` runs one query per `{owner}` in {}: `{owner}.{}` is a {relation} to `{target}` that the queryset does not `{fetch}(\"{}\")`",
            fact.text,
            loop_place(fact),
            fact.relation,
            fact.path
        );
        let fix = if fact.id_only {
            Fix {
                summary: format!(
                    "Read the key from the row itself: `{}.{}_id` needs no query.",
                    fact.var, fact.relation
                ),
                before: format!("{}.id", fact.text),
                after: format!("{}.{}_id", fact.var, fact.relation),
            }
        } else {
            fetch_fix(ctx, fact)
        };
        let finding = out.emit(&FK_ACCESS_IN_LOOP, ctx.path(), fact.span, message);
        super::once_per_deploy(ctx, finding);
        finding.fix = Some(fix);
        if fact.confidence < Confidence::High {
            finding.confidence = fact.confidence;
        }
    }
}
