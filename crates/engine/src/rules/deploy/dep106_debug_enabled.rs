use crate::analysis::{Emitter, ProjectContext};

crate::declare_rule! {
    /// ## What it does
    /// Reports `DEBUG` that is truthy in a settings module meant for production
    /// (`security.W018`), or that is read from the environment with a truthy default.
    ///
    /// ## Why it matters at scale
    /// Debug error pages show settings, source and SQL to anyone who triggers an error, and with
    /// `DEBUG` on Django keeps every query of a request in memory: a long-running worker or a big
    /// batch job grows until it is killed.
    ///
    /// ## Example
    /// ```python settings
    /// import os
    /// DEBUG = os.environ.get("DJANGO_DEBUG", True)
    /// ```
    ///
    /// ## Use instead
    /// ```python settings
    /// import os
    /// DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
    /// ```
    ///
    /// ## Precision
    /// Exact: the condition is Django's own, on the effective settings (Django's defaults under the
    /// module's assignments, through `from … import *`), and `SILENCED_SYSTEM_CHECKS` is honoured.
    /// `tests/settings-parity` runs Django 5.2's `check --deploy` on generated settings files and
    /// agrees on every ID. A value read from the environment is never counted as passing: with a
    /// failing default it is reported at medium confidence, otherwise the settings view shows it as
    /// unverified. Corpus results: `docs/rule-precision.md`.
    pub DEBUG_ENABLED {
        code: "DEP106", name: "debug-enabled", category: Security,
        severity: High, confidence: High, playbook: "security-hardening",
    }
}

/// DEP106
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    super::emit_checks(ctx, out, &DEBUG_ENABLED, &["security.W018"]);
}
