//! Query-budget rules: queries that run once per row.

pub mod qry101_fk_access_in_loop;
pub mod qry102_related_manager_in_loop;
pub mod qry103_related_query_in_loop;

use std::rc::Rc;

use crate::analysis::PyContext;
use crate::facts::queries::{AccessKind, LoopQuery, Origin};
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
fn fetch_plan(ctx: &PyContext<'_, '_>, origin: &Rc<Origin>) -> (Vec<String>, Vec<String>) {
    let mut select = Vec::new();
    let mut prefetch = Vec::new();
    for q in ctx.queries.loop_queries.iter().filter(|q| Rc::ptr_eq(&q.origin, origin)) {
        let list = match &q.kind {
            AccessKind::Object if q.id_only => continue,
            AccessKind::Object if !q.path_has_many => &mut select,
            AccessKind::Object => &mut prefetch,
            AccessKind::Manager { cacheable: true, .. } if !q.prefetched => &mut prefetch,
            AccessKind::Manager { .. } => continue,
        };
        if !list.contains(&q.path) {
            list.push(q.path.clone());
        }
    }
    // `select_related("a__b")` already fetches `a`; keep only the longest paths.
    for list in [&mut select, &mut prefetch] {
        let all = list.clone();
        list.retain(|p| !all.iter().any(|o| o != p && o.starts_with(&format!("{p}__"))));
        list.sort();
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
    let flat = fact.loop_info.iter_text.split_whitespace().collect::<Vec<_>>().join(" ");
    let iter =
        if flat.chars().count() > 40 { format!("{}...", flat.chars().take(37).collect::<String>()) } else { flat };
    format!("the loop over `{iter}` (line {})", fact.loop_info.span.line)
}

pub(crate) fn model_name(ctx: &PyContext<'_, '_>, id: usize) -> String {
    ctx.view.models.get(id).name.clone()
}

#[cfg(test)]
mod tests;
