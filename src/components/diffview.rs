use engine::diff::PatchStatus;
use engine::report::DiffReport;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub diff: DiffReport,
    /// Findings reported on each changed file, by path.
    pub counts: Vec<(String, usize)>,
}

/// The files a pasted diff changes: status, size of the change, how each was analysed and what
/// limited it (a partial file is judged only on what the hunks show).
#[function_component(DiffView)]
pub fn diff_view(p: &Props) -> Html {
    let status = |s: PatchStatus| match s {
        PatchStatus::Added => "added",
        PatchStatus::Modified => "modified",
        PatchStatus::Deleted => "deleted",
        PatchStatus::Renamed => "renamed",
        PatchStatus::Binary => "binary",
    };
    html! {
        <section class="diff-view" data-testid="diff-view">
            <h3>{ format!("Change: {} file{}", p.diff.files.len(), if p.diff.files.len() == 1 { "" } else { "s" }) }</h3>
            <ul>
                { for p.diff.files.iter().map(|f| {
                    let n = p.counts.iter().find(|(path, _)| *path == f.path).map_or(0, |(_, n)| *n);
                    html! {
                        <li data-testid="diff-file" data-path={f.path.clone()}>
                            <span class={classes!("pill", format!("st-{}", status(f.status)))}>{ status(f.status) }</span>
                            <span class="path">{ &f.path }</span>
                            if let Some(old) = &f.old_path { <span class="muted">{ format!(" (was {old})") }</span> }
                            <span class="plus">{ format!(" +{}", f.added) }</span>
                            <span class="minus">{ format!(" −{}", f.removed) }</span>
                            <span class="muted">{ match f.kind {
                                Some(k) => format!(" · {}{}", k.as_str(), if f.complete { "" } else { ", from the hunks" }),
                                None => " · not analysed".to_string(),
                            } }</span>
                            if n > 0 { <span class="pill">{ format!("{n} finding{}", if n == 1 { "" } else { "s" }) }</span> }
                            if !f.notes.is_empty() {
                                <ul class="notes">{ for f.notes.iter().map(|n| html! { <li class="muted">{ n }</li> }) }</ul>
                            }
                        </li>
                    }
                }) }
            </ul>
        </section>
    }
}
