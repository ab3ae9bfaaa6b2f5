use super::{databases, fix, judged, value, Reporter};
use crate::analysis::{Emitter, ProjectContext};
use crate::facts::deploy::Tri;
use crate::facts::settings::SValue;
use crate::report::Severity;

crate::declare_rule! {
    /// ## What it does
    /// Reports database connections whose lifetime does not fit production, per alias of a literal
    /// `DATABASES` (SQLite aside): `CONN_MAX_AGE` left at `0` (a new connection for every request),
    /// persistent connections in a project a runtime command serves over ASGI,
    /// a persistent connection (`CONN_MAX_AGE = None` or a number of seconds) without
    /// `CONN_HEALTH_CHECKS = True`, and a PostgreSQL alias behind PgBouncer (port 6432 or a host
    /// named like it) without `DISABLE_SERVER_SIDE_CURSORS = True`.
    ///
    /// ## Why it matters at scale
    /// Opening a PostgreSQL connection (TCP, TLS, authentication, a new backend process) costs
    /// milliseconds of latency on every request and CPU on the database. Persistent connections
    /// remove that cost, but after a database restart or failover each worker's first request on
    /// its dead connection fails unless Django checks it first. Behind PgBouncer in transaction
    /// pooling, `.iterator()` server-side cursors outlive the transaction that owns the server
    /// connection and fail with "cursor does not exist".
    ///
    /// ## Example
    /// ```python settings
    /// DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "app", "CONN_MAX_AGE": None}}
    /// ```
    ///
    /// ## Use instead
    /// ```python settings
    /// DATABASES = {
    ///     "default": {
    ///         "ENGINE": "django.db.backends.postgresql",
    ///         "NAME": "app",
    ///         "CONN_MAX_AGE": 60,
    ///         "CONN_HEALTH_CHECKS": True,
    ///     }
    /// }
    /// ```
    /// Behind PgBouncer in transaction mode, keep `CONN_MAX_AGE = 0` or a short lifetime and add
    /// `"DISABLE_SERVER_SIDE_CURSORS": True`. Under ASGI, persistent connections are not reused
    /// across requests; use a pooler (PgBouncer, or psycopg's pool through `OPTIONS["pool"]`).
    ///
    /// ## Precision
    /// Only literal database dicts are judged: a `dj_database_url.config(...)` or `env.db()` value is
    /// unknown and not reported. A database reached through a pooler that is not recognisable by
    /// host or port is reported for `CONN_MAX_AGE = 0` although the pooler absorbs the cost; the
    /// finding is low severity. A project that may be served over ASGI (`ASGI_APPLICATION` set) is
    /// not asked to raise `CONN_MAX_AGE`; one whose runtime command serves an ASGI application is
    /// told to lower it, as Django's documentation advises.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines): no
    /// findings (few deployment files and literal settings there); precision rests on the unit
    /// tests' positives and near misses.
    pub DB_CONNECTION_LIFETIME {
        code: "CFG104", name: "db-connection-lifetime", category: Config,
        severity: Low, confidence: Medium, playbook: "runtime-envelope",
    }
}

/// CFG104
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    let mut reporter = Reporter::default();
    // Django's documentation asks for persistent connections to be disabled under ASGI (a pool
    // is the answer there): a project that may be served over ASGI is not asked to raise
    // `CONN_MAX_AGE`, and one that a runtime command serves over ASGI is told to lower it.
    let asgi_command = crate::facts::runtime::all_commands(&ctx.view.runtime)
        .iter()
        .any(|c| c.app().and_then(crate::facts::runtime::interface_of) == Some(crate::facts::runtime::Interface::Asgi));
    for m in judged(ctx) {
        let asgi = asgi_command || m.get("ASGI_APPLICATION").is_some_and(|s| s.value.is_literal());
        let dbs = value(m, "DATABASES");
        for (alias, db) in databases(&dbs) {
            let Some(engine) = db.get("ENGINE").and_then(SValue::as_str) else { continue };
            if engine.contains("sqlite") || engine.contains("dummy") {
                continue;
            }
            let postgres = engine.contains("postgres") || engine.contains("postgis") || engine.contains("psycopg");
            let host = db.get("HOST").and_then(SValue::as_str).unwrap_or("");
            let port = match db.get("PORT") {
                Some(SValue::Int(p)) => p.to_string(),
                Some(SValue::Str(p)) => p.clone(),
                _ => String::new(),
            };
            let pooled = host.to_ascii_lowercase().contains("pgbouncer") || port == "6432";
            let pool_option = db.get("OPTIONS").and_then(|o| o.get("pool")).is_some();
            let age = db.get("CONN_MAX_AGE").cloned().unwrap_or(SValue::Int(0));
            let health = db.get("CONN_HEALTH_CHECKS").cloned().unwrap_or(SValue::Bool(false));
            let where_ = format!("`DATABASES[\"{alias}\"]`");
            if pooled && postgres {
                let cursors = db.get("DISABLE_SERVER_SIDE_CURSORS").cloned().unwrap_or(SValue::Bool(false));
                if cursors.is_literal() && cursors.truthy() == Some(false) {
                    if let Some(f) = reporter.report(
                        out,
                        &DB_CONNECTION_LIFETIME,
                        m,
                        "DATABASES",
                        Tri::Yes,
                        format!("{where_} goes through PgBouncer ({}) without `DISABLE_SERVER_SIDE_CURSORS = True`: under transaction pooling, `.iterator()` cursors fail with \"cursor does not exist\"", if port == "6432" { "port 6432".to_string() } else { format!("host `{host}`") }),
                        fix("Disable server-side cursors for aliases behind a transaction-pooling PgBouncer.", "\"PORT\": \"6432\",", "\"PORT\": \"6432\",\n\"DISABLE_SERVER_SIDE_CURSORS\": True,"),
                    ) {
                        f.severity = Severity::Medium;
                    }
                }
                continue;
            }
            if pool_option {
                continue;
            }
            match &age {
                SValue::Int(0) if asgi => {}
                SValue::Int(0) => {
                    reporter.report(
                        out,
                        &DB_CONNECTION_LIFETIME,
                        m,
                        "DATABASES",
                        Tri::Yes,
                        format!("{where_} has `CONN_MAX_AGE` {}: every request opens and closes its own database connection", if db.get("CONN_MAX_AGE").is_some() { "= 0" } else { "unset (0)" }),
                        fix("Keep connections for a while, and check them before reuse.", "\"CONN_MAX_AGE\": 0,", "\"CONN_MAX_AGE\": 60,\n\"CONN_HEALTH_CHECKS\": True,"),
                    );
                }
                SValue::None | SValue::Int(_) if asgi_command => {
                    reporter.report(
                        out,
                        &DB_CONNECTION_LIFETIME,
                        m,
                        "DATABASES",
                        Tri::Yes,
                        format!("{where_} keeps connections open (`CONN_MAX_AGE` = {}) but the project is served over ASGI, where Django's documentation asks for persistent connections to be disabled: each async request's thread can hold its own connection", age.display()),
                        fix("Under ASGI, close connections per request and pool them instead (psycopg's pool, Django 5.1+, or PgBouncer).", "\"CONN_MAX_AGE\": None,", "\"CONN_MAX_AGE\": 0,\n\"OPTIONS\": {\"pool\": True},"),
                    );
                }
                SValue::None | SValue::Int(_) if health != SValue::Bool(true) && health.is_literal() => {
                    reporter.report(
                        out,
                        &DB_CONNECTION_LIFETIME,
                        m,
                        "DATABASES",
                        Tri::Yes,
                        format!("{where_} keeps connections open (`CONN_MAX_AGE` = {}) without `CONN_HEALTH_CHECKS = True`: after a database restart or failover, the first request on each stale connection fails", age.display()),
                        fix("Let Django test a persistent connection before reusing it (Django 4.1+).", "\"CONN_MAX_AGE\": None,", "\"CONN_MAX_AGE\": 600,\n\"CONN_HEALTH_CHECKS\": True,"),
                    );
                }
                _ => {}
            }
        }
    }
}
