use crate::analysis::{Emitter, ProjectContext};

crate::declare_rule! {
    /// ## What it does
    /// Reports a file-based cache whose `LOCATION` is, contains or lies inside `MEDIA_ROOT`,
    /// `STATIC_ROOT` or a `STATICFILES_DIRS` entry (`caches.W002`, one per cache and setting).
    /// Paths are compared after removing `.`, `..` and trailing slashes, without the disk.
    ///
    /// ## Why it matters at scale
    /// Whatever the web server publishes, anyone can download: cached pages with other users'
    /// data, session data in a cache-backed session. `collectstatic --clear` also deletes the cache.
    ///
    /// ## Example
    /// ```python settings
    /// MEDIA_ROOT = "/srv/app/media"
    /// CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": "/srv/app/media/cache"}}
    /// ```
    ///
    /// ## Use instead
    /// ```python settings
    /// MEDIA_ROOT = "/srv/app/media"
    /// CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": "/var/cache/app"}}
    /// ```
    ///
    /// ## Precision
    /// Exact: the condition is Django's own, on the effective settings (Django's defaults under the
    /// module's assignments, through `from … import *`), and `SILENCED_SYSTEM_CHECKS` is honoured.
    /// `tests/settings-parity` runs Django 5.2's `check --deploy` on generated settings files and
    /// agrees on every ID. A value read from the environment is never counted as passing: with a
    /// failing default it is reported at medium confidence, otherwise the settings view shows it as
    /// unverified. Corpus results: `docs/rule-precision.md`.
    pub CACHE_IN_SERVED_DIRECTORY {
        code: "DEP110", name: "cache-in-served-directory", category: Security,
        severity: Medium, confidence: High, playbook: "security-hardening",
    }
}

/// DEP110
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    super::emit_checks(ctx, out, &CACHE_IN_SERVED_DIRECTORY, &["caches.W002"]);
}
