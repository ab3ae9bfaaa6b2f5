//! `RunPython`: data migrations run inside the deploy, usually in the migration's transaction.

use rustpython_parser::ast::{Expr, Stmt};

use super::judge::{JudgeCtx, Judgement, Risk, RiskKind};
use super::read::{function_body, Operation};
use super::value::PyValue;
use crate::python::names::{chain_has_attr, last_segment};
use crate::python::walk::{walk_body, walk_expr, Visitor};

pub fn judge(ctx: &JudgeCtx<'_>, op: &Operation, j: &mut Judgement) {
    // `RunPython(*pair)` or `RunPython(**kwargs)`: the arguments are not visible.
    if op.call.args.iter().any(|a| matches!(a, PyValue::Other(s) if s.starts_with('*')))
        || op.call.source.contains("**")
    {
        j.score = 15;
        j.reasons.push(
            "The arguments are built by code (`*args`): what runs and whether it can be reversed is not visible."
                .into(),
        );
        return;
    }
    let code = op.call.arg("code", 0).cloned();
    let reverse = op.call.arg("reverse_code", 1).cloned();
    let name = match &code {
        Some(PyValue::Name(n)) => Some(n.rsplit('.').next().unwrap_or(n).to_string()),
        _ => None,
    };
    j.score = 15;
    j.reasons.push(format!(
        "Runs Python during the deploy{}.",
        if ctx.migration.atomic { ", inside the migration's transaction" } else { "" }
    ));
    if name.as_deref() == Some("noop") {
        j.score = 0;
        return;
    }
    if reverse.is_none() || matches!(reverse, Some(PyValue::None)) {
        j.score = j.score.max(20);
        j.reasons.push(
            "No `reverse_code`: the migration cannot be unapplied, so a rollback of this release stops here.".into(),
        );
        let reversible = format!(
            "migrations.RunPython({}, reverse_code=migrations.RunPython.noop)",
            name.as_deref().unwrap_or("forwards")
        );
        j.risks.push(Risk {
            recipe: Some(reversible),
            kind: RiskKind::RunPythonIrreversible,
            message: format!(
                "`RunPython({})` has no `reverse_code`: `migrate` cannot go back past it",
                name.as_deref().unwrap_or("...")
            ),
        });
    }
    let Some(def) = name.as_deref().and_then(|n| function_body(ctx.file, n)) else { return };
    let scan = scan(&def.body);
    // Today's models in a historical migration.
    let imported: Vec<&str> = ctx
        .migration
        .model_imports
        .iter()
        .map(|(full, _)| full.rsplit('.').next().unwrap_or(full))
        .filter(|short| scan.names.iter().any(|n| n == short) && ctx.models.find(short, None).is_some())
        .collect();
    if !imported.is_empty() {
        j.score = j.score.max(40);
        j.reasons.push(format!(
            "`{}` uses {} imported from the app's models: today's class, not the schema at this point of history, so the migration breaks as the model evolves.",
            def.name,
            imported.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
        ));
        j.risks.push(Risk {
            recipe: None,
            kind: RiskKind::DataMigration,
            message: format!(
                "`{}` imports {} from the app instead of `apps.get_model()`",
                def.name,
                imported.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
            ),
        });
    }
    if scan.writes {
        j.lock = super::judge::Lock::RowExclusive;
    }
    if scan.batched {
        j.reasons.push(format!("`{}` writes in batches.", def.name));
        return;
    }
    if let Some(save) = &scan.save_in_loop {
        j.score = j.score.max(45);
        j.reasons.push(format!(
            "`{}` saves rows one by one in a loop ({save}): one UPDATE per row, all in one transaction that keeps every row lock until it commits.",
            def.name
        ));
        // Reported as a finding by `save-loop-in-transaction` (TXN103), which knows the loop.
        j.recipe = Some(format!(
            "def {}(apps, schema_editor):\n    Model = apps.get_model(\"{}\", \"<Model>\")\n    batch = []\n    for obj in Model.objects.only(\"pk\", \"<field>\").iterator(chunk_size=2000):\n        obj.<field> = ...\n        batch.append(obj)\n        if len(batch) == 2000:\n            Model.objects.bulk_update(batch, [\"<field>\"])\n            batch.clear()\n    Model.objects.bulk_update(batch, [\"<field>\"])",
            def.name, ctx.migration.app
        ));
    } else if let Some(update) = &scan.whole_table_write {
        j.score = j.score.max(45);
        j.reasons.push(format!(
            "`{}` updates a whole table in one statement ({update}): every row is locked and rewritten in one transaction.",
            def.name
        ));
        j.risks.push(Risk {
            recipe: None,
            kind: RiskKind::DataMigration,
            message: format!("`{}` writes a whole table in one statement ({update})", def.name),
        });
    }
}

#[derive(Default)]
struct Scan {
    names: Vec<String>,
    writes: bool,
    save_in_loop: Option<String>,
    whole_table_write: Option<String>,
    batched: bool,
}

fn scan(body: &[Stmt]) -> Scan {
    struct V {
        loop_depth: u32,
        out: Scan,
    }
    impl<'a> Visitor<'a> for V {
        fn visit_stmt(&mut self, s: &'a Stmt) {
            let is_loop = matches!(s, Stmt::For(_) | Stmt::While(_));
            if is_loop {
                self.loop_depth += 1;
            }
            crate::python::walk::walk_stmt(self, s);
            if is_loop {
                self.loop_depth -= 1;
            }
        }
        fn visit_expr(&mut self, e: &'a Expr) {
            match e {
                Expr::Name(n) => self.out.names.push(n.id.to_string()),
                Expr::Call(c) => {
                    let method = last_segment(&c.func).unwrap_or("");
                    // Writes in batches; `iterator()` alone only streams the reads.
                    if matches!(method, "bulk_update" | "bulk_create")
                        || c.keywords.iter().any(|k| k.arg.as_deref().is_some_and(|a| a.contains("batch")))
                    {
                        self.out.batched = true;
                    }
                    if matches!(method, "save" | "update" | "delete" | "create" | "get_or_create" | "update_or_create")
                    {
                        self.out.writes = true;
                    }
                    if method == "save" && self.loop_depth > 0 && self.out.save_in_loop.is_none() {
                        self.out.save_in_loop = Some("`.save()` inside a loop".to_string());
                    }
                    if matches!(method, "update" | "delete") {
                        if let Expr::Attribute(a) = c.func.as_ref() {
                            let filtered = chain_has_attr(&a.value, "filter") || chain_has_attr(&a.value, "exclude");
                            if chain_has_attr(&a.value, "objects") && !filtered && self.out.whole_table_write.is_none()
                            {
                                self.out.whole_table_write = Some(format!("`.{method}()` with no filter"));
                            }
                        }
                    }
                }
                Expr::Subscript(s) if matches!(s.slice.as_ref(), Expr::Slice(_)) => self.out.batched = true,
                _ => {}
            }
            walk_expr(self, e);
        }
    }
    let mut v = V { loop_depth: 0, out: Scan::default() };
    walk_body(&mut v, body);
    v.out
}
