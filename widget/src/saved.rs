//! The visitor's draft in `localStorage`, so that a reload loses nothing: the text of every field
//! and the files already uploaded (by id). Written only once the visitor has typed or attached
//! something, removed once the message is sent.

use js_sys::{Array, Object, Reflect, JSON};
use wasm_bindgen::JsValue;
use web_sys::Storage;

/// A file the edge stored for this draft.
pub struct SavedFile {
    pub id: String,
    pub name: String,
    pub size: u64,
}

#[derive(Default)]
pub struct SavedDraft {
    /// `name`, `email`, `subject`, `message` and the custom fields as `fields.<key>`.
    pub text: Vec<(String, String)>,
    pub files: Vec<SavedFile>,
}

/// Less than the edge's 24 hours (`PORTHOLE_UPLOAD_TTL_SECONDS`).
const FILES_KEPT_MS: f64 = 20.0 * 3600.0 * 1000.0;

fn key(site: &str) -> String {
    format!("porthole:draft:{site}")
}

/// `None` where storage is refused (some private modes, sandboxed frames).
pub fn storage() -> Option<Storage> {
    web_sys::window()?.local_storage().ok()?
}

pub fn save(site: &str, draft: &SavedDraft) {
    let text = Object::new();
    for (k, v) in &draft.text {
        let _ = Reflect::set(&text, &k.into(), &v.into());
    }
    let files = Array::new();
    for f in &draft.files {
        let file = Object::new();
        let _ = Reflect::set(&file, &"id".into(), &f.id.as_str().into());
        let _ = Reflect::set(&file, &"name".into(), &f.name.as_str().into());
        let _ = Reflect::set(&file, &"size".into(), &(f.size as f64).into());
        files.push(&file);
    }
    let value = Object::new();
    let _ = Reflect::set(&value, &"text".into(), &text);
    let _ = Reflect::set(&value, &"files".into(), &files);
    let _ = Reflect::set(&value, &"at".into(), &js_sys::Date::now().into());
    if let (Some(s), Ok(json)) = (storage(), JSON::stringify(&value)) {
        // A full storage only means the draft is not kept.
        let _ = s.set_item(&key(site), &String::from(json));
    }
}

pub fn load(site: &str) -> Option<SavedDraft> {
    let json = storage()?.get_item(&key(site)).ok()??;
    let value = JSON::parse(&json).ok()?;
    let get = |o: &JsValue, k: &str| Reflect::get(o, &k.into()).unwrap_or(JsValue::UNDEFINED);
    let text_obj = get(&value, "text");
    let mut draft = SavedDraft::default();
    if text_obj.is_object() {
        for entry in Object::entries(text_obj.unchecked_ref()).iter() {
            let pair: Array = entry.into();
            if let (Some(k), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                draft.text.push((k, v));
            }
        }
    }
    // Uploads no message claimed are deleted by the edge after a day; a file older than that is
    // gone, and sending its id would only be refused.
    let fresh = get(&value, "at")
        .as_f64()
        .is_some_and(|at| js_sys::Date::now() - at < FILES_KEPT_MS);
    if let Some(files) = get(&value, "files")
        .dyn_into::<Array>()
        .ok()
        .filter(|_| fresh)
    {
        for f in files.iter() {
            if let (Some(id), Some(name), Some(size)) = (
                get(&f, "id").as_string(),
                get(&f, "name").as_string(),
                get(&f, "size").as_f64(),
            ) {
                draft.files.push(SavedFile {
                    id,
                    name,
                    size: size as u64,
                });
            }
        }
    }
    Some(draft)
}

pub fn clear(site: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(&key(site));
    }
}

use wasm_bindgen::JsCast;
