use crate::analysis::{Emitter, ProjectContext};
use crate::migrations::judge::RiskKind;

crate::declare_rule! {
    /// ## What it does
    /// Finds `AlterField` that widens a primary key other tables reference, typically `AutoField` →
    /// `BigAutoField` after changing `DEFAULT_AUTO_FIELD`.
    ///
    /// ## Why it matters at scale
    /// Django drops every foreign key that points at the key, rewrites the table and every referencing
    /// table with all their indexes under ACCESS EXCLUSIVE, and re-validates each constraint. On a
    /// central table (users, orders) that is the whole database locked for the length of several
    /// rewrites.
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
    ///             name="Customer",
    ///             fields=[("id", models.AutoField(primary_key=True, serialize=False))],
    ///         ),
    ///         migrations.CreateModel(
    ///             name="Order",
    ///             fields=[
    ///                 ("id", models.AutoField(primary_key=True, serialize=False)),
    ///                 ("customer", models.ForeignKey(on_delete=models.CASCADE, to="example.customer")),
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
    ///         migrations.AlterField("customer", "id", models.BigAutoField(primary_key=True, serialize=False)),
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
    ///             name="Customer",
    ///             fields=[("id", models.AutoField(primary_key=True, serialize=False))],
    ///         ),
    ///         migrations.CreateModel(
    ///             name="Order",
    ///             fields=[
    ///                 ("id", models.AutoField(primary_key=True, serialize=False)),
    ///                 ("customer", models.ForeignKey(on_delete=models.CASCADE, to="example.customer")),
    ///             ],
    ///         ),
    ///     ]
    /// ```
    /// ```python
    /// from django.apps import AppConfig
    ///
    ///
    /// class ExampleConfig(AppConfig):
    ///     name = "example"
    ///     # Keep the existing key type; widen it later online with a shadow column if it ever runs out.
    ///     default_auto_field = "django.db.models.AutoField"
    /// ```
    /// ```python migration
    /// from django.db import migrations
    ///
    ///
    /// class Migration(migrations.Migration):
    ///     dependencies = [("example", "0001_initial")]
    ///     operations = []  # no AlterField of the key
    /// ```
    ///
    /// ## Precision
    /// Needs the referencing models in the replayed history; without them the change is reported as a
    /// single-table rewrite (`table-rewrite`).
    /// On the corpus of `docs/rule-precision.md` (1,791 migrations of eight projects): 34
    /// findings; of a random sample of 25 judged, 0 were false before the fixes it led to,
    /// and 0 of the 25 still reported after them (0 %).
    pub PRIMARY_KEY_WIDENING {
        code: "MIG108", name: "primary-key-widening", category: Migrations,
        severity: Critical, confidence: High, playbook: "online-migrations",
    }
}

/// MIG108
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    super::emit_risks(ctx, out, &PRIMARY_KEY_WIDENING, RiskKind::KeyWidening);
}
