//! Everything that hands data to the browser outside the page's own DOM: the URL fragment of share
//! links, the clipboard, file downloads and printing. Nothing here talks to a network: fragments
//! are never sent to a server, and downloads are object URLs made in the page.

use wasm_bindgen::{JsCast, JsValue};

/// The current URL fragment without its `#`, when there is one.
pub fn fragment() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let hash = hash.trim_start_matches('#');
    (!hash.is_empty()).then(|| hash.to_string())
}

/// Removes the fragment from the address bar without a reload or a history entry, so a reload
/// restores the autosave (with any edits) rather than the link's original state.
pub fn clear_fragment() {
    let Some(window) = web_sys::window() else { return };
    let location = window.location();
    let path = format!("{}{}", location.pathname().unwrap_or_default(), location.search().unwrap_or_default());
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&path));
    }
}

/// The app's address without a fragment: what share links are built on.
pub fn base_url() -> String {
    let Some(window) = web_sys::window() else { return String::new() };
    let location = window.location();
    format!(
        "{}{}{}",
        location.origin().unwrap_or_default(),
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default()
    )
}

/// Puts text on the clipboard (the only clipboard access in the app).
pub fn copy(text: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
}

/// Offers text as a file download, made in the page from an object URL.
pub fn download(file_name: &str, mime: &str, text: &str) {
    let _ = try_download(file_name, mime, text);
}

fn try_download(file_name: &str, mime: &str, text: &str) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let document = window.document().ok_or(JsValue::NULL)?;
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let anchor: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    anchor.set_href(&url);
    anchor.set_download(file_name);
    anchor.click();
    // Revoke after the browser has started the download.
    gloo::timers::callback::Timeout::new(1_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

/// Opens the browser's print dialog (the print style sheet shows the report alone).
pub fn print() {
    if let Some(window) = web_sys::window() {
        let _ = window.print();
    }
}

/// Fetches one of the app's own static files as text (`docs.json`); `done` gets the text or why it
/// failed. Same origin only: the path is relative to the page. Called once per page load; its four
/// small callbacks are handed to JavaScript for good.
pub fn fetch_text(path: &str, done: impl FnOnce(Result<String, String>) + 'static) {
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    type Done = Rc<RefCell<Option<Box<dyn FnOnce(Result<String, String>)>>>>;
    let done: Done = Rc::new(RefCell::new(Some(Box::new(done))));
    fn finish(done: &Done, r: Result<String, String>) {
        let f = done.borrow_mut().take();
        if let Some(f) = f {
            f(r);
        }
    }
    let failed = Rc::new({
        let done = done.clone();
        Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
            finish(&done, Err(e.as_string().unwrap_or_else(|| "network error".into())))
        })
    });
    let text_arrived = Rc::new({
        let done = done.clone();
        Closure::<dyn FnMut(JsValue)>::new(move |t: JsValue| {
            finish(&done, t.as_string().ok_or_else(|| "not text".to_string()))
        })
    });
    let response_arrived = {
        let done = done.clone();
        let (failed, text_arrived) = (failed.clone(), text_arrived.clone());
        Closure::<dyn FnMut(JsValue)>::new(move |value: JsValue| {
            let Ok(response) = value.dyn_into::<web_sys::Response>() else {
                return finish(&done, Err("not a response".into()));
            };
            if !response.ok() {
                return finish(&done, Err(format!("HTTP {}", response.status())));
            }
            match response.text() {
                Ok(text) => {
                    let _ = text.then2(&text_arrived, &failed);
                }
                Err(_) => finish(&done, Err("unreadable response".into())),
            }
        })
    };
    let _ = gloo::utils::window().fetch_with_str(path).then2(&response_arrived, &failed);
    response_arrived.forget();
    std::mem::forget(text_arrived);
    std::mem::forget(failed);
}
