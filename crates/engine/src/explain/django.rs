//! Plan findings in Django terms: the model behind a table, and the migration or queryset change.

use super::tips::{Tip, TipKind};
use crate::facts::models::{Model, ModelIndex};
use crate::text::Case;

/// The model whose table is `table` (`Meta.db_table`, else `app_label_modelname`).
pub fn model_for_table<'m>(models: &'m ModelIndex, table: &str) -> Option<&'m Model> {
    let table = table.rsplit('.').next().unwrap_or(table).trim_matches('"');
    models.models.iter().find(|m| {
        !m.is_abstract
            && match &m.db_table {
                Some(t) => t == table,
                None => format!("{}_{}", m.app_label, m.name.lowercase()) == table,
            }
    })
}

/// Writes each tip's fix as Django code, naming the real model and fields when the project has them.
pub fn add_fixes(tips: &mut [Tip], models: &ModelIndex) {
    for tip in tips.iter_mut() {
        let model = tip.table.as_deref().and_then(|t| model_for_table(models, t));
        let table = tip.table.clone().unwrap_or_else(|| "<table>".into());
        // Columns as model fields (`customer_id` → `customer`) when the model is known.
        let fields: Vec<String> = tip
            .columns
            .iter()
            .map(|c| match model {
                Some(m) => m
                    .fields
                    .iter()
                    .find(|f| f.name == *c || format!("{}_id", f.name) == *c)
                    .map(|f| f.name.clone())
                    .unwrap_or_else(|| c.clone()),
                None => c.clone(),
            })
            .collect();
        let lower = model.map(|m| m.name.lowercase()).unwrap_or_else(|| format!("<model of {table}>"));
        let index_name = {
            let stem = model.map(|m| m.name.lowercase()).unwrap_or_else(|| table.clone());
            let base = format!(
                "{}_{}_idx",
                short(&stem, 10),
                fields.iter().map(|f| short(f, 8)).collect::<Vec<_>>().join("_")
            );
            base.chars().take(30).collect::<String>()
        };
        let fields_list = fields.iter().map(|f| format!("\"{f}\"")).collect::<Vec<_>>().join(", ");
        let where_model = match model {
            Some(m) => format!("# `{}` in {}", m.name, m.path),
            None => format!("# the model whose table is `{table}` (paste its models.py to get the real names)"),
        };
        tip.fix = match tip.kind {
            TipKind::SeqScanFilter | TipKind::IndexFilter | TipKind::Loops if !fields.is_empty() => Some(format!(
                "{where_model}\nfrom django.contrib.postgres.operations import AddIndexConcurrently\nfrom django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    atomic = False  # CONCURRENTLY cannot run in a transaction\n    dependencies = [...]\n    operations = [\n        AddIndexConcurrently(\"{lower}\", models.Index(fields=[{fields_list}], name=\"{index_name}\")),\n    ]\n# and in the model: class Meta: indexes = [models.Index(fields=[{fields_list}], name=\"{index_name}\")]"
            )),
            TipKind::Loops => Some(
                "# Fetch the related rows in one query instead of one per row:\nqs = Model.objects.select_related(\"<fk>\")          # to-one relations\nqs = Model.objects.prefetch_related(\"<related>\")  # to-many relations".into(),
            ),
            TipKind::LargeOffset => Some(
                "# Keyset pagination: remember the last key instead of skipping rows\npage = Model.objects.filter(pk__gt=last_pk).order_by(\"pk\")[:page_size]".into(),
            ),
            TipKind::Spill if tip.title.starts_with("Sort") => Some(
                "# Either an index in the order the query sorts by (Meta.indexes / AddIndexConcurrently),\n# or more memory for this query only:\nwith connection.cursor() as cursor:\n    cursor.execute(\"SET LOCAL work_mem = '64MB'\")  # inside transaction.atomic()".into(),
            ),
            TipKind::Spill => Some(
                "with transaction.atomic(), connection.cursor() as cursor:\n    cursor.execute(\"SET LOCAL work_mem = '64MB'\")\n    rows = list(qs)".into(),
            ),
            TipKind::Misestimate => Some(
                "# Refresh or extend the statistics the planner uses:\nmigrations.RunSQL(\"ANALYZE <table>\", migrations.RunSQL.noop)\n# correlated columns:\nmigrations.RunSQL(\n    \"CREATE STATISTICS <name> (dependencies) ON <col_a>, <col_b> FROM <table>\",\n    reverse_sql=\"DROP STATISTICS <name>\",\n)".into(),
            ),
            _ => None,
        };
        if let (Some(fix), Some(m)) = (&mut tip.fix, model) {
            if matches!(tip.kind, TipKind::LargeOffset) || (matches!(tip.kind, TipKind::Loops) && fields.is_empty()) {
                *fix = fix.replace("Model.objects", &format!("{}.objects", m.name));
            }
        }
    }
}

fn short(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}
