use crate::analysis::{Emitter, ProjectContext};
use crate::migrations::judge::RiskKind;

crate::declare_rule! {
    /// ## What it does
    /// Finds operations that make PostgreSQL rewrite a whole table under ACCESS EXCLUSIVE: column type
    /// changes that are not binary-compatible (judged against the previous definition), a volatile
    /// `db_default` (`RandomUUID()`), collation changes, defaults before PostgreSQL 11, and `ALTER
    /// COLUMN … TYPE`, `CLUSTER` or volatile defaults in `RunSQL`.
    ///
    /// ## Why it matters at scale
    /// A rewrite copies every row and rebuilds every index while reads and writes wait: a few seconds
    /// per GB, so minutes of downtime on a large table. Growing a `varchar`, `varchar` → `text` or
    /// adding precision are free; `int` → `bigint` or shrinking a `varchar` are not.
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
    ///         migrations.AlterField("order", "code", models.IntegerField(null=True)),
    ///     ]
    /// ```
    ///
    /// ## Use instead
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
    ///         migrations.AddField("order", "code_number", models.IntegerField(null=True)),
    ///     ]
    /// ```
    ///
    /// ## Precision
    /// The previous definition comes from replaying the app's migrations in the input; without it an
    /// `AlterField` is reported as unknown by the migration report (not by this rule) and the file to
    /// paste is named. `PositiveIntegerField` and similar checks are compared by column type only.
    /// On the corpus of `docs/rule-precision.md` (1,791 migrations of eight projects): 75
    /// findings; of a random sample of 25 judged, 4 were false before the fixes it led to,
    /// and 1 of the 22 still reported after them (5 %).
    pub TABLE_REWRITE {
        code: "MIG103", name: "table-rewrite", category: Migrations,
        severity: High, confidence: High, playbook: "online-migrations",
    }
}

/// MIG103
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    super::emit_risks(ctx, out, &TABLE_REWRITE, RiskKind::Rewrite);
}
