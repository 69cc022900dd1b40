//! Limits on what a visitor may send. Sites may tighten the file limits in their configuration.

use serde::{Deserialize, Serialize};

/// A Worker's request body is capped at 100 MB; one upload request must stay below it.
pub const MAX_SINGLE_REQUEST_BYTES: u64 = 100 * 1000 * 1000;

/// The largest file a site may accept (`limits.max_file_bytes`); sent in parts, see [`in_parts`].
pub const MAX_FILE_BYTES: u64 = 5 * 1024 * 1024 * 1024;

/// The size of every part of a file sent in parts but its last. R2 wants parts of one size, and
/// at least 5 MiB; a dropped connection costs at most one part.
pub const PART_BYTES: u64 = 8 * 1024 * 1024;

/// Whether a file of `size` bytes goes through R2 multipart upload (resumable, part by part)
/// rather than in one request.
pub fn in_parts(size: u64) -> bool {
    size > PART_BYTES
}

/// How many parts a file of `size` bytes is sent in.
pub fn part_count(size: u64) -> u64 {
    size.div_ceil(PART_BYTES)
}

/// The byte length part `number` (from 1) of a file of `size` bytes must have; `None` when the
/// file has no such part.
pub fn part_len(size: u64, number: u64) -> Option<u64> {
    if number == 0 || number > part_count(size) {
        return None;
    }
    Some((size - (number - 1) * PART_BYTES).min(PART_BYTES))
}

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
    fn parts_cover_the_file_exactly() {
        assert!(!in_parts(PART_BYTES));
        assert!(in_parts(PART_BYTES + 1));
        let size = 105_000_000;
        let count = part_count(size);
        assert_eq!(count, 13);
        let lens: Vec<u64> = (1..=count).map(|n| part_len(size, n).unwrap()).collect();
        assert_eq!(lens.iter().sum::<u64>(), size);
        assert!(lens[..12].iter().all(|&l| l == PART_BYTES));
        assert_eq!(part_len(size, 0), None);
        assert_eq!(part_len(size, 14), None);
        assert_eq!(part_len(2 * PART_BYTES, 2), Some(PART_BYTES));
        // Within R2's 10,000 parts even at the largest file allowed.
        assert!(part_count(MAX_FILE_BYTES) <= 10_000);
    }

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
