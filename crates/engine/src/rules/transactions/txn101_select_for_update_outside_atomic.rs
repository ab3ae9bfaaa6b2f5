use rustpython_parser::ast::Ranged;

use crate::analysis::{Emitter, PyContext};
use crate::facts::code::Role;
use crate::report::{Confidence, Fix};
use crate::rules::support::ORM_EXECUTING;

crate::declare_rule! {
    /// ## What it does
    /// Finds a queryset with `select_for_update()` that is evaluated (`.get()`, `.first()`, a `for`
    /// loop, `list()`) outside `transaction.atomic()`, in a function no caller in the project runs
    /// inside a transaction.
    ///
    /// ## Why it matters at scale
    /// Row locks last until the transaction ends. In autocommit mode Django raises
    /// `TransactionManagementError` for this query; where it does not (a test wrapped in a
    /// transaction), the lock is released at once and the race it was meant to prevent, such as
    /// double-spending a balance or overselling stock, stays.
    ///
    /// ## Example
    /// ```python
    /// def reserve(pk):
    ///     item = Item.objects.select_for_update().get(pk=pk)
    ///     item.stock -= 1
    ///     item.save(update_fields=["stock"])
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from django.db import transaction
    ///
    /// def reserve(pk):
    ///     with transaction.atomic():
    ///         item = Item.objects.select_for_update().get(pk=pk)
    ///         item.stock -= 1
    ///         item.save(update_fields=["stock"])
    /// ```
    ///
    /// ## Precision
    /// Not reported when the function is decorated with `atomic`, is a view while `ATOMIC_REQUESTS`
    /// is on, or is called from inside an atomic block anywhere in the reviewed files (wrappers named
    /// like `conditional_atomic()` count as atomic blocks), following callers up to four levels.
    /// Methods other than views, tasks and commands are not reported, nor functions they call: they
    /// are reached through their class, often by a library, so their callers cannot be traced. A queryset
    /// that is only built and returned is not reported. Confidence is medium for helpers whose
    /// callers are not all in view.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// no findings; precision rests on the fixtures' positives and near misses.
    pub SELECT_FOR_UPDATE_OUTSIDE_ATOMIC {
        code: "TXN101", name: "select-for-update-outside-atomic", category: Transactions,
        severity: High, confidence: High, playbook: "transactions",
    }
}

/// TXN101
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    let code = ctx.code();
    if !code.calls.iter().any(|c| c.method == Some("select_for_update")) {
        return;
    }
    let chained = super::chained_calls(&code.calls);
    let iterated = super::iterated_ranges(ctx);
    for c in code.calls.iter().filter(|c| c.method == Some("select_for_update")) {
        if super::in_transaction(ctx, c).is_some() {
            continue;
        }
        // Follow the chain to where it ends: is the queryset evaluated here?
        let mut top = c;
        while let Some(next) = chained.get(&top.call.range) {
            top = next;
        }
        let evaluated_by = if top.method.is_some_and(|m| ORM_EXECUTING.contains(&m)) {
            Some(format!("`.{}()`", top.method.unwrap_or_default()))
        } else if iterated.iter().any(|r| r.contains_range(top.call.range())) {
            Some("a `for` loop".to_string())
        } else {
            None
        };
        let Some(evaluated_by) = evaluated_by else { continue };
        let Some(fid) = c.function else { continue };
        let outer = code.outermost(fid);
        let f = code.function(outer);
        // A method is reached through its class (a base class, a library calling back into a
        // validator or backend), so its callers cannot be traced: only entry points are judged.
        let entry_point = matches!(f.role, Role::View | Role::Task | Role::Command);
        if called_inside_atomic(ctx, f.name) || (f.class.is_some() && !entry_point) {
            continue;
        }
        let message = format!(
            "`select_for_update()` is evaluated by {evaluated_by} outside `transaction.atomic()`: in autocommit Django raises `TransactionManagementError`, and no lock would outlive the query"
        );
        let finding = out.emit(&SELECT_FOR_UPDATE_OUTSIDE_ATOMIC, ctx.path(), ctx.span(c.call), message);
        finding.fix = Some(Fix {
            summary: format!("Run the locking read and the writes that depend on it in one transaction (`with transaction.atomic():` in `{}`).", f.name),
            before: ctx.source(top.call).to_string(),
            after: format!("with transaction.atomic():\n    ... = {}\n    ...  # the writes the lock protects", ctx.source(top.call)),
        });
        if !matches!(f.role, Role::View | Role::Task | Role::Command)
            && f.class.is_none()
            && is_called_anywhere(ctx, f.name)
        {
            finding.confidence = Confidence::Medium;
        }
    }
}

/// Whether some call chain in the project may reach `name` from inside an atomic block: a direct
/// call in one, a call from a function that is itself reached that way (a few levels deep), or a
/// call from a method other than an entry point, whose own callers cannot be traced.
fn called_inside_atomic(ctx: &PyContext<'_, '_>, name: &str) -> bool {
    let mut frontier = vec![name.to_string()];
    let mut seen: std::collections::HashSet<String> = frontier.iter().cloned().collect();
    for _ in 0..4 {
        let mut next = Vec::new();
        for facts in &ctx.view.code {
            for c in facts.calls.iter().filter(|c| c.method.is_some_and(|m| frontier.iter().any(|f| f == m))) {
                if c.atomic.is_some() {
                    return true;
                }
                if let Some(caller) = c.function.map(|f| facts.function(facts.outermost(f))) {
                    let entry_point = matches!(caller.role, Role::View | Role::Task | Role::Command);
                    if caller.atomic || (caller.class.is_some() && !entry_point) {
                        return true;
                    }
                    if seen.insert(caller.name.to_string()) {
                        next.push(caller.name.to_string());
                    }
                }
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    false
}

fn is_called_anywhere(ctx: &PyContext<'_, '_>, name: &str) -> bool {
    ctx.view.code.iter().any(|facts| facts.calls.iter().any(|c| c.method == Some(name)))
}
