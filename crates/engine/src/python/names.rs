//! Small helpers for reading Python expressions: dotted names, call targets, keyword arguments,
//! string constants.

use rustpython_parser::ast::{self, Constant, Expr};

/// `a.b.c` for a chain of names and attributes; `None` for anything else.
pub fn dotted_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Name(n) => Some(n.id.to_string()),
        Expr::Attribute(a) => {
            let mut base = dotted_name(&a.value)?;
            base.push('.');
            base.push_str(&a.attr);
            Some(base)
        }
        _ => None,
    }
}

/// The last segment of a name or attribute chain (`models.ForeignKey` → `ForeignKey`).
pub fn last_segment(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Name(n) => Some(n.id.as_str()),
        Expr::Attribute(a) => Some(a.attr.as_str()),
        _ => None,
    }
}

/// The dotted name of the function a call invokes.
pub fn call_name(call: &ast::ExprCall) -> Option<String> {
    dotted_name(&call.func)
}

/// The value of keyword argument `name`.
pub fn keyword<'a>(call: &'a ast::ExprCall, name: &str) -> Option<&'a Expr> {
    call.keywords.iter().find(|k| k.arg.as_deref() == Some(name)).map(|k| &k.value)
}

/// The literal string value of an expression.
pub fn str_value(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Constant(ast::ExprConstant { value: Constant::Str(s), .. }) => Some(s.as_str()),
        _ => None,
    }
}

/// The literal boolean value of an expression.
pub fn bool_value(expr: &Expr) -> Option<bool> {
    match expr {
        Expr::Constant(ast::ExprConstant { value: Constant::Bool(b), .. }) => Some(*b),
        _ => None,
    }
}

/// Whether a keyword argument is the literal `True`.
pub fn keyword_is_true(call: &ast::ExprCall, name: &str) -> bool {
    keyword(call, name).and_then(bool_value) == Some(true)
}

/// Names bound by an assignment or loop target (`a`, `a, b`, `(a, [b, *c])`).
pub fn target_names(target: &Expr, out: &mut Vec<String>) {
    match target {
        Expr::Name(n) => out.push(n.id.to_string()),
        Expr::Tuple(t) => t.elts.iter().for_each(|e| target_names(e, out)),
        Expr::List(l) => l.elts.iter().for_each(|e| target_names(e, out)),
        Expr::Starred(s) => target_names(&s.value, out),
        _ => {}
    }
}

/// The expression at the start of a method chain: `Book` in `Book.objects.filter(x=1).first()`.
pub fn chain_root(mut e: &Expr) -> &Expr {
    loop {
        e = match e {
            Expr::Attribute(a) => &a.value,
            Expr::Call(c) => &c.func,
            Expr::Subscript(s) => &s.value,
            _ => return e,
        }
    }
}

/// Whether an attribute named `attr` appears anywhere along a method chain.
pub fn chain_has_attr(mut e: &Expr, attr: &str) -> bool {
    loop {
        e = match e {
            Expr::Attribute(a) => {
                if a.attr.as_str() == attr {
                    return true;
                }
                &a.value
            }
            Expr::Call(c) => &c.func,
            Expr::Subscript(s) => &s.value,
            _ => return false,
        }
    }
}

/// ORM methods that execute a query (or write) when called on a queryset or manager.
pub const ORM_EXECUTING: &[&str] = &[
    "get",
    "first",
    "last",
    "count",
    "exists",
    "create",
    "get_or_create",
    "update_or_create",
    "update",
    "delete",
    "aggregate",
    "in_bulk",
    "bulk_create",
    "bulk_update",
    "earliest",
    "latest",
    "iterator",
    "explain",
    "contains",
];

/// `X.objects....<executing method>(...)`: a call that runs a query through a model manager.
pub fn orm_query_call(call: &ast::ExprCall) -> Option<&str> {
    let Expr::Attribute(a) = call.func.as_ref() else { return None };
    let method = a.attr.as_str();
    if !ORM_EXECUTING.contains(&method) {
        return None;
    }
    (chain_has_attr(&a.value, "objects") || chain_has_attr(&a.value, "_default_manager")).then_some(method)
}

/// A queryset expression built from a manager: `X.objects...` (lazy, no query by itself).
pub fn manager_chain(e: &Expr) -> bool {
    chain_has_attr(e, "objects") || chain_has_attr(e, "_default_manager")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustpython_parser::Parse;

    fn parse_expression(src: &str, path: &str) -> Result<Expr, rustpython_parser::ParseError> {
        Expr::parse(src, path)
    }

    #[test]
    fn reads_names_and_arguments() {
        let e =
            parse_expression("models.ForeignKey('Author', null=True, related_name=\"books\")", "<t>").expect("parses");
        let Expr::Call(c) = &e else { panic!() };
        assert_eq!(call_name(c).as_deref(), Some("models.ForeignKey"));
        assert_eq!(last_segment(&c.func), Some("ForeignKey"));
        assert_eq!(str_value(&c.args[0]), Some("Author"));
        assert!(keyword_is_true(c, "null"));
        assert_eq!(keyword(c, "related_name").and_then(str_value), Some("books"));
        assert_eq!(keyword(c, "missing").map(|_| ()), None);
    }

    #[test]
    fn collects_target_names() {
        let e = parse_expression("(i, (a, *rest))", "<t>").expect("parses");
        let mut out = vec![];
        target_names(&e, &mut out);
        assert_eq!(out, ["i", "a", "rest"]);
    }
}
