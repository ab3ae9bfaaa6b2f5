use rustpython_parser::ast::{Expr, Stmt};

use crate::analysis::{Emitter, PyContext};
use crate::facts::code::CodeFacts;
use crate::python::walk::{walk_body, walk_expr, walk_stmt, Visitor};
use crate::report::{Confidence, Fix};
use crate::rules::support::{manager_chain, orm_query_call};

crate::declare_rule! {
    /// ## What it does
    /// Finds synchronous ORM work inside `async def`: a queryset method that runs a query
    /// (`.get()`, `.first()`, `.count()`, `.create()`, ...), a plain `for` loop or `list()` over a
    /// queryset, or a call to a synchronous function of the project that runs such queries.
    ///
    /// ## Why it matters at scale
    /// Django refuses sync ORM calls on the event loop thread and raises `SynchronousOnlyOperation`,
    /// so this path fails at runtime, usually only in production where the view is finally served
    /// by ASGI. Wrapping it naively in a thread per call exhausts the database connection pool.
    ///
    /// ## Example
    /// ```python
    /// from django.http import JsonResponse
    ///
    /// async def order_status(request, pk):
    ///     order = Order.objects.get(pk=pk)
    ///     return JsonResponse({"status": order.status})
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from django.http import JsonResponse
    ///
    /// async def order_status(request, pk):
    ///     order = await Order.objects.aget(pk=pk)
    ///     return JsonResponse({"status": order.status})
    /// ```
    /// Use the `a`-prefixed methods (`aget`, `afirst`, `acount`, `acreate`, ...), `async for` over a
    /// queryset, or `sync_to_async` around a function that does several queries.
    ///
    /// ## Precision
    /// Queries are recognised on chains that start from a model manager (`X.objects...`). Awaited
    /// calls, lambdas and functions passed to `sync_to_async`/`database_sync_to_async` are not
    /// reported. Helpers are followed one level, within the project.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// no findings; precision rests on the fixtures' positives and near misses.
    pub SYNC_ORM_IN_ASYNC {
        code: "ASY101", name: "sync-orm-in-async", category: Async,
        severity: High, confidence: High, playbook: "async-discipline",
    }
}

/// ASY101
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    let code = ctx.code();
    if !code.functions.iter().any(|f| f.is_async) {
        return;
    }
    for c in &code.calls {
        if !super::runs_in_event_loop(ctx, c) {
            continue;
        }
        if let Some(method) = orm_query_call(c.call) {
            let message = format!(
                "`{}` runs a synchronous query inside `async def`; Django raises `SynchronousOnlyOperation`",
                ctx.source(c.call)
            );
            let after = a_prefixed(ctx.source(c.call), method);
            out.emit(&SYNC_ORM_IN_ASYNC, ctx.path(), ctx.span(c.call), message).fix = Some(Fix {
                summary: format!("Await the async variant `a{method}()`."),
                before: ctx.source(c.call).to_string(),
                after,
            });
            continue;
        }
        // `list(qs)`, `len(qs)` on a manager chain.
        if matches!(c.method, Some("list" | "len" | "tuple" | "sorted"))
            && c.call.args.first().is_some_and(manager_chain)
        {
            let message = format!("`{}` evaluates a queryset synchronously inside `async def`", ctx.source(c.call));
            out.emit(&SYNC_ORM_IN_ASYNC, ctx.path(), ctx.span(c.call), message).fix = Some(Fix {
                summary: "Collect the rows with an async comprehension.".into(),
                before: ctx.source(c.call).to_string(),
                after: format!("[x async for x in {}]", ctx.source(&c.call.args[0])),
            });
            continue;
        }
        // A helper of the project that queries.
        if let (Expr::Name(n), false) = (c.call.func.as_ref(), c.awaited) {
            if let Some(helper) = sync_helper_that_queries(ctx, n.id.as_str()) {
                let message = format!(
                    "`{}` calls `{}`, a synchronous function that queries the database ({helper}), inside `async def`",
                    ctx.source(c.call),
                    n.id
                );
                let f = out.emit(&SYNC_ORM_IN_ASYNC, ctx.path(), ctx.span(c.call), message);
                f.confidence = Confidence::Medium;
                f.fix = Some(Fix {
                    summary: "Run the helper in a thread with `sync_to_async` (or give it an async version).".into(),
                    before: ctx.source(c.call).to_string(),
                    after: format!(
                        "await sync_to_async({})({})",
                        n.id,
                        c.call.args.iter().map(|a| ctx.source(a)).collect::<Vec<_>>().join(", ")
                    ),
                });
            }
        }
    }
    // Plain `for` loops and comprehensions over querysets.
    struct Loops<'a> {
        in_async: bool,
        hits: Vec<&'a Expr>,
    }
    impl<'a> Visitor<'a> for Loops<'a> {
        fn visit_stmt(&mut self, s: &'a Stmt) {
            match s {
                Stmt::AsyncFunctionDef(_) => {
                    let saved = std::mem::replace(&mut self.in_async, true);
                    walk_stmt(self, s);
                    self.in_async = saved;
                }
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {
                    let saved = std::mem::replace(&mut self.in_async, false);
                    walk_stmt(self, s);
                    self.in_async = saved;
                }
                Stmt::For(f) if self.in_async && manager_chain(&f.iter) => {
                    self.hits.push(&f.iter);
                    walk_stmt(self, s);
                }
                _ => walk_stmt(self, s),
            }
        }
        fn visit_expr(&mut self, e: &'a Expr) {
            match e {
                Expr::Lambda(_) => {}
                Expr::ListComp(c) if self.in_async => {
                    for g in &c.generators {
                        if !g.is_async && manager_chain(&g.iter) {
                            self.hits.push(&g.iter);
                        }
                    }
                    walk_expr(self, e);
                }
                _ => walk_expr(self, e),
            }
        }
    }
    let mut v = Loops { in_async: false, hits: Vec::new() };
    walk_body(&mut v, ctx.file().parsed.body());
    for iter in v.hits {
        let message =
            format!("iterating `{}` with a plain `for` runs a synchronous query inside `async def`", ctx.source(iter));
        out.emit(&SYNC_ORM_IN_ASYNC, ctx.path(), ctx.span(iter), message).fix = Some(Fix {
            summary: "Iterate with `async for`, which fetches the rows without blocking the event loop.".into(),
            before: format!("for x in {}:", ctx.source(iter)),
            after: format!("async for x in {}:", ctx.source(iter)),
        });
    }
}

/// `Order.objects.get(pk=pk)` → `await Order.objects.aget(pk=pk)`.
fn a_prefixed(src: &str, method: &str) -> String {
    match src.rfind(&format!(".{method}(")) {
        Some(i) => format!("await {}.a{method}({}", &src[..i], &src[i + method.len() + 2..]),
        None => format!("await {src}"),
    }
}

/// If `name` is a synchronous function of the project whose body runs ORM queries, a description.
fn sync_helper_that_queries(ctx: &PyContext<'_, '_>, name: &str) -> Option<String> {
    let view = ctx.view;
    let candidates = view.functions.get(name)?;
    let (file, def) = candidates.iter().find(|(f, _)| *f == ctx.file).or(if candidates.len() == 1 {
        candidates.first()
    } else {
        None
    })?;
    let facts: &CodeFacts<'_> = &view.code[*file];
    let id = facts.functions.iter().position(|f| std::ptr::eq(f.body.as_ptr(), def.body.as_ptr()))?;
    if facts.functions[id].is_async || facts.functions[id].decorator_names.iter().any(|d| d.contains("sync_to_async")) {
        return None;
    }
    let q = facts.calls.iter().find(|c| c.function == Some(id) && orm_query_call(c.call).is_some())?;
    let path = &view.files[*file].path;
    Some(format!(
        "`{}` at {}:{}",
        view.files[*file].parsed.source_of(q.call),
        path,
        view.files[*file].parsed.span_of(q.call).line
    ))
}
