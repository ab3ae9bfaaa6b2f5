use crate::analysis::{Emitter, TemplateContext};
use crate::report::Fix;
use crate::template::Node;

crate::declare_rule! {
    /// ## What it does
    /// Finds custom tags that run database queries used in a base template (one that other templates
    /// extend) outside any `{% cache %}` block: navigation menus, footers and sidebars built from the
    /// database.
    ///
    /// ## Why it matters at scale
    /// A fragment in the base template is rendered on every page view. Its queries run for every
    /// request although the result changes rarely, so they dominate the database load of a busy site
    /// even when each one is fast.
    ///
    /// ## Example
    /// ```python
    /// from django import template
    ///
    /// register = template.Library()
    ///
    /// @register.inclusion_tag("menu.html")
    /// def main_menu():
    ///     return {"categories": list(Category.objects.filter(visible=True))}
    /// ```
    /// with a base template:
    /// ```django
    /// {% load menus %}<nav>{% main_menu %}</nav>{% block content %}{% endblock %}
    /// ```
    ///
    /// ## Use instead
    /// ```django
    /// {% load cache menus %}<nav>{% cache 600 main_menu %}{% main_menu %}{% endcache %}</nav>{% block content %}{% endblock %}
    /// ```
    ///
    /// ## Precision
    /// Only templates that other templates extend (or that define `{% block %}`s for them), and only
    /// tags registered in the reviewed files whose function runs a query and takes no arguments and
    /// no context (whose output is the same for every request, so a plain `{% cache %}` is right).
    /// Uses inside loops are `query-in-template-tag` instead.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// no findings; precision rests on the fixtures' positives and near misses.
    pub UNCACHED_EXPENSIVE_FRAGMENT {
        code: "TPL102", name: "uncached-expensive-fragment", category: Templates,
        severity: Low, confidence: Medium, playbook: "templates",
    }
}

/// TPL102
pub fn check(ctx: &TemplateContext<'_, '_>, out: &mut Emitter) {
    let t = ctx.file();
    let is_base = ctx.view.templates.iter().any(|other| {
        other
            .template
            .nodes
            .iter()
            .any(|n| matches!(n, Node::Extends { template: Some(name), .. } if t.answers_to(name)))
    }) || (t.template.nodes.iter().any(|n| matches!(n, Node::Block { .. }))
        && !t.template.nodes.iter().any(|n| matches!(n, Node::Extends { .. })));
    if !is_base {
        return;
    }
    let tags = &ctx.view.querying_tags;
    if tags.is_empty() {
        return;
    }
    walk(ctx, &t.template.nodes, false, tags, out);
}

fn walk(
    ctx: &TemplateContext<'_, '_>,
    nodes: &[Node],
    shielded: bool,
    tags: &std::collections::HashMap<String, super::QueryingTag>,
    out: &mut Emitter,
) {
    for n in nodes {
        match n {
            Node::Tag { name, span, .. } if !shielded => {
                let Some(tag) = tags.get(name.as_str()).filter(|t| !t.depends_on_input) else { continue };
                let message = format!(
                    "`{{% {name} %}}` in a base template runs `{}` ({}:{}) on every page view, with no `{{% cache %}}` around it",
                    tag.query.lines().next().unwrap_or(""),
                    tag.path,
                    tag.line
                );
                out.emit(&UNCACHED_EXPENSIVE_FRAGMENT, &ctx.file().path, *span, message).fix = Some(Fix {
                    summary:
                        "Cache the fragment (and vary the key by what it depends on, such as the language or the user)."
                            .into(),
                    before: format!("{{% {name} %}}"),
                    after: format!("{{% cache 600 {name} %}}{{% {name} %}}{{% endcache %}}"),
                });
            }
            // Inside a loop this is `query-in-template-tag`; inside {% cache %} it is cached.
            Node::For { .. } | Node::Cache { .. } => {}
            Node::If { branches, .. } => branches.iter().for_each(|b| walk(ctx, b, shielded, tags, out)),
            Node::With { body, .. }
            | Node::Block { body, .. }
            | Node::Autoescape { body, .. }
            | Node::Wrapper { body, .. } => walk(ctx, body, shielded, tags, out),
            _ => {}
        }
    }
}
