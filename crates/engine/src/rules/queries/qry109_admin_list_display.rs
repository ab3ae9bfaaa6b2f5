use std::collections::BTreeSet;

use rustpython_parser::ast::{self, Expr, Stmt};

use crate::analysis::{Emitter, PyContext};
use crate::facts::models::{Accessor, ModelId};
use crate::python::names::{bool_value, last_segment, str_value};
use crate::python::walk::{walk_body, walk_expr, Visitor};
use crate::report::Fix;

crate::declare_rule! {
    /// ## What it does
    /// Finds admin changelists that query once per row: a `list_display` column showing a nullable
    /// foreign key (Django's automatic `select_related()` skips nullable relations), a relation left
    /// out of a `list_select_related` tuple, or an admin method that reads `obj.<relation>` or a
    /// related manager for each row.
    ///
    /// ## Why it matters at scale
    /// The changelist shows 100 rows per page by default. Each uncovered column adds 100 queries per
    /// page view; staff reports "the admin is slow" long before any public page suffers, and bulk
    /// actions built on the same querysets time out.
    ///
    /// ## Example
    /// ```python
    /// from django.contrib import admin
    /// from django.db import models
    ///
    /// class Customer(models.Model):
    ///     name = models.CharField(max_length=100)
    ///
    /// class Order(models.Model):
    ///     customer = models.ForeignKey(Customer, null=True, on_delete=models.SET_NULL)
    ///
    /// @admin.register(Order)
    /// class OrderAdmin(admin.ModelAdmin):
    ///     list_display = ("id", "customer")
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from django.contrib import admin
    /// from django.db import models
    ///
    /// class Customer(models.Model):
    ///     name = models.CharField(max_length=100)
    ///
    /// class Order(models.Model):
    ///     customer = models.ForeignKey(Customer, null=True, on_delete=models.SET_NULL)
    ///
    /// @admin.register(Order)
    /// class OrderAdmin(admin.ModelAdmin):
    ///     list_display = ("id", "customer")
    ///     list_select_related = ("customer",)
    /// ```
    ///
    /// ## Precision
    /// The admin's model must be registered in the reviewed files (`@admin.register` or
    /// `admin.site.register`, not under `if settings.DEBUG:`) and the relation declared on it. Django's own rules are applied: with
    /// `list_select_related = False` and a relation field in `list_display`, Django calls
    /// `select_related()`, which follows non-null foreign keys. Relations named in a `get_queryset`
    /// override count as fetched.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// 30 findings, all judged, 0 false positives (0 %), 9 of the true ones borderline.
    pub ADMIN_LIST_DISPLAY_N_PLUS_ONE {
        code: "QRY109", name: "admin-list-display-n-plus-one", category: Queries,
        severity: High, confidence: High, playbook: "n-plus-one",
    }
}

/// How the changelist's queryset fetches relations.
enum SelectRelated {
    /// `False` (the default): `select_related()` when a relation field is displayed.
    Auto,
    /// `True`: `select_related()` always.
    All,
    /// An explicit list.
    Only(BTreeSet<String>),
}

/// QRY109
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    let models = &ctx.view.models;
    for s in ctx.file().parsed.body() {
        let Stmt::ClassDef(c) = s else { continue };
        if !c.bases.iter().any(|b| last_segment(b).is_some_and(|l| l.ends_with("Admin"))) {
            continue;
        }
        let Some(model) = registered_model(ctx, c) else { continue };
        let Some(list_display) = class_attr(c, "list_display") else { continue };
        let entries: Vec<(&str, &Expr)> = match list_display {
            Expr::List(l) => l.elts.iter().filter_map(|e| str_value(e).map(|s| (s, e))).collect(),
            Expr::Tuple(t) => t.elts.iter().filter_map(|e| str_value(e).map(|s| (s, e))).collect(),
            _ => continue,
        };
        let mut fetched: BTreeSet<String> = BTreeSet::new();
        let mode = match class_attr(c, "list_select_related") {
            Some(v) if bool_value(v) == Some(true) => SelectRelated::All,
            // Filled with `extend`, not `collect()`, which would bring in a sort (wasm size).
            Some(Expr::List(ast::ExprList { elts, .. }) | Expr::Tuple(ast::ExprTuple { elts, .. })) => {
                let mut only = BTreeSet::new();
                only.extend(elts.iter().filter_map(str_value).map(str::to_string));
                SelectRelated::Only(only)
            }
            _ => SelectRelated::Auto,
        };
        if let Some(gq) = method(c, "get_queryset") {
            fetched.extend(string_args(gq, &["select_related", "prefetch_related"]));
        }
        let m = models.get(model);
        let displays_relation = entries
            .iter()
            .any(|(name, _)| matches!(models.accessor(model, name), Some(Accessor::Single { reverse: false, .. })));
        let covered = |path: &str, nullable: bool, many: bool| -> bool {
            if fetched.iter().any(|p| p == path || p.starts_with(&format!("{path}__"))) {
                return true;
            }
            if many {
                return false;
            }
            match &mode {
                SelectRelated::Only(list) => list.iter().any(|p| p == path || p.starts_with(&format!("{path}__"))),
                SelectRelated::All => !nullable,
                SelectRelated::Auto => displays_relation && !nullable,
            }
        };
        let mut missing: Vec<(String, &Expr, String)> = Vec::new();
        for (name, node) in &entries {
            if let Some(Accessor::Single { reverse: false, .. }) = models.accessor(model, name) {
                let nullable = m.fields.iter().any(|f| f.name == *name && f.null);
                if !covered(name, nullable, false) {
                    let why = if nullable {
                        "a nullable foreign key, which `select_related()` skips"
                    } else {
                        "a relation missing from `list_select_related`"
                    };
                    missing.push((name.to_string(), node, format!("`list_display` shows `{name}`, {why}")));
                }
            } else if let Some(def) = method(c, name) {
                for (path, many, access) in super::relation_reads(ctx, def, model, 1) {
                    let nullable =
                        path.split("__").next().is_some_and(|first| m.fields.iter().any(|f| f.name == first && f.null));
                    if !covered(&path, nullable, many) {
                        missing.push((
                            path,
                            access,
                            format!("the `{name}` column reads `{}` for every row", ctx.source(access)),
                        ));
                    }
                }
            }
        }
        if missing.is_empty() {
            continue;
        }
        // Filled with `extend`, not `collect()`, which would bring in a sort (wasm size).
        let (mut singles, mut manys) = (BTreeSet::new(), BTreeSet::new());
        singles.extend(missing.iter().filter(|(p, _, _)| !is_many_path(ctx, model, p)).map(|(p, _, _)| p.clone()));
        manys.extend(missing.iter().filter(|(p, _, _)| is_many_path(ctx, model, p)).map(|(p, _, _)| p.clone()));
        let mut after = String::new();
        if !singles.is_empty() {
            after.push_str(&format!(
                "list_select_related = ({},)",
                singles.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(", ")
            ));
        }
        if !manys.is_empty() {
            if !after.is_empty() {
                after.push('\n');
            }
            after.push_str(&format!(
                "def get_queryset(self, request):\n    return super().get_queryset(request).prefetch_related({})",
                manys.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(", ")
            ));
        }
        let mut seen = BTreeSet::new();
        for (path, node, why) in &missing {
            if !seen.insert(path.clone()) {
                continue;
            }
            let message =
                format!("`{}` changelist: {why}, so every page runs one query per row (`{}`)", c.name, m.name);
            out.emit(&ADMIN_LIST_DISPLAY_N_PLUS_ONE, ctx.path(), ctx.span(*node), message).fix = Some(Fix {
                summary: "Fetch the relations with the changelist's query.".into(),
                before: String::new(),
                after: after.clone(),
            });
        }
    }
}

fn is_many_path(ctx: &PyContext<'_, '_>, model: ModelId, path: &str) -> bool {
    let models = &ctx.view.models;
    let mut current = Some(model);
    for seg in path.split("__") {
        let Some(m) = current else { return false };
        match models.accessor(m, seg) {
            Some(Accessor::Many { .. }) => return true,
            Some(Accessor::Single { target, .. }) => current = target,
            None => return false,
        }
    }
    false
}

/// `@admin.register(Model)` on the class, or `admin.site.register(Model, ThisAdmin)` in the file.
fn registered_model(ctx: &PyContext<'_, '_>, c: &ast::StmtClassDef) -> Option<ModelId> {
    let name_of = |e: &Expr| {
        last_segment(e).map(|n| ctx.code().imports.resolve(n)).map(|q| q.rsplit('.').next().unwrap_or(&q).to_string())
    };
    let app = crate::facts::models::app_label_from_path(ctx.path());
    for d in &c.decorator_list {
        if let Expr::Call(call) = d {
            if last_segment(&call.func) == Some("register") {
                if let Some(m) = call.args.first().and_then(name_of).and_then(|n| ctx.view.models.find(&n, Some(&app)))
                {
                    return Some(m);
                }
            }
        }
    }
    // Admins registered only under `if settings.DEBUG:` never serve production traffic.
    let debug_only: Vec<_> = ctx
        .file()
        .parsed
        .body()
        .iter()
        .filter_map(|s| match s {
            Stmt::If(i) if crate::python::names::dotted_name(&i.test).is_some_and(|d| d.ends_with("DEBUG")) => {
                Some(ast::Ranged::range(s))
            }
            _ => None,
        })
        .collect();
    ctx.code().calls.iter().find_map(|call| {
        if call.method != Some("register")
            || call.call.args.get(1).and_then(last_segment) != Some(c.name.as_str())
            || debug_only.iter().any(|r| r.contains_range(call.call.range))
        {
            return None;
        }
        call.call.args.first().and_then(name_of).and_then(|n| ctx.view.models.find(&n, Some(&app)))
    })
}

fn class_attr<'a>(c: &'a ast::StmtClassDef, name: &str) -> Option<&'a Expr> {
    c.body.iter().find_map(|s| match s {
        Stmt::Assign(a) if matches!(a.targets.as_slice(), [Expr::Name(n)] if n.id.as_str() == name) => Some(&*a.value),
        _ => None,
    })
}

fn method<'a>(c: &'a ast::StmtClassDef, name: &str) -> Option<&'a ast::StmtFunctionDef> {
    c.body.iter().find_map(|s| match s {
        Stmt::FunctionDef(d) if d.name.as_str() == name => Some(d),
        _ => None,
    })
}

fn string_args(def: &ast::StmtFunctionDef, methods: &[&str]) -> Vec<String> {
    struct V<'m>(&'m [&'m str], Vec<String>);
    impl<'a> Visitor<'a> for V<'_> {
        fn visit_expr(&mut self, e: &'a Expr) {
            if let Expr::Call(c) = e {
                if last_segment(&c.func).is_some_and(|m| self.0.contains(&m)) {
                    self.1.extend(c.args.iter().filter_map(str_value).map(str::to_string));
                }
            }
            walk_expr(self, e);
        }
    }
    let mut v = V(methods, Vec::new());
    walk_body(&mut v, &def.body);
    v.1
}
