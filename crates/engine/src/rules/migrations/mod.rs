//! Migration rules: each turns one kind of risk found by the migration analyser
//! (`crate::migrations`) into findings, with the safe recipe as the fix.

pub mod mig101_blocking_index_build;
pub mod mig102_not_null_without_db_default;
pub mod mig103_table_rewrite;
pub mod mig104_not_null_scan;
pub mod mig105_validated_constraint;
pub mod mig106_drop_while_in_use;
pub mod mig107_rename_while_in_use;
pub mod mig108_primary_key_widening;
pub mod mig109_irreversible_run_python;
pub mod mig110_risky_data_migration;
pub mod mig111_run_sql_without_reverse;
pub mod mig112_concurrent_in_transaction;
pub mod mig113_missing_lock_timeout;

use crate::analysis::{Emitter, ProjectContext};
use crate::migrations::judge::RiskKind;
use crate::report::{Fix, Severity};
use crate::rule::RuleMeta;

/// A finding for each operation carrying `kind`, at the operation, with its recipe as the fix.
/// Severity follows the operation's score: 90+ critical, 60+ high, 25+ medium, else low.
pub(crate) fn emit_risks(ctx: &ProjectContext<'_, '_>, out: &mut Emitter, rule: &'static RuleMeta, kind: RiskKind) {
    for m in ctx.migrations {
        for j in &m.judgements {
            for risk in j.risks.iter().filter(|r| r.kind == kind) {
                let mut message = risk.message.clone();
                if let Some(old) = &j.old_code {
                    message.push_str(&format!(". {old}"));
                }
                let f = out.emit(rule, &m.migration.path, j.span, message);
                // Lock and rewrite risks are as severe as the operation's score; bookkeeping rules
                // (irreversible migrations) keep their own level.
                if rule.severity > Severity::Low {
                    f.severity = match j.score {
                        90.. => Severity::Critical,
                        60..=89 => Severity::High,
                        25..=59 => Severity::Medium,
                        _ => Severity::Low,
                    };
                }
                f.fix = risk.recipe.as_ref().or(j.recipe.as_ref()).map(|recipe| Fix {
                    summary: format!(
                        "Migration score {} ({}): {}",
                        m.score,
                        m.verdict(),
                        "do it in steps that never hold a long lock or break the release still running."
                    ),
                    before: j.source.clone(),
                    after: recipe.clone(),
                });
            }
        }
    }
}
