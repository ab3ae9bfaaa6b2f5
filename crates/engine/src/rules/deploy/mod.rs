//! Django's `check --deploy`, reproduced: each rule here owns a group of Django check IDs, and every
//! finding carries the ID (`django_id`). The conditions live in [`crate::facts::deploy`]; these rules
//! decide where a finding points, how sure it is and what the fix looks like.

pub mod dep101_security_middleware_missing;
pub mod dep102_hsts_incomplete;
pub mod dep103_ssl_redirect_off;
pub mod dep104_weak_secret_key;
pub mod dep105_insecure_cookie;
pub mod dep106_debug_enabled;
pub mod dep107_security_header_settings;
pub mod dep108_allowed_hosts_empty;
pub mod dep109_csrf_failure_view;
pub mod dep110_cache_in_served_directory;
pub mod dep111_csrf_origin_without_scheme;

use crate::analysis::{Emitter, ProjectContext};
use crate::facts::deploy::{self, Tri};
use crate::report::{Confidence, Fix};
use crate::rule::RuleMeta;
use crate::text::Span;

/// Emits a finding for each of `ids` that Django would report (or would unless the environment
/// overrides a default) on each settings module a deployment loads.
pub(crate) fn emit_checks(ctx: &ProjectContext<'_, '_>, out: &mut Emitter, rule: &'static RuleMeta, ids: &[&str]) {
    let mut seen: Vec<(String, String, u32, String)> = Vec::new();
    for deploy::Audit { module, results } in ctx.settings {
        let module = *module;
        for r in results {
            let owned = ids.contains(&r.id) || (r.id == deploy::VIEW_DOES_NOT_EXIST && ids.contains(&"security.E102"));
            if !owned || r.outcome < Tri::ByDefault {
                continue;
            }
            // Point at the assignment, wherever the import chain put it; a default points at the
            // top of the module that leaves it unset.
            let (path, span) = match module.get(r.setting) {
                Some(s) => (s.path.clone(), s.span),
                None => (module.path.clone(), Span::point(1, 1)),
            };
            let key = (r.id.to_string(), path.clone(), span.line, r.message.clone());
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let mut message = r.message.clone();
            if r.outcome == Tri::ByDefault {
                message = format!("{message} — unless the environment overrides the default");
            }
            if module.get(r.setting).is_none() && module.path != path {
                message = format!("{message} (in `{}`)", module.path);
            }
            // Django tests the exact dotted path; a class of the same name elsewhere is usually a
            // subclass doing the same job. Django still reports it, so do we, but as a question.
            let look_alike = match r.id {
                "security.W001" => look_alike(module, deploy::SECURITY_MIDDLEWARE),
                "security.W002" => look_alike(module, deploy::XFRAME_MIDDLEWARE),
                "security.W003" => look_alike(module, deploy::CSRF_MIDDLEWARE),
                // Sessions app without Django's middleware: a custom one sets the cookie.
                "security.W010" | "security.W013" => look_alike(module, deploy::SESSION_MIDDLEWARE),
                _ => None,
            };
            if let Some(other) = &look_alike {
                message = format!("{message}. `{other}` is in `MIDDLEWARE`: if it subclasses Django's or does the same job, the protection is there and the check can be silenced with `SILENCED_SYSTEM_CHECKS = [\"{}\"]`", r.id);
            }
            let f = if r.id == deploy::VIEW_DOES_NOT_EXIST {
                out.emit(rule, &path, span, message)
            } else {
                out.emit(rule, &path, span, format!("{}: {message}", r.id))
            };
            if r.id != deploy::VIEW_DOES_NOT_EXIST {
                f.django_id = Some(r.id.to_string());
            }
            if r.outcome == Tri::ByDefault {
                f.confidence = Confidence::Medium;
            }
            f.fix = Some(fix(r.id));
            if look_alike.is_some() {
                f.severity = crate::report::Severity::Info;
                f.confidence = Confidence::Low;
            }
        }
    }
}

/// A `MIDDLEWARE` entry with the same class name as Django's at another path.
fn look_alike(module: &crate::facts::settings::SettingsModule, django_path: &str) -> Option<String> {
    let class = django_path.rsplit('.').next()?;
    let mw = module.get("MIDDLEWARE")?;
    mw.value
        .strings()
        .into_iter()
        .find(|s| *s != django_path && s.rsplit('.').next() == Some(class))
        .map(str::to_string)
}

/// The usual remedy for each Django check.
fn fix(id: &str) -> Fix {
    let (summary, before, after): (&str, &str, &str) = match id {
        "security.W001" | "security.W002" | "security.W003" => (
            "Keep Django's security middleware in `MIDDLEWARE`, in this order.",
            "MIDDLEWARE = [\n    \"django.contrib.sessions.middleware.SessionMiddleware\",\n    \"django.middleware.common.CommonMiddleware\",\n]",
            "MIDDLEWARE = [\n    \"django.middleware.security.SecurityMiddleware\",\n    \"django.contrib.sessions.middleware.SessionMiddleware\",\n    \"django.middleware.common.CommonMiddleware\",\n    \"django.middleware.csrf.CsrfViewMiddleware\",\n    \"django.middleware.clickjacking.XFrameOptionsMiddleware\",\n]",
        ),
        "security.W004" | "security.W005" | "security.W021" => (
            "Turn HSTS on once the whole site (and every subdomain) is HTTPS-only; start with a short max-age and raise it.",
            "SECURE_HSTS_SECONDS = 0",
            "SECURE_HSTS_SECONDS = 31536000  # after a week at 3600 without trouble\nSECURE_HSTS_INCLUDE_SUBDOMAINS = True\nSECURE_HSTS_PRELOAD = True",
        ),
        "security.W008" => (
            "Redirect plain HTTP to HTTPS in Django (or at the proxy, and say so with `SECURE_PROXY_SSL_HEADER`).",
            "SECURE_SSL_REDIRECT = False",
            "SECURE_SSL_REDIRECT = True\nSECURE_PROXY_SSL_HEADER = (\"HTTP_X_FORWARDED_PROTO\", \"https\")  # only behind a proxy that sets it",
        ),
        "security.W009" | "security.W025" => (
            "Read a long random key from the environment; keep old keys in `SECRET_KEY_FALLBACKS` only while rotating.",
            "SECRET_KEY = \"django-insecure-…\"",
            "SECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]  # python -c \"import secrets; print(secrets.token_urlsafe(50))\"",
        ),
        "security.W010" | "security.W011" | "security.W012" => {
            ("Send the session cookie over HTTPS only.", "SESSION_COOKIE_SECURE = False", "SESSION_COOKIE_SECURE = True")
        }
        "security.W013" | "security.W014" | "security.W015" => (
            "Keep the session cookie out of JavaScript's reach.",
            "SESSION_COOKIE_HTTPONLY = False",
            "SESSION_COOKIE_HTTPONLY = True",
        ),
        "security.W016" => {
            ("Send the CSRF cookie over HTTPS only.", "CSRF_COOKIE_SECURE = False", "CSRF_COOKIE_SECURE = True")
        }
        "security.W018" => (
            "Take `DEBUG` from the environment, off unless explicitly turned on.",
            "DEBUG = True",
            "DEBUG = os.environ.get(\"DJANGO_DEBUG\") == \"1\"",
        ),
        "security.W006" => (
            "Send `X-Content-Type-Options: nosniff`.",
            "SECURE_CONTENT_TYPE_NOSNIFF = False",
            "SECURE_CONTENT_TYPE_NOSNIFF = True",
        ),
        "security.W019" => ("Forbid framing entirely.", "X_FRAME_OPTIONS = \"SAMEORIGIN\"", "X_FRAME_OPTIONS = \"DENY\""),
        "security.W022" | "security.E023" => (
            "Send a valid Referrer-Policy.",
            "SECURE_REFERRER_POLICY = None",
            "SECURE_REFERRER_POLICY = \"strict-origin-when-cross-origin\"",
        ),
        "security.E024" => (
            "Use a Cross-Origin-Opener-Policy browsers know.",
            "SECURE_CROSS_ORIGIN_OPENER_POLICY = \"same_origin\"",
            "SECURE_CROSS_ORIGIN_OPENER_POLICY = \"same-origin\"",
        ),
        "security.E026" | "security.W027" => (
            "Give the policy as a dict of directives, and add the CSP context processor when it uses a nonce.",
            "SECURE_CSP = \"default-src 'self'\"",
            "SECURE_CSP = {\"default-src\": [CSP.SELF], \"script-src\": [CSP.SELF, CSP.NONCE]}",
        ),
        "security.W020" => (
            "List the host names the site answers to.",
            "ALLOWED_HOSTS = []",
            "ALLOWED_HOSTS = [\"app.example.com\"]",
        ),
        "security.E101" | "security.E102" => (
            "Point `CSRF_FAILURE_VIEW` at a view that takes `(request, reason=\"\")`.",
            "def csrf_failure(request):\n    ...",
            "def csrf_failure(request, reason=\"\"):\n    ...",
        ),
        "caches.W002" => (
            "Keep file-based caches outside every directory the web server publishes.",
            "CACHES = {\"default\": {\"BACKEND\": \"django.core.cache.backends.filebased.FileBasedCache\", \"LOCATION\": MEDIA_ROOT + \"/cache\"}}",
            "CACHES = {\"default\": {\"BACKEND\": \"django.core.cache.backends.filebased.FileBasedCache\", \"LOCATION\": \"/var/cache/app\"}}",
        ),
        "4_0.E001" => (
            "Write each trusted origin with its scheme.",
            "CSRF_TRUSTED_ORIGINS = [\"app.example.com\"]",
            "CSRF_TRUSTED_ORIGINS = [\"https://app.example.com\"]",
        ),
        _ => ("Follow Django's deployment checklist for this setting.", "", ""),
    };
    Fix { summary: summary.into(), before: before.into(), after: after.into() }
}
