use rustpython_parser::ast::Expr;

use crate::analysis::{Emitter, PyContext};
use crate::python::names::{keyword, last_segment};
use crate::report::Fix;

crate::declare_rule! {
    /// ## What it does
    /// Finds many cache keys written at once with the same fixed timeout: `cache.set(...)` inside a
    /// loop, or `cache.set_many(...)`, with a constant TTL and no jitter.
    ///
    /// ## Why it matters at scale
    /// Keys written together expire together. A warm-up job or a list page that caches 10,000
    /// entries with `timeout=3600` schedules a cliff: an hour later all of them miss in the same
    /// second and the database takes the full load at once.
    ///
    /// ## Example
    /// ```python
    /// from django.core.cache import cache
    ///
    /// def warm(products):
    ///     for p in products:
    ///         cache.set(f"price:{p.pk}", p.price, 3600)
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// import random
    /// from django.core.cache import cache
    ///
    /// def warm(products):
    ///     for p in products:
    ///         cache.set(f"price:{p.pk}", p.price, 3600 + random.randint(0, 600))
    /// ```
    ///
    /// ## Precision
    /// The timeout must be a literal or an ALL_CAPS constant; an expression mentioning `random` or
    /// `jitter` counts as jittered. One finding per loop.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// 1 finding, all judged, 1 false positive (100 %).
    pub SYNCHRONIZED_EXPIRY {
        code: "CAC102", name: "synchronized-expiry", category: Caching,
        severity: Low, confidence: Medium, playbook: "caching",
    }
}

/// CAC102
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    let mut reported_loops = Vec::new();
    for c in &ctx.code().calls {
        // The method first: telling whether the receiver is a cache costs more.
        let wanted = match c.call.func.as_ref() {
            Expr::Attribute(a) => a.attr.as_str() == "set_many" || (a.attr.as_str() == "set" && c.loop_depth > 0),
            _ => false,
        };
        if !wanted {
            continue;
        }
        let Some((_, method)) = super::cache_call(ctx, c.call) else { continue };
        let timeout = match method {
            "set" if c.loop_depth > 0 => c.call.args.get(2).or_else(|| keyword(c.call, "timeout")),
            "set_many" => c.call.args.get(1).or_else(|| keyword(c.call, "timeout")),
            _ => continue,
        };
        let Some(timeout) = timeout.filter(|t| fixed(ctx, t)) else { continue };
        if let Some(l) = c.loop_range {
            if reported_loops.contains(&l) {
                continue;
            }
            reported_loops.push(l);
        }
        let many = if method == "set_many" { "`set_many()` writes its keys" } else { "this loop writes its keys" };
        let message = format!(
            "{many} with the same fixed timeout `{}`: they all expire in the same second and miss together",
            ctx.source(timeout)
        );
        out.emit(&SYNCHRONIZED_EXPIRY, ctx.path(), ctx.span(c.call), message).fix = Some(Fix {
            summary: "Add jitter to the timeout so expiries spread out.".into(),
            before: ctx.source(timeout).to_string(),
            after: format!("{} + random.randint(0, {})", ctx.source(timeout), jitter_hint(ctx.source(timeout))),
        });
    }
}

fn fixed(ctx: &PyContext<'_, '_>, t: &Expr) -> bool {
    let text = ctx.source(t).to_ascii_lowercase();
    if text.contains("random") || text.contains("jitter") || text == "none" {
        return false;
    }
    match t {
        Expr::Constant(_) => true,
        Expr::Name(_) | Expr::Attribute(_) => {
            last_segment(t).is_some_and(|n| n.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
        }
        Expr::BinOp(b) => fixed(ctx, &b.left) && fixed(ctx, &b.right),
        _ => false,
    }
}

fn jitter_hint(timeout: &str) -> String {
    timeout.parse::<u64>().map(|t| (t / 10).max(1).to_string()).unwrap_or_else(|_| format!("{timeout} // 10"))
}
