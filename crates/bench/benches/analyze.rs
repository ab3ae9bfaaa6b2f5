//! Analysis throughput on real Django code bases: Django 5.2's own source and pretix (whole project,
//! every rule), and the migrations of each alone.
//!
//! By default the corpora are read from `target/bench-corpus/{django,pretix}`, which
//! `scripts/bench.sh` and `scripts/bench-peers.sh` download; a corpus not downloaded is skipped.
//! `DJREVIEW_BENCH_CORPUS` and `DJREVIEW_BENCH_MIGRATIONS` name other folders (several separated by
//! `:`; empty for none). `cargo bench -p djreview-bench -- analyze/pretix` runs one benchmark.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use engine::{analyze, Options};

/// The whole pipeline over every Python module and template of each corpus.
fn corpus_bench(c: &mut Criterion) {
    let roots = djreview_bench::corpora("DJREVIEW_BENCH_CORPUS");
    if roots.is_empty() {
        eprintln!("no corpus: run scripts/bench.sh or scripts/bench-peers.sh once, or set DJREVIEW_BENCH_CORPUS");
        return;
    }
    let mut group = c.benchmark_group("analyze");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    for root in roots {
        let project = djreview_bench::load(&root);
        let lines = djreview_bench::lines(&project);
        eprintln!("corpus: {} files, {} lines from {}", project.files.len(), lines, root.display());
        group.throughput(Throughput::Elements(lines as u64));
        group.bench_function(djreview_bench::name(&root), |b| b.iter(|| analyze(&project, &Options::default())));
    }
    group.finish();
}

/// Migration analysis alone: every migration module of each corpus (pretix has about 430), replayed
/// and judged, as `djreview check` does when given the `migrations/` folders.
fn migrations_bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("migrations");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    for root in djreview_bench::corpora("DJREVIEW_BENCH_MIGRATIONS") {
        let project = djreview_bench::load_migrations(&root);
        if project.files.is_empty() {
            continue;
        }
        eprintln!("migrations: {} files from {}", project.files.len(), root.display());
        group.throughput(Throughput::Elements(project.files.len() as u64));
        group.bench_function(djreview_bench::name(&root), |b| b.iter(|| analyze(&project, &Options::default())));
    }
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
