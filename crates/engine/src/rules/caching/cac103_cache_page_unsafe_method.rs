use rustpython_parser::ast::{Expr, Stmt};

use crate::analysis::{Emitter, PyContext};
use crate::python::names::last_segment;
use crate::report::Fix;
use crate::text::Case;

crate::declare_rule! {
    /// ## What it does
    /// Finds `cache_page` on views that also handle unsafe methods: a function view that reads
    /// `request.POST` or tests `request.method`, is limited to POST, or a class-based view with a
    /// `post`/`put`/`patch`/`delete` handler or a form-processing base.
    ///
    /// ## Why it matters at scale
    /// The cached GET response is served to everyone: the form page carries the first visitor's CSRF
    /// token, so other users' submissions fail CSRF verification, and any per-user content in it
    /// leaks. Success messages and redirects after the POST are cached too.
    ///
    /// ## Example
    /// ```python
    /// from django.shortcuts import redirect, render
    /// from django.views.decorators.cache import cache_page
    ///
    /// @cache_page(60 * 5)
    /// def contact(request):
    ///     if request.method == "POST":
    ///         send_message(request.POST)
    ///         return redirect("thanks")
    ///     return render(request, "contact.html")
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from django.shortcuts import redirect, render
    /// from django.views.decorators.cache import cache_page
    ///
    /// def contact(request):
    ///     if request.method == "POST":
    ///         send_message(request.POST)
    ///         return redirect("thanks")
    ///     return render(request, "contact.html")
    ///
    /// @cache_page(60 * 5)
    /// def contact_info(request):
    ///     return render(request, "contact_info.html")
    /// ```
    /// Cache the expensive fragments of the page with `{% cache %}` instead, keyed per user when they
    /// vary.
    ///
    /// ## Precision
    /// Reported only when the view visibly handles an unsafe method.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// no findings; precision rests on the fixtures' positives and near misses.
    pub CACHE_PAGE_UNSAFE_METHOD {
        code: "CAC103", name: "cache-page-unsafe-method", category: Caching,
        severity: High, confidence: High, playbook: "caching",
    }
}

const FORM_BASES: &[&str] =
    &["FormView", "CreateView", "UpdateView", "DeleteView", "ModelFormMixin", "ProcessFormView"];

/// CAC103
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    let code = ctx.code();
    for f in &code.functions {
        let Some(d) = f.decorators.iter().find(|d| decorator_is_cache_page(d)) else { continue };
        if f.class.is_some() {
            continue;
        }
        let text = ctx.source_range(f.range);
        let handles = if f.decorator_names.iter().any(|n| n.ends_with("require_POST")) {
            Some("accepts only POST")
        } else if text.contains("request.POST") || text.contains("request.FILES") {
            Some("reads `request.POST`")
        } else if text.contains("request.method") {
            Some("branches on `request.method`")
        } else {
            None
        };
        let Some(handles) = handles else { continue };
        emit(ctx, out, d, f.name, handles);
    }
    for s in ctx.file().parsed.body() {
        let Stmt::ClassDef(c) = s else { continue };
        let Some(d) = c.decorator_list.iter().find(|d| ctx.source(*d).contains("cache_page")) else { continue };
        let unsafe_method = c.body.iter().find_map(|s| match s {
            Stmt::FunctionDef(m) if matches!(m.name.as_str(), "post" | "put" | "patch" | "delete") => {
                Some(m.name.as_str())
            }
            _ => None,
        });
        let form_base = c.bases.iter().filter_map(last_segment).find(|b| FORM_BASES.contains(b));
        let handles = match (unsafe_method, form_base) {
            (Some(m), _) => format!("handles `{}`", m.uppercase()),
            (None, Some(b)) => format!("is a `{b}` that processes POSTed forms"),
            _ => continue,
        };
        emit(ctx, out, d, c.name.as_str(), &handles);
    }
}

fn decorator_is_cache_page(d: &Expr) -> bool {
    match d {
        Expr::Call(c) => last_segment(&c.func) == Some("cache_page") || c.args.iter().any(decorator_is_cache_page),
        _ => false,
    }
}

fn emit(ctx: &PyContext<'_, '_>, out: &mut Emitter, d: &Expr, view: &str, handles: &str) {
    let message = format!("`{view}` is wrapped in `cache_page` but {handles}: the cached page (with its CSRF token and per-user content) is served to everyone");
    out.emit(&CACHE_PAGE_UNSAFE_METHOD, ctx.path(), ctx.span(d), message).fix = Some(Fix {
        summary: "Do not cache whole pages that process forms; cache the expensive fragments with `{% cache %}` or the data with the low-level cache API.".into(),
        before: ctx.source(d).to_string(),
        after: String::new(),
    });
}
