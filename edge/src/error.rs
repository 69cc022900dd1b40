//! The edge's one error type, and its mapping to HTTP.

use porthole_shared::{ErrorBody, ErrorCode, FieldCode, FieldErrors};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("The request body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("Idempotency-Key must be 1 to 255 visible ASCII characters; a UUID is best.")]
    InvalidIdempotencyKey,
    #[error("This Idempotency-Key was already used for a different submission.")]
    IdempotencyKeyReused,
    #[error("Send this request with Content-Type: {0}.")]
    UnsupportedMediaType(&'static str),
    #[error("Send a Content-Length header with the file's size.")]
    LengthRequired,
    #[error("The request body is larger than {0} bytes.")]
    BodyTooLarge(u64),
    #[error("There is no site `{0}`.")]
    SiteNotFound(String),
    #[error("This page's origin is not allowed to use this site.")]
    OriginNotAllowed,
    #[error("Some fields need attention.")]
    Validation(FieldErrors),
    #[error("The file is larger than this site's limit of {0} bytes.")]
    FileTooLarge(u64),
    #[error(
        "An attachment is unknown, belongs to another site, or is already part of a conversation."
    )]
    UnknownAttachment,
    #[error("A valid operator token is required.")]
    Unauthorized,
    #[error("Not found.")]
    NotFound,
    #[error("Only a failed delivery can be retried; this one is {}.", .0.as_str())]
    NotRetryable(porthole_shared::DeliveryStatus),
    #[error("This file link is altered or has expired.")]
    InvalidLink,
    #[error("This method is not allowed here.")]
    MethodNotAllowed,
    #[error("Part {number} of this file must be exactly {expected} bytes.")]
    InvalidPart { number: u64, expected: u64 },
    #[error("Parts {0:?} of this file have not arrived; send them, then complete.")]
    PartsMissing(Vec<u64>),
    /// Seconds until the visitor may send again.
    #[error("Too many messages from here; try again in {0} seconds.")]
    RateLimited(u32),
    #[error("Connect with a WebSocket (Upgrade: websocket), offering the `porthole.v1` protocol and the visitor token.")]
    UpgradeRequired,
    #[error("This conversation's site delivers into {0}: answer it there.")]
    AnsweredInHelpdesk(&'static str),
    /// Details are logged, never sent.
    #[error("{0}")]
    Internal(String),
}

impl From<worker::Error> for Error {
    fn from(e: worker::Error) -> Self {
        Error::Internal(e.to_string())
    }
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::MalformedJson(_) => ErrorCode::MalformedJson,
            Error::InvalidIdempotencyKey => ErrorCode::InvalidIdempotencyKey,
            Error::IdempotencyKeyReused => ErrorCode::IdempotencyKeyReused,
            Error::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
            Error::LengthRequired => ErrorCode::LengthRequired,
            Error::BodyTooLarge(_) | Error::FileTooLarge(_) => ErrorCode::FileTooLarge,
            Error::SiteNotFound(_) => ErrorCode::SiteNotFound,
            Error::OriginNotAllowed => ErrorCode::OriginNotAllowed,
            Error::Validation(_) => ErrorCode::ValidationFailed,
            Error::UnknownAttachment => ErrorCode::UnknownAttachment,
            Error::Unauthorized => ErrorCode::Unauthorized,
            Error::NotFound => ErrorCode::NotFound,
            Error::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            Error::InvalidLink => ErrorCode::InvalidLink,
            Error::NotRetryable(_) => ErrorCode::NotRetryable,
            Error::RateLimited(_) => ErrorCode::RateLimited,
            Error::InvalidPart { .. } => ErrorCode::InvalidPart,
            Error::PartsMissing(_) => ErrorCode::PartsMissing,
            Error::UpgradeRequired => ErrorCode::UpgradeRequired,
            Error::AnsweredInHelpdesk(_) => ErrorCode::AnsweredInHelpdesk,
            Error::Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn status(&self) -> u16 {
        self.code().status()
    }

    /// The JSON a client sees. Internal errors say only that something went wrong.
    pub fn body(&self) -> ErrorBody {
        match self {
            Error::Internal(_) => ErrorBody::new(
                ErrorCode::Internal,
                "Something went wrong on our side. Please try again.",
            ),
            Error::Validation(fields) => {
                ErrorBody::with_fields(self.code(), self.to_string(), fields.clone())
            }
            Error::UnknownAttachment => ErrorBody::with_fields(
                self.code(),
                self.to_string(),
                FieldErrors::from([("attachments".to_string(), FieldCode::Unknown)]),
            ),
            Error::FileTooLarge(_) => ErrorBody::with_fields(
                self.code(),
                self.to_string(),
                FieldErrors::from([("file".to_string(), FieldCode::TooLarge)]),
            ),
            _ => ErrorBody::new(self.code(), self.to_string()),
        }
    }

    /// An upload's field errors: too large is 413, anything else 422.
    pub fn from_upload_errors(fields: FieldErrors, limit: u64) -> Error {
        if fields.get("file") == Some(&FieldCode::TooLarge) {
            Error::FileTooLarge(limit)
        } else {
            Error::Validation(fields)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(Error::MalformedJson("x".into()).status(), 400);
        assert_eq!(
            Error::UnsupportedMediaType("application/json").status(),
            415
        );
        assert_eq!(Error::SiteNotFound("x".into()).status(), 404);
        assert_eq!(Error::OriginNotAllowed.status(), 403);
        assert_eq!(Error::Validation(FieldErrors::new()).status(), 422);
        assert_eq!(Error::FileTooLarge(1).status(), 413);
        assert_eq!(Error::UnknownAttachment.status(), 422);
        assert_eq!(Error::Unauthorized.status(), 401);
        assert_eq!(Error::RateLimited(60).status(), 429);
    }

    #[test]
    fn internal_details_stay_inside() {
        let body = Error::Internal("D1_ERROR: secret table name".into()).body();
        assert!(!body.error.message.contains("D1"));
        assert_eq!(body.error.code, ErrorCode::Internal);
    }

    #[test]
    fn upload_errors_pick_413_only_for_size() {
        let too_big = FieldErrors::from([("file".to_string(), FieldCode::TooLarge)]);
        assert_eq!(Error::from_upload_errors(too_big, 10).status(), 413);
        let bad_type = FieldErrors::from([("content_type".to_string(), FieldCode::TypeNotAllowed)]);
        assert_eq!(Error::from_upload_errors(bad_type, 10).status(), 422);
    }
}
