//! Inline cases for the settings envelope: each positive names the rule that must fire, each near
//! miss must stay silent for that rule.

use crate::{analyze, FileKind, Options, Profile, Project, SourceFile};

fn run_files(files: &[(&str, &str)], profile: Profile) -> Vec<(String, String, u32, String)> {
    let project = Project::new(
        files
            .iter()
            .map(|(p, t)| {
                let f = SourceFile::new(*p, *t);
                if p.ends_with(".py") && p.contains("settings") {
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

/// Runs one settings module; a trailing `DEBUG = False` makes any snippet a Django settings module.
fn codes(settings: &str, code: &str) -> Vec<(u32, String)> {
    let settings = format!("{settings}\nDEBUG = False\n");
    run_files(&[("proj/settings.py", &settings)], Profile::Production)
        .into_iter()
        .filter(|(c, ..)| c == code)
        .map(|(_, _, l, m)| (l, m))
        .collect()
}

#[track_caller]
fn fires(code: &str, settings: &str) -> Vec<(u32, String)> {
    let found = codes(settings, code);
    assert!(!found.is_empty(), "{code} should fire on:\n{settings}");
    found
}

#[track_caller]
fn silent(code: &str, settings: &str) {
    let found = codes(settings, code);
    assert!(found.is_empty(), "{code} should stay silent on:\n{settings}\nbut said {found:?}");
}

#[test]
fn allowed_hosts() {
    let f = fires("CFG101", "DEBUG = False\nALLOWED_HOSTS = ['app.example.com', '*']\n");
    assert_eq!(f[0].0, 2);
    assert!(f[0].1.contains("\"*\""), "{f:?}");
    fires("CFG101", "ALLOWED_HOSTS = ['.com']\n");
    fires("CFG101", "ALLOWED_HOSTS = ['*.example.com']\n");
    fires("CFG101", "import os\nALLOWED_HOSTS = os.environ.get('HOSTS', '*').split(',')\nALLOWED_HOSTS = env.list('HOSTS', default=['*'])\n");
    silent("CFG101", "ALLOWED_HOSTS = ['.example.com', 'localhost', '.localhost']\n");
    silent("CFG101", "ALLOWED_HOSTS = env.list('HOSTS')\n");
    silent("CFG101", "ALLOWED_HOSTS = []\n");
    // The project checks hosts itself.
    let found = run_files(
        &[
            ("proj/settings.py", "DEBUG = False\nALLOWED_HOSTS = ['*']\n"),
            ("proj/middleware.py", "from django.core.exceptions import DisallowedHost\ndef check(host):\n    if host not in KNOWN:\n        raise DisallowedHost(host)\n"),
        ],
        Profile::Production,
    );
    assert!(!found.iter().any(|f| f.0 == "CFG101"), "{found:?}");
}

#[test]
fn cross_origin() {
    let f = fires("CFG102", "CORS_ORIGIN_ALLOW_ALL = True\nCORS_ALLOW_CREDENTIALS = True\nSECRET_KEY='x'\n");
    assert!(f[0].1.contains("cookies"), "{f:?}");
    fires("CFG102", "CORS_ALLOWED_ORIGIN_REGEXES = [r'^https://.*$']\nDEBUG = False\n");
    fires("CFG102", "CSRF_TRUSTED_ORIGINS = ['https://*.com']\nDEBUG = False\n");
    silent("CFG102", "CORS_ALLOW_ALL_ORIGINS = False\nCSRF_TRUSTED_ORIGINS = ['https://*.example.com']\n");
    silent("CFG102", "CORS_ALLOWED_ORIGIN_REGEXES = [r'^https://\\w+\\.example\\.com$']\nDEBUG = False\n");
    silent("CFG102", "import os\nCORS_ALLOW_ALL_ORIGINS = os.environ.get('CORS_ALL') == '1'\n");
}

#[test]
fn proxy_headers() {
    fires("CFG103", "SECURE_PROXY_SSL_HEADER = ('X-Forwarded-Proto', 'https')\n");
    fires("CFG103", "SECURE_PROXY_SSL_HEADER = 'HTTP_X_FORWARDED_PROTO'\n");
    let f = fires("CFG103", "USE_X_FORWARDED_HOST = True\nSECURE_SSL_REDIRECT = True\n");
    assert!(f[0].1.contains("forever"), "{f:?}");
    silent("CFG103", "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')\nUSE_X_FORWARDED_HOST = True\n");
    silent("CFG103", "import os\nUSE_X_FORWARDED_HOST = os.environ.get('FWD') == '1'\nDEBUG = False\n");
}

const PG: &str = "'ENGINE': 'django.db.backends.postgresql', 'NAME': 'app'";

#[test]
fn connection_lifetime() {
    fires("CFG104", &format!("DATABASES = {{'default': {{{PG}}}}}\n"));
    let f = fires("CFG104", &format!("DATABASES = {{'default': {{{PG}, 'CONN_MAX_AGE': 600}}}}\n"));
    assert!(f[0].1.contains("CONN_HEALTH_CHECKS"), "{f:?}");
    let f = fires("CFG104", &format!("DATABASES = {{'default': {{{PG}, 'PORT': 6432, 'CONN_MAX_AGE': 0}}}}\n"));
    assert!(f[0].1.contains("PgBouncer"), "{f:?}");
    silent("CFG104", &format!("DATABASES = {{'default': {{{PG}, 'CONN_MAX_AGE': 60, 'CONN_HEALTH_CHECKS': True}}}}\n"));
    silent(
        "CFG104",
        &format!("DATABASES = {{'default': {{{PG}, 'PORT': '6432', 'DISABLE_SERVER_SIDE_CURSORS': True}}}}\n"),
    );
    silent("CFG104", "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': 'db.sqlite3'}}\n");
    silent("CFG104", &format!("ASGI_APPLICATION = 'proj.asgi.application'\nDATABASES = {{'default': {{{PG}}}}}\n"));
    // Served over ASGI by a runtime command: persistent connections are the problem.
    let settings = format!(
        "DEBUG = False\nDATABASES = {{'default': {{{PG}, 'CONN_MAX_AGE': 600, 'CONN_HEALTH_CHECKS': True}}}}\n"
    );
    let found = run_files(
        &[
            ("proj/settings.py", &settings),
            ("Procfile", "web: gunicorn proj.asgi:application -k uvicorn.workers.UvicornWorker\n"),
        ],
        Profile::Production,
    );
    assert!(found.iter().any(|f| f.0 == "CFG104" && f.3.contains("ASGI")), "{found:?}");
    silent("CFG104", "import dj_database_url\nDATABASES = {'default': dj_database_url.config(conn_max_age=600)}\n");
    silent(
        "CFG104",
        &format!("import os\nDATABASES = {{'default': {{{PG}, 'CONN_MAX_AGE': int(os.environ.get('AGE', 0))}}}}\n"),
    );
}

#[test]
fn db_timeouts() {
    let f = fires("CFG105", &format!("DATABASES = {{'default': {{{PG}, 'ATOMIC_REQUESTS': True}}}}\n"));
    assert!(f[0].1.contains("ATOMIC_REQUESTS"), "{f:?}");
    fires("CFG105", &format!("DATABASES = {{'default': {{{PG}, 'OPTIONS': {{'sslmode': 'require'}}}}}}\n"));
    silent(
        "CFG105",
        &format!("DATABASES = {{'default': {{{PG}, 'OPTIONS': {{'options': '-c statement_timeout=5000'}}}}}}\n"),
    );
    silent("CFG105", "DATABASES = {'default': {'ENGINE': 'django.db.backends.mysql', 'NAME': 'app'}}\n");
    silent(
        "CFG105",
        &format!("import os\nDATABASES = {{'default': {{{PG}, 'OPTIONS': {{'options': os.environ['PGOPTIONS']}}}}}}\n"),
    );
}

#[test]
fn local_caches_and_sessions() {
    fires("CFG106", "CACHES = {'default': {'BACKEND': 'django.core.cache.backends.dummy.DummyCache'}}\n");
    let f = fires("CFG106", "SESSION_ENGINE = 'django.contrib.sessions.backends.cache'\nDEBUG = False\n");
    assert!(f[0].1.contains("Django's default"), "{f:?}");
    fires("CFG106", "CACHES = {'default': {'BACKEND': 'django_redis.cache.RedisCache'}, 'local': {'BACKEND': 'django.core.cache.backends.locmem.LocMemCache'}}\nSESSION_ENGINE = 'django.contrib.sessions.backends.cached_db'\nSESSION_CACHE_ALIAS = 'local'\n");
    silent("CFG106", "CACHES = {'default': {'BACKEND': 'django_redis.cache.RedisCache'}}\nSESSION_ENGINE = 'django.contrib.sessions.backends.cache'\n");
    silent("CFG106", "SESSION_ENGINE = 'django.contrib.sessions.backends.db'\nDEBUG = False\n");
    fires("CFG106", "CACHES = {'default': {'BACKEND': 'django_redis.cache.RedisCache'}, 'api_throttling': {'BACKEND': 'django.core.cache.backends.locmem.LocMemCache'}}\n");
    silent("CFG106", "CACHES = {'default': {'BACKEND': 'django_redis.cache.RedisCache'}, 'avatar': {'BACKEND': 'django.core.cache.backends.filebased.FileBasedCache', 'LOCATION': '/var/cache/avatar'}}\n");
    silent("CFG106", "import os\nCACHES = {'default': {'BACKEND': os.environ['CACHE_BACKEND']}}\n");
}

#[test]
fn time_zone() {
    fires("CFG107", "USE_TZ = True\nDEBUG = False\n");
    silent("CFG107", "USE_TZ = True\nTIME_ZONE = 'Europe/Berlin'\n");
    silent("CFG107", "from .local import *\nUSE_TZ = True\n");
}

#[test]
fn logging() {
    let f = fires("CFG108", "DEBUG = False\nALLOWED_HOSTS = ['a.example.com']\n");
    assert!(f[0].1.contains("ADMINS` is empty"), "{f:?}");
    fires("CFG108", "DEBUG = False\nLOGGING = {'version': 1, 'loggers': {}}\n");
    // Handlers that write plain text: an info-level note, not a fault.
    let plain = fires(
        "CFG108",
        "DEBUG = False\nLOGGING = {'version': 1, 'handlers': {'c': {'class': 'logging.StreamHandler'}}}\n",
    );
    assert!(plain[0].1.contains("plain-text"), "{plain:?}");
    let report = crate::analyze(
        &crate::Project::new(vec![crate::SourceFile::new(
            "proj/settings.py",
            "DEBUG = False\nLOGGING = {'version': 1, 'handlers': {'c': {'class': 'logging.StreamHandler'}}}\n",
        )]),
        &crate::Options::default(),
    );
    let note = report.findings.iter().find(|f| f.code == "CFG108").expect("the note");
    assert_eq!((note.severity, note.confidence), (crate::Severity::Info, crate::Confidence::Low));
    silent(
        "CFG108",
        "DEBUG = False\nLOGGING = {'version': 1, 'formatters': {'json': {'()': 'pythonjsonlogger.json.JsonFormatter'}}, 'handlers': {'c': {'class': 'logging.StreamHandler', 'formatter': 'json'}}}\n",
    );
    silent(
        "CFG108",
        "DEBUG = False\nLOGGING = {'version': 1, 'formatters': {'kv': {'format': 'level=%(levelname)s logger=%(name)s msg=%(message)s key=value'}}, 'handlers': {'c': {'class': 'logging.StreamHandler'}}}\n",
    );
    silent("CFG108", "import sentry_sdk\nsentry_sdk.init(dsn='x')\nDEBUG = False\n");
    silent("CFG108", "import os\nDEBUG = False\nLOGGING = get_logging(os.environ)\n");
}

#[test]
fn static_manifest() {
    fires("CFG109", "STATIC_URL = '/static/'\nSTATIC_ROOT = '/srv/static'\n");
    fires(
        "CFG109",
        "STATIC_ROOT = '/srv/static'\nSTATICFILES_STORAGE = 'django.contrib.staticfiles.storage.StaticFilesStorage'\n",
    );
    silent("CFG109", "STATIC_ROOT = '/srv/static'\nSTATICFILES_STORAGE = 'whitenoise.storage.CompressedManifestStaticFilesStorage'\n");
    silent("CFG109", "STATIC_URL = '/static/'\n");
    silent("CFG109", "STATIC_ROOT = '/srv/static'\nSTORAGES = {'staticfiles': {'BACKEND': 'myapp.storage.Mystery'}}\n");
    // A project storage deriving from a manifest storage counts.
    let found = run_files(
        &[
            ("proj/settings.py", "STATIC_ROOT = '/srv/static'\nSTATICFILES_STORAGE = 'proj.storage.Static'\n"),
            ("proj/storage.py", "from django.contrib.staticfiles.storage import ManifestStaticFilesStorage\nclass Static(ManifestStaticFilesStorage):\n    manifest_strict = False\n"),
        ],
        Profile::Production,
    );
    assert!(!found.iter().any(|f| f.0 == "CFG109"), "{found:?}");
}

const REPLICA_DBS: &str = "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'NAME': 'a'}, 'replica': {'ENGINE': 'django.db.backends.postgresql', 'NAME': 'a', 'HOST': 'r'}}\n";

#[test]
fn replicas() {
    let router = "import random\nclass ReadRouter:\n    def db_for_read(self, model, **hints):\n        return random.choice(['replica'])\n    def db_for_write(self, model, **hints):\n        return 'default'\n";
    let pinned = "class ReadRouter:\n    def db_for_read(self, model, **hints):\n        if this_thread_is_pinned():\n            return 'default'\n        return 'replica'\n";
    let settings = format!("{REPLICA_DBS}DATABASE_ROUTERS = ['proj.routers.ReadRouter']\n");
    let found = run_files(&[("proj/settings.py", &settings), ("proj/routers.py", router)], Profile::Production);
    assert!(found.iter().any(|f| f.0 == "CFG110"), "{found:?}");
    let found = run_files(&[("proj/settings.py", &settings), ("proj/routers.py", pinned)], Profile::Production);
    assert!(!found.iter().any(|f| f.0 == "CFG110"), "{found:?}");
    // The router is not in the input: not judged.
    silent("CFG110", &settings);
    fires("CFG110", &format!("{REPLICA_DBS}DATABASE_ROUTERS = ['multidb.ReplicaRouter']\n"));
    silent("CFG110", &format!("{REPLICA_DBS}DATABASE_ROUTERS = ['multidb.PinningReplicaRouter']\n"));
}

#[test]
fn celery_limits() {
    fires("CFG111", "CELERY_BROKER_URL = 'amqp://rabbit'\n");
    silent("CFG111", "CELERY_BROKER_URL = 'amqp://rabbit'\nCELERY_TASK_TIME_LIMIT = 300\n");
    let f = fires(
        "CFG111",
        "CELERY_BROKER_URL = 'redis://r'\nCELERY_TASK_ACKS_LATE = True\nCELERY_TASK_TIME_LIMIT = 7200\n",
    );
    assert!(f[0].1.contains("visibility_timeout"), "{f:?}");
    silent("CFG111", "CELERY_BROKER_URL = 'redis://r'\nCELERY_TASK_ACKS_LATE = True\nCELERY_TASK_TIME_LIMIT = 7200\nCELERY_BROKER_TRANSPORT_OPTIONS = {'visibility_timeout': 14400}\n");
    // A countdown beyond the visibility timeout, in the code.
    let settings = "DEBUG = False\nCELERY_BROKER_URL = 'redis://r'\nCELERY_TASK_TIME_LIMIT = 300\n";
    let tasks = "def later(obj):\n    send_reminder.apply_async(args=[obj.pk], countdown=24 * 60 * 60)\n    send_soon.apply_async(args=[obj.pk], countdown=60)\n    send_soon.apply_async(args=[obj.pk], eta=timezone.now() + timedelta(minutes=5))\n    remind.apply_async(args=[obj.pk], eta=timezone.now() + timedelta(days=3))\n";
    let found = run_files(&[("proj/settings.py", settings), ("proj/tasks.py", tasks)], Profile::Production);
    let hits: Vec<_> = found.iter().filter(|f| f.0 == "CFG111").collect();
    assert_eq!(hits.len(), 2, "{found:?}");
    assert_eq!((hits[0].1.as_str(), hits[0].2), ("proj/tasks.py", 2));
    assert_eq!(hits[1].2, 5);
    fires("CFG111", "CELERY_BROKER_URL = 'amqp://r'\nCELERY_TASK_TIME_LIMIT = 300\nCELERY_RESULT_BACKEND = 'redis://r/1'\nCELERY_RESULT_EXPIRES = None\n");
    silent("CFG111", "CELERY_BROKER_URL = 'amqp://r'\nCELERY_TASK_TIME_LIMIT = 300\nCELERY_RESULT_BACKEND = 'redis://r/1'\nCELERY_RESULT_EXPIRES = 3600\n");
    let found = run_files(
        &[
            ("proj/settings.py", "DEBUG = False\nCELERY_BROKER_URL = 'amqp://r'\nCELERY_TASK_TIME_LIMIT = 300\n"),
            ("proj/tasks.py", tasks),
        ],
        Profile::Production,
    );
    assert!(!found.iter().any(|f| f.0 == "CFG111"), "{found:?}");
}

#[test]
fn email_backend() {
    fires("CFG112", "EMAIL_BACKEND = 'django.core.mail.backends.console.EmailBackend'\n");
    fires("CFG112", "import os\nEMAIL_BACKEND = os.environ.get('EMAIL_BACKEND', 'django.core.mail.backends.console.EmailBackend')\n");
    silent("CFG112", "EMAIL_BACKEND = 'anymail.backends.mailgun.EmailBackend'\n");
    silent("CFG112", "import os\nEMAIL_BACKEND = os.environ['EMAIL_BACKEND']\n");
}

#[test]
fn hardcoded_secrets() {
    fires("CFG113", "SECRET_KEY = 'q8w7e6r5t4y3u2i1o0p9a8s7d6f5g4h3j2k1l0z9x8c7v6b5n4m3q2w1e0r9t8y7'\n");
    fires("CFG113", "AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMIK7MDENGbPxRfiCYzz'\n");
    fires("CFG113", "CELERY_BROKER_URL = 'redis://:Zx81kq0Pp@cache:6379/0'\n");
    fires("CFG113", "CACHES = {'default': {'BACKEND': 'django_redis.cache.RedisCache', 'LOCATION': 'redis://user:Zx81kq0Pp@cache:6379/1'}}\n");
    let f = fires("CFG113", "import os\nEMAIL_HOST_PASSWORD = os.environ.get('EMAIL_PW', 'Zx81kq0Pp')\n");
    assert!(f[0].1.contains("fallback"), "{f:?}");
    fires("CFG113", "SECRET_KEY_FALLBACKS = ['q8w7e6r5t4y3u2i1o0p9a8s7d6f5g4h3j2k1l0z9x8c7v6b5n4m3q2w1e0r9t8y7']\n");
    // Weak keys are DEP104's; placeholders and empty values are not secrets.
    silent("CFG113", "SECRET_KEY = 'django-insecure-abc'\nSECRET_KEY_FALLBACKS = ['short-old-key']\n");
    silent(
        "CFG113",
        "SECRET_KEY = 'short'\nEMAIL_HOST_PASSWORD = ''\nDB_PASSWORD = 'changeme'\nAPI_TOKEN = '<your token>'\n",
    );
    silent("CFG113", "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'PASSWORD': 'postgres'}}\n");
    silent("CFG113", "RECAPTCHA_PUBLIC_KEY = 'Zx81kq0PpZx81kq0Pp'\nCACHE_KEY_PREFIX = 'myapp-prod'\nCELERY_BROKER_URL = 'redis://cache:6379/0'\n");
    silent("CFG113", "import os\nSECRET_KEY = os.environ['SECRET_KEY']\nDB_PASSWORD = os.environ.get('DB_PASSWORD')\n");
}

#[test]
fn development_profile_and_dev_modules_are_quiet() {
    let noisy = "ALLOWED_HOSTS = ['*']\nEMAIL_BACKEND = 'django.core.mail.backends.console.EmailBackend'\nCACHES = {'default': {'BACKEND': 'django.core.cache.backends.dummy.DummyCache'}}\n";
    let found = run_files(&[("proj/settings.py", noisy)], Profile::Development);
    assert!(!found.iter().any(|f| f.0.starts_with("CFG")), "{found:?}");
    // A development module next to a production one is not judged.
    let found = run_files(
        &[
            ("proj/settings/base.py", "DEBUG = False\nTIME_ZONE = 'UTC'\n"),
            ("proj/settings/dev.py", &format!("from .base import *\n{noisy}")),
            ("proj/settings/production.py", "from .base import *\nALLOWED_HOSTS = ['app.example.com']\n"),
        ],
        Profile::Production,
    );
    assert!(!found.iter().any(|f| f.1.ends_with("dev.py")), "{found:?}");
}
