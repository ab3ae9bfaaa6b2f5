use super::{fix, judged, shown, value, Reporter};
use crate::analysis::{Emitter, ProjectContext};
use crate::facts::deploy::{over, Tri};

crate::declare_rule! {
    /// ## What it does
    /// Reports an `EMAIL_BACKEND` that never sends mail — the console, file, in-memory or dummy
    /// backend — in the settings a deployment loads.
    ///
    /// ## Why it matters at scale
    /// Password resets, sign-up confirmations, invoices and `mail_admins` error reports are written
    /// to stdout, a local file or nowhere. Nothing fails and nothing is logged as an error: users
    /// simply never receive the mail, and the first report is a support ticket.
    ///
    /// ## Example
    /// ```python settings
    /// DEBUG = False
    /// EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    /// ```
    ///
    /// ## Use instead
    /// ```python settings
    /// DEBUG = False
    /// EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    /// EMAIL_TIMEOUT = 10
    /// ```
    ///
    /// ## Precision
    /// Exact on a literal; an environment read whose default is the console backend is reported at
    /// medium confidence (production must set the variable).
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines): no
    /// findings (few deployment files and literal settings there); precision rests on the unit
    /// tests' positives and near misses.
    pub EMAIL_BACKEND_LOCAL {
        code: "CFG112", name: "email-backend-local", category: Config,
        severity: Medium, confidence: High, playbook: "runtime-envelope",
    }
}

fn local(backend: &str) -> bool {
    ["console", "filebased", "locmem", "dummy"].iter().any(|k| backend.contains(&format!(".{k}.")))
}

/// CFG112
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    let mut reporter = Reporter::default();
    for m in judged(ctx) {
        let v = value(m, "EMAIL_BACKEND");
        let t = over(&v, &|b| Tri::from(b.as_str().is_some_and(local)));
        reporter.report(
            out,
            &EMAIL_BACKEND_LOCAL,
            m,
            "EMAIL_BACKEND",
            t,
            format!(
                "`EMAIL_BACKEND` is {}: password resets, confirmations and error reports never leave the server",
                shown(&v)
            ),
            fix(
                "Send mail through SMTP or a provider's backend, with a timeout.",
                "EMAIL_BACKEND = \"django.core.mail.backends.console.EmailBackend\"",
                "EMAIL_BACKEND = \"django.core.mail.backends.smtp.EmailBackend\"\nEMAIL_TIMEOUT = 10",
            ),
        );
    }
}
