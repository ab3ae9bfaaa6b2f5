use crate::analysis::{Emitter, PyContext};
use crate::report::Fix;

crate::declare_rule! {
    /// ## What it does
    /// Finds model instances passed as arguments to `.delay()` / `.apply_async()`.
    ///
    /// ## Why it matters at scale
    /// The instance is serialized when the task is queued and read back when it runs, seconds or
    /// hours later: the worker acts on a stale copy and its `save()` overwrites newer changes. With
    /// the JSON serializer the call fails outright; with pickle, a model change between deploys breaks
    /// every queued message.
    ///
    /// ## Example
    /// ```python
    /// from django.db import models
    ///
    /// class Invoice(models.Model):
    ///     total = models.IntegerField()
    ///
    /// def issue(pk):
    ///     invoice = Invoice.objects.get(pk=pk)
    ///     send_invoice.delay(invoice)
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from django.db import models
    ///
    /// class Invoice(models.Model):
    ///     total = models.IntegerField()
    ///
    /// def issue(pk):
    ///     invoice = Invoice.objects.get(pk=pk)
    ///     send_invoice.delay(invoice.pk)
    /// ```
    /// The task fetches the row itself (`Invoice.objects.get(pk=invoice_id)`), so it sees the current
    /// state.
    ///
    /// ## Precision
    /// The argument must be known to be a model instance of a model in the reviewed files: a row
    /// fetched with `get()`/`first()`/`get_object_or_404()`, a loop variable over a queryset, or a
    /// related object of one.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// no findings; precision rests on the fixtures' positives and near misses.
    pub MODEL_INSTANCE_TASK_ARGUMENT {
        code: "CEL103", name: "model-instance-task-argument", category: Celery,
        severity: Medium, confidence: High, playbook: "celery-reliability",
    }
}

/// CEL103
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    for arg in &ctx.queries.task_args {
        let model = &ctx.view.models.get(arg.model).name;
        let message = format!(
            "`{}` is a `{model}` instance passed to a task: it is serialized now and may be stale when the task runs",
            arg.text
        );
        out.emit(&MODEL_INSTANCE_TASK_ARGUMENT, ctx.path(), arg.span, message).fix = Some(Fix {
            summary: format!("Pass the primary key and fetch the `{model}` inside the task."),
            before: arg.call_text.clone(),
            after: arg.call_text.replacen(&arg.text, &format!("{}.pk", arg.text), 1),
        });
    }
}
