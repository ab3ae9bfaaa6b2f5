use super::{fix, judged, Reporter};
use crate::analysis::{Emitter, ProjectContext};
use crate::facts::deploy::Tri;

crate::declare_rule! {
    /// ## What it does
    /// Reports a settings module a deployment loads that never sets `TIME_ZONE`, so Django uses its
    /// global default, `"America/Chicago"`.
    ///
    /// ## Why it matters at scale
    /// With `USE_TZ = True` the database stores UTC, but `TIME_ZONE` is still the zone templates and
    /// forms show by default, the zone `__date`/`__hour` lookups and `TruncDay` group by, the zone
    /// naive datetimes are read in, and the zone Celery beat's crontabs follow unless told
    /// otherwise. A project that never chose gets Chicago: daily reports cut at 06:00 UTC and
    /// schedules shift with US daylight saving.
    ///
    /// ## Example
    /// ```python settings
    /// USE_TZ = True
    /// INSTALLED_APPS = ["django.contrib.contenttypes"]
    /// ```
    ///
    /// ## Use instead
    /// ```python settings
    /// USE_TZ = True
    /// TIME_ZONE = "UTC"
    /// INSTALLED_APPS = ["django.contrib.contenttypes"]
    /// ```
    /// Choose UTC for servers and activate each user's zone per request (`timezone.activate`), or
    /// name the business's zone deliberately.
    ///
    /// ## Precision
    /// Exact: the setting is absent from the module and everything it imports (a star import of a
    /// module not in the input may set it; then nothing is reported).
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines): no
    /// findings (few deployment files and literal settings there); precision rests on the unit
    /// tests' positives and near misses.
    pub TIME_ZONE_DEFAULT {
        code: "CFG107", name: "time-zone-default", category: Time,
        severity: Low, confidence: High, playbook: "time-and-locale",
    }
}

/// CFG107
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    let mut reporter = Reporter::default();
    for m in judged(ctx) {
        if m.get("TIME_ZONE").is_some() || m.overridable_by("TIME_ZONE").is_some() {
            continue;
        }
        reporter.report(
            out,
            &TIME_ZONE_DEFAULT,
            m,
            "TIME_ZONE",
            Tri::Yes,
            format!("`TIME_ZONE` is not set in `{}`, so Django's default \"America/Chicago\" decides date lookups, truncation, form and template display and naive datetimes", m.path),
            fix("Choose the zone explicitly.", "", "TIME_ZONE = \"UTC\""),
        );
    }
}
