use crate::analysis::{Emitter, PyContext};
use crate::facts::settings::SValue;
use crate::report::Fix;

crate::declare_rule! {
    /// ## What it does
    /// Reports `USE_TZ = False` in the project's settings.
    ///
    /// ## Why it matters at scale
    /// Without time-zone support Django stores local wall-clock times. Every daylight-saving change
    /// repeats or skips an hour of data, servers in different zones disagree, and moving to aware
    /// datetimes later means migrating every datetime column and every piece of code that builds one.
    ///
    /// ## Example
    /// ```python settings
    /// USE_TZ = False
    /// TIME_ZONE = "Europe/Berlin"
    /// INSTALLED_APPS = ["django.contrib.contenttypes"]
    /// ```
    ///
    /// ## Use instead
    /// ```python settings
    /// USE_TZ = True
    /// TIME_ZONE = "Europe/Berlin"
    /// INSTALLED_APPS = ["django.contrib.contenttypes"]
    /// ```
    /// Store UTC, convert at the edges (`timezone.localtime()`, the `|date` filter with the user's
    /// zone activated).
    ///
    /// ## Precision
    /// Exact: the setting is a literal `False` in a settings module.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// no findings; precision rests on the fixtures' positives and near misses.
    pub USE_TZ_DISABLED {
        code: "TIM103", name: "use-tz-disabled", category: Time,
        severity: Medium, confidence: High, playbook: "time-and-locale",
    }
}

/// TIM103
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    for m in &ctx.view.settings.modules {
        let Some(s) = m.get("USE_TZ").filter(|s| s.path == ctx.path() && s.value == SValue::Bool(false)) else {
            continue;
        };
        let f = out.emit(
            &USE_TZ_DISABLED,
            ctx.path(),
            s.span,
            "`USE_TZ = False`: datetimes are stored as local wall-clock time, so DST changes and servers in other zones corrupt them",
        );
        f.fix = Some(Fix {
            summary: "Turn time-zone support on and store UTC.".into(),
            before: "USE_TZ = False".into(),
            after: "USE_TZ = True".into(),
        });
        return;
    }
}
