//! Small shared judgements for rules: what a call does (network, email, ORM query), whether a
//! string was built by formatting, what a method chain starts from.

use rustpython_parser::ast::{self, Constant, Expr, Operator, Stmt};

use crate::facts::code::Imports;
pub use crate::python::names::{chain_has_attr, chain_root, manager_chain, orm_query_call, ORM_EXECUTING};
use crate::python::names::{dotted_name, last_segment};

/// Why a qualified call goes over the network, if it does.
pub fn network_call(name: &str) -> Option<&'static str> {
    let first = name.split('.').next().unwrap_or(name);
    let last = name.rsplit('.').next().unwrap_or(name);
    match first {
        "requests" | "httpx" | "urllib3" | "aiohttp" | "pycurl" => return Some("an HTTP request"),
        "stripe" | "braintree" | "paypalrestsdk" | "twilio" | "sendgrid" | "mailchimp3" | "slack_sdk" => {
            return Some("a call to an external API")
        }
        "boto3" | "botocore" => return Some("an AWS API call"),
        _ => {}
    }
    if name == "urllib.request.urlopen" || name.starts_with("urllib.request.urlopen") {
        return Some("an HTTP request");
    }
    if email_call(name) {
        return Some("an email send");
    }
    let _ = last;
    None
}

/// Django's email functions (SMTP under the default backend).
pub fn email_call(name: &str) -> bool {
    matches!(
        name,
        "django.core.mail.send_mail"
            | "django.core.mail.send_mass_mail"
            | "django.core.mail.mail_admins"
            | "django.core.mail.mail_managers"
            | "send_mail"
            | "send_mass_mail"
            | "mail_admins"
            | "mail_managers"
    )
}

/// Whether a call dispatches a background task (Celery's `.delay()`/`.apply_async()`/`send_task`).
pub fn task_dispatch(call: &ast::ExprCall) -> bool {
    match call.func.as_ref() {
        Expr::Attribute(a) => matches!(a.attr.as_str(), "delay" | "apply_async" | "send_task"),
        Expr::Name(n) => n.id.as_str() == "send_task",
        _ => false,
    }
}

/// How a string was assembled from pieces that are not all literals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Formatting {
    FString,
    Percent,
    FormatMethod,
    Concatenation,
}

impl Formatting {
    pub fn describe(self) -> &'static str {
        match self {
            Formatting::FString => "an f-string",
            Formatting::Percent => "`%` formatting",
            Formatting::FormatMethod => "`.format()`",
            Formatting::Concatenation => "string concatenation",
        }
    }
}

/// If `e` builds a string by formatting, how, and the interpolated expressions.
pub fn formatted_string(e: &Expr) -> Option<(Formatting, Vec<&Expr>)> {
    match e {
        Expr::JoinedStr(j) => {
            let parts: Vec<&Expr> = j
                .values
                .iter()
                .filter_map(|v| match v {
                    Expr::FormattedValue(f) => Some(&*f.value),
                    _ => None,
                })
                .collect();
            (!parts.is_empty()).then_some((Formatting::FString, parts))
        }
        Expr::BinOp(b) if b.op == Operator::Mod && is_string_literal(&b.left) => {
            let parts = match b.right.as_ref() {
                Expr::Tuple(t) => t.elts.iter().collect(),
                Expr::Dict(d) => d.values.iter().collect(),
                other => vec![other],
            };
            Some((Formatting::Percent, parts))
        }
        Expr::Call(c) => match c.func.as_ref() {
            Expr::Attribute(a) if a.attr.as_str() == "format" && is_string_literal(&a.value) => {
                let parts: Vec<&Expr> = c.args.iter().chain(c.keywords.iter().map(|k| &k.value)).collect();
                (!parts.is_empty()).then_some((Formatting::FormatMethod, parts))
            }
            _ => None,
        },
        Expr::BinOp(b) if b.op == Operator::Add => {
            let mut operands = Vec::new();
            flatten_add(e, &mut operands);
            let has_literal = operands.iter().any(|o| is_string_literal(o) || formatted_string(o).is_some());
            let others: Vec<&Expr> = operands.into_iter().filter(|o| !is_string_literal(o)).collect();
            (has_literal && !others.is_empty()).then_some((Formatting::Concatenation, others))
        }
        _ => None,
    }
}

fn flatten_add<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match e {
        Expr::BinOp(b) if b.op == Operator::Add => {
            flatten_add(&b.left, out);
            flatten_add(&b.right, out);
        }
        other => out.push(other),
    }
}

pub fn is_string_literal(e: &Expr) -> bool {
    matches!(e, Expr::Constant(ast::ExprConstant { value: Constant::Str(_), .. }))
}

/// The literal text of a formatted string (the parts written in the code), for keyword checks.
pub fn literal_text(e: &Expr) -> String {
    match e {
        Expr::Constant(ast::ExprConstant { value: Constant::Str(s), .. }) => s.clone(),
        Expr::JoinedStr(j) => j.values.iter().map(literal_text).collect(),
        Expr::BinOp(b) => format!("{}{}", literal_text(&b.left), literal_text(&b.right)),
        Expr::Call(c) => match c.func.as_ref() {
            Expr::Attribute(a) => literal_text(&a.value),
            _ => String::new(),
        },
        _ => String::new(),
    }
}

/// The value a name was last assigned in `body` before byte offset `before`, looking into nested
/// blocks (not into nested functions).
pub fn last_assignment<'b>(body: &'b [Stmt], name: &str, before: u32) -> Option<&'b Expr> {
    let mut found: Option<&Expr> = None;
    let mut stack: Vec<&[Stmt]> = vec![body];
    while let Some(block) = stack.pop() {
        for s in block {
            if u32::from(ast::Ranged::range(s).start()) >= before {
                continue;
            }
            match s {
                Stmt::Assign(a) => {
                    if a.targets.iter().any(|t| matches!(t, Expr::Name(n) if n.id.as_str() == name)) {
                        let better =
                            found.is_none_or(|f| ast::Ranged::range(f).start() < ast::Ranged::range(&*a.value).start());
                        if better {
                            found = Some(&a.value);
                        }
                    }
                }
                Stmt::AnnAssign(a) => {
                    if let (Expr::Name(n), Some(v)) = (&*a.target, &a.value) {
                        if n.id.as_str() == name {
                            found = Some(v);
                        }
                    }
                }
                Stmt::If(i) => {
                    stack.push(&i.body);
                    stack.push(&i.orelse);
                }
                Stmt::For(f) => stack.push(&f.body),
                Stmt::While(w) => stack.push(&w.body),
                Stmt::With(w) => stack.push(&w.body),
                Stmt::Try(t) => {
                    stack.push(&t.body);
                    stack.push(&t.orelse);
                    stack.push(&t.finalbody);
                }
                _ => {}
            }
        }
    }
    found
}

/// Whether an expression mentions request data (`request.GET`, `request.POST`, `request.data`, ...).
pub fn mentions_request_data(e: &Expr) -> bool {
    let mut found = false;
    crate::python::walk::for_each_child(crate::python::walk::Node::Expr(e), &mut |n| {
        if let crate::python::walk::Node::Expr(x) = n {
            found |= mentions_request_data(x);
        }
    });
    if let Some(d) = dotted_name(e) {
        found |= [
            "request.GET",
            "request.POST",
            "request.data",
            "request.query_params",
            "request.body",
            "request.COOKIES",
            "request.headers",
            "request.META",
            "self.request.GET",
            "self.request.POST",
            "self.request.data",
            "self.request.query_params",
        ]
        .iter()
        .any(|p| d == *p || d.starts_with(&format!("{p}.")));
    }
    found
}

/// The qualified name of a call's function.
pub fn qualified_call(imports: &Imports, call: &ast::ExprCall) -> Option<String> {
    imports.qualify(&call.func)
}

/// `True` when the call is `name(...)` or `x.name(...)`.
pub fn calls_named(call: &ast::ExprCall, name: &str) -> bool {
    last_segment(&call.func) == Some(name)
}
