use crate::analysis::{Emitter, PyContext};
use crate::report::Fix;

crate::declare_rule! {
    /// ## What it does
    /// Finds a read-modify-write of a model field in Python (`obj.count += 1`,
    /// `obj.balance = obj.balance - x`) followed by `obj.save()`, when the row was not read with
    /// `select_for_update()`.
    ///
    /// ## Why it matters at scale
    /// Two requests read the same value, both add one, both save: one increment is lost. Under load
    /// counters drift, stock goes negative and balances are wrong, without any error. `save()`
    /// without `update_fields` also overwrites every other column with what this request read.
    ///
    /// ## Example
    /// ```python
    /// from django.db import models
    ///
    /// class Post(models.Model):
    ///     likes = models.IntegerField(default=0)
    ///
    /// def like(request, pk):
    ///     post = Post.objects.get(pk=pk)
    ///     post.likes += 1
    ///     post.save()
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from django.db import models
    /// from django.db.models import F
    ///
    /// class Post(models.Model):
    ///     likes = models.IntegerField(default=0)
    ///
    /// def like(request, pk):
    ///     Post.objects.filter(pk=pk).update(likes=F("likes") + 1)
    /// ```
    /// When the new value needs Python logic, read the row with `select_for_update()` inside
    /// `transaction.atomic()` and save with `update_fields`.
    ///
    /// ## Precision
    /// The object must be a model instance (fetched, looped over, or `self` in a model method), the
    /// attribute a numeric field declared on its model, and a `save()` of the same variable must follow
    /// in the function. Not reported: data migrations (a single writer), copies being inserted
    /// (`obj.pk = None`), and values the function itself assigned first. Whether two writers can
    /// race on the same row (an admin-only action, a per-user object) is not visible, so the rule
    /// is low severity and low confidence.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// 13 findings, all judged, 3 false positives (23 %), 4 of the true ones borderline.
    pub LOST_UPDATE {
        code: "TXN104", name: "lost-update", category: Transactions,
        severity: Low, confidence: Low, playbook: "transactions",
    }
}

fn numeric_field(ctx: &PyContext<'_, '_>, model: usize, field: &str) -> bool {
    ctx.view.models.get(model).fields.iter().any(|f| {
        f.name == field
            && matches!(
                f.class_name.as_str(),
                "IntegerField"
                    | "BigIntegerField"
                    | "SmallIntegerField"
                    | "PositiveIntegerField"
                    | "PositiveBigIntegerField"
                    | "PositiveSmallIntegerField"
                    | "DecimalField"
                    | "FloatField"
                    | "DurationField"
                    | "MoneyField"
            )
    })
}

/// TXN104
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    let code = ctx.code();
    // A data migration is the only writer while it runs.
    if ctx.kind() == crate::project::FileKind::Migration {
        return;
    }
    for w in &ctx.queries.read_modify_writes {
        if w.locked || !numeric_field(ctx, w.model, &w.field) {
            continue;
        }
        let Some(func) =
            code.functions.iter().filter(|f| f.range.contains_range(w.range)).min_by_key(|f| f.range.len())
        else {
            continue;
        };
        // A copy being inserted (`obj.pk = None`), or a value this function set itself, is not a
        // read of shared state.
        let before =
            ctx.source_range(rustpython_parser::text_size::TextRange::new(func.range.start(), w.range.start()));
        let var = &w.var;
        if before.contains(&format!("{var}.pk = None"))
            || before.contains(&format!("{var}.id = None"))
            || before.contains(&format!("{var}.{} = ", w.field))
        {
            continue;
        }
        let saved = code.calls.iter().any(|c| {
            c.method == Some("save")
                && c.call.range.start() > w.range.end()
                && func.range.contains_range(c.call.range)
                && matches!(c.call.func.as_ref(), rustpython_parser::ast::Expr::Attribute(a) if ctx.source(&*a.value) == w.var)
        });
        if !saved {
            continue;
        }
        let model = &ctx.view.models.get(w.model).name;
        let message = format!(
            "`{}` reads `{model}.{}` in Python and saves it back: concurrent requests overwrite each other's change (lost update)",
            w.text.lines().next().unwrap_or(&w.text),
            w.field
        );
        let delta = w
            .text
            .split_once("+=")
            .map(|(_, d)| format!("F(\"{}\") +{d}", w.field))
            .or_else(|| w.text.split_once("-=").map(|(_, d)| format!("F(\"{}\") -{d}", w.field)))
            .unwrap_or_else(|| format!("F(\"{}\") + <delta>", w.field));
        out.emit(&LOST_UPDATE, ctx.path(), w.span, message).fix = Some(Fix {
            summary: "Let the database do the arithmetic with an `F()` expression (or lock the row with `select_for_update()` in a transaction).".into(),
            before: w.text.clone(),
            after: format!("{model}.objects.filter(pk={}.pk).update({}={})", w.var, w.field, delta.trim()),
        });
    }
}
