//! Side-effect rules: business work hidden in signal receivers and `save()` overrides.

pub mod sfx101_signal_side_effects;
pub mod sfx102_save_override_side_effects;

use rustpython_parser::ast::Expr;

use crate::analysis::PyContext;
use crate::rules::support::{chain_root, network_call, task_dispatch};

/// What a function does beyond its own object: (call source, description), in source order.
pub(crate) fn side_effects<'a>(ctx: &PyContext<'_, 'a>, id: usize, own_model: Option<&str>) -> Vec<(&'a str, String)> {
    let code = ctx.code();
    let mut out = Vec::new();
    for c in code.calls.iter().filter(|c| c.function.is_some_and(|f| code.outermost(f) == id) && !c.deferred) {
        let src = ctx.source(c.call);
        if let Some(what) = c.name.as_deref().and_then(network_call) {
            let verb = if what == "an email send" { "sends email".to_string() } else { format!("makes {what}") };
            out.push((src, verb));
        } else if task_dispatch(c.call) {
            out.push((src, "dispatches a task".to_string()));
        } else if let Some(model) = other_model_write(ctx, c.call, own_model) {
            out.push((src, format!("writes `{model}` rows")));
        }
    }
    out
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
