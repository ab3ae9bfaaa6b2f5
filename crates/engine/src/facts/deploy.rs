//! Django's `manage.py check --deploy`, reproduced on statically evaluated settings.
//!
//! Each check below follows the condition in Django's source (5.2, plus the 6.x additions gated by
//! version): `is True` where Django writes `is True`, truthiness where it tests truthiness, exact
//! string membership in `MIDDLEWARE`, Django's global defaults for anything the module does not
//! assign, and `SILENCED_SYSTEM_CHECKS`. Values the evaluator cannot know (environment reads,
//! computations) make a check *unverified*, never passed; when an environment read has a default
//! that fails the check, the check fails "by default".
//!
//! `tests/settings-parity` runs real Django on generated settings files and compares its IDs to
//! these, file by file.

use super::settings::{django_default, SValue, Setting, SettingsModule};
use super::view::PyFile;
use rustpython_parser::ast::Stmt;

/// A Django version, `(major, minor)`.
pub type Version = (u8, u8);

/// Parses `"5.2"`, `"6"`, `"6.1.3"`; anything else is Django 5.2.
pub fn parse_version(s: &str) -> Version {
    let mut parts = s.trim().split('.').map(|p| p.parse::<u8>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(major), minor) if (4..=9).contains(&major) => (major, minor.unwrap_or(0)),
        _ => (5, 2),
    }
}

/// How far a condition is known to hold. Ordered: `and` takes the least, `or` the most.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tri {
    No,
    /// Depends on something the settings do not say (environment, computation, a branch).
    Maybe,
    /// Holds when the environment leaves an `os.environ.get(..., default)` at its default.
    ByDefault,
    Yes,
}

impl Tri {
    pub fn from(b: bool) -> Tri {
        if b {
            Tri::Yes
        } else {
            Tri::No
        }
    }

    pub fn not(self) -> Tri {
        match self {
            Tri::Yes => Tri::No,
            Tri::No => Tri::Yes,
            _ => Tri::Maybe,
        }
    }

    pub fn and(self, o: Tri) -> Tri {
        self.min(o)
    }

    pub fn or(self, o: Tri) -> Tri {
        self.max(o)
    }
}

/// Applies a test to every value a setting may have: a literal directly, each branch of a
/// conditional, an environment read's default (as [`Tri::ByDefault`] at most).
pub(crate) fn over(v: &SValue, test: &dyn Fn(&SValue) -> Tri) -> Tri {
    match v {
        SValue::Depends { options, .. } => {
            let all: Vec<Tri> = options.iter().map(|o| over(o, test)).collect();
            if all.iter().all(|t| *t == Tri::Yes) {
                Tri::Yes
            } else if all.iter().all(|t| *t == Tri::No) {
                Tri::No
            } else if all.iter().all(|t| *t >= Tri::ByDefault) {
                Tri::ByDefault
            } else {
                Tri::Maybe
            }
        }
        SValue::Env { default: Some(d), .. } => match over(d, test) {
            Tri::Yes | Tri::ByDefault => Tri::ByDefault,
            _ => Tri::Maybe,
        },
        SValue::Env { .. } | SValue::Unknown(_) => Tri::Maybe,
        literal => test(literal),
    }
}

pub(crate) fn truthy(v: &SValue) -> Tri {
    over(v, &|x| x.truthy().map_or(Tri::Maybe, Tri::from))
}

pub(crate) fn is_true(v: &SValue) -> Tri {
    over(v, &|x| Tri::from(*x == SValue::Bool(true)))
}

/// `needle in value` for a list or tuple of strings (a dict tests its keys).
pub(crate) fn contains(v: &SValue, needle: &str) -> Tri {
    over(v, &|x| match x {
        SValue::List(items) => {
            let mut t = Tri::No;
            for item in items {
                t = t.or(over(item, &|i| Tri::from(i.as_str() == Some(needle))));
            }
            t
        }
        SValue::Dict(items) => Tri::from(items.iter().any(|(k, _)| k.as_str() == Some(needle))),
        _ => Tri::Maybe,
    })
}

pub const SECURITY_MIDDLEWARE: &str = "django.middleware.security.SecurityMiddleware";
pub const XFRAME_MIDDLEWARE: &str = "django.middleware.clickjacking.XFrameOptionsMiddleware";
pub const CSRF_MIDDLEWARE: &str = "django.middleware.csrf.CsrfViewMiddleware";
pub const SESSION_MIDDLEWARE: &str = "django.contrib.sessions.middleware.SessionMiddleware";
pub const CSP_MIDDLEWARE: &str = "django.middleware.csp.ContentSecurityPolicyMiddleware";

const REFERRER_POLICIES: &[&str] = &[
    "no-referrer",
    "no-referrer-when-downgrade",
    "origin",
    "origin-when-cross-origin",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
    "unsafe-url",
];
const OPENER_POLICIES: &[&str] = &["same-origin", "same-origin-allow-popups", "unsafe-none"];

/// The outcome of one Django check that does not pass.
#[derive(Clone, Debug, PartialEq)]
pub struct DeployResult {
    /// Django's check ID, e.g. `security.W004`.
    pub id: &'static str,
    /// [`Tri::Yes`]: Django reports it. [`Tri::ByDefault`]: it does unless the environment
    /// overrides a default. [`Tri::Maybe`]: it cannot be told from the files.
    pub outcome: Tri,
    /// The setting the finding points at.
    pub setting: &'static str,
    /// What is wrong, in one sentence, with the value.
    pub message: String,
}

/// The settings one module ends up with: its own values over Django's defaults.
pub struct Effective<'m> {
    pub module: &'m SettingsModule,
}

impl Effective<'_> {
    pub fn value(&self, name: &str) -> SValue {
        if let Some(m) = self.module.overridable_by(name) {
            return SValue::Unknown(if m.contains(':') {
                format!("may be set by code that writes `globals()` at {m}")
            } else {
                format!("may be set by `from {m} import *`, which is not in the input")
            });
        }
        match self.module.get(name) {
            Some(s) => s.value.clone(),
            None => django_default(name).unwrap_or_else(|| SValue::Unknown(format!("{name} (not set)"))),
        }
    }

    pub fn setting(&self, name: &str) -> Option<&Setting> {
        self.module.get(name)
    }

    fn shown(&self, name: &str) -> String {
        if self.module.overridable_by(name).is_some() {
            return inline(&self.value(name));
        }
        match self.module.get(name) {
            Some(s) => inline(&s.value),
            None => match django_default(name) {
                Some(d) => format!("{} (Django's default)", d.display()),
                None => "not set".into(),
            },
        }
    }
}

/// A value as it reads after "`SETTING` is …" in a message.
fn inline(v: &SValue) -> String {
    match v {
        SValue::Env { var, default: Some(d) } => format!("`${var}` from the environment, {} when unset", d.display()),
        SValue::Env { var, default: None } => format!("`${var}` from the environment"),
        SValue::Depends { on, options } => {
            let shown: Vec<String> = options.iter().map(inline).collect();
            format!("{} depending on `{on}`", shown.join(" or "))
        }
        SValue::Unknown(src) => format!("unknown here ({src})"),
        literal => literal.display(),
    }
}

/// Runs every check Django 5.2 (or the given version) runs under `check --deploy` that depends
/// on settings alone, in Django's order. `include_deploy = false` keeps only the checks Django
/// runs on every `check` (for the development profile).
pub fn run(module: &SettingsModule, files: &[PyFile], version: Version, include_deploy: bool) -> Vec<DeployResult> {
    let e = Effective { module };
    let mut out = Vec::new();
    let mut push = |id: &'static str, outcome: Tri, setting: &'static str, message: String| {
        if outcome != Tri::No {
            out.push(DeployResult { id, outcome, setting, message });
        }
    };
    let mw = e.value("MIDDLEWARE");
    let sec_mw = contains(&mw, SECURITY_MIDDLEWARE);
    let xframe_mw = contains(&mw, XFRAME_MIDDLEWARE);
    let csrf_mw = contains(&mw, CSRF_MIDDLEWARE);
    let session_mw = contains(&mw, SESSION_MIDDLEWARE);

    if include_deploy {
        // security/base.py
        push("security.W001", sec_mw.not(), "MIDDLEWARE", "`SecurityMiddleware` is not in `MIDDLEWARE`, so the HSTS, nosniff, Referrer-Policy, Cross-Origin-Opener-Policy and SSL-redirect settings do nothing".into());
        push("security.W002", xframe_mw.not(), "MIDDLEWARE", "`XFrameOptionsMiddleware` is not in `MIDDLEWARE`: pages carry no X-Frame-Options header and can be framed (clickjacking)".into());
        let hsts = truthy(&e.value("SECURE_HSTS_SECONDS"));
        push(
            "security.W004",
            sec_mw.and(hsts.not()),
            "SECURE_HSTS_SECONDS",
            format!(
                "`SECURE_HSTS_SECONDS` is {}: browsers are not told to insist on HTTPS (HSTS)",
                e.shown("SECURE_HSTS_SECONDS")
            ),
        );
        push(
            "security.W005",
            sec_mw.and(hsts).and(is_true(&e.value("SECURE_HSTS_INCLUDE_SUBDOMAINS")).not()),
            "SECURE_HSTS_INCLUDE_SUBDOMAINS",
            format!(
                "`SECURE_HSTS_INCLUDE_SUBDOMAINS` is {}, not `True`: subdomains can still be reached over plain HTTP",
                e.shown("SECURE_HSTS_INCLUDE_SUBDOMAINS")
            ),
        );
        push(
            "security.W021",
            sec_mw.and(hsts).and(is_true(&e.value("SECURE_HSTS_PRELOAD")).not()),
            "SECURE_HSTS_PRELOAD",
            format!(
                "`SECURE_HSTS_PRELOAD` is {}, not `True`: the site cannot join the browsers' HSTS preload list",
                e.shown("SECURE_HSTS_PRELOAD")
            ),
        );
        push(
            "security.W006",
            sec_mw.and(is_true(&e.value("SECURE_CONTENT_TYPE_NOSNIFF")).not()),
            "SECURE_CONTENT_TYPE_NOSNIFF",
            format!(
                "`SECURE_CONTENT_TYPE_NOSNIFF` is {}, not `True`: no `X-Content-Type-Options: nosniff` header",
                e.shown("SECURE_CONTENT_TYPE_NOSNIFF")
            ),
        );
        push(
            "security.W008",
            sec_mw.and(is_true(&e.value("SECURE_SSL_REDIRECT")).not()),
            "SECURE_SSL_REDIRECT",
            format!(
                "`SECURE_SSL_REDIRECT` is {}, not `True`: plain-HTTP requests are served instead of redirected",
                e.shown("SECURE_SSL_REDIRECT")
            ),
        );
        push(
            "security.W009",
            weak_key(&e.value("SECRET_KEY"), true),
            "SECRET_KEY",
            format!("`SECRET_KEY` {}", key_problem(&e.value("SECRET_KEY"))),
        );
        match e.value("SECRET_KEY_FALLBACKS") {
            SValue::List(keys) => {
                for (i, k) in keys.iter().enumerate() {
                    let t = weak_key(k, false);
                    push(
                        "security.W025",
                        t,
                        "SECRET_KEY_FALLBACKS",
                        format!("`SECRET_KEY_FALLBACKS[{i}]` {}", key_problem(k)),
                    );
                }
            }
            other => {
                // A list of unknown length: each key may be weak.
                let t = over(&other, &|x| match x {
                    SValue::List(keys) => keys.iter().map(|k| weak_key(k, false)).max().unwrap_or(Tri::No),
                    _ => Tri::Maybe,
                });
                push(
                    "security.W025",
                    t,
                    "SECRET_KEY_FALLBACKS",
                    format!(
                        "`SECRET_KEY_FALLBACKS` is {}: each old key must be as strong as `SECRET_KEY`",
                        e.shown("SECRET_KEY_FALLBACKS")
                    ),
                );
            }
        }
        push(
            "security.W018",
            truthy(&e.value("DEBUG")),
            "DEBUG",
            format!(
                "`DEBUG` is {}: error pages show settings, code and SQL to anyone, and every query is kept in memory",
                e.shown("DEBUG")
            ),
        );
        let xfo = over(&e.value("X_FRAME_OPTIONS"), &|x| Tri::from(x.as_str() != Some("DENY")));
        push(
            "security.W019",
            xframe_mw.and(xfo),
            "X_FRAME_OPTIONS",
            format!("`X_FRAME_OPTIONS` is {}, not `\"DENY\"`", e.shown("X_FRAME_OPTIONS")),
        );
        push(
            "security.W020",
            truthy(&e.value("ALLOWED_HOSTS")).not(),
            "ALLOWED_HOSTS",
            format!("`ALLOWED_HOSTS` is {}: with `DEBUG` off every request is refused", e.shown("ALLOWED_HOSTS")),
        );
        let referrer = e.value("SECURE_REFERRER_POLICY");
        let none = over(&referrer, &|x| Tri::from(*x == SValue::None));
        push(
            "security.W022",
            sec_mw.and(none),
            "SECURE_REFERRER_POLICY",
            "`SECURE_REFERRER_POLICY` is `None`: no Referrer-Policy header, so full URLs leak to other sites".into(),
        );
        let invalid = over(&referrer, &|x| match x {
            SValue::None => Tri::No,
            SValue::Str(s) => Tri::from(s.split(',').any(|p| !REFERRER_POLICIES.contains(&p.trim()))),
            SValue::List(items) => items.iter().fold(Tri::No, |t, i| {
                t.or(over(i, &|v| Tri::from(!v.as_str().is_some_and(|s| REFERRER_POLICIES.contains(&s)))))
            }),
            SValue::Dict(items) => {
                Tri::from(items.iter().any(|(k, _)| !k.as_str().is_some_and(|s| REFERRER_POLICIES.contains(&s))))
            }
            _ => Tri::Maybe,
        });
        push(
            "security.E023",
            sec_mw.and(invalid),
            "SECURE_REFERRER_POLICY",
            format!(
                "`SECURE_REFERRER_POLICY` is {}, which holds a value browsers do not know",
                e.shown("SECURE_REFERRER_POLICY")
            ),
        );
        let coop = over(&e.value("SECURE_CROSS_ORIGIN_OPENER_POLICY"), &|x| match x {
            SValue::None => Tri::No,
            SValue::Str(s) => Tri::from(!OPENER_POLICIES.contains(&s.as_str())),
            _ => Tri::Yes,
        });
        push(
            "security.E024",
            sec_mw.and(coop),
            "SECURE_CROSS_ORIGIN_OPENER_POLICY",
            format!(
                "`SECURE_CROSS_ORIGIN_OPENER_POLICY` is {}, not one of {}",
                e.shown("SECURE_CROSS_ORIGIN_OPENER_POLICY"),
                OPENER_POLICIES.join(", ")
            ),
        );
        // security/sessions.py: one ID for app only, middleware only, or both.
        let app = contains(&e.value("INSTALLED_APPS"), "django.contrib.sessions");
        for (setting, ids) in [
            ("SESSION_COOKIE_SECURE", ["security.W010", "security.W011", "security.W012"]),
            ("SESSION_COOKIE_HTTPONLY", ["security.W013", "security.W014", "security.W015"]),
        ] {
            let bad = is_true(&e.value(setting)).not();
            let what = if setting == "SESSION_COOKIE_SECURE" {
                "the session cookie is also sent over plain HTTP, where it can be sniffed"
            } else {
                "scripts on the page can read the session cookie"
            };
            let message = format!("`{setting}` is {}, not `True`: {what}", e.shown(setting));
            // Exactly one of the three fires when both facts are known.
            push(ids[0], bad.and(app).and(session_mw.not()), setting, message.clone());
            push(ids[1], bad.and(session_mw).and(app.not()), setting, message.clone());
            push(ids[2], bad.and(app).and(session_mw), setting, message);
        }
        // security/csrf.py
        push("security.W003", csrf_mw.not(), "MIDDLEWARE", "`CsrfViewMiddleware` is not in `MIDDLEWARE`: forms and POST endpoints have no cross-site request forgery protection".into());
        let w016 =
            truthy(&e.value("CSRF_USE_SESSIONS")).not().and(csrf_mw).and(is_true(&e.value("CSRF_COOKIE_SECURE")).not());
        push(
            "security.W016",
            w016,
            "CSRF_COOKIE_SECURE",
            format!(
                "`CSRF_COOKIE_SECURE` is {}, not `True`: the CSRF cookie is also sent over plain HTTP",
                e.shown("CSRF_COOKIE_SECURE")
            ),
        );
        caches_w002(&e, &mut push);
    }
    // Checks Django runs on every `check`, not only with `--deploy`.
    csrf_failure_view(&e, files, &mut push);
    if let SValue::List(origins) = e.value("CSRF_TRUSTED_ORIGINS") {
        for o in &origins {
            let t = over(o, &|x| Tri::from(!x.as_str().is_some_and(|s| s.contains("://"))));
            push("4_0.E001", t, "CSRF_TRUSTED_ORIGINS", format!("`CSRF_TRUSTED_ORIGINS` entry {} has no scheme: since Django 4.0 each origin must start with `https://` (or `http://`)", o.display()));
        }
    }
    if version >= (6, 0) {
        for setting in ["SECURE_CSP", "SECURE_CSP_REPORT_ONLY"] {
            let t = over(&e.value(setting), &|x| Tri::from(!matches!(x, SValue::None | SValue::Dict(_))));
            push(
                "security.E026",
                t,
                setting,
                format!("`{setting}` is {}, not a dict of directives (Django 6.0+)", e.shown(setting)),
            );
        }
    }
    if version >= (6, 1) {
        let nonce = |v: &SValue| -> bool {
            matches!(v, SValue::Dict(items) if items.iter().any(|(_, x)| format!("{x:?}").contains("CSP.NONCE")))
        };
        let uses_nonce = nonce(&e.value("SECURE_CSP")) || nonce(&e.value("SECURE_CSP_REPORT_ONLY"));
        let processor = format!("{:?}", e.value("TEMPLATES")).contains("django.template.context_processors.csp");
        if uses_nonce && !processor {
            push("security.W027", contains(&mw, CSP_MIDDLEWARE), "SECURE_CSP", "a CSP policy uses `CSP.NONCE` but no `TEMPLATES` entry has the `django.template.context_processors.csp` context processor, so templates cannot add the nonce (Django 6.1+)".into());
        }
        if include_deploy {
            let backend = e.value("MAILERS");
            let t = over(&backend, &|x| match x.get("default").and_then(|d| d.get("BACKEND")) {
                Some(SValue::Str(b)) => {
                    Tri::from(["console", "dummy", "filebased", "locmem"].iter().any(|k| b.contains(&format!(".{k}."))))
                }
                Some(other) => over(other, &|_| Tri::Maybe),
                None => Tri::No,
            });
            push("mail.E001", t, "MAILERS", "the default mailer is a console, dummy, file or memory backend: no e-mail leaves the server (Django 6.1+)".into());
        }
    }
    drop(push);
    // SILENCED_SYSTEM_CHECKS hides checks exactly as Django does.
    let silenced = e.value("SILENCED_SYSTEM_CHECKS");
    out.retain(|r| contains(&silenced, r.id) != Tri::Yes);
    out
}

/// A key's length and distinct characters, read from the marker when the sender hid it.
pub(crate) fn key_shape(s: &str) -> (usize, usize) {
    match crate::redact::measure(s) {
        Some(m) => (m.chars, m.distinct),
        None => (s.chars().count(), s.chars().collect::<std::collections::BTreeSet<char>>().len()),
    }
}

/// Django's `_check_secret_key` test on a string key: shorter than 50 characters, fewer than 5
/// distinct ones, or the `django-insecure-` prefix.
pub(crate) fn weak_key_text(s: &str) -> bool {
    let (chars, distinct) = key_shape(s);
    distinct < 5 || chars < 50 || s.starts_with("django-insecure-")
}

/// Django's `_check_secret_key` fails, or (for `SECRET_KEY` only) reading the setting raises
/// because it is empty.
fn weak_key(v: &SValue, is_secret_key: bool) -> Tri {
    over(v, &|x| match x {
        SValue::Str(s) => Tri::from(weak_key_text(s)),
        other if is_secret_key && other.truthy() == Some(false) => Tri::Yes,
        // A list or bytes would be measured differently; leave it to the reader.
        _ => Tri::Maybe,
    })
}

fn key_problem(v: &SValue) -> String {
    match v {
        SValue::Str(s) if s.starts_with("django-insecure-") => {
            "starts with `django-insecure-`: it is the throwaway key `startproject` generated".into()
        }
        SValue::Str(s) if key_shape(s).0 == 0 => "is empty".into(),
        SValue::Str(s) if key_shape(s).0 < 50 => {
            format!("is {} characters long; Django asks for at least 50", key_shape(s).0)
        }
        SValue::Str(_) => "has fewer than 5 distinct characters".into(),
        SValue::None => "is `None`".into(),
        other => format!("is {}: it must be a random string of 50 or more characters", other.display()),
    }
}

/// One settings module a deployment loads, with Django's checks run on it.
pub struct Audit<'m> {
    pub module: &'m SettingsModule,
    /// The checks that do not pass (see [`run`]).
    pub results: Vec<DeployResult>,
}

/// The judged modules and their check results, computed once per analysis for every rule and the
/// settings view.
pub fn audit<'m>(
    modules: &'m [SettingsModule],
    files: &[PyFile],
    root: usize,
    options: &crate::options::Options,
) -> Vec<Audit<'m>> {
    let version = parse_version(&options.django);
    let include_deploy = options.profile == crate::options::Profile::Production;
    judged_modules(modules, files, root)
        .into_iter()
        .map(|module| Audit { module, results: run(module, files, version, include_deploy) })
        .collect()
}

/// Django settings with no default in [`django_default`] that still mark a settings module.
const KNOWN_SETTINGS: &[&str] = &[
    "ROOT_URLCONF",
    "WSGI_APPLICATION",
    "ASGI_APPLICATION",
    "AUTH_USER_MODEL",
    "AUTH_PASSWORD_VALIDATORS",
    "DEFAULT_AUTO_FIELD",
    "LANGUAGE_CODE",
    "STATICFILES_STORAGE",
    "DEFAULT_FILE_STORAGE",
    "MEDIA_URL",
    "LOGIN_URL",
    "LOGIN_REDIRECT_URL",
    "EMAIL_HOST",
    "SERVER_EMAIL",
    "DEFAULT_FROM_EMAIL",
    "MANAGERS",
    "SECURE_CSP",
    "MAILERS",
    "SESSION_COOKIE_AGE",
    "CONN_MAX_AGE",
    "FILE_UPLOAD_MAX_MEMORY_SIZE",
];

/// The settings modules a deployment would load: those no other settings module star-imports,
/// without test settings and, when a production-like module is present, without development ones
/// (`dev.py`, `local.py`, …). Modules rebuilt from a diff are left out: a setting's absence from
/// them proves nothing.
pub fn judged_modules<'s>(modules: &'s [SettingsModule], files: &[PyFile], root: usize) -> Vec<&'s SettingsModule> {
    let test = |m: &SettingsModule| crate::analysis::is_test_path(crate::analysis::relative_path(&m.path, root));
    // Test settings often build on the production module; that does not make it a base module.
    let imported = |m: &SettingsModule| modules.iter().any(|o| !test(o) && o.imports.contains(&m.path));
    // An empty `settings/__init__.py` is a package marker, not a settings module.
    let empty = |m: &SettingsModule| m.values.is_empty() && m.imports.is_empty();
    // A module is a Django settings module if it assigns settings Django knows; an app's own
    // `settings.py` of constants is not one. Django's `global_settings.py` is the defaults.
    let django_like = |m: &SettingsModule| {
        !m.path.ends_with("django/conf/global_settings.py")
            && (m.values.keys().any(|k| django_default(k).is_some() || KNOWN_SETTINGS.contains(&k.as_str()))
                || !m.opaque.is_empty())
    };
    let partial = |m: &SettingsModule| files.iter().any(|f| f.path == m.path && f.partial);
    let leaves: Vec<&SettingsModule> = modules
        .iter()
        .filter(|m| !imported(m) && !partial(m) && !empty(m) && django_like(m))
        .filter(|m| !test(m))
        .collect();
    let dev = |m: &SettingsModule| {
        let name = m.path.rsplit('/').next().unwrap_or(&m.path).trim_end_matches(".py");
        let name = name.trim_start_matches("settings_").trim_end_matches("_settings");
        matches!(
            name,
            "dev" | "develop" | "development" | "local" | "test" | "tests" | "testing" | "ci" | "debug" | "docker_dev"
        )
    };
    if leaves.iter().any(|m| !dev(m)) {
        leaves.into_iter().filter(|m| !dev(m)).collect()
    } else {
        leaves
    }
}

/// `caches.W002`: a file-based cache inside, around or at `MEDIA_ROOT`, `STATIC_ROOT` or a
/// `STATICFILES_DIRS` entry.
fn caches_w002(e: &Effective<'_>, push: &mut dyn FnMut(&'static str, Tri, &'static str, String)) {
    let SValue::Dict(caches) = e.value("CACHES") else { return };
    for name in ["MEDIA_ROOT", "STATIC_ROOT", "STATICFILES_DIRS"] {
        let setting = e.value(name);
        if setting.truthy() == Some(false) {
            continue;
        }
        let paths: Vec<Option<String>> = match (&setting, name) {
            (SValue::List(items), "STATICFILES_DIRS") => items
                .iter()
                .map(|i| match i {
                    SValue::List(pair) if pair.len() == 2 => pair[1].as_str().map(normalize_path),
                    other => other.as_str().map(normalize_path),
                })
                .collect(),
            (SValue::Str(s), _) if name != "STATICFILES_DIRS" => vec![Some(normalize_path(s))],
            _ => vec![None],
        };
        for (alias, cache) in &caches {
            let is_file = match cache.get("BACKEND") {
                Some(SValue::Str(b)) => b == "django.core.cache.backends.filebased.FileBasedCache",
                _ => false,
            };
            if !is_file {
                continue;
            }
            let Some(location) = cache.get("LOCATION").and_then(SValue::as_str).map(normalize_path) else { continue };
            let known: Vec<&String> = paths.iter().flatten().collect();
            let relation = if known.iter().any(|p| **p == location) {
                Some("is")
            } else if known.iter().any(|p| is_inside(&location, p)) {
                Some("is inside")
            } else if known.iter().any(|p| is_inside(p, &location)) {
                Some("contains")
            } else {
                None
            };
            let outcome = match relation {
                Some(_) => Tri::Yes,
                None if known.len() < paths.len() => Tri::Maybe,
                None => Tri::No,
            };
            let alias = alias.as_str().unwrap_or("?");
            push(
                "caches.W002",
                outcome,
                "CACHES",
                format!(
                    "the `{alias}` file-based cache's `LOCATION` {} `{name}`: cache files can be served to the public or overwritten",
                    relation.unwrap_or("may overlap")
                ),
            );
        }
    }
}

/// A path made comparable without touching the disk: `.` and `..` applied, repeated and trailing
/// slashes removed.
fn normalize_path(p: &str) -> String {
    let absolute = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

fn is_inside(inner: &str, outer: &str) -> bool {
    inner.len() > outer.len()
        && inner.starts_with(outer)
        && (outer.ends_with('/') || inner.as_bytes().get(outer.len()) == Some(&b'/'))
}

/// Not a check ID: Django's check framework crashes on a view missing from an existing module.
pub const VIEW_DOES_NOT_EXIST: &str = "ViewDoesNotExist";

/// `security.E101`/`E102`: `CSRF_FAILURE_VIEW` must import and accept `(request, reason=...)`. A
/// module that is not in the input cannot be judged.
fn csrf_failure_view(
    e: &Effective<'_>,
    files: &[PyFile],
    push: &mut dyn FnMut(&'static str, Tri, &'static str, String),
) {
    let value = e.value("CSRF_FAILURE_VIEW");
    let Some(path) = value.as_str() else {
        if !value.is_literal() {
            return;
        }
        push(
            "security.E102",
            Tri::Yes,
            "CSRF_FAILURE_VIEW",
            format!("`CSRF_FAILURE_VIEW` is {}, not a dotted path to a view", value.display()),
        );
        return;
    };
    if path == "django.views.csrf.csrf_failure" {
        return;
    }
    let Some((module, attr)) = path.rsplit_once('.') else {
        push(
            "security.E102",
            Tri::Yes,
            "CSRF_FAILURE_VIEW",
            format!("`CSRF_FAILURE_VIEW` `{path}` cannot be imported: it names no module"),
        );
        return;
    };
    let module_path = module.replace('.', "/");
    let file = files.iter().find(|f| {
        let p = f.path.trim_end_matches(".py");
        let p = p.strip_suffix("/__init__").unwrap_or(p);
        p == module_path || p.ends_with(&format!("/{module_path}"))
    });
    let Some(file) = file else { return };
    let mut found = None;
    for s in file.parsed.body() {
        match s {
            Stmt::FunctionDef(f) if f.name.as_str() == attr => found = Some(Some(&*f.args)),
            Stmt::AsyncFunctionDef(f) if f.name.as_str() == attr => found = Some(Some(&*f.args)),
            Stmt::ClassDef(c) if c.name.as_str() == attr => found = Some(None),
            Stmt::Assign(a)
                if a.targets
                    .iter()
                    .any(|t| matches!(t, rustpython_parser::ast::Expr::Name(n) if n.id.as_str() == attr)) =>
            {
                found = Some(None)
            }
            Stmt::ImportFrom(i) if i.names.iter().any(|n| n.asname.as_ref().unwrap_or(&n.name).as_str() == attr) => {
                found = Some(None)
            }
            _ => {}
        }
    }
    match found {
        // Django's check does not catch this one: `check` itself stops with ViewDoesNotExist.
        None => push(VIEW_DOES_NOT_EXIST, Tri::Yes, "CSRF_FAILURE_VIEW", format!("`CSRF_FAILURE_VIEW` `{path}` does not exist: `{module}` defines no `{attr}`, so `manage.py check` stops with ViewDoesNotExist and CSRF failures become server errors")),
        Some(Some(args)) if !binds_request_and_reason(args) => push("security.E101", Tri::Yes, "CSRF_FAILURE_VIEW", format!("`CSRF_FAILURE_VIEW` `{path}` cannot be called as `view(request, reason=...)`")),
        _ => {}
    }
}

/// Whether `f(None, reason=None)` binds to these parameters (Python's `Signature.bind`).
fn binds_request_and_reason(a: &rustpython_parser::ast::Arguments) -> bool {
    let positional: Vec<_> = a.posonlyargs.iter().map(|p| (p, true)).chain(a.args.iter().map(|p| (p, false))).collect();
    let rest = if let Some((_, rest)) = positional.split_first() {
        rest
    } else if a.vararg.is_some() {
        &[][..]
    } else {
        return false;
    };
    let mut reason_bound = false;
    for (p, posonly) in rest {
        if p.def.arg.as_str() == "reason" && !posonly {
            reason_bound = true;
        } else if p.default.is_none() {
            return false;
        }
    }
    for p in &a.kwonlyargs {
        if p.def.arg.as_str() == "reason" {
            reason_bound = true;
        } else if p.default.is_none() {
            return false;
        }
    }
    // The first positional parameter takes `None`; if it is itself `reason`, the keyword repeats it.
    if positional.first().is_some_and(|(p, posonly)| p.def.arg.as_str() == "reason" && !posonly) {
        return false;
    }
    reason_bound || a.kwarg.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_valued_logic_orders_knowledge() {
        assert_eq!(Tri::Yes.and(Tri::Maybe), Tri::Maybe);
        assert_eq!(Tri::No.or(Tri::ByDefault), Tri::ByDefault);
        assert_eq!(Tri::ByDefault.not(), Tri::Maybe);
        let env = SValue::Env { var: "DEBUG".into(), default: Some(Box::new(SValue::Bool(true))) };
        assert_eq!(truthy(&env), Tri::ByDefault);
        let env = SValue::Env { var: "DEBUG".into(), default: Some(Box::new(SValue::Bool(false))) };
        assert_eq!(truthy(&env), Tri::Maybe);
        assert_eq!(is_true(&SValue::Str("1".into())), Tri::No);
        assert_eq!(truthy(&SValue::Str("1".into())), Tri::Yes);
    }

    fn audit(files: &[(&str, &str)], options: &crate::Options) -> crate::Report {
        let files = files.iter().map(|(p, t)| crate::SourceFile::new(*p, *t)).collect();
        crate::analyze(&crate::Project::new(files), options)
    }

    fn ids(report: &crate::Report) -> Vec<String> {
        let mut v: Vec<String> = report.findings.iter().filter_map(|f| f.django_id.clone()).collect();
        v.sort();
        v
    }

    const STARTPROJECT: &str = r#"
SECRET_KEY = "django-insecure-0123456789abcdefghijklmnopqrstuvwxyz!@#$%^&*()"
DEBUG = True
ALLOWED_HOSTS = []
INSTALLED_APPS = ["django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
"#;

    #[test]
    fn startproject_gets_exactly_djangos_seven_warnings() {
        let r = audit(&[("mysite/settings.py", STARTPROJECT)], &crate::Options::default());
        let expected = ["W004", "W008", "W009", "W012", "W016", "W018", "W020"];
        assert_eq!(ids(&r), expected.iter().map(|w| format!("security.{w}")).collect::<Vec<_>>());
        // The development profile keeps only the checks Django runs on every `check`.
        let dev = crate::Options { profile: crate::Profile::Development, ..Default::default() };
        assert!(ids(&audit(&[("mysite/settings.py", STARTPROJECT)], &dev)).is_empty());
    }

    #[test]
    fn environment_reads_are_never_passes() {
        let src = "import os
DEBUG = os.environ.get('DEBUG', True)
ALLOWED_HOSTS = os.environ['HOSTS'].split(',')
SECRET_KEY = os.environ['KEY']
";
        let r = audit(&[("proj/settings.py", src)], &crate::Options::default());
        let debug =
            r.findings.iter().find(|f| f.django_id.as_deref() == Some("security.W018")).expect("W018 by default");
        assert_eq!(debug.confidence, crate::Confidence::Medium);
        assert!(debug.message.contains("unless the environment overrides"), "{}", debug.message);
        // No default: not a finding, but the settings view says it is unverified, never passing.
        assert!(!ids(&r).iter().any(|i| i == "security.W009" || i == "security.W020"));
        let rows = &r.settings[0].settings;
        let row = |n: &str| rows.iter().find(|x| x.name == n).expect("row");
        assert_eq!(row("SECRET_KEY").status, crate::report::SettingStatus::Unverified);
        assert_eq!(row("ALLOWED_HOSTS").status, crate::report::SettingStatus::Unverified);
        assert_eq!(row("DEBUG").status, crate::report::SettingStatus::Fails);
    }

    #[test]
    fn layering_and_unknown_imports() {
        let base = format!(
            "{STARTPROJECT}
SESSION_COOKIE_SECURE = True
"
        );
        let prod = "from .base import *
DEBUG = False
ALLOWED_HOSTS = ['app.example.com']
try:
    from .local import *
except ImportError:
    pass
SECURE_SSL_REDIRECT = True
";
        let files = [("proj/settings/base.py", base.as_str()), ("proj/settings/production.py", prod)];
        let r = audit(&files, &crate::Options::default());
        // Everything assigned before `from .local import *` may be replaced by it: unverified,
        // not reported. SECURE_SSL_REDIRECT comes after it and passes.
        assert!(ids(&r).is_empty(), "{:?}", ids(&r));
        let m = &r.settings[0];
        assert_eq!(m.path, "proj/settings/production.py");
        assert_eq!(m.imports, vec!["proj/settings/base.py".to_string()]);
        assert_eq!(m.unknowns.len(), 1, "{:?}", m.unknowns);
        let key = m.settings.iter().find(|x| x.name == "SECRET_KEY").expect("row");
        assert_eq!(key.path.as_deref(), Some("proj/settings/base.py"));
        assert_eq!(key.via, vec!["proj/settings/production.py:1".to_string()]);
        assert!(!key.value.contains("django-insecure-0123"), "the key is not shown: {}", key.value);
        assert!(key.value.contains("may be set by `from .local import *`"), "{}", key.value);
        // Without the unknown import, the base module's values count.
        let prod = "from .base import *
DEBUG = False
ALLOWED_HOSTS = ['app.example.com']
";
        let r = audit(
            &[("proj/settings/base.py", base.as_str()), ("proj/settings/production.py", prod)],
            &crate::Options::default(),
        );
        assert_eq!(ids(&r), ["security.W004", "security.W008", "security.W009", "security.W016"]);
        let w009 = r.findings.iter().find(|f| f.django_id.as_deref() == Some("security.W009")).expect("W009");
        assert_eq!((w009.path.as_str(), w009.line), ("proj/settings/base.py", 2));
        let key = r.settings[0].settings.iter().find(|x| x.name == "SECRET_KEY").expect("row");
        assert!(key.value.starts_with(crate::redact::MARK) && !key.value.contains("0123"), "{}", key.value);
        // An environment default that is a literal secret is hidden too.
        let env = "import os\nSECRET_KEY = os.environ.get('K', 'fallback-secret-value')\n";
        let r = audit(&[("proj/settings.py", env)], &crate::Options::default());
        let key = r.settings[0].settings.iter().find(|x| x.name == "SECRET_KEY").expect("row");
        assert!(!key.value.contains("fallback-secret") && key.value.contains("$K"), "{}", key.value);
    }

    #[test]
    fn silenced_checks_and_version_gates() {
        let src = "SILENCED_SYSTEM_CHECKS = ['security.W020']\nALLOWED_HOSTS = []\nSECURE_CSP = 'default-src self'\nMIDDLEWARE = []\n";
        let r = audit(&[("proj/settings.py", src)], &crate::Options::default());
        assert!(!ids(&r).contains(&"security.W020".to_string()));
        assert!(!ids(&r).contains(&"security.E026".to_string()), "5.2 has no CSP check");
        let six = crate::Options { django: "6.0".into(), ..Default::default() };
        assert!(ids(&audit(&[("proj/settings.py", src)], &six)).contains(&"security.E026".to_string()));
    }

    #[test]
    fn csrf_failure_view_binding_follows_python() {
        let cases = [
            ("def v(request, reason=''): pass", None),
            ("def v(request): pass", Some("security.E101")),
            ("def v(request, **kw): pass", None),
            ("def v(request, *, reason): pass", None),
            ("def v(request, reason='', /): pass", Some("security.E101")),
            ("def v(*args, **kwargs): pass", None),
            ("def v(reason, request=None): pass", Some("security.E101")),
            ("def v(request, reason, extra): pass", Some("security.E101")),
        ];
        for (view, want) in cases {
            let files = [
                (
                    "proj/settings.py",
                    "CSRF_FAILURE_VIEW = 'proj.views.v'
",
                ),
                ("proj/views.py", view),
            ];
            let r = audit(&files, &crate::Options::default());
            let got = ids(&r).into_iter().find(|i| i.starts_with("security.E10"));
            assert_eq!(got.as_deref(), want, "{view}");
        }
        let r = audit(
            &[
                (
                    "proj/settings.py",
                    "CSRF_FAILURE_VIEW = 'proj.views.gone'
",
                ),
                (
                    "proj/views.py",
                    "x = 1
",
                ),
            ],
            &crate::Options::default(),
        );
        let f = r.findings.iter().find(|f| f.code == "DEP109").expect("missing view reported");
        assert!(f.django_id.is_none() && f.message.contains("ViewDoesNotExist"));
    }

    #[test]
    fn paths_compare_without_the_disk() {
        assert_eq!(normalize_path("/srv/app/./media/"), "/srv/app/media");
        assert!(is_inside("/srv/media/cache", "/srv/media"));
        assert!(!is_inside("/srv/media-cache", "/srv/media"));
        assert_eq!(parse_version("6.1.3"), (6, 1));
        assert_eq!(parse_version("junk"), (5, 2));
    }
}
