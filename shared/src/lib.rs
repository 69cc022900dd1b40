//! Porthole's wire contract, v1.
//!
//! Every type that crosses the wire between the widget and the edge, every limit and every
//! validation rule lives here, so the widget never accepts what the edge would refuse.
//! No I/O: this crate builds for wasm32 and native alike.

pub mod config;
pub mod errors;
pub mod form;
pub mod limits;
pub mod locales;
pub mod thread;
pub mod validate;
pub mod wire;

pub use errors::{ErrorBody, ErrorCode, ErrorDetail, FieldCode, FieldErrors};
pub use form::{validate_custom_fields, FieldKind, PublicField, WidgetConfig};
pub use limits::Limits;
pub use thread::{
    AgentAction, AgentReply, AuthorKind, ConversationState, Thread, ThreadEvent, ThreadFile,
    ThreadMessage,
};
pub use validate::{
    agent_name, validate_agent_reply, validate_follow_up, validate_submission, validate_upload,
    UploadMeta,
};
pub use wire::{
    Attachment, ConversationAccepted, ConversationStatus, DeliveryList, DeliveryRecord,
    DeliveryStatus, FollowUp, InboxConversation, InboxMessage, InboxPage, MessageAccepted,
    PartsUpload, StepResolution, Submission, UploadResult,
};
