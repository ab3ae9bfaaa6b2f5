//! The CLI contract, exercised through the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn djreview(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_djreview")).args(args).output().expect("the binary runs")
}

fn fixture(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel).to_string_lossy().into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A scratch folder unique to one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("djreview-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[test]
fn text_output_shows_the_line_and_a_caret_and_exits_1() {
    let o = djreview(&["check", "--color", "never", &fixture("blog")]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains("high[QRY101]: `post.author` runs one query per `Post`"), "{out}");
    assert!(out.contains("blog/blog/views.py:8:"), "{out}");
    assert!(out.contains("8 |     bylines = [f\"{post.title} by {post.author.name}\" for post in posts]"), "{out}");
    assert!(out.contains("^^^^^^^^^^^"), "{out}");
    assert!(out.contains("select_related(\"author\")"), "{out}");
    assert!(out.contains("1 finding (1 high)"), "{out}");
}

#[test]
fn json_output_follows_schema_version_1() {
    let o = djreview(&["check", "--format", "json", &fixture("blog")]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    assert_eq!(v["version"], 1);
    for key in ["files", "findings", "migrations", "plans", "scores"] {
        assert!(v.get(key).is_some(), "missing key {key}");
    }
    assert!(v["scores"].get("overall").is_some() && v["scores"]["categories"].is_object());
    let files = v["files"].as_array().expect("files");
    assert_eq!(files.len(), 2);
    assert!(files.iter().all(|f| f["kind"] == "python" && f["path"].is_string()));
    let f = &v["findings"][0];
    for key in ["code", "name", "category", "severity", "confidence", "path", "line", "column", "end_line", "message"] {
        assert!(f.get(key).is_some(), "finding lacks {key}: {f}");
    }
    assert_eq!(f["code"], "QRY101");
    assert_eq!(f["name"], "fk-access-in-loop");
    assert_eq!(f["category"], "queries");
    assert_eq!(f["severity"], "high");
    assert_eq!(f["line"], 8);
    let cats = v["scores"]["categories"].as_object().expect("categories");
    let expected = [
        "queries",
        "migrations",
        "caching",
        "async",
        "celery",
        "transactions",
        "time",
        "side-effects",
        "storage",
        "security",
        "config",
        "templates",
        "explain",
        "syntax",
    ];
    assert_eq!(cats.keys().collect::<Vec<_>>().len(), expected.len());
    for c in expected {
        assert!(cats.contains_key(c), "category {c} missing");
    }
}

#[test]
fn fail_on_levels_decide_the_exit_code() {
    assert_eq!(djreview(&["check", "--fail-on", "critical", &fixture("blog")]).status.code(), Some(0));
    assert_eq!(djreview(&["check", "--fail-on", "never", &fixture("blog")]).status.code(), Some(0));
    assert_eq!(djreview(&["check", "--fail-on", "medium", &fixture("blog")]).status.code(), Some(1));
    assert_eq!(djreview(&["check", &fixture("blog/blog/models.py")]).status.code(), Some(0));
}

#[test]
fn usage_and_io_errors_exit_2() {
    assert_eq!(djreview(&["check"]).status.code(), Some(2));
    assert_eq!(djreview(&["check", "--format", "xml", "."]).status.code(), Some(2));
    assert_eq!(djreview(&["frobnicate"]).status.code(), Some(2));
    let o = djreview(&["check", "/definitely/not/here"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/definitely/not/here"));
}

#[test]
fn walking_skips_virtualenvs_node_modules_and_git() {
    let dir = scratch("walk");
    let bad = "from django.db import models\nclass A(models.Model):\n    b = models.ForeignKey('B', on_delete=models.CASCADE)\nclass B(models.Model):\n    pass\ndef v():\n    return [a.b for a in A.objects.all()]\n";
    for sub in ["node_modules/pkg", ".git/x", "myenv", "app"] {
        std::fs::create_dir_all(dir.join(sub)).expect("mkdir");
    }
    std::fs::write(dir.join("myenv/pyvenv.cfg"), "home = /usr\n").expect("write");
    std::fs::write(dir.join("myenv/bad.py"), bad).expect("write");
    std::fs::write(dir.join("node_modules/pkg/bad.py"), bad).expect("write");
    std::fs::write(dir.join(".git/x/bad.py"), bad).expect("write");
    std::fs::write(dir.join("app/ok.py"), "x = 1\n").expect("write");
    std::fs::write(dir.join("app/blob.py"), b"\x00\x01binary").expect("write");
    let o = djreview(&["check", "--format", "json", dir.to_str().expect("utf8")]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let paths: Vec<&str> = v["files"].as_array().expect("files").iter().filter_map(|f| f["path"].as_str()).collect();
    assert_eq!(paths.len(), 1, "{paths:?}");
    assert!(paths[0].ends_with("app/ok.py"));
    assert!(String::from_utf8_lossy(&o.stderr).contains("binary"));
    assert_eq!(o.status.code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_syntax_error_is_a_finding_and_other_files_are_still_analysed() {
    let dir = scratch("syntax");
    std::fs::write(dir.join("broken.py"), "def f(:\n    pass\n").expect("write");
    std::fs::copy(fixture("blog/blog/models.py"), dir.join("models.py")).expect("copy");
    std::fs::copy(fixture("blog/blog/views.py"), dir.join("views.py")).expect("copy");
    let o = djreview(&["check", "--format", "json", dir.to_str().expect("utf8")]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let codes: Vec<&str> =
        v["findings"].as_array().expect("findings").iter().filter_map(|f| f["code"].as_str()).collect();
    assert!(codes.contains(&"SYN001") && codes.contains(&"QRY101"), "{codes:?}");
    let syn = v["findings"].as_array().expect("findings").iter().find(|f| f["code"] == "SYN001").expect("syn");
    assert_eq!(syn["line"], 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sarif_is_2_1_0_with_rules_and_results() {
    let o = djreview(&["check", "--format", "sarif", &fixture("blog")]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "djreview");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "QRY101");
    assert_eq!(result["level"], "error");
    let idx = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
    assert_eq!(rules[idx]["id"], "QRY101");
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 8);
}

#[test]
fn markdown_is_a_pull_request_comment() {
    let o = djreview(&["check", "--format", "markdown", &fixture("blog")]);
    let out = stdout(&o);
    assert!(out.starts_with("## djreview: "), "{out}");
    assert!(out.contains("`QRY101` fk-access-in-loop"), "{out}");
    assert!(out.contains("```diff"), "{out}");
    assert!(out.contains("+ Post.objects.order_by(\"-id\").select_related(\"author\")"), "{out}");
}

#[test]
fn rules_and_rule_docs() {
    let o = djreview(&["rules"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("QRY101  fk-access-in-loop"));
    let o = djreview(&["rule", "fk-access-in-loop"]);
    assert!(stdout(&o).contains("## Why it matters at scale"));
    assert_eq!(djreview(&["rule", "XYZ999"]).status.code(), Some(2));
}

#[test]
fn stdin_is_read_with_a_dash() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_djreview"))
        .args(["check", "--format", "json", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all(b"import os\nx = os.getcwd()\n").expect("write");
    let o = child.wait_with_output().expect("wait");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["files"][0]["path"], "<input 1>");
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn json_migrations_follow_the_contract() {
    let o = djreview(&["check", "--format", "json", "--fail-on", "never", &fixture("shop")]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    let migrations = v["migrations"].as_array().expect("migrations");
    assert_eq!(migrations.len(), 3);
    let m = migrations
        .iter()
        .find(|m| m["path"].as_str().is_some_and(|p| p.ends_with("0002_order_code.py")))
        .expect("0002");
    for key in ["path", "score", "verdict", "operations"] {
        assert!(m.get(key).is_some(), "migration lacks {key}: {m}");
    }
    assert_eq!(m["verdict"], "dangerous");
    let ops = m["operations"].as_array().expect("operations");
    assert_eq!(ops.len(), 3);
    for op in ops {
        for key in ["op", "model", "field", "sql", "lock", "rewrite", "blocks", "score", "reasons"] {
            assert!(op.get(key).is_some(), "operation lacks {key}: {op}");
        }
    }
    assert_eq!(ops[1]["op"], "AlterField");
    assert_eq!(ops[1]["model"], "order");
    assert_eq!(ops[1]["field"], "code");
    assert_eq!(ops[1]["lock"], "ACCESS EXCLUSIVE");
    assert_eq!(ops[1]["rewrite"], "scan");
    assert_eq!(ops[1]["sql"], "ALTER TABLE \"shop_order\" ALTER COLUMN \"code\" SET NOT NULL;");
    // Each risk is also a finding in the migrations category.
    let findings = v["findings"].as_array().expect("findings");
    assert!(findings.iter().any(|f| f["code"] == "MIG104" && f["category"] == "migrations" && f["line"] == 8));
    // --postgres changes the judgement: before 11, a column default rewrites the table.
    let rewrite_of_0003 = |args: &[&str]| {
        let o = djreview(args);
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
        let m = v["migrations"]
            .as_array()
            .expect("migrations")
            .iter()
            .find(|m| m["name"] == "0003_order_priority")
            .cloned();
        m.expect("0003")["operations"][0]["rewrite"].as_str().unwrap_or_default().to_string()
    };
    let shop = fixture("shop");
    assert_eq!(rewrite_of_0003(&["check", "--format", "json", "--fail-on", "never", &shop]), "metadata");
    assert_eq!(
        rewrite_of_0003(&["check", "--format", "json", "--fail-on", "never", "--postgres", "10", &shop]),
        "rewrite"
    );
}

#[test]
fn json_plans_follow_the_contract() {
    let o = djreview(&["check", "--format", "json", "--fail-on", "never", &fixture("plans")]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    let plans = v["plans"].as_array().expect("plans");
    assert_eq!(plans.len(), 1);
    let p = &plans[0];
    for key in ["path", "format", "planning_ms", "execution_ms", "root", "tips"] {
        assert!(p.get(key).is_some(), "plan lacks {key}: {p}");
    }
    assert_eq!(p["format"], "text");
    assert_eq!(p["execution_ms"], 126.625);
    let root = &p["root"];
    for key in [
        "node_type",
        "relation",
        "index",
        "actual_total_ms",
        "actual_rows",
        "plan_rows",
        "loops",
        "exclusive_ms",
        "children",
    ] {
        assert!(root.get(key).is_some(), "node lacks {key}: {root}");
    }
    assert_eq!(root["node_type"], "Limit");
    // The inner index scan runs 588 times at 0.007 ms: 4.116 ms, all of it its own.
    let inner = &root["children"][0]["children"][1];
    assert_eq!(inner["loops"], 588.0);
    assert!((inner["exclusive_ms"].as_f64().expect("ms") - 4.116).abs() < 1e-6);
    // Tips are also findings in the explain category.
    let findings = v["findings"].as_array().expect("findings");
    assert!(findings.iter().any(|f| f["category"] == "explain"));
}

/// Writes an engine fixture (sections start with `# === path`) as files under `dir`; returns their paths.
fn expand_engine_fixture(name: &str, dir: &Path) -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/tests/fixtures").join(name);
    let text = std::fs::read_to_string(src).expect("engine fixture");
    let mut files: Vec<(String, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        match (line.strip_prefix("# === "), files.last_mut()) {
            (Some(path), _) => files.push((path.trim().to_string(), String::new())),
            (None, Some((_, body))) => body.push_str(line),
            (None, None) => panic!("{name} does not start with a `# === path` line"),
        }
    }
    files
        .into_iter()
        .map(|(rel, body)| {
            let path = dir.join(&rel);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, body).expect("write");
            path.to_string_lossy().into_owned()
        })
        .collect()
}

/// `(code, path, line, changed)` of each finding of a JSON report.
fn placed_findings(o: &Output) -> Vec<(String, String, u64, Option<bool>)> {
    let v: serde_json::Value = serde_json::from_str(&stdout(o)).expect("valid JSON");
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let path = f["path"].as_str().expect("path");
            let short = path.rsplit_once("/shop/").map_or(path.to_string(), |(_, p)| format!("shop/{p}"));
            (
                f["code"].as_str().expect("code").to_string(),
                short,
                f["line"].as_u64().expect("line"),
                f["diff"]["changed"].as_bool(),
            )
        })
        .collect()
}

#[test]
fn changed_only_keeps_findings_on_lines_the_diff_adds() {
    let dir = scratch("changed-only");
    let files = expand_engine_fixture("QRY101_in_a_diff.diff", &dir);
    let mut args = vec!["check", "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    let all = placed_findings(&djreview(&args));
    let qry = |fs: &[(String, String, u64, Option<bool>)]| {
        fs.iter().filter(|f| f.0 == "QRY101").map(|f| (f.1.clone(), f.2, f.3)).collect::<Vec<_>>()
    };
    // Without the flag: the N+1 on an unchanged line of views.py is reported too, marked unchanged.
    assert_eq!(
        qry(&all),
        [
            ("shop/views.py".to_string(), 13, Some(false)),
            ("shop/views.py".to_string(), 15, Some(true)),
            ("shop/views.py".to_string(), 24, Some(true)),
        ],
        "{all:?}"
    );
    args.insert(1, "--changed-only");
    let o = djreview(&args);
    assert_eq!(o.status.code(), Some(1), "the changed lines still hold high findings");
    let changed = placed_findings(&o);
    assert_eq!(
        qry(&changed),
        [("shop/views.py".to_string(), 15, Some(true)), ("shop/views.py".to_string(), 24, Some(true))],
        "{changed:?}"
    );
    // The new migration's findings are all on added lines and stay; nothing else is left.
    assert!(changed.iter().any(|f| f.0 == "MIG101"), "{changed:?}");
    assert!(changed.iter().all(|f| f.3 == Some(true)), "{changed:?}");
    assert_eq!(changed.len(), all.len() - 1, "only the unchanged finding goes: {all:?} vs {changed:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn changed_only_with_the_whole_project_and_a_pr_diff() {
    // As in CI: the checked-out project plus `git diff origin/main...HEAD` saved outside it.
    let dir = scratch("changed-only-project");
    let project = dir.join("project");
    std::fs::create_dir_all(project.join("shop")).expect("mkdir");
    std::fs::write(
        project.join("shop/models.py"),
        "from django.db import models\n\n\nclass Customer(models.Model):\n    name = models.CharField(max_length=100)\n\n\nclass Order(models.Model):\n    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)\n    total = models.IntegerField()\n",
    )
    .expect("write");
    std::fs::write(
        project.join("shop/views.py"),
        "from shop.models import Order\n\n\ndef old_report():\n    return [o.customer.name for o in Order.objects.all()]\n\n\ndef totals():\n    return [(o.total, o.customer.name) for o in Order.objects.all()]\n",
    )
    .expect("write");
    let diff = dir.join("change.diff");
    std::fs::write(
        &diff,
        "diff --git a/shop/views.py b/shop/views.py\nindex 137e614..8106a0d 100644\n--- a/shop/views.py\n+++ b/shop/views.py\n@@ -6,4 +6,4 @@ def old_report():\n \n \n def totals():\n-    return [o.total for o in Order.objects.all()]\n+    return [(o.total, o.customer.name) for o in Order.objects.all()]\n",
    )
    .expect("write");
    let (diff, project) = (diff.to_str().expect("utf8"), project.to_str().expect("utf8"));
    let all = placed_findings(&djreview(&["check", "--format", "json", diff, project]));
    assert_eq!(
        all,
        [
            ("QRY101".to_string(), "shop/views.py".to_string(), 5, Some(false)),
            ("QRY101".to_string(), "shop/views.py".to_string(), 9, Some(true)),
        ]
    );
    let o = djreview(&["check", "--format", "json", "--changed-only", diff, project]);
    assert_eq!(placed_findings(&o), [("QRY101".to_string(), "shop/views.py".to_string(), 9, Some(true))]);
    assert_eq!(o.status.code(), Some(1));
    // The text output says where the change wrote the line.
    let o = djreview(&["check", "--color", "never", "--changed-only", diff, project]);
    let out = stdout(&o);
    assert!(out.contains("shop/views.py:9:") && out.contains("changed line") && !out.contains("views.py:5:"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn changed_only_without_a_diff_changes_nothing() {
    let plain = djreview(&["check", "--format", "json", &fixture("blog")]);
    let flagged = djreview(&["check", "--format", "json", "--changed-only", &fixture("blog")]);
    assert_eq!(placed_findings(&plain), placed_findings(&flagged));
    assert_eq!(flagged.status.code(), Some(1));
}

#[test]
fn help_lists_every_check_option() {
    let o = djreview(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    for flag in
        ["--format", "--fail-on", "--postgres", "--profile", "--hot-table", "--disable", "--changed-only", "--color"]
    {
        assert!(out.contains(flag), "--help does not mention {flag}:\n{out}");
    }
    assert_eq!(djreview(&["check", "--changed-only=yes", "."]).status.code(), Some(2));
}

#[test]
fn profile_and_django_version_steer_the_settings_audit() {
    let dir = scratch("settings-audit");
    std::fs::create_dir_all(dir.join("proj")).expect("dir");
    let settings = dir.join("proj/settings.py");
    std::fs::write(&settings, "DEBUG = True\nALLOWED_HOSTS = []\nMIDDLEWARE = []\nSECURE_CSP = 'default-src self'\n")
        .expect("write");
    let path = settings.to_string_lossy().into_owned();
    let ids = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["check", "--format", "json", "--fail-on", "never"];
        args.extend_from_slice(extra);
        args.push(&path);
        let o = djreview(&args);
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        let report: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
        let mut ids: Vec<String> = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter_map(|f| f["django_id"].as_str().map(str::to_string))
            .collect();
        ids.sort();
        assert!(report["settings"][0]["settings"].as_array().is_some_and(|rows| !rows.is_empty()));
        ids
    };
    let production = ids(&[]);
    assert!(production.contains(&"security.W018".to_string()) && production.contains(&"security.W020".to_string()));
    assert!(!production.contains(&"security.E026".to_string()), "Django 5.2 has no CSP check");
    assert!(ids(&["--profile", "development"]).is_empty());
    assert!(ids(&["--django", "6.0"]).contains(&"security.E026".to_string()));
    let bad = djreview(&["check", "--django", "five", &path]);
    assert_eq!(bad.status.code(), Some(2));
}
