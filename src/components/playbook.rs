use yew::prelude::*;

use super::trusted_markdown;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub slug: Option<String>,
    /// Slugs the current report's findings link to.
    pub touched: Vec<&'static str>,
    pub on_open: Callback<Option<String>>,
    pub on_back: Callback<()>,
}

/// The playbook: a table of contents, or one section rendered from its Markdown.
#[function_component(PlaybookView)]
pub fn playbook_view(p: &Props) -> Html {
    let sections = engine::playbook::SECTIONS;
    let current = p.slug.as_deref().and_then(engine::playbook::section);
    html! {
        <div class="playbook" data-testid="playbook-view">
            <p class="crumbs">
                <button class="link" onclick={p.on_back.reform(|_| ())}>{"← Findings"}</button>
                if current.is_some() { {" · "}<button class="link" onclick={p.on_open.reform(|_| None)}>{"Playbook"}</button> }
            </p>
            if let Some(sec) = current {
                <article class="markdown" data-testid="playbook-section" data-slug={sec.slug}>{ trusted_markdown(sec.markdown) }</article>
            } else {
                <h2>{"Playbook"}</h2>
                <ul class="toc">
                    { for sections.iter().map(|s| {
                        let slug = s.slug.to_string();
                        html! {
                            <li>
                                <button class="link" onclick={p.on_open.reform(move |_| Some(slug.clone()))}>{ s.title }</button>
                                if p.touched.contains(&s.slug) { <span class="pill">{"in this review"}</span> }
                            </li>
                        }
                    }) }
                </ul>
            }
        </div>
    }
}
