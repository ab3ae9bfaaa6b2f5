use crate::analysis::{Emitter, ProjectContext};
use crate::explain::tips::TipKind;

crate::declare_rule! {
    /// ## What it does
    /// Finds nodes that run a thousand times or more (the inner side of a nested loop, a correlated
    /// SubPlan) and take at least 10 % of the runtime.
    ///
    /// ## Why it matters at scale
    /// It is the N+1 of the database: a per-row lookup that is cheap alone costs seconds when repeated
    /// for every outer row. The fix is an index lookup per loop, a join in one pass, or, for a
    /// correlated `Subquery()`/`Exists()` annotation, a grouped annotation.
    ///
    /// ## Example
    /// ```text
    /// Nested Loop  (cost=0.00..50000.00 rows=10000 width=64) (actual time=0.050..900.000 rows=10000 loops=1)
    ///   ->  Seq Scan on orders o  (cost=0.00..200.00 rows=10000 width=64) (actual time=0.010..5.000 rows=10000 loops=1)
    ///   ->  Seq Scan on customers c  (cost=0.00..5.00 rows=1 width=8) (actual time=0.080..0.085 rows=1 loops=10000)
    ///         Filter: (id = o.customer_id)
    ///         Rows Removed by Filter: 199
    /// Execution Time: 905.000 ms
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// Hash Join  (cost=10.00..300.00 rows=10000 width=64) (actual time=0.500..12.000 rows=10000 loops=1)
    ///   Hash Cond: (o.customer_id = c.id)
    ///   ->  Seq Scan on orders o  (cost=0.00..200.00 rows=10000 width=64) (actual time=0.010..5.000 rows=10000 loops=1)
    ///   ->  Hash  (cost=5.00..5.00 rows=200 width=8) (actual time=0.100..0.100 rows=200 loops=1)
    ///         ->  Seq Scan on customers c  (cost=0.00..5.00 rows=200 width=8) (actual time=0.010..0.050 rows=200 loops=1)
    /// Execution Time: 13.000 ms
    /// ```
    ///
    /// ## Precision
    /// Only plans with ANALYZE (loops are known); the 10 % floor keeps cheap repeated lookups out.
    pub LOOP_AMPLIFICATION {
        code: "EXP105", name: "loop-amplification", category: Explain,
        severity: High, confidence: Medium, playbook: "query-plans",
    }
}

/// EXP105
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    super::emit_tips(ctx, out, &LOOP_AMPLIFICATION, &[TipKind::Loops]);
}
