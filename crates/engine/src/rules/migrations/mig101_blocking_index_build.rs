use crate::analysis::{Emitter, ProjectContext};
use crate::migrations::judge::RiskKind;

crate::declare_rule! {
    /// ## What it does
    /// Finds index builds on existing tables that hold a blocking lock: `AddIndex`, `db_index=True` or
    /// `unique=True` added by `AddField`/`AlterField`, `UniqueConstraint`, `AlterUniqueTogether`,
    /// `AlterIndexTogether`, and `CREATE INDEX` in `RunSQL` without `CONCURRENTLY`.
    ///
    /// ## Why it matters at scale
    /// `CREATE INDEX` holds a SHARE lock for the whole build: every INSERT, UPDATE and DELETE on the
    /// table waits, for minutes on a large table. When the index comes with `AddField` or a UNIQUE
    /// constraint, the lock is ACCESS EXCLUSIVE and reads wait too. Requests pile up behind the lock
    /// and the site stops answering.
    ///
    /// ## Example
    /// ```python migration 0001_initial
    /// from django.db import migrations, models
    ///
    ///
    /// class Migration(migrations.Migration):
    ///     initial = True
    ///     operations = [
    ///         migrations.CreateModel(
    ///             name="Order",
    ///             fields=[
    ///                 ("id", models.BigAutoField(primary_key=True, serialize=False)),
    ///                 ("code", models.CharField(max_length=20, null=True)),
    ///             ],
    ///         ),
    ///     ]
    /// ```
    /// ```python migration
    /// from django.db import migrations, models
    ///
    ///
    /// class Migration(migrations.Migration):
    ///     dependencies = [("example", "0001_initial")]
    ///     operations = [
    ///         migrations.AddIndex("order", models.Index(fields=["code"], name="order_code_idx")),
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
    /// Tables created earlier in the same migration are empty and not reported. Severity follows the
    /// lock: high when reads are blocked too, medium when only writes are.
    /// On the corpus of `docs/rule-precision.md` (1,791 migrations of eight projects): 377
    /// findings; of a random sample of 25 judged, 1 were false before the fixes it led to,
    /// and 0 of the 24 still reported after them (0 %).
    pub BLOCKING_INDEX_BUILD {
        code: "MIG101", name: "blocking-index-build", category: Migrations,
        severity: High, confidence: High, playbook: "online-migrations",
    }
}

/// MIG101
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    super::emit_risks(ctx, out, &BLOCKING_INDEX_BUILD, RiskKind::IndexBuild);
}
