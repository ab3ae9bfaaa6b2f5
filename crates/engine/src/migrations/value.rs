//! Python literals as migration files write them: operation arguments, field definitions, lists of
//! indexes and constraints. Anything else is kept as its source text.

use rustpython_parser::ast::{self, Constant, Expr};

use crate::python::names::dotted_name;

#[derive(Clone, Debug, PartialEq)]
pub enum PyValue {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    None,
    List(Vec<PyValue>),
    Dict(Vec<(PyValue, PyValue)>),
    /// `models.CharField(max_length=20)`: the dotted callee, positional and keyword arguments.
    Call(Box<Call>),
    /// A name or attribute chain (`uuid.uuid4`, `django.utils.timezone.now`, `settings.AUTH_USER_MODEL`).
    Name(String),
    /// A lambda, an operator expression, a comprehension...: the source as written.
    Other(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub func: String,
    pub args: Vec<PyValue>,
    pub kwargs: Vec<(String, PyValue)>,
    pub source: String,
}

impl PyValue {
    pub fn from_expr(e: &Expr, source: &dyn Fn(&Expr) -> String) -> PyValue {
        match e {
            Expr::Constant(c) => match &c.value {
                Constant::Str(s) => PyValue::Str(s.clone()),
                Constant::Int(i) => i.to_string().parse().map(PyValue::Int).unwrap_or(PyValue::Other(source(e))),
                Constant::Float(f) => PyValue::Float(*f),
                Constant::Bool(b) => PyValue::Bool(*b),
                Constant::None => PyValue::None,
                _ => PyValue::Other(source(e)),
            },
            Expr::UnaryOp(u) if u.op == ast::UnaryOp::USub => match PyValue::from_expr(&u.operand, source) {
                PyValue::Int(i) => PyValue::Int(-i),
                PyValue::Float(f) => PyValue::Float(-f),
                _ => PyValue::Other(source(e)),
            },
            Expr::List(l) => PyValue::List(l.elts.iter().map(|x| PyValue::from_expr(x, source)).collect()),
            Expr::Tuple(t) => PyValue::List(t.elts.iter().map(|x| PyValue::from_expr(x, source)).collect()),
            Expr::Set(t) => PyValue::List(t.elts.iter().map(|x| PyValue::from_expr(x, source)).collect()),
            Expr::Dict(d) => PyValue::Dict(
                d.keys
                    .iter()
                    .zip(&d.values)
                    .map(|(k, v)| {
                        let key = k.as_ref().map(|k| PyValue::from_expr(k, source)).unwrap_or(PyValue::None);
                        (key, PyValue::from_expr(v, source))
                    })
                    .collect(),
            ),
            Expr::Call(c) => match dotted_name(&c.func) {
                Some(func) => PyValue::Call(Box::new(Call {
                    func,
                    args: c.args.iter().map(|x| PyValue::from_expr(x, source)).collect(),
                    kwargs: c
                        .keywords
                        .iter()
                        .filter_map(|k| k.arg.as_ref().map(|a| (a.to_string(), PyValue::from_expr(&k.value, source))))
                        .collect(),
                    source: source(e),
                })),
                None => PyValue::Other(source(e)),
            },
            Expr::Name(_) | Expr::Attribute(_) => match dotted_name(e) {
                Some(d) => PyValue::Name(d),
                None => PyValue::Other(source(e)),
            },
            _ => PyValue::Other(source(e)),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            PyValue::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            PyValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            PyValue::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_list(&self) -> &[PyValue] {
        match self {
            PyValue::List(l) => l,
            _ => &[],
        }
    }

    pub fn as_call(&self) -> Option<&Call> {
        match self {
            PyValue::Call(c) => Some(c),
            _ => None,
        }
    }

    /// The last segment of a call's callee or of a name: `CharField`, `uuid4`.
    pub fn short_name(&self) -> Option<&str> {
        let full = match self {
            PyValue::Call(c) => c.func.as_str(),
            PyValue::Name(n) => n.as_str(),
            _ => return None,
        };
        full.rsplit('.').next()
    }

    /// Python source for the value, as a migration would write it.
    pub fn to_python(&self) -> String {
        match self {
            PyValue::Str(s) => format!("{s:?}"),
            PyValue::Int(i) => i.to_string(),
            PyValue::Float(f) => f.to_string(),
            PyValue::Bool(true) => "True".into(),
            PyValue::Bool(false) => "False".into(),
            PyValue::None => "None".into(),
            PyValue::List(l) => format!("[{}]", l.iter().map(PyValue::to_python).collect::<Vec<_>>().join(", ")),
            PyValue::Dict(d) => format!(
                "{{{}}}",
                d.iter().map(|(k, v)| format!("{}: {}", k.to_python(), v.to_python())).collect::<Vec<_>>().join(", ")
            ),
            PyValue::Call(c) => c.source.clone(),
            PyValue::Name(n) => n.clone(),
            PyValue::Other(s) => s.clone(),
        }
    }
}

impl Call {
    pub fn kwarg(&self, name: &str) -> Option<&PyValue> {
        self.kwargs.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// A keyword argument, or the positional argument at `pos` when the keyword is absent.
    pub fn arg(&self, name: &str, pos: usize) -> Option<&PyValue> {
        self.kwarg(name).or_else(|| self.args.get(pos))
    }

    pub fn short_func(&self) -> &str {
        self.func.rsplit('.').next().unwrap_or(&self.func)
    }
}
