use crate::analysis::{Emitter, ProjectContext};
use crate::explain::tips::TipKind;

crate::declare_rule! {
    /// ## What it does
    /// Finds index scans (and bitmap heap scans) that fetch many rows only to discard most of them in a
    /// filter or an index recheck, and index-only scans that still visit the table for most rows (heap
    /// fetches).
    ///
    /// ## Why it matters at scale
    /// The index narrows the search, but not enough: every discarded row is a random read. A composite
    /// index that also covers the filtered columns, in the right order, turns the scan into a direct
    /// lookup. Heap fetches mean the visibility map is stale, so the index-only scan loses its point.
    ///
    /// ## Example
    /// ```text
    /// Index Scan using orders_customer_idx on orders  (cost=0.43..900.00 rows=50 width=64) (actual time=0.030..95.000 rows=40 loops=1)
    ///   Index Cond: (customer_id = 42)
    ///   Filter: ((status)::text = 'pending'::text)
    ///   Rows Removed by Filter: 48000
    /// Execution Time: 95.100 ms
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// Index Scan using orders_customer_status_idx on orders  (cost=0.43..9.00 rows=50 width=64) (actual time=0.030..0.100 rows=40 loops=1)
    ///   Index Cond: ((customer_id = 42) AND ((status)::text = 'pending'::text))
    /// Execution Time: 0.150 ms
    /// ```
    ///
    /// ## Precision
    /// Reported when over half of the fetched rows are discarded and at least 1,000 are; heap fetches
    /// when they exceed 40 % of the returned rows.
    pub INDEX_FILTER {
        code: "EXP102", name: "index-filter", category: Explain,
        severity: Medium, confidence: Medium, playbook: "query-plans",
    }
}

/// EXP102
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    super::emit_tips(ctx, out, &INDEX_FILTER, &[TipKind::IndexFilter, TipKind::HeapFetches]);
}
