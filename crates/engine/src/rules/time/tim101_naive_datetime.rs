use std::collections::{HashMap, HashSet};

use rustpython_parser::ast::{self, Expr, Stmt};

use crate::analysis::{Emitter, PyContext};
use crate::facts::code::{has_keyword, Imports};
use crate::python::names::last_segment;
use crate::python::walk::{walk_body, walk_expr, walk_stmt, Visitor};
use crate::report::{Fix, Severity};

crate::declare_rule! {
    /// ## What it does
    /// Finds naive datetimes (`datetime.now()` or `datetime.today()` without a time zone,
    /// `datetime.utcnow()`, `datetime.fromtimestamp()` without `tz`, `datetime.utcfromtimestamp()`)
    /// where they meet Django's aware values: compared with a model's `DateTimeField` or with
    /// `timezone.now()`, passed to a queryset filter or write on a `DateTimeField`, assigned to one,
    /// or used as a `DateTimeField` default.
    ///
    /// ## Why it matters at scale
    /// With `USE_TZ = True` (Django's default) every `DateTimeField` value is aware. Comparing a naive
    /// value with one raises `TypeError`; saving or filtering with one logs a `RuntimeWarning` on every
    /// query and reads the value in the default time zone, so `utcnow()` is shifted by the zone's
    /// offset and DST transitions pick the wrong hour. `default=datetime.now()` (called) freezes the
    /// import time into every row.
    ///
    /// ## Example
    /// ```python
    /// from datetime import datetime
    /// from django.db import models
    ///
    /// class Token(models.Model):
    ///     expires_at = models.DateTimeField()
    ///
    /// def is_expired(token):
    ///     return token.expires_at < datetime.now()
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from django.db import models
    /// from django.utils import timezone
    ///
    /// class Token(models.Model):
    ///     expires_at = models.DateTimeField()
    ///
    /// def is_expired(token):
    ///     return token.expires_at < timezone.now()
    /// ```
    /// Pass `tz=datetime.timezone.utc` to `fromtimestamp()`, and `default=timezone.now` (not called)
    /// for field defaults.
    ///
    /// ## Precision
    /// Reported only where the naive value meets an aware one: a comparison with an attribute named
    /// like a `DateTimeField` of a model in the reviewed files (or with an aware `now`), a filter or
    /// write on such a field, an assignment to one (not `auto_now` fields, which Django overwrites),
    /// or a field default. A value stored in a variable is followed within the function. Elapsed-time
    /// arithmetic, formatting and other naive-only uses are not reported. Test files and projects with
    /// `USE_TZ = False` are skipped.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// 2 findings, all judged, 0 false positives (0 %).
    pub NAIVE_DATETIME {
        code: "TIM101", name: "naive-datetime", category: Time,
        severity: Medium, confidence: High, playbook: "time-and-locale",
    }
}

const QUERY_METHODS: &[&str] =
    &["filter", "exclude", "get", "update", "create", "get_or_create", "update_or_create", "Q"];

/// TIM101
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    if super::tz_disabled(ctx) {
        return;
    }
    let code = ctx.code();
    let imports = &code.imports;
    if !code.calls.iter().any(|c| c.name.as_deref().is_some_and(|n| n.starts_with("datetime."))) {
        return;
    }
    let fields = datetime_fields(ctx);
    let mut v = Uses { imports, fields: &fields, naive_vars: HashMap::new(), hits: Vec::new(), seen: HashSet::new() };
    walk_body(&mut v, ctx.file().parsed.body());
    for hit in v.hits {
        let call = hit.call;
        let name = imports.qualify(&call.func).unwrap_or_default();
        let short = name.strip_prefix("datetime.").unwrap_or(&name);
        let args: Vec<&str> = call.args.iter().map(|a| ctx.source(a)).collect();
        let after = match short {
            "datetime.fromtimestamp" => {
                format!("{}({}, tz=datetime.timezone.utc)", ctx.source(&*call.func), args.join(", "))
            }
            "datetime.utcfromtimestamp" => {
                format!("datetime.datetime.fromtimestamp({}, tz=datetime.timezone.utc)", args.join(", "))
            }
            _ => "timezone.now()".to_string(),
        };
        let what = if short.starts_with("datetime.utc") { "a naive UTC datetime" } else { "a naive local datetime" };
        let message = format!("`{}` returns {what} that {}", ctx.source(call), hit.use_);
        let f = out.emit(&NAIVE_DATETIME, ctx.path(), ctx.span(call), message);
        f.severity = hit.severity;
        f.fix = Some(Fix {
            summary: if after.starts_with("timezone.") {
                format!(
                    "Use Django's aware `timezone.now()` instead of `{short}()` (`from django.utils import timezone`)."
                )
            } else {
                format!("Pass a time zone to `{short}()` so the result is aware.")
            },
            before: ctx.source(call).to_string(),
            after,
        });
    }
    // `models.DateTimeField(default=datetime.now)` and `default=datetime.now()`.
    for c in &code.calls {
        if c.method != Some("DateTimeField") {
            continue;
        }
        let Some(default) = c.call.keywords.iter().find(|k| k.arg.as_deref() == Some("default")).map(|k| &k.value)
        else {
            continue;
        };
        let (target, called) = match default {
            Expr::Call(inner) => (&*inner.func, true),
            other => (other, false),
        };
        let Some(q) = imports.qualify(target) else { continue };
        if !matches!(q.as_str(), "datetime.datetime.now" | "datetime.datetime.utcnow" | "datetime.datetime.today") {
            continue;
        }
        let message = if called {
            format!(
                "`default={}` is evaluated once at import: every row gets the same naive timestamp",
                ctx.source(default)
            )
        } else {
            format!("`default={}` gives every new row a naive datetime: Django warns on each save and reads it in the default time zone", ctx.source(default))
        };
        let f = out.emit(&NAIVE_DATETIME, ctx.path(), ctx.span(default), message);
        if called {
            f.severity = Severity::High;
        }
        f.fix = Some(Fix {
            summary: "Use Django's aware callable, not called.".into(),
            before: format!("default={}", ctx.source(default)),
            after: "default=timezone.now".into(),
        });
    }
}

/// Names of `DateTimeField`s declared in the project that Django does not set itself.
fn datetime_fields(ctx: &PyContext<'_, '_>) -> HashSet<String> {
    ctx.view
        .models
        .models
        .iter()
        .flat_map(|m| &m.fields)
        .filter(|f| f.class_name == "DateTimeField" && !f.auto_now)
        .map(|f| f.name.clone())
        .collect()
}

struct Hit<'a> {
    call: &'a ast::ExprCall,
    use_: String,
    severity: Severity,
}

struct Uses<'i, 'a> {
    imports: &'i Imports,
    fields: &'i HashSet<String>,
    /// Variables holding a naive value in the current function.
    naive_vars: HashMap<String, &'a ast::ExprCall>,
    hits: Vec<Hit<'a>>,
    seen: HashSet<usize>,
}

impl<'a> Uses<'_, 'a> {
    /// The naive call behind an expression: the call itself or a variable assigned from one.
    fn naive(&self, e: &'a Expr) -> Option<&'a ast::ExprCall> {
        match e {
            Expr::Call(c) => {
                let name = self.imports.qualify(&c.func)?;
                let tz = has_keyword(c, "tz") || has_keyword(c, "tzinfo");
                let naive = match name.as_str() {
                    "datetime.datetime.now" | "datetime.datetime.today" => c.args.is_empty() && !tz,
                    "datetime.datetime.utcnow" | "datetime.datetime.utcfromtimestamp" => true,
                    "datetime.datetime.fromtimestamp" => c.args.len() < 2 && !tz,
                    _ => false,
                };
                naive.then_some(c)
            }
            Expr::Name(n) => self.naive_vars.get(n.id.as_str()).copied(),
            _ => None,
        }
    }

    fn is_aware(&self, e: &Expr) -> bool {
        match e {
            Expr::Call(c) => {
                let n = self.imports.qualify(&c.func).unwrap_or_default();
                n == "django.utils.timezone.now"
                    || (n == "datetime.datetime.now" && (!c.args.is_empty() || has_keyword(c, "tz")))
            }
            _ => false,
        }
    }

    fn field_attr(&self, e: &Expr) -> Option<String> {
        match e {
            Expr::Attribute(a) if self.fields.contains(a.attr.as_str()) => Some(a.attr.to_string()),
            _ => None,
        }
    }

    fn hit(&mut self, call: &'a ast::ExprCall, use_: String, severity: Severity) {
        let key = call.range.start().to_usize();
        if self.seen.insert(key) {
            self.hits.push(Hit { call, use_, severity });
        }
    }
}

impl<'a> Visitor<'a> for Uses<'_, 'a> {
    fn visit_stmt(&mut self, s: &'a Stmt) {
        match s {
            Stmt::FunctionDef(_) | Stmt::AsyncFunctionDef(_) => {
                let saved = std::mem::take(&mut self.naive_vars);
                walk_stmt(self, s);
                self.naive_vars = saved;
                return;
            }
            Stmt::Assign(a) => {
                let naive = self.naive(&a.value);
                for t in &a.targets {
                    match (t, naive) {
                        (Expr::Name(n), Some(c)) => {
                            self.naive_vars.insert(n.id.to_string(), c);
                        }
                        (Expr::Name(n), None) => {
                            self.naive_vars.remove(n.id.as_str());
                        }
                        (Expr::Attribute(attr), Some(c)) if self.fields.contains(attr.attr.as_str()) => {
                            let use_ = format!("is stored in `{}`, a `DateTimeField`: Django warns on save and reads it in the default time zone", ctx_text(t));
                            self.hit(c, use_, Severity::Medium);
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        walk_stmt(self, s);
    }

    fn visit_expr(&mut self, e: &'a Expr) {
        match e {
            Expr::Compare(cmp) => {
                let operands: Vec<&'a Expr> = std::iter::once(&*cmp.left).chain(cmp.comparators.iter()).collect();
                for (i, o) in operands.iter().enumerate() {
                    let Some(c) = self.naive(o) else { continue };
                    let other = operands
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| *j != i)
                        .map(|(_, x)| *x)
                        .find(|x| self.field_attr(x).is_some() || self.is_aware(x));
                    if let Some(other) = other {
                        let use_ = format!(
                            "is compared with `{}`, an aware datetime: Python raises `TypeError`",
                            ctx_text(other)
                        );
                        self.hit(c, use_, Severity::High);
                    }
                }
            }
            Expr::Call(call) if last_segment(&call.func).is_some_and(|m| QUERY_METHODS.contains(&m)) => {
                for k in &call.keywords {
                    let (Some(arg), Some(c)) = (k.arg.as_deref(), self.naive(&k.value)) else { continue };
                    let field = arg.split("__").next().unwrap_or(arg);
                    if self.fields.contains(field) {
                        let use_ = format!("is used for `{arg}`, a `DateTimeField`: Django warns on every query and reads it in the default time zone");
                        self.hit(c, use_, Severity::Medium);
                    }
                }
            }
            _ => {}
        }
        walk_expr(self, e);
    }
}

/// Source text of small expressions for messages, without a file at hand: names and attributes.
fn ctx_text(e: &Expr) -> String {
    crate::python::names::dotted_name(e).unwrap_or_else(|| match e {
        Expr::Call(c) => format!("{}()", crate::python::names::dotted_name(&c.func).unwrap_or_default()),
        _ => "a value".into(),
    })
}
