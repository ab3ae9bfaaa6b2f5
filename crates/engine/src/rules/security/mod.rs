//! Security rules: SQL built by formatting, HTML marked safe after formatting, CSRF opt-outs.

pub mod sec101_sql_injection;
pub mod sec102_unsafe_html;
pub mod sec103_template_unsafe_output;
pub mod sec104_csrf_exempt;

use rustpython_parser::ast::Expr;

use crate::python::names::last_segment;

/// Whether an interpolated value cannot carry attacker-controlled SQL or markup: literals, constants
/// in ALL_CAPS, quoting and escaping helpers, numeric casts, lengths, and `%s` placeholder lists.
pub(crate) fn is_safe_value(e: &Expr, escapers: &[&str]) -> bool {
    match e {
        Expr::Constant(_) => true,
        Expr::Name(n) => is_constant_name(n.id.as_str()) || n.id.contains("placeholder"),
        Expr::Attribute(a) => {
            is_constant_name(a.attr.as_str())
                || matches!(
                    a.attr.as_str(),
                    "db_table" | "column" | "attname" | "table_name" | "pk" | "id" | "model_name" | "app_label"
                )
        }
        Expr::Call(c) => {
            let name = last_segment(&c.func).unwrap_or("");
            if escapers.contains(&name) || matches!(name, "int" | "float" | "len" | "bool") {
                return true;
            }
            // `", ".join(["%s"] * n)` and similar placeholder builders.
            if name == "join" {
                let text: String = c.args.iter().map(crate::rules::support::literal_text).collect();
                return text.contains("%s") || c.args.iter().all(|a| placeholder_list(a));
            }
            false
        }
        Expr::BinOp(b) => is_safe_value(&b.left, escapers) && is_safe_value(&b.right, escapers),
        Expr::IfExp(i) => is_safe_value(&i.body, escapers) && is_safe_value(&i.orelse, escapers),
        Expr::JoinedStr(_) => crate::rules::support::formatted_string(e)
            .is_none_or(|(_, parts)| parts.iter().all(|p| is_safe_value(p, escapers))),
        _ => false,
    }
}

fn placeholder_list(e: &Expr) -> bool {
    match e {
        Expr::BinOp(b) => placeholder_list(&b.left) || placeholder_list(&b.right),
        Expr::List(l) => l.elts.iter().all(|x| crate::rules::support::literal_text(x).contains("%s")),
        Expr::ListComp(c) => crate::rules::support::literal_text(&c.elt).contains("%s"),
        Expr::GeneratorExp(c) => crate::rules::support::literal_text(&c.elt).contains("%s"),
        _ => false,
    }
}

fn is_constant_name(n: &str) -> bool {
    n.len() > 1
        && n.chars().any(|c| c.is_ascii_uppercase())
        && n.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Calls whose result carries their input (string methods, `str()`, dict/list access).
const PASS_THROUGH: &[&str] = &[
    "str",
    "format",
    "join",
    "replace",
    "strip",
    "lstrip",
    "rstrip",
    "lower",
    "upper",
    "title",
    "capitalize",
    "get",
    "pop",
    "getattr",
    "getlist",
    "decode",
    "encode",
    "format_map",
];

/// The parameters that carry outside data into a function: a view's (URL parts, besides the
/// request), and for HTML also a template tag's or filter's (template variables, often user data).
pub(crate) fn tainted_params<'f>(
    view: &crate::facts::view::ProjectView<'_>,
    f: &'f crate::facts::code::Function<'_>,
    html: bool,
) -> Vec<&'f str> {
    use crate::facts::code::Role;
    let tag_kind = f.decorator_names.iter().find_map(|d| {
        let last = d.rsplit('.').next().unwrap_or(d);
        matches!(last, "filter" | "simple_tag" | "inclusion_tag" | "tag" | "stringfilter").then_some(last)
    });
    let template_tag = tag_kind.is_some();
    if template_tag && matches!(tag_kind, Some("simple_tag" | "inclusion_tag")) && fed_only_literals(view, f) {
        return Vec::new();
    }
    if f.role == Role::View || (html && template_tag) {
        f.param_names().into_iter().filter(|p| !matches!(*p, "self" | "cls" | "request")).collect()
    } else {
        Vec::new()
    }
}

/// A simple or inclusion tag that the project's templates use, always with literal arguments
/// (`{% anchor 'number' _("Order number") %}`): its parameters are the developer's strings.
fn fed_only_literals(view: &crate::facts::view::ProjectView<'_>, f: &crate::facts::code::Function<'_>) -> bool {
    use crate::template::Node;
    // `@register.simple_tag(name="x")` renames the tag.
    let renamed = f.decorators.iter().find_map(|d| match d {
        Expr::Call(c) => c.keywords.iter().find_map(|k| {
            (k.arg.as_deref() == Some("name")).then(|| crate::python::names::str_value(&k.value)).flatten()
        }),
        _ => None,
    });
    let name = renamed.unwrap_or(f.name);
    let mut uses = 0;
    let mut variable = false;
    for t in view.templates {
        crate::template::visit(&t.template.nodes, &mut |n| {
            if let Node::Tag { name: tag, args, .. } = n {
                if tag == name {
                    uses += 1;
                    // Literals are not kept as arguments; `_("...")` is a translated literal.
                    variable |= args.iter().any(|a| !a.path.first().is_some_and(|p| p.starts_with("_(")));
                }
            }
        });
    }
    uses > 0 && !variable
}

/// Where an interpolated value can come from, as far as one function shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Taint {
    /// Literals, constants, quoted identifiers, internal state (`self.*`), database results.
    Internal,
    /// A parameter of the function (or an attribute of one, such as a model instance's field):
    /// whatever the callers pass, often user-entered data.
    Parameter,
    /// Request data: `request.GET`, `request.POST`, `request.data`, ...
    Request,
}

/// The taint of an interpolated value within `body` (the enclosing function's statements), given the
/// function's parameters.
pub(crate) fn taint(
    e: &Expr,
    params: &[&str],
    body: &[rustpython_parser::ast::Stmt],
    escapers: &[&str],
    depth: u32,
) -> Taint {
    use crate::rules::support::{last_assignment, mentions_request_data};
    if depth > 4 || is_safe_value(e, escapers) {
        return Taint::Internal;
    }
    if mentions_request_data(e) {
        return Taint::Request;
    }
    let max = |items: &mut dyn Iterator<Item = &Expr>| {
        items.map(|x| taint(x, params, body, escapers, depth + 1)).max().unwrap_or(Taint::Internal)
    };
    match e {
        Expr::Name(n) => {
            let name = n.id.as_str();
            if params.contains(&name) && name != "self" && name != "cls" {
                return Taint::Parameter;
            }
            let before = u32::from(rustpython_parser::ast::Ranged::range(e).start());
            match last_assignment(body, name, before) {
                Some(v) => taint(v, params, body, escapers, depth + 1),
                None => Taint::Internal,
            }
        }
        Expr::Attribute(a) => taint(&a.value, params, body, escapers, depth + 1),
        Expr::Subscript(s) => taint(&s.value, params, body, escapers, depth + 1),
        Expr::Call(c) => {
            // A call's result is the callee's business, except for string and container helpers that
            // pass their input through.
            let name = last_segment(&c.func).unwrap_or("");
            if !PASS_THROUGH.contains(&name) {
                return Taint::Internal;
            }
            let receiver = match c.func.as_ref() {
                Expr::Attribute(a) => Some(&*a.value),
                _ => None,
            };
            max(&mut receiver.into_iter().chain(c.args.iter()).chain(c.keywords.iter().map(|k| &k.value)))
        }
        Expr::BinOp(b) => max(&mut [&*b.left, &*b.right].into_iter()),
        Expr::IfExp(i) => max(&mut [&*i.body, &*i.orelse].into_iter()),
        Expr::JoinedStr(j) => max(&mut j.values.iter()),
        Expr::FormattedValue(f) => taint(&f.value, params, body, escapers, depth + 1),
        Expr::Dict(d) => max(&mut d.values.iter()),
        Expr::Tuple(t) => max(&mut t.elts.iter()),
        Expr::List(l) => max(&mut l.elts.iter()),
        Expr::ListComp(c) => {
            taint(&c.elt, params, body, escapers, depth + 1).max(max(&mut c.generators.iter().map(|g| &g.iter)))
        }
        Expr::GeneratorExp(c) => {
            taint(&c.elt, params, body, escapers, depth + 1).max(max(&mut c.generators.iter().map(|g| &g.iter)))
        }
        _ => Taint::Internal,
    }
}
