use std::collections::HashSet;

use rustpython_parser::ast::{Expr, Stmt};

use crate::analysis::{is_test_path, relative_path, Emitter, ProjectContext};
use crate::facts::code::Role;
use crate::project::FileKind;
use crate::python::walk::{walk_body, walk_stmt, Visitor};
use crate::report::Fix;

crate::declare_rule! {
    /// ## What it does
    /// Finds `obj.save()` without `update_fields` on a row read earlier in the same view or task,
    /// when other code in the project writes chosen columns of that model on its own
    /// (`Order.objects.filter(...).update(status=...)` anywhere, or
    /// `order.save(update_fields=["status"])` in a task, signal receiver or command) and this
    /// function does not set those columns itself.
    ///
    /// ## Why it matters at scale
    /// A plain `save()` writes every column with the values this request read, possibly seconds
    /// ago. When a webhook marks the order paid in between, the request's `save()` puts the old
    /// status back: the payment is lost without any error. Under load the window between the read
    /// and the save is always open somewhere.
    ///
    /// ## Example
    /// ```python
    /// from django.db import models
    ///
    /// class Order(models.Model):
    ///     status = models.CharField(max_length=20)
    ///     note = models.TextField(blank=True)
    ///
    /// def mark_paid(order_id):
    ///     Order.objects.filter(pk=order_id).update(status="paid")
    ///
    /// def edit_note(request, pk):
    ///     order = Order.objects.get(pk=pk)
    ///     order.note = request.POST["note"]
    ///     order.save()
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from django.db import models
    ///
    /// class Order(models.Model):
    ///     status = models.CharField(max_length=20)
    ///     note = models.TextField(blank=True)
    ///
    /// def mark_paid(order_id):
    ///     Order.objects.filter(pk=order_id).update(status="paid")
    ///
    /// def edit_note(request, pk):
    ///     order = Order.objects.get(pk=pk)
    ///     order.note = request.POST["note"]
    ///     order.save(update_fields=["note"])
    /// ```
    /// Or read the row with `select_for_update()` inside `transaction.atomic()` when the new values
    /// depend on the old ones.
    ///
    /// ## Precision
    /// Only saves in views and tasks of rows read in the same function (not just created), not
    /// locked with `select_for_update()`, and only when another function of the project writes a
    /// column of the same model that this function does not assign. Migrations and tests are
    /// ignored on both sides. Whether the two writers can really overlap in time is not visible, so
    /// the rule is medium severity and medium confidence.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// no findings (those projects save with `update_fields` or lock first where it matters);
    /// precision rests on the fixtures' positives and near misses.
    pub FULL_SAVE_OVER_CONCURRENT_WRITES {
        code: "TXN105", name: "full-save-over-concurrent-writes", category: Transactions,
        severity: Medium, confidence: Medium, playbook: "transactions",
    }
}

/// TXN105
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    let view = ctx.view;
    let production = |file: usize| {
        let path = &view.files[file].path;
        view.files[file].kind != FileKind::Migration && !is_test_path(relative_path(path, view.root))
    };
    // Who writes which columns of each model on their own: (model, column) -> (function, file, line).
    let mut writers: Vec<(usize, &str, &str, usize, u32)> = Vec::new();
    for (file, facts) in ctx.queries.iter().enumerate().filter(|(f, _)| production(*f)) {
        let code = &view.code[file];
        for w in &facts.targeted_writes {
            // Writers that run beside request handling: tasks, signal receivers, commands, and
            // queryset `.update()` anywhere (the idiom for writing a column without reading the row).
            let role = w.function.as_deref().and_then(|n| code.functions.iter().find(|f| f.name == n)).map(|f| f.role);
            let queryset_update = w.kind == crate::facts::queries::WriteKind::QuerysetUpdate;
            if !queryset_update && !matches!(role, Some(Role::Task | Role::Receiver | Role::Command)) {
                continue;
            }
            for column in &w.columns {
                writers.push((w.model, column, w.function.as_deref().unwrap_or("<module>"), file, w.span.line));
            }
        }
    }
    if writers.is_empty() {
        return;
    }
    for (file, facts) in ctx.queries.iter().enumerate().filter(|(f, _)| production(*f)) {
        let code = &view.code[file];
        for save in facts.instance_saves.iter().filter(|s| !s.update_fields && !s.locked) {
            // The innermost function around the save, and the view or task it belongs to.
            let Some(id) = (0..code.functions.len())
                .filter(|&i| code.functions[i].range.contains_range(save.range))
                .min_by_key(|&i| code.functions[i].range.len())
            else {
                continue;
            };
            let function = code.function(id);
            let outer = code.function(code.outermost(id));
            if !matches!(outer.role, Role::View | Role::Task) {
                continue;
            }
            let Some(assigned) = assigned_attributes(function.body, &save.var) else { continue };
            let model = view.models.get(save.model);
            let fields: HashSet<&str> = model.fields.iter().map(|f| f.name.as_str()).collect();
            let clobbered: Vec<&(usize, &str, &str, usize, u32)> = writers
                .iter()
                .filter(|(m, column, writer, ..)| {
                    *m == save.model
                        && *writer != function.name
                        && *writer != outer.name
                        && fields.contains(column)
                        && !assigned.contains(column)
                })
                .collect();
            let Some(&&(_, column, writer, writer_file, line)) = clobbered.first() else { continue };
            let mut columns: Vec<&str> = clobbered.iter().map(|w| w.1).collect();
            crate::sort::sort(&mut columns);
            columns.dedup();
            let shown: Vec<String> = columns.iter().take(3).map(|c| format!("`{c}`")).collect();
            let message = format!(
                "`{}` writes every column of `{}` with the values read earlier, including {}, which `{writer}` ({}:{line}) updates on its own: a save from a stale copy puts the old `{column}` back",
                save.text,
                model.name,
                shown.join(", "),
                view.files[writer_file].path,
            );
            let mut mine: Vec<&str> = assigned.iter().copied().filter(|a| fields.contains(a)).collect();
            crate::sort::sort(&mut mine);
            let after = if mine.is_empty() {
                format!("{}.save(update_fields=[...])  # only the columns this code changes", save.var)
            } else {
                format!(
                    "{}.save(update_fields=[{}])",
                    save.var,
                    mine.iter().map(|m| format!("\"{m}\"")).collect::<Vec<_>>().join(", ")
                )
            };
            out.emit(&FULL_SAVE_OVER_CONCURRENT_WRITES, &view.files[file].path, save.span, message).fix = Some(Fix {
                summary: "Save only the columns this code changed, so concurrent writes to the others survive.".into(),
                before: save.text.clone(),
                after,
            });
        }
    }
}

/// The attributes a function assigns on `var` (`var.note = ...`, `var.count += 1`), or `None` when
/// it sets attributes in ways that cannot be read (`setattr`, a form's `save()` into it).
fn assigned_attributes<'a>(body: &'a [Stmt], var: &str) -> Option<HashSet<&'a str>> {
    struct Finder<'a, 'v> {
        var: &'v str,
        found: HashSet<&'a str>,
        opaque: bool,
    }
    impl<'a> Finder<'a, '_> {
        fn target(&mut self, t: &'a Expr) {
            match t {
                Expr::Attribute(a) if matches!(a.value.as_ref(), Expr::Name(n) if n.id.as_str() == self.var) => {
                    self.found.insert(a.attr.as_str());
                }
                Expr::Tuple(t) => t.elts.iter().for_each(|e| self.target(e)),
                _ => {}
            }
        }
    }
    impl<'a> Visitor<'a> for Finder<'a, '_> {
        fn visit_stmt(&mut self, s: &'a Stmt) {
            match s {
                Stmt::Assign(a) => a.targets.iter().for_each(|t| self.target(t)),
                Stmt::AugAssign(a) => self.target(&a.target),
                Stmt::AnnAssign(a) => self.target(&a.target),
                _ => {}
            }
            walk_stmt(self, s);
        }
        fn visit_expr(&mut self, e: &'a Expr) {
            // `setattr(obj, name, value)` or `Form(..., instance=obj)` may set any column.
            if let Expr::Call(c) = e {
                let is_var = |a: &Expr| matches!(a, Expr::Name(n) if n.id.as_str() == self.var);
                let setattr = matches!(c.func.as_ref(), Expr::Name(n) if n.id.as_str() == "setattr")
                    && c.args.first().is_some_and(is_var);
                let instance = c.keywords.iter().any(|k| k.arg.as_deref() == Some("instance") && is_var(&k.value));
                if setattr || instance {
                    self.opaque = true;
                }
            }
            crate::python::walk::walk_expr(self, e);
        }
    }
    let mut f = Finder { var, found: HashSet::new(), opaque: false };
    walk_body(&mut f, body);
    (!f.opaque).then_some(f.found)
}
