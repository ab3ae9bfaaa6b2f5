use crate::analysis::{Emitter, ProjectContext};
use crate::explain::tips::TipKind;

crate::declare_rule! {
    /// ## What it does
    /// Finds work that did not fit in memory: sorts using an external merge or sort on disk, hash joins
    /// split into several batches, hash aggregates writing to disk, and bitmap scans gone lossy.
    ///
    /// ## Why it matters at scale
    /// Spilling turns memory work into disk I/O, often ten times slower, and under concurrency the
    /// temporary files compete with everything else on the disk. The usual fixes are an index that
    /// delivers rows in the needed order, or more `work_mem` for that query only.
    ///
    /// ## Example
    /// ```text
    /// Sort  (cost=150000.00..152500.00 rows=1000000 width=64) (actual time=900.000..1200.000 rows=1000000 loops=1)
    ///   Sort Key: created_at
    ///   Sort Method: external merge  Disk: 72000kB
    ///   ->  Seq Scan on orders  (cost=0.00..25000.00 rows=1000000 width=64) (actual time=0.010..100.000 rows=1000000 loops=1)
    /// Execution Time: 1300.000 ms
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// Index Scan using orders_created_at_idx on orders  (cost=0.42..40000.00 rows=1000000 width=64) (actual time=0.010..300.000 rows=1000000 loops=1)
    /// Execution Time: 350.000 ms
    /// ```
    ///
    /// ## Precision
    /// Exact: PostgreSQL reports the spill. The score weighs it by the node's share of the runtime.
    pub SPILL_TO_DISK {
        code: "EXP103", name: "spill-to-disk", category: Explain,
        severity: Medium, confidence: High, playbook: "query-plans",
    }
}

/// EXP103
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    super::emit_tips(ctx, out, &SPILL_TO_DISK, &[TipKind::Spill]);
}
