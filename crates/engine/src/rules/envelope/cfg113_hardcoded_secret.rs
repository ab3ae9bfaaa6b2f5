use super::{fix, is_placeholder, judged, Reporter};
use crate::analysis::{Emitter, ProjectContext};
use crate::facts::deploy::Tri;
use crate::facts::settings::SValue;
use crate::report::Confidence;

crate::declare_rule! {
    /// ## What it does
    /// Reports secrets written into the settings a deployment loads: a literal `SECRET_KEY` (or fallback key) that is
    /// otherwise strong (a weak one is DEP104's), literal values of settings named like
    /// credentials (`*_PASSWORD`, `*_TOKEN`, `*_SECRET`, `*_SECRET_KEY`, `*_API_KEY`,
    /// `*_PRIVATE_KEY`, and `PASSWORD` inside `DATABASES`), URLs with a password in them
    /// (`redis://:s3cret@cache:6379`, `postgres://app:s3cret@db/app`) anywhere in a setting, and
    /// such values used as the fallback of an environment read (`os.environ.get("DB_PASSWORD",
    /// "s3cret")`). Empty strings and obvious placeholders (`changeme`, `<password>`, `postgres`,
    /// anything saying `dev`, `test`, `example` or `secret`) are not reported.
    ///
    /// ## Why it matters at scale
    /// A secret in the repository is in every clone, fork, CI log, container image layer and
    /// laptop backup, forever: rotating it means a code change and a deploy, and leaked
    /// repositories are scanned for keys within minutes. It also means every environment shares
    /// one credential, so staging can write to production.
    ///
    /// ## Example
    /// ```python settings
    /// DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "app", "PASSWORD": "Tr0ub4dor&3-prod"}}
    /// ```
    ///
    /// ## Use instead
    /// ```python settings
    /// import os
    /// DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "app", "PASSWORD": os.environ["DB_PASSWORD"]}}
    /// ```
    ///
    /// ## Precision
    /// Judged on literal strings only, by the setting's name or the URL's shape; public keys
    /// (`*_PUBLIC_KEY`, `*_SITE_KEY`, `*_PUBLISHABLE_KEY`) and key names that hold no secret
    /// (`*_KEY_PREFIX`, `*_KEY_FUNCTION`, `CACHE_KEY*`) are skipped. A credential for a local
    /// service with an unguessable-looking literal is still reported.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines): no
    /// findings (few deployment files and literal settings there); precision rests on the unit
    /// tests' positives and near misses.
    pub HARDCODED_SECRET {
        code: "CFG113", name: "hardcoded-secret", category: Security,
        severity: High, confidence: Medium, playbook: "security-hardening",
    }
}

/// Whether a setting (or dict key) name says its value is a secret.
fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    if [
        "PUBLIC",
        "PUBLISHABLE",
        "SITE_KEY",
        "KEY_PREFIX",
        "KEY_FUNC",
        "CACHE_KEY",
        "KEY_NAME",
        "KEY_FILE",
        "KEY_PATH",
        "_FIELD",
        "ALGORITHM",
        "TOKEN_LIFETIME",
        "TOKEN_EXPIR",
        "TOKEN_TTL",
        "_URL",
        "_LENGTH",
        "_HEADER",
        "_COOKIE",
        "VALIDATORS",
        "_CLASS",
        "_BACKEND",
        "_TIMEOUT",
        "_AGE",
    ]
    .iter()
    .any(|w| n.contains(w))
    {
        return false;
    }
    n == "SECRET_KEY"
        || n == "SECRET_KEY_FALLBACKS"
        || n == "PASSWORD"
        || n.ends_with("_PASSWORD")
        || n.ends_with("_PASSWD")
        || n.ends_with("_TOKEN")
        || n.ends_with("_SECRET")
        || n.ends_with("_SECRET_KEY")
        || n.ends_with("_API_KEY")
        || n.ends_with("_ACCESS_KEY")
        || n.ends_with("_PRIVATE_KEY")
        || n.ends_with("_SECRET_ACCESS_KEY")
}

/// `scheme://user:password@host`: the password, when there is a real one.
fn url_password(s: &str) -> Option<&str> {
    let (scheme, rest) = s.split_once("://")?;
    if scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let (userinfo, _) = authority.rsplit_once('@')?;
    let (_, password) = userinfo.split_once(':')?;
    (!is_placeholder(password)).then_some(password)
}

/// Secrets inside a value: (what, is an environment fallback). `name` is the innermost key,
/// `label` the path shown in messages.
fn findings(name: &str, label: &str, v: &SValue, out: &mut Vec<(String, bool)>, fallback: bool) {
    match v {
        SValue::Str(s) => {
            if secret_name(name)
                && !is_placeholder(s)
                // A weak key is DEP104's finding (Django's `security.W009`).
                && !(name.starts_with("SECRET_KEY") && crate::facts::deploy::weak_key_text(s))
                && !s.contains("://")
            {
                out.push((
                    format!("`{label}` is a literal ({} characters)", crate::facts::deploy::key_shape(s).0),
                    fallback,
                ));
            } else if url_password(s).is_some() {
                out.push((format!("`{label}` holds a URL with a password in it"), fallback));
            }
        }
        SValue::List(items) => items.iter().for_each(|i| findings(name, label, i, out, fallback)),
        SValue::Dict(items) => {
            for (k, v) in items {
                match k.as_str() {
                    Some(key) => findings(key, &format!("{label}[{key:?}]"), v, out, fallback),
                    None => findings(name, label, v, out, fallback),
                }
            }
        }
        SValue::Env { default: Some(d), .. } => findings(name, label, d, out, true),
        SValue::Depends { options, .. } => options.iter().for_each(|o| findings(name, label, o, out, fallback)),
        _ => {}
    }
}

/// CFG113
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    let mut reporter = Reporter::default();
    for m in judged(ctx) {
        for (name, setting) in &m.values {
            let mut found = Vec::new();
            findings(name, name, &setting.value, &mut found, false);
            let Some((what, fallback)) = found.into_iter().next() else { continue };
            let message = if fallback {
                format!("{what}, as the fallback of an environment read: the secret is in the repository and is used wherever the variable is missing")
            } else {
                format!(
                    "{what}: the secret is in the repository, every clone and image, and shared by every environment"
                )
            };
            if let Some(f) = reporter.report(
                out,
                &HARDCODED_SECRET,
                m,
                name,
                Tri::Yes,
                message,
                fix(
                    "Read secrets from the environment (or a secrets manager) with no literal fallback, and rotate the one that was committed.",
                    &format!("{name} = \"…\""),
                    &format!("{name} = os.environ[\"{name}\"]"),
                ),
            ) {
                if fallback {
                    f.confidence = Confidence::Low;
                }
            }
        }
    }
}
