use crate::analysis::{Emitter, ProjectContext};
use crate::migrations::judge::RiskKind;

crate::declare_rule! {
    /// ## What it does
    /// Finds `RenameField`, `RenameModel`, `AlterModelTable` and `db_column` changes that rename a
    /// column or table in the database, and `RENAME` in `RunSQL`.
    ///
    /// ## Why it matters at scale
    /// The previous release still serving traffic during the deploy queries the old name and fails at
    /// once; so does a rollback to it.
    ///
    /// ## Example
    /// ```python migration
    /// from django.db import migrations, models
    ///
    ///
    /// class Migration(migrations.Migration):
    ///     dependencies = [("example", "0001_initial")]
    ///     operations = [
    ///         migrations.RenameField("order", "code", "reference"),
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
    ///         migrations.SeparateDatabaseAndState(state_operations=[migrations.RenameField("order", "code", "reference")], database_operations=[]),
    ///     ]
    /// ```
    ///
    /// ## Precision
    /// Renames that keep the database name (`db_column`, `Meta.db_table`) emit no SQL and are not
    /// reported.
    /// On the corpus of `docs/rule-precision.md` (1,791 migrations of eight projects): 80
    /// findings; of a random sample of 25 judged, 2 were false before the fixes it led to,
    /// and 2 of the 25 still reported after them (8 %).
    pub RENAME_WHILE_IN_USE {
        code: "MIG107", name: "rename-while-in-use", category: Migrations,
        severity: High, confidence: High, playbook: "online-migrations",
    }
}

/// MIG107
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    super::emit_risks(ctx, out, &RENAME_WHILE_IN_USE, RiskKind::RenameWhileInUse);
}
