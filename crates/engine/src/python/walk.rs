//! A borrowing AST walker.
//!
//! rustpython-parser's generated `Visitor` takes nodes by value, which would force read-only analyses
//! to clone the tree. Here one function, [`for_each_child`], knows the shape of every node; the
//! recursive [`Visitor`] and the iterative [`max_depth`] are both built on it, so a new node kind is
//! handled in exactly one place.

use rustpython_parser::ast::{self, Expr, Pattern, Stmt};

/// A statement or an expression. Intermediate nodes (comprehensions, keywords, arguments, patterns,
/// handlers, with-items, match cases) are flattened into their statement and expression children.
#[derive(Clone, Copy)]
pub enum Node<'a> {
    Stmt(&'a Stmt),
    Expr(&'a Expr),
}

/// Calls `f` for each direct statement or expression child of `node`, in source order where it matters
/// (a `for` loop's iterable before its body, a comprehension's generators before its element).
pub fn for_each_child<'a>(node: Node<'a>, f: &mut dyn FnMut(Node<'a>)) {
    match node {
        Node::Stmt(s) => stmt_children(s, f),
        Node::Expr(e) => expr_children(e, f),
    }
}

fn stmts<'a>(body: &'a [Stmt], f: &mut dyn FnMut(Node<'a>)) {
    for s in body {
        f(Node::Stmt(s));
    }
}

fn exprs<'a>(items: &'a [Expr], f: &mut dyn FnMut(Node<'a>)) {
    for e in items {
        f(Node::Expr(e));
    }
}

fn opt<'a>(e: &'a Option<Box<Expr>>, f: &mut dyn FnMut(Node<'a>)) {
    if let Some(e) = e {
        f(Node::Expr(e));
    }
}

fn arguments<'a>(args: &'a ast::Arguments, f: &mut dyn FnMut(Node<'a>)) {
    for a in args.posonlyargs.iter().chain(&args.args).chain(&args.kwonlyargs) {
        opt(&a.def.annotation, f);
        opt(&a.default, f);
    }
    for a in args.vararg.iter().chain(&args.kwarg) {
        opt(&a.annotation, f);
    }
}

fn keywords<'a>(kws: &'a [ast::Keyword], f: &mut dyn FnMut(Node<'a>)) {
    for k in kws {
        f(Node::Expr(&k.value));
    }
}

fn handlers<'a>(hs: &'a [ast::ExceptHandler], f: &mut dyn FnMut(Node<'a>)) {
    for h in hs {
        let ast::ExceptHandler::ExceptHandler(h) = h;
        opt(&h.type_, f);
        stmts(&h.body, f);
    }
}

fn type_params<'a>(tps: &'a [ast::TypeParam], f: &mut dyn FnMut(Node<'a>)) {
    for tp in tps {
        if let ast::TypeParam::TypeVar(tv) = tp {
            opt(&tv.bound, f);
        }
    }
}

fn pattern<'a>(p: &'a Pattern, f: &mut dyn FnMut(Node<'a>)) {
    match p {
        Pattern::MatchValue(p) => f(Node::Expr(&p.value)),
        Pattern::MatchSingleton(_) | Pattern::MatchStar(_) => {}
        Pattern::MatchSequence(p) => p.patterns.iter().for_each(|p| pattern(p, f)),
        Pattern::MatchMapping(p) => {
            exprs(&p.keys, f);
            p.patterns.iter().for_each(|p| pattern(p, f));
        }
        Pattern::MatchClass(p) => {
            f(Node::Expr(&p.cls));
            p.patterns.iter().chain(&p.kwd_patterns).for_each(|p| pattern(p, f));
        }
        Pattern::MatchAs(p) => {
            if let Some(p) = &p.pattern {
                pattern(p, f);
            }
        }
        Pattern::MatchOr(p) => p.patterns.iter().for_each(|p| pattern(p, f)),
    }
}

fn stmt_children<'a>(s: &'a Stmt, f: &mut dyn FnMut(Node<'a>)) {
    match s {
        Stmt::FunctionDef(d) => {
            exprs(&d.decorator_list, f);
            arguments(&d.args, f);
            opt(&d.returns, f);
            type_params(&d.type_params, f);
            stmts(&d.body, f);
        }
        Stmt::AsyncFunctionDef(d) => {
            exprs(&d.decorator_list, f);
            arguments(&d.args, f);
            opt(&d.returns, f);
            type_params(&d.type_params, f);
            stmts(&d.body, f);
        }
        Stmt::ClassDef(d) => {
            exprs(&d.decorator_list, f);
            exprs(&d.bases, f);
            keywords(&d.keywords, f);
            type_params(&d.type_params, f);
            stmts(&d.body, f);
        }
        Stmt::Return(r) => opt(&r.value, f),
        Stmt::Delete(d) => exprs(&d.targets, f),
        Stmt::Assign(a) => {
            f(Node::Expr(&a.value));
            exprs(&a.targets, f);
        }
        Stmt::TypeAlias(t) => {
            f(Node::Expr(&t.name));
            type_params(&t.type_params, f);
            f(Node::Expr(&t.value));
        }
        Stmt::AugAssign(a) => {
            f(Node::Expr(&a.value));
            f(Node::Expr(&a.target));
        }
        Stmt::AnnAssign(a) => {
            opt(&a.value, f);
            f(Node::Expr(&a.annotation));
            f(Node::Expr(&a.target));
        }
        Stmt::For(l) => {
            f(Node::Expr(&l.iter));
            f(Node::Expr(&l.target));
            stmts(&l.body, f);
            stmts(&l.orelse, f);
        }
        Stmt::AsyncFor(l) => {
            f(Node::Expr(&l.iter));
            f(Node::Expr(&l.target));
            stmts(&l.body, f);
            stmts(&l.orelse, f);
        }
        Stmt::While(w) => {
            f(Node::Expr(&w.test));
            stmts(&w.body, f);
            stmts(&w.orelse, f);
        }
        Stmt::If(i) => {
            f(Node::Expr(&i.test));
            stmts(&i.body, f);
            stmts(&i.orelse, f);
        }
        Stmt::With(w) => {
            for item in &w.items {
                f(Node::Expr(&item.context_expr));
                opt(&item.optional_vars, f);
            }
            stmts(&w.body, f);
        }
        Stmt::AsyncWith(w) => {
            for item in &w.items {
                f(Node::Expr(&item.context_expr));
                opt(&item.optional_vars, f);
            }
            stmts(&w.body, f);
        }
        Stmt::Match(m) => {
            f(Node::Expr(&m.subject));
            for case in &m.cases {
                pattern(&case.pattern, f);
                opt(&case.guard, f);
                stmts(&case.body, f);
            }
        }
        Stmt::Raise(r) => {
            opt(&r.exc, f);
            opt(&r.cause, f);
        }
        Stmt::Try(t) => {
            stmts(&t.body, f);
            handlers(&t.handlers, f);
            stmts(&t.orelse, f);
            stmts(&t.finalbody, f);
        }
        Stmt::TryStar(t) => {
            stmts(&t.body, f);
            handlers(&t.handlers, f);
            stmts(&t.orelse, f);
            stmts(&t.finalbody, f);
        }
        Stmt::Assert(a) => {
            f(Node::Expr(&a.test));
            opt(&a.msg, f);
        }
        Stmt::Expr(e) => f(Node::Expr(&e.value)),
        Stmt::Import(_)
        | Stmt::ImportFrom(_)
        | Stmt::Global(_)
        | Stmt::Nonlocal(_)
        | Stmt::Pass(_)
        | Stmt::Break(_)
        | Stmt::Continue(_) => {}
    }
}

fn comprehension<'a>(elts: &[&'a Expr], gens: &'a [ast::Comprehension], f: &mut dyn FnMut(Node<'a>)) {
    for g in gens {
        f(Node::Expr(&g.iter));
        f(Node::Expr(&g.target));
        exprs(&g.ifs, f);
    }
    for e in elts {
        f(Node::Expr(e));
    }
}

fn expr_children<'a>(e: &'a Expr, f: &mut dyn FnMut(Node<'a>)) {
    match e {
        Expr::BoolOp(b) => exprs(&b.values, f),
        Expr::NamedExpr(n) => {
            f(Node::Expr(&n.value));
            f(Node::Expr(&n.target));
        }
        Expr::BinOp(b) => {
            f(Node::Expr(&b.left));
            f(Node::Expr(&b.right));
        }
        Expr::UnaryOp(u) => f(Node::Expr(&u.operand)),
        Expr::Lambda(l) => {
            arguments(&l.args, f);
            f(Node::Expr(&l.body));
        }
        Expr::IfExp(i) => {
            f(Node::Expr(&i.test));
            f(Node::Expr(&i.body));
            f(Node::Expr(&i.orelse));
        }
        Expr::Dict(d) => {
            for (k, v) in d.keys.iter().zip(&d.values) {
                if let Some(k) = k {
                    f(Node::Expr(k));
                }
                f(Node::Expr(v));
            }
        }
        Expr::Set(s) => exprs(&s.elts, f),
        Expr::ListComp(c) => comprehension(&[&c.elt], &c.generators, f),
        Expr::SetComp(c) => comprehension(&[&c.elt], &c.generators, f),
        Expr::GeneratorExp(c) => comprehension(&[&c.elt], &c.generators, f),
        Expr::DictComp(c) => comprehension(&[&c.key, &c.value], &c.generators, f),
        Expr::Await(a) => f(Node::Expr(&a.value)),
        Expr::Yield(y) => opt(&y.value, f),
        Expr::YieldFrom(y) => f(Node::Expr(&y.value)),
        Expr::Compare(c) => {
            f(Node::Expr(&c.left));
            exprs(&c.comparators, f);
        }
        Expr::Call(c) => {
            f(Node::Expr(&c.func));
            exprs(&c.args, f);
            keywords(&c.keywords, f);
        }
        Expr::FormattedValue(v) => {
            f(Node::Expr(&v.value));
            opt(&v.format_spec, f);
        }
        Expr::JoinedStr(j) => exprs(&j.values, f),
        Expr::Constant(_) | Expr::Name(_) => {}
        Expr::Attribute(a) => f(Node::Expr(&a.value)),
        Expr::Subscript(s) => {
            f(Node::Expr(&s.value));
            f(Node::Expr(&s.slice));
        }
        Expr::Starred(s) => f(Node::Expr(&s.value)),
        Expr::List(l) => exprs(&l.elts, f),
        Expr::Tuple(t) => exprs(&t.elts, f),
        Expr::Slice(s) => {
            opt(&s.lower, f);
            opt(&s.upper, f);
            opt(&s.step, f);
        }
    }
}

/// A read-only visitor over borrowed nodes. Override a method and call `walk_*` to keep descending.
pub trait Visitor<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        walk_stmt(self, stmt);
    }
    fn visit_expr(&mut self, expr: &'a Expr) {
        walk_expr(self, expr);
    }
}

pub fn walk_stmt<'a, V: Visitor<'a> + ?Sized>(v: &mut V, stmt: &'a Stmt) {
    for_each_child(Node::Stmt(stmt), &mut |n| dispatch(v, n));
}

pub fn walk_expr<'a, V: Visitor<'a> + ?Sized>(v: &mut V, expr: &'a Expr) {
    for_each_child(Node::Expr(expr), &mut |n| dispatch(v, n));
}

pub fn walk_body<'a, V: Visitor<'a> + ?Sized>(v: &mut V, body: &'a [Stmt]) {
    for s in body {
        v.visit_stmt(s);
    }
}

fn dispatch<'a, V: Visitor<'a> + ?Sized>(v: &mut V, n: Node<'a>) {
    match n {
        Node::Stmt(s) => v.visit_stmt(s),
        Node::Expr(e) => v.visit_expr(e),
    }
}

/// The depth of the deepest node, computed without recursion so that absurdly nested input cannot
/// overflow the stack before it is rejected.
pub fn max_depth(body: &[Stmt]) -> usize {
    let mut stack: Vec<(Node<'_>, usize)> = body.iter().map(|s| (Node::Stmt(s), 1)).collect();
    let mut deepest = 0;
    while let Some((node, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        for_each_child(node, &mut |child| stack.push((child, depth + 1)));
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustpython_parser::{parse, Mode};

    fn body(src: &str) -> Vec<Stmt> {
        match parse(src, Mode::Module, "<test>").expect("test source parses") {
            ast::Mod::Module(m) => m.body,
            _ => unreachable!(),
        }
    }

    struct Names(Vec<String>);
    impl<'a> Visitor<'a> for Names {
        fn visit_expr(&mut self, e: &'a Expr) {
            if let Expr::Name(n) = e {
                self.0.push(n.id.to_string());
            }
            walk_expr(self, e);
        }
    }

    #[test]
    fn visits_every_name_in_source_order() {
        let b = body("for x in items:\n    y = [f(z) for z in x if z]\n@dec\ndef g(a=d): return {k: v}\n");
        let mut v = Names(vec![]);
        walk_body(&mut v, &b);
        assert_eq!(v.0, ["items", "x", "x", "z", "z", "f", "z", "y", "dec", "d", "k", "v"]);
    }

    #[test]
    fn reaches_match_try_with_and_lambda() {
        let src = "match p:\n    case A(b=c) if g: h\ntry:\n    i\nexcept E as e:\n    j\nwith k as l: m\nn = lambda o=q: r\n";
        let mut v = Names(vec![]);
        walk_body(&mut v, &body(src));
        for name in ["p", "A", "g", "h", "i", "E", "j", "k", "l", "m", "n", "q", "r"] {
            assert!(v.0.iter().any(|x| x == name), "{name} not visited: {:?}", v.0);
        }
    }

    #[test]
    fn depth_counts_nesting() {
        assert_eq!(max_depth(&body("x")), 2);
        assert!(max_depth(&body("x = ((((1))))+[[[2]]]")) >= 5);
    }
}
