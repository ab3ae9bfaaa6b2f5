use std::rc::Rc;

use engine::{Finding, Report, Severity};
use yew::prelude::*;

use super::detail::FindingDetail;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub report: Rc<Report>,
    pub selected: Option<usize>,
    pub stale: bool,
    pub on_select: Callback<Option<usize>>,
    pub on_playbook: Callback<String>,
    /// Whether only findings on changed lines are shown (meaningful with a diff in the input).
    pub changed_only: bool,
    pub on_changed_only: Callback<bool>,
    pub docs: crate::state::Docs,
}

/// Findings shown per severity before "show all": thousands of list items would stall the page.
const SHOWN_PER_GROUP: usize = 200;

/// Findings grouped by severity, most severe first; the selected one expands to its fix and docs.
#[function_component(FindingsList)]
pub fn findings_list(p: &Props) -> Html {
    let r = &p.report;
    // View-only state: which long groups the reader asked to see in full.
    let expanded = use_state(Vec::<Severity>::new);
    let changed_toggle = (!r.diffs.is_empty()).then(|| {
        let next = !p.changed_only;
        html! {
            <label class="check changed-only">
                <input type="checkbox" data-testid="changed-only" checked={p.changed_only}
                    onchange={p.on_changed_only.reform(move |_: Event| next)} />
                {" Changed lines only"}
            </label>
        }
    });
    if r.findings.is_empty() {
        let analysed = r.files.iter().filter(|f| f.lines > 0).count();
        return html! {
            <div class="empty" data-testid="no-findings">
                { changed_toggle.clone().unwrap_or_default() }
                if analysed == 0 { <p>{"Paste code, drop files or a folder, or open the sample to start."}</p> }
                else { <p>{ format!("No findings in {analysed} file{}.", if analysed == 1 { "" } else { "s" }) }</p> }
                if !r.suppressed.is_empty() { <p class="muted">{ format!("{} suppressed in the code.", r.suppressed.len()) }</p> }
            </div>
        };
    }
    html! {
        <div class={classes!("findings", p.stale.then_some("stale"))} data-testid="findings">
            { changed_toggle.unwrap_or_default() }
            { for Severity::ALL.iter().rev().map(|sev| {
                let mut items: Vec<(usize, &Finding)> = r.findings.iter().enumerate().filter(|(_, f)| f.severity == *sev).collect();
                if items.is_empty() { return html! {}; }
                let total = items.len();
                // The selected finding stays visible even when it is past the cut.
                let cut = if expanded.contains(sev) { total } else { SHOWN_PER_GROUP };
                let hidden = total.saturating_sub(cut);
                if hidden > 0 {
                    let keep = p.selected;
                    items = items.into_iter().enumerate().filter(|(n, (i, _))| *n < cut || Some(*i) == keep).map(|(_, x)| x).collect();
                }
                let show_all = {
                    let (expanded, sev) = (expanded.clone(), *sev);
                    Callback::from(move |_: MouseEvent| {
                        let mut next = (*expanded).clone();
                        next.push(sev);
                        expanded.set(next);
                    })
                };
                html! {
                    <section class="group">
                        <h3 class={format!("sev-{}", sev.as_str())}>{ format!("{} · {}", sev.as_str(), total) }</h3>
                        <ul>
                            { for items.into_iter().map(|(i, f)| {
                                let selected = p.selected == Some(i);
                                let toggle = p.on_select.reform(move |_: MouseEvent| if selected { None } else { Some(i) });
                                html! {
                                    <li data-testid="finding" data-code={f.code.clone()} data-line={f.line.to_string()} data-path={f.path.clone()}
                                        data-changed={f.diff.as_ref().map(|d| d.changed.to_string())}
                                        class={classes!("finding", format!("sev-{}", f.severity.as_str()), selected.then_some("selected"))}>
                                        <button class="head" onclick={toggle} aria-expanded={selected.to_string()}>
                                            <span class="code">{ &f.code }</span>
                                            <span class="loc">{ format!("{}:{}", short_path(&f.path), f.line) }</span>
                                            if let Some(d) = &f.diff {
                                                if d.changed { <span class="pill changed" data-testid="changed-badge" title={format!("On a line this change adds ({})", d.path)}>{"changed"}</span> }
                                            }
                                            <span class="msg">{ inline_code(&f.message) }</span>
                                        </button>
                                        if selected { <FindingDetail finding={f.clone()} on_playbook={p.on_playbook.clone()} docs={p.docs.clone()} /> }
                                    </li>
                                }
                            }) }
                        </ul>
                        if hidden > 0 {
                            <button class="link show-all" data-testid="show-all" onclick={show_all}>
                                { format!("Show all {total} ({hidden} more)") }
                            </button>
                        }
                    </section>
                }
            }) }
            <section class="read-next">
                <h3>{"Playbook for this review"}</h3>
                <ul>
                    { for engine::playbook::sections_for(r).into_iter().map(|sec| {
                        let slug = sec.slug.to_string();
                        html! { <li><button class="link" data-testid="touched-section" data-slug={sec.slug}
                            onclick={p.on_playbook.reform(move |_| slug.clone())}>{ sec.title }</button></li> }
                    }) }
                </ul>
            </section>
            if !r.suppressed.is_empty() {
                <p class="muted" data-testid="suppressed">{ format!("{} finding{} suppressed with `djreview: ignore`.", r.suppressed.len(), if r.suppressed.len() == 1 { "" } else { "s" }) }</p>
            }
        </div>
    }
}

/// Text with `backtick` spans shown as code. Everything stays a text node: user text is never markup.
pub fn inline_code(text: &str) -> Html {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                html! { <code>{ part }</code> }
            } else {
                html! { { part } }
            }
        })
        .collect()
}

fn short_path(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}
