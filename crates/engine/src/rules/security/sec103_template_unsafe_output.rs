use std::collections::HashSet;

use crate::analysis::{Emitter, TemplateContext};
use crate::report::{Confidence, Fix, Severity};
use crate::template::{FilterExpr, Node};

crate::declare_rule! {
    /// ## What it does
    /// Finds template output with autoescaping switched off for text that users enter: the `|safe`
    /// (or `|safeseq`) filter on a model's `CharField`/`TextField` or on request data, and such
    /// values printed inside `{% autoescape off %}`.
    ///
    /// ## Why it matters at scale
    /// Django escapes every variable by default; `|safe` and `autoescape off` switch that off. A
    /// comment, a display name or a product description containing `<script>` then runs in every
    /// visitor's browser, including staff with admin sessions (stored XSS).
    ///
    /// ## Example
    /// ```python
    /// from django.db import models
    ///
    /// class Comment(models.Model):
    ///     body = models.TextField()
    /// ```
    /// with a template:
    /// ```django
    /// {% for comment in comments %}<p>{{ comment.body|safe }}</p>{% endfor %}
    /// ```
    ///
    /// ## Use instead
    /// ```django
    /// {% for comment in comments %}<p>{{ comment.body|linebreaksbr }}</p>{% endfor %}
    /// ```
    /// If the field must hold HTML, sanitize it when it is saved (an allow-list sanitizer such as
    /// nh3 or bleach) and store the sanitized version in a field named for it.
    ///
    /// ## Precision
    /// Only variables whose last attribute is a `CharField`, `TextField` or `EmailField` declared on
    /// a model in the reviewed files (names suggesting prepared HTML, such as `*_html` or
    /// `rendered_*`, are skipped), or that read request data. Confidence is medium: the field may be
    /// sanitized before it is saved.
    /// Corpus results are in `docs/rule-precision.md`.
    pub TEMPLATE_UNSAFE_OUTPUT {
        code: "SEC103", name: "template-unsafe-output", category: Security,
        severity: High, confidence: Medium, playbook: "security-hardening",
    }
}

/// SEC103
pub fn check(ctx: &TemplateContext<'_, '_>, out: &mut Emitter) {
    let text_fields: HashSet<&str> = ctx
        .view
        .models
        .models
        .iter()
        .flat_map(|m| &m.fields)
        .filter(|f| matches!(f.class_name.as_str(), "CharField" | "TextField" | "EmailField"))
        .map(|f| f.name.as_str())
        .filter(|n| !prepared_html(n))
        .collect();
    walk(ctx, &ctx.file().template.nodes, false, &text_fields, out);
}

fn prepared_html(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["html", "rendered", "svg", "markup", "safe", "sanitized", "cleaned", "json", "icon", "embed"]
        .iter()
        .any(|k| n.contains(k))
}

fn walk(
    ctx: &TemplateContext<'_, '_>,
    nodes: &[Node],
    autoescape_off: bool,
    fields: &HashSet<&str>,
    out: &mut Emitter,
) {
    for n in nodes {
        match n {
            Node::Var(e) => check_var(ctx, e, autoescape_off, fields, out),
            Node::Autoescape { on, body, .. } => walk(ctx, body, !on, fields, out),
            Node::For { body, empty, .. } => {
                walk(ctx, body, autoescape_off, fields, out);
                walk(ctx, empty, autoescape_off, fields, out);
            }
            Node::If { branches, .. } => branches.iter().for_each(|b| walk(ctx, b, autoescape_off, fields, out)),
            Node::With { body, .. }
            | Node::Block { body, .. }
            | Node::Cache { body, .. }
            | Node::Wrapper { body, .. } => walk(ctx, body, autoescape_off, fields, out),
            _ => {}
        }
    }
}

fn check_var(
    ctx: &TemplateContext<'_, '_>,
    e: &FilterExpr,
    autoescape_off: bool,
    fields: &HashSet<&str>,
    out: &mut Emitter,
) {
    let marked_safe = e.filters.iter().any(|(f, _)| f == "safe" || f == "safeseq");
    let escaped_later = e.filters.iter().any(|(f, _)| {
        matches!(
            f.as_str(),
            "escape" | "force_escape" | "striptags" | "urlencode" | "json_script" | "length" | "date" | "floatformat"
        )
    });
    if !(marked_safe || autoescape_off) || escaped_later || e.path.len() < 2 {
        return;
    }
    let from_request = e.path.first().is_some_and(|p| p == "request")
        && e.path.get(1).is_some_and(|p| matches!(p.as_str(), "GET" | "POST" | "COOKIES" | "META" | "headers"));
    let last = e.path.last().map(String::as_str).unwrap_or("");
    if !from_request && !fields.contains(last) {
        return;
    }
    let how = if marked_safe { "`|safe` disables escaping for" } else { "`{% autoescape off %}` prints" };
    let (source, kind) = if from_request {
        ("request data".to_string(), "reflected")
    } else {
        (format!("`{last}`, a text field users can fill"), "stored")
    };
    let message = format!(
        "{how} `{}`: {source}; any `<script>` in it runs in the reader's browser ({kind} XSS)",
        e.path.join(".")
    );
    let f = out.emit(&TEMPLATE_UNSAFE_OUTPUT, &ctx.file().path, e.span, message);
    if from_request {
        f.severity = Severity::Critical;
        f.confidence = Confidence::High;
    }
    f.fix = Some(Fix {
        summary: "Let Django escape it; if HTML is required, sanitize it with an allow-list when it is saved and render the sanitized field.".into(),
        before: format!("{{{{ {} }}}}", e.text),
        after: format!("{{{{ {} }}}}", e.path.join(".")),
    });
}
