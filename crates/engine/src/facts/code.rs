//! Code facts for one Python file: what each imported name refers to, every function with its role
//! (view, task, management command, signal receiver, model method), and every call with the context
//! it runs in (enclosing function, `transaction.atomic` block, loop, deferred callback, `await`).
//! Most rules are "this call, in that context"; they read these facts instead of walking the tree.

use rustpython_parser::ast::{self, Expr, Ranged, Stmt};
use rustpython_parser::text_size::TextRange;

use crate::python::names::{dotted_name, last_segment, str_value};
use crate::python::walk::{for_each_child, Node};

/// Local names to the dotted names they were imported as: `from django.db import transaction` maps
/// `transaction` to `django.db.transaction`.
#[derive(Debug, Default, Clone)]
pub struct Imports {
    map: crate::fasthash::FastMap<String, String>,
}

impl Imports {
    pub fn from_body(body: &[Stmt]) -> Imports {
        let mut imports = Imports::default();
        let mut stack: Vec<&[Stmt]> = vec![body];
        while let Some(block) = stack.pop() {
            for s in block {
                match s {
                    Stmt::Import(i) => {
                        for a in &i.names {
                            match &a.asname {
                                Some(alias) => imports.map.insert(alias.to_string(), a.name.to_string()),
                                None => {
                                    let first = a.name.split('.').next().unwrap_or(&a.name).to_string();
                                    imports.map.insert(first.clone(), first)
                                }
                            };
                        }
                    }
                    Stmt::ImportFrom(i) => {
                        let module = i.module.as_deref().unwrap_or("");
                        let dots = ".".repeat(i.level.map_or(0, |l| l.to_usize()));
                        for a in &i.names {
                            let local = a.asname.as_ref().unwrap_or(&a.name).to_string();
                            let full = if module.is_empty() {
                                format!("{dots}{}", a.name)
                            } else {
                                format!("{dots}{module}.{}", a.name)
                            };
                            imports.map.insert(local, full);
                        }
                    }
                    Stmt::If(i) => {
                        stack.push(&i.body);
                        stack.push(&i.orelse);
                    }
                    Stmt::Try(t) => {
                        stack.push(&t.body);
                        stack.push(&t.orelse);
                        for h in &t.handlers {
                            let ast::ExceptHandler::ExceptHandler(h) = h;
                            stack.push(&h.body);
                        }
                    }
                    Stmt::FunctionDef(f) => stack.push(&f.body),
                    Stmt::AsyncFunctionDef(f) => stack.push(&f.body),
                    _ => {}
                }
            }
        }
        imports
    }

    /// The dotted name with its first segment replaced by what it was imported as.
    pub fn resolve(&self, dotted: &str) -> String {
        let (first, rest) = match dotted.split_once('.') {
            Some((f, r)) => (f, Some(r)),
            None => (dotted, None),
        };
        match (self.map.get(first), rest) {
            (Some(full), Some(rest)) => format!("{full}.{rest}"),
            (Some(full), None) => full.clone(),
            (None, _) => dotted.to_string(),
        }
    }

    /// The qualified name of a name/attribute chain.
    pub fn qualify(&self, expr: &Expr) -> Option<String> {
        dotted_name(expr).map(|d| self.resolve(&d))
    }

    pub fn is_imported(&self, local: &str) -> bool {
        self.map.contains_key(local)
    }
}

/// What a function is for, as far as its context shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Handles a request: a function view, a class-based view's handler, a DRF viewset action.
    View,
    /// A Celery (or similar) task body.
    Task,
    /// A management command's `handle`.
    Command,
    /// A signal receiver.
    Receiver,
    /// A `save()` override on a model.
    ModelSave,
    Other,
}

pub struct Function<'a> {
    pub name: &'a str,
    pub is_async: bool,
    pub args: &'a ast::Arguments,
    pub body: &'a [Stmt],
    pub decorators: &'a [Expr],
    /// Qualified names of the decorators (`shared_task`, `django.views.decorators.csrf.csrf_exempt`).
    pub decorator_names: Vec<String>,
    pub range: TextRange,
    /// The class the function is a method of, with its qualified base names.
    pub class: Option<(&'a ast::StmtClassDef, Vec<String>)>,
    pub role: Role,
    /// The enclosing function, for nested definitions.
    pub parent: Option<usize>,
    /// Decorated with `transaction.atomic`.
    pub atomic: bool,
}

impl Function<'_> {
    pub fn has_decorator(&self, last: &str) -> bool {
        self.decorator_names.iter().any(|d| d.rsplit('.').next() == Some(last))
    }

    /// Names of the positional parameters.
    pub fn param_names(&self) -> Vec<&str> {
        self.args.posonlyargs.iter().chain(&self.args.args).map(|a| a.def.arg.as_str()).collect()
    }
}

/// A call and the context it runs in.
pub struct Call<'a> {
    pub call: &'a ast::ExprCall,
    /// Qualified dotted name of the callee, when it is a name/attribute chain.
    pub name: Option<String>,
    /// The attribute called (`delay` in `task.delay()`), or the function name.
    pub method: Option<&'a str>,
    pub function: Option<usize>,
    /// The innermost enclosing `with transaction.atomic():` (or atomic-decorated function).
    pub atomic: Option<TextRange>,
    pub loop_depth: u32,
    /// The innermost enclosing loop (statement or comprehension).
    pub loop_range: Option<TextRange>,
    /// Inside a lambda, or inside a function passed to `transaction.on_commit` by name.
    pub deferred: bool,
    /// The call is the operand of `await`.
    pub awaited: bool,
}

pub struct CodeFacts<'a> {
    pub imports: Imports,
    pub functions: Vec<Function<'a>>,
    pub calls: Vec<Call<'a>>,
    /// Names of module-level functions handed to `transaction.on_commit` or a signal's `connect`.
    pub connected_receivers: Vec<String>,
}

impl<'a> CodeFacts<'a> {
    pub fn build(body: &'a [Stmt]) -> CodeFacts<'a> {
        let imports = Imports::from_body(body);
        let mut b = Builder {
            facts: CodeFacts { imports, functions: Vec::new(), calls: Vec::new(), connected_receivers: Vec::new() },
            func: None,
            class: None,
            atomic: Vec::new(),
            loops: Vec::new(),
            deferred: 0,
            awaited: None,
        };
        b.block(body);
        let mut facts = b.facts;
        // Functions connected with `signal.connect(fn)` are receivers too.
        let connected: Vec<String> = facts
            .calls
            .iter()
            .filter(|c| c.method == Some("connect"))
            .filter_map(|c| c.call.args.first().and_then(last_segment).map(str::to_string))
            .collect();
        for f in &mut facts.functions {
            if f.role == Role::Other && connected.iter().any(|n| n == f.name) {
                f.role = Role::Receiver;
            }
        }
        facts.connected_receivers = connected;
        facts
    }

    pub fn function(&self, id: usize) -> &Function<'a> {
        &self.functions[id]
    }

    /// The outermost function enclosing `id` (the view a nested helper belongs to).
    pub fn outermost(&self, mut id: usize) -> usize {
        while let Some(p) = self.functions[id].parent {
            id = p;
        }
        id
    }

    /// Calls made directly in function `id` (not in nested functions).
    pub fn calls_in(&self, id: usize) -> impl Iterator<Item = &Call<'a>> {
        self.calls.iter().filter(move |c| c.function == Some(id))
    }

    /// Module-level functions by name.
    pub fn function_named(&self, name: &str) -> Option<usize> {
        self.functions.iter().position(|f| f.name == name && f.class.is_none() && f.parent.is_none())
    }
}

struct Builder<'a> {
    facts: CodeFacts<'a>,
    func: Option<usize>,
    class: Option<(&'a ast::StmtClassDef, Vec<String>)>,
    atomic: Vec<TextRange>,
    loops: Vec<TextRange>,
    deferred: u32,
    awaited: Option<TextRange>,
}

/// Bases that make a class a view; methods named like HTTP handlers in them are views.
const VIEW_BASES: &[&str] = &[
    "View",
    "TemplateView",
    "ListView",
    "DetailView",
    "CreateView",
    "UpdateView",
    "DeleteView",
    "FormView",
    "RedirectView",
    "APIView",
    "GenericAPIView",
    "ViewSet",
    "ModelViewSet",
    "ReadOnlyModelViewSet",
    "GenericViewSet",
    "ListAPIView",
    "RetrieveAPIView",
    "CreateAPIView",
    "ListCreateAPIView",
    "RetrieveUpdateAPIView",
    "RetrieveUpdateDestroyAPIView",
    "RetrieveDestroyAPIView",
    "UpdateAPIView",
    "DestroyAPIView",
    "ArchiveIndexView",
    "MonthArchiveView",
    "YearArchiveView",
];
const VIEW_METHODS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "dispatch",
    "get_context_data",
    "get_queryset",
    "get_object",
    "form_valid",
    "form_invalid",
    "list",
    "retrieve",
    "create",
    "update",
    "partial_update",
    "destroy",
    "perform_create",
    "perform_update",
    "perform_destroy",
    "render_to_response",
];

impl<'a> Builder<'a> {
    fn block(&mut self, body: &'a [Stmt]) {
        for s in body {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, s: &'a Stmt) {
        match s {
            Stmt::FunctionDef(d) => {
                self.function(d.name.as_str(), false, &d.args, &d.body, &d.decorator_list, d.range);
            }
            Stmt::AsyncFunctionDef(d) => {
                self.function(d.name.as_str(), true, &d.args, &d.body, &d.decorator_list, d.range);
            }
            Stmt::ClassDef(c) => {
                for e in c.bases.iter().chain(&c.decorator_list) {
                    self.expr(e);
                }
                let bases = c.bases.iter().filter_map(|b| self.facts.imports.qualify(b)).collect();
                let saved = self.class.replace((c, bases));
                let saved_func = self.func.take();
                self.block(&c.body);
                self.func = saved_func;
                self.class = saved;
            }
            Stmt::With(w) => {
                let mut pushed = 0;
                for item in &w.items {
                    self.expr(&item.context_expr);
                    if self.is_atomic(&item.context_expr) {
                        self.atomic.push(w.range);
                        pushed += 1;
                    }
                }
                self.block(&w.body);
                for _ in 0..pushed {
                    self.atomic.pop();
                }
            }
            Stmt::For(f) => {
                self.expr(&f.iter);
                self.loops.push(f.range);
                self.expr(&f.target);
                self.block(&f.body);
                self.loops.pop();
                self.block(&f.orelse);
            }
            Stmt::AsyncFor(f) => {
                self.expr(&f.iter);
                self.loops.push(f.range);
                self.block(&f.body);
                self.loops.pop();
                self.block(&f.orelse);
            }
            Stmt::While(w) => {
                self.expr(&w.test);
                self.loops.push(w.range);
                self.block(&w.body);
                self.loops.pop();
                self.block(&w.orelse);
            }
            other => for_each_child(Node::Stmt(other), &mut |n| match n {
                Node::Stmt(s) => self.stmt(s),
                Node::Expr(e) => self.expr(e),
            }),
        }
    }

    fn function(
        &mut self,
        name: &'a str,
        is_async: bool,
        args: &'a ast::Arguments,
        body: &'a [Stmt],
        decorators: &'a [Expr],
        range: TextRange,
    ) {
        for d in decorators {
            self.expr(d);
        }
        let decorator_names: Vec<String> = decorators
            .iter()
            .filter_map(|d| match d {
                Expr::Call(c) => self.facts.imports.qualify(&c.func),
                other => self.facts.imports.qualify(other),
            })
            .collect();
        let atomic = decorator_names
            .iter()
            .any(|d| d.ends_with("transaction.atomic") || d == "atomic" || d.ends_with(".atomic"));
        let class = if self.func.is_none() { self.class.clone() } else { None };
        let mut role = role_of(name, args, &decorator_names, class.as_ref());
        // `@receiver(periodic_task)`: a scheduler signal's receivers run as background jobs.
        let periodic = decorators.iter().any(|d| match d {
            Expr::Call(c) => c.args.first().and_then(last_segment).is_some_and(|s| s.contains("periodic")),
            _ => false,
        });
        if role == Role::Receiver && periodic {
            role = Role::Task;
        }
        let id = self.facts.functions.len();
        self.facts.functions.push(Function {
            name,
            is_async,
            args,
            body,
            decorators,
            decorator_names,
            range,
            class,
            role,
            parent: self.func,
            atomic,
        });
        // A nested function runs when it is called, not where it is defined: start a fresh context,
        // but a function defined inside an atomic block usually runs there (on_commit callbacks aside).
        let saved = (
            self.func.replace(id),
            std::mem::take(&mut self.loops),
            std::mem::take(&mut self.atomic),
            self.class.take(),
        );
        if atomic {
            self.atomic.push(range);
        }
        self.block(body);
        self.func = saved.0;
        self.loops = saved.1;
        self.atomic = saved.2;
        self.class = saved.3;
    }

    fn is_atomic(&self, e: &Expr) -> bool {
        let target = match e {
            Expr::Call(c) => &*c.func,
            other => other,
        };
        // `transaction.atomic`, and project wrappers named after it (`conditional_atomic(...)`,
        // `atomic_with_retry()`), which open one in their body.
        self.facts.imports.qualify(target).is_some_and(|n| {
            n == "django.db.transaction.atomic"
                || n.ends_with("transaction.atomic")
                || n.rsplit('.').next().is_some_and(|last| last.contains("atomic") && !last.starts_with("non_atomic"))
        })
    }

    fn expr(&mut self, e: &'a Expr) {
        match e {
            Expr::Call(c) => {
                let name = self.facts.imports.qualify(&c.func);
                let method = match c.func.as_ref() {
                    Expr::Attribute(a) => Some(a.attr.as_str()),
                    Expr::Name(n) => Some(n.id.as_str()),
                    _ => None,
                };
                let awaited = self.awaited == Some(c.range);
                self.facts.calls.push(Call {
                    call: c,
                    name,
                    method,
                    function: self.func,
                    atomic: self.atomic.last().copied(),
                    loop_depth: self.loops.len() as u32,
                    loop_range: self.loops.last().copied(),
                    deferred: self.deferred > 0,
                    awaited,
                });
                // Callbacks handed to on_commit run after the transaction.
                let on_commit = method == Some("on_commit") || method == Some("delay_on_commit");
                if on_commit {
                    self.deferred += 1;
                }
                for_each_child(Node::Expr(e), &mut |n| {
                    if let Node::Expr(x) = n {
                        self.expr(x);
                    }
                });
                if on_commit {
                    self.deferred -= 1;
                }
            }
            Expr::Lambda(l) => {
                self.deferred += 1;
                self.expr(&l.body);
                self.deferred -= 1;
            }
            Expr::Await(a) => {
                let saved = self.awaited.replace(a.value.range());
                self.expr(&a.value);
                self.awaited = saved;
            }
            Expr::ListComp(_) | Expr::SetComp(_) | Expr::DictComp(_) | Expr::GeneratorExp(_) => {
                self.loops.push(e.range());
                for_each_child(Node::Expr(e), &mut |n| {
                    if let Node::Expr(x) = n {
                        self.expr(x);
                    }
                });
                self.loops.pop();
            }
            other => for_each_child(Node::Expr(other), &mut |n| match n {
                Node::Expr(x) => self.expr(x),
                Node::Stmt(s) => self.stmt(s),
            }),
        }
    }
}

fn role_of(
    name: &str,
    args: &ast::Arguments,
    decorators: &[String],
    class: Option<&(&ast::StmtClassDef, Vec<String>)>,
) -> Role {
    let last = |d: &String| d.rsplit('.').next().unwrap_or(d).to_string();
    if decorators.iter().any(|d| matches!(last(d).as_str(), "shared_task" | "task" | "periodic_task" | "actor")) {
        return Role::Task;
    }
    if decorators.iter().any(|d| last(d) == "receiver") {
        return Role::Receiver;
    }
    let first_params: Vec<&str> =
        args.posonlyargs.iter().chain(&args.args).map(|a| a.def.arg.as_str()).take(2).collect();
    match class {
        Some((c, bases)) => {
            let base_last: Vec<&str> = bases.iter().map(|b| b.rsplit('.').next().unwrap_or(b)).collect();
            if name == "handle" && (c.name.as_str() == "Command" || base_last.iter().any(|b| b.ends_with("Command"))) {
                return Role::Command;
            }
            if name == "run" && base_last.iter().any(|b| *b == "Task") {
                return Role::Task;
            }
            if name == "save" && base_last.iter().any(|b| b.ends_with("Model") || *b == "Model") {
                return Role::ModelSave;
            }
            let is_view_class = base_last.iter().any(|b| {
                VIEW_BASES.contains(b) || b.ends_with("View") || b.ends_with("ViewSet") || b.ends_with("APIView")
            });
            if is_view_class && (VIEW_METHODS.contains(&name) || decorators.iter().any(|d| last(d) == "action")) {
                return Role::View;
            }
            Role::Other
        }
        None => {
            let view_decorator = decorators.iter().any(|d| {
                matches!(
                    last(d).as_str(),
                    "login_required"
                        | "require_http_methods"
                        | "require_GET"
                        | "require_POST"
                        | "require_safe"
                        | "api_view"
                        | "permission_required"
                        | "csrf_exempt"
                        | "cache_page"
                        | "never_cache"
                        | "user_passes_test"
                )
            });
            if first_params.first() == Some(&"request") || view_decorator {
                Role::View
            } else {
                Role::Other
            }
        }
    }
}

/// Whether a call's keyword `name` is present.
pub fn has_keyword(call: &ast::ExprCall, name: &str) -> bool {
    call.keywords.iter().any(|k| k.arg.as_deref() == Some(name))
}

/// The string a call's first positional argument holds, if literal.
pub fn first_str_arg(call: &ast::ExprCall) -> Option<&str> {
    call.args.first().and_then(str_value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python::parse_python;

    #[test]
    fn resolves_imports_and_records_call_context() {
        let src = r#"
from django.db import transaction
import requests as rq
from datetime import datetime
from celery import shared_task

@shared_task
def send(order_id):
    rq.post("https://x")

def view(request):
    with transaction.atomic():
        send.delay(1)
        transaction.on_commit(lambda: send.delay(2))
        for i in range(3):
            datetime.now()
    return [datetime.utcnow() for _ in range(2)]

class Command(BaseCommand):
    def handle(self, *args, **options):
        pass
"#;
        let parsed = parse_python("x.py", src).expect("parses");
        let facts = CodeFacts::build(parsed.body());
        let names: Vec<(&str, bool, u32, bool)> = facts
            .calls
            .iter()
            .map(|c| (c.name.as_deref().unwrap_or("?"), c.atomic.is_some(), c.loop_depth, c.deferred))
            .collect();
        assert!(names.contains(&("requests.post", false, 0, false)), "{names:?}");
        assert!(names.contains(&("send.delay", true, 0, false)));
        assert!(names.contains(&("send.delay", true, 0, true)), "on_commit lambda is deferred");
        assert!(names.contains(&("datetime.datetime.now", true, 1, false)));
        assert!(names.contains(&("datetime.datetime.utcnow", false, 1, false)));
        let roles: Vec<(&str, Role)> = facts.functions.iter().map(|f| (f.name, f.role)).collect();
        assert_eq!(roles, [("send", Role::Task), ("view", Role::View), ("handle", Role::Command)]);
    }
}
