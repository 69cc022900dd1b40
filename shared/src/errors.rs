//! The one error shape every endpoint answers with, and its stable machine codes.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Stable, machine-readable error codes. Clients branch on these, never on messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    MalformedJson,
    InvalidIdempotencyKey,
    IdempotencyKeyReused,
    UnsupportedMediaType,
    LengthRequired,
    SiteNotFound,
    OriginNotAllowed,
    ValidationFailed,
    FileTooLarge,
    UnknownAttachment,
    Unauthorized,
    /// A signed file link that was altered or has expired.
    InvalidLink,
    NotFound,
    MethodNotAllowed,
    NotRetryable,
    /// Too many messages from one visitor; `Retry-After` says when to try again.
    RateLimited,
    /// A part of a file sent in parts whose length is not the one its number must have.
    InvalidPart,
    /// A file sent in parts was completed before all its parts arrived.
    PartsMissing,
    /// A live connection asked for without a WebSocket upgrade.
    UpgradeRequired,
    /// An agent's action on a conversation whose site delivers into a helpdesk: it is answered
    /// there.
    AnsweredInHelpdesk,
    Internal,
}

impl ErrorCode {
    /// The HTTP status each code is answered with: the one place that mapping lives.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::MalformedJson
            | ErrorCode::InvalidIdempotencyKey
            | ErrorCode::InvalidPart => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::OriginNotAllowed | ErrorCode::InvalidLink => 403,
            ErrorCode::SiteNotFound | ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::IdempotencyKeyReused
            | ErrorCode::NotRetryable
            | ErrorCode::PartsMissing
            | ErrorCode::AnsweredInHelpdesk => 409,
            ErrorCode::LengthRequired => 411,
            ErrorCode::FileTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::ValidationFailed | ErrorCode::UnknownAttachment => 422,
            ErrorCode::UpgradeRequired => 426,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal => 500,
        }
    }
}

/// Why one field was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldCode {
    Required,
    TooLong,
    TooMany,
    TooLarge,
    Empty,
    InvalidEmail,
    InvalidUrl,
    InvalidValue,
    InvalidName,
    TypeNotAllowed,
    Duplicate,
    Unknown,
}

impl FieldCode {
    pub const ALL: [FieldCode; 12] = [
        FieldCode::Required,
        FieldCode::TooLong,
        FieldCode::TooMany,
        FieldCode::TooLarge,
        FieldCode::Empty,
        FieldCode::InvalidEmail,
        FieldCode::InvalidUrl,
        FieldCode::InvalidValue,
        FieldCode::InvalidName,
        FieldCode::TypeNotAllowed,
        FieldCode::Duplicate,
        FieldCode::Unknown,
    ];

    /// The code as it is on the wire (the same as serde's), for readers without serde.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldCode::Required => "required",
            FieldCode::TooLong => "too_long",
            FieldCode::TooMany => "too_many",
            FieldCode::TooLarge => "too_large",
            FieldCode::Empty => "empty",
            FieldCode::InvalidEmail => "invalid_email",
            FieldCode::InvalidUrl => "invalid_url",
            FieldCode::InvalidValue => "invalid_value",
            FieldCode::InvalidName => "invalid_name",
            FieldCode::TypeNotAllowed => "type_not_allowed",
            FieldCode::Duplicate => "duplicate",
            FieldCode::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<FieldCode> {
        FieldCode::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Field name → why it was refused. Custom fields are keyed `fields.<key>`.
pub type FieldErrors = BTreeMap<String, FieldCode>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<FieldErrors>,
}

/// `{"error": {"code", "message", "fields"?}}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorBody {
            error: ErrorDetail {
                code,
                message: message.into(),
                fields: None,
            },
        }
    }

    pub fn with_fields(code: ErrorCode, message: impl Into<String>, fields: FieldErrors) -> Self {
        ErrorBody {
            error: ErrorDetail {
                code,
                message: message.into(),
                fields: Some(fields),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The widget reads codes without serde: its names must be serde's.
    #[test]
    fn field_code_names_are_the_wire_names() {
        for code in FieldCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(FieldCode::parse(code.as_str()), Some(code));
        }
        assert_eq!(FieldCode::parse("nope"), None);
    }
}
