//! Structured log lines: one JSON object per event. Never message bodies or secrets.

use serde_json::{json, Value};

pub fn event(name: &str, mut fields: Value) {
    if let Value::Object(map) = &mut fields {
        map.insert("event".into(), json!(name));
    }
    worker::console_log!("{}", fields);
}

pub fn error(name: &str, detail: &str) {
    worker::console_error!(
        "{}",
        json!({"event": name, "level": "error", "detail": detail})
    );
}
