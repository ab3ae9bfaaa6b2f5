use crate::analysis::{Emitter, PyContext};
use crate::report::Fix;

crate::declare_rule! {
    /// ## What it does
    /// Finds views exempted from CSRF protection with `@csrf_exempt` (or
    /// `method_decorator(csrf_exempt, ...)`, or `csrf_exempt(view)`) that change state on behalf of the
    /// logged-in user and do not verify the caller in another way, such as a signature check on a
    /// webhook.
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
    /// Reported only when the exempt view (or its class) acts for the logged-in user (`request.user`,
    /// login decorators or mixins) and changes state (saves, creates, deletes, writes to the
    /// session), and shows no other check of the caller (signatures, HMAC, bearer tokens,
    /// client secrets, a CSRF check of its own). `csrf_exempt(View.as_view())` in URL configurations is
    /// judged by the view's code when it is in the reviewed files.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// no findings; precision rests on the fixtures' positives and near misses.
    pub CSRF_EXEMPT {
        code: "SEC104", name: "csrf-exempt", category: Security,
        severity: Medium, confidence: High, playbook: "security-hardening",
    }
}

/// SEC104
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    let code = ctx.code();
    for f in &code.functions {
        let decorated = f.decorator_names.iter().any(|d| d.ends_with("csrf_exempt"))
            || f.decorators.iter().any(|d| ctx.source(d).contains("csrf_exempt"));
        if !decorated {
            continue;
        }
        // A method like `dispatch` decorated inside a class is judged with its whole class.
        let text = match &f.class {
            Some((c, _)) => ctx.source(*c),
            None => ctx.source_range(f.range),
        };
        if !at_risk(text) {
            continue;
        }
        let name = f.class.as_ref().map(|(c, _)| c.name.as_str()).unwrap_or(f.name);
        emit(ctx, out, ctx.span(&f.decorators[0]), name);
    }
    // Class-based views: `@method_decorator(csrf_exempt, name="dispatch")` on the class.
    for s in ctx.file().parsed.body() {
        let rustpython_parser::ast::Stmt::ClassDef(c) = s else { continue };
        let Some(d) = c.decorator_list.iter().find(|d| ctx.source(*d).contains("csrf_exempt")) else { continue };
        if at_risk(ctx.source(c)) {
            emit(ctx, out, ctx.span(d), c.name.as_str());
        }
    }
    // `csrf_exempt(SomeView.as_view())` in URL configurations: judged by the view's own code.
    for c in &code.calls {
        if !c.name.as_deref().is_some_and(|n| n.ends_with("csrf_exempt")) || c.function.is_some() {
            continue;
        }
        let Some(arg) = c.call.args.first() else { continue };
        let target = crate::python::names::dotted_name(match arg {
            rustpython_parser::ast::Expr::Call(inner) => match inner.func.as_ref() {
                rustpython_parser::ast::Expr::Attribute(a) => &a.value,
                other => other,
            },
            other => other,
        });
        let Some(target) = target else { continue };
        let last = target.rsplit('.').next().unwrap_or(&target);
        if view_source(ctx, last).is_some_and(at_risk) {
            emit(ctx, out, ctx.span(c.call), last);
        }
    }
}

fn emit(ctx: &PyContext<'_, '_>, out: &mut Emitter, span: crate::text::Span, view: &str) {
    let message = format!("`{view}` is exempt from CSRF protection, acts for the session's user and changes state, with no other check of the caller");
    out.emit(&CSRF_EXEMPT, ctx.path(), span, message).fix = Some(Fix {
        summary: "Remove the exemption and send the CSRF token (the `X-CSRFToken` header from JavaScript); for webhooks, verify the sender's signature before acting.".into(),
        before: "@csrf_exempt".into(),
        after: "@require_POST  # and send X-CSRFToken, or verify a webhook signature".into(),
    });
}

/// The source of a view class or function defined anywhere in the project.
fn view_source<'a>(ctx: &PyContext<'_, 'a>, name: &str) -> Option<&'a str> {
    for (i, f) in ctx.view.files.iter().enumerate() {
        for s in f.parsed.body() {
            match s {
                rustpython_parser::ast::Stmt::ClassDef(c) if c.name.as_str() == name => {
                    return Some(ctx.view.files[i].parsed.source_of(s))
                }
                rustpython_parser::ast::Stmt::FunctionDef(d) if d.name.as_str() == name => {
                    return Some(ctx.view.files[i].parsed.source_of(s))
                }
                _ => {}
            }
        }
    }
    None
}

/// Whether an exempt view's code is what CSRF attacks need: it acts for the user the session cookie
/// identifies, it changes state, and it neither verifies a signature nor checks the token itself.
fn at_risk(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    // Session data alone is not enough: views that only juggle anonymous session keys (handing over
    // a preview session, say) give a forged request nothing of the victim's to act on.
    let session_user =
        ["request.user", "login_required", "loginrequiredmixin", "permission_required", "self.request.user"]
            .iter()
            .any(|p| lower.contains(p));
    let changes_state =
        [".save(", ".create(", ".delete(", ".update(", ".add(", "session[", ".set_password(", "login(", "logout("]
            .iter()
            .any(|p| lower.contains(p));
    let verifies = [
        "signature",
        "hmac",
        "compare_digest",
        "construct_event",
        "_check_token",
        "check_token",
        "csrfviewmiddleware",
        "verify",
        "bearer",
        "client_secret",
        "secret",
        "token",
    ]
    .iter()
    .any(|p| lower.contains(p));
    session_user && changes_state && !verifies
}
