use crate::analysis::{Emitter, ProjectContext};
use crate::explain::tips::TipKind;

crate::declare_rule! {
    /// ## What it does
    /// Finds sequential scans that read a table and discard most of its rows in a filter (over half,
    /// and at least 1,000 rows), and, in plans without ANALYZE, sequential scans with a filter on large
    /// tables.
    ///
    /// ## Why it matters at scale
    /// The whole table is read for a handful of rows: the cost grows with the table, not with the
    /// result. What takes 180 ms on a million rows takes seconds on ten million, and every concurrent
    /// request pays it.
    ///
    /// ## Example
    /// ```text
    /// Seq Scan on orders  (cost=0.00..25000.00 rows=120 width=64) (actual time=0.020..180.500 rows=118 loops=1)
    ///   Filter: ((status)::text = 'pending'::text)
    ///   Rows Removed by Filter: 999882
    /// Planning Time: 0.100 ms
    /// Execution Time: 180.600 ms
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// Index Scan using orders_status_idx on orders  (cost=0.42..8.44 rows=120 width=64) (actual time=0.020..0.300 rows=118 loops=1)
    ///   Index Cond: ((status)::text = 'pending'::text)
    /// Planning Time: 0.100 ms
    /// Execution Time: 0.350 ms
    /// ```
    ///
    /// ## Precision
    /// The fix is an index on the filtered columns, written as an `AddIndexConcurrently` migration on
    /// the model whose table matches (real model and field names when the models are in the review).
    /// Filters that no B-tree can serve (`LIKE '%x%'`, functions of a column) still get the tip; the
    /// index may then need a trigram or expression index, hence medium confidence.
    pub SEQ_SCAN_FILTER {
        code: "EXP101", name: "seq-scan-filter", category: Explain,
        severity: High, confidence: Medium, playbook: "query-plans",
    }
}

/// EXP101
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    super::emit_tips(ctx, out, &SEQ_SCAN_FILTER, &[TipKind::SeqScanFilter]);
}
