//! The settings evaluator and the rules that read settings: the input is a production settings
//! module, then optionally the base module it star-imports, a views module and a Procfile (the
//! runtime command-line reader and rules).
#![no_main]

use djreview_engine::{FileKind, Project};
use djreview_fuzz::{analyze_and_render, file, options, split, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (options, data) = options(data);
    let text = text(data);
    let parts = split(&text, 4);
    let paths = ["proj/settings/production.py", "proj/settings/base.py", "app/views.py", "Procfile"];
    let kinds = [Some(FileKind::Settings), Some(FileKind::Settings), Some(FileKind::Python), Some(FileKind::Runtime)];
    let files = parts.iter().zip(paths).zip(kinds).map(|((t, p), k)| file(p, t, k)).collect();
    analyze_and_render(&Project::new(files), &options);
});
