use crate::analysis::{Emitter, PyContext};
use crate::report::Fix;

crate::declare_rule! {
    /// ## What it does
    /// Finds blocking calls inside `async def`: HTTP clients such as `requests`, `time.sleep()`,
    /// built-in `open()` and file reads, `subprocess`, Django's synchronous email functions, the
    /// synchronous cache API (`cache.get()`/`cache.set()`) and synchronous Redis clients.
    ///
    /// ## Why it matters at scale
    /// An async worker serves many requests on one thread. A blocking call stops all of them for its
    /// duration: one slow upstream API turns into a site-wide latency spike, and throughput falls to
    /// that of a single synchronous worker.
    ///
    /// ## Example
    /// ```python
    /// import requests
    /// from django.http import JsonResponse
    ///
    /// async def weather(request):
    ///     data = requests.get("https://api.example.com/weather", timeout=5).json()
    ///     return JsonResponse(data)
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// import httpx
    /// from django.http import JsonResponse
    ///
    /// async def weather(request):
    ///     async with httpx.AsyncClient(timeout=5) as client:
    ///         data = (await client.get("https://api.example.com/weather")).json()
    ///     return JsonResponse(data)
    /// ```
    ///
    /// ## Precision
    /// Calls are resolved through the file's imports; awaited calls, lambdas and functions passed to
    /// `sync_to_async`/`asyncio.to_thread` are not reported.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// no findings; precision rests on the fixtures' positives and near misses.
    pub BLOCKING_CALL_IN_ASYNC {
        code: "ASY102", name: "blocking-call-in-async", category: Async,
        severity: High, confidence: High, playbook: "async-discipline",
    }
}

/// ASY102
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    let code = ctx.code();
    if !code.functions.iter().any(|f| f.is_async) {
        return;
    }
    for c in &code.calls {
        if !super::runs_in_event_loop(ctx, c) {
            continue;
        }
        let Some(name) = c.name.as_deref() else { continue };
        let Some((what, instead)) = blocking(name, code.imports.is_imported("open")) else { continue };
        let message = format!(
            "`{}` is {what} and blocks the event loop inside `async def`; every request on this worker waits",
            ctx.source(c.call)
        );
        out.emit(&BLOCKING_CALL_IN_ASYNC, ctx.path(), ctx.span(c.call), message).fix =
            Some(Fix { summary: instead.to_string(), before: ctx.source(c.call).to_string(), after: String::new() });
    }
}

fn blocking(name: &str, open_shadowed: bool) -> Option<(&'static str, &'static str)> {
    let first = name.split('.').next().unwrap_or(name);
    let last = name.rsplit('.').next().unwrap_or(name);
    Some(match (first, last) {
        ("requests", _) => {
            ("a synchronous HTTP request", "Use an async client (`httpx.AsyncClient`, `aiohttp`) and await it.")
        }
        ("urllib", "urlopen") => {
            ("a synchronous HTTP request", "Use an async client (`httpx.AsyncClient`, `aiohttp`) and await it.")
        }
        ("time", "sleep") => ("a blocking sleep", "Use `await asyncio.sleep(...)`."),
        ("subprocess", _) => ("a blocking subprocess call", "Use `asyncio.create_subprocess_exec(...)`."),
        ("open", "open") if !open_shadowed => (
            "synchronous file IO",
            "Read the file in a thread (`await asyncio.to_thread(...)`) or with an async file library.",
        ),
        ("smtplib", _) => ("a synchronous SMTP session", "Send email from a task queue or in `sync_to_async`."),
        ("redis" | "django_redis", l)
            if !matches!(l, "Redis" | "StrictRedis" | "from_url" | "ConnectionPool" | "redis") =>
        {
            ("a synchronous Redis call", "Use `redis.asyncio` and await it.")
        }
        ("django", "send_mail" | "send_mass_mail" | "mail_admins" | "mail_managers") => {
            ("a synchronous SMTP send", "Send email from a task queue or wrap it in `sync_to_async`.")
        }
        (
            "django",
            "get" | "set" | "delete" | "get_many" | "set_many" | "incr" | "decr" | "add" | "get_or_set" | "touch",
        ) if name.starts_with("django.core.cache.cache.") => (
            "the synchronous cache API",
            "Await the async cache methods (`await cache.aget(...)`, `await cache.aset(...)`).",
        ),
        _ => return None,
    })
}
