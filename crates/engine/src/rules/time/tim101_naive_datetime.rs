use crate::analysis::{Emitter, PyContext};
use crate::facts::code::has_keyword;
use crate::report::Fix;

crate::declare_rule! {
    /// ## What it does
    /// Finds calls that produce naive datetimes or server-local dates: `datetime.now()` and
    /// `datetime.today()` without a time zone, `datetime.utcnow()`, `datetime.utcfromtimestamp()`,
    /// `datetime.fromtimestamp()` and `date.fromtimestamp()` without `tz`, and `date.today()`.
    ///
    /// ## Why it matters at scale
    /// With `USE_TZ = True` (Django's default) the database stores aware UTC datetimes. A naive value
    /// is interpreted in the server's local zone, which differs between a laptop, CI and each
    /// container; comparing it with an aware value raises `TypeError`; saving it logs a
    /// `RuntimeWarning` and shifts it by hours. `date.today()` is the server's date, not the user's,
    /// so around midnight reports, billing cut-offs and expiry checks are off by a day.
    ///
    /// ## Example
    /// ```python
    /// from datetime import datetime
    ///
    /// def is_expired(token):
    ///     return token.expires_at < datetime.now()
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from django.utils import timezone
    ///
    /// def is_expired(token):
    ///     return token.expires_at < timezone.now()
    /// ```
    /// Use `timezone.localdate()` for today's date in the active time zone, and pass
    /// `tz=datetime.timezone.utc` to `fromtimestamp()`.
    ///
    /// ## Precision
    /// Calls are resolved through the file's imports (`from datetime import datetime`,
    /// `import datetime as dt`). Test files are skipped, and so is everything when the project's
    /// settings set `USE_TZ = False` (reported on its own by `use-tz-disabled`).
    /// Corpus results are in `docs/rule-precision.md`.
    pub NAIVE_DATETIME {
        code: "TIM101", name: "naive-datetime", category: Time,
        severity: Medium, confidence: High, playbook: "time-and-locale",
    }
}

/// TIM101
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    if ctx.is_test_file() || super::tz_disabled(ctx) {
        return;
    }
    for c in &ctx.code().calls {
        let Some(name) = c.name.as_deref() else { continue };
        let call = c.call;
        let has_tz = has_keyword(call, "tz") || has_keyword(call, "tzinfo");
        let func = ctx.source(&*call.func);
        let args: Vec<&str> = call.args.iter().map(|a| ctx.source(a)).collect();
        let (what, after) = match name {
            "datetime.datetime.now" | "datetime.datetime.today" if call.args.is_empty() && !has_tz => {
                ("a naive datetime in the server's local time zone", "timezone.now()".to_string())
            }
            "datetime.datetime.utcnow" => ("a naive datetime (UTC, but without tzinfo)", "timezone.now()".to_string()),
            "datetime.date.today" => {
                ("the server's local date, not the active time zone's", "timezone.localdate()".to_string())
            }
            "datetime.datetime.fromtimestamp" | "datetime.date.fromtimestamp" if call.args.len() < 2 && !has_tz => (
                "a value in the server's local time zone",
                format!("{func}({}, tz=datetime.timezone.utc)", args.join(", ")),
            ),
            "datetime.datetime.utcfromtimestamp" => (
                "a naive datetime (UTC, but without tzinfo)",
                format!("datetime.datetime.fromtimestamp({}, tz=datetime.timezone.utc)", args.join(", ")),
            ),
            _ => continue,
        };
        let short = name.trim_start_matches("datetime.");
        let message = format!(
            "`{}` returns {what}; with `USE_TZ = True` Django stores and compares aware UTC datetimes",
            ctx.source(call)
        );
        let needs_import = after.starts_with("timezone.");
        out.emit(&NAIVE_DATETIME, ctx.path(), ctx.span(call), message).fix = Some(Fix {
            summary: if needs_import {
                format!("Replace `{short}()` with Django's aware equivalent (`from django.utils import timezone`).")
            } else {
                format!("Pass a time zone to `{short}()` so the result is aware.")
            },
            before: ctx.source(call).to_string(),
            after,
        });
    }
}
