use crate::analysis::{Emitter, ProjectContext};

crate::declare_rule! {
    /// ## What it does
    /// Reports a `MIDDLEWARE` list without Django's `SecurityMiddleware` (`security.W001`),
    /// `XFrameOptionsMiddleware` (`security.W002`) or `CsrfViewMiddleware` (`security.W003`), the
    /// way `manage.py check --deploy` does: by exact dotted path.
    ///
    /// ## Why it matters at scale
    /// Without `SecurityMiddleware` every HTTPS setting (HSTS, SSL redirect, nosniff,
    /// Referrer-Policy, COOP) is silently ignored; without the clickjacking middleware pages can be
    /// framed by any site; without the CSRF middleware every form and POST endpoint can be driven
    /// from another origin. A subclass under another path does not count: Django cannot see it.
    ///
    /// ## Example
    /// ```python settings
    /// MIDDLEWARE = [
    ///     "django.contrib.sessions.middleware.SessionMiddleware",
    ///     "django.middleware.common.CommonMiddleware",
    /// ]
    /// ```
    ///
    /// ## Use instead
    /// ```python settings
    /// MIDDLEWARE = [
    ///     "django.middleware.security.SecurityMiddleware",
    ///     "django.contrib.sessions.middleware.SessionMiddleware",
    ///     "django.middleware.common.CommonMiddleware",
    ///     "django.middleware.csrf.CsrfViewMiddleware",
    ///     "django.middleware.clickjacking.XFrameOptionsMiddleware",
    /// ]
    /// ```
    ///
    /// ## Precision
    /// Exact: the condition is Django's own, on the effective settings (Django's defaults under the
    /// module's assignments, through `from … import *`), and `SILENCED_SYSTEM_CHECKS` is honoured.
    /// `tests/settings-parity` runs Django 5.2's `check --deploy` on generated settings files and
    /// agrees on every ID. A value read from the environment is never counted as passing: with a
    /// failing default it is reported at medium confidence, otherwise the settings view shows it as
    /// unverified. Corpus results: `docs/rule-precision.md`.
    pub SECURITY_MIDDLEWARE_MISSING {
        code: "DEP101", name: "security-middleware-missing", category: Security,
        severity: Medium, confidence: High, playbook: "security-hardening",
    }
}

/// DEP101
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    super::emit_checks(ctx, out, &SECURITY_MIDDLEWARE_MISSING, &["security.W001", "security.W002", "security.W003"]);
}
