//! Celery rules: dispatch timing, retries, arguments, idempotency.

pub mod cel101_task_dispatch_in_transaction;
pub mod cel102_unbounded_retry;
pub mod cel103_model_instance_task_argument;
pub mod cel104_non_idempotent_task;
pub mod cel105_acks_late_non_idempotent;

use rustpython_parser::ast::{Expr, Stmt};

use crate::analysis::PyContext;
use crate::facts::code::Function;
use crate::rules::support::network_call;

/// The first external side effect a task performs (an email, an HTTP request, a payment API call),
/// as (the call's source, what it is), when nothing before it guards against running twice.
pub(crate) fn unguarded_side_effect<'a>(ctx: &PyContext<'_, 'a>, id: usize) -> Option<(&'a str, &'static str)> {
    let code = ctx.code();
    let f: &Function<'_> = code.function(id);
    let text = ctx.source_range(f.range);
    // Guards anywhere in the task: a claim in the cache, a row lock, get-or-create, an idempotency key.
    let lower = text.to_ascii_lowercase();
    if [
        "cache.add(",
        "select_for_update",
        "get_or_create",
        "update_or_create",
        "idempoten",
        "dedup",
        "already",
        "lock(",
    ]
    .iter()
    .any(|g| lower.contains(g))
    {
        return None;
    }
    let effect = code
        .calls
        .iter()
        .filter(|c| c.function.is_some_and(|x| code.outermost(x) == id) && !c.deferred)
        .find_map(|c| c.name.as_deref().and_then(network_call).map(|what| (c, what)))?;
    // A status check that returns early before the side effect (`if order.receipt_sent: return`).
    let before = effect.0.call.range.start();
    if returns_early_before(f.body, before) {
        return None;
    }
    Some((ctx.source(effect.0.call), effect.1))
}

fn returns_early_before(body: &[Stmt], before: rustpython_parser::text_size::TextSize) -> bool {
    for s in body {
        if rustpython_parser::ast::Ranged::range(s).start() >= before {
            break;
        }
        if let Stmt::If(i) = s {
            let exits = i.body.iter().any(|b| matches!(b, Stmt::Return(_) | Stmt::Raise(_)));
            let checks_state = matches!(
                &*i.test,
                Expr::Attribute(_) | Expr::Compare(_) | Expr::UnaryOp(_) | Expr::Call(_) | Expr::BoolOp(_)
            );
            if exits && checks_state {
                return true;
            }
        }
    }
    false
}

/// The `acks_late=True` keyword of a task's decorator.
pub(crate) fn acks_late<'a>(f: &Function<'a>) -> Option<&'a Expr> {
    use crate::python::names::{bool_value, keyword, last_segment};
    f.decorators.iter().find_map(|d| match d {
        Expr::Call(c) if matches!(last_segment(&c.func), Some("task" | "shared_task")) => {
            keyword(c, "acks_late").filter(|v| bool_value(v) == Some(true))
        }
        _ => None,
    })
}
