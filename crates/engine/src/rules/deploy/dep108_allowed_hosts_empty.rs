use crate::analysis::{Emitter, ProjectContext};

crate::declare_rule! {
    /// ## What it does
    /// Reports an empty `ALLOWED_HOSTS` in a production settings module (`security.W020`).
    /// Django accepts `["*"]` here; djreview reports that separately, as too broad.
    ///
    /// ## Why it matters at scale
    /// With `DEBUG` off Django answers every request with 400 Bad Request until the list names
    /// the site's hosts: the deployment is down on arrival, or someone "fixes" it with `*`.
    ///
    /// ## Example
    /// ```python settings
    /// DEBUG = False
    /// ALLOWED_HOSTS = []
    /// ```
    ///
    /// ## Use instead
    /// ```python settings
    /// DEBUG = False
    /// ALLOWED_HOSTS = ["app.example.com"]
    /// ```
    ///
    /// ## Precision
    /// Exact: the condition is Django's own, on the effective settings (Django's defaults under the
    /// module's assignments, through `from … import *`), and `SILENCED_SYSTEM_CHECKS` is honoured.
    /// `tests/settings-parity` runs Django 5.2's `check --deploy` on generated settings files and
    /// agrees on every ID. A value read from the environment is never counted as passing: with a
    /// failing default it is reported at medium confidence, otherwise the settings view shows it as
    /// unverified. Corpus results: `docs/rule-precision.md`.
    pub ALLOWED_HOSTS_EMPTY {
        code: "DEP108", name: "allowed-hosts-empty", category: Security,
        severity: Medium, confidence: High, playbook: "security-hardening",
    }
}

/// DEP108
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    super::emit_checks(ctx, out, &ALLOWED_HOSTS_EMPTY, &["security.W020"]);
}
