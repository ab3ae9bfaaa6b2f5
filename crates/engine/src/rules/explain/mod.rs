//! Plan rules: each turns one kind of EXPLAIN tip into findings, at the plan node's line, with the
//! Django change as the fix.

pub mod exp100_unreadable_plan;
pub mod exp101_seq_scan_filter;
pub mod exp102_index_filter;
pub mod exp103_spill_to_disk;
pub mod exp104_row_misestimate;
pub mod exp105_loop_amplification;
pub mod exp106_large_offset;
pub mod exp107_plan_overhead;
pub mod exp108_estimates_only;

use crate::analysis::{Emitter, ProjectContext};
use crate::explain::tips::TipKind;
use crate::report::{Fix, Severity};
use crate::rule::RuleMeta;
use crate::text::Span;

/// A finding for each tip of `kinds` scoring 0.5 or more (lower scores are noise, as pgMustard
/// found). Severity follows the score: 4+ high, 2.5+ medium, else low.
pub(crate) fn emit_tips(ctx: &ProjectContext<'_, '_>, out: &mut Emitter, rule: &'static RuleMeta, kinds: &[TipKind]) {
    for p in ctx.plans {
        for tip in p.tips.iter().filter(|t| kinds.contains(&t.kind) && t.score >= 0.5) {
            let message = format!("{} (score {:.1}/5): {}", tip.title, tip.score, tip.detail);
            let f = out.emit(rule, &p.path, Span::point(tip.line.max(1), 1), message);
            if rule.severity > Severity::Info {
                f.severity = if tip.score >= 4.0 {
                    Severity::High
                } else if tip.score >= 2.5 {
                    Severity::Medium
                } else {
                    Severity::Low
                };
            }
            f.fix = tip.fix.as_ref().map(|after| Fix {
                summary: "In Django terms:".into(),
                before: String::new(),
                after: after.clone(),
            });
        }
    }
}
