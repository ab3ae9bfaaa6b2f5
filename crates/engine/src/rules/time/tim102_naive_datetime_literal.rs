use rustpython_parser::ast::Expr;

use crate::analysis::{Emitter, PyContext};
use crate::facts::code::has_keyword;
use crate::python::walk::{walk_expr, Visitor};
use crate::report::{Confidence, Fix};

crate::declare_rule! {
    /// ## What it does
    /// Finds `datetime(...)` values built without `tzinfo` that meet aware values: compared with
    /// `timezone.now()`, or passed to a queryset filter or write on a model's `DateTimeField`.
    ///
    /// ## Why it matters at scale
    /// Comparing naive and aware datetimes raises `TypeError` at runtime. A naive value sent to a
    /// `DateTimeField` is read in the server's local time zone: the same code selects different rows
    /// on servers configured differently, and every query logs a `RuntimeWarning`.
    ///
    /// ## Example
    /// ```python
    /// from datetime import datetime
    /// from django.db import models
    ///
    /// class Order(models.Model):
    ///     placed_at = models.DateTimeField()
    ///
    /// def orders_this_year():
    ///     return Order.objects.filter(placed_at__gte=datetime(2026, 1, 1))
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from datetime import datetime, timezone
    /// from django.db import models
    ///
    /// class Order(models.Model):
    ///     placed_at = models.DateTimeField()
    ///
    /// def orders_this_year():
    ///     return Order.objects.filter(placed_at__gte=datetime(2026, 1, 1, tzinfo=timezone.utc))
    /// ```
    ///
    /// ## Precision
    /// Fires for filters only when the model and the field are found in the project and the field is
    /// a `DateTimeField`; for comparisons only against `timezone.now()` or an aware `now(tz=...)`.
    /// Test files and projects with `USE_TZ = False` are skipped.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// no findings; precision rests on the fixtures' positives and near misses.
    pub NAIVE_DATETIME_LITERAL {
        code: "TIM102", name: "naive-datetime-literal", category: Time,
        severity: Medium, confidence: High, playbook: "time-and-locale",
    }
}

const QUERY_METHODS: &[&str] = &["filter", "exclude", "get", "update", "create", "get_or_create", "update_or_create"];

/// TIM102
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    if ctx.is_test_file() || super::tz_disabled(ctx) {
        return;
    }
    let code = ctx.code();
    let naive = |e: &Expr| -> bool {
        let Expr::Call(c) = e else { return false };
        code.imports.qualify(&c.func).as_deref() == Some("datetime.datetime")
            && c.args.len() >= 3
            && c.args.len() < 8
            && !has_keyword(c, "tzinfo")
    };
    // Filters and writes on a DateTimeField.
    for c in &code.calls {
        let Some(method) = c.method.filter(|m| QUERY_METHODS.contains(m)) else { continue };
        let Expr::Attribute(a) = c.call.func.as_ref() else { continue };
        let Some(model) = model_of_chain(ctx, &a.value) else { continue };
        for kw in &c.call.keywords {
            let (Some(arg), true) = (kw.arg.as_deref(), naive(&kw.value)) else { continue };
            let field = arg.split("__").next().unwrap_or(arg);
            let m = ctx.view.models.get(model);
            if !m.fields.iter().any(|f| f.name == field && f.class_name == "DateTimeField") {
                continue;
            }
            emit(ctx, out, &kw.value, format!("`{}.{field}` is a DateTimeField", m.name), method);
        }
    }
    // Comparisons with an aware "now".
    struct Compare<'c, 'v, 'a> {
        ctx: &'c PyContext<'v, 'a>,
        hits: Vec<&'a Expr>,
    }
    impl<'a> Visitor<'a> for Compare<'_, '_, 'a> {
        fn visit_expr(&mut self, e: &'a Expr) {
            if let Expr::Compare(cmp) = e {
                let operands: Vec<&'a Expr> = std::iter::once(&*cmp.left).chain(cmp.comparators.iter()).collect();
                let imports = &self.ctx.code().imports;
                let aware = operands.iter().any(|o| match o {
                    Expr::Call(c) => {
                        let n = imports.qualify(&c.func).unwrap_or_default();
                        n == "django.utils.timezone.now"
                            || (n == "datetime.datetime.now" && (!c.args.is_empty() || has_keyword(c, "tz")))
                    }
                    _ => false,
                });
                if aware {
                    for o in operands {
                        if let Expr::Call(c) = o {
                            if imports.qualify(&c.func).as_deref() == Some("datetime.datetime")
                                && c.args.len() >= 3
                                && !has_keyword(c, "tzinfo")
                            {
                                self.hits.push(o);
                            }
                        }
                    }
                }
            }
            walk_expr(self, e);
        }
    }
    let mut v = Compare { ctx, hits: Vec::new() };
    crate::python::walk::walk_body(&mut v, ctx.file().parsed.body());
    for e in v.hits {
        emit(ctx, out, e, "it is compared with an aware datetime, which raises `TypeError`".into(), "compare");
    }
}

fn emit(ctx: &PyContext<'_, '_>, out: &mut Emitter, e: &Expr, why: String, used_in: &str) {
    let src = ctx.source(e);
    let after = match src.rfind(')') {
        Some(i) => format!("{}, tzinfo=datetime.timezone.utc)", &src[..i]),
        None => src.to_string(),
    };
    let message = if used_in == "compare" {
        format!("`{src}` is naive and {why}")
    } else {
        format!(
            "`{src}` is naive but {why}: `.{used_in}()` reads it in the server's time zone and warns on every query"
        )
    };
    let f = out.emit(&NAIVE_DATETIME_LITERAL, ctx.path(), ctx.span(e), message);
    f.fix = Some(Fix { summary: "Give the datetime a time zone.".into(), before: src.to_string(), after });
    if used_in != "compare" {
        f.confidence = Confidence::High;
    }
}

/// The model of `Model.objects...` (resolved in the model index, through import aliases).
pub(crate) fn model_of_chain(ctx: &PyContext<'_, '_>, e: &Expr) -> Option<usize> {
    if !crate::rules::support::manager_chain(e) {
        return None;
    }
    let root = crate::rules::support::chain_root(e);
    let Expr::Name(n) = root else { return None };
    let imported = ctx.code().imports.resolve(n.id.as_str());
    let name = imported.rsplit('.').next().unwrap_or(&imported);
    let app = crate::facts::models::app_label_from_path(ctx.path());
    ctx.view.models.find(name, Some(&app))
}
