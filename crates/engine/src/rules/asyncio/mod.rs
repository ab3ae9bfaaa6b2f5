//! Async/sync discipline: blocking work inside `async def`.

pub mod asy101_sync_orm_in_async;
pub mod asy102_blocking_call_in_async;

use crate::analysis::PyContext;
use crate::facts::code::Call;

/// Whether a call runs synchronously inside an `async def` (not awaited, not handed off).
pub(crate) fn runs_in_event_loop(ctx: &PyContext<'_, '_>, c: &Call<'_>) -> bool {
    let Some(f) = c.function else { return false };
    ctx.code().function(f).is_async && !c.deferred && !c.awaited
}
