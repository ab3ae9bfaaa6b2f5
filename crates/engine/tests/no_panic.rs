//! Property tests: no input makes the engine panic (a panic in WebAssembly kills the page), and
//! positions stay inside the input.

use djreview_engine::{analyze, detect_kind, FileKind, Options, Project, SourceFile};
use proptest::prelude::*;

/// Fragments that steer random text into the interesting parts of the front end and the rules.
const PIECES: &[&str] = &[
    "from django.db import models\n",
    "class A(models.Model):\n",
    "class B(A):\n",
    "    x = models.ForeignKey('A', on_delete=models.CASCADE, related_name='bs')\n",
    "    m = models.ManyToManyField('self')\n",
    "    o = models.OneToOneField(A)\n",
    "def f(request):\n",
    "async def g():\n",
    "    for a in A.objects.all():\n",
    "        a.x.name\n",
    "        a.bs.filter(y=1)\n",
    "        a.bs.count()\n",
    "    qs = B.objects.select_related('x')\n",
    "    qs = qs.prefetch_related(Prefetch('bs', queryset=A.objects.all(), to_attr='z'))\n",
    "    return [b.x for b in qs]\n",
    "    {k: v.o for k, v in enumerate(B.objects.all()[:3])}\n",
    "if x:\n",
    "else:\n",
    "    pass\n",
    "lambda: 0\n",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    "'",
    "\"",
    "\"\"\"",
    "f\"{",
    "#",
    "\\\n",
    "\t",
    " ",
    "\n",
    "    ",
    "é",
    "😀",
    "\u{0}",
    "\r\n",
    "yield ",
    "await ",
    "match x:\n    case A(b=c):\n        pass\n",
    "try:\n",
    "except E as e:\n",
    "with open(p) as f:\n",
    "    Book = apps.get_model('app', 'Book')\n",
    "get_object_or_404(A, pk=1).x\n",
    "prefetch_related_objects(qs, 'x')\n",
    "{% for x in y %}{{ x.z }}{% endfor %}",
    "Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)\n",
    "diff --git a/x b/x\n",
    "class Migration(migrations.Migration):\n",
    "SECRET_KEY = 'x'\n",
];

fn pieces() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..60).prop_map(|v| v.concat())
}

fn kinds() -> impl Strategy<Value = Option<FileKind>> {
    prop::option::of(prop::sample::select(FileKind::ALL.to_vec()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,400}", kind in kinds()) {
        let project = Project::new(vec![SourceFile { path: String::new(), text, kind }]);
        let _ = analyze(&project, &Options::default());
    }

    #[test]
    fn python_like_text_never_panics_and_spans_stay_in_the_input(a in pieces(), b in pieces(), kind in kinds()) {
        let project = Project::new(vec![
            SourceFile::new("app/models.py", a.clone()),
            SourceFile { path: "app/views.py".into(), text: b.clone(), kind },
        ]);
        let report = analyze(&project, &Options::default());
        for f in &report.findings {
            let text = if f.path == "app/models.py" { &a } else { &b };
            let lines = text.split('\n').count() as u32;
            prop_assert!(f.line >= 1 && f.line <= lines.max(1), "{f:?} outside {lines} lines");
            prop_assert!(f.end_line >= f.line);
            prop_assert!(f.column >= 1);
        }
        // Serialising is part of the contract too.
        prop_assert!(serde_json::to_string(&report).is_ok());
    }

    #[test]
    fn detection_never_panics(path in ".{0,40}", text in ".{0,200}") {
        let _ = detect_kind(&path, &text);
    }
}

#[test]
fn pathological_inputs_are_survived() {
    let deep_parens = format!("x = {}1{}\n", "(".repeat(50_000), ")".repeat(50_000));
    let long_chain = format!("x = {}\n", vec!["a"; 100_000].join(" + "));
    let deep_blocks: String =
        (0..150).map(|i| format!("{}if x:\n", "    ".repeat(i))).collect::<String>() + &"    ".repeat(150) + "pass\n";
    let huge = "x = 1\n".repeat(200_000);
    let binaryish: String = (0u8..=255).map(char::from).cycle().take(10_000).collect();
    for (name, text) in
        [("parens", deep_parens), ("chain", long_chain), ("blocks", deep_blocks), ("huge", huge), ("binary", binaryish)]
    {
        let project = Project::new(vec![SourceFile::new(format!("{name}.py"), text)]);
        let report = analyze(&project, &Options::default());
        assert_eq!(report.files.len(), 1, "{name}");
    }
}

/// Many files defining the same class names with cyclic bases: class-hierarchy lookups must stay
/// linear (a per-class recursive search over same-named classes once took exponential time here).
#[test]
fn same_named_classes_with_cyclic_bases_are_survived() {
    let file = "from django.views.generic import ListView\n\
                class Base(Mixin, ListView):\n    pass\n\
                class Mixin(Base):\n    pass\n\
                class Page(Base, Mixin):\n    pass\n";
    let files: Vec<SourceFile> = (0..300).map(|i| SourceFile::new(format!("app{i}/views.py"), file)).collect();
    let project = Project::new(files);
    let report = analyze(&project, &Options::default());
    assert_eq!(report.files.len(), 300);
}

const TEMPLATE_PIECES: &[&str] = &[
    "{% for p in posts %}",
    "{% endfor %}",
    "{% if p.author %}",
    "{% elif x %}",
    "{% else %}",
    "{% endif %}",
    "{{ p.author.name|default:\"-\" }}",
    "{% include \"x.html\" with a=b only %}",
    "{% extends 'base.html' %}",
    "{% block c %}",
    "{% endblock %}",
    "{% with a=b.c %}",
    "{% endwith %}",
    "{% comment %}",
    "{% endcomment %}",
    "{% verbatim %}",
    "{% endverbatim %}",
    "{# x #}",
    "{{",
    "}}",
    "{%",
    "%}",
    "{% autoescape off %}",
    "{% endautoescape %}",
    "{% cache 60 k %}",
    "{% endcache %}",
    "{{ x|safe }}",
    "<p>",
    "é",
    "\n",
    " ",
    "|",
    ":",
    "\"",
    "'",
    "{%- for x in y -%}",
    "{% empty %}",
    "{% custom a.b %}",
    "{% endcustom %}",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn templates_never_panic(text in prop::collection::vec(prop::sample::select(TEMPLATE_PIECES), 0..60).prop_map(|v| v.concat()), raw in ".{0,200}") {
        let models = "from django.db import models\nclass A(models.Model):\n    b = models.ForeignKey('A', null=True, on_delete=models.CASCADE)\n    body = models.TextField()\n";
        let views = "from django.shortcuts import render\ndef v(request):\n    return render(request, 'x.html', {'posts': A.objects.all(), 'p': A.objects.get(pk=1)})\n";
        let project = Project::new(vec![
            SourceFile::new("app/models.py", models),
            SourceFile::new("app/views.py", views),
            SourceFile::new("app/templates/x.html", text.clone()),
            SourceFile::new("app/templates/base.html", raw),
        ]);
        let report = analyze(&project, &Options::default());
        let lines = text.split('\n').count() as u32;
        for f in report.findings.iter().filter(|f| f.path == "app/templates/x.html") {
            prop_assert!(f.line >= 1 && f.line <= lines, "{f:?}");
        }
    }
}

const PLAN_PIECES: &[&str] = &[
    " Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)",
    " (actual time=0.010..0.020 rows=1 loops=1)",
    "(never executed)",
    "\n",
    "  ",
    "->  ",
    "Nested Loop",
    "Hash Join",
    "Filter: (a = 1)",
    "Rows Removed by Filter: 1000",
    "InitPlan 1 (returns $0)",
    "SubPlan 2",
    "CTE x",
    "Execution Time: 1.000 ms",
    "Planning Time: 0.1 ms",
    "Workers Launched: 0",
    "Sort Method: external merge  Disk: 100kB",
    "QUERY PLAN",
    "-----",
    "(3 rows)",
    "+",
    "\"",
    "[{\"Plan\": {\"Node Type\": \"Seq Scan\"",
    "}}]",
    "\"Plans\": [",
    "- Plan:",
    "  Node Type: \"Limit\"",
    "<explain><Query><Plan><Node-Type>Result</Node-Type>",
    "</Plan></Query></explain>",
    "'",
    "(",
    ")",
    "..",
    "1e400",
    "-5",
    "NaN",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    /// Plan readers never panic, and times are never negative or NaN.
    #[test]
    fn plan_like_text_never_panics(text in prop::collection::vec(prop::sample::select(PLAN_PIECES), 0..80).prop_map(|v| v.concat()), raw in ".{0,300}") {
        for input in [text.as_str(), raw.as_str()] {
            let parsed = djreview_engine::explain::parse(input);
            for p in &parsed.plans {
                for n in p.nodes() {
                    if let Some(e) = n.exclusive_ms {
                        prop_assert!(e >= 0.0, "negative or NaN exclusive time {e}");
                    }
                }
                let _ = djreview_engine::explain::tips::tips(p);
            }
            let project = Project::new(vec![SourceFile::new("plan.txt", input).with_kind(FileKind::Explain)]);
            let report = analyze(&project, &Options::default());
            prop_assert!(serde_json::to_string(&report).is_ok());
        }
    }
}

/// A deeply nested plan (text and JSON) is read without overflowing the stack.
#[test]
fn deep_plans_are_survived() {
    let depth = 3000;
    let mut text = String::new();
    for i in 0..depth {
        text.push_str(&format!(
            "{}->  Limit  (cost=0.00..1.00 rows=1 width=4) (actual time=0.001..0.002 rows=1 loops=1)\n",
            " ".repeat(i * 2)
        ));
    }
    let parsed = djreview_engine::explain::parse(&text);
    assert_eq!(parsed.plans.len(), 1);
    // Deeper than the cap, nodes are kept flattened at the cap and the plan says so.
    assert!(!parsed.plans[0].unparsed.is_empty());
    let json = format!(
        "{}{{\"Node Type\": \"Result\"}}{}",
        "{\"Node Type\": \"Limit\", \"Plans\": [".repeat(depth),
        "]}".repeat(depth)
    );
    let parsed = djreview_engine::explain::parse(&format!("[{{\"Plan\": {json}}}]"));
    assert!(parsed.plans.len() <= 1);
}

/// Fragments of unified diffs, damaged and whole.
const DIFF_PIECES: &[&str] = &[
    "diff --git a/app/views.py b/app/views.py\n",
    "diff --git \"a/x y.py\" \"b/x y.py\"\n",
    "--- a/app/views.py\n",
    "+++ b/app/views.py\n",
    "--- /dev/null\n",
    "+++ /dev/null\n",
    "new file mode 100644\n",
    "deleted file mode 100644\n",
    "rename from a.py\n",
    "rename to b.py\n",
    "Binary files a/x and b/x differ\n",
    "@@ -1,3 +1,4 @@ class A(models.Model):\n",
    "@@ -0,0 +1 @@\n",
    "@@ -4000000000 +4000000000 @@\n",
    "@@ -1 +1\n",
    "@@ -10,2 +11,2 @@ INSTALLED_APPS = [\n",
    " from django.db import models\n",
    "+    for a in A.objects.all():\n",
    "+        a.x.name\n",
    "-    pass\n",
    " ]\n",
    "+    \"debug_toolbar\",\n",
    "+\"\"\"\n",
    " )\n",
    "+{\n",
    "\\ No newline at end of file\n",
    "\n",
    " \n",
    "+\n",
    "-\n",
    "+\t\n",
    "é",
    "\r\n",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    /// Diffs never make the engine panic, rebuilt files keep their line numbers, and every finding on
    /// a rebuilt file points at a line the diff shows.
    #[test]
    fn diff_like_text_never_panics(text in prop::collection::vec(prop::sample::select(DIFF_PIECES), 0..80).prop_map(|v| v.concat()), raw in ".{0,300}") {
        for input in [text.as_str(), raw.as_str()] {
            let parsed = djreview_engine::diff::parse(input);
            for patch in &parsed.files {
                for python in [false, true] {
                    let rebuilt = djreview_engine::diff::rebuild(patch, python, &[]);
                    prop_assert_eq!(rebuilt.text.matches('\n').count(), rebuilt.lines.len());
                    for h in &patch.hunks {
                        if rebuilt.skipped.is_empty() {
                            let n = h.new_start.max(1) as usize;
                            if let Some(first) = h.new_side().next() {
                                prop_assert_eq!(rebuilt.text.lines().nth(n - 1), Some(first.text.as_str()));
                            }
                        }
                    }
                }
            }
            let project = Project::new(vec![
                SourceFile::new("app/models.py", "from django.db import models\nclass A(models.Model):\n    x = models.ForeignKey('A', on_delete=models.CASCADE)\n"),
                SourceFile::new("change.diff", input).with_kind(FileKind::Diff),
            ]);
            let report = analyze(&project, &Options { changed_only: input.len() % 2 == 0, ..Options::default() });
            for f in &report.findings {
                if f.path != "change.diff" && f.path != "app/models.py" {
                    let d = f.diff.as_ref();
                    prop_assert!(d.is_some_and(|d| d.line.is_some()), "{f:?} is not placed in the diff");
                }
            }
            prop_assert!(serde_json::to_string(&report).is_ok());
        }
    }

    /// Share links round-trip any review, and no string is a link that panics or inflates without bound.
    #[test]
    fn share_links_round_trip_and_garbage_is_refused(
        names in prop::collection::vec(".{0,30}", 0..4),
        body in ".{0,300}",
        postgres in 9u32..20,
        garbage in ".{0,400}",
    ) {
        use djreview_engine::share::{decode, encode, Shared, SharedFile, SharedReview};
        let review = SharedReview {
            files: names.iter().map(|n| SharedFile { name: n.clone(), text: format!("{n}\n{body}"), kind: None }).collect(),
            options: Options { postgres, ..Options::default() },
            active: names.len().saturating_sub(1),
            redacted: 0,
            selected: names.first().map(|n| n.len()),
            panel: names.last().cloned(),
        };
        let link = encode(&Shared::Review(review.clone()));
        prop_assert!(link.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.'));
        prop_assert_eq!(decode(&link).expect("own links decode"), Shared::Review(review));
        for candidate in [garbage.clone(), format!("s1.{garbage}"), format!("f1.{garbage}"), format!("#s1.{}", &link[3..link.len() / 2])] {
            let _ = decode(&candidate);
        }
    }
}
