use super::{fix, judged, value, Reporter};
use crate::analysis::{Emitter, ProjectContext};
use crate::facts::deploy::{is_true, over, Tri};
use crate::facts::settings::SValue;
use crate::report::Severity;

crate::declare_rule! {
    /// ## What it does
    /// Reports cross-origin trust that covers every site: django-cors-headers'
    /// `CORS_ALLOW_ALL_ORIGINS` (or its old name `CORS_ORIGIN_ALLOW_ALL`) set to `True`, an origin
    /// regex that matches anything (`CORS_ALLOWED_ORIGIN_REGEXES = [r".*"]`), and
    /// `CSRF_TRUSTED_ORIGINS` wildcards over a whole top-level domain (`"https://*.com"`).
    ///
    /// ## Why it matters at scale
    /// With every origin allowed, any web page a logged-in user visits can call the API from their
    /// browser and read the answers. Together with `CORS_ALLOW_CREDENTIALS = True` the browser
    /// sends the user's cookies along: every endpoint that trusts the session is readable by any
    /// site. A CSRF trusted origin over a top-level domain lets any site under it post forms as
    /// the user.
    ///
    /// ## Example
    /// ```python settings
    /// INSTALLED_APPS = ["corsheaders"]
    /// CORS_ALLOW_ALL_ORIGINS = True
    /// CORS_ALLOW_CREDENTIALS = True
    /// ```
    ///
    /// ## Use instead
    /// ```python settings
    /// INSTALLED_APPS = ["corsheaders"]
    /// CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    /// CORS_ALLOW_CREDENTIALS = True
    /// ```
    ///
    /// ## Precision
    /// Reads literal settings (an environment read counts only through a broad default). A public,
    /// cookie-less API may allow every origin on purpose: without `CORS_ALLOW_CREDENTIALS` the
    /// finding is medium severity, a question for the reviewer; with credentials it is high.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines): 1
    /// finding (Mayan, without credentials), true but borderline: a deliberate open API.
    pub CROSS_ORIGIN_TOO_BROAD {
        code: "CFG102", name: "cross-origin-too-broad", category: Security,
        severity: Medium, confidence: High, playbook: "security-hardening",
    }
}

/// A regular expression that matches any origin.
fn matches_anything(re: &str) -> bool {
    let core = re.trim().trim_start_matches('^').trim_end_matches('$');
    let core = core
        .strip_prefix("https?://")
        .or_else(|| core.strip_prefix("https://"))
        .or_else(|| core.strip_prefix("http://"))
        .unwrap_or(core);
    matches!(core, ".*" | ".+" | "(.*)" | "(.+)" | "")
}

/// A CSRF trusted origin whose wildcard covers a top-level domain, or everything.
fn origin_too_broad(origin: &str) -> bool {
    let host = origin.split_once("://").map_or(origin, |(_, h)| h);
    match host.strip_prefix('*') {
        Some(rest) => {
            let rest = rest.trim_start_matches('.');
            !rest.is_empty() && !rest.contains('.') && rest != "localhost"
        }
        None => false,
    }
}

/// CFG102
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    let mut reporter = Reporter::default();
    for m in judged(ctx) {
        let credentials = is_true(&value(m, "CORS_ALLOW_CREDENTIALS")) == Tri::Yes;
        for name in ["CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL"] {
            if m.get(name).is_none() {
                continue;
            }
            let t = is_true(&value(m, name));
            let with = if credentials {
                ", and `CORS_ALLOW_CREDENTIALS = True` sends the visitor's cookies along"
            } else {
                " (without cookies: public and token-authenticated endpoints are exposed, and one later `CORS_ALLOW_CREDENTIALS = True` exposes everything)"
            };
            if let Some(f) = reporter.report(
                out,
                &CROSS_ORIGIN_TOO_BROAD,
                m,
                name,
                t,
                format!("`{name}` is {}: any web site can call this API from a visitor's browser and read the answers{with}", value(m, name).display()),
                fix(
                    "Name the origins that may call the API.",
                    &format!("{name} = True"),
                    "CORS_ALLOWED_ORIGINS = [\"https://app.example.com\"]",
                ),
            ) {
                if credentials {
                    f.severity = Severity::High;
                }
            }
        }
        for name in ["CORS_ALLOWED_ORIGIN_REGEXES", "CORS_ORIGIN_REGEX_WHITELIST"] {
            if m.get(name).is_none() {
                continue;
            }
            let v = value(m, name);
            let t = over(&v, &|x| match x {
                SValue::List(items) => items
                    .iter()
                    .fold(Tri::No, |t, i| t.or(over(i, &|s| Tri::from(s.as_str().is_some_and(matches_anything))))),
                _ => Tri::Maybe,
            });
            reporter.report(
                out,
                &CROSS_ORIGIN_TOO_BROAD,
                m,
                name,
                t,
                format!("`{name}` is {}: a pattern in it matches every origin", v.display()),
                fix(
                    "Anchor each pattern to your own domain.",
                    &format!("{name} = [r\".*\"]"),
                    &format!("{name} = [r\"^https://\\w+\\.example\\.com$\"]"),
                ),
            );
        }
        if m.get("CSRF_TRUSTED_ORIGINS").is_some() {
            let v = value(m, "CSRF_TRUSTED_ORIGINS");
            let t = over(&v, &|x| match x {
                SValue::List(items) => items
                    .iter()
                    .fold(Tri::No, |t, i| t.or(over(i, &|s| Tri::from(s.as_str().is_some_and(origin_too_broad))))),
                _ => Tri::Maybe,
            });
            reporter.report(
                out,
                &CROSS_ORIGIN_TOO_BROAD,
                m,
                "CSRF_TRUSTED_ORIGINS",
                t,
                format!("`CSRF_TRUSTED_ORIGINS` is {}: a wildcard in it trusts every site under a top-level domain to post forms as the user", v.display()),
                fix("Trust only your own origins.", "CSRF_TRUSTED_ORIGINS = [\"https://*.com\"]", "CSRF_TRUSTED_ORIGINS = [\"https://*.example.com\"]"),
            );
        }
    }
}
