//! The Python front end, the template parser, the facts and every rule: the input is split into a
//! views module, a models module, a template and a tasks module (see `SEPARATOR`).
#![no_main]

use djreview_engine::{FileKind, Project};
use djreview_fuzz::{analyze_and_render, file, options, split, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (options, data) = options(data);
    let text = text(data);
    let parts = split(&text, 4);
    let paths = ["app/views.py", "app/models.py", "app/templates/app/page.html", "app/tasks.py"];
    let kinds = [Some(FileKind::Python), Some(FileKind::Python), Some(FileKind::Template), None];
    let files = parts.iter().zip(paths).zip(kinds).map(|((t, p), k)| file(p, t, k)).collect();
    analyze_and_render(&Project::new(files), &options);
});
