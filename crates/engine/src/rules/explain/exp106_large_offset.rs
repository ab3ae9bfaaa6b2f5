use crate::analysis::{Emitter, ProjectContext};
use crate::explain::tips::TipKind;

crate::declare_rule! {
    /// ## What it does
    /// Finds `Limit` nodes whose input produced ten times more rows than they returned (and at least
    /// 1,000): the rows an `OFFSET` skips.
    ///
    /// ## Why it matters at scale
    /// The database produces and discards every skipped row, so page 1,000 of a list costs a thousand
    /// pages. Django's `Paginator` pages deep with OFFSET; crawlers and exports reach those pages.
    ///
    /// ## Example
    /// ```text
    /// Limit  (cost=5000.00..5010.00 rows=20 width=64) (actual time=40.000..40.100 rows=20 loops=1)
    ///   ->  Index Scan using orders_pkey on orders  (cost=0.42..50000.00 rows=1000000 width=64) (actual time=0.010..38.000 rows=100020 loops=1)
    /// Execution Time: 40.200 ms
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// Limit  (cost=0.42..1.00 rows=20 width=64) (actual time=0.020..0.050 rows=20 loops=1)
    ///   ->  Index Scan using orders_pkey on orders  (cost=0.42..50000.00 rows=500000 width=64) (actual time=0.010..0.040 rows=20 loops=1)
    ///         Index Cond: (id > 100000)
    /// Execution Time: 0.080 ms
    /// ```
    ///
    /// ## Precision
    /// A LIMIT over a filter that discards rows looks the same; the tip names it an offset because that
    /// is the common cause in Django lists.
    pub LARGE_OFFSET {
        code: "EXP106", name: "large-offset", category: Explain,
        severity: Medium, confidence: Medium, playbook: "query-plans",
    }
}

/// EXP106
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    super::emit_tips(ctx, out, &LARGE_OFFSET, &[TipKind::LargeOffset]);
}
