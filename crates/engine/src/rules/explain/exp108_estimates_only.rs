use crate::analysis::{Emitter, ProjectContext};
use crate::explain::tips::TipKind;

crate::declare_rule! {
    /// ## What it does
    /// Notes plans pasted without `ANALYZE`: only the planner's estimates are known.
    ///
    /// ## Why it matters at scale
    /// Estimates can be far from what happens; the node that really takes the time is visible only with
    /// actual times. With estimates only, djreview scores tips from cost shares and caps them.
    ///
    /// ## Example
    /// ```text
    /// Seq Scan on orders  (cost=0.00..25000.00 rows=1000000 width=64)
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// Seq Scan on orders  (cost=0.00..25000.00 rows=1000000 width=64) (actual time=0.010..100.000 rows=1000000 loops=1)
    /// Execution Time: 120.000 ms
    /// ```
    ///
    /// ## Precision
    /// Exact.
    pub ESTIMATES_ONLY {
        code: "EXP108", name: "estimates-only", category: Explain,
        severity: Info, confidence: High, playbook: "query-plans",
    }
}

/// EXP108
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    super::emit_tips(ctx, out, &ESTIMATES_ONLY, &[TipKind::NotAnalyzed]);
}
