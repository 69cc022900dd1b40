//! Limits on what a visitor may send. Sites may tighten the file limits in their configuration.

use serde::{Deserialize, Serialize};

/// A Worker's request body is capped at 100 MB; one upload request must stay below it.
pub const MAX_SINGLE_REQUEST_BYTES: u64 = 100 * 1000 * 1000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub name_chars: usize,
    pub email_chars: usize,
    pub subject_chars: usize,
    pub message_chars: usize,
    pub custom_fields: usize,
    pub field_key_chars: usize,
    pub field_value_chars: usize,
    pub page_url_chars: usize,
    pub locale_chars: usize,
    pub file_bytes: u64,
    pub files: usize,
    pub filename_chars: usize,
    /// Accepted content types: exact (`application/pdf`) or by family (`image/*`).
    /// Empty means every type.
    pub file_types: Vec<String>,
    /// Messages (first ones and later ones) one visitor may send a site in a clock hour.
    pub messages_per_hour: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            name_chars: 100,
            email_chars: 254,
            subject_chars: 200,
            message_chars: 20_000,
            custom_fields: 30,
            field_key_chars: 64,
            field_value_chars: 2_000,
            page_url_chars: 2_048,
            locale_chars: 35,
            file_bytes: 25 * 1024 * 1024,
            files: 10,
            filename_chars: 255,
            file_types: Vec::new(),
            messages_per_hour: 20,
        }
    }
}

impl Limits {
    /// Whether `content_type` (parameters ignored) is one this site accepts.
    pub fn allows_type(&self, content_type: &str) -> bool {
        if self.file_types.is_empty() {
            return true;
        }
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        self.file_types.iter().any(|allowed| {
            let allowed = allowed.to_ascii_lowercase();
            match allowed.strip_suffix("/*") {
                Some(family) => essence.split('/').next() == Some(family),
                None => essence == allowed,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_families_and_exact_types() {
        let limits = Limits {
            file_types: vec!["image/*".into(), "application/pdf".into()],
            ..Limits::default()
        };
        assert!(limits.allows_type("image/png"));
        assert!(limits.allows_type("IMAGE/JPEG; charset=binary"));
        assert!(limits.allows_type("application/pdf"));
        assert!(!limits.allows_type("application/zip"));
        assert!(!limits.allows_type("imagex/png"));
        assert!(Limits::default().allows_type("application/zip"));
    }
}
