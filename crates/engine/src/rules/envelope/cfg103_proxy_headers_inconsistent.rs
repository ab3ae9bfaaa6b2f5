use super::{fix, judged, shown, value, Reporter};
use crate::analysis::{Emitter, ProjectContext};
use crate::facts::deploy::{is_true, over, Tri};
use crate::facts::settings::SValue;
use crate::report::Severity;

crate::declare_rule! {
    /// ## What it does
    /// Reports proxy settings that contradict each other or cannot work: a
    /// `SECURE_PROXY_SSL_HEADER` that is not a `(header, value)` pair, or names the header as the
    /// client sends it (`"X-Forwarded-Proto"`) instead of as Django sees it
    /// (`"HTTP_X_FORWARDED_PROTO"`); and `USE_X_FORWARDED_HOST = True` (trusting the proxy for the
    /// host) with no `SECURE_PROXY_SSL_HEADER` (not trusting it for the scheme).
    ///
    /// ## Why it matters at scale
    /// Behind a proxy that terminates TLS, Django only knows a request was HTTPS through the header
    /// the proxy adds. A misnamed header never matches: `request.is_secure()` is always false,
    /// `SECURE_SSL_REDIRECT` redirects HTTPS to HTTPS forever, secure cookies and absolute URLs come
    /// out as `http://`. A setting that is not a pair raises `ImproperlyConfigured` on the first
    /// request that asks for the scheme.
    ///
    /// ## Example
    /// ```python settings
    /// SECURE_PROXY_SSL_HEADER = ("X-Forwarded-Proto", "https")
    /// ```
    ///
    /// ## Use instead
    /// ```python settings
    /// SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    /// ```
    /// Set it only behind a proxy that always overwrites the header; otherwise a client can claim
    /// HTTPS.
    ///
    /// ## Precision
    /// Exact on literal values; the `USE_X_FORWARDED_HOST` case is a strong hint rather than a proof
    /// (a proxy that talks HTTP end to end needs no scheme header). Environment reads count only
    /// through their defaults.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines): no
    /// findings (few deployment files and literal settings there); precision rests on the unit
    /// tests' positives and near misses.
    pub PROXY_HEADERS_INCONSISTENT {
        code: "CFG103", name: "proxy-headers-inconsistent", category: Security,
        severity: Medium, confidence: High, playbook: "security-hardening",
    }
}

fn header_problem(v: &SValue) -> Option<String> {
    match v {
        SValue::None => None,
        SValue::List(items) if items.len() == 2 => match items[0].as_str() {
            Some(h) if !h.starts_with("HTTP_") || h.contains('-') || h.chars().any(|c| c.is_ascii_lowercase()) => {
                let meta = format!("HTTP_{}", h.trim_start_matches("HTTP_").to_ascii_uppercase().replace('-', "_"));
                Some(format!("the header is named as `{h}`, but Django looks it up in `request.META` as `{meta}`, so it never matches"))
            }
            _ => None,
        },
        SValue::List(_) | SValue::Str(_) | SValue::Int(_) | SValue::Bool(_) | SValue::Dict(_) | SValue::Float(_) => {
            Some("it is not a `(header, value)` pair: Django raises `ImproperlyConfigured` when a request asks for its scheme".into())
        }
        _ => None,
    }
}

/// CFG103
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    let mut reporter = Reporter::default();
    for m in judged(ctx) {
        let header = value(m, "SECURE_PROXY_SSL_HEADER");
        let bad = over(&header, &|x| if x.is_literal() { Tri::from(header_problem(x).is_some()) } else { Tri::Maybe });
        let problem = header.possibilities().into_iter().find_map(header_problem);
        if let Some(problem) = problem {
            if let Some(f) = reporter.report(
                out,
                &PROXY_HEADERS_INCONSISTENT,
                m,
                "SECURE_PROXY_SSL_HEADER",
                bad,
                format!("`SECURE_PROXY_SSL_HEADER` is {}: {problem}", shown(&header)),
                fix(
                    "Name the header as `request.META` holds it, as a pair with the value the proxy sends.",
                    "SECURE_PROXY_SSL_HEADER = (\"X-Forwarded-Proto\", \"https\")",
                    "SECURE_PROXY_SSL_HEADER = (\"HTTP_X_FORWARDED_PROTO\", \"https\")",
                ),
            ) {
                if problem.contains("ImproperlyConfigured") {
                    f.severity = Severity::High;
                }
            }
        }
        let host = is_true(&value(m, "USE_X_FORWARDED_HOST"));
        let no_scheme = over(&header, &|x| Tri::from(*x == SValue::None));
        let redirect = is_true(&value(m, "SECURE_SSL_REDIRECT")) == Tri::Yes;
        let consequence = if redirect {
            "with `SECURE_SSL_REDIRECT = True` every request through a TLS-terminating proxy is redirected again, forever"
        } else {
            "absolute URLs and redirects are built with `http://` and `request.is_secure()` is false behind a TLS-terminating proxy"
        };
        reporter.report(
            out,
            &PROXY_HEADERS_INCONSISTENT,
            m,
            "USE_X_FORWARDED_HOST",
            host.and(no_scheme),
            format!("`USE_X_FORWARDED_HOST` is True but `SECURE_PROXY_SSL_HEADER` is {}: Django trusts the proxy for the host but not for the scheme; {consequence}", shown(&header)),
            fix(
                "Trust the proxy for the scheme too (only if it always sets the header).",
                "USE_X_FORWARDED_HOST = True",
                "USE_X_FORWARDED_HOST = True\nSECURE_PROXY_SSL_HEADER = (\"HTTP_X_FORWARDED_PROTO\", \"https\")",
            ),
        );
    }
}
