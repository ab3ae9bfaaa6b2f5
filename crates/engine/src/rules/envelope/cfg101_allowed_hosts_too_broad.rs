use super::{fix, judged, shown, value, Reporter};
use crate::analysis::{Emitter, ProjectContext};
use crate::facts::deploy::{over, Tri};
use crate::facts::settings::SValue;

crate::declare_rule! {
    /// ## What it does
    /// Reports an `ALLOWED_HOSTS` that accepts any host (`"*"`), a whole top-level domain
    /// (`".com"`), or holds a pattern Django does not treat as a wildcard (`"*.example.com"`, which
    /// matches no host at all), in the settings a deployment loads.
    ///
    /// ## Why it matters at scale
    /// Django builds absolute URLs (password-reset links, redirects, `build_absolute_uri`) from the
    /// request's `Host` header. With `"*"` an attacker who gets a request past the proxy with a host
    /// of their choosing makes the site mail out links to their own domain, and caches keyed on the
    /// host can be poisoned. A `*.example.com` entry looks like a wildcard but refuses every request
    /// to the subdomains it was meant to admit.
    ///
    /// ## Example
    /// ```python settings
    /// DEBUG = False
    /// ALLOWED_HOSTS = ["*"]
    /// ```
    ///
    /// ## Use instead
    /// ```python settings
    /// DEBUG = False
    /// ALLOWED_HOSTS = ["app.example.com", ".api.example.com"]
    /// ```
    /// A leading dot admits the domain and its subdomains. If a load balancer's health check uses
    /// the instance IP, allow that address (or answer the check in the proxy) instead of `"*"`.
    ///
    /// ## Precision
    /// Reads the effective value; an environment read is reported only when its default is too
    /// broad (medium confidence). A project whose proxy rejects unknown hosts before Django is still
    /// reported: Django is the last line, and the proxy's configuration is not in the input. A
    /// project whose own code raises `DisallowedHost` (a middleware that checks hosts against its
    /// own list of domains, as multi-domain applications do) is not reported.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines): 1
    /// finding (Weblate's example settings), true; pretix's deliberate `"*"` was a false positive,
    /// fixed by the `DisallowedHost` exception above.
    pub ALLOWED_HOSTS_TOO_BROAD {
        code: "CFG101", name: "allowed-hosts-too-broad", category: Security,
        severity: Medium, confidence: High, playbook: "security-hardening",
    }
}

/// What is wrong with one host pattern, if anything.
pub(crate) fn problem(pattern: &str) -> Option<String> {
    let p = pattern.trim();
    if p == "*" {
        return Some("`\"*\"` accepts any `Host` header".into());
    }
    if let Some(rest) = p.strip_prefix('.') {
        if rest.is_empty() {
            return Some("`\".\"` matches every host".into());
        }
        if !rest.contains('.') && rest != "localhost" {
            return Some(format!("`{p:?}` accepts every host under the top-level domain `{rest}`"));
        }
    }
    if p.contains('*') {
        return Some(format!(
            "`{p:?}` is not a Django wildcard and matches no host (write `.{}`)",
            p.trim_start_matches(['*', '.'])
        ));
    }
    None
}

/// CFG101
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    // A project that checks hosts itself (a middleware raising `DisallowedHost` against its own
    // list of domains) opens `ALLOWED_HOSTS` on purpose.
    let own_check = ctx.view.files.iter().any(|f| {
        !crate::analysis::is_test_path(crate::analysis::relative_path(&f.path, ctx.view.root))
            && f.text.contains("raise DisallowedHost")
    });
    if own_check {
        return;
    }
    let mut reporter = Reporter::default();
    for m in judged(ctx) {
        let v = value(m, "ALLOWED_HOSTS");
        let mut problems: Vec<String> = Vec::new();
        let t = over(&v, &|x| match x {
            SValue::List(items) => {
                items.iter().fold(Tri::No, |t, i| t.or(over(i, &|s| Tri::from(s.as_str().and_then(problem).is_some()))))
            }
            _ => Tri::Maybe,
        });
        for s in v.strings() {
            if let Some(p) = problem(s) {
                if !problems.contains(&p) {
                    problems.push(p);
                }
            }
        }
        if problems.is_empty() {
            continue;
        }
        reporter.report(
            out,
            &ALLOWED_HOSTS_TOO_BROAD,
            m,
            "ALLOWED_HOSTS",
            t,
            format!("`ALLOWED_HOSTS` is {}: {}", shown(&v), problems.join("; ")),
            fix(
                "List the host names the site serves; a leading dot admits a domain's subdomains.",
                "ALLOWED_HOSTS = [\"*\"]",
                "ALLOWED_HOSTS = [\"app.example.com\", \".api.example.com\"]",
            ),
        );
    }
}
