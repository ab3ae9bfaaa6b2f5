//! Autosave: the only module that touches localStorage. Inputs are saved after a pause in typing and
//! restored on the next visit, so a reload loses nothing.

use gloo::storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};

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
    LocalStorage::get::<Saved>(KEY).ok().map(|s| s.theme)
}

fn load_key(key: &str) -> Option<AppState> {
    let saved: Saved = LocalStorage::get(key).ok()?;
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
