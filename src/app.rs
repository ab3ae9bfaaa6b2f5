//! The root component: owns the state (one reducer) and the side effects (debounced analysis,
//! autosave, theme, file reading). Everything below it only renders and emits.

use std::rc::Rc;

use gloo::timers::callback::Timeout;
use yew::prelude::*;

use crate::components::editor::{Editor, Mark};
use crate::components::findings::FindingsList;
use crate::components::migration::MigrationView;
use crate::components::plan::PlanView;
use crate::components::playbook::PlaybookView;
use crate::components::scorecard::Scorecard;
use crate::components::tabs::{FileBar, FileTabs, Tab};
use crate::components::toolbar::Toolbar;
use crate::state::{Action, AppState, Panel, Theme};
use crate::{storage, upload};

/// Pause in typing before the report is refreshed.
const ANALYZE_DEBOUNCE_MS: u32 = 150;
const AUTOSAVE_DEBOUNCE_MS: u32 = 600;

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| {
        storage::load().unwrap_or_else(|| {
            let mut s = AppState::sample();
            s.theme = system_theme();
            s
        })
    });

    // Analysis after a pause in typing; a newer edit cancels the pending run.
    {
        let dispatcher = state.dispatcher();
        use_effect_with(state.revision, move |_| {
            let t = Timeout::new(ANALYZE_DEBOUNCE_MS, move || dispatcher.dispatch(Action::Analyze));
            move || drop(t)
        });
    }
    // Autosave, so a reload loses nothing.
    {
        let state = state.clone();
        use_effect_with((state.revision, state.active, state.theme), move |_| {
            let t = Timeout::new(AUTOSAVE_DEBOUNCE_MS, move || {
                let result = storage::save(&state);
                let notice = result.err();
                if notice != state.notice
                    && (notice.is_some() || state.notice.as_deref().is_some_and(|n| n.starts_with("Autosave")))
                {
                    state.dispatch(Action::Notice(notice));
                }
            });
            move || drop(t)
        });
    }
    // Theme on the document element.
    {
        let theme = state.theme;
        use_effect_with(theme, move |theme| {
            if let Some(root) = gloo::utils::document().document_element() {
                let _ = root.set_attribute("data-theme", if *theme == Theme::Dark { "dark" } else { "light" });
            }
        });
    }

    let d = state.dispatcher();
    let on_batch = {
        let d = d.clone();
        Callback::from(move |batch: upload::Batch| {
            if !batch.skipped.is_empty() {
                let shown: Vec<&str> = batch.skipped.iter().take(5).map(String::as_str).collect();
                let more = batch.skipped.len().saturating_sub(5);
                let tail = if more > 0 { format!(" and {more} more") } else { String::new() };
                d.dispatch(Action::Notice(Some(format!("Skipped {}{tail}.", shown.join(", ")))));
            }
            if !batch.files.is_empty() {
                d.dispatch(Action::AddFiles(batch.files));
            }
        })
    };
    let on_files = {
        let on_batch = on_batch.clone();
        Callback::from(move |(input, folder): (web_sys::HtmlInputElement, bool)| {
            let files = upload::from_input(&input);
            input.set_value("");
            upload::read_files(files, folder, on_batch.clone());
        })
    };
    let on_drop = {
        let on_batch = on_batch.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            if let Some(dt) = e.data_transfer() {
                upload::from_drop(&dt, on_batch.clone());
            }
        })
    };
    let on_dragover = Callback::from(|e: DragEvent| e.prevent_default());

    let report = state.report.clone();
    let tabs: Vec<Tab> = state
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let path = engine::display_path(&f.name, i);
            let info = report.files.iter().find(|x| x.path == path);
            Tab {
                id: f.id,
                label: if f.name.is_empty() { format!("Untitled {}", i + 1) } else { f.name.clone() },
                kind: info
                    .map(|x| x.kind)
                    .unwrap_or_else(|| f.kind.unwrap_or_else(|| engine::detect_kind(&f.name, &f.text))),
                findings: report.findings.iter().filter(|x| x.path == path).count(),
            }
        })
        .collect();

    let active = state.active_file().cloned();
    let active_path = state.report_path(state.active).unwrap_or_default();
    let marks: Rc<Vec<Mark>> = Rc::new(
        report
            .findings
            .iter()
            .enumerate()
            .filter(|(_, f)| f.path == active_path)
            .map(|(i, f)| Mark::of(i, f))
            .collect(),
    );

    let main_panel = match &state.panel {
        Panel::Findings => html! {
            <FindingsList report={report.clone()} selected={state.selected} stale={state.is_stale()}
                on_select={on(&d, Action::SelectFinding)}
                on_playbook={on(&d, |slug: String| Action::ShowPanel(Panel::Playbook(Some(slug))))} />
        },
        Panel::Playbook(slug) => html! {
            <PlaybookView slug={slug.clone()} touched={engine::playbook::sections_for(&report).iter().map(|s| s.slug).collect::<Vec<_>>()}
                on_open={on(&d, |slug| Action::ShowPanel(Panel::Playbook(slug)))}
                on_back={on(&d, |_| Action::ShowPanel(Panel::Findings))} />
        },
    };

    let on_new_review = {
        let d = d.clone();
        Callback::from(move |_| {
            storage::clear();
            d.dispatch(Action::NewReview);
        })
    };

    html! {
        <div class="app" ondrop={on_drop} ondragover={on_dragover}>
            <Toolbar theme={state.theme}
                on_sample={on(&d, |_| Action::LoadSample)}
                on_new_review={on_new_review}
                on_files={on_files}
                on_playbook={on(&d, |_| Action::ShowPanel(Panel::Playbook(None)))}
                on_theme={on(&d, |_| Action::ToggleTheme)} />
            if let Some(n) = &state.notice {
                <div class="notice" role="status" data-testid="notice">
                    <span>{ n }</span>
                    <button class="link" onclick={on(&d, |_| Action::Notice(None))} aria-label="Dismiss">{"×"}</button>
                </div>
            }
            <main class="workspace">
                <section class="left">
                    <FileTabs tabs={tabs.clone()} active={state.active}
                        on_activate={on(&d, Action::Activate)}
                        on_close={on(&d, Action::CloseFile)}
                        on_new={on(&d, |_| Action::NewFile)} />
                    if let Some(file) = active {
                        <FileBar file={file.clone()} detected={engine::detect_kind(&file.name, &file.text)}
                            on_rename={on(&d, move |name| Action::Rename { id: file.id, name })}
                            on_kind={on(&d, move |kind| Action::SetKind { id: file.id, kind })} />
                        <Editor file_id={file.id} text={AttrValue::from(file.text.clone())} marks={marks} selected={state.selected}
                            focus={state.focus}
                            on_input={on(&d, move |text| Action::Edit { id: file.id, text })}
                            on_mark={on(&d, |i| Action::SelectFinding(Some(i)))} />
                    }
                </section>
                <aside class="right">
                    <Scorecard report={report.clone()} />
                    if let Some(m) = report.migrations.iter().find(|m| m.path == active_path) {
                        <MigrationView migration={m.clone()} on_copy={copy_to_clipboard()}
                            on_line={on(&d, Action::FocusLine)}
                            postgres={state.options.postgres} hot_tables={state.options.hot_tables.clone()}
                            on_postgres={on(&d, Action::SetPostgres)} on_hot_tables={on(&d, Action::SetHotTables)} />
                    }
                    { for report.plans.iter().filter(|p| p.path == active_path).map(|p| html! {
                        <PlanView plan={p.clone()} on_copy={copy_to_clipboard()} on_line={on(&d, Action::FocusLine)} />
                    }) }
                    { main_panel }
                </aside>
            </main>
            <footer class="footer">
                <span>{ format!("djreview {} · analysis runs in this page; nothing you paste leaves your browser", engine::VERSION) }</span>
            </footer>
        </div>
    }
}

/// The theme the operating system asks for.
fn system_theme() -> Theme {
    let dark =
        gloo::utils::window().match_media("(prefers-color-scheme: dark)").ok().flatten().is_some_and(|m| m.matches());
    if dark {
        Theme::Dark
    } else {
        Theme::Light
    }
}

/// A callback that maps its input to an action and dispatches it.
/// Puts text on the clipboard (the only clipboard access in the app).
fn copy_to_clipboard() -> Callback<String> {
    Callback::from(|text: String| {
        if let Some(window) = web_sys::window() {
            let _ = window.navigator().clipboard().write_text(&text);
        }
    })
}

fn on<In: 'static, F: Fn(In) -> Action + 'static>(d: &UseReducerDispatcher<AppState>, f: F) -> Callback<In> {
    d.to_callback().reform(f)
}
