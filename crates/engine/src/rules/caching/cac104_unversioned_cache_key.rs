use crate::analysis::{Emitter, PyContext};
use crate::report::Fix;

crate::declare_rule! {
    /// ## What it does
    /// Finds model instances or querysets stored in the cache under a key with no version, when the
    /// cache settings carry no `VERSION` or `KEY_PREFIX` either.
    ///
    /// ## Why it matters at scale
    /// Cached model objects are pickles of a class at one point in time. The deploy that adds a field
    /// or changes a property meets entries written by the previous release: unpickling fails, or
    /// returns objects missing the new field, on every node until the entries expire. A version in
    /// the key makes a deploy read fresh entries instead.
    ///
    /// ## Example
    /// ```python
    /// from django.core.cache import cache
    /// from django.db import models
    ///
    /// class Profile(models.Model):
    ///     bio = models.TextField()
    ///
    /// def profile(pk):
    ///     obj = Profile.objects.get(pk=pk)
    ///     cache.set(f"profile:{pk}", obj, 600)
    ///     return obj
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from django.core.cache import cache
    /// from django.db import models
    ///
    /// class Profile(models.Model):
    ///     bio = models.TextField()
    ///
    /// PROFILE_CACHE_VERSION = 3
    ///
    /// def profile(pk):
    ///     obj = Profile.objects.get(pk=pk)
    ///     cache.set(f"profile:{pk}", obj, 600, version=PROFILE_CACHE_VERSION)
    ///     return obj
    /// ```
    /// Or cache plain values (`values()`, dicts) instead of model instances.
    ///
    /// ## Precision
    /// The cached value must be known to be a model instance or a queryset of a model in the reviewed
    /// files. Keys containing `v<digit>` or `version`, a `version=` argument, or `VERSION`/`KEY_PREFIX`
    /// in `CACHES` silence it.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// no findings; precision rests on the fixtures' positives and near misses.
    pub UNVERSIONED_CACHE_KEY {
        code: "CAC104", name: "unversioned-cache-key", category: Caching,
        severity: Low, confidence: Medium, playbook: "caching",
    }
}

/// CAC104
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    if ctx.queries.cached_objects.is_empty() || settings_version(ctx) {
        return;
    }
    for o in &ctx.queries.cached_objects {
        let key = o.key_text.to_ascii_lowercase();
        let has_version = key.contains("version")
            || key.contains("ver")
            || key.as_bytes().windows(2).any(|w| w[0] == b'v' && w[1].is_ascii_digit());
        if o.versioned || has_version {
            continue;
        }
        let model = &ctx.view.models.get(o.model).name;
        let what = if o.what == "instance" {
            format!("a pickled `{model}` instance")
        } else {
            format!("pickled `{model}` rows")
        };
        let message = format!("`{}` caches {what} under a key with no version: after a deploy that changes `{model}`, old entries break or lack the new fields", o.key_text);
        out.emit(&UNVERSIONED_CACHE_KEY, ctx.path(), o.span, message).fix = Some(Fix {
            summary: "Version the entry (`version=` or a version in the key) and bump it when the model changes, or cache plain values instead of model objects.".into(),
            before: o.call_text.clone(),
            after: format!("{}, version=CACHE_VERSION)", o.call_text.trim_end_matches(')')),
        });
    }
}

/// `VERSION` or `KEY_PREFIX` in any cache of the project's settings.
fn settings_version(ctx: &PyContext<'_, '_>) -> bool {
    ctx.view.settings.modules.iter().any(|m| {
        m.get("CACHES").is_some_and(|c| match &c.value {
            crate::facts::settings::SValue::Dict(items) => {
                items.iter().any(|(_, cfg)| cfg.get("VERSION").is_some() || cfg.get("KEY_PREFIX").is_some())
            }
            _ => true,
        })
    })
}
