//! Analysis off the main thread for large inputs, so typing never waits for the engine.
//!
//! The worker (`static/worker.js`) loads this same wasm module (the browser has it cached) and calls
//! [`analyze_json`]; nothing but the page's own files is fetched. Small inputs are still analysed
//! synchronously in the reducer: a round trip through a worker would cost more than the analysis.

use std::rc::Rc;

use engine::{from_json, Options, Project, Report};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The engine's entry point for the worker: project and options as JSON in, the report as JSON out.
/// Malformed input gives an error string, never a panic.
#[wasm_bindgen]
pub fn analyze_json(project: &str, options: &str) -> Result<String, JsValue> {
    // The engine's JSON readers, not the derived `Deserialize` impls: smaller wasm, same values.
    let project: Project = from_json::from_str(project).map_err(|e| JsValue::from_str(&format!("project: {e}")))?;
    let options: Options = from_json::from_str(options).map_err(|e| JsValue::from_str(&format!("options: {e}")))?;
    // The same renderer as the JSON download: one copy of the report's serialiser in the wasm.
    Ok(engine::render::json(&engine::analyze(&project, &options)))
}

/// What comes back from the worker for one request.
pub enum WorkerReply {
    Report {
        revision: u64,
        report: Box<Report>,
    },
    /// The worker could not run (blocked, unsupported, crashed): analyse on the main thread.
    Failed {
        message: String,
    },
}

/// The page's handle on the analysis worker.
pub struct AnalysisWorker {
    worker: web_sys::Worker,
    glue: String,
    wasm: String,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl AnalysisWorker {
    /// Starts the worker; `None` when the browser cannot (then analysis stays on the main thread).
    pub fn start(on_reply: impl Fn(WorkerReply) + 'static) -> Option<AnalysisWorker> {
        let (glue, wasm) = module_urls()?;
        let options = web_sys::WorkerOptions::new();
        options.set_type(web_sys::WorkerType::Module);
        let worker = web_sys::Worker::new_with_options("worker.js", &options).ok()?;
        let on_reply = Rc::new(on_reply);
        let on_message = {
            let on_reply = on_reply.clone();
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                on_reply(read_reply(&e.data()));
            })
        };
        // A script that fails to load sends a plain `Event`, not an `ErrorEvent`.
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            let message =
                e.dyn_ref::<web_sys::ErrorEvent>().map_or_else(|| "the worker did not start".into(), |e| e.message());
            on_reply(WorkerReply::Failed { message });
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Some(AnalysisWorker { worker, glue, wasm, _on_message: on_message, _on_error: on_error })
    }

    /// Asks for the report of `project` at `revision`. Replies to older revisions are dropped by the
    /// reducer, so requests need no cancelling.
    pub fn post(&self, revision: u64, project: &Project, options: &Options) -> Result<(), String> {
        let message = js_sys::Object::new();
        let set = |key: &str, value: JsValue| js_sys::Reflect::set(&message, &JsValue::from_str(key), &value);
        let project = serde_json::to_string(project).map_err(|e| e.to_string())?;
        let options = serde_json::to_string(options).map_err(|e| e.to_string())?;
        set("id", JsValue::from_f64(revision as f64))
            .and_then(|_| set("glue", JsValue::from_str(&self.glue)))
            .and_then(|_| set("wasm", JsValue::from_str(&self.wasm)))
            .and_then(|_| set("project", JsValue::from_str(&project)))
            .and_then(|_| set("options", JsValue::from_str(&options)))
            .map_err(|_| "could not build the message".to_string())?;
        self.worker.post_message(&message).map_err(|_| "the worker refused the message".to_string())
    }
}

impl Drop for AnalysisWorker {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

fn read_reply(data: &JsValue) -> WorkerReply {
    let get = |key: &str| js_sys::Reflect::get(data, &JsValue::from_str(key)).ok();
    let revision = get("id").and_then(|v| v.as_f64()).unwrap_or(0.0) as u64;
    if let Some(json) = get("report").and_then(|v| v.as_string()) {
        return match from_json::from_str::<Report>(&json) {
            Ok(report) => WorkerReply::Report { revision, report: Box::new(report) },
            Err(e) => WorkerReply::Failed { message: format!("unreadable report: {e}") },
        };
    }
    let message = get("error").and_then(|v| v.as_string()).unwrap_or_else(|| "no report".into());
    WorkerReply::Failed { message }
}

/// The URLs of this module's JavaScript glue and wasm, which the worker loads (their names carry a
/// content hash only the page knows). Read from the loader's data block, else from the resources
/// the page fetched, whatever loader was used.
fn module_urls() -> Option<(String, String)> {
    let window = web_sys::window()?;
    let document = window.document()?;
    if let Some(block) = document.get_element_by_id("djreview-app").and_then(|e| e.text_content()) {
        if let Ok(urls) = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&block) {
            if let (Some(js), Some(wasm)) =
                (urls.get("js").and_then(|v| v.as_str()), urls.get("wasm").and_then(|v| v.as_str()))
            {
                return Some((absolute(&window, js), absolute(&window, wasm)));
            }
        }
    }
    let entries = window.performance()?.get_entries_by_type("resource");
    let names: Vec<String> =
        entries.iter().filter_map(|e| e.dyn_into::<web_sys::PerformanceEntry>().ok()).map(|e| e.name()).collect();
    let find = |suffix: &str| {
        names.iter().find(|name| {
            let file = name.rsplit('/').next().unwrap_or_default();
            file.starts_with("djreview-web") && file.ends_with(suffix)
        })
    };
    Some((find(".js")?.clone(), find("_bg.wasm")?.clone()))
}

fn absolute(window: &web_sys::Window, href: &str) -> String {
    let origin = window.location().origin().unwrap_or_default();
    if href.starts_with('/') {
        format!("{origin}{href}")
    } else {
        href.to_string()
    }
}
