//! Custom template tags and filters of the project (functions registered on a
//! `template.Library`) that run database queries.

use std::collections::HashMap;

use rustpython_parser::ast::Expr;

use super::code::CodeFacts;
use super::view::PyFile;
use crate::python::names::{keyword, last_segment, manager_chain, orm_query_call, str_value};

/// A custom template tag or filter that runs database queries.
pub struct QueryingTag {
    pub path: String,
    pub line: u32,
    pub function: String,
    /// `simple_tag`, `inclusion_tag`, `filter`, `tag`.
    pub kind: String,
    /// The first query it runs, as written.
    pub query: String,
    /// Its output depends on its arguments or on the template context (then a plain `{% cache %}`
    /// around it would be wrong).
    pub depends_on_input: bool,
}

/// Custom tags and filters of the project (functions registered on a `template.Library`) whose
/// bodies run queries, by the name templates use.
pub fn querying_tags(files: &[PyFile], code: &[CodeFacts<'_>]) -> HashMap<String, QueryingTag> {
    let mut out = HashMap::new();
    for (i, facts) in code.iter().enumerate() {
        let parsed = &files[i].parsed;
        for (id, f) in facts.functions.iter().enumerate() {
            let Some((kind, name)) = f.decorators.iter().find_map(|d| registration(d)) else { continue };
            let query = facts.calls.iter().find(|c| {
                c.function.is_some_and(|x| facts.outermost(x) == id)
                    && (orm_query_call(c.call).is_some()
                        || (matches!(c.method, Some("list" | "len")) && c.call.args.first().is_some_and(manager_chain)))
            });
            let query_text = match query {
                Some(q) => parsed.source_of(q.call).to_string(),
                // Inclusion tags often return a queryset for their template to loop over.
                None => match facts.calls.iter().find(|c| {
                    c.function.is_some_and(|x| facts.outermost(x) == id) && manager_chain(&Expr::Call(c.call.clone()))
                }) {
                    Some(q) if kind == "inclusion_tag" => parsed.source_of(q.call).to_string(),
                    _ => continue,
                },
            };
            let tag_name = name.unwrap_or_else(|| f.name.to_string());
            let takes_context =
                f.decorators.iter().any(|d| matches!(d, Expr::Call(c) if keyword(c, "takes_context").is_some()));
            let depends_on_input = takes_context || !f.param_names().is_empty();
            out.insert(
                tag_name,
                QueryingTag {
                    path: files[i].path.clone(),
                    line: parsed.span(f.range).line,
                    function: f.name.to_string(),
                    kind,
                    query: query_text,
                    depends_on_input,
                },
            );
        }
    }
    out
}

/// `@register.simple_tag`, `@register.inclusion_tag("x.html")`, `@register.filter(name="y")`.
fn registration(d: &Expr) -> Option<(String, Option<String>)> {
    let (func, call) = match d {
        Expr::Call(c) => (&*c.func, Some(c)),
        other => (other, None),
    };
    let kind = last_segment(func)?;
    if !matches!(kind, "simple_tag" | "inclusion_tag" | "filter" | "tag") {
        return None;
    }
    let name = call.and_then(|c| keyword(c, "name").and_then(str_value)).map(str::to_string);
    Some((kind.to_string(), name))
}
