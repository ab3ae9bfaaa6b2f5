use super::{commands, gunicorn, is_asgi_class, worker_class};
use crate::analysis::{Emitter, ProjectContext};
use crate::facts::runtime::{interface_of, Interface, Opt, Program};
use crate::report::Fix;

crate::declare_rule! {
    /// ## What it does
    /// Reports a server started with the wrong kind of application: gunicorn with a sync (or
    /// gthread, gevent, eventlet) worker serving `asgi:application`, gunicorn with
    /// `uvicorn.workers.UvicornWorker` serving `wsgi:application`, and `uvicorn` or `daphne` started
    /// on a WSGI module without `--interface wsgi`.
    ///
    /// ## Why it matters at scale
    /// The two interfaces are called differently: a WSGI server calls
    /// `application(environ, start_response)`, an ASGI server awaits
    /// `application(scope, receive, send)`. A mismatch fails on the first request with a
    /// `TypeError` in every worker — or, where a fallback adapter kicks in, runs every request in a
    /// thread pool and loses what the switch to ASGI was for (websockets, streaming, async views).
    ///
    /// ## Example
    /// ```procfile
    /// web: gunicorn proj.asgi:application --max-requests 2000 --max-requests-jitter 200
    /// ```
    ///
    /// ## Use instead
    /// ```procfile
    /// web: gunicorn proj.asgi:application -k uvicorn.workers.UvicornWorker --max-requests 2000 --max-requests-jitter 200
    /// ```
    ///
    /// ## Precision
    /// The interface is read from the module name (`wsgi`, `asgi`, or `get_wsgi_application`/
    /// `get_asgi_application`); an application module named otherwise (`main:app`) is not judged,
    /// nor is a worker class from a `$VARIABLE` or a configuration file missing from the input.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines): no
    /// findings (few deployment files and literal settings there); precision rests on the unit
    /// tests' positives and near misses.
    pub SERVER_INTERFACE_MISMATCH {
        code: "RUN103", name: "server-interface-mismatch", category: Config,
        severity: High, confidence: High, playbook: "runtime-envelope",
    }
}

/// RUN103
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    let cmds = commands(ctx);
    for g in gunicorn(ctx, &cmds) {
        let app = g.command.and_then(|c| c.app().map(str::to_string)).or_else(|| {
            g.config.as_ref().and_then(|c| match c.get("wsgi_app").0 {
                Opt::Value(v) => Some(v),
                _ => None,
            })
        });
        let Some(app) = app else { continue };
        let Some(interface) = interface_of(&app) else { continue };
        let Opt::Value(class) = worker_class(&g) else { continue };
        let class_shown = if g.get("worker_class", &["-k", "--worker-class"]).value.is_absent() {
            "gunicorn's default `sync` worker class".to_string()
        } else {
            format!("the `{class}` worker class")
        };
        let (path, span) = match g.command {
            Some(c) => (c.path.clone(), c.span),
            None => {
                let k = g.get("worker_class", &["-k", "--worker-class"]);
                (k.path, k.span)
            }
        };
        let asgi_worker = is_asgi_class(&class);
        let message = match (interface, asgi_worker) {
            (Interface::Asgi, false) => format!("{} serves the ASGI application `{app}` with {class_shown}, which calls it as WSGI: every request fails with a TypeError", g.describe()),
            (Interface::Wsgi, true) => format!("{} serves the WSGI application `{app}` with `{class}`, an ASGI worker: it calls the application as ASGI and every request fails", g.describe()),
            _ => continue,
        };
        out.emit(&SERVER_INTERFACE_MISMATCH, &path, span, message).fix = Some(Fix {
            summary: "Serve `asgi:application` with an ASGI worker class, `wsgi:application` with a WSGI one.".into(),
            before: format!("gunicorn {app} -k {class}"),
            after: if interface == Interface::Asgi {
                format!("gunicorn {app} -k uvicorn.workers.UvicornWorker")
            } else {
                format!("gunicorn {app}")
            },
        });
    }
    for c in cmds.iter().filter(|c| matches!(c.program, Program::Uvicorn | Program::Daphne)) {
        let Some(app) = c.app() else { continue };
        if interface_of(app) != Some(Interface::Wsgi) {
            continue;
        }
        if c.program == Program::Uvicorn && matches!(c.opt(&["--interface"]), Opt::Value(ref v) if v == "wsgi") {
            continue;
        }
        let name = c.program.name();
        out.emit(&SERVER_INTERFACE_MISMATCH, &c.path, c.span, format!("`{name}` is started on the WSGI application `{app}`: {name} speaks ASGI, so every request fails (or, with a WSGI adapter, runs in a thread pool)")).fix = Some(Fix {
            summary: "Point the ASGI server at the project's `asgi.py`.".into(),
            before: format!("{name} {app}"),
            after: format!("{name} {}", app.replace("wsgi", "asgi")),
        });
    }
}
