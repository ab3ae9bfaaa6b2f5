//! The unified-diff reader and the rebuild of changed files: the input is a diff, then optionally
//! the full new version of `app/views.py` and a models module.
#![no_main]

use djreview_engine::{diff, FileKind, Project};
use djreview_fuzz::{analyze_and_render, file, options, split, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (options, data) = options(data);
    let text = text(data);
    let parts = split(&text, 3);
    // The reader on its own and every patch's accessors; the analysis below rebuilds the files.
    let parsed = diff::parse(parts[0]);
    for patch in &parsed.files {
        let _ = (patch.path(), patch.added(), patch.removed(), patch.is_complete());
        for line in patch.added_lines().into_iter().take(64) {
            let _ = patch.locate(line);
        }
    }
    let paths = ["change.diff", "app/views.py", "app/models.py"];
    let kinds = [Some(FileKind::Diff), Some(FileKind::Python), Some(FileKind::Python)];
    let files = parts.iter().zip(paths).zip(kinds).map(|((t, p), k)| file(p, t, k)).collect();
    analyze_and_render(&Project::new(files), &options);
});
