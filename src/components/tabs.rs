use engine::FileKind;
use yew::prelude::*;

use super::field::CommitField;

use crate::state::EditorFile;

#[derive(Clone, PartialEq)]
pub struct Tab {
    pub id: u32,
    pub label: String,
    pub kind: FileKind,
    pub findings: usize,
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub tabs: Vec<Tab>,
    pub active: u32,
    pub on_activate: Callback<u32>,
    pub on_close: Callback<u32>,
    pub on_new: Callback<()>,
}

#[function_component(FileTabs)]
pub fn file_tabs(p: &Props) -> Html {
    html! {
        <div class="tabs" role="tablist">
            { for p.tabs.iter().map(|t| {
                let id = t.id;
                let activate = p.on_activate.reform(move |_: MouseEvent| id);
                let close = {
                    let cb = p.on_close.clone();
                    Callback::from(move |e: MouseEvent| { e.stop_propagation(); cb.emit(id) })
                };
                let active = t.id == p.active;
                html! {
                    <div role="tab" aria-selected={active.to_string()} data-testid="file-tab" data-kind={t.kind.as_str()}
                        class={classes!("tab", active.then_some("active"))} onclick={activate} title={t.label.clone()}>
                        <span class={classes!("kind", format!("kind-{}", t.kind.as_str()))}>{ t.kind.as_str() }</span>
                        <span class="label">{ &t.label }</span>
                        if t.findings > 0 { <span class="count" title="findings in this file">{ t.findings }</span> }
                        <button class="close" aria-label="Close file" onclick={close}>{"×"}</button>
                    </div>
                }
            }) }
            <button class="tab new" data-testid="new-file" onclick={p.on_new.reform(|_| ())} title="New file (paste anything)">{"+"}</button>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct FileBarProps {
    pub file: EditorFile,
    pub detected: FileKind,
    pub on_rename: Callback<String>,
    pub on_kind: Callback<Option<FileKind>>,
}

/// Name and kind of the active tab.
#[function_component(FileBar)]
pub fn file_bar(p: &FileBarProps) -> Html {
    let on_kind =
        p.on_kind.reform(|e: Event| FileKind::parse(&e.target_unchecked_into::<web_sys::HtmlSelectElement>().value()));
    let current = p.file.kind.map(|k| k.as_str()).unwrap_or("auto");

    html! {
        <div class="filebar">
            // Keyed by tab, so switching tabs shows that tab's name even when two names are equal.
            <CommitField key={p.file.id} value={AttrValue::from(p.file.name.clone())} on_commit={p.on_rename.clone()}
                testid="file-name" class="filename" label="File name"
                placeholder="file name (optional), e.g. blog/views.py" />
            <label class="kindpick">
                <span>{"kind"}</span>
                <select data-testid="kind-select" onchange={on_kind} aria-label="File kind">
                    <option value="auto" selected={current == "auto"}>{ format!("auto ({})", p.detected.as_str()) }</option>
                    { for FileKind::ALL.iter().map(|k| html! {
                        <option value={k.as_str()} selected={current == k.as_str()}>{ k.as_str() }</option>
                    }) }
                </select>
            </label>
        </div>
    }
}
