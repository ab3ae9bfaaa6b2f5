use rustpython_parser::ast::Ranged;

use crate::analysis::{Emitter, PyContext};
use crate::report::Fix;
use crate::rules::support::{manager_chain, network_call, orm_query_call};

crate::declare_rule! {
    /// ## What it does
    /// Finds the read-through pattern `cache.get(key)` → compute (queries or an HTTP call) →
    /// `cache.set(key, ...)` with no lock and no `get_or_set`, in one function.
    ///
    /// ## Why it matters at scale
    /// When a hot key expires, every request that arrives before the first recomputation finishes
    /// misses the cache and recomputes it at the same time (a stampede, or dogpile). The expensive
    /// query that the cache was protecting hits the database hundreds of times at once, often exactly
    /// at the peak that made the key hot.
    ///
    /// ## Example
    /// ```python
    /// from django.core.cache import cache
    ///
    /// def top_products():
    ///     data = cache.get("top-products")
    ///     if data is None:
    ///         data = list(Product.objects.order_by("-sales")[:10])
    ///         cache.set("top-products", data, 300)
    ///     return data
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// import random
    /// from django.core.cache import cache
    ///
    /// def compute_top_products():
    ///     return list(Product.objects.order_by("-sales")[:10])
    ///
    /// def top_products():
    ///     data = cache.get("top-products")
    ///     if data is None and cache.add("top-products:lock", 1, timeout=30):
    ///         data = compute_top_products()
    ///         cache.set("top-products", data, 300 + random.randint(0, 60))
    ///         cache.delete("top-products:lock")
    ///     return data if data is not None else cache.get_or_set("top-products", compute_top_products, 300)
    /// ```
    /// Only one process recomputes (the one that wins `cache.add`); refreshing before expiry or serving
    /// stale data while recomputing avoids the wait altogether.
    ///
    /// ## Precision
    /// The `get` and `set` must use the same key expression in the same function, with a database
    /// query or a network call between them; single-row lookups (`get()`, `first()`, `exists()`)
    /// do not count as expensive. Functions that take a lock (`cache.add`, a `lock`),
    /// or use `get_or_set`, are not reported.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// no findings; precision rests on the fixtures' positives and near misses.
    pub CACHE_STAMPEDE {
        code: "CAC101", name: "cache-stampede", category: Caching,
        severity: Medium, confidence: Medium, playbook: "caching",
    }
}

/// CAC101
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    let code = ctx.code();
    for (id, f) in code.functions.iter().enumerate() {
        let text = ctx.source_range(f.range);
        if !text.contains(".set(")
            || text.contains(".add(")
            || text.contains("get_or_set")
            || text.to_ascii_lowercase().contains("lock")
        {
            continue;
        }
        let calls: Vec<_> = code.calls.iter().filter(|c| c.function == Some(id)).collect();
        for get in calls.iter().filter(|c| super::cache_call(ctx, c.call).is_some_and(|(_, m)| m == "get")) {
            let Some(key) = get.call.args.first() else { continue };
            let key_text = ctx.source(key);
            let receiver = super::cache_call(ctx, get.call).map(|(r, _)| ctx.source(r)).unwrap_or("cache");
            let set = calls.iter().find(|c| {
                c.call.range.start() > get.call.range.end()
                    && super::cache_call(ctx, c.call).is_some_and(|(r, m)| m == "set" && ctx.source(r) == receiver)
                    && c.call.args.first().is_some_and(|k| ctx.source(k) == key_text)
            });
            let Some(set) = set else { continue };
            let expensive = calls.iter().find(|c| {
                c.call.range.start() > get.call.range.end()
                    && c.call.range.end() < set.call.range.start()
                    // A single-row lookup by key is cheap enough that a burst of them does no harm.
                    && (orm_query_call(c.call).is_some_and(|m| !matches!(m, "get" | "first" | "last" | "exists" | "in_bulk"))
                        || c.name.as_deref().and_then(network_call).is_some()
                        || (matches!(c.method, Some("list" | "len" | "sum" | "sorted"))
                            && c.call.args.first().is_some_and(manager_chain))
                        || c.call.args.iter().any(|a| manager_chain(a) && matches!(c.method, Some("list" | "tuple"))))
            });
            let Some(expensive) = expensive else { continue };
            let message = format!(
                "`{}` misses, then `{}` recomputes and `{}` refills it, with no lock: when the key expires under load every request recomputes at once (stampede)",
                ctx.source(get.call),
                ctx.source(expensive.call).lines().next().unwrap_or(""),
                ctx.source(set.call).lines().next().unwrap_or("")
            );
            out.emit(&CACHE_STAMPEDE, ctx.path(), ctx.span(get.call), message).fix = Some(Fix {
                summary: "Let one process recompute: take a short lock with `cache.add(key + \":lock\", ...)`, add jitter to the timeout, or refresh before expiry; `get_or_set` at least makes the refill a single call.".into(),
                before: ctx.source_range(rustpython_parser::text_size::TextRange::new(get.call.range().start(), set.call.range().end())).to_string(),
                after: format!("{receiver}.get_or_set({key_text}, compute, timeout=300 + random.randint(0, 60))  # plus a cache.add() lock for expensive computations"),
            });
        }
    }
}
