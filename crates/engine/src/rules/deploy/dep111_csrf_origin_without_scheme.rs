use crate::analysis::{Emitter, ProjectContext};

crate::declare_rule! {
    /// ## What it does
    /// Reports each `CSRF_TRUSTED_ORIGINS` entry without `://` (`4_0.E001`). Django runs this
    /// check on every `check`.
    ///
    /// ## Why it matters at scale
    /// Since Django 4.0 an origin without a scheme matches nothing: every cross-origin POST the
    /// entry was meant to allow (a separate front-end domain, a payment provider's return) fails
    /// with 403 after the upgrade.
    ///
    /// ## Example
    /// ```python settings
    /// CSRF_TRUSTED_ORIGINS = ["app.example.com"]
    /// ```
    ///
    /// ## Use instead
    /// ```python settings
    /// CSRF_TRUSTED_ORIGINS = ["https://app.example.com"]
    /// ```
    ///
    /// ## Precision
    /// Exact: the condition is Django's own, on the effective settings (Django's defaults under the
    /// module's assignments, through `from … import *`), and `SILENCED_SYSTEM_CHECKS` is honoured.
    /// `tests/settings-parity` runs Django 5.2's `check --deploy` on generated settings files and
    /// agrees on every ID. A value read from the environment is never counted as passing: with a
    /// failing default it is reported at medium confidence, otherwise the settings view shows it as
    /// unverified. Corpus results: `docs/rule-precision.md`.
    pub CSRF_ORIGIN_WITHOUT_SCHEME {
        code: "DEP111", name: "csrf-origin-without-scheme", category: Security,
        severity: High, confidence: High, playbook: "security-hardening",
    }
}

/// DEP111
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    super::emit_checks(ctx, out, &CSRF_ORIGIN_WITHOUT_SCHEME, &["4_0.E001"]);
}
