use crate::analysis::{Emitter, ProjectContext};
use crate::migrations::judge::RiskKind;

crate::declare_rule! {
    /// ## What it does
    /// Finds `RemoveField` and `DeleteModel` (and `DROP COLUMN`/`DROP TABLE` without `IF EXISTS` in
    /// `RunSQL`) that drop data in the same release that stops using it.
    ///
    /// ## Why it matters at scale
    /// Django selects every column of a model by name. During a rolling deploy the previous release is
    /// still running, and every one of its queries on that model fails once the column is gone; a
    /// rollback cannot bring the data back.
    ///
    /// ## Example
    /// ```python migration
    /// from django.db import migrations, models
    ///
    ///
    /// class Migration(migrations.Migration):
    ///     dependencies = [("example", "0001_initial")]
    ///     operations = [
    ///         migrations.RemoveField("order", "code"),
    ///     ]
    /// ```
    ///
    /// ## Use instead
    /// ```python migration
    /// from django.db import migrations, models
    ///
    ///
    /// class Migration(migrations.Migration):
    ///     dependencies = [("example", "0001_initial")]
    ///     operations = [
    ///         migrations.SeparateDatabaseAndState(state_operations=[migrations.RemoveField("order", "code")], database_operations=[]),
    ///     ]
    /// ```
    ///
    /// ## Precision
    /// Removals through `SeparateDatabaseAndState` state operations (no SQL) are not reported, nor
    /// `DROP … IF EXISTS` in `RunSQL`, the usual second step of a staged removal.
    /// On the corpus of `docs/rule-precision.md` (1,791 migrations of eight projects): 180
    /// findings; of a random sample of 25 judged, 1 were false before the fixes it led to,
    /// and 0 of the 18 still reported after them (0 %).
    pub DROP_WHILE_IN_USE {
        code: "MIG106", name: "drop-while-in-use", category: Migrations,
        severity: High, confidence: High, playbook: "online-migrations",
    }
}

/// MIG106
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    super::emit_risks(ctx, out, &DROP_WHILE_IN_USE, RiskKind::DropWhileInUse);
}
