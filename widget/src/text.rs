//! Every string the visitor reads comes from the catalog the edge sent for the visitor's language
//! (`shared/locales/*.ftl`, with the site's own copy), read through [`Text`].

use leptos::prelude::*;
use porthole_shared::{FieldCode, WidgetConfig};

/// The catalog, reactive: a `setLocale` redraws every string.
#[derive(Clone, Copy)]
pub struct Text(pub RwSignal<WidgetConfig>);

impl Text {
    pub fn get(self, id: &str) -> String {
        self.0
            .with(|c| c.strings.get(id).cloned().unwrap_or_default())
    }

    /// The message with its `{name}` placeholders filled in.
    pub fn fill(self, id: &str, values: &[(&str, &str)]) -> String {
        values.iter().fold(self.get(id), |text, (name, value)| {
            text.replace(&format!("{{{name}}}"), value)
        })
    }

    pub fn field_error(self, code: FieldCode) -> String {
        self.get(match code {
            FieldCode::Required => "error-required",
            FieldCode::TooLong => "error-too-long",
            FieldCode::TooMany => "error-too-many",
            FieldCode::TooLarge => "error-too-large",
            FieldCode::Empty => "error-empty",
            FieldCode::InvalidEmail => "error-invalid-email",
            FieldCode::InvalidUrl => "error-invalid-url",
            FieldCode::InvalidValue | FieldCode::InvalidName => "error-invalid-value",
            FieldCode::TypeNotAllowed => "error-type-not-allowed",
            FieldCode::Duplicate => "error-duplicate",
            FieldCode::Unknown => "error-unknown",
        })
    }
}

pub fn file_size(bytes: u64) -> String {
    match bytes {
        // Tenths in integers: formatting an f64 would pull float printing into the wasm.
        b if b >= 1024 * 1024 => {
            let tenths = (b * 10).div_ceil(1024 * 1024);
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
        b if b >= 1024 => format!("{} KB", b.div_ceil(1024)),
        b => format!("{b} B"),
    }
}
