use crate::analysis::{Emitter, ProjectContext};
use crate::migrations::judge::RiskKind;

crate::declare_rule! {
    /// ## What it does
    /// Finds operations that PostgreSQL refuses inside a transaction, in a migration that runs in one
    /// (`atomic` is not `False`): `AddIndexConcurrently`, `RemoveIndexConcurrently`, and
    /// `CONCURRENTLY`, `VACUUM` or (before PostgreSQL 12) `ALTER TYPE … ADD VALUE` in `RunSQL`.
    ///
    /// ## Why it matters at scale
    /// The migration fails in the deploy with `CREATE INDEX CONCURRENTLY cannot run inside a
    /// transaction block`, leaving the release half-deployed.
    ///
    /// ## Example
    /// ```python migration
    /// from django.contrib.postgres.operations import AddIndexConcurrently
    /// from django.db import migrations, models
    ///
    ///
    /// class Migration(migrations.Migration):
    ///     dependencies = [("example", "0001_initial")]
    ///     operations = [
    ///         AddIndexConcurrently("order", models.Index(fields=["code"], name="order_code_idx")),
    ///     ]
    /// ```
    ///
    /// ## Use instead
    /// ```python migration
    /// from django.contrib.postgres.operations import AddIndexConcurrently
    /// from django.db import migrations, models
    ///
    ///
    /// class Migration(migrations.Migration):
    ///     atomic = False
    ///     dependencies = [("example", "0001_initial")]
    ///     operations = [
    ///         AddIndexConcurrently("order", models.Index(fields=["code"], name="order_code_idx")),
    ///     ]
    /// ```
    ///
    /// ## Precision
    /// Exact for the operations; `RunSQL` is read statement by statement.
    /// On the corpus of `docs/rule-precision.md` (1,791 migrations of eight projects): no findings;
    /// precision rests on the fixtures' positives and near misses.
    pub CONCURRENT_IN_TRANSACTION {
        code: "MIG112", name: "concurrent-in-transaction", category: Migrations,
        severity: Critical, confidence: High, playbook: "online-migrations",
    }
}

/// MIG112
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    super::emit_risks(ctx, out, &CONCURRENT_IN_TRANSACTION, RiskKind::ConcurrentInTransaction);
}
