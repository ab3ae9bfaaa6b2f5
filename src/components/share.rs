use yew::prelude::*;

use crate::state::{Export, ShareLink, ShareSettings};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub settings: ShareSettings,
    pub link: ShareLink,
    /// The app's address; the link is this plus `#fragment`.
    pub base_url: AttrValue,
    /// The review on screen came from a findings-only link: only findings can be passed on.
    pub frozen: bool,
    /// The last export done, for a confirmation line.
    pub done: Option<Export>,
    pub on_settings: Callback<ShareSettings>,
    pub on_export: Callback<Export>,
    pub on_close: Callback<()>,
}

/// The share link (with the redaction toggle and the length warning) and the exports.
#[function_component(ShareDialog)]
pub fn share_dialog(p: &Props) -> Html {
    let s = p.settings;
    let url = format!("{}#{}", p.base_url, p.link.fragment);
    let kb = |n: usize| format!("{:.1} KB", n as f64 / 1024.0);
    let set = |next: ShareSettings| p.on_settings.reform(move |_: Event| next);
    let export = |e: Export| p.on_export.reform(move |_: MouseEvent| e);
    let findings_only = s.findings_only || p.frozen;
    let redaction = match (s.redact, p.link.redacted) {
        (false, _) => "Secrets are included as typed.".to_string(),
        (true, 0) => "No secrets found to hide.".to_string(),
        (true, 1) => "1 secret hidden.".to_string(),
        (true, n) => format!("{n} secrets hidden."),
    };
    let done = p.done.map(|d| match d {
        Export::CopyLink => "Link copied.",
        Export::CopyMarkdown => "Markdown copied: paste it into the pull request.",
        Export::Json => "JSON report downloaded.",
        Export::Sarif => "SARIF report downloaded.",
        Export::Print => "Print dialog opened.",
    });
    let close = p.on_close.reform(|_: MouseEvent| ());
    let keep_open = Callback::from(|e: MouseEvent| e.stop_propagation());
    let on_key = {
        let on_close = p.on_close.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                on_close.emit(());
            }
        })
    };
    html! {
        <div class="modal-backdrop" onclick={close.clone()}>
            <div class="modal" role="dialog" aria-modal="true" aria-labelledby="share-title" data-testid="share-dialog"
                onclick={keep_open} onkeydown={on_key}>
                <h2 id="share-title">{"Share and export"}</h2>
                <p class="muted">
                    {"The link carries the review in its fragment (after the #), which browsers never send to a server. Anyone who has the link can read what it holds."}
                </p>
                <label class="check">
                    <input type="checkbox" data-testid="share-redact" checked={s.redact}
                        onchange={set(ShareSettings { redact: !s.redact, ..s })} />
                    {" Hide secrets (keys, passwords, credentials in URLs) in the link and in exports"}
                </label>
                <p class="muted" data-testid="redacted-count">{ redaction }</p>
                <fieldset class="choice" disabled={p.frozen}>
                    <label>
                        <input type="radio" name="share-what" data-testid="share-whole" checked={!findings_only}
                            onchange={set(ShareSettings { findings_only: false, ..s })} />
                        {" The whole review: inputs, options and what is open"}
                    </label>
                    <label>
                        <input type="radio" name="share-what" data-testid="share-findings" checked={findings_only}
                            onchange={set(ShareSettings { findings_only: true, ..s })} />
                        {" Findings only: scores, findings and migration risks, without the sources"}
                    </label>
                </fieldset>
                <div class="link-row">
                    <input class="share-link" data-testid="share-link" readonly=true value={url.clone()} aria-label="Share link" />
                    <button class="primary" data-testid="copy-link" onclick={export(Export::CopyLink)}>{"Copy link"}</button>
                </div>
                <p class="muted" data-testid="share-length">{ format!("Link length: {}", kb(url.len())) }</p>
                if p.link.too_long() && !findings_only {
                    <div class="warn" role="alert" data-testid="share-too-long">
                        <span>{ format!(
                            "This link is {}. Chat tools and some browsers cut links longer than about {}, and the review would not open.",
                            kb(url.len()), kb(engine::share::COMFORTABLE_LENGTH)
                        ) }</span>
                        <button data-testid="share-findings-only" onclick={p.on_settings.reform(move |_: MouseEvent| ShareSettings { findings_only: true, ..s })}>
                            {"Share findings only"}
                        </button>
                    </div>
                } else if p.link.too_long() {
                    <div class="warn" role="alert" data-testid="share-too-long">
                        { format!("Even the findings make a {} link. Use Copy as Markdown or a download instead.", kb(url.len())) }
                    </div>
                }
                <h3>{"Export"}</h3>
                <div class="exports">
                    <button data-testid="copy-markdown" onclick={export(Export::CopyMarkdown)} title="A pull-request comment: score, top findings with code and fix, and the link">{"Copy as Markdown"}</button>
                    <button data-testid="download-json" onclick={export(Export::Json)}>{"Download JSON"}</button>
                    <button data-testid="download-sarif" onclick={export(Export::Sarif)}>{"Download SARIF"}</button>
                    <button data-testid="print" onclick={export(Export::Print)}>{"Print"}</button>
                </div>
                if let Some(done) = done { <p class="done" role="status" data-testid="export-done">{ done }</p> }
                <div class="modal-actions">
                    <button data-testid="share-close" onclick={close}>{"Close"}</button>
                </div>
            </div>
        </div>
    }
}
