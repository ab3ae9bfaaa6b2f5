use crate::analysis::{Emitter, ProjectContext};

crate::declare_rule! {
    /// ## What it does
    /// Reports security headers switched off or set to values browsers ignore: nosniff off
    /// (`security.W006`), `X_FRAME_OPTIONS` other than `"DENY"` (`security.W019`), no or an invalid
    /// Referrer-Policy (`security.W022`, `security.E023`), an invalid Cross-Origin-Opener-Policy
    /// (`security.E024`), and on Django 6.0+ a CSP setting that is not a dict (`security.E026`) or
    /// (6.1+) a nonce policy without the CSP context processor (`security.W027`).
    ///
    /// ## Why it matters at scale
    /// These headers are cheap, site-wide defences against MIME sniffing, clickjacking, URL leaks
    /// and cross-window attacks. An invalid value is worse than none: browsers drop it silently and
    /// the team believes it is protected.
    ///
    /// ## Example
    /// ```python settings
    /// MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
    /// SECURE_REFERRER_POLICY = "strict-origin, same_origin"
    /// ```
    ///
    /// ## Use instead
    /// ```python settings
    /// MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
    /// SECURE_REFERRER_POLICY = "strict-origin, same-origin"
    /// ```
    ///
    /// ## Precision
    /// Exact: the condition is Django's own, on the effective settings (Django's defaults under the
    /// module's assignments, through `from … import *`), and `SILENCED_SYSTEM_CHECKS` is honoured.
    /// `tests/settings-parity` runs Django 5.2's `check --deploy` on generated settings files and
    /// agrees on every ID. A value read from the environment is never counted as passing: with a
    /// failing default it is reported at medium confidence, otherwise the settings view shows it as
    /// unverified. Corpus results: `docs/rule-precision.md`.
    pub SECURITY_HEADER_SETTINGS {
        code: "DEP107", name: "security-header-settings", category: Security,
        severity: Low, confidence: High, playbook: "security-hardening",
    }
}

/// DEP107
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    super::emit_checks(
        ctx,
        out,
        &SECURITY_HEADER_SETTINGS,
        &[
            "security.W006",
            "security.W019",
            "security.W022",
            "security.E023",
            "security.E024",
            "security.E026",
            "security.W027",
        ],
    );
}
