use crate::analysis::{Emitter, ProjectContext};
use crate::migrations::judge::RiskKind;

crate::declare_rule! {
    /// ## What it does
    /// Finds `RunSQL` without `reverse_sql`. (Blocking statements inside `RunSQL` are reported by the
    /// rule for what they do: index builds, rewrites, validated constraints...)
    ///
    /// ## Why it matters at scale
    /// A migration that cannot be unapplied blocks `migrate` backwards, so a bad release cannot be
    /// rolled back through its migrations.
    ///
    /// ## Example
    /// ```python migration
    /// from django.db import migrations, models
    ///
    ///
    /// class Migration(migrations.Migration):
    ///     dependencies = [("example", "0001_initial")]
    ///     operations = [
    ///         migrations.RunSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm"),
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
    ///         migrations.RunSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop),
    ///     ]
    /// ```
    ///
    /// ## Precision
    /// Exact: the argument is missing.
    /// On the corpus of `docs/rule-precision.md` (1,791 migrations of eight projects): no findings;
    /// precision rests on the fixtures' positives and near misses.
    pub RUN_SQL_WITHOUT_REVERSE {
        code: "MIG111", name: "run-sql-without-reverse", category: Migrations,
        severity: Low, confidence: High, playbook: "online-migrations",
    }
}

/// MIG111
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    super::emit_risks(ctx, out, &RUN_SQL_WITHOUT_REVERSE, RiskKind::RunSqlStatement);
}
