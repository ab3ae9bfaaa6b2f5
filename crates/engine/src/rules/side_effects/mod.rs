//! Side-effect rules: business work hidden in signal receivers and `save()` overrides.

pub mod sfx101_signal_side_effects;
pub mod sfx102_save_override_side_effects;

use rustpython_parser::ast::{self, Expr, Ranged, Stmt};
use rustpython_parser::text_size::TextRange;

use crate::python::walk::{walk_body, walk_stmt, Visitor};

use crate::analysis::PyContext;
use crate::rules::support::{chain_root, network_call, task_dispatch};

/// What a function does beyond its own object: (call source, description), in source order.
///
/// Database writes that only happen when the row is created (`if created:` in a receiver,
/// `if not self.pk:` or `if self._state.adding:` in `save()`) are left out: creating a profile or
/// token next to a new user is one insert in the same transaction, the pattern Django REST
/// framework documents, not hidden business logic. External calls count wherever they are.
pub(crate) fn side_effects<'a>(ctx: &PyContext<'_, 'a>, id: usize, own_model: Option<&str>) -> Vec<(&'a str, String)> {
    let code = ctx.code();
    let creation = creation_only_blocks(code.function(id).body);
    let mut out = Vec::new();
    for c in code.calls.iter().filter(|c| c.function.is_some_and(|f| code.outermost(f) == id) && !c.deferred) {
        let on_create = creation.iter().any(|r| r.contains_range(c.call.range));
        let src = ctx.source(c.call);
        if let Some(what) = c.name.as_deref().and_then(network_call) {
            let verb = if what == "an email send" { "sends email".to_string() } else { format!("makes {what}") };
            out.push((src, verb));
        } else if task_dispatch(c.call) {
            out.push((src, "dispatches a task".to_string()));
        } else if let Some(model) = other_model_write(ctx, c.call, own_model) {
            if !on_create {
                out.push((src, format!("writes `{model}` rows")));
            }
        }
    }
    out
}

/// The bodies of `if` statements that run only when the row is new: `if created:`,
/// `if not self.pk:`, `if self._state.adding:`, or a flag assigned from one of those first
/// (`is_new = self.pk is None` ... `if is_new:`).
fn creation_only_blocks(body: &[Stmt]) -> Vec<TextRange> {
    struct Finder<'a> {
        flags: Vec<&'a str>,
        out: Vec<TextRange>,
    }
    fn is_new_test(e: &Expr, flags: &[&str]) -> bool {
        match e {
            Expr::Name(n) => n.id.as_str() == "created" || flags.contains(&n.id.as_str()),
            Expr::Attribute(a) => a.attr.as_str() == "adding",
            Expr::UnaryOp(u) if u.op == ast::UnaryOp::Not => {
                matches!(&*u.operand, Expr::Attribute(a) if matches!(a.attr.as_str(), "pk" | "id"))
                    || matches!(&*u.operand, Expr::Name(n) if n.id.as_str().contains("exist"))
            }
            Expr::Compare(c) => {
                matches!(&*c.left, Expr::Attribute(a) if matches!(a.attr.as_str(), "pk" | "id"))
                    && matches!(c.ops.as_slice(), [ast::CmpOp::Is])
                    && matches!(c.comparators.as_slice(), [Expr::Constant(k)] if k.value.is_none())
            }
            Expr::BoolOp(b) if b.op == ast::BoolOp::And => b.values.iter().any(|v| is_new_test(v, flags)),
            _ => false,
        }
    }
    impl<'a> Visitor<'a> for Finder<'a> {
        fn visit_stmt(&mut self, s: &'a Stmt) {
            match s {
                Stmt::Assign(a) => {
                    if let [Expr::Name(n)] = a.targets.as_slice() {
                        if is_new_test(&a.value, &self.flags) {
                            self.flags.push(n.id.as_str());
                        }
                    }
                }
                Stmt::If(i) if is_new_test(&i.test, &self.flags) => {
                    if let (Some(first), Some(last)) = (i.body.first(), i.body.last()) {
                        self.out.push(TextRange::new(first.range().start(), last.range().end()));
                    }
                }
                _ => {}
            }
            walk_stmt(self, s);
        }
    }
    let mut f = Finder { flags: Vec::new(), out: Vec::new() };
    walk_body(&mut f, body);
    f.out
}

/// `Other.objects.create(...)`/`.update()`/`.delete()`/`.bulk_create()`/`get_or_create()` on a model
/// other than the one being saved.
fn other_model_write(
    ctx: &PyContext<'_, '_>,
    call: &rustpython_parser::ast::ExprCall,
    own_model: Option<&str>,
) -> Option<String> {
    let Expr::Attribute(a) = call.func.as_ref() else { return None };
    if !matches!(
        a.attr.as_str(),
        "create" | "update" | "delete" | "bulk_create" | "bulk_update" | "get_or_create" | "update_or_create"
    ) {
        return None;
    }
    if !crate::rules::support::manager_chain(&a.value) {
        return None;
    }
    let Expr::Name(n) = chain_root(&a.value) else { return None };
    let name = ctx.code().imports.resolve(n.id.as_str());
    let name = name.rsplit('.').next().unwrap_or(&name).to_string();
    if own_model == Some(name.as_str()) || name == "self" {
        return None;
    }
    Some(name)
}

/// The descriptions of side effects, each once, in order.
pub(crate) fn distinct<'e>(effects: &'e [(&str, String)]) -> Vec<&'e str> {
    let mut out: Vec<&str> = Vec::new();
    for (_, w) in effects {
        if !out.contains(&w.as_str()) {
            out.push(w);
        }
    }
    out
}
