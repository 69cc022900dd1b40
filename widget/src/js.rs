//! The edge's JSON as the browser parsed it, read and written field by field with `Reflect`.
//! serde (with serde-wasm-bindgen) did this for ~10 KB gzip of wasm; these few shapes do not need
//! it. The names are the wire contract's (`shared::wire`, `shared::form`), checked against serde
//! in the shared crate's tests.

use crate::chat::Entry;
use js_sys::{Array, Object, Reflect, JSON};
use porthole_shared::{
    AuthorKind, FieldCode, FieldErrors, FieldKind, Limits, PartsUpload, PublicField, Submission,
    UploadMeta, WidgetConfig,
};
use wasm_bindgen::{JsCast, JsValue};

pub fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

pub fn string(o: &JsValue, key: &str) -> Option<String> {
    get(o, key).as_string()
}

/// `[a, b…]`. (`Array.of` is one more import in the glue for each count of items.)
pub fn array(items: &[&JsValue]) -> Array {
    let a = Array::new();
    for item in items {
        a.push(item);
    }
    a
}

pub fn set(o: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(o, &key.into(), value);
}

fn entries(o: &JsValue) -> Vec<(String, JsValue)> {
    if !o.is_object() {
        return Vec::new();
    }
    Object::entries(o.unchecked_ref())
        .iter()
        .filter_map(|e| {
            let pair: Array = e.unchecked_into();
            Some((pair.get(0).as_string()?, pair.get(1)))
        })
        .collect()
}

pub fn list(o: &JsValue, key: &str) -> Vec<JsValue> {
    get(o, key)
        .dyn_into::<Array>()
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

/// A map by inserts: `collect` would build it by sorting, one sort function per map type in the
/// wasm (kilobytes each).
pub fn map<V>(items: impl Iterator<Item = (String, V)>) -> std::collections::BTreeMap<String, V> {
    let mut map = std::collections::BTreeMap::new();
    for (k, v) in items {
        map.insert(k, v);
    }
    map
}

/// `GET /v1/sites/{site}/config`.
pub fn widget_config(v: &JsValue) -> Option<WidgetConfig> {
    let limits = get(v, "limits");
    let defaults = Limits::default();
    Some(WidgetConfig {
        locale: string(v, "locale")?,
        dir: string(v, "dir")?,
        strings: map(entries(&get(v, "strings"))
            .into_iter()
            .filter_map(|(k, v)| Some((k, v.as_string()?)))),
        accent: string(v, "accent"),
        on_accent: string(v, "on_accent"),
        position: string(v, "position"),
        fields: list(v, "fields")
            .iter()
            .filter_map(|f| {
                Some(PublicField {
                    key: string(f, "key")?,
                    label: string(f, "label")?,
                    kind: FieldKind::parse(&string(f, "kind")?)?,
                    required: get(f, "required").is_truthy(),
                    options: list(f, "options")
                        .iter()
                        .filter_map(JsValue::as_string)
                        .collect(),
                })
            })
            .collect(),
        // The site sets the file limits; the rest are the contract's own.
        limits: Limits {
            file_bytes: get(&limits, "file_bytes")
                .as_f64()
                .map_or(defaults.file_bytes, |n| n as u64),
            files: get(&limits, "files")
                .as_f64()
                .map_or(defaults.files, |n| n as usize),
            file_types: list(&limits, "file_types")
                .iter()
                .filter_map(JsValue::as_string)
                .collect(),
            ..defaults
        },
    })
}

/// `{"error": {"message", "fields"?}}`: the message, and why each field was refused.
pub fn error_body(v: &JsValue) -> Option<(String, Option<FieldErrors>)> {
    let error = get(v, "error");
    let message = string(&error, "message")?;
    let fields = get(&error, "fields");
    let fields = fields.is_object().then(|| {
        map(entries(&fields)
            .into_iter()
            .filter_map(|(k, v)| Some((k, FieldCode::parse(&v.as_string()?)?))))
    });
    Some((message, fields))
}

/// `POST /v1/conversations/{id}/messages`, as JSON text.
pub fn follow_up(message: &str, attachments: &[String]) -> Option<String> {
    let o = Object::new();
    set(&o, "message", &message.into());
    let ids = Array::new();
    for id in attachments {
        ids.push(&id.into());
    }
    set(&o, "attachments", &ids);
    JSON::stringify(&o).ok()?.as_string()
}

/// A frame of the live thread, or an answer of `GET …/messages` (it has a `state`): its messages
/// (`shared::ThreadMessage`) that have a `seq`, an `id` and an author. That the conversation is
/// closed, the thread's own note says.
pub fn thread(v: &JsValue) -> Option<Vec<Entry>> {
    string(v, "state")?;
    let mut messages = Vec::new();
    for m in list(v, "messages") {
        if let Some(m) = thread_entry(m) {
            messages.push(m);
        }
    }
    Some(messages)
}

fn thread_entry(m: JsValue) -> Option<Entry> {
    let author = match string(&m, "author")?.as_str() {
        "visitor" => AuthorKind::Visitor,
        "agent" => AuthorKind::Agent,
        _ => AuthorKind::System,
    };
    Some(Entry {
        seq: get(&m, "seq").as_f64()? as u64,
        id: string(&m, "id")?,
        author,
        message: m,
    })
}

/// `POST /v1/sites/{site}/multipart`, as JSON text.
pub fn upload_meta(m: &UploadMeta) -> Option<String> {
    let o = Object::new();
    set(&o, "name", &m.name.as_str().into());
    set(&o, "size", &(m.size as f64).into());
    set(&o, "content_type", &m.content_type.as_str().into());
    js_sys::JSON::stringify(&o).ok().map(String::from)
}

/// `PartsUpload`: a file being sent in parts.
pub fn parts_upload(v: &JsValue) -> Option<PartsUpload> {
    let number = |key| Some(get(v, key).as_f64()? as u64);
    let done = list(v, "done")
        .iter()
        .filter_map(|n| Some(n.as_f64()? as u64))
        .collect();
    Some(PartsUpload {
        id: string(v, "id")?,
        part_bytes: number("part_bytes")?,
        parts: number("parts")?,
        done,
    })
}

/// `POST /v1/sites/{site}/conversations`, as JSON text.
pub fn submission(s: &Submission) -> Option<String> {
    let o = Object::new();
    for (key, value) in [
        ("name", &s.name),
        ("email", &s.email),
        ("subject", &s.subject),
        ("message", &s.message),
    ] {
        set(&o, key, &value.into());
    }
    let fields = Object::new();
    for (k, v) in &s.fields {
        set(&fields, k, &v.into());
    }
    set(&o, "fields", &fields);
    set(
        &o,
        "attachments",
        &s.attachments.iter().map(JsValue::from).collect::<Array>(),
    );
    for (key, value) in [("page_url", &s.page_url), ("locale", &s.locale)] {
        if let Some(v) = value {
            set(&o, key, &v.into());
        }
    }
    if let Some(signature) = &s.identity {
        set(&o, "identity", &signature.into());
    }
    if !s.honeypot.is_empty() {
        set(&o, "honeypot", &s.honeypot.as_str().into());
    }
    js_sys::JSON::stringify(&o).ok().map(String::from)
}
