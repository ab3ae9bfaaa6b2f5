//! Rule metadata and the macro that declares it next to the rule's documentation.

use crate::report::{Category, Confidence, Severity};

/// Everything known about a rule except its check: identity, defaults and documentation.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable code, e.g. `QRY101`.
    pub code: &'static str,
    /// Kebab-case name, e.g. `fk-access-in-loop`; used in JSON, URLs and suppressions.
    pub name: &'static str,
    pub category: Category,
    pub severity: Severity,
    pub confidence: Confidence,
    /// Slug of the playbook section that explains the problem.
    pub playbook: &'static str,
    /// The rule's doc comment, verbatim (one leading space per line, as rustdoc captures it).
    pub docs: &'static str,
    /// `file:line` of the declaration, for "view source".
    pub location: &'static str,
}

impl RuleMeta {
    /// The docs with the one space rustdoc keeps after `///` removed from each line.
    pub fn docs_markdown(&self) -> String {
        let mut out = String::with_capacity(self.docs.len());
        for line in self.docs.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }

    /// The first sentence of "What it does", for one-line listings.
    pub fn summary(&self) -> String {
        summary_of(&self.docs_markdown())
    }

    /// The Markdown of one `## Heading` section (without the heading).
    pub fn section(&self, heading: &str) -> Option<String> {
        let md = self.docs_markdown();
        let mut out = String::new();
        let mut inside = false;
        let mut in_code = false;
        for line in md.lines() {
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
            }
            if !in_code && line.starts_with("## ") {
                if inside {
                    break;
                }
                inside = line[3..].trim() == heading;
                continue;
            }
            if inside {
                out.push_str(line);
                out.push('\n');
            }
        }
        inside.then(|| out.trim().to_string())
    }
}

/// The first sentence of a rule's "What it does" section, from its docs Markdown.
pub fn summary_of(md: &str) -> String {
    let mut in_section = false;
    let mut text = String::new();
    for line in md.lines() {
        if line.starts_with("## ") {
            if in_section {
                break;
            }
            in_section = line.trim() == "## What it does";
            continue;
        }
        if in_section {
            if line.trim().is_empty() && !text.is_empty() {
                break;
            }
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(line.trim());
        }
    }
    text
}

/// Declares a rule's [`RuleMeta`] from its doc comment and a few fields.
///
/// ```ignore
/// declare_rule! {
///     /// ## What it does
///     /// ...
///     pub(crate) FK_ACCESS_IN_LOOP {
///         code: "QRY101", name: "fk-access-in-loop", category: Queries,
///         severity: High, confidence: High, playbook: "n-plus-one",
///     }
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    ( $(#[doc = $doc:literal])*
      $vis:vis $ident:ident {
          code: $code:literal, name: $name:literal, category: $cat:ident,
          severity: $sev:ident, confidence: $conf:ident, playbook: $playbook:literal $(,)?
      } ) => {
        $vis static $ident: $crate::rule::RuleMeta = $crate::rule::RuleMeta {
            code: $code,
            name: $name,
            category: $crate::report::Category::$cat,
            severity: $crate::report::Severity::$sev,
            confidence: $crate::report::Confidence::$conf,
            playbook: $playbook,
            docs: $crate::embedded_docs!(concat!($($doc, "\n"),*)),
            location: concat!(file!(), ":", line!()),
        };
    };
}

/// Documentation text (a rule's doc comment, a playbook section), compiled in only with the
/// `embedded-docs` feature; without it the web app loads the same text from `docs.json`.
#[cfg(feature = "embedded-docs")]
#[macro_export]
#[doc(hidden)]
macro_rules! embedded_docs {
    ($text:expr) => {
        $text
    };
}

#[cfg(not(feature = "embedded-docs"))]
#[macro_export]
#[doc(hidden)]
macro_rules! embedded_docs {
    ($text:expr) => {
        ""
    };
}
