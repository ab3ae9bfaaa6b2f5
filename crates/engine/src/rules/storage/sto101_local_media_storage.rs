use crate::analysis::{Emitter, PyContext};
use crate::facts::settings::{SValue, SettingsModule};
use crate::options::Profile;
use crate::report::Fix;

crate::declare_rule! {
    /// ## What it does
    /// Reports settings that keep uploaded media on the local disk (`FileSystemStorage`, explicitly or
    /// by default, with a `MEDIA_ROOT`) in a project that shows it runs on several processes or hosts:
    /// a shared Redis or Memcached cache, a Celery broker, or database replicas.
    ///
    /// ## Why it matters at scale
    /// With more than one web node or container, a file uploaded through one node is missing on the
    /// others: images 404 at random, background workers cannot read what the web tier saved, and every
    /// redeploy of an ephemeral container deletes the uploads.
    ///
    /// ## Example
    /// ```python settings
    /// MEDIA_ROOT = "/srv/app/media"
    /// CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://cache:6379/1"}}
    /// CELERY_BROKER_URL = "redis://cache:6379/0"
    /// ```
    ///
    /// ## Use instead
    /// ```python settings
    /// STORAGES = {
    ///     "default": {"BACKEND": "storages.backends.s3.S3Storage"},
    ///     "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    /// }
    /// CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://cache:6379/1"}}
    /// CELERY_BROKER_URL = "redis://cache:6379/0"
    /// ```
    ///
    /// ## Precision
    /// Needs the settings module and at least one sign of several nodes; a single-server project with
    /// local media is not reported. Skipped under the development profile. Judged findings showed
    /// that the signs are weak: projects such as Weblate keep `MEDIA_ROOT` inside a data directory
    /// that every node must share anyway (NFS or a volume), which settings cannot reveal. So the
    /// rule is low severity and low confidence: a question for the reviewer.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// 2 findings, all judged, 2 false positives (100 %).
    pub LOCAL_MEDIA_STORAGE {
        code: "STO101", name: "local-media-storage", category: Storage,
        severity: Low, confidence: Low, playbook: "static-and-media",
    }
}

/// STO101
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    // A settings file rebuilt from a diff may define `STORAGES` on a line the diff does not show.
    if ctx.options.profile == Profile::Development || ctx.file().partial {
        return;
    }
    for m in &ctx.view.settings.modules {
        if m.path != ctx.path() {
            continue;
        }
        let backend = default_storage(m);
        if backend.as_deref().is_some_and(|b| !b.ends_with("FileSystemStorage")) {
            continue;
        }
        // Point at the setting that chose the disk: an explicit default backend, else MEDIA_ROOT.
        let storages_default = m.get("STORAGES").filter(|s| s.value.get("default").is_some());
        let Some(anchor) = storages_default
            .or_else(|| m.get("DEFAULT_FILE_STORAGE"))
            .or_else(|| m.get("MEDIA_ROOT"))
            .or_else(|| m.get("STORAGES"))
        else {
            continue;
        };
        if anchor.path != ctx.path() {
            continue;
        }
        let Some(sign) = multi_node_sign(m) else { continue };
        let message = format!("uploaded media are stored on the local disk (`FileSystemStorage`) and the project looks multi-node ({sign}): unless `MEDIA_ROOT` is a shared volume, files saved on one node are missing on the others");
        out.emit(&LOCAL_MEDIA_STORAGE, ctx.path(), anchor.span, message).fix = Some(Fix {
            summary: "Store media in shared object storage (django-storages: S3, GCS, Azure) through `STORAGES[\"default\"]`.".into(),
            before: String::new(),
            after: "STORAGES = {\"default\": {\"BACKEND\": \"storages.backends.s3.S3Storage\"}, \"staticfiles\": {\"BACKEND\": \"django.contrib.staticfiles.storage.ManifestStaticFilesStorage\"}}".into(),
        });
        return;
    }
}

fn default_storage(m: &SettingsModule) -> Option<String> {
    if let Some(s) = m.get("STORAGES") {
        return match s.value.get("default").and_then(|d| d.get("BACKEND")) {
            Some(SValue::Str(b)) => Some(b.clone()),
            Some(_) => Some("<unknown>".into()),
            None => None,
        };
    }
    m.get("DEFAULT_FILE_STORAGE").map(|s| s.value.as_str().unwrap_or("<unknown>").to_string())
}

fn multi_node_sign(m: &SettingsModule) -> Option<String> {
    if let Some(c) = m.get("CACHES") {
        if let Some(b) = c.value.get("default").and_then(|d| d.get("BACKEND")).and_then(SValue::as_str) {
            if b.contains("redis") || b.contains("Redis") || b.contains("memcached") || b.contains("Memcache") {
                return Some(format!("a shared `{}` cache", b.rsplit('.').next().unwrap_or(b)));
            }
        }
    }
    for key in ["CELERY_BROKER_URL", "BROKER_URL", "CELERY_BROKER"] {
        if m.get(key).is_some() {
            return Some(format!("a Celery broker (`{key}`)"));
        }
    }
    if let Some(SValue::Dict(dbs)) = m.get("DATABASES").map(|s| &s.value) {
        if dbs.len() > 1 {
            return Some("several database aliases".into());
        }
    }
    None
}
