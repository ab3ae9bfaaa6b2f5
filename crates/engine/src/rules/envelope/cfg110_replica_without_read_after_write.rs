use super::{databases, fix, judged, value, Reporter};
use crate::analysis::{Emitter, ProjectContext};
use crate::facts::deploy::Tri;
use crate::facts::settings::SValue;
use rustpython_parser::ast::Stmt;

crate::declare_rule! {
    /// ## What it does
    /// Reports a database router that sends reads to a replica with no read-after-write strategy:
    /// `DATABASES` has a replica alias (named like `replica`, `read`, `follower`, `standby`,
    /// `slave`, or with a `TEST["MIRROR"]`), `DATABASE_ROUTERS` names a router whose `db_for_read`
    /// returns a replica, and nothing in it pins reads to the primary after a write (no reference to
    /// a pin, a sticky flag, thread or context-local state, or the transaction state). django-multidb-router's
    /// plain `ReplicaRouter` (or `MasterSlaveRouter`) counts as such a router; its `Pinning` routers do not.
    ///
    /// ## Why it matters at scale
    /// Replication lags: tens of milliseconds normally, minutes during a bulk write or a vacuum. A
    /// user who saves a form and is redirected to the object's page reads from a replica that has
    /// not seen the write yet: "my change was lost", a 404 on what was just created, a duplicate
    /// submission. The lag grows with load, so this shows up exactly when traffic is high.
    ///
    /// ## Example
    /// ```python settings
    /// DATABASES = {
    ///     "default": {"ENGINE": "django.db.backends.postgresql", "NAME": "app"},
    ///     "replica": {"ENGINE": "django.db.backends.postgresql", "NAME": "app", "HOST": "replica"},
    /// }
    /// DATABASE_ROUTERS = ["multidb.ReplicaRouter"]
    /// ```
    ///
    /// ## Use instead
    /// ```python settings
    /// DATABASES = {
    ///     "default": {"ENGINE": "django.db.backends.postgresql", "NAME": "app"},
    ///     "replica": {"ENGINE": "django.db.backends.postgresql", "NAME": "app", "HOST": "replica"},
    /// }
    /// DATABASE_ROUTERS = ["multidb.PinningReplicaRouter"]
    /// ```
    /// Or pin in your own router: after a write (or inside `transaction.atomic`), serve the rest of
    /// the request — and the user's next request, through a short-lived cookie — from the primary.
    ///
    /// ## Precision
    /// A project router is judged by its source: one whose `db_for_read` mentions no pinning or
    /// request state is reported, so a router that handles read-after-write in a helper it calls is
    /// a false positive. A router class that is not in the input is not judged (except the known
    /// django-multidb-router classes).
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines): no
    /// findings (few deployment files and literal settings there); precision rests on the unit
    /// tests' positives and near misses.
    pub REPLICA_WITHOUT_READ_AFTER_WRITE {
        code: "CFG110", name: "replica-without-read-after-write", category: Config,
        severity: Medium, confidence: Medium, playbook: "replicas",
    }
}

const REPLICA_WORDS: &[&str] = &["replica", "read", "follower", "standby", "slave", "secondary", "ro"];
const PIN_SIGNS: &[&str] = &[
    "pin",
    "sticky",
    "local",
    "thread",
    "context",
    "in_atomic_block",
    "get_autocommit",
    "primary_only",
    "use_primary",
    "request",
    "write",
    "cookie",
    "lag",
];

/// CFG110
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    let mut reporter = Reporter::default();
    for m in judged(ctx) {
        let dbs = value(m, "DATABASES");
        let replicas: Vec<&str> = databases(&dbs)
            .into_iter()
            .filter(|(alias, db)| {
                let a = alias.to_ascii_lowercase();
                REPLICA_WORDS.iter().any(|w| a.split(['_', '-']).any(|p| p == *w || p.starts_with(w) && *w != "ro"))
                    || db.get("TEST").and_then(|t| t.get("MIRROR")).is_some()
            })
            .map(|(a, _)| a)
            .filter(|a| *a != "default")
            .collect();
        if replicas.is_empty() {
            continue;
        }
        let SValue::List(routers) = value(m, "DATABASE_ROUTERS") else { continue };
        for r in &routers {
            let Some(path) = r.as_str() else { continue };
            let class = path.rsplit('.').next().unwrap_or(path);
            let verdict = match class {
                "ReplicaRouter" | "MasterSlaveRouter" if path.starts_with("multidb.") => {
                    Some(format!("`{path}` sends every read to a replica and never pins"))
                }
                "PinningReplicaRouter" | "PinningMasterSlaveRouter" => None,
                _ => project_router(ctx, class),
            };
            let Some(why) = verdict else { continue };
            reporter.report(
                out,
                &REPLICA_WITHOUT_READ_AFTER_WRITE,
                m,
                "DATABASE_ROUTERS",
                Tri::Yes,
                format!("`DATABASE_ROUTERS` routes reads to the replica {} but {why}: a user who just saved something can read the stale replica and not see it", replicas.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")),
                fix(
                    "Pin reads to the primary after a write (for the rest of the request and, through a cookie, the next few seconds).",
                    "DATABASE_ROUTERS = [\"multidb.ReplicaRouter\"]",
                    "DATABASE_ROUTERS = [\"multidb.PinningReplicaRouter\"]\nMIDDLEWARE += [\"multidb.middleware.PinningRouterMiddleware\"]",
                ),
            );
        }
    }
}

/// A project router class whose `db_for_read` shows no read-after-write handling: why, or `None`
/// when it handles it, does not read from replicas, or is not in the input.
fn project_router(ctx: &ProjectContext<'_, '_>, class: &str) -> Option<String> {
    for f in ctx.view.files {
        for s in f.parsed.body() {
            let Stmt::ClassDef(c) = s else { continue };
            if c.name.as_str() != class {
                continue;
            }
            let class_src = f.parsed.source_of(s).to_ascii_lowercase();
            let read = c.body.iter().find_map(|s| match s {
                Stmt::FunctionDef(d) if d.name.as_str() == "db_for_read" => Some(f.parsed.source_of(s)),
                _ => None,
            })?;
            let body = read.to_ascii_lowercase();
            // The parameters (`**hints`) say nothing; only the body counts.
            let body = body.split_once(':').map_or(body.as_str(), |(_, b)| b).to_string();
            let reads_replica = REPLICA_WORDS.iter().filter(|w| **w != "ro").any(|w| body.contains(w))
                || body.contains("random")
                || body.contains("choice");
            if !reads_replica {
                return None;
            }
            let pins = PIN_SIGNS.iter().any(|p| body.contains(p))
                || (class_src.contains("pin") && !class_src.contains("spin"))
                || class_src.contains("sticky");
            return (!pins).then(|| {
                format!("its router `{class}` ({}) shows no read-after-write handling in `db_for_read`", f.path)
            });
        }
    }
    None
}
