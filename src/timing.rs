//! Performance marks the browser suite reads (`performance.getEntriesByName`): how long from the
//! first keystroke not yet reflected in the report until the updated report is on screen, and when
//! the first report appeared after navigation. Measuring only; nothing depends on the numbers.

use std::cell::Cell;

thread_local! {
    /// A keystroke is waiting for its report.
    static PENDING: Cell<bool> = const { Cell::new(false) };
    static FIRST_SHOWN: Cell<bool> = const { Cell::new(false) };
}

const EDIT_MARK: &str = "djreview:edit";
pub const KEYSTROKE_TO_REPORT: &str = "djreview:keystroke-to-report";
pub const FIRST_REPORT: &str = "djreview:first-report";

fn performance() -> Option<web_sys::Performance> {
    web_sys::window()?.performance()
}

/// The user changed an input. Only the first change since the last report is marked, so a burst
/// of typing is measured from its start.
pub fn edited() {
    if PENDING.with(|p| p.replace(true)) {
        return;
    }
    if let Some(p) = performance() {
        let _ = p.mark(EDIT_MARK);
    }
}

/// A report for the current inputs is on screen.
pub fn report_shown() {
    let Some(p) = performance() else { return };
    if !FIRST_SHOWN.with(|f| f.replace(true)) {
        let _ = p.mark(FIRST_REPORT);
    }
    if PENDING.with(|p| p.replace(false)) {
        let _ = p.measure_with_start_mark(KEYSTROKE_TO_REPORT, EDIT_MARK);
        p.clear_marks_with_mark_name(EDIT_MARK);
    }
}
