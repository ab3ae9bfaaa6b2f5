//! Analysis throughput on a real Django code base (Django's own source by default).
//!
//! `scripts/bench.sh` downloads the corpus and sets `DJREVIEW_BENCH_CORPUS`; without it the benchmark
//! says how to get one and exits.

use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use engine::{analyze, Options};

fn corpus_bench(c: &mut Criterion) {
    let Some(root) = std::env::var_os("DJREVIEW_BENCH_CORPUS").map(PathBuf::from) else {
        eprintln!("set DJREVIEW_BENCH_CORPUS to a folder of Django code (scripts/bench.sh does it)");
        return;
    };
    let project = djreview_bench::load(&root);
    let lines = djreview_bench::lines(&project);
    eprintln!("corpus: {} files, {} lines from {}", project.files.len(), lines, root.display());
    let mut group = c.benchmark_group("analyze");
    group.sample_size(10).measurement_time(Duration::from_secs(20)).throughput(Throughput::Elements(lines as u64));
    group.bench_function(root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(), |b| {
        b.iter(|| analyze(&project, &Options::default()))
    });
    group.finish();
}

/// Migration analysis alone: every migration file of the corpus (pretix has about 430), replayed
/// and judged. Set `DJREVIEW_BENCH_MIGRATIONS` to the project folder.
fn migrations_bench(c: &mut Criterion) {
    let Some(root) = std::env::var_os("DJREVIEW_BENCH_MIGRATIONS").filter(|v| !v.is_empty()).map(PathBuf::from) else {
        return;
    };
    let mut project = djreview_bench::load(&root);
    project.files.retain(|f| f.path.contains("/migrations/") && !f.path.ends_with("__init__.py"));
    eprintln!("migrations: {} files from {}", project.files.len(), root.display());
    let mut group = c.benchmark_group("migrations");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Elements(project.files.len() as u64));
    group.bench_function(root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(), |b| {
        b.iter(|| analyze(&project, &Options::default()))
    });
    group.finish();
}

/// A synthetic JSON plan of 10,000 nodes (a deep Append of nested loops over index scans, as large
/// partitioned queries produce), parsed and analysed end to end.
fn plan_bench(c: &mut Criterion) {
    let plan = djreview_bench::large_json_plan(10_000);
    let text = plan.as_str();
    let mut group = c.benchmark_group("explain");
    group.sample_size(20).throughput(Throughput::Elements(10_000));
    group.bench_function("json_10000_nodes", |b| {
        b.iter(|| {
            let parsed = engine::explain::parse(text);
            assert_eq!(parsed.plans.len(), 1);
            engine::explain::tips::tips(&parsed.plans[0])
        })
    });
    group.finish();
}

criterion_group!(benches, corpus_bench, migrations_bench, plan_bench);
criterion_main!(benches);
