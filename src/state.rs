//! The app's state, the actions that change it, and the one reducer. No DOM access here, so the whole
//! state machine is tested natively.

use std::rc::Rc;

use engine::{analyze, FileKind, Options, Project, Report, SourceFile};
use serde::{Deserialize, Serialize};
use yew::Reducible;

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

/// What the right-hand panel shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Panel {
    Findings,
    Playbook(Option<String>),
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
    ShowPanel(Panel),
    ToggleTheme,
    LoadSample,
    NewReview,
    Notice(Option<String>),
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
        };
        s.run_analysis();
        s
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
        self.report = Rc::new(analyze(&self.project(), &self.options));
        self.analyzed_revision = self.revision;
        if self.selected.is_some_and(|i| i >= self.report.findings.len()) {
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
                let mut last = None;
                for (name, text) in files {
                    last = Some(s.add_file(name, text));
                }
                if let Some(id) = last {
                    s.active = id;
                    s.edited();
                    s.run_analysis();
                }
            }
            Action::NewFile => {
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
                s.run_analysis();
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
                    s.run_analysis();
                }
            }
            Action::SetKind { id, kind } => {
                if let Some(f) = s.files.iter_mut().find(|f| f.id == id) {
                    f.kind = kind;
                    s.edited();
                    s.run_analysis();
                }
            }
            Action::SelectFinding(index) => {
                s.selected = index;
                s.panel = Panel::Findings;
                if let Some(f) = index.and_then(|i| s.report.findings.get(i)) {
                    if let Some(file) = s.file_for_path(&f.path) {
                        let file_id = file.id;
                        s.active = file_id;
                        let nonce = s.focus.map_or(0, |f| f.nonce.wrapping_add(1));
                        s.focus = Some(Focus {
                            file_id,
                            line: f.line,
                            column: f.column,
                            end_line: f.end_line,
                            end_column: f.end_column,
                            nonce,
                        });
                    }
                }
            }
            Action::FocusLine(line) => {
                let nonce = s.focus.map_or(0, |f| f.nonce.wrapping_add(1));
                let width = s
                    .active_file()
                    .and_then(|f| f.text.lines().nth(line.saturating_sub(1) as usize))
                    .map_or(1, |l| l.chars().count() as u32 + 1);
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
}
