use rustpython_parser::ast::Expr;

use crate::analysis::{Emitter, PyContext};
use crate::python::names::dotted_name;
use crate::report::Fix;

crate::declare_rule! {
    /// ## What it does
    /// Finds `.read()` without a size on uploaded files (`request.FILES[...]`), on a model's
    /// `FileField`/`ImageField`, and on files opened from `default_storage`.
    ///
    /// ## Why it matters at scale
    /// The whole file lands in the worker's memory at once. A few concurrent 500 MB uploads or
    /// exports take the worker past its memory limit and it is killed mid-request, with every other
    /// request it was serving.
    ///
    /// ## Example
    /// ```python
    /// def upload(request):
    ///     data = request.FILES["document"].read()
    ///     store(data)
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// def upload(request):
    ///     for chunk in request.FILES["document"].chunks():
    ///         store(chunk)
    /// ```
    ///
    /// ## Precision
    /// Only reads of uploaded files, model file fields declared in the reviewed files, and storage
    /// files; `.read(n)` with a size is not reported.
    /// Corpus results are in `docs/rule-precision.md`.
    pub FILE_READ_INTO_MEMORY {
        code: "STO103", name: "file-read-into-memory", category: Storage,
        severity: Medium, confidence: High, playbook: "static-and-media",
    }
}

/// STO103
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    let file_fields: std::collections::HashSet<&str> = ctx
        .view
        .models
        .models
        .iter()
        .flat_map(|m| &m.fields)
        .filter(|f| matches!(f.class_name.as_str(), "FileField" | "ImageField"))
        .map(|f| f.name.as_str())
        .collect();
    for c in &ctx.code().calls {
        if c.method != Some("read") || !c.call.args.is_empty() || !c.call.keywords.is_empty() {
            continue;
        }
        let Expr::Attribute(a) = c.call.func.as_ref() else { continue };
        let receiver = &*a.value;
        let what = if is_upload(receiver) {
            "an uploaded file"
        } else if matches!(receiver, Expr::Attribute(r) if file_fields.contains(r.attr.as_str())) {
            "a stored file"
        } else if matches!(receiver, Expr::Call(o) if dotted_name(&o.func).is_some_and(|n| n.ends_with("storage.open")))
        {
            "a storage file"
        } else {
            continue;
        };
        let src = ctx.source(c.call);
        let message = format!("`{src}` reads {what} into memory in one piece: large files exhaust the worker's memory");
        out.emit(&FILE_READ_INTO_MEMORY, ctx.path(), ctx.span(c.call), message).fix = Some(Fix {
            summary: "Process the file in chunks.".into(),
            before: src.to_string(),
            after: format!("for chunk in {}.chunks():\n    ...", ctx.source(receiver)),
        });
    }
}

fn is_upload(e: &Expr) -> bool {
    let inner = match e {
        Expr::Subscript(s) => &*s.value,
        Expr::Call(c) => match c.func.as_ref() {
            Expr::Attribute(a) if a.attr.as_str() == "get" => &*a.value,
            _ => return false,
        },
        _ => return false,
    };
    dotted_name(inner).is_some_and(|d| d.ends_with("request.FILES"))
}
