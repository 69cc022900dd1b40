//! Every string the visitor reads. One module so that a message catalog can replace it whole.

use porthole_shared::FieldCode;

pub const TITLE: &str = "Contact us";
pub const INTRO: &str = "Send us a message and we will reply by email.";
pub const NAME: &str = "Name";
pub const EMAIL: &str = "Email";
pub const SUBJECT: &str = "Subject (optional)";
pub const MESSAGE: &str = "Message";
pub const FILES: &str = "Attach files";
pub const REMOVE_FILE: &str = "Remove";
pub const SEND: &str = "Send message";
pub const SENDING: &str = "Sending…";
pub const UPLOADING: &str = "Uploading files…";
pub const SENT_TITLE: &str = "Message sent";
pub const SENT_BODY: &str = "Thank you. We will reply by email. Your reference is";
pub const NEW_MESSAGE: &str = "Send another message";
pub const FIX_FIELDS: &str = "Please check the highlighted fields.";
pub const NETWORK: &str = "We could not reach the server. Check your connection and try again.";
pub const SERVER: &str = "Something went wrong on our side. Please try again in a moment.";

pub fn field_error(code: FieldCode) -> &'static str {
    match code {
        FieldCode::Required => "This field is required.",
        FieldCode::TooLong => "This is too long.",
        FieldCode::TooMany => "There are too many of these.",
        FieldCode::TooLarge => "This file is larger than allowed.",
        FieldCode::Empty => "This file is empty.",
        FieldCode::InvalidEmail => "Enter an email address like name@example.com.",
        FieldCode::InvalidUrl => "This address is not valid.",
        FieldCode::InvalidValue | FieldCode::InvalidName => {
            "This contains characters that are not allowed."
        }
        FieldCode::TypeNotAllowed => "This type of file is not accepted.",
        FieldCode::Duplicate => "This file is attached twice.",
        FieldCode::Unknown => "A file could not be found. Please attach it again.",
    }
}

pub fn file_size(bytes: u64) -> String {
    match bytes {
        // Tenths in integers: formatting an f64 would add 10 KB of float printing to the wasm.
        b if b >= 1024 * 1024 => {
            let tenths = (b * 10).div_ceil(1024 * 1024);
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
        b if b >= 1024 => format!("{} KB", b.div_ceil(1024)),
        b => format!("{b} B"),
    }
}
