//! The runtime envelope outside settings: how gunicorn and the Celery workers are started (a
//! Procfile, a Dockerfile, a compose file, a script, a systemd unit) and gunicorn's configuration
//! file. The command lines are read by [`crate::facts::runtime`]; settings are consulted where they
//! change the verdict (`CELERY_TASK_ACKS_LATE`, `CELERY_WORKER_MAX_TASKS_PER_CHILD`). Nothing runs
//! under the development profile.

pub mod run101_gunicorn_worker_recycling;
pub mod run102_gunicorn_timeout;
pub mod run103_server_interface_mismatch;
pub mod run104_gunicorn_worker_count;
pub mod run105_celery_worker_recycling;
pub mod run106_celery_prefetch_acks_late;
#[cfg(test)]
mod tests;

use crate::analysis::ProjectContext;
use crate::facts::runtime::{self, Command, GunicornSetup, Opt};
use crate::options::Profile;

/// Every command in the input's runtime files; none under the development profile or in test
/// folders.
pub(crate) fn commands(ctx: &ProjectContext<'_, '_>) -> Vec<Command> {
    if ctx.options.profile == Profile::Development {
        return Vec::new();
    }
    let files: Vec<runtime::RuntimeFile> = ctx
        .view
        .runtime
        .iter()
        .filter(|f| !crate::analysis::is_test_path(crate::analysis::relative_path(&f.path, ctx.view.root)))
        .cloned()
        .collect();
    runtime::all_commands(&files)
}

/// Every gunicorn process: commands with the configuration they load, and configuration files
/// on their own.
pub(crate) fn gunicorn<'a>(ctx: &'a ProjectContext<'_, '_>, commands: &'a [Command]) -> Vec<GunicornSetup<'a>> {
    if ctx.options.profile == Profile::Development {
        return Vec::new();
    }
    runtime::gunicorn_setups(commands, ctx.view.files)
}

/// The worker class a gunicorn process runs (`sync` when none is given and nothing can set it).
pub(crate) fn worker_class(g: &GunicornSetup<'_>) -> Opt {
    match g.get("worker_class", &["-k", "--worker-class"]).value {
        Opt::Absent => Opt::Value("sync".into()),
        other => other,
    }
}

/// Whether a worker class runs ASGI applications.
pub(crate) fn is_asgi_class(class: &str) -> bool {
    let c = class.to_ascii_lowercase();
    c.contains("uvicorn") || c == "asgi" || c.ends_with(".asgiworker") || c.contains("asgi")
}

/// Whether a worker class handles one request at a time per process.
pub(crate) fn is_sync_class(class: &str) -> bool {
    matches!(class, "sync" | "gunicorn.workers.sync.SyncWorker")
}
