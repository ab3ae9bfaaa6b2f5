//! Transaction rules: locks outside transactions, slow work inside them.

pub mod txn101_select_for_update_outside_atomic;
pub mod txn102_network_call_in_atomic;
pub mod txn103_save_loop_in_transaction;
pub mod txn104_lost_update;
pub mod txn105_full_save_over_concurrent_writes;

use std::collections::HashMap;

use rustpython_parser::ast::{Expr, Stmt};
use rustpython_parser::text_size::TextRange;

use crate::analysis::PyContext;
use crate::facts::code::{Call, Role};
use crate::python::walk::{walk_body, walk_expr, walk_stmt, Visitor};

/// Whether a call runs inside a transaction: an `atomic` block or decorator, or a view while
/// `ATOMIC_REQUESTS` is on (unless the view opts out with `non_atomic_requests`).
pub(crate) fn in_transaction(ctx: &PyContext<'_, '_>, c: &Call<'_>) -> Option<&'static str> {
    if c.atomic.is_some() {
        return Some("inside `transaction.atomic()`");
    }
    let f = ctx.code().function(ctx.code().outermost(c.function?));
    if f.role == Role::View && !f.has_decorator("non_atomic_requests") && ctx.view.settings.atomic_requests().is_some()
    {
        return Some("in a view while `ATOMIC_REQUESTS` is on");
    }
    None
}

/// Ranges of the iterables of `for` loops and comprehensions in a file.
pub(crate) fn iterated_ranges(ctx: &PyContext<'_, '_>) -> Vec<TextRange> {
    struct V(Vec<TextRange>);
    impl<'a> Visitor<'a> for V {
        fn visit_stmt(&mut self, s: &'a Stmt) {
            if let Stmt::For(f) = s {
                self.0.push(rustpython_parser::ast::Ranged::range(&*f.iter));
            }
            walk_stmt(self, s);
        }
        fn visit_expr(&mut self, e: &'a Expr) {
            if let Expr::ListComp(c) = e {
                self.0.extend(c.generators.iter().map(|g| rustpython_parser::ast::Ranged::range(&g.iter)));
            }
            walk_expr(self, e);
        }
    }
    let mut v = V(Vec::new());
    walk_body(&mut v, ctx.file().parsed.body());
    v.0
}

/// For each call, the call made on its result (`x.filter()` → `.get()` in `x.filter().get()`).
pub(crate) fn chained_calls<'c, 'a>(calls: &'c [Call<'a>]) -> HashMap<TextRange, &'c Call<'a>> {
    let mut map = HashMap::new();
    for c in calls {
        if let Expr::Attribute(a) = c.call.func.as_ref() {
            map.insert(rustpython_parser::ast::Ranged::range(&*a.value), c);
        }
    }
    map
}
