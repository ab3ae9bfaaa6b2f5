use engine::Finding;
use yew::prelude::*;

use super::trusted_markdown;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub finding: Finding,
    pub on_playbook: Callback<String>,
    pub docs: crate::state::Docs,
}

/// A finding's why, its fix as before/after code, and its rule's documentation.
#[function_component(FindingDetail)]
pub fn finding_detail(p: &Props) -> Html {
    let f = &p.finding;
    let meta = engine::registry::find_rule(&f.code);
    let slug = f.playbook.clone();
    let rule_page = format!("rule:{}", f.code);
    let title = engine::playbook::section(&slug).map(|s| s.title).unwrap_or("Playbook");
    html! {
        <div class="detail" data-testid="finding-detail">
            <p class="meta">
                <span class={classes!("pill", format!("sev-{}", f.severity.as_str()))}>{ f.severity.as_str() }</span>
                <span class="pill">{ format!("{} confidence", f.confidence.as_str()) }</span>
                <span class="pill">{ f.category.as_str() }</span>
                <span class="muted">{ format!("{} · {}:{}:{}", f.name, f.path, f.line, f.column) }</span>
            </p>
            if let Some(fix) = &f.fix {
                <div class="fix" data-testid="fix">
                    <h4>{"Fix"}</h4>
                    <p>{ super::findings::inline_code(&fix.summary) }</p>
                    if !fix.after.is_empty() {
                        <div class="diff">
                            if !fix.before.is_empty() { <pre class="before"><code>{ &fix.before }</code></pre> }
                            <pre class="after"><code>{ &fix.after }</code></pre>
                        </div>
                    }
                </div>
            }
            <p>
                <button class="link" data-testid="playbook-link" onclick={p.on_playbook.reform(move |_| slug.clone())}>
                    { format!("Playbook: {title} →") }
                </button>
                {" · "}
                <button class="link" data-testid="rule-page-link" onclick={p.on_playbook.reform(move |_| rule_page.clone())}>
                    { format!("Rule page {}", f.code) }
                </button>
            </p>
            if let Some(meta) = meta {
                <details class="docs">
                    <summary>{ format!("Rule {} {}", meta.code, meta.name) }</summary>
                    <div class="markdown">{ match p.docs.rule(meta) {
                        Some(md) => trusted_markdown(&md),
                        None => html! { <p class="muted">{ p.docs.placeholder() }</p> },
                    } }</div>
                </details>
            }
        </div>
    }
}
