use std::collections::HashSet;

use crate::analysis::{Emitter, ProjectContext};
use crate::facts::template_flow;
use crate::report::{Confidence, Fix, Severity};
use crate::template::{FilterExpr, Node};

crate::declare_rule! {
    /// ## What it does
    /// Finds template output with escaping switched off (`|safe`, `|safeseq`, or inside
    /// `{% autoescape off %}`) for request data anywhere, and for a model's `CharField`/`TextField`
    /// when the view that renders the template passes that model's objects.
    ///
    /// ## Why it matters at scale
    /// Django escapes every variable by default; `|safe` and `autoescape off` switch that off. A
    /// comment, a display name or a query parameter containing `<script>` then runs in the visitor's
    /// browser, including staff with admin sessions.
    ///
    /// ## Example
    /// ```python
    /// from django.db import models
    /// from django.shortcuts import render
    ///
    /// class Comment(models.Model):
    ///     body = models.TextField()
    ///
    /// def thread(request):
    ///     return render(request, "example.html", {"comments": Comment.objects.all()[:50]})
    /// ```
    /// with `templates/example.html`:
    /// ```django
    /// {% for comment in comments %}<p>{{ comment.body|safe }}</p>{% endfor %}
    /// ```
    ///
    /// ## Use instead
    /// ```django
    /// {% for comment in comments %}<p>{{ comment.body|linebreaksbr }}</p>{% endfor %}
    /// ```
    /// If the field must hold HTML, sanitize it with an allow-list (nh3, bleach) when it is saved.
    ///
    /// ## Precision
    /// Request data (`request.GET`, `request.POST`, ...) marked safe is reported at critical severity
    /// and high confidence. Model text fields are followed from the rendering view into the template;
    /// whether ordinary users can write the field (rather than staff entering intended HTML) is not
    /// visible, so those findings are low severity and low confidence. Names suggesting prepared HTML
    /// (`*_html`, `rendered_*`) are skipped.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// 3 findings, all judged, 3 false positives (100 %).
    pub TEMPLATE_UNSAFE_OUTPUT {
        code: "SEC103", name: "template-unsafe-output", category: Security,
        severity: Low, confidence: Low, playbook: "security-hardening",
    }
}

/// SEC103
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    let mut seen: HashSet<(String, u32, u32)> = HashSet::new();
    // Model text fields reached from a view's context.
    for facts in ctx.queries {
        for render in &facts.template_renders {
            for o in template_flow::follow(ctx.view, render).unsafe_outputs {
                if prepared_html(&o.field) || !seen.insert((o.template.clone(), o.span.line, o.span.column)) {
                    continue;
                }
                let model = &ctx.view.models.get(o.model).name;
                let how = if o.filter { "`|safe` disables escaping for" } else { "`{% autoescape off %}` prints" };
                let message = format!(
                    "{how} `{}`, the text field `{model}.{}`: if users can write it, any `<script>` in it runs in readers' browsers (stored XSS)",
                    without_safe(&o.text),
                    o.field
                );
                out.emit(&TEMPLATE_UNSAFE_OUTPUT, &o.template, o.span, message).fix = Some(fix(&o.text));
            }
        }
    }
    // Request data marked safe, in any template.
    for t in ctx.view.templates {
        let mut stack: Vec<&[Node]> = vec![&t.template.nodes];
        while let Some(nodes) = stack.pop() {
            for n in nodes {
                match n {
                    Node::Var(e) if request_data(e) => {
                        if !seen.insert((t.path.clone(), e.span.line, e.span.column)) {
                            continue;
                        }
                        let message = format!("`|safe` disables escaping for `{}`, request data: any `<script>` in the URL runs in the visitor's browser (reflected XSS)", e.path.join("."));
                        let f = out.emit(&TEMPLATE_UNSAFE_OUTPUT, &t.path, e.span, message);
                        f.severity = Severity::Critical;
                        f.confidence = Confidence::High;
                        f.fix = Some(fix(&e.text));
                    }
                    Node::For { body, empty, .. } => {
                        stack.push(body);
                        stack.push(empty);
                    }
                    Node::If { branches, .. } => branches.iter().for_each(|b| stack.push(b)),
                    Node::With { body, .. }
                    | Node::Block { body, .. }
                    | Node::Autoescape { body, .. }
                    | Node::Cache { body, .. }
                    | Node::Wrapper { body, .. } => stack.push(body),
                    _ => {}
                }
            }
        }
    }
}

fn request_data(e: &FilterExpr) -> bool {
    e.filters.iter().any(|(f, _)| f == "safe")
        && e.path.first().is_some_and(|p| p == "request")
        && e.path.get(1).is_some_and(|p| matches!(p.as_str(), "GET" | "POST" | "COOKIES" | "META" | "headers"))
}

fn prepared_html(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["html", "rendered", "svg", "markup", "safe", "sanitized", "cleaned", "json", "icon", "embed"]
        .iter()
        .any(|k| n.contains(k))
}

fn without_safe(text: &str) -> String {
    text.split('|').filter(|p| !matches!(p.trim(), "safe" | "safeseq")).collect::<Vec<_>>().join("|").trim().to_string()
}

fn fix(text: &str) -> Fix {
    let plain = without_safe(text);
    Fix {
        summary: "Let Django escape it; if HTML is required, sanitize it with an allow-list when it is saved and render the sanitized field.".into(),
        before: format!("{{{{ {text} }}}}"),
        after: format!("{{{{ {plain} }}}}"),
    }
}
