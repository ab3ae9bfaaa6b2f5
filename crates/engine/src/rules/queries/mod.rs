//! Query-budget rules: queries that run once per row.

pub mod qry101_fk_access_in_loop;
pub mod qry102_related_manager_in_loop;
pub mod qry103_related_query_in_loop;
pub mod qry104_query_in_loop;
pub mod qry105_unbounded_queryset;
pub mod qry106_len_queryset;
pub mod qry107_queryset_truthiness;
pub mod qry108_iteration_without_iterator;
pub mod qry109_admin_list_display;
pub mod qry110_serializer_n_plus_one;
pub mod qry111_deferred_field_in_loop;
pub mod qry112_template_n_plus_one;

use std::sync::Arc;

use rustpython_parser::ast::{self, Expr};

use crate::analysis::PyContext;
use crate::facts::models::{Accessor, ModelId};
use crate::facts::queries::{AccessKind, LoopQuery, Origin};
use crate::python::walk::{walk_body, walk_expr, Visitor};
use crate::report::Fix;

/// The `select_related`/`prefetch_related` call that fetches everything the loops over one queryset
/// need, so that applying any one finding's fix removes all of that queryset's N+1s.
pub(crate) fn fetch_fix(ctx: &PyContext<'_, '_>, fact: &LoopQuery) -> Fix {
    let (select, prefetch) = fetch_plan(ctx, &fact.origin);
    let mut call = String::new();
    if !select.is_empty() {
        call.push_str(&format!(".select_related({})", quoted(&select)));
    }
    if !prefetch.is_empty() {
        call.push_str(&format!(".prefetch_related({})", quoted(&prefetch)));
    }
    let what = match (select.is_empty(), prefetch.is_empty()) {
        (false, true) => format!("`.select_related({})` joins", quoted(&select)),
        (true, false) => format!("`.prefetch_related({})` fetches", quoted(&prefetch)),
        _ => format!(
            "`.select_related({})` joins and `.prefetch_related({})` fetches",
            quoted(&select),
            quoted(&prefetch)
        ),
    };
    Fix {
        summary: format!(
            "{what} the related rows together with the queryset built {}, so the loop runs no query per row.",
            origin_place(ctx, &fact.origin)
        ),
        before: fact.origin.text.clone(),
        after: fact.origin.with_call(&call),
    }
}

/// Every path the loops over this queryset access without fetching: (select_related, prefetch_related).
fn fetch_plan(ctx: &PyContext<'_, '_>, origin: &Arc<Origin>) -> (Vec<String>, Vec<String>) {
    let mut select = Vec::new();
    let mut prefetch = Vec::new();
    for q in ctx.queries.loop_queries_over(origin) {
        let list = match &q.kind {
            AccessKind::Object if q.id_only => continue,
            AccessKind::Object if !q.path_has_many => &mut select,
            AccessKind::Object => &mut prefetch,
            AccessKind::Manager { cacheable: true, .. } if !q.prefetched => &mut prefetch,
            AccessKind::Manager { .. } | AccessKind::Deferred { .. } => continue,
        };
        if !list.contains(&q.path) {
            list.push(q.path.clone());
        }
    }
    // `select_related("a__b")` already fetches `a`; keep only the longest paths.
    for list in [&mut select, &mut prefetch] {
        let all = list.clone();
        list.retain(|p| !all.iter().any(|o| o != p && o.starts_with(&format!("{p}__"))));
        crate::sort::sort(list);
    }
    (select, prefetch)
}

fn quoted(paths: &[String]) -> String {
    paths.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(", ")
}

/// "on line 12" or "in blog/queries.py line 12".
pub(crate) fn origin_place(ctx: &PyContext<'_, '_>, origin: &Origin) -> String {
    if origin.path == ctx.path() {
        format!("on line {}", origin.span.line)
    } else {
        format!("in {} line {}", origin.path, origin.span.line)
    }
}

/// "the loop over `books` (line 14)".
pub(crate) fn loop_place(fact: &LoopQuery) -> String {
    loop_place_info(&fact.loop_info)
}

pub(crate) fn loop_place_info(info: &crate::facts::queries::LoopInfo) -> String {
    let flat = info.iter_text.split_whitespace().collect::<Vec<_>>().join(" ");
    let iter =
        if flat.chars().count() > 40 { format!("{}...", flat.chars().take(37).collect::<String>()) } else { flat };
    format!("the loop over `{iter}` (line {})", info.span.line)
}

/// Whether a variable is read in its function anywhere but inside `except` (the range of one use).
pub(crate) fn used_elsewhere(
    ctx: &PyContext<'_, '_>,
    var: &str,
    except: rustpython_parser::text_size::TextRange,
) -> bool {
    use crate::python::walk::{walk_body, walk_expr, Visitor};
    use rustpython_parser::ast::{Expr, ExprContext, Ranged};
    let code = ctx.code();
    let body = code
        .functions
        .iter()
        .filter(|f| f.range.contains_range(except))
        .min_by_key(|f| f.range.len())
        .map(|f| f.body)
        .unwrap_or_else(|| ctx.file().parsed.body());
    struct Uses<'n> {
        var: &'n str,
        except: rustpython_parser::text_size::TextRange,
        found: bool,
    }
    impl<'a> Visitor<'a> for Uses<'_> {
        fn visit_expr(&mut self, e: &'a Expr) {
            if let Expr::Name(n) = e {
                if n.id.as_str() == self.var && n.ctx == ExprContext::Load && !self.except.contains_range(e.range()) {
                    self.found = true;
                }
            }
            walk_expr(self, e);
        }
    }
    let mut v = Uses { var, except, found: false };
    walk_body(&mut v, body);
    v.found
}

/// A data migration runs its loop once, during the deploy, not on every request: one level down.
pub(crate) fn once_per_deploy(ctx: &PyContext<'_, '_>, finding: &mut crate::report::Finding) {
    if ctx.kind() == crate::project::FileKind::Migration && finding.severity > crate::report::Severity::Medium {
        finding.severity = crate::report::Severity::Medium;
    }
}

pub(crate) fn model_name(ctx: &PyContext<'_, '_>, id: usize) -> String {
    ctx.view.models.get(id).name.clone()
}

/// Relation paths a method reads from its object parameter (`def col(self, obj)`): (path, through a to-many
/// relation, the access expression).
pub(crate) fn relation_reads<'a>(
    ctx: &PyContext<'_, '_>,
    def: &'a ast::StmtFunctionDef,
    model: ModelId,
    obj_param: usize,
) -> Vec<(String, bool, &'a Expr)> {
    let params: Vec<&str> = def.args.args.iter().map(|a| a.def.arg.as_str()).collect();
    let Some(obj) = params.get(obj_param).copied() else { return Vec::new() };
    struct V<'c, 'v, 'x, 'a> {
        ctx: &'c PyContext<'v, 'x>,
        obj: &'c str,
        model: ModelId,
        out: Vec<(String, bool, &'a Expr)>,
    }
    impl<'a> Visitor<'a> for V<'_, '_, '_, 'a> {
        fn visit_expr(&mut self, e: &'a Expr) {
            if let Expr::Attribute(_) = e {
                if let Some((path, many)) = chain_path(self.ctx, e, self.obj, self.model) {
                    if !self.out.iter().any(|(p, _, _)| *p == path) {
                        self.out.push((path, many, e));
                    }
                    return;
                }
            }
            walk_expr(self, e);
        }
    }
    let mut v = V { ctx, obj, model, out: Vec::new() };
    walk_body(&mut v, &def.body);
    v.out
}

/// `obj.a.b` → ("a__b", many?) following declared relations from the model; `None` when the chain
/// does not start at `obj` or its first attribute is not a relation.
pub(crate) fn chain_path(ctx: &PyContext<'_, '_>, e: &Expr, obj: &str, model: ModelId) -> Option<(String, bool)> {
    let mut attrs = Vec::new();
    let mut cur = e;
    while let Expr::Attribute(a) = cur {
        attrs.push(a.attr.as_str());
        cur = &a.value;
    }
    if !matches!(cur, Expr::Name(n) if n.id.as_str() == obj) {
        return None;
    }
    attrs.reverse();
    let models = &ctx.view.models;
    let mut path = Vec::new();
    let mut current = Some(model);
    let mut many = false;
    for attr in attrs {
        let Some(m) = current else { break };
        match models.accessor(m, attr) {
            Some(Accessor::Single { target, .. }) => {
                path.push(attr);
                current = target;
            }
            Some(Accessor::Many { .. }) => {
                path.push(attr);
                many = true;
                break;
            }
            None => break,
        }
    }
    (!path.is_empty()).then(|| (path.join("__"), many))
}

#[cfg(test)]
mod tests;
