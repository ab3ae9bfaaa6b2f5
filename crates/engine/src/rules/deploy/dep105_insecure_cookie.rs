use crate::analysis::{Emitter, ProjectContext};

crate::declare_rule! {
    /// ## What it does
    /// Reports session cookies not marked Secure (`security.W010`–`W012`) or HttpOnly
    /// (`security.W013`–`W015`) when sessions are in use (the app, the middleware, or both pick
    /// the ID, as in Django), and a CSRF cookie not marked Secure while `CsrfViewMiddleware` is on
    /// and `CSRF_USE_SESSIONS` is off (`security.W016`). Only the literal `True` passes.
    ///
    /// ## Why it matters at scale
    /// A cookie without the Secure flag is sent on any plain-HTTP request to the domain, an image
    /// tag on a café network is enough, and a stolen session cookie is a logged-in account.
    ///
    /// ## Example
    /// ```python settings
    /// INSTALLED_APPS = ["django.contrib.sessions"]
    /// MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]
    /// SESSION_COOKIE_SECURE = "True"
    /// ```
    ///
    /// ## Use instead
    /// ```python settings
    /// INSTALLED_APPS = ["django.contrib.sessions"]
    /// MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]
    /// SESSION_COOKIE_SECURE = True
    /// ```
    ///
    /// ## Precision
    /// Exact: the condition is Django's own, on the effective settings (Django's defaults under the
    /// module's assignments, through `from … import *`), and `SILENCED_SYSTEM_CHECKS` is honoured.
    /// `tests/settings-parity` runs Django 5.2's `check --deploy` on generated settings files and
    /// agrees on every ID. A value read from the environment is never counted as passing: with a
    /// failing default it is reported at medium confidence, otherwise the settings view shows it as
    /// unverified. Corpus results: `docs/rule-precision.md`.
    pub INSECURE_COOKIE {
        code: "DEP105", name: "insecure-cookie", category: Security,
        severity: Medium, confidence: High, playbook: "security-hardening",
    }
}

/// DEP105
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    super::emit_checks(
        ctx,
        out,
        &INSECURE_COOKIE,
        &[
            "security.W010",
            "security.W011",
            "security.W012",
            "security.W013",
            "security.W014",
            "security.W015",
            "security.W016",
        ],
    );
}
