//! Autosave: the only module that touches localStorage. Inputs are saved after a pause in typing and
//! restored on the next visit, so a reload loses nothing.

use engine::from_json::{self, object, FromJson};
use gloo::storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::state::{AppState, EditorFile, Theme};
use engine::share::SharedFindings;
use engine::Options;

const KEY: &str = "djreview:autosave:v1";
/// The reviewer's own work, set aside when a share link replaced it on screen.
const PREVIOUS_KEY: &str = "djreview:autosave:before-link:v1";
/// localStorage holds about 5 MB per origin in Chromium and Firefox (UTF-16); stay under it.
pub const MAX_CHARS: usize = 2_000_000;

#[derive(Serialize, Deserialize)]
struct Saved {
    files: Vec<EditorFile>,
    active: u32,
    theme: Theme,
    /// PostgreSQL version and hot tables (absent in sessions saved before they existed).
    #[serde(default)]
    options: Option<Options>,
    /// A findings-only report opened from a link (there are no sources to re-analyse).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    frozen: Option<SharedFindings>,
}

// Read with the engine's JSON readers rather than the derived `Deserialize` (smaller wasm); the
// derive stays for the tests, which check both read the same.
impl FromJson for Saved {
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = object(v)?;
        Ok(Saved {
            files: f.req("files")?,
            active: f.req("active")?,
            theme: f.req("theme")?,
            options: f.opt("options")?,
            frozen: f.opt("frozen")?,
        })
    }
}

/// The session saved under `key`, if there is one and it can be read.
fn read(key: &str) -> Option<Saved> {
    let text = LocalStorage::raw().get_item(key).ok()??;
    from_json::from_str(&text).ok()
}

/// The saved session, if there is one and it can be read.
pub fn load() -> Option<AppState> {
    load_key(KEY)
}

/// The work set aside when a link was opened, if any.
pub fn load_previous() -> Option<AppState> {
    load_key(PREVIOUS_KEY)
}

/// Before a share link replaces what is on screen, keeps the autosaved work aside so it can be
/// brought back. Returns whether there was work to keep.
pub fn set_aside_for_link() -> bool {
    // Copied as stored text: no need to understand it to keep it.
    let storage = LocalStorage::raw();
    match storage.get_item(KEY) {
        Ok(Some(current)) => storage.set_item(PREVIOUS_KEY, &current).is_ok(),
        _ => false,
    }
}

/// The theme of the saved session (a link brings inputs, not the reader's theme).
pub fn saved_theme() -> Option<Theme> {
    read(KEY).map(|s| s.theme)
}

fn load_key(key: &str) -> Option<AppState> {
    let saved = read(key)?;
    if let Some(frozen) = saved.frozen {
        let mut state = AppState::from_shared(engine::share::Shared::Findings(frozen), saved.theme);
        state.notice = None;
        return Some(state);
    }
    let mut state = AppState::from_files(saved.files, saved.theme);
    if let Some(options) = saved.options {
        state.options = options;
        state.refresh();
    }
    if state.files.iter().any(|f| f.id == saved.active) {
        state.active = saved.active;
    }
    Some(state)
}

/// Saves the inputs. Returns a message for the user when they are too large to keep.
pub fn save(state: &AppState) -> Result<(), String> {
    let total: usize = state.files.iter().map(|f| f.text.len() + f.name.len()).sum();
    if total > MAX_CHARS {
        return Err(format!(
            "Autosave is paused: the inputs ({} KB) are larger than the {} KB this browser can keep. Your work stays on screen; export or copy it before closing the tab.",
            total / 1000,
            MAX_CHARS / 1000
        ));
    }
    let saved = Saved {
        files: state.files.clone(),
        active: state.active,
        theme: state.theme,
        options: Some(state.options.clone()),
        frozen: state.frozen.as_deref().cloned(),
    };
    LocalStorage::set(KEY, &saved).map_err(|e| format!("Autosave failed: {e}. Your work stays on screen."))
}

/// Forgets the saved session ("New review").
pub fn clear() {
    LocalStorage::delete(KEY);
}

/// Forgets the work set aside for a link (it was restored, or the reviewer started anew).
pub fn clear_previous() {
    LocalStorage::delete(PREVIOUS_KEY);
}

#[cfg(test)]
mod tests {
    use super::Saved;
    use crate::state::{EditorFile, Theme};
    use engine::{from_json, FileKind, Options};

    /// A session as `save` writes it, and as older versions wrote it (no options, no frozen report).
    fn sessions() -> Vec<String> {
        let files = vec![
            EditorFile { id: 1, name: "blog/views.py".into(), text: "x = 1\n".into(), kind: None },
            EditorFile { id: 4, name: String::new(), text: String::new(), kind: Some(FileKind::Migration) },
        ];
        let state = crate::state::AppState::from_files(files.clone(), Theme::Dark);
        let frozen = engine::share::SharedFindings {
            files: state.report.files.clone(),
            findings: state.report.findings.clone(),
            scores: state.report.scores.clone(),
            migrations: state.report.migrations.clone(),
            redacted: 1,
        };
        let with = |options, frozen| {
            serde_json::to_string(&Saved { files: files.clone(), active: 4, theme: Theme::Dark, options, frozen })
                .unwrap()
        };
        vec![
            with(Some(Options { postgres: 13, ..Options::default() }), None),
            with(None, Some(frozen)),
            r#"{"files":[{"id":1,"name":"a.py","text":"","kind":null}],"active":1,"theme":"Light"}"#.into(),
        ]
    }

    #[test]
    fn sessions_read_as_the_derived_impl_reads_them() {
        for json in sessions() {
            let ours: Saved = from_json::from_str(&json).expect("readable");
            let derived: Saved = serde_json::from_str(&json).expect("readable");
            assert_eq!(serde_json::to_string(&ours).unwrap(), serde_json::to_string(&derived).unwrap());
        }
        for bad in ["", "{}", r#"{"files":[],"active":1,"theme":"Blue"}"#, r#"{"files":{},"active":1,"theme":"Light"}"#]
        {
            assert!(from_json::from_str::<Saved>(bad).is_err());
            assert!(serde_json::from_str::<Saved>(bad).is_err());
        }
    }
}
