use crate::analysis::{Emitter, PyContext};
use crate::facts::queries::AccessKind;
use crate::report::Fix;

use super::{loop_place, model_name};

crate::declare_rule! {
    /// ## What it does
    /// Finds a field read on each row of a queryset loop when the queryset left that field out with
    /// `.only(...)` or `.defer(...)`.
    ///
    /// ## Why it matters at scale
    /// A deferred field is loaded on first access with one query per instance: the optimisation
    /// meant to save bytes turns the loop into an N+1.
    ///
    /// ## Example
    /// ```python
    /// from django.db import models
    ///
    /// class Article(models.Model):
    ///     title = models.CharField(max_length=200)
    ///     body = models.TextField()
    ///
    /// def teasers(request):
    ///     return [a.body[:200] for a in Article.objects.only("title")]
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from django.db import models
    ///
    /// class Article(models.Model):
    ///     title = models.CharField(max_length=200)
    ///     body = models.TextField()
    ///
    /// def teasers(request):
    ///     return [a.body[:200] for a in Article.objects.only("title", "body")]
    /// ```
    ///
    /// ## Precision
    /// The field must be declared on the model in the reviewed files; `pk`/`id` are never deferred.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// no findings; precision rests on the fixtures' positives and near misses.
    pub DEFERRED_FIELD_IN_LOOP {
        code: "QRY111", name: "deferred-field-in-loop", category: Queries,
        severity: High, confidence: High, playbook: "n-plus-one",
    }
}

/// QRY111
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    for fact in &ctx.queries.loop_queries {
        let AccessKind::Deferred { field } = &fact.kind else { continue };
        let model = model_name(ctx, fact.owner_model);
        let message = format!(
            "`{}` loads the deferred field `{model}.{field}` with one query per row in {}",
            fact.text,
            loop_place(fact)
        );
        out.emit(&DEFERRED_FIELD_IN_LOOP, ctx.path(), fact.span, message).fix = Some(Fix {
            summary: format!("Load `{field}` with the rows: add it to `.only(...)` (or drop it from `.defer(...)`)."),
            before: fact.origin.text.clone(),
            after: fact.origin.with_call(&format!(".only(<the fields you read>, \"{field}\")")),
        });
    }
}
