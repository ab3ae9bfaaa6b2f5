//! Inputs the fuzz targets (`fuzz/`, see docs/fuzzing.md) found crashing the engine, kept as tests
//! so the fix stays fixed. Each test feeds the minimised input the way its target did; small inputs
//! are inline, larger ones live in `tests/fuzz-regressions/`. The policy is in docs/fuzzing.md.

use djreview_engine::{analyze, FileKind, Options, Project, SourceFile};

/// The whole pipeline over `files`, and the renderers the fuzz targets run.
fn survive(files: Vec<SourceFile>) {
    let project = Project::new(files);
    let report = analyze(&project, &Options::default());
    assert!(report.files.len() >= project.files.len().min(1));
    let _ = djreview_engine::render::text::render(&report, &project, false);
    let _ = djreview_engine::render::json(&report);
    let _ = djreview_engine::render::markdown::render(&report, &project, None);
}

/// Found by `python_rules` (a file detected as a diff): a `diff --git` header whose old name is
/// empty (a second space after `--git`) made `strip_prefixes` index the empty name, because
/// `bool::then_some` evaluates its argument even when the condition is false.
#[test]
fn diff_git_header_with_an_empty_path() {
    for text in ["diff --git  .", "diff --git  b/x.py", "diff --git \"\" b/x.py", "diff --git \"a/x.py\" \"\""] {
        let _ = djreview_engine::diff::parse(text);
        survive(vec![SourceFile::new("change.diff", text).with_kind(FileKind::Diff)]);
        survive(vec![SourceFile::new("app/tasks.py", format!("\n\n\n{text}"))]);
    }
}

/// Found by `migrations` (session 4): a `ForeignKey` to a model whose name held non-ASCII characters
/// (replacement characters from bytes that were not UTF-8) made the foreign-key constraint's
/// generated name cut its hash part at byte 21, inside a character. Django counts characters, and so
/// does `sql::generated_name` now.
#[test]
fn foreign_key_to_a_non_ascii_model_name() {
    for target in [format!("shop.cus{}tomer", "\u{FFFD}".repeat(40)), format!("shop.{}", "é".repeat(30))] {
        let migration = format!(
            r#"from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("customer", models.ForeignKey(on_delete=models.CASCADE, to="{target}")),
            ],
        ),
    ]
"#
        );
        survive(vec![SourceFile::new("shop/migrations/0001_initial.py", migration).with_kind(FileKind::Migration)]);
    }
}
