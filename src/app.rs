//! The root component: owns the state (one reducer) and the side effects (debounced analysis,
//! autosave, theme, file reading). Everything below it only renders and emits.

use std::rc::Rc;

use gloo::timers::callback::Timeout;
use yew::prelude::*;

use crate::components::diffview::DiffView;
use crate::components::editor::{Editor, Mark};
use crate::components::findings::FindingsList;
use crate::components::migration::MigrationView;
use crate::components::plan::PlanView;
use crate::components::playbook::PlaybookView;
use crate::components::scorecard::Scorecard;
use crate::components::settings::SettingsView;
use crate::components::share::ShareDialog;
use crate::components::tabs::{FileBar, FileTabs, Tab};
use crate::components::toolbar::Toolbar;
use crate::state::{Action, AppState, Export, Panel, Theme};
use crate::worker::{AnalysisWorker, WorkerReply};
use crate::{outbound, storage, timing, upload};

/// Pause in typing before the report is refreshed: short for ordinary inputs, whose analysis takes
/// a few milliseconds, longer for big ones so a burst of typing is analysed once.
const ANALYZE_DEBOUNCE_MS: u32 = 5;
const BIG_INPUT: usize = 50_000;
const BIG_DEBOUNCE_MS: u32 = 150;
const AUTOSAVE_DEBOUNCE_MS: u32 = 600;

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(initial_state);

    // A link pasted into this tab's address bar changes only the fragment: open it too.
    {
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            let listener = gloo::events::EventListener::new(&gloo::utils::window(), "hashchange", move |_| {
                if let Some(action) = take_link() {
                    dispatcher.dispatch(action);
                }
            });
            move || drop(listener)
        });
    }

    // Rule docs and playbook text are not in the wasm: load them once, after the first render.
    {
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            outbound::fetch_text("./docs.json", move |result| {
                let bundle = result.and_then(|text| engine::docs::DocsBundle::from_json(&text));
                dispatcher.dispatch(Action::DocsLoaded(bundle.map(std::rc::Rc::new)));
            });
        });
    }

    // Analysis after a pause in typing; a newer edit cancels the pending run. Large inputs go to
    // the worker (started on first need); if it cannot run, analysis stays on this thread.
    let worker = use_mut_ref(|| None::<AnalysisWorker>);
    let worker_broken = use_mut_ref(|| false);
    {
        let state = state.clone();
        use_effect_with(state.revision, move |_| {
            let size = state.input_size();
            let delay = if size > BIG_INPUT { BIG_DEBOUNCE_MS } else { ANALYZE_DEBOUNCE_MS };
            let t = Timeout::new(delay, move || {
                if !state.is_stale() {
                    return;
                }
                let dispatcher = state.dispatcher();
                if state.is_large() && !*worker_broken.borrow() {
                    if worker.borrow().is_none() {
                        let (d, broken) = (dispatcher.clone(), worker_broken.clone());
                        *worker.borrow_mut() = AnalysisWorker::start(move |reply| match reply {
                            WorkerReply::Report { revision, report } => {
                                d.dispatch(Action::AnalysisDone { revision, report })
                            }
                            WorkerReply::Failed { message, .. } => {
                                gloo::console::warn!(format!(
                                    "analysis worker failed, analysing on the page: {message}"
                                ));
                                *broken.borrow_mut() = true;
                                d.dispatch(Action::Analyze);
                            }
                        });
                    }
                    if let Some(w) = worker.borrow().as_ref() {
                        if w.post(state.revision, &state.project(), &state.options).is_ok() {
                            return;
                        }
                    }
                }
                dispatcher.dispatch(Action::Analyze);
            });
            move || drop(t)
        });
    }
    // Timing marks for the browser suite: a report for the current inputs is on screen.
    {
        let fresh = !state.is_stale();
        use_effect_with((state.analyzed_revision, fresh), move |(_, fresh)| {
            if *fresh {
                timing::report_shown();
            }
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
                findings: report
                    .findings
                    .iter()
                    .filter(|x| x.path == path || x.diff.as_ref().is_some_and(|d| d.path == path))
                    .count(),
            }
        })
        .collect();

    let active = state.active_file().cloned();
    let active_path = state.report_path(state.active).unwrap_or_default();
    let active_text = active.as_ref().map(|f| f.text.as_str()).unwrap_or_default();
    let mut diff_lines: Option<engine::text::LineIndex> = None;
    let marks: Rc<Vec<Mark>> = Rc::new(
        report
            .findings
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                if f.path == active_path {
                    return Some(Mark::of(i, f));
                }
                // A finding in a file rebuilt from a diff is marked on the diff's line.
                let d = f.diff.as_ref().filter(|d| d.path == active_path)?;
                let line = d.line?;
                // One index for all of them: a diff can carry many findings.
                let lines = diff_lines.get_or_insert_with(|| engine::text::LineIndex::new(active_text));
                let width = lines.line(active_text, line).map_or(1, |l| l.chars().count() as u32 + 1);
                Some(Mark { index: i, line, column: 1, end_line: line, end_column: width, severity: f.severity })
            })
            .collect(),
    );
    let active_diff = report.diffs.iter().find(|d| d.path == active_path).cloned();

    // The list is dimmed while its report is out of date only when the wait is long enough to see
    // (large inputs, analysed after a longer pause or in the worker). Dimming it for the few
    // milliseconds a small input takes would flicker on every keystroke and repaint the whole list
    // twice per key.
    let report_lags = state.is_stale() && state.input_size() > BIG_INPUT;
    let main_panel = match &state.panel {
        Panel::Findings => html! {
            <FindingsList report={report.clone()} selected={state.selected} stale={report_lags}
                changed_only={state.options.changed_only} on_changed_only={on(&d, Action::SetChangedOnly)}
                on_select={on(&d, Action::SelectFinding)} docs={state.docs.clone()}
                on_playbook={on(&d, |slug: String| Action::ShowPanel(Panel::Playbook(Some(slug))))} />
        },
        Panel::Playbook(slug) => html! {
            <PlaybookView slug={slug.clone()} touched={engine::playbook::sections_for(&report).iter().map(|s| s.slug).collect::<Vec<_>>()}
                on_open={on(&d, |slug| Action::ShowPanel(Panel::Playbook(slug)))}
                on_back={on(&d, |_| Action::ShowPanel(Panel::Findings))} docs={state.docs.clone()} />
        },
    };

    let on_new_review = {
        let d = d.clone();
        Callback::from(move |_| {
            storage::clear();
            storage::clear_previous();
            d.dispatch(Action::NewReview);
        })
    };
    let on_restore_previous = {
        let d = d.clone();
        let theme = state.theme;
        Callback::from(move |_: MouseEvent| match storage::load_previous() {
            Some(mut previous) => {
                previous.theme = theme;
                previous.notice = Some("Your previous review is back.".into());
                storage::clear_previous();
                d.dispatch(Action::Replace(Box::new(previous)));
            }
            None => d.dispatch(Action::Notice(Some("The previous review could not be read.".into()))),
        })
    };
    let on_open_path = {
        let d = d.clone();
        let state = state.clone();
        Callback::from(move |path: String| {
            if let Some(f) = state.file_for_path(&path) {
                d.dispatch(Action::Activate(f.id));
            }
        })
    };
    let on_export = {
        let d = d.clone();
        let state = state.clone();
        Callback::from(move |e: Export| {
            let settings = state.share.unwrap_or_default();
            match e {
                Export::CopyLink => {
                    let link = state.share_link(settings);
                    outbound::copy(&format!("{}#{}", outbound::base_url(), link.fragment));
                }
                Export::CopyMarkdown => outbound::copy(&state.markdown(settings, &outbound::base_url())),
                Export::Json => {
                    let (report, _, _) = state.outgoing_report(settings.redact);
                    outbound::download("djreview-report.json", "application/json", &engine::render::json(&report));
                }
                Export::Sarif => {
                    let (report, _, _) = state.outgoing_report(settings.redact);
                    outbound::download(
                        "djreview.sarif",
                        "application/sarif+json",
                        &engine::render::sarif::render_with_docs(&report, state.docs.bundle()),
                    );
                }
                Export::Print => {
                    d.dispatch(Action::CloseShare);
                    // After the dialog is gone from the page.
                    Timeout::new(50, outbound::print).forget();
                }
            }
            d.dispatch(Action::Exported(e));
        })
    };
    let share_dialog = state.share.map(|settings| {
        html! {
            <ShareDialog settings={settings} link={state.share_link(settings)} base_url={AttrValue::from(outbound::base_url())}
                frozen={state.frozen.is_some()} done={state.exported}
                on_settings={on(&d, Action::SetShare)} on_export={on_export.clone()}
                on_close={on(&d, |_| Action::CloseShare)} />
        }
    });
    // The print style sheet shows this section instead of the workspace: the Markdown report,
    // rendered just before printing (not on every analysis: it is only needed on paper).
    let print_ref = use_node_ref();
    {
        let (state, print_ref) = (state.clone(), print_ref.clone());
        use_effect_with((state.analyzed_revision, state.frozen.is_some(), state.options.changed_only), move |_| {
            let listener = gloo::events::EventListener::new(&gloo::utils::window(), "beforeprint", move |_| {
                if let Some(section) = print_ref.cast::<web_sys::Element>() {
                    let (project, _) = state.outgoing_project(true);
                    let markdown = engine::render::markdown::render(&state.report, &project, None);
                    section.set_inner_html(&engine::render::html::markdown_to_html(&markdown));
                }
            });
            move || drop(listener)
        });
    }

    html! {
        <div class="app" ondrop={on_drop} ondragover={on_dragover}
            data-analysed-by={if state.analysed_in_worker { "worker" } else { "page" }}>
            <Toolbar theme={state.theme}
                on_sample={on(&d, |_| Action::LoadSample)}
                on_new_review={on_new_review}
                on_files={on_files}
                on_playbook={on(&d, |_| Action::ShowPanel(Panel::Playbook(None)))}
                on_share={on(&d, |_| Action::OpenShare)}
                on_theme={on(&d, |_| Action::ToggleTheme)} />
            if let Some(n) = &state.notice {
                <div class="notice" role="status" data-testid="notice">
                    <span>{ n }</span>
                    if state.previous_saved {
                        <button class="link" data-testid="restore-previous" onclick={on_restore_previous}>{"Restore my previous review"}</button>
                    }
                    <button class="link" onclick={on(&d, |_| Action::Notice(None))} aria-label="Dismiss">{"×"}</button>
                </div>
            }
            <main class="workspace">
                <section class="left">
                    <FileTabs tabs={tabs.clone()} active={state.active}
                        on_activate={on(&d, Action::Activate)}
                        on_close={on(&d, Action::CloseFile)}
                        on_new={on(&d, |_| Action::NewFile)} />
                    if let Some(frozen) = &state.frozen {
                        <div class="frozen" data-testid="frozen">
                            <h3>{"Findings shared without their sources"}</h3>
                            <p>{ format!("The sender shared the results of a review of {} file{}; the code itself was not included. Open or paste files to start your own review.",
                                frozen.files.len(), if frozen.files.len() == 1 { "" } else { "s" }) }</p>
                            <ul>{ for frozen.files.iter().map(|f| html! { <li><code>{ &f.path }</code>{ format!(" · {} · {} lines", f.kind.as_str(), f.lines) }</li> }) }</ul>
                        </div>
                    } else if let Some(file) = active {
                        <FileBar file={file.clone()} detected={engine::detect_kind(&file.name, &file.text)}
                            on_rename={on(&d, move |name| Action::Rename { id: file.id, name })}
                            on_kind={on(&d, move |kind| Action::SetKind { id: file.id, kind })} />
                        <Editor file_id={file.id} text={AttrValue::from(file.text.clone())} marks={marks} selected={state.selected}
                            focus={state.focus}
                            on_input={on(&d, move |text| {
                                timing::edited();
                                Action::Edit { id: file.id, text }
                            })}
                            on_mark={on(&d, |i| Action::SelectFinding(Some(i)))} />
                    }
                </section>
                <aside class="right">
                    <Scorecard report={report.clone()} on_select={on(&d, |i| Action::SelectFinding(Some(i)))}
                        on_open_path={on_open_path.clone()}
                        on_explain={on(&d, |_| Action::ShowPanel(Panel::Playbook(Some("review-checklist".into()))))} />
                    if let Some(diff) = &active_diff {
                        <DiffView diff={diff.clone()} counts={diff.files.iter().map(|f| (f.path.clone(), report.findings.iter().filter(|x| x.path == f.path).count())).collect::<Vec<_>>()} />
                    }
                    if let Some(m) = report.migrations.iter().find(|m| m.path == active_path) {
                        <MigrationView migration={m.clone()} on_copy={copy_to_clipboard()}
                            on_line={on(&d, Action::FocusLine)}
                            postgres={state.options.postgres} hot_tables={state.options.hot_tables.clone()}
                            on_postgres={on(&d, Action::SetPostgres)} on_hot_tables={on(&d, Action::SetHotTables)} />
                    }
                    { for report.settings.iter().filter(|m| m.path == active_path || m.imports.contains(&active_path)).map(|m| html! {
                        <SettingsView module={m.clone()} active_path={active_path.clone()} on_line={on(&d, Action::FocusLine)}
                            on_open_path={on_open_path.clone()}
                            production={state.options.profile == engine::Profile::Production} django={state.options.django.clone()}
                            on_profile={on(&d, Action::SetProductionProfile)} on_django={on(&d, Action::SetDjango)} />
                    }) }
                    { for report.plans.iter().filter(|p| p.path == active_path).map(|p| html! {
                        <PlanView plan={p.clone()} on_copy={copy_to_clipboard()} on_line={on(&d, Action::FocusLine)} />
                    }) }
                    { main_panel }
                </aside>
            </main>
            { share_dialog.unwrap_or_default() }
            <section class="print-report markdown" data-testid="print-report" aria-hidden="true" ref={print_ref} />
            <footer class="footer">
                <span>{ format!("djreview {} · analysis runs in this page; nothing you paste leaves your browser", engine::VERSION) }</span>
            </footer>
        </div>
    }
}

/// The first state: a share link in the address bar wins, then the autosave, then the sample.
fn initial_state() -> AppState {
    let theme = storage::saved_theme().unwrap_or_else(system_theme);
    if let Some(fragment) = outbound::fragment() {
        outbound::clear_fragment();
        match engine::share::decode(&fragment) {
            Ok(shared) => {
                let previous_saved = storage::set_aside_for_link();
                let mut s = AppState::from_shared(shared, theme);
                s.previous_saved = previous_saved;
                return s;
            }
            Err(e) => {
                let mut s = storage::load().unwrap_or_else(|| first_visit(theme));
                s.notice =
                    Some(format!("This share link could not be opened: {}. Your own review is shown instead.", e.0));
                return s;
            }
        }
    }
    storage::load().unwrap_or_else(|| first_visit(theme))
}

fn first_visit(theme: Theme) -> AppState {
    let mut s = AppState::sample();
    s.theme = theme;
    s
}

/// The action for a share link that arrived by a fragment change (the fragment is then removed).
fn take_link() -> Option<Action> {
    let fragment = outbound::fragment()?;
    outbound::clear_fragment();
    Some(match engine::share::decode(&fragment) {
        Ok(shared) => Action::OpenShared { shared: Box::new(shared), set_aside: storage::set_aside_for_link() },
        Err(e) => Action::Notice(Some(format!("This share link could not be opened: {}.", e.0))),
    })
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

fn copy_to_clipboard() -> Callback<String> {
    Callback::from(|text: String| outbound::copy(&text))
}

/// A callback that maps its input to an action and dispatches it.
fn on<In: 'static, F: Fn(In) -> Action + 'static>(d: &UseReducerDispatcher<AppState>, f: F) -> Callback<In> {
    d.to_callback().reform(f)
}
