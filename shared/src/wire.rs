//! Request and answer bodies of the v1 HTTP API.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `POST /v1/sites/{site}/conversations`: what a visitor sends.
///
/// Every field defaults when absent so that a missing field is reported as `required` by
/// validation (422) rather than as malformed JSON (400).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub message: String,
    /// The site's custom fields, by key.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Ids of files uploaded beforehand with `POST /v1/sites/{site}/uploads`.
    #[serde(default)]
    pub attachments: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// A field hidden from people that form-filling bots fill in. A submission with it is kept,
    /// but held for an operator instead of delivered.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub honeypot: String,
    /// The site's signature of `email` (lowercase hex HMAC-SHA256 with the site's identity key),
    /// from `Porthole('identify')`: the edge then marks the email as verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
}

impl Submission {
    /// The form as both sides store and check it: surrounding white space is not content.
    pub fn normalized(mut self) -> Self {
        fn trim(s: &mut String) {
            let t = s.trim();
            if t.len() != s.len() {
                *s = t.to_string();
            }
        }
        trim(&mut self.name);
        trim(&mut self.email);
        trim(&mut self.subject);
        trim(&mut self.message);
        for value in self.fields.values_mut() {
            trim(value);
        }
        for opt in [&mut self.page_url, &mut self.locale] {
            if let Some(s) = opt {
                trim(s);
                if s.is_empty() {
                    *opt = None;
                }
            }
        }
        self
    }
}

/// `POST /v1/conversations/{id}/messages`: a visitor's later message in its conversation, sent with
/// the conversation's visitor token.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    #[serde(default)]
    pub message: String,
    /// Ids of files uploaded beforehand to the conversation's site.
    #[serde(default)]
    pub attachments: Vec<String>,
}

impl FollowUp {
    pub fn normalized(mut self) -> Self {
        let trimmed = self.message.trim();
        if trimmed.len() != self.message.len() {
            self.message = trimmed.to_string();
        }
        self
    }
}

/// `202` answer of `POST /v1/conversations/{id}/messages`: stored, and queued for delivery into
/// the conversation in the helpdesk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageAccepted {
    pub id: String,
    pub conversation_id: String,
    pub status: DeliveryStatus,
}

/// `201` answer of `POST /v1/sites/{site}/uploads`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadResult {
    pub id: String,
    pub name: String,
    pub size: u64,
    pub content_type: String,
}

/// A file being sent in parts: the answer of `POST /v1/sites/{site}/multipart` (which takes the
/// file's [`crate::UploadMeta`]) and of `GET /v1/sites/{site}/multipart/{id}`, which a visitor
/// asks after a dropped connection to learn which parts arrived. Each part is then
/// `PUT …/multipart/{id}/parts/{n}` (numbered from 1, every one `part_bytes` long but the last),
/// and `POST …/multipart/{id}/complete` answers the stored file's [`UploadResult`], whose id
/// is this `id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartsUpload {
    pub id: String,
    pub part_bytes: u64,
    pub parts: u64,
    /// Parts stored so far, in order.
    pub done: Vec<u64>,
}

/// Where a conversation stands on its way into the site's helpdesk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Queued,
    Delivering,
    Delivered,
    Failed,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 4] = [
        DeliveryStatus::Queued,
        DeliveryStatus::Delivering,
        DeliveryStatus::Delivered,
        DeliveryStatus::Failed,
    ];

    /// Its one string form: on the wire (serde's names are the same), in D1 and in queries.
    pub const fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Delivering => "delivering",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        DeliveryStatus::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// `202` answer of `POST /v1/sites/{site}/conversations`: stored, and queued for delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationAccepted {
    pub id: String,
    /// Short and human-friendly: what a visitor quotes to support.
    pub reference: String,
    pub status: DeliveryStatus,
    /// `GET` it with `Authorization: Bearer {visitor_token}`.
    pub status_url: String,
    /// Signed and expiring: lets this visitor, and only this visitor, read this conversation.
    pub visitor_token: String,
}

/// `GET /v1/conversations/{id}/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationStatus {
    pub id: String,
    pub reference: String,
    pub status: DeliveryStatus,
    /// The helpdesk's own id or number for the conversation, once delivered.
    pub helpdesk_reference: Option<String>,
}

/// Optional body of `POST /v1/admin/deliveries/{id}/retry`: what an operator found in the
/// helpdesk about a step whose answer was lost and which Porthole cannot look up itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepResolution {
    /// The step, as the delivery's error names it (e.g. `ticket`).
    pub step: String,
    /// What the helpdesk made of it (e.g. the ticket's id), or `null`: it did not happen, so the
    /// step runs again.
    pub created: Option<String>,
}

/// A delivery as operators see it (`GET /v1/admin/deliveries`, `cargo xtask deliveries`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRecord {
    pub id: String,
    pub conversation_id: String,
    pub reference: String,
    pub site: String,
    pub connector: String,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub helpdesk_reference: Option<String>,
    /// The helpdesk's reason for the last failure, in its words.
    pub last_error: Option<String>,
    /// Files the helpdesk could not take, and why.
    pub notes: Vec<String>,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryList {
    pub deliveries: Vec<DeliveryRecord>,
}

/// A stored file as the operator's inbox lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: String,
    pub name: String,
    pub size: u64,
    pub content_type: String,
    /// Hex SHA-256 of the bytes, computed by the edge while streaming them into storage.
    pub sha256: Option<String>,
    /// Path of the bytes on the edge (operator token required).
    pub download_path: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxMessage {
    pub id: String,
    /// `visitor`, `agent`, or `system` for a note (its `event` says which).
    pub author: String,
    /// An agent's display name; for a note, who caused it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<crate::ThreadEvent>,
    pub body: String,
    /// Unix time in milliseconds.
    pub created_at: i64,
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxConversation {
    pub id: String,
    pub reference: String,
    pub site: String,
    pub name: String,
    pub email: String,
    pub subject: String,
    pub fields: BTreeMap<String, String>,
    pub page_url: Option<String>,
    pub locale: Option<String>,
    pub created_at: i64,
    /// The site vouched for the email (`Porthole('identify')`).
    #[serde(default)]
    pub verified: bool,
    pub status: DeliveryStatus,
    /// Open, or closed by an agent (apart from the delivery `status`).
    #[serde(default)]
    pub state: crate::ConversationState,
    pub helpdesk_reference: Option<String>,
    pub messages: Vec<InboxMessage>,
}

/// `GET /v1/inbox/conversations?site=&state=&cursor=&limit=`, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxPage {
    pub conversations: Vec<InboxConversation>,
    /// Pass as `cursor` for the page after this one; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_status_has_one_string_form() {
        for status in DeliveryStatus::ALL {
            assert_eq!(DeliveryStatus::parse(status.as_str()), Some(status));
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                serde_json::Value::String(status.as_str().into())
            );
            let back: DeliveryStatus =
                serde_json::from_value(serde_json::Value::String(status.as_str().into())).unwrap();
            assert_eq!(back, status);
        }
        assert_eq!(DeliveryStatus::parse("held"), None);
        assert_eq!(DeliveryStatus::parse("Failed"), None);
    }

    /// The widget reads and writes these by name, without serde (`widget/src/js.rs`).
    #[test]
    fn upload_in_parts_names_are_the_wire_names() {
        let session = serde_json::to_value(PartsUpload {
            id: "u1".into(),
            part_bytes: 8,
            parts: 2,
            done: vec![1],
        })
        .unwrap();
        assert_eq!(
            session,
            serde_json::json!({"id": "u1", "part_bytes": 8, "parts": 2, "done": [1]})
        );
        let meta: crate::UploadMeta = serde_json::from_value(
            serde_json::json!({"name": "a.mp4", "size": 9, "content_type": "video/mp4"}),
        )
        .unwrap();
        assert_eq!(meta.size, 9);
    }
}
