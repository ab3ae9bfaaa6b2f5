//! Inline cases for the runtime envelope: command lines in Procfiles, Dockerfiles, compose files
//! and scripts, gunicorn configuration files, and their cross-references to settings.

use crate::{analyze, FileKind, Options, Profile, Project, SourceFile};

fn run(files: &[(&str, &str)]) -> Vec<(String, String, u32, String)> {
    run_with(files, Profile::Production)
}

fn run_with(files: &[(&str, &str)], profile: Profile) -> Vec<(String, String, u32, String)> {
    let project = Project::new(
        files
            .iter()
            .map(|(p, t)| {
                let f = SourceFile::new(*p, *t);
                if p.contains("settings") {
                    f.with_kind(FileKind::Settings)
                } else {
                    f
                }
            })
            .collect(),
    );
    let options = Options { profile, ..Options::default() };
    analyze(&project, &options).findings.into_iter().map(|f| (f.code, f.path, f.line, f.message)).collect()
}

fn of(found: &[(String, String, u32, String)], code: &str) -> Vec<(String, u32, String)> {
    found.iter().filter(|f| f.0 == code).map(|f| (f.1.clone(), f.2, f.3.clone())).collect()
}

const RECYCLED: &str = "--max-requests 2000 --max-requests-jitter 100";

#[test]
fn worker_recycling() {
    let found = run(&[("Procfile", "release: python manage.py migrate\nweb: gunicorn proj.wsgi --workers 3\n")]);
    let hits = of(&found, "RUN101");
    assert_eq!(hits.len(), 1, "{found:?}");
    assert_eq!((hits[0].0.as_str(), hits[0].1), ("Procfile", 2));
    assert!(hits[0].2.contains("`web`"), "{hits:?}");
    let found = run(&[("Procfile", "web: gunicorn proj.wsgi --max-requests 1000\n")]);
    assert!(of(&found, "RUN101")[0].2.contains("jitter"), "{found:?}");
    // Set in the configuration file the command loads.
    let found = run(&[
        ("Procfile", "web: gunicorn proj.wsgi -c deploy/gunicorn.conf.py\n"),
        ("deploy/gunicorn.conf.py", "max_requests = 1000\nmax_requests_jitter = 50\n"),
    ]);
    assert!(of(&found, "RUN101").is_empty(), "{found:?}");
    // A configuration file not in the input may set it.
    let found = run(&[("Procfile", "web: gunicorn proj.wsgi -c /etc/gunicorn/app.py\n")]);
    assert!(of(&found, "RUN101").is_empty(), "{found:?}");
    // From the environment: unknown.
    let found =
        run(&[("start.sh", "#!/bin/sh\nexec gunicorn proj.wsgi --max-requests $MAX --max-requests-jitter 10\n")]);
    assert!(of(&found, "RUN101").is_empty(), "{found:?}");
    // A configuration file on its own.
    let found = run(&[("gunicorn.conf.py", "workers = 4\ntimeout = 30\n")]);
    assert_eq!(of(&found, "RUN101").len(), 1, "{found:?}");
}

#[test]
fn timeout() {
    let found = run(&[(
        "Dockerfile",
        &format!(
            "FROM python:3.12\nCMD [\"gunicorn\", \"proj.wsgi\", \"--timeout\", \"0\", \"{}\"]\n",
            "--max-requests=10"
        ),
    )]);
    let hits = of(&found, "RUN102");
    assert_eq!(hits.len(), 1, "{found:?}");
    assert_eq!(hits[0].1, 2);
    let found = run(&[("gunicorn.conf.py", "timeout = 900\nmax_requests = 10\nmax_requests_jitter = 2\n")]);
    assert_eq!(of(&found, "RUN102")[0].1, 1, "{found:?}");
    let found = run(&[("Procfile", &format!("web: gunicorn proj.wsgi -t 3 {RECYCLED}\n"))]);
    assert_eq!(of(&found, "RUN102").len(), 1, "{found:?}");
    for fine in ["-t 60", "", "-t 3 -k gevent", "--timeout ${TIMEOUT}"] {
        let found = run(&[("Procfile", &format!("web: gunicorn proj.wsgi {fine} {RECYCLED}\n"))]);
        assert!(of(&found, "RUN102").is_empty(), "{fine}: {found:?}");
    }
}

#[test]
fn interface_mismatch() {
    let found = run(&[("Procfile", &format!("web: gunicorn proj.asgi:application {RECYCLED}\n"))]);
    assert_eq!(of(&found, "RUN103").len(), 1, "{found:?}");
    let found = run(&[("docker-compose.yml", &format!("services:\n  web:\n    command: gunicorn proj.wsgi:application -k uvicorn.workers.UvicornWorker {RECYCLED}\n"))]);
    let hits = of(&found, "RUN103");
    assert_eq!(hits.len(), 1, "{found:?}");
    assert_eq!(hits[0].1, 3);
    let found = run(&[("Procfile", "web: uvicorn proj.wsgi:application --host 0.0.0.0\n")]);
    assert_eq!(of(&found, "RUN103").len(), 1, "{found:?}");
    let found = run(&[("Procfile", "web: daphne proj.wsgi:application\n")]);
    assert_eq!(of(&found, "RUN103").len(), 1, "{found:?}");
    for fine in [
        "web: gunicorn proj.asgi:application -k uvicorn.workers.UvicornWorker",
        "web: gunicorn proj.wsgi:application -k gthread --threads 4",
        "web: uvicorn proj.asgi:application",
        "web: uvicorn proj.wsgi:application --interface wsgi",
        "web: gunicorn main:app -k uvicorn.workers.UvicornWorker",
        "web: gunicorn proj.asgi:application -k $WORKER_CLASS",
    ] {
        let found = run(&[("Procfile", &format!("{fine} {RECYCLED}\n"))]);
        assert!(of(&found, "RUN103").is_empty(), "{fine}: {found:?}");
    }
    // The worker class in the configuration file.
    let found = run(&[
        ("Procfile", &format!("web: gunicorn proj.asgi:application {RECYCLED}\n")),
        ("gunicorn.conf.py", "worker_class = 'uvicorn.workers.UvicornWorker'\n"),
    ]);
    assert!(of(&found, "RUN103").is_empty(), "{found:?}");
}

#[test]
fn worker_count() {
    let found = run(&[("Procfile", &format!("web: gunicorn proj.wsgi -w 1 {RECYCLED}\n"))]);
    assert_eq!(of(&found, "RUN104").len(), 1, "{found:?}");
    let found = run(&[("gunicorn.conf.py", "workers = 32\nmax_requests = 10\nmax_requests_jitter = 2\n")]);
    assert_eq!(of(&found, "RUN104").len(), 1, "{found:?}");
    for fine in
        ["-w 1 --threads 8", "-w 1 -k uvicorn.workers.UvicornWorker", "-w 4", "", "--workers=${WEB_CONCURRENCY:-4}"]
    {
        let found = run(&[("Procfile", &format!("web: gunicorn proj.wsgi {fine} {RECYCLED}\n"))]);
        assert!(of(&found, "RUN104").is_empty(), "{fine}: {found:?}");
    }
    let found = run(&[("gunicorn.conf.py", "import multiprocessing\nworkers = multiprocessing.cpu_count() * 2 + 1\n")]);
    assert!(of(&found, "RUN104").is_empty(), "{found:?}");
}

#[test]
fn celery_recycling() {
    let found = run(&[("Procfile", "worker: celery -A proj worker -l info\nbeat: celery -A proj beat\n")]);
    let hits = of(&found, "RUN105");
    assert_eq!(hits.len(), 1, "{found:?}");
    assert_eq!(hits[0].1, 1);
    let found =
        run(&[("deploy/supervisord.conf", "[program:celery]\ncommand=/srv/venv/bin/celery multi start w1 -A proj\n")]);
    let hits = of(&found, "RUN105");
    assert_eq!(hits.len(), 1, "{found:?}");
    assert!(hits[0].2.contains("`celery`"), "{hits:?}");
    for fine in [
        "worker: celery -A proj worker --max-tasks-per-child=100",
        "worker: celery -A proj worker --max-memory-per-child 300000",
        "worker: celery -A proj worker -P gevent -c 100",
        "worker: celery -A proj beat",
        "worker: celery multi start w1 w2 -A proj --max-tasks-per-child:w1=100",
        "worker: celery multi stopwait w1 -A proj",
    ] {
        let found = run(&[("Procfile", &format!("{fine}\n"))]);
        assert!(of(&found, "RUN105").is_empty(), "{fine}: {found:?}");
    }
    let found = run(&[
        ("Procfile", "worker: celery -A proj worker\n"),
        (
            "proj/settings.py",
            "DEBUG = False\nCELERY_BROKER_URL = 'amqp://r'\nCELERY_WORKER_MAX_TASKS_PER_CHILD = 200\n",
        ),
    ]);
    assert!(of(&found, "RUN105").is_empty(), "{found:?}");
    let found = run(&[
        ("Procfile", "worker: celery -A proj worker\n"),
        (
            "proj/celery.py",
            "from celery import Celery\napp = Celery('proj')\napp.conf.worker_max_tasks_per_child = 100\n",
        ),
    ]);
    assert!(of(&found, "RUN105").is_empty(), "{found:?}");
}

#[test]
fn celery_prefetch() {
    let settings =
        ("proj/settings.py", "DEBUG = False\nCELERY_BROKER_URL = 'amqp://r'\nCELERY_TASK_ACKS_LATE = True\n");
    let found = run(&[("Procfile", "worker: celery -A proj worker --max-tasks-per-child 10\n"), settings]);
    let hits = of(&found, "RUN106");
    assert_eq!(hits.len(), 1, "{found:?}");
    assert!(hits[0].2.contains("default"), "{hits:?}");
    let found = run(&[
        ("Procfile", "worker: celery -A proj worker --prefetch-multiplier 8 --max-tasks-per-child 10\n"),
        ("proj/tasks.py", "@shared_task(acks_late=True)\ndef t():\n    pass\n"),
    ]);
    assert_eq!(of(&found, "RUN106").len(), 1, "{found:?}");
    // Near misses: multiplier 1, or no late acknowledgement, or a multiplier from settings.
    let found = run(&[("Procfile", "worker: celery -A proj worker --prefetch-multiplier=1 -Ofair\n"), settings]);
    assert!(of(&found, "RUN106").is_empty(), "{found:?}");
    let found = run(&[("Procfile", "worker: celery multi start w1 -A proj --prefetch-multiplier:w1=1\n"), settings]);
    assert!(of(&found, "RUN106").is_empty(), "{found:?}");
    let found = run(&[
        ("Procfile", "worker: celery -A proj worker\n"),
        ("proj/settings.py", "DEBUG = False\nCELERY_BROKER_URL = 'amqp://r'\n"),
    ]);
    assert!(of(&found, "RUN106").is_empty(), "{found:?}");
    let found = run(&[
        ("Procfile", "worker: celery -A proj worker\n"),
        (
            "proj/settings.py",
            "CELERY_BROKER_URL = 'amqp://r'\nCELERY_TASK_ACKS_LATE = True\nCELERY_WORKER_PREFETCH_MULTIPLIER = 1\n",
        ),
    ]);
    assert!(of(&found, "RUN106").is_empty(), "{found:?}");
}

#[test]
fn a_configuration_file_seen_through_a_diff_hunk_is_not_judged_on_what_it_lacks() {
    let diff = "diff --git a/gunicorn.conf.py b/gunicorn.conf.py\n--- a/gunicorn.conf.py\n+++ b/gunicorn.conf.py\n@@ -10,3 +10,3 @@\n bind = \"0.0.0.0:8000\"\n-timeout = 30\n+timeout = 60\n workers = 4\n";
    let found = run(&[("change.diff", diff)]);
    assert!(of(&found, "RUN101").is_empty(), "{found:?}");
    // What the hunk shows is judged.
    let found = run(&[("change.diff", &diff.replace("+timeout = 60", "+timeout = 600"))]);
    assert_eq!(of(&found, "RUN102").len(), 1, "{found:?}");
    // The Procfile that loads it is judged on its own options only.
    let found = run(&[("change.diff", diff), ("Procfile", "web: gunicorn proj.wsgi -c gunicorn.conf.py\n")]);
    assert!(of(&found, "RUN101").is_empty(), "{found:?}");
}

#[test]
fn development_profile_is_quiet() {
    let found = run_with(
        &[("Procfile", "web: gunicorn proj.asgi:application -w 1 -t 0\nworker: celery -A proj worker\n")],
        Profile::Development,
    );
    assert!(!found.iter().any(|f| f.0.starts_with("RUN")), "{found:?}");
}
