use crate::analysis::{Emitter, ProjectContext};
use crate::explain::tips::TipKind;

crate::declare_rule! {
    /// ## What it does
    /// Finds nodes whose row estimate is off by ten times or more (per loop), ignoring tiny counts
    /// (fewer than 10 rows on both sides).
    ///
    /// ## Why it matters at scale
    /// The planner chooses join methods and scan types from its estimates; a 100× misestimate leads to
    /// nested loops over millions of rows or hash tables sized for a handful. Stale statistics and
    /// correlated columns are the usual causes.
    ///
    /// ## Example
    /// ```text
    /// Hash Join  (cost=10.00..20.00 rows=10 width=64) (actual time=1.000..80.000 rows=50000 loops=1)
    ///   Hash Cond: (o.customer_id = c.id)
    ///   ->  Seq Scan on orders o  (cost=0.00..8.00 rows=10 width=64) (actual time=0.010..30.000 rows=50000 loops=1)
    ///   ->  Hash  (cost=1.00..1.00 rows=10 width=8) (actual time=0.100..0.100 rows=10 loops=1)
    ///         ->  Seq Scan on customers c  (cost=0.00..1.00 rows=10 width=8) (actual time=0.010..0.050 rows=10 loops=1)
    /// Execution Time: 85.000 ms
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// Hash Join  (cost=1500.00..3500.00 rows=50000 width=64) (actual time=1.000..80.000 rows=50000 loops=1)
    ///   Hash Cond: (o.customer_id = c.id)
    ///   ->  Seq Scan on orders o  (cost=0.00..1000.00 rows=50000 width=64) (actual time=0.010..30.000 rows=50000 loops=1)
    ///   ->  Hash  (cost=1.00..1.00 rows=10 width=8) (actual time=0.100..0.100 rows=10 loops=1)
    ///         ->  Seq Scan on customers c  (cost=0.00..1.00 rows=10 width=8) (actual time=0.010..0.050 rows=10 loops=1)
    /// Execution Time: 85.000 ms
    /// ```
    ///
    /// ## Precision
    /// Low severity: a misestimate is a cause, not a cost; the tip's score follows the share of the
    /// runtime under the node.
    pub ROW_MISESTIMATE {
        code: "EXP104", name: "row-misestimate", category: Explain,
        severity: Low, confidence: Medium, playbook: "query-plans",
    }
}

/// EXP104
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    super::emit_tips(ctx, out, &ROW_MISESTIMATE, &[TipKind::Misestimate]);
}
