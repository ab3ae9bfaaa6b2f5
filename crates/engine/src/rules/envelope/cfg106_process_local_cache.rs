use super::{fix, judged, value, Reporter};
use crate::analysis::{Emitter, ProjectContext};
use crate::facts::deploy::{over, Tri};
use crate::facts::settings::SValue;
use crate::report::Severity;

crate::declare_rule! {
    /// ## What it does
    /// Reports caches that are not shared between processes in production: the `default` cache (or
    /// one named for throttling, rate limits, locks or sessions) on `LocMemCache` (per process),
    /// `FileBasedCache` (per host) or `DummyCache` (nothing kept), and a
    /// `SESSION_ENGINE` on the `cache` or `cached_db` backend whose `SESSION_CACHE_ALIAS` is such a
    /// cache — including Django's default `LocMemCache` when `CACHES` is not set.
    ///
    /// ## Why it matters at scale
    /// Every gunicorn worker and every host has its own copy of a local-memory cache: invalidation in
    /// one process leaves stale data in the others, rate limits and locks built on the cache do not
    /// hold, and the hit rate falls as the fleet grows. Sessions in such a cache are lost on each
    /// restart and are missing on the next worker, so users are logged out at random; with
    /// `cached_db`, a logout on one worker leaves the session alive in the others' caches.
    ///
    /// ## Example
    /// ```python settings
    /// CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    /// SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    /// ```
    ///
    /// ## Use instead
    /// ```python settings
    /// CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://cache:6379/1"}}
    /// SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    /// ```
    ///
    /// ## Precision
    /// Reads literal backends (and environment defaults, at medium confidence). A single-process
    /// deployment loses nothing to a local cache; settings cannot tell, so a plain `CACHES` finding
    /// is low severity while a session finding is high. An unset `CACHES` is reported only through
    /// the sessions that depend on it. Other aliases (an avatar or thumbnail cache kept on local
    /// disk on purpose) are not reported: judging the corpus showed them to be deliberate.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines): 2
    /// findings (Mayan's `default` and throttling caches), true; Weblate's local avatar cache was a
    /// false positive, fixed by judging only the default and stateful aliases.
    pub PROCESS_LOCAL_CACHE {
        code: "CFG106", name: "process-local-cache", category: Caching,
        severity: Low, confidence: High, playbook: "caching",
    }
}

/// What a cache backend keeps, when it is not shared: `Some(description)`.
fn local_backend(backend: &str) -> Option<&'static str> {
    if backend.ends_with("LocMemCache") {
        Some("a per-process memory cache")
    } else if backend.ends_with("FileBasedCache") {
        Some("a per-host file cache")
    } else if backend.ends_with("DummyCache") {
        Some("a cache that keeps nothing")
    } else {
        None
    }
}

/// CFG106
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    let mut reporter = Reporter::default();
    for m in judged(ctx) {
        let caches = value(m, "CACHES");
        if m.get("CACHES").is_some() {
            if let SValue::Dict(items) = &caches {
                for (alias, cache) in items {
                    let Some(alias) = alias.as_str() else { continue };
                    // A side cache for rendered content (avatars, thumbnails) may be local on
                    // purpose; one that enforces limits or holds state must be shared.
                    let a = alias.to_ascii_lowercase();
                    let stateful = ["throttl", "ratelimit", "rate_limit", "lock", "session", "axes", "celery"]
                        .iter()
                        .any(|w| a.contains(w));
                    if alias != "default" && !stateful {
                        continue;
                    }
                    let Some(backend) = cache.get("BACKEND") else { continue };
                    let t = over(backend, &|b| Tri::from(b.as_str().and_then(local_backend).is_some()));
                    let Some(what) =
                        backend.possibilities().into_iter().find_map(|b| b.as_str().and_then(local_backend))
                    else {
                        continue;
                    };
                    if let Some(f) = reporter.report(
                        out,
                        &PROCESS_LOCAL_CACHE,
                        m,
                        "CACHES",
                        t,
                        format!("the `{alias}` cache uses {} ({what}): each worker process or host sees its own cache, so invalidation and cache-based locks and rate limits do not hold across the fleet", backend.display()),
                        fix(
                            "Use a cache all processes share.",
                            "\"BACKEND\": \"django.core.cache.backends.locmem.LocMemCache\"",
                            "\"BACKEND\": \"django.core.cache.backends.redis.RedisCache\", \"LOCATION\": \"redis://cache:6379/1\"",
                        ),
                    ) {
                        if alias == "default" && what.contains("nothing") {
                            f.severity = Severity::Medium;
                        }
                    }
                }
            }
        }
        // Sessions on a cache alias that is local.
        let engine = value(m, "SESSION_ENGINE");
        let Some(engine_str) = engine.as_str() else { continue };
        let cached_db = engine_str.ends_with("cached_db");
        if !(engine_str.ends_with(".cache") || cached_db) {
            continue;
        }
        let alias = value(m, "SESSION_CACHE_ALIAS");
        let Some(alias) = alias.as_str() else { continue };
        let Some(backend) = caches.get(alias).and_then(|c| c.get("BACKEND")) else { continue };
        let t = over(backend, &|b| Tri::from(b.as_str().and_then(local_backend).is_some()));
        let Some(what) = backend.possibilities().into_iter().find_map(|b| b.as_str().and_then(local_backend)) else {
            continue;
        };
        let default = if m.get("CACHES").is_none() { " (Django's default, as `CACHES` is not set)" } else { "" };
        let consequence = if cached_db {
            "a logout or session change on one worker leaves the old session alive in the other workers' caches"
        } else if what.contains("nothing") {
            "no session survives the request that created it: nobody can stay logged in"
        } else {
            "sessions vanish on restart and are missing on the next worker, so users are logged out at random"
        };
        if let Some(f) = reporter.report(
            out,
            &PROCESS_LOCAL_CACHE,
            m,
            "SESSION_ENGINE",
            t,
            format!("`SESSION_ENGINE` is {} on the `{alias}` cache, which is {what}{default}: {consequence}", engine.display()),
            fix(
                "Keep sessions in a shared cache or in the database.",
                "SESSION_ENGINE = \"django.contrib.sessions.backends.cache\"  # on LocMemCache",
                "CACHES = {\"default\": {\"BACKEND\": \"django.core.cache.backends.redis.RedisCache\", \"LOCATION\": \"redis://cache:6379/1\"}}",
            ),
        ) {
            f.severity = if cached_db { Severity::Medium } else { Severity::High };
        }
    }
}
