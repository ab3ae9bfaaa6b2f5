use std::collections::BTreeSet;
use std::rc::Rc;

use crate::analysis::{Emitter, ProjectContext};
use crate::facts::template_flow::{self, TemplateAccessKind};
use crate::report::Fix;

crate::declare_rule! {
    /// ## What it does
    /// Follows querysets from a view's template context into the template, through `{% with %}`,
    /// `{% include %}` and `{% extends %}`, and finds relations read on each row of a `{% for %}` loop
    /// that the view did not fetch: `{{ post.author.name }}`, `{{ post.comments.count }}`,
    /// `{% for c in post.comments.all %}`. Views are linked to templates through `render()`,
    /// `TemplateResponse`, `render_to_string()` and class-based views' `template_name` (or Django's
    /// default template name), with `get_context_data` and `context_object_name`.
    ///
    /// ## Why it matters at scale
    /// Templates hide queries best: nothing in the view looks like a loop, and the template author
    /// does not see the queryset. A list page of 50 rows with two such reads is 101 queries.
    ///
    /// ## Example
    /// ```python
    /// from django.db import models
    /// from django.shortcuts import render
    ///
    /// class Author(models.Model):
    ///     name = models.CharField(max_length=100)
    ///
    /// class Post(models.Model):
    ///     title = models.CharField(max_length=200)
    ///     author = models.ForeignKey(Author, on_delete=models.CASCADE)
    ///
    /// def post_list(request):
    ///     return render(request, "example.html", {"posts": Post.objects.all()})
    /// ```
    /// with `templates/example.html`:
    /// ```django
    /// {% for post in posts %}{{ post.title }} by {{ post.author.name }}{% endfor %}
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from django.db import models
    /// from django.shortcuts import render
    ///
    /// class Author(models.Model):
    ///     name = models.CharField(max_length=100)
    ///
    /// class Post(models.Model):
    ///     title = models.CharField(max_length=200)
    ///     author = models.ForeignKey(Author, on_delete=models.CASCADE)
    ///
    /// def post_list(request):
    ///     return render(request, "example.html", {"posts": Post.objects.select_related("author")})
    /// ```
    ///
    /// ## Precision
    /// The view, the template and the models must all be in the reviewed files; template names are
    /// matched against the files' paths (`templates/<name>`). Only declared relations are followed;
    /// methods and properties called from the template are not.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// 4 findings, all judged, 0 false positives (0 %), 2 of the true ones borderline.
    pub TEMPLATE_N_PLUS_ONE {
        code: "QRY112", name: "template-n-plus-one", category: Queries,
        severity: High, confidence: High, playbook: "templates",
    }
}

/// QRY112
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    let models = &ctx.view.models;
    for (file, facts) in ctx.queries.iter().enumerate() {
        if crate::analysis::is_test_path(crate::analysis::relative_path(&ctx.view.files[file].path, ctx.view.root)) {
            continue;
        }
        for render in &facts.template_renders {
            let accesses = template_flow::follow(ctx.view, render).accesses;
            // The fix names every path the template needs from the same queryset.
            // Filled with `extend`, not `collect()`, which would bring in a sort (wasm size).
            let mut select: BTreeSet<String> = BTreeSet::new();
            select.extend(
                accesses.iter().filter(|a| a.kind == TemplateAccessKind::Object && !a.has_many).map(|a| a.path.clone()),
            );
            let mut prefetch: BTreeSet<String> = BTreeSet::new();
            prefetch.extend(
                accesses
                    .iter()
                    .filter(|a| a.has_many || matches!(&a.kind, TemplateAccessKind::Manager { method } if method != "first" && method != "last"))
                    .map(|a| a.path.clone()),
            );
            for a in &accesses {
                let owner = &models.get(a.owner_model).name;
                let what = match &a.kind {
                    TemplateAccessKind::Object => format!("loads the related `{}`", a.relation),
                    TemplateAccessKind::Manager { method } => format!("runs `.{method}()` on `{}`", a.relation),
                };
                let fetch = if a.has_many { "prefetch_related" } else { "select_related" };
                let message = format!(
                    "`{}` {what} once per `{owner}` in `{{% for {} %}}`: `{}` ({}:{}) passes `{}` without `{fetch}(\"{}\")`",
                    a.text,
                    a.loop_info.text,
                    render.view,
                    ctx.view.files[file].path,
                    render.span.line,
                    a.context_var,
                    a.path
                );
                let qs = Rc::clone(&a.queryset);
                let related: Vec<&String> = select.iter().filter(|p| !qs.covers(p, false)).collect();
                let mut call = String::new();
                if !related.is_empty() {
                    call.push_str(&format!(
                        ".select_related({})",
                        related.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(", ")
                    ));
                }
                if !prefetch.is_empty() {
                    call.push_str(&format!(
                        ".prefetch_related({})",
                        prefetch.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(", ")
                    ));
                }
                out.emit(&TEMPLATE_N_PLUS_ONE, &a.template, a.span, message).fix = Some(Fix {
                    summary: format!(
                        "Fetch what the template reads in the view ({}:{}).",
                        qs.origin.path, qs.origin.span.line
                    ),
                    before: if qs.origin.is_model_attribute() {
                        format!("model = {}", qs.origin.text)
                    } else {
                        qs.origin.text.clone()
                    },
                    after: if qs.origin.is_model_attribute() {
                        format!("queryset = {}", qs.origin.with_call(&call))
                    } else {
                        qs.origin.with_call(&call)
                    },
                });
            }
        }
    }
}
