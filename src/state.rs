//! The app's state, the actions that change it, and the one reducer. No DOM access here, so the whole
//! state machine is tested natively.

use std::rc::Rc;

use engine::share::{Shared, SharedFile, SharedFindings, SharedReview};
use engine::{analyze, FileKind, Options, Project, Report, SourceFile};
use serde::{Deserialize, Serialize};
use yew::Reducible;

/// Inputs larger than this (bytes of text) are analysed off the main thread when the browser can;
/// the reducer then leaves the report stale instead of analysing in place.
pub const LARGE_INPUT: usize = 200_000;

/// One editor tab.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditorFile {
    pub id: u32,
    /// May be empty for a paste; the engine then calls it `<input N>`.
    pub name: String,
    pub text: String,
    /// Set when the user chose the kind; `None` means "detect".
    pub kind: Option<FileKind>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

// The autosave's readers (see `storage`): the engine's, not the derived `Deserialize`.
impl engine::from_json::FromJson for Theme {
    fn from_json(v: &serde_json::Value) -> Result<Self, String> {
        match v.as_str() {
            Some("Light") => Ok(Theme::Light),
            Some("Dark") => Ok(Theme::Dark),
            _ => Err(format!("unknown theme {v}")),
        }
    }
}

impl engine::from_json::FromJson for EditorFile {
    fn from_json(v: &serde_json::Value) -> Result<Self, String> {
        let f = engine::from_json::object(v)?;
        Ok(EditorFile { id: f.req("id")?, name: f.req("name")?, text: f.req("text")?, kind: f.opt("kind")? })
    }
}

/// What the right-hand panel shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Panel {
    Findings,
    /// The table of contents, a section by slug, or a rule page (`rule:QRY101`).
    Playbook(Option<String>),
}

impl Panel {
    /// The panel as a share link stores it.
    pub fn to_token(&self) -> String {
        match self {
            Panel::Findings => "findings".into(),
            Panel::Playbook(None) => "playbook".into(),
            Panel::Playbook(Some(slug)) => format!("playbook:{slug}"),
        }
    }

    /// Reads a stored panel; anything unknown shows the findings.
    pub fn from_token(token: &str) -> Panel {
        match token.split_once(':') {
            None if token == "playbook" => Panel::Playbook(None),
            Some(("playbook", slug)) if is_known_page(slug) => Panel::Playbook(Some(slug.to_string())),
            _ => Panel::Findings,
        }
    }
}

/// A playbook section slug or `rule:<code>` that exists (links from elsewhere are not trusted).
fn is_known_page(slug: &str) -> bool {
    match slug.strip_prefix("rule:") {
        Some(code) => engine::registry::find_rule(code).is_some(),
        None => engine::playbook::section(slug).is_some(),
    }
}

/// How the share dialog is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShareSettings {
    /// Hide secrets in the link and in every export (on by default).
    pub redact: bool,
    /// Share the findings without the sources.
    pub findings_only: bool,
}

impl Default for ShareSettings {
    fn default() -> Self {
        ShareSettings { redact: true, findings_only: false }
    }
}

/// What the share dialog can do with the review.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    CopyLink,
    CopyMarkdown,
    Json,
    Sarif,
    Print,
}

/// A share link's fragment and what went into it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShareLink {
    /// Without the `#`.
    pub fragment: String,
    /// Secrets hidden in it.
    pub redacted: usize,
}

impl ShareLink {
    /// Longer than chat tools and some browsers keep.
    pub fn too_long(&self) -> bool {
        self.fragment.len() > engine::share::COMFORTABLE_LENGTH
    }
}

/// A request to move the editor to a span (the nonce makes repeated clicks re-trigger).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Focus {
    pub file_id: u32,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub nonce: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AppState {
    pub files: Vec<EditorFile>,
    pub active: u32,
    pub next_id: u32,
    pub options: Options,
    pub report: Rc<Report>,
    /// Bumped on every edit; analysis catches up after a pause in typing.
    pub revision: u64,
    pub analyzed_revision: u64,
    pub selected: Option<usize>,
    pub focus: Option<Focus>,
    pub theme: Theme,
    pub panel: Panel,
    /// A message for the user (skipped binary file, storage full, ...).
    pub notice: Option<String>,
    /// The share dialog, when open.
    pub share: Option<ShareSettings>,
    /// The last export done from the dialog (for its confirmation line).
    pub exported: Option<Export>,
    /// Set when the report came from a findings-only link: there are no sources to re-analyse.
    pub frozen: Option<Rc<SharedFindings>>,
    /// Opening a link set aside the reviewer's own autosaved work; it can be brought back.
    pub previous_saved: bool,
    /// The report on screen came from the analysis worker (large inputs).
    pub analysed_in_worker: bool,
    /// Rule docs and playbook text, loaded from `docs.json` after the first report.
    pub docs: Docs,
}

/// Where the documentation is: it is not compiled into the web build.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Docs {
    #[default]
    Loading,
    Ready(Rc<engine::docs::DocsBundle>),
    Failed(String),
}

impl Docs {
    pub fn bundle(&self) -> Option<&engine::docs::DocsBundle> {
        match self {
            Docs::Ready(b) => Some(b),
            _ => None,
        }
    }

    /// A rule's Markdown: compiled in (native builds, tests) or from the loaded bundle.
    pub fn rule(&self, meta: &engine::RuleMeta) -> Option<String> {
        if !meta.docs.is_empty() {
            return Some(meta.docs_markdown());
        }
        self.bundle().and_then(|b| b.rule(meta.code)).map(str::to_string)
    }

    /// A playbook section's Markdown, the same way.
    pub fn section(&self, section: &engine::playbook::Section) -> Option<String> {
        if !section.markdown.is_empty() {
            return Some(section.markdown.to_string());
        }
        self.bundle().and_then(|b| b.section(section.slug)).map(str::to_string)
    }

    /// What to show while the text is not there.
    pub fn placeholder(&self) -> String {
        match self {
            Docs::Failed(why) => {
                format!("The documentation could not be loaded ({why}). Reload the page to try again.")
            }
            _ => "Loading the documentation…".to_string(),
        }
    }
}

pub enum Action {
    /// The user typed in a tab.
    Edit {
        id: u32,
        text: String,
    },
    /// Run the engine on the current inputs (after the debounce).
    Analyze,
    AddFiles(Vec<(String, String)>),
    NewFile,
    CloseFile(u32),
    Activate(u32),
    Rename {
        id: u32,
        name: String,
    },
    SetKind {
        id: u32,
        kind: Option<FileKind>,
    },
    SelectFinding(Option<usize>),
    /// Show a whole line of the active file (a migration operation).
    FocusLine(u32),
    /// The PostgreSQL major version migrations are judged for.
    SetPostgres(u32),
    /// Tables that are large or busy (names or `app.Model` labels, comma separated).
    SetHotTables(String),
    /// `docs.json` arrived (or could not be read).
    DocsLoaded(Result<Rc<engine::docs::DocsBundle>, String>),
    /// Production (true) or development settings: development keeps only the checks Django runs
    /// on every `check`.
    SetProductionProfile(bool),
    /// The Django version the settings are checked for.
    SetDjango(String),
    ShowPanel(Panel),
    ToggleTheme,
    /// With a diff among the inputs: show only findings on changed lines.
    SetChangedOnly(bool),
    LoadSample,
    NewReview,
    Notice(Option<String>),
    OpenShare,
    CloseShare,
    SetShare(ShareSettings),
    Exported(Export),
    /// A share link was opened in this tab (the fragment changed); `set_aside` tells whether the
    /// reviewer's own work was kept aside and can be restored.
    OpenShared {
        shared: Box<Shared>,
        set_aside: bool,
    },
    /// Put a whole state in place (the work set aside when a link was opened).
    Replace(Box<AppState>),
    /// The analysis worker's report for the inputs at `revision`.
    AnalysisDone {
        revision: u64,
        report: Box<Report>,
    },
}

impl AppState {
    /// The state for a first visit: the sample project, analysed.
    pub fn sample() -> AppState {
        let files = crate::sample::files()
            .into_iter()
            .enumerate()
            .map(|(i, (name, text))| EditorFile {
                id: i as u32 + 1,
                name: name.to_string(),
                text: text.to_string(),
                kind: None,
            })
            .collect::<Vec<_>>();
        AppState::from_files(files, Theme::Light)
    }

    /// Restores saved tabs (analysed at once so the report matches what is on screen).
    pub fn from_files(files: Vec<EditorFile>, theme: Theme) -> AppState {
        let files = if files.is_empty() {
            vec![EditorFile { id: 1, name: String::new(), text: String::new(), kind: None }]
        } else {
            files
        };
        let next_id = files.iter().map(|f| f.id).max().unwrap_or(0) + 1;
        let active = files.iter().find(|f| f.name.ends_with("views.py")).unwrap_or(&files[0]).id;
        let mut s = AppState {
            files,
            active,
            next_id,
            options: Options::default(),
            report: Rc::new(analyze(&Project::default(), &Options::default())),
            revision: 0,
            analyzed_revision: 0,
            selected: None,
            focus: None,
            theme,
            panel: Panel::Findings,
            notice: None,
            share: None,
            exported: None,
            frozen: None,
            previous_saved: false,
            analysed_in_worker: false,
            docs: Docs::default(),
        };
        s.refresh();
        s
    }

    /// Bytes of input text.
    pub fn input_size(&self) -> usize {
        self.files.iter().map(|f| f.text.len()).sum()
    }

    /// Large enough to analyse off the main thread.
    pub fn is_large(&self) -> bool {
        self.input_size() > LARGE_INPUT
    }

    /// Brings the report up to date: at once for ordinary inputs; for large ones the report is left
    /// stale and the app hands the inputs to the worker.
    pub fn refresh(&mut self) {
        if self.is_large() && self.frozen.is_none() {
            if !self.is_stale() {
                self.revision += 1;
            }
        } else {
            self.run_analysis();
        }
    }

    /// The state a share link describes. A findings-only link gives a frozen report with no sources.
    pub fn from_shared(shared: Shared, theme: Theme) -> AppState {
        match shared {
            Shared::Review(review) => {
                let files = review
                    .files
                    .into_iter()
                    .enumerate()
                    .map(|(i, f)| EditorFile { id: i as u32 + 1, name: f.name, text: f.text, kind: f.kind })
                    .collect();
                let mut s = AppState::from_files(files, theme);
                s.options = review.options;
                s.refresh();
                if let Some(f) = s.files.get(review.active) {
                    s.active = f.id;
                }
                if let Some(i) = review.selected.filter(|&i| i < s.report.findings.len()) {
                    s.select(Some(i));
                }
                if let Some(panel) = review.panel.as_deref().map(Panel::from_token) {
                    s.panel = panel;
                }
                s.notice = Some(match review.redacted {
                    0 => "Opened a shared review.".to_string(),
                    n => format!(
                        "Opened a shared review. The sender hid {n} secret{} (shown as {}).",
                        plural(n),
                        engine::redact::MARK
                    ),
                });
                s
            }
            Shared::Findings(findings) => {
                let mut s = AppState::from_files(Vec::new(), theme);
                s.report = Rc::new(Report {
                    version: engine::REPORT_SCHEMA_VERSION,
                    files: findings.files.clone(),
                    findings: findings.findings.clone(),
                    suppressed: Vec::new(),
                    migrations: findings.migrations.clone(),
                    plans: Vec::new(),
                    diffs: Vec::new(),
                    settings: Vec::new(),
                    scores: findings.scores.clone(),
                    redacted: u32::try_from(findings.redacted).unwrap_or(u32::MAX),
                });
                s.notice = Some(match findings.redacted {
                    0 => "Opened shared findings. The sources were not included.".to_string(),
                    n => format!(
                        "Opened shared findings. The sources were not included, and the sender hid {n} secret{}.",
                        plural(n)
                    ),
                });
                s.frozen = Some(Rc::new(findings));
                s
            }
        }
    }

    /// The inputs as they would leave the browser: secrets hidden when `redact` is on.
    pub fn outgoing_project(&self, redact: bool) -> (Project, usize) {
        let mut project = self.project();
        let mut hidden = 0;
        if redact {
            for f in project.files.iter_mut() {
                let (text, n) = engine::redact::redact(&f.text);
                f.text = text;
                hidden += n;
            }
        }
        (project, hidden)
    }

    /// The report for an export: of the redacted inputs when anything was hidden, so no finding
    /// quotes a secret.
    pub fn outgoing_report(&self, redact: bool) -> (Rc<Report>, Project, usize) {
        let (project, hidden) = self.outgoing_project(redact);
        if hidden == 0 || self.frozen.is_some() {
            return (self.report.clone(), project, hidden);
        }
        let mut report = analyze(&project, &self.options);
        report.redacted = u32::try_from(hidden).unwrap_or(u32::MAX);
        (Rc::new(report), project, hidden)
    }

    /// The share link's fragment for the current review.
    pub fn share_link(&self, settings: ShareSettings) -> ShareLink {
        if let Some(frozen) = &self.frozen {
            let shared = Shared::Findings((**frozen).clone());
            return ShareLink { fragment: engine::share::encode(&shared), redacted: frozen.redacted };
        }
        if settings.findings_only {
            let (report, _, redacted) = self.outgoing_report(settings.redact);
            let shared = Shared::Findings(SharedFindings {
                files: report.files.clone(),
                findings: report.findings.clone(),
                scores: report.scores.clone(),
                migrations: report.migrations.clone(),
                redacted,
            });
            return ShareLink { fragment: engine::share::encode(&shared), redacted };
        }
        let (project, redacted) = self.outgoing_project(settings.redact);
        let review = SharedReview {
            files: project
                .files
                .into_iter()
                .zip(&self.files)
                .map(|(f, tab)| SharedFile { name: tab.name.clone(), text: f.text, kind: tab.kind })
                .collect(),
            options: self.options.clone(),
            active: self.files.iter().position(|f| f.id == self.active).unwrap_or(0),
            redacted,
            selected: self.selected,
            panel: Some(self.panel.to_token()),
        };
        ShareLink { fragment: engine::share::encode(&Shared::Review(review)), redacted }
    }

    /// The pull-request comment: score, top findings with code and fix, and the link when it fits.
    pub fn markdown(&self, settings: ShareSettings, base_url: &str) -> String {
        let (report, project, _) = self.outgoing_report(settings.redact);
        let link = self.share_link(settings);
        let link = if link.too_long() && !settings.findings_only {
            self.share_link(ShareSettings { findings_only: true, ..settings })
        } else {
            link
        };
        let url = (!link.too_long()).then(|| format!("{base_url}#{}", link.fragment));
        engine::render::markdown::render(&report, &project, url.as_deref())
    }

    /// Selects a finding and moves the editor to it: its own tab, or the diff it came from.
    fn select(&mut self, index: Option<usize>) {
        self.selected = index;
        self.panel = Panel::Findings;
        let Some(f) = index.and_then(|i| self.report.findings.get(i)) else { return };
        let nonce = self.focus.map_or(0, |f| f.nonce.wrapping_add(1));
        if let Some(file) = self.file_for_path(&f.path) {
            let file_id = file.id;
            self.active = file_id;
            self.focus = Some(Focus {
                file_id,
                line: f.line,
                column: f.column,
                end_line: f.end_line,
                end_column: f.end_column,
                nonce,
            });
        } else if let Some((diff, line)) = f.diff.as_ref().and_then(|d| Some((d.path.clone(), d.line?))) {
            if let Some(file) = self.file_for_path(&diff) {
                let file_id = file.id;
                let whole = engine::text::Span::line(line, &file.text);
                self.active = file_id;
                self.focus =
                    Some(Focus { file_id, line, column: 1, end_line: line, end_column: whole.end_column, nonce });
            }
        }
    }

    pub fn project(&self) -> Project {
        Project::new(
            self.files
                .iter()
                .map(|f| SourceFile { path: f.name.clone(), text: f.text.clone(), kind: f.kind })
                .collect(),
        )
    }

    pub fn active_file(&self) -> Option<&EditorFile> {
        self.files.iter().find(|f| f.id == self.active)
    }

    /// The report path of a tab (`<input N>` when unnamed), as findings name it.
    pub fn report_path(&self, id: u32) -> Option<String> {
        self.files.iter().position(|f| f.id == id).map(|i| engine::display_path(&self.files[i].name, i))
    }

    /// The tab a report path refers to.
    pub fn file_for_path(&self, path: &str) -> Option<&EditorFile> {
        self.files.iter().enumerate().find(|(i, f)| engine::display_path(&f.name, *i) == path).map(|(_, f)| f)
    }

    pub fn is_stale(&self) -> bool {
        self.revision != self.analyzed_revision
    }

    pub fn run_analysis(&mut self) {
        if self.frozen.is_some() {
            return;
        }
        self.analysed_in_worker = false;
        self.report = Rc::new(analyze(&self.project(), &self.options));
        self.analyzed_revision = self.revision;
        if self.selected.is_some_and(|i| i >= self.report.findings.len()) {
            self.selected = None;
        }
    }

    /// Leaves a findings-only report for a review of real inputs.
    fn unfreeze(&mut self) {
        if self.frozen.take().is_some() {
            self.notice = None;
            self.selected = None;
        }
    }

    fn edited(&mut self) {
        self.revision += 1;
    }

    fn add_file(&mut self, name: String, text: String) -> u32 {
        // Replace the lone empty tab instead of keeping it around.
        if self.files.len() == 1 && self.files[0].text.is_empty() && self.files[0].name.is_empty() {
            self.files.clear();
        }
        let id = self.next_id;
        self.next_id += 1;
        self.files.push(EditorFile { id, name, text, kind: None });
        id
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::Edit { id, text } => {
                if let Some(f) = s.files.iter_mut().find(|f| f.id == id) {
                    if f.text == text {
                        return self;
                    }
                    f.text = text;
                    s.edited();
                }
            }
            Action::Analyze => {
                if !s.is_stale() {
                    return self;
                }
                s.run_analysis();
            }
            Action::AddFiles(files) => {
                s.unfreeze();
                let mut last = None;
                for (name, text) in files {
                    last = Some(s.add_file(name, text));
                }
                if let Some(id) = last {
                    s.active = id;
                    s.edited();
                    s.refresh();
                }
            }
            Action::NewFile => {
                if s.frozen.is_some() {
                    // The frozen report's lone empty tab is the new file.
                    s.unfreeze();
                    s.refresh();
                    return Rc::new(s);
                }
                let id = s.next_id;
                s.next_id += 1;
                s.files.push(EditorFile { id, name: String::new(), text: String::new(), kind: None });
                s.active = id;
            }
            Action::CloseFile(id) => {
                let Some(pos) = s.files.iter().position(|f| f.id == id) else { return self };
                s.files.remove(pos);
                if s.files.is_empty() {
                    let id = s.next_id;
                    s.next_id += 1;
                    s.files.push(EditorFile { id, name: String::new(), text: String::new(), kind: None });
                }
                if s.active == id {
                    s.active = s.files[pos.min(s.files.len() - 1)].id;
                }
                s.selected = None;
                s.edited();
                s.refresh();
            }
            Action::Activate(id) => {
                if s.active == id {
                    return self;
                }
                s.active = id;
            }
            Action::Rename { id, name } => {
                if let Some(f) = s.files.iter_mut().find(|f| f.id == id) {
                    f.name = name.trim().to_string();
                    s.edited();
                    s.refresh();
                }
            }
            Action::SetKind { id, kind } => {
                if let Some(f) = s.files.iter_mut().find(|f| f.id == id) {
                    f.kind = kind;
                    s.edited();
                    s.refresh();
                }
            }
            Action::SelectFinding(index) => s.select(index),
            Action::FocusLine(line) => {
                let nonce = s.focus.map_or(0, |f| f.nonce.wrapping_add(1));
                let width = s.active_file().map_or(2, |f| engine::text::Span::line(line, &f.text).end_column);
                s.focus = Some(Focus { file_id: s.active, line, column: 1, end_line: line, end_column: width, nonce });
            }
            Action::SetPostgres(version) => {
                s.options.postgres = version;
                s.revision += 1;
            }
            Action::SetHotTables(text) => {
                s.options.hot_tables =
                    text.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect();
                s.revision += 1;
            }
            Action::DocsLoaded(result) => {
                s.docs = match result {
                    Ok(bundle) => Docs::Ready(bundle),
                    Err(why) => Docs::Failed(why),
                };
            }
            Action::SetProductionProfile(production) => {
                s.options.profile = if production { engine::Profile::Production } else { engine::Profile::Development };
                s.revision += 1;
            }
            Action::SetDjango(version) => {
                s.options.django = version;
                s.revision += 1;
            }
            Action::SetChangedOnly(on) => {
                s.options.changed_only = on;
                s.selected = None;
                s.revision += 1;
                s.refresh();
            }
            Action::ShowPanel(panel) => s.panel = panel,
            Action::ToggleTheme => {
                s.theme = match s.theme {
                    Theme::Light => Theme::Dark,
                    Theme::Dark => Theme::Light,
                }
            }
            Action::LoadSample => {
                let theme = s.theme;
                s = AppState::sample();
                s.theme = theme;
            }
            Action::NewReview => {
                let theme = s.theme;
                s = AppState::from_files(Vec::new(), theme);
            }
            Action::Notice(n) => s.notice = n,
            Action::OpenShare => {
                s.share = Some(ShareSettings::default());
                s.exported = None;
            }
            Action::CloseShare => s.share = None,
            Action::SetShare(settings) => {
                s.share = Some(settings);
                s.exported = None;
            }
            Action::Exported(e) => s.exported = Some(e),
            Action::OpenShared { shared, set_aside } => {
                s = AppState::from_shared(*shared, s.theme);
                s.previous_saved = set_aside;
            }
            Action::Replace(state) => s = *state,
            Action::AnalysisDone { revision, report } => {
                // A reply for inputs that have changed since is dropped: a newer request is on its way.
                if revision != s.revision || s.frozen.is_some() {
                    return self;
                }
                s.report = Rc::new(*report);
                s.analyzed_revision = revision;
                s.analysed_in_worker = true;
                if s.selected.is_some_and(|i| i >= s.report.findings.len()) {
                    s.selected = None;
                }
            }
        }
        Rc::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reduce(s: AppState, a: Action) -> AppState {
        (*Rc::new(s).reduce(a)).clone()
    }

    #[test]
    fn the_sample_loads_analysed_with_findings() {
        let s = AppState::sample();
        assert!(s.files.len() >= 3);
        assert!(s.report.findings.iter().any(|f| f.code == "QRY101"));
        assert!(!s.is_stale());
        assert_eq!(s.active_file().map(|f| f.name.as_str()), Some("blog/views.py"));
    }

    #[test]
    fn edits_mark_the_report_stale_until_analyze() {
        let s = AppState::sample();
        let id = s.active;
        let s = reduce(s, Action::Edit { id, text: "x = 1\n".into() });
        assert!(s.is_stale());
        assert!(s.report.findings.iter().any(|f| f.code == "QRY101"), "old report until analysis runs");
        let s = reduce(s, Action::Analyze);
        assert!(!s.is_stale());
        assert!(!s.report.findings.iter().any(|f| f.path == "blog/views.py"));
    }

    #[test]
    fn selecting_a_finding_activates_its_file_and_focuses_the_span() {
        let s = AppState::sample();
        let models = s.files.iter().find(|f| f.name.ends_with("models.py")).expect("models").id;
        let s = reduce(s, Action::Activate(models));
        let s = reduce(s, Action::SelectFinding(Some(0)));
        let f = &s.report.findings[0];
        let focus = s.focus.expect("focus");
        assert_eq!(s.active_file().map(|x| x.name.clone()), Some(f.path.clone()));
        assert_eq!((focus.line, focus.column), (f.line, f.column));
        let again = reduce(s, Action::SelectFinding(Some(0))).focus.expect("focus");
        assert_ne!(again.nonce, focus.nonce);
    }

    #[test]
    fn a_migration_operation_line_is_shown_whole() {
        let mut s = AppState::from_files(
            vec![EditorFile {
                id: 1,
                name: "shop/migrations/0002_x.py".into(),
                text: "from django.db import migrations, models\n\nclass Migration(migrations.Migration):\n    operations = [migrations.AddField(\"order\", \"n\", models.IntegerField(default=0))]\n".into(),
                kind: None,
            }],
            Theme::Dark,
        );
        s = reduce(s, Action::Analyze);
        assert_eq!(s.report.migrations.len(), 1);
        let line = s.report.migrations[0].operations[0].line;
        let focus = reduce(s, Action::FocusLine(line)).focus.expect("focus");
        assert_eq!((focus.line, focus.column, focus.end_line), (4, 1, 4));
        assert!(focus.end_column > 40);
    }

    #[test]
    fn profile_and_django_version_change_the_settings_audit() {
        let text = "DEBUG = True\nALLOWED_HOSTS = []\nMIDDLEWARE = []\nSECURE_CSP = 'x'\n";
        let s = AppState::from_files(
            vec![EditorFile { id: 1, name: "proj/settings.py".into(), text: text.into(), kind: None }],
            Theme::Dark,
        );
        let ids =
            |s: &AppState| -> Vec<String> { s.report.findings.iter().filter_map(|f| f.django_id.clone()).collect() };
        let prod = reduce(s.clone(), Action::Analyze);
        assert!(ids(&prod).contains(&"security.W018".to_string()));
        assert_eq!(prod.report.settings.len(), 1);
        let dev = reduce(reduce(s.clone(), Action::SetProductionProfile(false)), Action::Analyze);
        assert_eq!(dev.options.profile, engine::Profile::Development);
        assert!(ids(&dev).is_empty(), "development keeps only every-check IDs: {:?}", ids(&dev));
        assert_eq!(dev.report.settings.len(), 1, "the settings view stays, to switch back");
        let six = reduce(reduce(s, Action::SetDjango("6.0".into())), Action::Analyze);
        assert!(ids(&six).contains(&"security.E026".to_string()));
        assert!(!ids(&prod).contains(&"security.E026".to_string()));
    }

    #[test]
    fn postgres_version_and_hot_tables_change_the_judgement() {
        let text = "from django.db import migrations, models\n\nclass Migration(migrations.Migration):\n    operations = [migrations.AddField(\"order\", \"n\", models.IntegerField(default=0))]\n";
        let s = AppState::from_files(
            vec![EditorFile { id: 1, name: "shop/migrations/0002_x.py".into(), text: text.into(), kind: None }],
            Theme::Dark,
        );
        let base = reduce(s.clone(), Action::Analyze).report.migrations[0].operations[0].score;
        let old_pg = reduce(reduce(s.clone(), Action::SetPostgres(10)), Action::Analyze);
        assert_eq!(old_pg.options.postgres, 10);
        assert!(old_pg.report.migrations[0].operations[0].score > base);
        let hot = reduce(reduce(s, Action::SetHotTables(" shop_order , ".into())), Action::Analyze);
        assert_eq!(hot.options.hot_tables, vec!["shop_order".to_string()]);
        assert!(hot.report.migrations[0].operations[0].score > base);
    }

    #[test]
    fn pasted_files_without_names_are_analysed_together() {
        let s = AppState::from_files(Vec::new(), Theme::Dark);
        let first = s.active;
        let models = "from django.db import models\nclass A(models.Model):\n    pass\nclass B(models.Model):\n    a = models.ForeignKey(A, on_delete=models.CASCADE)\n";
        let s = reduce(s, Action::Edit { id: first, text: models.into() });
        let s = reduce(s, Action::NewFile);
        let second = s.active;
        let s = reduce(
            s,
            Action::Edit { id: second, text: "def v(r):\n    return [b.a for b in B.objects.all()]\n".into() },
        );
        let s = reduce(s, Action::Analyze);
        assert_eq!(s.report.findings.len(), 1);
        assert_eq!(s.report.findings[0].path, "<input 2>");
        assert_eq!(s.file_for_path("<input 2>").map(|f| f.id), Some(second));
    }

    #[test]
    fn kind_override_and_close_reanalyse() {
        let s = AppState::sample();
        let views = s.active;
        let s = reduce(s, Action::SetKind { id: views, kind: Some(FileKind::Template) });
        assert!(s.report.files.iter().any(|f| f.kind == FileKind::Template && f.kind_overridden));
        assert!(!s.report.findings.iter().any(|f| f.code == "QRY101"));
        let s = reduce(s, Action::CloseFile(views));
        assert!(s.files.iter().all(|f| f.id != views));
        assert_ne!(s.active, views);
    }

    #[test]
    fn uploading_replaces_the_lone_empty_tab() {
        let s = AppState::from_files(Vec::new(), Theme::Light);
        let s = reduce(s, Action::AddFiles(vec![("a.py".into(), "x = 1\n".into())]));
        assert_eq!(s.files.len(), 1);
        assert_eq!(s.files[0].name, "a.py");
    }

    #[test]
    fn new_review_clears_everything() {
        let s = reduce(AppState::sample(), Action::NewReview);
        assert_eq!(s.files.len(), 1);
        assert!(s.files[0].text.is_empty());
        assert!(s.report.findings.is_empty());
    }

    /// A review with a settings module holding secrets, a view with an N+1, and a diff.
    fn review_with_secrets() -> AppState {
        let s = AppState::sample();
        let mut files = s.files.clone();
        let next = files.iter().map(|f| f.id).max().unwrap_or(0) + 1;
        files.push(EditorFile {
            id: next,
            name: "shop/settings/production.py".into(),
            text: "SECRET_KEY = 'django-insecure-q8v!s3cr3t-value-that-must-not-leak-0123456789'\nDATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'PASSWORD': 'hunter2-db-pass'}}\nBROKER_URL = 'redis://admin:topsecret@cache:6379/0'\n".into(),
            kind: None,
        });
        AppState::from_files(files, Theme::Light)
    }

    fn decode(link: &ShareLink) -> Shared {
        engine::share::decode(&link.fragment).expect("own link decodes")
    }

    #[test]
    fn a_share_link_reproduces_inputs_options_view_and_report() {
        let mut s = review_with_secrets();
        s = reduce(s, Action::SetPostgres(12));
        s = reduce(s, Action::Analyze);
        s = reduce(s, Action::SelectFinding(Some(1)));
        let link = s.share_link(ShareSettings { redact: false, findings_only: false });
        assert!(!link.too_long());
        let opened = AppState::from_shared(decode(&link), Theme::Dark);
        assert_eq!(
            opened.files.iter().map(|f| (&f.name, &f.text)).collect::<Vec<_>>(),
            s.files.iter().map(|f| (&f.name, &f.text)).collect::<Vec<_>>()
        );
        assert_eq!(opened.options, s.options);
        assert_eq!(opened.report.findings, s.report.findings);
        assert_eq!(opened.report.scores, s.report.scores);
        assert_eq!(opened.report.migrations, s.report.migrations);
        assert_eq!(opened.selected, Some(1));
        assert_eq!(opened.active_file().map(|f| &f.name), s.active_file().map(|f| &f.name));
        assert_eq!(opened.focus.map(|f| (f.line, f.column)), s.focus.map(|f| (f.line, f.column)));
        assert_eq!(opened.notice.as_deref(), Some("Opened a shared review."));
    }

    #[test]
    fn secrets_are_hidden_by_default_and_the_report_survives_it() {
        let s = review_with_secrets();
        let link = s.share_link(ShareSettings::default());
        assert_eq!(link.redacted, 3, "secret key, database password, broker credentials");
        let Shared::Review(review) = decode(&link) else { panic!("a whole review") };
        let all: String = review.files.iter().map(|f| f.text.as_str()).collect();
        for secret in ["q8v!s3cr3t", "hunter2-db-pass", "topsecret"] {
            assert!(!all.contains(secret), "{secret} leaked");
            assert!(!link.fragment.contains(secret));
        }
        assert_eq!(review.redacted, 3);
        let opened = AppState::from_shared(Shared::Review(review), Theme::Light);
        // The same findings, word for word; only an end column on a line whose secret was shorter
        // than its marker may move.
        let key = |r: &Report| -> Vec<(String, String, u32, u32, String)> {
            r.findings.iter().map(|f| (f.code.clone(), f.path.clone(), f.line, f.column, f.message.clone())).collect()
        };
        assert_eq!(key(&opened.report), key(&s.report), "hiding secrets changes no finding");
        assert!(opened.notice.as_deref().is_some_and(|n| n.contains("hid 3 secrets")), "{:?}", opened.notice);
        let md = s.markdown(ShareSettings::default(), "https://djreview.test/");
        assert!(
            !md.contains("hunter2-db-pass") && md.contains("[Open the full report](https://djreview.test/#s1."),
            "{md}"
        );
        let (report, _, hidden) = s.outgoing_report(true);
        assert_eq!(hidden, 3);
        assert!(!engine::render::json(&report).contains("hunter2"));
    }

    #[test]
    fn a_long_review_warns_and_findings_only_opens_frozen() {
        let mut s = AppState::sample();
        // Incompressible text: the link grows past what chat tools keep.
        let mut x: u32 = 0x9e37_79b9;
        let noise: String = (0..30_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                char::from(b'a' + (x % 26) as u8)
            })
            .collect();
        s = reduce(s, Action::AddFiles(vec![("notes.txt".into(), format!("# {noise}\n"))]));
        let whole = s.share_link(ShareSettings::default());
        assert!(whole.too_long(), "{} bytes", whole.fragment.len());
        let only = s.share_link(ShareSettings { redact: true, findings_only: true });
        assert!(!only.too_long() && only.fragment.starts_with(engine::share::FINDINGS_PREFIX));
        let opened = AppState::from_shared(decode(&only), Theme::Light);
        assert!(opened.frozen.is_some());
        assert_eq!(opened.report.findings, s.report.findings);
        assert_eq!(opened.report.scores, s.report.scores);
        // Still frozen after an analysis tick; re-sharing passes the same findings on.
        let opened = reduce(opened, Action::Analyze);
        assert_eq!(opened.report.findings, s.report.findings);
        assert_eq!(decode(&opened.share_link(ShareSettings::default())), decode(&only));
        // Opening files leaves the frozen report for a live one.
        let live = reduce(opened, Action::AddFiles(vec![("a.py".into(), "x = 1\n".into())]));
        assert!(live.frozen.is_none() && live.report.findings.is_empty());
    }

    fn diff_review() -> AppState {
        let fixture = include_str!("../crates/engine/tests/fixtures/QRY101_in_a_diff.diff");
        let mut files = Vec::new();
        for (i, part) in fixture.split("# === ").filter(|p| !p.is_empty()).enumerate() {
            let (name, text) = part.split_once('\n').expect("name line");
            files.push(EditorFile { id: i as u32 + 1, name: name.trim().into(), text: text.into(), kind: None });
        }
        AppState::from_files(files, Theme::Light)
    }

    #[test]
    fn findings_in_a_diff_select_the_diff_line_and_can_be_limited_to_changed_lines() {
        let s = diff_review();
        assert_eq!(s.report.diffs.len(), 1);
        let diff_tab = s.files.iter().find(|f| f.name == "change.diff").expect("diff tab").id;
        let (i, f) = s
            .report
            .findings
            .iter()
            .enumerate()
            .find(|(_, f)| f.path == "shop/views.py" && f.diff.as_ref().is_some_and(|d| d.changed))
            .expect("a finding on a changed line");
        let diff_line = f.diff.as_ref().and_then(|d| d.line).expect("diff line");
        let selected = reduce(s.clone(), Action::SelectFinding(Some(i)));
        assert_eq!(selected.active, diff_tab);
        let focus = selected.focus.expect("focus");
        assert_eq!((focus.file_id, focus.line, focus.column), (diff_tab, diff_line, 1));
        let text = &selected.active_file().expect("tab").text;
        assert!(text.lines().nth(diff_line as usize - 1).expect("line").starts_with('+'));

        let unchanged = s.report.findings.iter().filter(|f| f.diff.as_ref().is_some_and(|d| !d.changed)).count();
        assert!(unchanged > 0, "the fixture has findings on unchanged lines");
        let only = reduce(s.clone(), Action::SetChangedOnly(true));
        assert!(only.options.changed_only && !only.is_stale());
        assert!(only.report.findings.iter().all(|f| f.diff.as_ref().map_or(true, |d| d.changed)));
        assert_eq!(only.report.findings.len(), s.report.findings.len() - unchanged);
        let back = reduce(only, Action::SetChangedOnly(false));
        assert_eq!(back.report.findings, s.report.findings);
    }

    #[test]
    fn panels_round_trip_through_links_and_unknown_pages_fall_back() {
        for panel in [
            Panel::Findings,
            Panel::Playbook(None),
            Panel::Playbook(Some("n-plus-one".into())),
            Panel::Playbook(Some("rule:QRY101".into())),
        ] {
            assert_eq!(Panel::from_token(&panel.to_token()), panel);
        }
        assert_eq!(Panel::from_token("playbook:rule:XYZ999"), Panel::Findings);
        assert_eq!(Panel::from_token("playbook:<img src=x>"), Panel::Findings);
        assert_eq!(Panel::from_token(""), Panel::Findings);
    }

    #[test]
    fn the_share_dialog_opens_with_secrets_hidden() {
        let s = reduce(AppState::sample(), Action::OpenShare);
        assert_eq!(s.share, Some(ShareSettings { redact: true, findings_only: false }));
        let s = reduce(s, Action::Exported(Export::Json));
        assert_eq!(s.exported, Some(Export::Json));
        let s = reduce(s, Action::SetShare(ShareSettings { redact: false, findings_only: false }));
        assert_eq!(s.exported, None);
        assert_eq!(reduce(s, Action::CloseShare).share, None);
    }

    #[test]
    fn large_inputs_wait_for_the_worker_and_late_replies_are_dropped() {
        let s = AppState::from_files(Vec::new(), Theme::Light);
        let big = "def v(r):\n    return [o.customer for o in Order.objects.all()]\n".repeat(LARGE_INPUT / 50);
        let s = reduce(s, Action::AddFiles(vec![("big.py".into(), big.clone())]));
        assert!(s.is_large() && s.is_stale(), "left for the worker");
        let revision = s.revision;
        let worker_report = analyze(&s.project(), &s.options);
        // A reply for older inputs is ignored.
        let ignored =
            reduce(s.clone(), Action::AnalysisDone { revision: revision - 1, report: Box::new(worker_report.clone()) });
        assert!(ignored.is_stale());
        let done = reduce(s.clone(), Action::AnalysisDone { revision, report: Box::new(worker_report.clone()) });
        assert!(!done.is_stale());
        assert_eq!(*done.report, worker_report);
        // Without a worker the app falls back to analysing in place.
        let fallback = reduce(s, Action::Analyze);
        assert!(!fallback.is_stale());
        assert_eq!(*fallback.report, worker_report);
    }
}
