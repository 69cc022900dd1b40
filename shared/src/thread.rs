//! A conversation as both sides read it: its thread of messages in order, whoever wrote them.
//! The visitor reads it with its visitor token (`GET /v1/conversations/{id}/messages?after=`, and
//! live over `GET /v1/conversations/{id}/live`, a WebSocket that sends the same [`Thread`]
//! frames); the operator through the inbox API, where agents also write.

use crate::wire::DeliveryStatus;
use serde::{Deserialize, Serialize};

/// Who wrote an entry of the thread. `System` entries are notes such as "closed": their
/// [`ThreadMessage::event`] says which, their name who caused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthorKind {
    Visitor,
    Agent,
    System,
}

/// What a system note records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThreadEvent {
    /// An agent closed the conversation.
    Closed,
    /// It was open again: an agent reopened it, or the visitor wrote after it was closed.
    Reopened,
}

impl ThreadEvent {
    pub const ALL: [ThreadEvent; 2] = [ThreadEvent::Closed, ThreadEvent::Reopened];

    /// Its one string form: on the wire and in D1.
    pub const fn as_str(self) -> &'static str {
        match self {
            ThreadEvent::Closed => "closed",
            ThreadEvent::Reopened => "reopened",
        }
    }

    pub fn parse(s: &str) -> Option<ThreadEvent> {
        ThreadEvent::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// A conversation's lifecycle, apart from the delivery of each of its messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConversationState {
    #[default]
    Open,
    Closed,
}

impl ConversationState {
    pub const ALL: [ConversationState; 2] = [ConversationState::Open, ConversationState::Closed];

    pub const fn as_str(self) -> &'static str {
        match self {
            ConversationState::Open => "open",
            ConversationState::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<ConversationState> {
        ConversationState::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// One entry of the thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadMessage {
    /// Its place in the conversation: 1 for the first message, one more for each after it.
    pub seq: u64,
    pub id: String,
    pub author: AuthorKind,
    /// An agent's display name (never an email); for a note, who caused it. None for the visitor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<ThreadEvent>,
    /// Unix time in milliseconds.
    pub created_at: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<ThreadFile>,
    /// A visitor's message: its delivery into the helpdesk (a held one reads as queued).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<DeliveryStatus>,
    /// A visitor's later message: the Idempotency-Key it was sent with, so the widget that sent
    /// it recognises it before its own request's answer arrives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// A file of a message, as the reader may fetch it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadFile {
    pub id: String,
    pub name: String,
    pub size: u64,
    pub content_type: String,
    /// Path on the edge: for the visitor a signed link that expires, for the operator the
    /// inbox's download (operator token required).
    pub url: String,
}

/// The thread after a sequence number: an answer of `GET …/messages?after=` and a frame of the
/// live socket. `more` says the page was full: ask again after its last `seq`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thread {
    pub conversation_id: String,
    pub state: ConversationState,
    pub messages: Vec<ThreadMessage>,
    #[serde(default)]
    pub more: bool,
}

/// `POST /v1/inbox/conversations/{id}/messages`: an agent's reply, shown to the visitor live.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentReply {
    /// The name the visitor sees, e.g. "Dana from Acme".
    #[serde(default)]
    pub author_name: String,
    #[serde(default)]
    pub body: String,
    /// Ids of files uploaded to the conversation's site beforehand.
    #[serde(default)]
    pub attachments: Vec<String>,
}

/// `POST /v1/inbox/conversations/{id}/close` and `…/reopen`: who did it (shown in the note).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentAction {
    #[serde(default)]
    pub author_name: String,
}

/// The most characters of an agent's display name.
pub const AGENT_NAME_CHARS: usize = 80;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_have_one_string_form() {
        for e in ThreadEvent::ALL {
            assert_eq!(ThreadEvent::parse(e.as_str()), Some(e));
            assert_eq!(serde_json::to_value(e).unwrap(), e.as_str());
        }
        for s in ConversationState::ALL {
            assert_eq!(ConversationState::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(serde_json::to_value(AuthorKind::System).unwrap(), "system");
    }

    #[test]
    fn a_visitor_message_leaves_out_what_it_has_not() {
        let m = ThreadMessage {
            seq: 1,
            id: "m".into(),
            author: AuthorKind::Visitor,
            name: None,
            body: "hi".into(),
            event: None,
            created_at: 5,
            files: vec![],
            status: Some(DeliveryStatus::Queued),
            key: None,
        };
        assert_eq!(
            serde_json::to_value(&m).unwrap(),
            serde_json::json!({"seq": 1, "id": "m", "author": "visitor", "body": "hi", "created_at": 5, "status": "queued"})
        );
    }
}
