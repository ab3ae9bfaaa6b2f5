use crate::analysis::{Emitter, ProjectContext};

crate::declare_rule! {
    /// ## What it does
    /// With `SecurityMiddleware` installed, reports HSTS left off (`SECURE_HSTS_SECONDS` falsy,
    /// `security.W004`), or on without `SECURE_HSTS_INCLUDE_SUBDOMAINS is True` (`security.W005`) or
    /// `SECURE_HSTS_PRELOAD is True` (`security.W021`).
    ///
    /// ## Why it matters at scale
    /// Without HSTS the first request of every visit may go out over plain HTTP, where an attacker on
    /// the network can strip the redirect and keep the user on HTTP. Subdomains left out can set
    /// cookies for the parent domain. Roll out carefully: browsers remember the policy for
    /// `max-age` seconds.
    ///
    /// ## Example
    /// ```python settings
    /// MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
    /// SECURE_HSTS_SECONDS = 0
    /// ```
    ///
    /// ## Use instead
    /// ```python settings
    /// MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
    /// SECURE_HSTS_SECONDS = 31536000
    /// SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    /// SECURE_HSTS_PRELOAD = True
    /// ```
    ///
    /// ## Precision
    /// Exact: the condition is Django's own, on the effective settings (Django's defaults under the
    /// module's assignments, through `from … import *`), and `SILENCED_SYSTEM_CHECKS` is honoured.
    /// `tests/settings-parity` runs Django 5.2's `check --deploy` on generated settings files and
    /// agrees on every ID. A value read from the environment is never counted as passing: with a
    /// failing default it is reported at medium confidence, otherwise the settings view shows it as
    /// unverified. Corpus results: `docs/rule-precision.md`.
    pub HSTS_INCOMPLETE {
        code: "DEP102", name: "hsts-incomplete", category: Security,
        severity: Medium, confidence: High, playbook: "security-hardening",
    }
}

/// DEP102
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    super::emit_checks(ctx, out, &HSTS_INCOMPLETE, &["security.W004", "security.W005", "security.W021"]);
}
