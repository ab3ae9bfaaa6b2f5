//! The playbook: the project's own Markdown sections that explain each problem and its cure. Rules
//! name their section by slug; the report shows the sections its findings touch.

use crate::report::Report;

pub struct Section {
    pub slug: &'static str,
    pub title: &'static str,
    pub markdown: &'static str,
}

/// Every section, in reading order.
pub static SECTIONS: &[Section] = &[
    Section {
        slug: "review-checklist",
        title: "The review checklist",
        markdown: crate::embedded_docs!(include_str!("../playbook/review-checklist.md")),
    },
    Section {
        slug: "runtime-envelope",
        title: "The runtime envelope",
        markdown: crate::embedded_docs!(include_str!("../playbook/runtime-envelope.md")),
    },
    Section {
        slug: "n-plus-one",
        title: "Killing N+1 queries and keeping a query budget",
        markdown: crate::embedded_docs!(include_str!("../playbook/n-plus-one.md")),
    },
    Section {
        slug: "templates",
        title: "Templates that stay fast",
        markdown: crate::embedded_docs!(include_str!("../playbook/templates.md")),
    },
    Section {
        slug: "online-migrations",
        title: "Online migrations on PostgreSQL",
        markdown: crate::embedded_docs!(include_str!("../playbook/online-migrations.md")),
    },
    Section {
        slug: "query-plans",
        title: "Reading query plans",
        markdown: crate::embedded_docs!(include_str!("../playbook/query-plans.md")),
    },
    Section {
        slug: "caching",
        title: "Caching that survives traffic surges",
        markdown: crate::embedded_docs!(include_str!("../playbook/caching.md")),
    },
    Section {
        slug: "async-discipline",
        title: "Async discipline",
        markdown: crate::embedded_docs!(include_str!("../playbook/async-discipline.md")),
    },
    Section {
        slug: "celery-reliability",
        title: "Celery reliability",
        markdown: crate::embedded_docs!(include_str!("../playbook/celery-reliability.md")),
    },
    Section {
        slug: "transactions",
        title: "Transactions: short, local, and honest",
        markdown: crate::embedded_docs!(include_str!("../playbook/transactions.md")),
    },
    Section {
        slug: "time-and-locale",
        title: "Time and locale hardening",
        markdown: crate::embedded_docs!(include_str!("../playbook/time-and-locale.md")),
    },
    Section {
        slug: "side-effects",
        title: "Explicit side effects",
        markdown: crate::embedded_docs!(include_str!("../playbook/side-effects.md")),
    },
    Section {
        slug: "static-and-media",
        title: "Static and media at scale",
        markdown: crate::embedded_docs!(include_str!("../playbook/static-and-media.md")),
    },
    Section {
        slug: "observability",
        title: "Observability",
        markdown: crate::embedded_docs!(include_str!("../playbook/observability.md")),
    },
    Section {
        slug: "security-hardening",
        title: "Security hardening",
        markdown: crate::embedded_docs!(include_str!("../playbook/security-hardening.md")),
    },
    Section {
        slug: "replicas",
        title: "Replicas and read-after-write consistency",
        markdown: crate::embedded_docs!(include_str!("../playbook/replicas.md")),
    },
    Section {
        slug: "runbooks",
        title: "Runbooks",
        markdown: crate::embedded_docs!(include_str!("../playbook/runbooks.md")),
    },
];

pub fn section(slug: &str) -> Option<&'static Section> {
    SECTIONS.iter().find(|s| s.slug == slug)
}

/// The sections a report's findings link to, in playbook order, without duplicates.
pub fn sections_for(report: &Report) -> Vec<&'static Section> {
    SECTIONS.iter().filter(|s| report.findings.iter().any(|f| f.playbook == s.slug)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::RULES;

    #[test]
    fn every_rule_links_to_an_existing_section() {
        for r in RULES {
            assert!(
                section(r.meta.playbook).is_some(),
                "{} links to missing playbook section {}",
                r.meta.code,
                r.meta.playbook
            );
        }
    }

    #[test]
    fn sections_name_the_rules_that_link_to_them() {
        for s in SECTIONS {
            for r in RULES.iter().filter(|r| r.meta.playbook == s.slug) {
                assert!(
                    s.markdown.contains(r.meta.code) || s.slug == "review-checklist",
                    "{} does not mention {}",
                    s.slug,
                    r.meta.code
                );
            }
            assert!(s.markdown.starts_with("# "), "{} needs a title", s.slug);
        }
    }
}
