use crate::analysis::{Emitter, ProjectContext};

crate::declare_rule! {
    /// ## What it does
    /// Reports a `CSRF_FAILURE_VIEW` that names a module in the input without that view
    /// (`security.E102`), or a view that cannot be called as `view(request, reason=...)`
    /// (`security.E101`). Django runs this check on every `check`, not only with `--deploy`.
    ///
    /// ## Why it matters at scale
    /// Django calls the view whenever a CSRF check fails. If it cannot import or call it, the user
    /// gets a 500 instead of a 403, and error monitoring fills with a crash that hides the real
    /// cause: a stale form, a cookie problem, an attack.
    ///
    /// ## Example
    /// ```python settings
    /// CSRF_FAILURE_VIEW = "example.settings.csrf_failure"
    ///
    /// def csrf_failure(request):
    ///     pass
    /// ```
    ///
    /// ## Use instead
    /// ```python settings
    /// CSRF_FAILURE_VIEW = "example.settings.csrf_failure"
    ///
    /// def csrf_failure(request, reason=""):
    ///     pass
    /// ```
    ///
    /// ## Precision
    /// Exact for modules in the input, following Python's rules for binding `(None, reason=None)`
    /// (positional-only, keyword-only, defaults, `*args`, `**kwargs`). A module that is not in
    /// the input cannot be imported here, so the check stays silent for it rather than guess;
    /// `tests/settings-parity` covers the in-input cases against Django 5.2.
    pub CSRF_FAILURE_VIEW {
        code: "DEP109", name: "csrf-failure-view", category: Security,
        severity: High, confidence: High, playbook: "security-hardening",
    }
}

/// DEP109
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    super::emit_checks(ctx, out, &CSRF_FAILURE_VIEW, &["security.E101", "security.E102"]);
}
