//! Reading files the user gives us: a file picker (several files or a whole folder) and drag and drop
//! (files and folders). Binary files and folders that never hold reviewable code are skipped, and the
//! user is told.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::file::callbacks::FileReader;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use yew::Callback;

/// The result of reading a batch: files as (name, text), and what was skipped and why.
#[derive(Default)]
pub struct Batch {
    pub files: Vec<(String, String)>,
    pub skipped: Vec<String>,
}

/// At most this many files are read from one folder.
const MAX_FILES: usize = 2000;

const SKIP_DIRS: &[&str] =
    &["node_modules", ".git", "__pycache__", ".venv", "venv", ".tox", "site-packages", ".mypy_cache", "dist"];

/// Whether a file from a folder is worth reading.
pub fn wanted(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    if parts.iter().any(|p| SKIP_DIRS.contains(p)) {
        return false;
    }
    let name = parts.last().copied().unwrap_or("").to_ascii_lowercase();
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match ext {
        "py" | "html" | "htm" | "djhtml" | "jinja" | "jinja2" | "diff" | "patch" | "explain" | "sql" | "json"
        | "yaml" | "yml" | "xml" => true,
        "txt" => parts.contains(&"templates"),
        _ => false,
    }
}

/// Text from bytes: `None` for binary content, lossy UTF-8 otherwise (a BOM is dropped).
pub fn decode(bytes: &[u8]) -> Option<String> {
    if bytes.iter().take(8192).any(|&b| b == 0) {
        return None;
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    Some(String::from_utf8_lossy(bytes).into_owned())
}

/// Reads `(name, file)` pairs and calls `done` once with everything read.
pub fn read_files(files: Vec<(String, web_sys::File)>, from_folder: bool, done: Callback<Batch>) {
    let mut batch = Batch::default();
    let mut selected = Vec::new();
    for (name, file) in files {
        if from_folder && !wanted(&name) {
            continue;
        }
        if selected.len() >= MAX_FILES {
            batch.skipped.push(format!("{name} (more than {MAX_FILES} files)"));
            continue;
        }
        selected.push((name, file));
    }
    if selected.is_empty() {
        done.emit(batch);
        return;
    }
    let pending = Rc::new(RefCell::new((selected.len(), batch)));
    let readers: Rc<RefCell<Vec<FileReader>>> = Rc::new(RefCell::new(Vec::new()));
    for (name, file) in selected {
        let pending = pending.clone();
        let done = done.clone();
        let keep = readers.clone();
        let reader = gloo::file::callbacks::read_as_bytes(&gloo::file::File::from(file), move |result| {
            let finished = {
                let mut p = pending.borrow_mut();
                match result.ok().as_deref().map(decode) {
                    Some(Some(text)) => p.1.files.push((name, text)),
                    Some(None) => p.1.skipped.push(format!("{name} (binary)")),
                    None => p.1.skipped.push(format!("{name} (unreadable)")),
                }
                p.0 -= 1;
                p.0 == 0
            };
            if finished {
                let batch = std::mem::take(&mut pending.borrow_mut().1);
                keep.borrow_mut().clear();
                done.emit(batch);
            }
        });
        readers.borrow_mut().push(reader);
    }
}

/// Files from an `<input type=file>`; inside a folder pick, names are relative paths.
pub fn from_input(input: &web_sys::HtmlInputElement) -> Vec<(String, web_sys::File)> {
    let Some(list) = input.files() else { return Vec::new() };
    (0..list.length())
        .filter_map(|i| list.get(i))
        .map(|f| {
            let rel = js_sys::Reflect::get(&f, &JsValue::from_str("webkitRelativePath"))
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default();
            (if rel.is_empty() { f.name() } else { rel }, f)
        })
        .collect()
}

/// Files and folders dropped on the page. Folders are walked through the entries API.
pub fn from_drop(data: &web_sys::DataTransfer, done: Callback<Batch>) {
    let items = data.items();
    let mut entries = Vec::new();
    for i in 0..items.length() {
        if let Some(item) = items.get(i) {
            if let Ok(Some(entry)) = item.webkit_get_as_entry() {
                entries.push(entry);
            }
        }
    }
    if entries.is_empty() {
        // No entries API: plain files only.
        let files = data
            .files()
            .map(|list| (0..list.length()).filter_map(|i| list.get(i)).map(|f| (f.name(), f)).collect())
            .unwrap_or_default();
        read_files(files, false, done);
        return;
    }
    let walk = Rc::new(RefCell::new(Walk { pending: 0, files: Vec::new(), folder: false }));
    for entry in entries {
        visit(entry, walk.clone(), done.clone());
    }
}

struct Walk {
    pending: usize,
    files: Vec<(String, web_sys::File)>,
    folder: bool,
}

fn finish_one(walk: &Rc<RefCell<Walk>>, done: &Callback<Batch>) {
    let finished = {
        let mut w = walk.borrow_mut();
        w.pending -= 1;
        w.pending == 0
    };
    if finished {
        let (files, folder) = {
            let mut w = walk.borrow_mut();
            (std::mem::take(&mut w.files), w.folder)
        };
        read_files(files, folder, done.clone());
    }
}

fn visit(entry: web_sys::FileSystemEntry, walk: Rc<RefCell<Walk>>, done: Callback<Batch>) {
    walk.borrow_mut().pending += 1;
    let path = entry.full_path().trim_start_matches('/').to_string();
    if entry.is_directory() {
        walk.borrow_mut().folder = true;
        let dir: web_sys::FileSystemDirectoryEntry = entry.unchecked_into();
        read_dir_batch(dir.create_reader(), walk, done);
    } else {
        let file_entry: web_sys::FileSystemFileEntry = entry.unchecked_into();
        let (w1, d1) = (walk.clone(), done.clone());
        let on_file = Closure::once_into_js(move |file: web_sys::File| {
            w1.borrow_mut().files.push((path, file));
            finish_one(&w1, &d1);
        });
        let (w2, d2) = (walk, done);
        let on_error = Closure::once_into_js(move |_: JsValue| finish_one(&w2, &d2));
        file_entry.file_with_callback_and_callback(on_file.unchecked_ref(), on_error.unchecked_ref());
    }
}

/// Reads one batch of a directory's entries; directories return them in batches until an empty one.
fn read_dir_batch(reader: web_sys::FileSystemDirectoryReader, walk: Rc<RefCell<Walk>>, done: Callback<Batch>) {
    let (w1, d1, r1) = (walk.clone(), done.clone(), reader.clone());
    let on_entries = Closure::once_into_js(move |list: js_sys::Array| {
        if list.length() == 0 {
            finish_one(&w1, &d1);
            return;
        }
        for v in list.iter() {
            let entry: web_sys::FileSystemEntry = v.unchecked_into();
            let name = entry.name();
            if entry.is_directory() && SKIP_DIRS.contains(&name.as_str()) {
                continue;
            }
            visit(entry, w1.clone(), d1.clone());
        }
        read_dir_batch(r1, w1, d1);
    });
    let (w2, d2) = (walk, done);
    let on_error = Closure::once_into_js(move |_: JsValue| finish_one(&w2, &d2));
    let _ = reader.read_entries_with_callback_and_callback(on_entries.unchecked_ref(), on_error.unchecked_ref());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_filter_keeps_code_and_skips_noise() {
        assert!(wanted("shop/views.py"));
        assert!(wanted("shop/templates/shop/list.html"));
        assert!(wanted("shop/templates/emails/body.txt"));
        assert!(!wanted("shop/notes.txt"));
        assert!(!wanted("shop/node_modules/x/index.py"));
        assert!(!wanted(".venv/lib/site.py"));
        assert!(!wanted("shop/logo.png"));
    }

    #[test]
    fn decode_rejects_binary_and_keeps_text() {
        assert_eq!(decode(b"x = 1"), Some("x = 1".into()));
        assert_eq!(decode(b"\x89PNG\r\n\x1a\n\x00\x00"), None);
    }
}
