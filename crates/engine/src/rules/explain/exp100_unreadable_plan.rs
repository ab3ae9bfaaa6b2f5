crate::declare_rule! {
    /// ## What it does
    /// Reports EXPLAIN input that could not be read, at the line where reading stopped. Other plans in
    /// the same paste are still analysed.
    ///
    /// ## Why it matters at scale
    /// A plan that silently parses wrong gives wrong advice; saying where it broke lets the reviewer
    /// fix the paste (often a cut-off line or a missing bracket).
    ///
    /// ## Example
    /// ```text
    /// [{"Plan": {"Node Type": "Seq Scan", "Relation Name": "orders"
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// [{"Plan": {"Node Type": "Seq Scan", "Relation Name": "orders"}}]
    /// ```
    ///
    /// ## Precision
    /// Exact: the reader could not build a plan from the input.
    pub UNREADABLE_PLAN {
        code: "EXP100", name: "unreadable-plan", category: Explain,
        severity: Medium, confidence: High, playbook: "query-plans",
    }
}

/// EXP100: reported by the analysis itself when a plan cannot be read; nothing to check here.
pub fn check(_ctx: &crate::analysis::ProjectContext<'_, '_>, _out: &mut crate::analysis::Emitter) {}
