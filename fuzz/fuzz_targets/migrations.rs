//! The migration reader, the state replay, the judge and the SQL writer: the input is the migration
//! under review, then optionally the migration before it and a models module.
#![no_main]

use djreview_engine::{FileKind, Project};
use djreview_fuzz::{analyze_and_render, file, options, split, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (options, data) = options(data);
    let text = text(data);
    let parts = split(&text, 3);
    let paths = ["app/migrations/0002_x.py", "app/migrations/0001_initial.py", "app/models.py"];
    let kinds = [Some(FileKind::Migration), Some(FileKind::Migration), Some(FileKind::Python)];
    let files = parts.iter().zip(paths).zip(kinds).map(|((t, p), k)| file(p, t, k)).collect();
    analyze_and_render(&Project::new(files), &options);
});
