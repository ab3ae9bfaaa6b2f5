use rustpython_parser::ast::{self, Expr};

use super::{taint, Taint};
use crate::analysis::{Emitter, PyContext};
use crate::python::names::{keyword, last_segment};
use crate::report::{Confidence, Fix, Severity};
use crate::rules::support::{formatted_string, last_assignment, literal_text};
use crate::text::Case;

crate::declare_rule! {
    /// ## What it does
    /// Finds SQL assembled with f-strings, `%`, `.format()` or `+` and handed to `cursor.execute()`,
    /// `Manager.raw()`, `QuerySet.extra()` or `RawSQL()`, directly or through a variable assigned
    /// earlier in the function.
    ///
    /// ## Why it matters at scale
    /// A value pasted into SQL text is SQL: a quote in a search term or an id from the URL rewrites
    /// the statement (SQL injection). Formatted SQL also defeats statement caching and plan reuse,
    /// since every value makes a new statement text.
    ///
    /// ## Example
    /// ```python
    /// from django.db import connection
    ///
    /// def search(request):
    ///     with connection.cursor() as cursor:
    ///         cursor.execute(f"SELECT id FROM shop_product WHERE name LIKE '%{request.GET['q']}%'")
    ///         return cursor.fetchall()
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from django.db import connection
    ///
    /// def search(request):
    ///     with connection.cursor() as cursor:
    ///         cursor.execute("SELECT id FROM shop_product WHERE name LIKE %s", ["%" + request.GET["q"] + "%"])
    ///         return cursor.fetchall()
    /// ```
    ///
    /// ## Precision
    /// The string's literal parts must read like SQL (except for `.raw()`, `.extra()` and `RawSQL`).
    /// Only values that can come from outside are reported: request data (critical) and a view's
    /// parameters (its URL parts; high, medium confidence). A helper's parameters are not followed to
    /// its callers, and a function call's result is trusted unless it is a string helper such as
    /// `str()`, `.format()` or `.join()` over such data. Literals, ALL_CAPS constants, `quote_name()`/`qn()` results, schema
    /// attributes such as `_meta.db_table`, numeric casts, `%s` placeholder lists and internal state
    /// (`self.*`, database results) are not.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// no findings; precision rests on the fixtures' positives and near misses.
    pub SQL_INJECTION {
        code: "SEC101", name: "sql-injection", category: Security,
        severity: High, confidence: High, playbook: "security-hardening",
    }
}

const SQL_WORDS: &[&str] = &[
    "SELECT ", "INSERT ", "UPDATE ", "DELETE ", " FROM ", " WHERE ", "ORDER BY", "CREATE ", "ALTER ", "DROP ", "WITH ",
    " SET ", "VALUES", "JOIN ",
];
const QUOTERS: &[&str] = &["quote_name", "qn", "quote_name_unless_alias", "compose_sql", "Identifier", "escape_name"];

/// SEC101
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    let code = ctx.code();
    for c in &code.calls {
        let call = c.call;
        let Some(method) = c.method else { continue };
        let sql_args: Vec<&Expr> = match method {
            "execute" | "executemany" => call.args.first().into_iter().collect(),
            "raw" => call.args.first().into_iter().filter(|_| is_manager_call(call)).collect(),
            "RawSQL" => call.args.first().into_iter().collect(),
            "extra" => ["where", "select", "tables", "order_by"]
                .iter()
                .filter_map(|k| keyword(call, k))
                .flat_map(extra_values)
                .collect(),
            _ => continue,
        };
        for arg in sql_args {
            let body = c.function.map(|f| code.function(f).body).unwrap_or_else(|| ctx.file().parsed.body());
            let (built, via) = match arg {
                Expr::Name(n) => match last_assignment(body, n.id.as_str(), u32::from(call.range.start())) {
                    Some(v) => (v, Some(n.id.as_str())),
                    None => continue,
                },
                other => (other, None),
            };
            let Some((how, parts)) = formatted_string(built) else { continue };
            let text = literal_text(built).uppercase();
            // `execute()` is also a method of many non-database objects: demand SQL-looking text.
            let known_sql = matches!(method, "extra" | "RawSQL" | "raw");
            if !known_sql
                && !SQL_WORDS
                    .iter()
                    .any(|w| text.contains(w.trim()) && (text.contains(w) || text.starts_with(w.trim_start())))
            {
                continue;
            }
            let params =
                c.function.map(|f| super::tainted_params(ctx.view, code.function(f), false)).unwrap_or_default();
            let tainted: Vec<(&Expr, Taint)> = parts
                .into_iter()
                .map(|p| (p, taint(p, &params, body, QUOTERS, 0)))
                .filter(|(_, t)| *t > Taint::Internal)
                .collect();
            if tainted.is_empty() {
                continue;
            }
            let from_request = tainted.iter().any(|(_, t)| *t == Taint::Request);
            let unsafe_parts: Vec<&Expr> = tainted.iter().map(|(p, _)| *p).collect();
            let shown: Vec<&str> = unsafe_parts.iter().map(|p| ctx.source(*p)).take(3).collect();
            let sink = match method {
                "execute" | "executemany" => format!("`{}()`", ctx.source(&*call.func)),
                "raw" => "`.raw()`".to_string(),
                "extra" => "`.extra()`".to_string(),
                _ => "`RawSQL()`".to_string(),
            };
            let through = via.map(|v| format!(" (through `{v}`)")).unwrap_or_default();
            let message = format!(
                "SQL built with {} from `{}` reaches {sink}{through}: a value in the SQL text can change the statement (SQL injection)",
                how.describe(),
                shown.join("`, `")
            );
            let f = out.emit(&SQL_INJECTION, ctx.path(), ctx.span(built), message);
            f.fix = Some(Fix {
                summary: "Keep the SQL constant and pass the values as parameters (`%s` placeholders and a list); quote identifiers with `connection.ops.quote_name()`.".into(),
                before: ctx.source(built).to_string(),
                after: parameterised(ctx, built),
            });
            if from_request {
                f.severity = Severity::Critical;
            } else {
                f.confidence = Confidence::Medium;
            }
        }
    }
}

fn is_manager_call(call: &ast::ExprCall) -> bool {
    let Expr::Attribute(a) = call.func.as_ref() else { return false };
    crate::rules::support::manager_chain(&a.value) || last_segment(&a.value).is_some_and(|l| l.ends_with("objects"))
}

fn extra_values(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::List(l) => l.elts.iter().collect(),
        Expr::Tuple(t) => t.elts.iter().collect(),
        Expr::Dict(d) => d.values.iter().collect(),
        other => vec![other],
    }
}

/// The statement with every interpolation turned into `%s`, followed by the parameter list.
fn parameterised(ctx: &PyContext<'_, '_>, built: &Expr) -> String {
    match built {
        Expr::JoinedStr(j) => {
            let mut sql = String::new();
            let mut params = Vec::new();
            for v in &j.values {
                match v {
                    Expr::Constant(c) => {
                        if let ast::Constant::Str(s) = &c.value {
                            sql.push_str(s);
                        }
                    }
                    Expr::FormattedValue(f) => {
                        sql.push_str("%s");
                        params.push(ctx.source(&*f.value).to_string());
                    }
                    _ => {}
                }
            }
            // A quoted placeholder (`'%s'`) would be a literal; parameters are quoted by the driver.
            let sql = sql.replace("'%s'", "%s").replace("\"%s\"", "%s");
            format!("{:?}, [{}]", sql, params.join(", "))
        }
        Expr::BinOp(b) if b.op == ast::Operator::Mod => {
            let values = match b.right.as_ref() {
                Expr::Tuple(t) => t.elts.iter().map(|e| ctx.source(e)).collect::<Vec<_>>().join(", "),
                other => ctx.source(other).to_string(),
            };
            let sql = ctx.source(&*b.left).replace("'%s'", "%s").replace("\"%s\"", "%s");
            format!("{sql}, [{values}]")
        }
        _ => "\"... %s ...\", [value, ...]".to_string(),
    }
}
