use std::collections::HashMap;

use rustpython_parser::ast::{Expr, Stmt};

use crate::analysis::{Emitter, PyContext};
use crate::python::names::last_segment;
use crate::python::walk::{walk_body, walk_expr, walk_stmt, Visitor};
use crate::report::Fix;

crate::declare_rule! {
    /// ## What it does
    /// Finds module-level dicts used as process-local caches: a function looks a key up
    /// (`key in CACHE`, `CACHE.get(key)`) and stores computed values under keys that come from its
    /// arguments, and nothing in the module ever evicts entries.
    ///
    /// ## Why it matters at scale
    /// Each worker process grows its own copy without bound, so memory climbs until the worker is
    /// recycled or killed; entries are never invalidated, so workers serve different and stale
    /// answers for the same key after the data changes.
    ///
    /// ## Example
    /// ```python
    /// _profiles = {}
    ///
    /// def profile_data(user_id):
    ///     if user_id not in _profiles:
    ///         _profiles[user_id] = fetch_profile(user_id)
    ///     return _profiles[user_id]
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from django.core.cache import cache
    ///
    /// def profile_data(user_id):
    ///     return cache.get_or_set(f"profile:v1:{user_id}", lambda: fetch_profile(user_id), 600)
    /// ```
    /// For pure functions of a small domain, `functools.lru_cache(maxsize=...)` bounds the memory.
    ///
    /// ## Precision
    /// Registries filled at import time or by functions named like `register` are not caches and are
    /// not reported; nor are caches that are popped, cleared, size-checked or reset anywhere in the
    /// project, or keyed only by a language, locale or currency (a small fixed set).
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// no findings; precision rests on the fixtures' positives and near misses.
    pub UNBOUNDED_PROCESS_CACHE {
        code: "CAC105", name: "unbounded-process-cache", category: Caching,
        severity: Medium, confidence: Medium, playbook: "caching",
    }
}

/// CAC105
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    let body = ctx.file().parsed.body();
    // Module-level `NAME = {}` / `dict()` / `defaultdict(...)` / `OrderedDict()`.
    let mut candidates: HashMap<&str, &Stmt> = HashMap::new();
    for s in body {
        let Stmt::Assign(a) = s else { continue };
        let [Expr::Name(n)] = a.targets.as_slice() else { continue };
        let empty_dict = match a.value.as_ref() {
            Expr::Dict(d) => d.keys.is_empty(),
            Expr::Call(c) => {
                matches!(last_segment(&c.func), Some("dict" | "defaultdict" | "OrderedDict"))
                    && c.args.len() <= 1
                    && c.keywords.is_empty()
            }
            _ => false,
        };
        if empty_dict {
            candidates.insert(n.id.as_str(), s);
        }
    }
    if candidates.is_empty() {
        return;
    }
    let module_text = &ctx.file().text;
    let code = ctx.code();
    for (name, def) in candidates {
        let evicts = [
            format!("{name}.pop"),
            format!("{name}.clear"),
            format!("del {name}["),
            format!("len({name})"),
            format!("{name}.popitem"),
        ]
        .iter()
        .any(|p| module_text.contains(p.as_str()));
        if evicts {
            continue;
        }
        // Reset from anywhere in the project (`module._cache = {}` in a settings-changed handler).
        // This searches every file's text, so it runs only for a cache that a function fills.
        let resets = [format!(".{name} = {{}}"), format!("{name}.clear()")];
        let reset_elsewhere = || ctx.view.files.iter().any(|f| resets.iter().any(|r| f.text.contains(r.as_str())));
        for f in code.functions.iter().filter(|f| !f.name.contains("register") && f.parent.is_none()) {
            // Keys per language or locale come from a small fixed set.
            let params: Vec<&str> = f
                .param_names()
                .into_iter()
                .filter(|p| !matches!(*p, "lang" | "language" | "locale" | "lang_code" | "language_code" | "currency"))
                .collect();
            let mut v = Memo { name, params: &params, reads: false, writes: Vec::new() };
            walk_body(&mut v, f.body);
            let Some(write) = v.writes.first().copied().filter(|_| v.reads) else { continue };
            if reset_elsewhere() {
                break;
            }
            let message = format!(
                "`{name}` (line {}) is a process-local cache that `{}` fills with a key per argument and never evicts: memory grows in every worker and entries go stale",
                ctx.span(def).line,
                f.name
            );
            out.emit(&UNBOUNDED_PROCESS_CACHE, ctx.path(), ctx.span(write), message).fix = Some(Fix {
                summary: "Use the shared cache with a timeout (`cache.get_or_set`), or bound it with `functools.lru_cache(maxsize=...)`.".into(),
                before: ctx.source(write).to_string(),
                after: "cache.get_or_set(f\"<key>:v1:{arg}\", compute, timeout=600)".into(),
            });
            break;
        }
    }
}

struct Memo<'n, 'p, 'a> {
    name: &'n str,
    params: &'p [&'p str],
    reads: bool,
    writes: Vec<&'a Stmt>,
}

impl<'a> Visitor<'a> for Memo<'_, '_, 'a> {
    fn visit_stmt(&mut self, s: &'a Stmt) {
        if let Stmt::Assign(a) = s {
            for t in &a.targets {
                if let Expr::Subscript(sub) = t {
                    let target_is_cache = matches!(&*sub.value, Expr::Name(n) if n.id.as_str() == self.name);
                    if target_is_cache && mentions_any(&sub.slice, self.params) {
                        self.writes.push(s);
                    }
                }
            }
        }
        walk_stmt(self, s);
    }
    fn visit_expr(&mut self, e: &'a Expr) {
        match e {
            Expr::Compare(c)
                if c.comparators.iter().any(|x| matches!(x, Expr::Name(n) if n.id.as_str() == self.name)) =>
            {
                self.reads = true
            }
            Expr::Call(c) => {
                if let Expr::Attribute(a) = c.func.as_ref() {
                    if matches!(&*a.value, Expr::Name(n) if n.id.as_str() == self.name)
                        && matches!(a.attr.as_str(), "get" | "setdefault")
                    {
                        self.reads = true;
                    }
                }
            }
            _ => {}
        }
        walk_expr(self, e);
    }
}

fn mentions_any(e: &Expr, names: &[&str]) -> bool {
    let mut found = matches!(e, Expr::Name(n) if names.contains(&n.id.as_str()));
    crate::python::walk::for_each_child(crate::python::walk::Node::Expr(e), &mut |n| {
        if let crate::python::walk::Node::Expr(x) = n {
            found |= mentions_any(x, names);
        }
    });
    found
}
