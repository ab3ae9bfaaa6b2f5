//! Caching rules: stampedes, synchronized expiry, caching what must not be cached, unversioned
//! pickled objects, unbounded process-local caches.

pub mod cac101_cache_stampede;
pub mod cac102_synchronized_expiry;
pub mod cac103_cache_page_unsafe_method;
pub mod cac104_unversioned_cache_key;
pub mod cac105_unbounded_process_cache;

use rustpython_parser::ast::Expr;

use crate::analysis::PyContext;

/// Whether an expression is Django's cache (`cache`, `caches["x"]`, `self.cache`).
pub(crate) fn is_cache(ctx: &PyContext<'_, '_>, e: &Expr) -> bool {
    match e {
        Expr::Subscript(s) => crate::python::names::last_segment(&s.value) == Some("caches"),
        other => {
            if let Some(q) = ctx.code().imports.qualify(other) {
                if q == "django.core.cache.cache" || q.ends_with(".cache") || q == "cache" {
                    return true;
                }
            }
            crate::python::names::last_segment(other).is_some_and(|l| l == "cache" || l.ends_with("_cache"))
        }
    }
}

/// The receiver and method of a cache call (`cache.get(...)` → (`cache`, `get`)).
pub(crate) fn cache_call<'e>(
    ctx: &PyContext<'_, '_>,
    call: &'e rustpython_parser::ast::ExprCall,
) -> Option<(&'e Expr, &'e str)> {
    let Expr::Attribute(a) = call.func.as_ref() else { return None };
    is_cache(ctx, &a.value).then_some((&*a.value, a.attr.as_str()))
}
