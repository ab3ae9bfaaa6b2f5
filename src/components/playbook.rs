use engine::registry::RULES;
use engine::report::Category;
use yew::prelude::*;

use super::trusted_markdown;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// A section slug, `rule:<code>` for a rule page, or `None` for the table of contents.
    pub slug: Option<String>,
    /// Slugs the current report's findings link to.
    pub touched: Vec<&'static str>,
    pub on_open: Callback<Option<String>>,
    pub on_back: Callback<()>,
    pub docs: crate::state::Docs,
}

/// The playbook: a table of contents (sections, then every rule), one section rendered from its
/// Markdown with the rules that link to it, or one rule's page generated from its documentation.
#[function_component(PlaybookView)]
pub fn playbook_view(p: &Props) -> Html {
    let open = |slug: String| p.on_open.reform(move |_: MouseEvent| Some(slug.clone()));
    let rule = p.slug.as_deref().and_then(|s| s.strip_prefix("rule:")).and_then(engine::registry::find_rule);
    let section = p.slug.as_deref().and_then(engine::playbook::section);
    let body = if let Some(meta) = rule {
        let sec = engine::playbook::section(meta.playbook);
        html! {
            <article class="rule-page" data-testid="rule-page" data-code={meta.code}>
                <p class="meta">
                    <span class="code">{ meta.code }</span>{" "}<span class="muted">{ meta.name }</span>{" "}
                    <span class={classes!("pill", format!("sev-{}", meta.severity.as_str()))}>{ meta.severity.as_str() }</span>
                    <span class="pill">{ format!("{} confidence", meta.confidence.as_str()) }</span>
                    <span class="pill">{ meta.category.title() }</span>
                </p>
                <div class="markdown">{ markdown_or_placeholder(p.docs.rule(meta), &p.docs) }</div>
                if let Some(sec) = sec {
                    <p><button class="link" data-testid="rule-section" onclick={open(sec.slug.to_string())}>{ format!("Playbook: {} →", sec.title) }</button></p>
                }
            </article>
        }
    } else if let Some(sec) = section {
        let linking: Vec<_> = RULES.iter().map(|r| &r.meta).filter(|m| m.playbook == sec.slug).collect();
        html! {
            <>
                <article class="markdown" data-testid="playbook-section" data-slug={sec.slug}>{ markdown_or_placeholder(p.docs.section(sec), &p.docs) }</article>
                if !linking.is_empty() {
                    <section class="linking">
                        <h3>{"Rules that link here"}</h3>
                        <ul>
                            { for linking.iter().map(|m| html! {
                                <li><button class="link" data-testid="rule-link" data-code={m.code} onclick={open(format!("rule:{}", m.code))}>
                                    <span class="code">{ m.code }</span>{" "}{ m.name }
                                </button></li>
                            }) }
                        </ul>
                    </section>
                }
            </>
        }
    } else {
        html! {
            <>
                <h2>{"Playbook"}</h2>
                <ul class="toc">
                    { for engine::playbook::SECTIONS.iter().map(|s| html! {
                        <li>
                            <button class="link" data-testid="toc-section" data-slug={s.slug} onclick={open(s.slug.to_string())}>{ s.title }</button>
                            if p.touched.contains(&s.slug) { <span class="pill">{"in this review"}</span> }
                        </li>
                    }) }
                </ul>
                <h2>{"Rules"}</h2>
                { for Category::ALL.iter().map(|cat| {
                    let rules: Vec<_> = RULES.iter().map(|r| &r.meta).filter(|m| m.category == *cat).collect();
                    if rules.is_empty() { return html! {}; }
                    html! {
                        <section class="rule-group">
                            <h4>{ cat.title() }</h4>
                            <ul class="rules">
                                { for rules.iter().map(|m| html! {
                                    <li><button class="link" data-testid="rule-link" data-code={m.code} onclick={open(format!("rule:{}", m.code))}>
                                        <span class="code">{ m.code }</span>{" "}{ m.name }
                                    </button></li>
                                }) }
                            </ul>
                        </section>
                    }
                }) }
            </>
        }
    };
    html! {
        <div class="playbook" data-testid="playbook-view">
            <p class="crumbs">
                <button class="link" onclick={p.on_back.reform(|_| ())}>{"← Findings"}</button>
                if p.slug.is_some() { {" · "}<button class="link" data-testid="playbook-home" onclick={p.on_open.reform(|_| None)}>{"Playbook"}</button> }
            </p>
            { body }
        </div>
    }
}

fn markdown_or_placeholder(md: Option<String>, docs: &crate::state::Docs) -> Html {
    match md {
        Some(md) => trusted_markdown(&md),
        None => html! { <p class="muted" data-testid="docs-loading">{ docs.placeholder() }</p> },
    }
}
