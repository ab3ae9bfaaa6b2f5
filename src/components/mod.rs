//! Leaf components: props in, callbacks out. They display engine output; they never decide
//! severities, word messages or compute scores.

pub mod detail;
pub mod diffview;
pub mod editor;
pub mod field;
pub mod findings;
pub mod migration;
pub mod plan;
pub mod playbook;
pub mod scorecard;
pub mod settings;
pub mod share;
pub mod tabs;
pub mod toolbar;

use yew::{AttrValue, Html};

/// HTML produced by the engine's Markdown renderer, which never passes raw HTML through.
pub fn trusted_markdown(markdown: &str) -> Html {
    Html::from_html_unchecked(AttrValue::from(engine::render::html::markdown_to_html(markdown)))
}
