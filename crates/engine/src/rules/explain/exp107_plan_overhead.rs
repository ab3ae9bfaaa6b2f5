use crate::analysis::{Emitter, ProjectContext};
use crate::explain::tips::TipKind;

crate::declare_rule! {
    /// ## What it does
    /// Finds time spent outside the plan's own work: planning, JIT compilation and triggers taking 10 %
    /// of the runtime or more; fewer parallel workers launched than planned; nodes disabled by an
    /// `enable_*` setting.
    ///
    /// ## Why it matters at scale
    /// Planning and JIT costs are paid on every execution; foreign key triggers run per modified row
    /// and become the bottleneck of bulk writes when the referencing columns are not indexed. A
    /// disabled node means the plan was captured with a setting production does not have.
    ///
    /// ## Example
    /// ```text
    /// Seq Scan on orders  (cost=0.00..200.00 rows=10000 width=64) (actual time=0.010..5.000 rows=10000 loops=1)
    /// Planning Time: 40.000 ms
    /// Execution Time: 6.000 ms
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// Seq Scan on orders  (cost=0.00..200.00 rows=10000 width=64) (actual time=0.010..5.000 rows=10000 loops=1)
    /// Planning Time: 0.200 ms
    /// Execution Time: 6.000 ms
    /// ```
    ///
    /// ## Precision
    /// Exact: the numbers are in the plan.
    pub PLAN_OVERHEAD {
        code: "EXP107", name: "plan-overhead", category: Explain,
        severity: Low, confidence: High, playbook: "query-plans",
    }
}

/// EXP107
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    super::emit_tips(ctx, out, &PLAN_OVERHEAD, &[TipKind::Overhead]);
}
