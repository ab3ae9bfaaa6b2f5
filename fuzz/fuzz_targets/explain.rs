//! The EXPLAIN readers (text, JSON and its Python-repr form, YAML, XML), the metrics, the tips and
//! the Django fixes: the input is a plan, then optionally a models module the fixes can name.
#![no_main]

use djreview_engine::explain;
use djreview_engine::{FileKind, Project};
use djreview_fuzz::{analyze_and_render, file, options, split, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (options, data) = options(data);
    let text = text(data);
    // The reader on its own, and the text renderer over whatever it read.
    let parsed = explain::parse(&text);
    for plan in &parsed.plans {
        let _ = explain::text::render(plan);
        let _ = explain::tips::tips(plan);
    }
    let parts = split(&text, 2);
    let mut files = vec![file("plan.explain", parts[0], Some(FileKind::Explain))];
    if let Some(models) = parts.get(1) {
        files.push(file("app/models.py", models, Some(FileKind::Python)));
    }
    analyze_and_render(&Project::new(files), &options);
});
