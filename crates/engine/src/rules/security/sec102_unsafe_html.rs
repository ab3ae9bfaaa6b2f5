use rustpython_parser::ast::Expr;

use super::{taint, Taint};
use crate::analysis::{Emitter, PyContext};
use crate::report::{Confidence, Fix};
use crate::rules::support::{formatted_string, last_assignment, mentions_request_data};

crate::declare_rule! {
    /// ## What it does
    /// Finds HTML built by formatting (f-string, `%`, `.format()`, `+`) and then marked safe with
    /// `mark_safe()` / `SafeString()`, and `format_html()` called with an already formatted string
    /// instead of placeholders and arguments.
    ///
    /// ## Why it matters at scale
    /// `mark_safe` switches off Django's autoescaping for the whole string, including the values
    /// pasted into it. One user-controlled name containing `<script>` runs in every browser that
    /// renders the page (stored XSS). `format_html("...".format(x))` looks safe but escapes nothing.
    ///
    /// ## Example
    /// ```python
    /// from django import template
    /// from django.utils.safestring import mark_safe
    ///
    /// register = template.Library()
    ///
    /// @register.filter
    /// def author_link(author):
    ///     return mark_safe(f'<a href="/authors/{author.pk}/">{author.name}</a>')
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from django import template
    /// from django.utils.html import format_html
    ///
    /// register = template.Library()
    ///
    /// @register.filter
    /// def author_link(author):
    ///     return format_html('<a href="/authors/{}/">{}</a>', author.pk, author.name)
    /// ```
    ///
    /// ## Precision
    /// Only values that can come from outside are reported: request data, and the parameters of views
    /// and of template tags and filters (template variables, such as a model's user-entered fields).
    /// A function call's result, such as already rendered HTML, is trusted unless it is a string helper
    /// (`str()`, `.format()`, `.join()`) over such data.
    /// Escaped values and values that cannot hold markup are ignored: literals, constants,
    /// `escape()`, `conditional_escape()`, `format_html()`, `strip_tags()`, `json_script()`, numeric
    /// casts, primary keys and internal state. Variables are followed back to their assignment in
    /// the same function.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// no findings; precision rests on the fixtures' positives and near misses.
    pub UNSAFE_HTML {
        code: "SEC102", name: "unsafe-html", category: Security,
        severity: High, confidence: Medium, playbook: "security-hardening",
    }
}

const ESCAPERS: &[&str] = &[
    "escape",
    "conditional_escape",
    "format_html",
    "format_html_join",
    "strip_tags",
    "json_script",
    "escapejs",
    "urlencode",
    "quote",
    "iri_to_uri",
    "escape_uri_path",
    "linebreaks",
    "urlize",
    "mark_safe",
    "static",
    "reverse",
    "date_format",
    "number_format",
    "intcomma",
];

/// SEC102
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    let code = ctx.code();
    for c in &code.calls {
        let Some(name) = c.name.as_deref() else { continue };
        let last = name.rsplit('.').next().unwrap_or(name);
        let kind = match last {
            "mark_safe" | "SafeString" | "SafeText" => "mark_safe",
            "format_html" if c.call.args.len() == 1 && c.call.keywords.is_empty() => "format_html",
            _ => continue,
        };
        let Some(arg) = c.call.args.first() else { continue };
        let body = c.function.map(|f| code.function(f).body).unwrap_or_else(|| ctx.file().parsed.body());
        let (built, via) = match arg {
            Expr::Name(n) => match last_assignment(body, n.id.as_str(), u32::from(c.call.range.start())) {
                Some(v) => (v, Some(n.id.as_str())),
                None => continue,
            },
            other => (other, None),
        };
        let Some((how, parts)) = formatted_string(built) else { continue };
        let params = c.function.map(|f| super::tainted_params(ctx.view, code.function(f), true)).unwrap_or_default();
        let tainted: Vec<(&Expr, Taint)> = parts
            .into_iter()
            .map(|p| (p, taint(p, &params, body, ESCAPERS, 0)))
            .filter(|(_, t)| *t > Taint::Internal)
            .collect();
        if tainted.is_empty() {
            continue;
        }
        let unsafe_parts: Vec<&Expr> = tainted.iter().map(|(p, _)| *p).collect();
        let shown: Vec<&str> = unsafe_parts.iter().map(|p| ctx.source(*p)).take(3).collect();
        let through = via.map(|v| format!(" (through `{v}`)")).unwrap_or_default();
        let message = match kind {
            "format_html" => format!(
                "`format_html()` gets a string already built with {}{through}: `{}` is inserted without escaping",
                how.describe(),
                shown.join("`, `")
            ),
            _ => format!(
                "`{last}()` marks HTML built with {}{through} as safe: `{}` is inserted without escaping (XSS)",
                how.describe(),
                shown.join("`, `")
            ),
        };
        let f = out.emit(&UNSAFE_HTML, ctx.path(), ctx.span(c.call), message);
        f.fix = Some(Fix {
            summary: "Build the HTML with `format_html()` placeholders so every value is escaped.".into(),
            before: ctx.source(c.call).to_string(),
            after: format_html_version(ctx, built),
        });
        if unsafe_parts.iter().any(|p| mentions_request_data(p)) {
            f.confidence = Confidence::High;
        }
    }
}

fn format_html_version(ctx: &PyContext<'_, '_>, built: &Expr) -> String {
    match built {
        Expr::JoinedStr(j) => {
            let mut template = String::new();
            let mut args = Vec::new();
            for v in &j.values {
                match v {
                    Expr::Constant(c) => {
                        if let rustpython_parser::ast::Constant::Str(s) = &c.value {
                            template.push_str(&s.replace('{', "{{").replace('}', "}}"));
                        }
                    }
                    Expr::FormattedValue(f) => {
                        template.push_str("{}");
                        args.push(ctx.source(&*f.value).to_string());
                    }
                    _ => {}
                }
            }
            format!("format_html({template:?}, {})", args.join(", "))
        }
        other => format!("format_html(\"...{{}}...\", ...)  # instead of {}", ctx.source(other)),
    }
}
