//! Autosave: the only module that touches localStorage. Inputs are saved after a pause in typing and
//! restored on the next visit, so a reload loses nothing.

use gloo::storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};

use crate::state::{AppState, EditorFile, Theme};
use engine::Options;

const KEY: &str = "djreview:autosave:v1";
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
}

/// The saved session, if there is one and it can be read.
pub fn load() -> Option<AppState> {
    let saved: Saved = LocalStorage::get(KEY).ok()?;
    let mut state = AppState::from_files(saved.files, saved.theme);
    if let Some(options) = saved.options {
        state.options = options;
        state.run_analysis();
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
    };
    LocalStorage::set(KEY, &saved).map_err(|e| format!("Autosave failed: {e}. Your work stays on screen."))
}

/// Forgets the saved session ("New review").
pub fn clear() {
    LocalStorage::delete(KEY);
}
