use rustpython_parser::ast::{Expr, Stmt};

use crate::analysis::{Emitter, PyContext};
use crate::python::walk::{walk_body, walk_expr, walk_stmt, Visitor};
use crate::report::Fix;

crate::declare_rule! {
    /// ## What it does
    /// Finds files served through Django: `django.views.static.serve` routed outside an
    /// `if settings.DEBUG:` block, and views that stream a model's `FileField` or an opened file with
    /// `FileResponse`/`HttpResponse`.
    ///
    /// ## Why it matters at scale
    /// Each download holds a Python worker (and its memory) for as long as the client takes to
    /// receive the file. A handful of slow mobile clients downloading large files occupies every
    /// worker, and the site stops answering. `static.serve` is documented as unfit for production.
    ///
    /// ## Example
    /// ```python
    /// from django.http import FileResponse
    /// from django.shortcuts import get_object_or_404
    /// from django.db import models
    ///
    /// class Document(models.Model):
    ///     file = models.FileField(upload_to="docs/")
    ///     owner = models.ForeignKey("auth.User", on_delete=models.CASCADE)
    ///
    /// def download(request, pk):
    ///     doc = get_object_or_404(Document, pk=pk, owner=request.user)
    ///     return FileResponse(doc.file.open("rb"), as_attachment=True)
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from django.http import HttpResponse
    /// from django.shortcuts import get_object_or_404
    /// from django.db import models
    ///
    /// class Document(models.Model):
    ///     file = models.FileField(upload_to="docs/")
    ///     owner = models.ForeignKey("auth.User", on_delete=models.CASCADE)
    ///
    /// def download(request, pk):
    ///     doc = get_object_or_404(Document, pk=pk, owner=request.user)
    ///     response = HttpResponse()
    ///     response["X-Accel-Redirect"] = f"/protected/{doc.file.name}"
    ///     return response
    /// ```
    /// Or redirect to a short-lived signed URL from the object storage.
    ///
    /// ## Precision
    /// A `serve` route outside a DEBUG guard is medium severity. Views streaming a file are low
    /// severity: private downloads behind a permission check are often served this way on purpose,
    /// and small files cost little. Views are reported when the response body is a file opened from a model field or from disk;
    /// generated content (`FileResponse(io.BytesIO(...))`) is not.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// 19 findings, all judged, 8 false positives (42 %), 3 of the true ones borderline.
    pub FILE_SERVED_BY_DJANGO {
        code: "STO102", name: "file-served-by-django", category: Storage,
        severity: Low, confidence: Low, playbook: "static-and-media",
    }
}

/// STO102
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    let code = ctx.code();
    // `serve` routed in urls.py outside a DEBUG guard.
    struct Routes<'a> {
        debug_depth: u32,
        hits: Vec<&'a Expr>,
    }
    impl<'a> Visitor<'a> for Routes<'a> {
        fn visit_stmt(&mut self, s: &'a Stmt) {
            if let Stmt::If(i) = s {
                let guarded = crate::python::names::dotted_name(&i.test).is_some_and(|d| d.ends_with("DEBUG"));
                if guarded {
                    self.debug_depth += 1;
                    crate::python::walk::walk_body(self, &i.body);
                    self.debug_depth -= 1;
                    crate::python::walk::walk_body(self, &i.orelse);
                    return;
                }
            }
            walk_stmt(self, s);
        }
        fn visit_expr(&mut self, e: &'a Expr) {
            if let Expr::Call(c) = e {
                let routing = matches!(crate::python::names::last_segment(&c.func), Some("path" | "re_path" | "url"));
                if routing
                    && self.debug_depth == 0
                    && c.args.get(1).is_some_and(|v| crate::python::names::last_segment(v) == Some("serve"))
                {
                    self.hits.push(e);
                }
            }
            walk_expr(self, e);
        }
    }
    if code.imports.resolve("serve") == "django.views.static.serve"
        || code.imports.resolve("static") == "django.views.static"
    {
        let mut r = Routes { debug_depth: 0, hits: Vec::new() };
        walk_body(&mut r, ctx.file().parsed.body());
        for e in r.hits {
            let f = out.emit(
                &FILE_SERVED_BY_DJANGO,
                ctx.path(),
                ctx.span(e),
                "`django.views.static.serve` is routed outside `if settings.DEBUG:`: Python workers serve every file",
            );
            // Routing every media request through Django is a deployment mistake, not a choice made per view.
            f.severity = crate::report::Severity::Medium;
            f.fix = Some(Fix {
                summary: "Serve media from the web server or object storage; keep `serve` (or `static()`) for development only.".into(),
                before: ctx.source(e).to_string(),
                after: "if settings.DEBUG:\n    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)".into(),
            });
        }
    }
    // FileResponse / HttpResponse over a stored or opened file.
    for c in &code.calls {
        if !matches!(c.method, Some("FileResponse" | "HttpResponse" | "StreamingHttpResponse")) {
            continue;
        }
        let Some(body) = c.call.args.first() else { continue };
        let Some(what) = file_body(ctx, body) else { continue };
        let message = format!(
            "`{}` streams {what} through a Python worker, which is held for the whole download",
            ctx.source(c.call).lines().next().unwrap_or("")
        );
        out.emit(&FILE_SERVED_BY_DJANGO, ctx.path(), ctx.span(c.call), message).fix = Some(Fix {
            summary: "Let the web server or the object storage send the bytes: `X-Accel-Redirect` (nginx) / `X-Sendfile`, or a redirect to a signed URL.".into(),
            before: ctx.source(c.call).to_string(),
            after: "response = HttpResponse()\nresponse[\"X-Accel-Redirect\"] = f\"/protected/{name}\"".into(),
        });
    }
}

/// What a response body is when it is a file: `doc.file.open()`, `doc.file`, `open(path, "rb")`.
fn file_body(ctx: &PyContext<'_, '_>, e: &Expr) -> Option<String> {
    let file_fields: std::collections::HashSet<&str> = ctx
        .view
        .models
        .models
        .iter()
        .flat_map(|m| &m.fields)
        .filter(|f| matches!(f.class_name.as_str(), "FileField" | "ImageField"))
        .map(|f| f.name.as_str())
        .collect();
    match e {
        Expr::Call(c) => {
            let name = ctx.code().imports.qualify(&c.func).unwrap_or_default();
            if name == "open" {
                return Some(format!("the file `{}`", c.args.first().map(|a| ctx.source(a)).unwrap_or("?")));
            }
            match c.func.as_ref() {
                Expr::Attribute(a) if a.attr.as_str() == "open" => file_body(ctx, &a.value),
                _ => None,
            }
        }
        Expr::Attribute(a) if file_fields.contains(a.attr.as_str()) => {
            Some(format!("the stored file `{}`", ctx.source(e)))
        }
        _ => None,
    }
}
