//! The settings view: for each settings module a deployment loads, every setting the audit read or
//! the module assigns, with its effective value, where it came from and what the checks made of it.

use std::collections::BTreeMap;

use super::deploy::{self, Tri};
use super::settings::{django_default, SValue};
use crate::report::{Finding, SettingRow, SettingStatus, SettingsReport};

/// The settings Django's deploy checks read (a default is shown for each one left unset).
const CHECKED: &[&str] = &[
    "DEBUG",
    "ALLOWED_HOSTS",
    "SECRET_KEY",
    "SECRET_KEY_FALLBACKS",
    "MIDDLEWARE",
    "INSTALLED_APPS",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SECURE",
    "CSRF_USE_SESSIONS",
    "X_FRAME_OPTIONS",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "CSRF_TRUSTED_ORIGINS",
    "CSRF_FAILURE_VIEW",
    "SILENCED_SYSTEM_CHECKS",
    "CACHES",
];

pub fn build(audit: &[deploy::Audit<'_>], findings: &[Finding]) -> Vec<SettingsReport> {
    let mut out = Vec::new();
    for deploy::Audit { module, results } in audit {
        let module = *module;
        let effective = deploy::Effective { module };
        let mut names: Vec<&str> = CHECKED.to_vec();
        names.extend(module.values.keys().map(String::as_str).filter(|n| !CHECKED.contains(n)));
        let mut rows = Vec::new();
        for name in names {
            let assigned = module.get(name);
            let mut row = SettingRow {
                name: name.to_string(),
                value: shown_value(name, &effective.value(name), assigned.is_none()),
                path: assigned.map(|s| s.path.clone()),
                line: assigned.map(|s| s.span.line),
                via: assigned.map(|s| s.via.iter().map(|(p, l)| format!("{p}:{l}")).collect()).unwrap_or_default(),
                status: if CHECKED.contains(&name) { SettingStatus::Passes } else { SettingStatus::Set },
                findings: Vec::new(),
                note: String::new(),
            };
            // Django checks anchored at this setting, and other findings inside its assignment.
            let mut ids: BTreeMap<String, ()> = BTreeMap::new();
            for f in findings {
                let about = match f.django_id.as_deref() {
                    Some(id) => {
                        results.iter().any(|r| r.id == id && r.setting == name)
                            && (f.path == module.path || assigned.is_some_and(|s| s.path == f.path))
                    }
                    None => assigned.is_some_and(|s| {
                        f.path == s.path && (s.span.line..=s.span.end_line.max(s.span.line)).contains(&f.line)
                    }),
                };
                if about {
                    let label = match &f.django_id {
                        Some(id) => format!("{} {id}", f.code),
                        None => f.code.clone(),
                    };
                    ids.insert(label, ());
                }
            }
            row.findings = ids.into_keys().collect();
            if !row.findings.is_empty() {
                row.status = SettingStatus::Fails;
            } else if let Some(r) = results.iter().find(|r| r.setting == name && r.outcome == Tri::Maybe) {
                row.status = SettingStatus::Unverified;
                row.note = format!("{} cannot be decided from the files", r.id);
            } else if CHECKED.contains(&name) && !effective.value(name).is_literal() {
                row.status = SettingStatus::Unverified;
                row.note = "its value is only known at run time; confirm it in production".into();
            }
            if let Some(m) = module.overridable_by(name) {
                row.note = if m.contains(':') {
                    format!("code writing `globals()` at {m} may change it")
                } else {
                    format!("`from {m} import *` (not in the input) may change it")
                };
            }
            rows.push(row);
        }
        let unknowns = module
            .opaque
            .iter()
            .map(|(m, _)| {
                if m.contains(':') {
                    format!("code at {m} writes `globals()`")
                } else {
                    format!("`from {m} import *`: not in the input")
                }
            })
            .collect();
        out.push(SettingsReport {
            path: module.path.clone(),
            imports: module.imports.clone(),
            unknowns,
            settings: rows,
        });
    }
    out
}

/// The value for display: secrets hidden, Django's default marked.
fn shown_value(name: &str, value: &SValue, is_default: bool) -> String {
    let shown = match value {
        SValue::Str(s) if crate::redact::secret_name(name) && !s.is_empty() => {
            format!("{} ({} characters)", crate::redact::MARK, s.chars().count())
        }
        SValue::List(items) if crate::redact::secret_name(name) && !items.is_empty() => {
            format!("[{} × {}]", items.len(), crate::redact::MARK)
        }
        // An environment read's default or a branch may still be a literal secret.
        other if crate::redact::secret_name(name) => hide_literals(&other.display()),
        other => {
            let d = other.display();
            // Credentials inside URLs and key-shaped values anywhere in the value.
            let (line, _) = crate::redact::redact(&format!("{name} = {d}"));
            line.strip_prefix(&format!("{name} = ")).unwrap_or(&line).to_string()
        }
    };
    if is_default && django_default(name).is_some() {
        format!("{shown} (Django's default)")
    } else {
        shown
    }
}

/// Every double-quoted literal in a displayed value replaced by the redaction mark.
fn hide_literals(display: &str) -> String {
    let mut out = String::with_capacity(display.len());
    let mut inside = false;
    let mut escaped = false;
    for c in display.chars() {
        if inside {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                inside = false;
                out.push_str(crate::redact::MARK);
                out.push('"');
            }
            continue;
        }
        out.push(c);
        if c == '"' {
            inside = true;
        }
    }
    if inside {
        out.push_str(crate::redact::MARK);
    }
    out
}
