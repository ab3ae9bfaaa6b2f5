use rustpython_parser::ast::{Expr, Stmt};

use crate::analysis::{Emitter, PyContext};
use crate::python::names::{keyword, last_segment};
use crate::report::{Fix, Severity};

crate::declare_rule! {
    /// ## What it does
    /// Checks a task's automatic retries: `autoretry_for` with a catch-all (`Exception`,
    /// `BaseException`), or `max_retries=None` (retry forever).
    ///
    /// ## Why it matters at scale
    /// Retrying every exception retries bugs too: a `KeyError` becomes a task that fails the same way
    /// until its retries run out, each attempt repeating its side effects. Retrying forever keeps
    /// poison messages in the queue. Retrying without backoff hammers a struggling dependency with
    /// every worker at once, turning a blip into an outage.
    ///
    /// ## Example
    /// ```python
    /// from celery import shared_task
    ///
    /// @shared_task(autoretry_for=(Exception,), max_retries=None)
    /// def sync_invoice(invoice_id):
    ///     push_to_erp(invoice_id)
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from celery import shared_task
    /// from requests.exceptions import ConnectionError, Timeout
    ///
    /// @shared_task(autoretry_for=(ConnectionError, Timeout), max_retries=5, retry_backoff=True, retry_jitter=True)
    /// def sync_invoice(invoice_id):
    ///     push_to_erp(invoice_id)
    /// ```
    ///
    /// ## Precision
    /// Reads the decorator's keywords (and `autoretry_for`/`max_retries`/`retry_backoff` attributes on
    /// task classes). Severity is high for endless retries, medium for a catch-all. A missing
    /// `retry_backoff` is not reported: Celery already waits `default_retry_delay` (three minutes)
    /// between attempts and stops after three, which judged findings showed to be fine for the lock
    /// and timeout errors it is mostly used with.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// no findings; precision rests on the fixtures' positives and near misses.
    pub UNBOUNDED_RETRY {
        code: "CEL102", name: "unbounded-retry", category: Celery,
        severity: Medium, confidence: High, playbook: "celery-reliability",
    }
}

/// CEL102
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    let code = ctx.code();
    for f in &code.functions {
        for d in f.decorators {
            let Expr::Call(call) = d else { continue };
            if !matches!(last_segment(&call.func), Some("task" | "shared_task" | "periodic_task")) {
                continue;
            }
            let autoretry = keyword(call, "autoretry_for");
            let max_retries = keyword(call, "max_retries");
            report(ctx, out, f.name, d, autoretry, max_retries);
        }
    }
    // Task classes with retry attributes.
    for s in ctx.file().parsed.body() {
        let Stmt::ClassDef(c) = s else { continue };
        if !c.bases.iter().any(|b| last_segment(b) == Some("Task")) {
            continue;
        }
        let attr = |name: &str| {
            c.body.iter().find_map(|s| match s {
                Stmt::Assign(a) if matches!(a.targets.as_slice(), [Expr::Name(n)] if n.id.as_str() == name) => {
                    Some(&*a.value)
                }
                _ => None,
            })
        };
        let anchor = attr("autoretry_for").or(attr("max_retries"));
        if let Some(anchor) = anchor {
            report(ctx, out, c.name.as_str(), anchor, attr("autoretry_for"), attr("max_retries"));
        }
    }
}

fn report(
    ctx: &PyContext<'_, '_>,
    out: &mut Emitter,
    name: &str,
    anchor: &Expr,
    autoretry: Option<&Expr>,
    max_retries: Option<&Expr>,
) {
    let forever = max_retries
        .is_some_and(|m| matches!(m, Expr::Constant(c) if matches!(c.value, rustpython_parser::ast::Constant::None)));
    let catch_all = autoretry.is_some_and(|a| {
        let items: Vec<&Expr> = match a {
            Expr::Tuple(t) => t.elts.iter().collect(),
            Expr::List(l) => l.elts.iter().collect(),
            other => vec![other],
        };
        items.iter().any(|i| matches!(last_segment(i), Some("Exception" | "BaseException")))
    });
    let (severity, problem) = if forever && (autoretry.is_some() || catch_all) {
        (Severity::High, "retries forever (`max_retries=None`)")
    } else if catch_all {
        (Severity::Medium, "retries on every exception, bugs included")
    } else {
        return;
    };
    let message = format!("task `{name}` {problem}");
    let f = out.emit(&UNBOUNDED_RETRY, ctx.path(), ctx.span(anchor), message);
    f.severity = severity;
    f.fix = Some(Fix {
        summary: "Retry only transient errors, a bounded number of times, with exponential backoff and jitter.".into(),
        before: ctx.source(anchor).to_string(),
        after: "autoretry_for=(ConnectionError, TimeoutError), max_retries=5, retry_backoff=True, retry_jitter=True"
            .into(),
    });
}
