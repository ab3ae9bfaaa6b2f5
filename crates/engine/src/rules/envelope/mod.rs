//! The production envelope beyond Django's own checks: hosts and origins, proxy headers, database
//! connections and timeouts, caches and sessions, logging, static files, replicas, Celery, e-mail
//! and secrets. Each rule reads the settings modules a deployment loads
//! ([`deploy::judged_modules`]), over Django's defaults, and stays silent under the development
//! profile. A value the files cannot tell (an environment read, a computation, a module not in the
//! input) never passes and is reported only when its default fails, at medium confidence.

pub mod cfg101_allowed_hosts_too_broad;
pub mod cfg102_cross_origin_too_broad;
pub mod cfg103_proxy_headers_inconsistent;
pub mod cfg104_db_connection_lifetime;
pub mod cfg105_db_timeouts_missing;
pub mod cfg106_process_local_cache;
pub mod cfg107_time_zone_default;
pub mod cfg108_logging_unconfigured;
pub mod cfg109_static_without_manifest;
pub mod cfg110_replica_without_read_after_write;
pub mod cfg111_celery_task_limits;
pub mod cfg112_email_backend_local;
pub mod cfg113_hardcoded_secret;
#[cfg(test)]
mod tests;

use crate::analysis::{Emitter, ProjectContext};
use crate::facts::deploy::{self, Tri};
use crate::facts::settings::{SValue, SettingsModule};
use crate::options::Profile;
use crate::report::{Confidence, Finding, Fix};
use crate::rule::RuleMeta;
use crate::text::Span;

/// The settings modules a deployment loads; none under the development profile.
pub(crate) fn judged<'c>(ctx: &'c ProjectContext<'_, '_>) -> Vec<&'c SettingsModule> {
    if ctx.options.profile == Profile::Development {
        return Vec::new();
    }
    ctx.settings.iter().map(|a| a.module).collect()
}

/// A module's effective value for a setting (its own, or Django's default, or unknown when an
/// opaque import may set it).
pub(crate) fn value(m: &SettingsModule, name: &str) -> SValue {
    deploy::Effective { module: m }.value(name)
}

/// Emits findings once per place: several judged modules inherit the same assignment.
#[derive(Default)]
pub(crate) struct Reporter {
    seen: Vec<(String, u32, String)>,
}

impl Reporter {
    /// Reports `message` about `setting` of `m` when `outcome` is [`Tri::Yes`] or
    /// [`Tri::ByDefault`] (then at medium confidence, saying so). Points at the assignment, or at
    /// the top of the module that leaves the setting at Django's default.
    pub(crate) fn report<'o>(
        &mut self,
        out: &'o mut Emitter,
        rule: &'static RuleMeta,
        m: &SettingsModule,
        setting: &str,
        outcome: Tri,
        message: String,
        fix: Fix,
    ) -> Option<&'o mut Finding> {
        if outcome < Tri::ByDefault {
            return None;
        }
        let (path, span) = match m.get(setting) {
            Some(s) => (s.path.clone(), s.span),
            None => (m.path.clone(), Span::point(1, 1)),
        };
        let key = (path.clone(), span.line, format!("{}{message}", rule.code));
        if self.seen.contains(&key) {
            return None;
        }
        self.seen.push(key);
        let message = if outcome == Tri::ByDefault {
            format!("{message} — unless the environment overrides the default")
        } else {
            message
        };
        let f = out.emit(rule, &path, span, message);
        if outcome == Tri::ByDefault && f.confidence > Confidence::Medium {
            f.confidence = Confidence::Medium;
        }
        f.fix = Some(fix);
        Some(f)
    }
}

/// A value as messages show it: a literal as written, an environment read with its default.
pub(crate) fn shown(v: &SValue) -> String {
    match v {
        SValue::Env { var, default: Some(d) } => format!("read from `${var}`, defaulting to {}", d.display()),
        SValue::Env { var, default: None } => format!("read from `${var}`"),
        other => other.display(),
    }
}

pub(crate) fn fix(summary: &str, before: &str, after: &str) -> Fix {
    Fix { summary: summary.into(), before: before.into(), after: after.into() }
}

/// A string that only stands in for a real value: empty, a placeholder, a template variable. A
/// secret the sender hid says in its marker whether it looked like one.
pub(crate) fn is_placeholder(s: &str) -> bool {
    match crate::redact::measure(s) {
        Some(m) => m.placeholder,
        None => crate::redact::looks_like_placeholder(s),
    }
}

/// The database aliases of a literal `DATABASES`: (alias, its dict).
pub(crate) fn databases(v: &SValue) -> Vec<(&str, &SValue)> {
    match v {
        SValue::Dict(items) => items
            .iter()
            .filter_map(|(k, v)| Some((k.as_str()?, v)))
            .filter(|(_, v)| matches!(v, SValue::Dict(_)))
            .collect(),
        _ => Vec::new(),
    }
}

/// Any truthy literal of these names in any settings module, or any mention of `text_needle` in
/// the project's Python (`app.conf.worker_max_tasks_per_child = …`): the setting may be set.
pub(crate) fn mentioned(ctx: &ProjectContext<'_, '_>, names: &[&str], text_needle: &str) -> bool {
    ctx.view.settings.modules.iter().any(|m| names.iter().any(|n| m.get(n).is_some()))
        || ctx.view.files.iter().any(|f| f.text.contains(text_needle))
}

/// A setting's value in the first settings module that assigns any of these names.
pub(crate) fn any_setting<'c>(ctx: &'c ProjectContext<'_, '_>, names: &[&str]) -> Option<&'c SValue> {
    let judged = judged(ctx);
    judged
        .iter()
        .chain(ctx.view.settings.modules.iter().collect::<Vec<_>>().iter())
        .find_map(|m| names.iter().find_map(|n| m.get(n)).map(|s| &s.value))
}

/// Whether Celery's late acknowledgement is on anywhere: the setting, or `acks_late=True` on a task.
pub(crate) fn acks_late(ctx: &ProjectContext<'_, '_>) -> Option<String> {
    for name in ["CELERY_TASK_ACKS_LATE", "CELERY_ACKS_LATE", "TASK_ACKS_LATE"] {
        if let Some(v) = ctx.view.settings.modules.iter().find_map(|m| m.get(name)) {
            if deploy::is_true(&v.value) == Tri::Yes {
                return Some(format!("`{name} = True`"));
            }
        }
    }
    for f in ctx.view.files {
        if f.text.contains("acks_late=True") || f.text.contains("task_acks_late = True") {
            return Some(format!("`acks_late=True` in `{}`", f.path));
        }
    }
    None
}
