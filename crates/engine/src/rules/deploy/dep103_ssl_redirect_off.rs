use crate::analysis::{Emitter, ProjectContext};

crate::declare_rule! {
    /// ## What it does
    /// With `SecurityMiddleware` installed, reports `SECURE_SSL_REDIRECT` that is not exactly
    /// `True` (`security.W008`). `"1"` or `1` do not count, as in Django.
    ///
    /// ## Why it matters at scale
    /// A site reachable over plain HTTP serves its pages, and any cookie without the Secure flag,
    /// to whoever sits on the network path. If the load balancer already redirects, silence the
    /// check with `SILENCED_SYSTEM_CHECKS` and say why next to it.
    ///
    /// ## Example
    /// ```python settings
    /// MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
    /// SECURE_SSL_REDIRECT = "1"
    /// ```
    ///
    /// ## Use instead
    /// ```python settings
    /// MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
    /// SECURE_SSL_REDIRECT = True
    /// ```
    ///
    /// ## Precision
    /// Exact: the condition is Django's own, on the effective settings (Django's defaults under the
    /// module's assignments, through `from … import *`), and `SILENCED_SYSTEM_CHECKS` is honoured.
    /// `tests/settings-parity` runs Django 5.2's `check --deploy` on generated settings files and
    /// agrees on every ID. A value read from the environment is never counted as passing: with a
    /// failing default it is reported at medium confidence, otherwise the settings view shows it as
    /// unverified. Corpus results: `docs/rule-precision.md`.
    pub SSL_REDIRECT_OFF {
        code: "DEP103", name: "ssl-redirect-off", category: Security,
        severity: Medium, confidence: High, playbook: "security-hardening",
    }
}

/// DEP103
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    super::emit_checks(ctx, out, &SSL_REDIRECT_OFF, &["security.W008"]);
}
