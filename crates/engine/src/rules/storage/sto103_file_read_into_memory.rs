use rustpython_parser::ast::Expr;

use crate::analysis::{Emitter, PyContext};
use crate::python::names::dotted_name;
use crate::report::Fix;

crate::declare_rule! {
    /// ## What it does
    /// Finds `.read()` without a size on uploaded files (`request.FILES[...]`) in functions that never
    /// look at the upload's `.size`.
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
    /// Only reads of `request.FILES` entries; `.read(n)` with a size is not reported, nor is a read in
    /// a function that mentions `.size` or a `MAX_*` limit. Reads of stored files are not reported:
    /// in practice they are mostly small images and documents. Whether uploads can be large depends
    /// on the web server's body limit, which is not visible, so the rule is low severity and
    /// low confidence.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// no findings; precision rests on the fixtures' positives and near misses.
    pub FILE_READ_INTO_MEMORY {
        code: "STO103", name: "file-read-into-memory", category: Storage,
        severity: Low, confidence: Low, playbook: "static-and-media",
    }
}

/// STO103
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    let code = ctx.code();
    for c in &code.calls {
        if c.method != Some("read") || !c.call.args.is_empty() || !c.call.keywords.is_empty() {
            continue;
        }
        let Expr::Attribute(a) = c.call.func.as_ref() else { continue };
        let receiver = &*a.value;
        if !is_upload(receiver) {
            continue;
        }
        // A function that looks at `.size` (or a size limit setting) has bounded what it reads.
        let function_text = c.function.map(|i| ctx.source_range(code.functions[i].range)).unwrap_or_default();
        if function_text.contains(".size") || function_text.contains("MAX_") {
            continue;
        }
        let src = ctx.source(c.call);
        let message = format!(
            "`{src}` reads an uploaded file into memory in one piece, with no size check: a few large uploads exhaust the worker's memory"
        );
        out.emit(&FILE_READ_INTO_MEMORY, ctx.path(), ctx.span(c.call), message).fix = Some(Fix {
            summary: "Check the size first, or process the upload in chunks.".into(),
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
