use crate::analysis::{Emitter, ProjectContext};

crate::declare_rule! {
    /// ## What it does
    /// Reports a `SECRET_KEY` that is missing or empty, shorter than 50 characters, made of fewer
    /// than 5 distinct characters, or starting with `django-insecure-` (`security.W009`), and each
    /// entry of `SECRET_KEY_FALLBACKS` failing the same test (`security.W025`, one per entry).
    ///
    /// ## Why it matters at scale
    /// The key signs sessions, password-reset links, messages and anything made with
    /// `django.core.signing`. A guessable or published key lets anyone forge them: log in as any
    /// user, reset any password. A key written in the settings file is in every clone of the
    /// repository and every backup of it.
    ///
    /// ## Example
    /// ```python settings
    /// SECRET_KEY = "django-insecure-5w#k2m!q8z@r1x$e7c^v0b&n4j6h*g9f(d3s)a-p+o=i_u~y"
    /// ```
    ///
    /// ## Use instead
    /// ```python settings
    /// import os
    /// SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
    /// ```
    ///
    /// ## Precision
    /// Exact: the condition is Django's own, on the effective settings (Django's defaults under the
    /// module's assignments, through `from … import *`), and `SILENCED_SYSTEM_CHECKS` is honoured.
    /// `tests/settings-parity` runs Django 5.2's `check --deploy` on generated settings files and
    /// agrees on every ID. A value read from the environment is never counted as passing: with a
    /// failing default it is reported at medium confidence, otherwise the settings view shows it as
    /// unverified. Corpus results: `docs/rule-precision.md`.
    pub WEAK_SECRET_KEY {
        code: "DEP104", name: "weak-secret-key", category: Security,
        severity: High, confidence: High, playbook: "security-hardening",
    }
}

/// DEP104
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    super::emit_checks(ctx, out, &WEAK_SECRET_KEY, &["security.W009", "security.W025"]);
}
