use crate::analysis::{Emitter, PyContext};
use crate::report::Fix;

crate::declare_rule! {
    /// ## What it does
    /// Finds views exempted from CSRF protection with `@csrf_exempt` (or
    /// `method_decorator(csrf_exempt, ...)`, or `csrf_exempt(view)`) that do not verify the caller in
    /// another way, such as a signature check on a webhook.
    ///
    /// ## Why it matters at scale
    /// A state-changing endpoint without CSRF protection can be triggered by any page a logged-in
    /// user visits: the browser attaches the session cookie. Exemptions added "temporarily" to make a
    /// JavaScript client or a webhook work tend to stay.
    ///
    /// ## Example
    /// ```python
    /// from django.http import JsonResponse
    /// from django.views.decorators.csrf import csrf_exempt
    ///
    /// @csrf_exempt
    /// def update_profile(request):
    ///     request.user.profile.bio = request.POST["bio"]
    ///     request.user.profile.save()
    ///     return JsonResponse({"ok": True})
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from django.http import JsonResponse
    /// from django.views.decorators.http import require_POST
    ///
    /// @require_POST
    /// def update_profile(request):
    ///     request.user.profile.bio = request.POST["bio"]
    ///     request.user.profile.save()
    ///     return JsonResponse({"ok": True})
    /// ```
    /// JavaScript clients send the token in the `X-CSRFToken` header; webhooks verify the sender's
    /// signature (`hmac.compare_digest`) instead.
    ///
    /// ## Precision
    /// Exact for the decorator and wrapper forms. Views that verify a signature (calls named like
    /// `compare_digest`, `verify*`, `construct_event`, or reading a `*signature*` header) are not
    /// reported.
    /// Corpus results are in `docs/rule-precision.md`.
    pub CSRF_EXEMPT {
        code: "SEC104", name: "csrf-exempt", category: Security,
        severity: Medium, confidence: High, playbook: "security-hardening",
    }
}

/// SEC104
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    let code = ctx.code();
    for (id, f) in code.functions.iter().enumerate() {
        let decorated = f.decorator_names.iter().any(|d| d.ends_with("csrf_exempt"))
            || f.decorators.iter().any(|d| ctx.source(d).contains("csrf_exempt"));
        if !decorated || verifies_sender(ctx, id) {
            continue;
        }
        let span = ctx.span(&f.decorators[0]);
        let message = format!("`{}` is exempt from CSRF protection and does not verify its caller another way", f.name);
        out.emit(&CSRF_EXEMPT, ctx.path(), span, message).fix = Some(Fix {
            summary: "Remove the exemption and send the CSRF token (the `X-CSRFToken` header from JavaScript); for webhooks, verify the sender's signature before acting.".into(),
            before: "@csrf_exempt".into(),
            after: "@require_POST  # and send X-CSRFToken, or verify a webhook signature".into(),
        });
    }
    // Class-based views: `@method_decorator(csrf_exempt, name="dispatch")` on the class.
    for s in ctx.file().parsed.body() {
        let rustpython_parser::ast::Stmt::ClassDef(c) = s else { continue };
        let Some(d) = c.decorator_list.iter().find(|d| ctx.source(*d).contains("csrf_exempt")) else { continue };
        let verified = code
            .functions
            .iter()
            .enumerate()
            .any(|(id, f)| f.class.as_ref().is_some_and(|(k, _)| std::ptr::eq(*k, c)) && verifies_sender(ctx, id));
        if verified {
            continue;
        }
        let message = format!("`{}` is exempt from CSRF protection and does not verify its caller another way", c.name);
        out.emit(&CSRF_EXEMPT, ctx.path(), ctx.span(d), message);
    }
    // `csrf_exempt(view)` in URL configurations.
    for c in &code.calls {
        if c.name.as_deref().is_some_and(|n| n.ends_with("csrf_exempt"))
            && !c.call.args.is_empty()
            && c.function.is_none()
        {
            let message = format!("`{}` is routed without CSRF protection", ctx.source(&c.call.args[0]));
            out.emit(&CSRF_EXEMPT, ctx.path(), ctx.span(c.call), message);
        }
    }
}

/// Whether a function checks a signature, an HMAC or a token of its own.
fn verifies_sender(ctx: &PyContext<'_, '_>, id: usize) -> bool {
    let code = ctx.code();
    let f = code.function(id);
    let text = ctx.source_range(f.range).to_ascii_lowercase();
    text.contains("signature")
        || text.contains("hmac")
        || text.contains("compare_digest")
        || text.contains("construct_event")
        || code.calls.iter().any(|c| {
            c.function.is_some_and(|x| code.outermost(x) == code.outermost(id))
                && c.method.is_some_and(|m| m.starts_with("verify") || m.starts_with("validate_signature"))
        })
}
