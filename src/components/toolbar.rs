use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::state::Theme;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub theme: Theme,
    pub on_sample: Callback<()>,
    pub on_new_review: Callback<()>,
    pub on_files: Callback<(HtmlInputElement, bool)>,
    pub on_playbook: Callback<()>,
    pub on_share: Callback<()>,
    pub on_theme: Callback<()>,
}

#[function_component(Toolbar)]
pub fn toolbar(p: &Props) -> Html {
    let files_ref = use_node_ref();
    let folder_ref = use_node_ref();
    let on_change = |folder: bool, node: NodeRef, cb: Callback<(HtmlInputElement, bool)>| {
        Callback::from(move |_: Event| {
            if let Some(input) = node.cast::<HtmlInputElement>() {
                cb.emit((input, folder));
            }
        })
    };
    let pick = |node: NodeRef| {
        Callback::from(move |_: MouseEvent| {
            if let Some(input) = node.cast::<HtmlInputElement>() {
                input.click();
            }
        })
    };
    let cb = |c: &Callback<()>| {
        let c = c.clone();
        Callback::from(move |_: MouseEvent| c.emit(()))
    };
    html! {
        <header class="toolbar">
            <div class="brand">
                <span class="logo" aria-hidden="true">{"dj"}</span>
                <span class="name">{"djreview"}</span>
                <span class="tagline">{"Django review at production scale, entirely in your browser"}</span>
            </div>
            <nav class="actions">
                <button data-testid="new-review" onclick={cb(&p.on_new_review)} title="Clear all inputs and start a new review">{"New review"}</button>
                <button data-testid="load-sample" onclick={cb(&p.on_sample)}>{"Sample"}</button>
                <button data-testid="open-files" onclick={pick(files_ref.clone())}>{"Open files"}</button>
                <button data-testid="open-folder" onclick={pick(folder_ref.clone())}>{"Open folder"}</button>
                <button data-testid="playbook" onclick={cb(&p.on_playbook)}>{"Playbook"}</button>
                <button data-testid="share" class="primary" onclick={cb(&p.on_share)} title="Share link, Markdown for the pull request, JSON, SARIF, print">{"Share"}</button>
                <button data-testid="theme" class="icon" onclick={cb(&p.on_theme)}
                    title={if p.theme == Theme::Dark { "Switch to the light theme" } else { "Switch to the dark theme" }}>
                    { if p.theme == Theme::Dark { "☀" } else { "☾" } }
                </button>
            </nav>
            <input data-testid="upload" type="file" multiple=true class="hidden" ref={files_ref.clone()}
                onchange={on_change(false, files_ref, p.on_files.clone())} />
            <input data-testid="upload-folder" type="file" multiple=true webkitdirectory=true class="hidden" ref={folder_ref.clone()}
                onchange={on_change(true, folder_ref, p.on_files.clone())} />
        </header>
    }
}
