use crate::analysis::{Emitter, TemplateContext};
use crate::report::Fix;
use crate::template::Node;

crate::declare_rule! {
    /// ## What it does
    /// Finds custom template tags and filters that run database queries, used inside a
    /// `{% for %}` loop: `{% author_badge post %}`, `{{ post|comment_count }}`.
    ///
    /// ## Why it matters at scale
    /// The tag looks like markup, and the query it runs is invisible from the template: used in a
    /// loop, it runs once per row. Fifty rows, fifty queries, on every page view.
    ///
    /// ## Example
    /// ```python
    /// from django import template
    ///
    /// register = template.Library()
    ///
    /// @register.simple_tag
    /// def comment_count(post):
    ///     return Comment.objects.filter(post=post).count()
    /// ```
    /// with a template:
    /// ```django
    /// {% load blog_tags %}
    /// {% for post in posts %}{{ post.title }} ({% comment_count post %}){% endfor %}
    /// ```
    ///
    /// ## Use instead
    /// ```django
    /// {% for post in posts %}{{ post.title }} ({{ post.comment_count }}){% endfor %}
    /// ```
    /// with the count annotated in the view: `Post.objects.annotate(comment_count=Count("comments"))`.
    ///
    /// ## Precision
    /// The tag or filter must be registered in the reviewed files and its function must run a query
    /// itself (`X.objects...` with `.count()`, `.get()`, `list()`, ...).
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// no findings; precision rests on the fixtures' positives and near misses.
    pub QUERY_IN_TEMPLATE_TAG {
        code: "TPL101", name: "query-in-template-tag", category: Templates,
        severity: High, confidence: High, playbook: "templates",
    }
}

/// TPL101
pub fn check(ctx: &TemplateContext<'_, '_>, out: &mut Emitter) {
    let tags = &ctx.view.querying_tags;
    if tags.is_empty() {
        return;
    }
    let t = ctx.file();
    walk(ctx, &t.template.nodes, 0, tags, out);
}

fn walk(
    ctx: &TemplateContext<'_, '_>,
    nodes: &[Node],
    loops: u32,
    tags: &std::collections::HashMap<String, super::QueryingTag>,
    out: &mut Emitter,
) {
    for n in nodes {
        let mut used: Vec<(&str, crate::text::Span)> = Vec::new();
        match n {
            Node::Tag { name, span, args } => {
                used.push((name.as_str(), *span));
                for a in args {
                    used.extend(a.filters.iter().map(|(f, _)| (f.as_str(), a.span)));
                }
            }
            Node::Var(e) => used.extend(e.filters.iter().map(|(f, _)| (f.as_str(), e.span))),
            _ => {}
        }
        if loops > 0 {
            for (name, span) in used {
                let Some(tag) = tags.get(name) else { continue };
                let message = format!(
                    "`{name}` ({} `{}` in {}:{}) runs a query (`{}`) on every iteration of the loop",
                    tag.kind,
                    tag.function,
                    tag.path,
                    tag.line,
                    tag.query.lines().next().unwrap_or("")
                );
                out.emit(&QUERY_IN_TEMPLATE_TAG, &ctx.file().path, span, message).fix = Some(Fix {
                    summary: "Compute the value for all rows in the view (an annotation, or `prefetch_related`) and read it as an attribute in the loop.".into(),
                    before: tag.query.clone(),
                    after: "queryset.annotate(...)  # in the view; then {{ row.<annotation> }} in the loop".into(),
                });
            }
        }
        match n {
            Node::For { body, empty, .. } => {
                walk(ctx, body, loops + 1, tags, out);
                walk(ctx, empty, loops, tags, out);
            }
            Node::If { branches, .. } => branches.iter().for_each(|b| walk(ctx, b, loops, tags, out)),
            Node::With { body, .. }
            | Node::Block { body, .. }
            | Node::Autoescape { body, .. }
            | Node::Cache { body, .. }
            | Node::Wrapper { body, .. } => walk(ctx, body, loops, tags, out),
            _ => {}
        }
    }
}
