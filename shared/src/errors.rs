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
    Internal,
}

impl ErrorCode {
    /// The HTTP status each code is answered with: the one place that mapping lives.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::MalformedJson | ErrorCode::InvalidIdempotencyKey => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::OriginNotAllowed | ErrorCode::InvalidLink => 403,
            ErrorCode::SiteNotFound | ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::IdempotencyKeyReused | ErrorCode::NotRetryable => 409,
            ErrorCode::LengthRequired => 411,
            ErrorCode::FileTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::ValidationFailed | ErrorCode::UnknownAttachment => 422,
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
