//! Time-zone rules: naive datetimes in a project that stores aware ones.

pub mod tim101_naive_datetime;
pub mod tim102_naive_datetime_literal;
pub mod tim103_use_tz_disabled;

use crate::analysis::PyContext;
use crate::facts::settings::SValue;

/// Whether the project's settings explicitly turn time-zone support off (then naive is the norm).
pub(crate) fn tz_disabled(ctx: &PyContext<'_, '_>) -> bool {
    ctx.view.settings.lookup("USE_TZ").is_some_and(|s| s.value == SValue::Bool(false))
}
