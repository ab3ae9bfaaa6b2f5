use crate::analysis::{Emitter, ProjectContext};
use crate::migrations::judge::RiskKind;

crate::declare_rule! {
    /// ## What it does
    /// Finds data migrations that will hurt on a large table: `RunPython` functions that write a whole
    /// table in one `update()` or `delete()`, that use models imported from the app instead of
    /// `apps.get_model()`, and `UPDATE`/`DELETE` without `WHERE` in `RunSQL`. (Loops that `save()`
    /// every row are reported by `save-loop-in-transaction`, and count in the migration's score.)
    ///
    /// ## Why it matters at scale
    /// A migration runs in one transaction by default: every row written stays locked until the end,
    /// any exclusive lock taken earlier in the migration is held throughout, and one UPDATE per row
    /// takes hours on millions of rows. Models imported from the app are today's classes, not the
    /// schema at that point of history, so the migration breaks later.
    ///
    /// ## Example
    /// ```python migration
    /// from django.db import migrations
    ///
    ///
    /// def reset_codes(apps, schema_editor):
    ///     Order = apps.get_model("example", "Order")
    ///     Order.objects.update(code=None)
    ///
    ///
    /// class Migration(migrations.Migration):
    ///     dependencies = [("example", "0001_initial")]
    ///     operations = [
    ///         migrations.RunPython(reset_codes, reverse_code=migrations.RunPython.noop),
    ///     ]
    /// ```
    ///
    /// ## Use instead
    /// ```python migration
    /// from django.db import migrations
    ///
    ///
    /// def reset_codes(apps, schema_editor):
    ///     Order = apps.get_model("example", "Order")
    ///     last = 0
    ///     while True:
    ///         ids = list(Order.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:5000])
    ///         if not ids:
    ///             break
    ///         Order.objects.filter(pk__in=ids).update(code=None)
    ///         last = ids[-1]
    ///
    ///
    /// class Migration(migrations.Migration):
    ///     atomic = False  # each batch commits on its own
    ///     dependencies = [("example", "0001_initial")]
    ///     operations = [
    ///         migrations.RunPython(reset_codes, reverse_code=migrations.RunPython.noop),
    ///     ]
    /// ```
    ///
    /// ## Precision
    /// Functions that batch (`iterator()`, `bulk_update`, `batch_size`, slices) are not reported. Loops
    /// over small reference tables are reported too: whether a table is large is not visible, hence
    /// medium confidence.
    /// On the corpus of `docs/rule-precision.md` (1,791 migrations of eight projects): 15
    /// findings; of a random sample of 18 judged, 3 were false before the fixes it led to,
    /// and 0 of the 15 still reported after them (0 %).
    pub RISKY_DATA_MIGRATION {
        code: "MIG110", name: "risky-data-migration", category: Migrations,
        severity: Medium, confidence: Medium, playbook: "online-migrations",
    }
}

/// MIG110
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    super::emit_risks(ctx, out, &RISKY_DATA_MIGRATION, RiskKind::DataMigration);
}
