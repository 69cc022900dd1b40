//! D1 access, and only D1: every SQL statement of the edge is in this folder, one file per
//! aggregate, one small function per question or change. Callers take a [`Db`] once per request
//! or delivery attempt and hand it down; they get rows (their types are re-exported here) or, for
//! the accept transaction, a typed [`Conflict`].

pub mod conversations;
pub mod deliveries;
pub mod idempotency;
pub mod messages;
pub mod parts;
pub mod rate_limits;
pub mod steps;
pub mod tokens;
pub mod uploads;

pub use conversations::{
    ConversationRow, ConversationStatusRow, InboxConversationRow, ListFilter, NewConversation,
};
pub use deliveries::{Claim, DeliveryRow, DeliveryState, NewDelivery, Settled};
pub use idempotency::IdempotencyRow;
pub use messages::{AttachmentRow, Author, MessageRow, ThreadRow};
pub use parts::PartsUploadRow;
pub use steps::{StepRow, StepState};
pub use uploads::{UploadClaim, UploadRow};

use crate::error::Error;
use porthole_shared::DeliveryStatus;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use std::ops::Deref;
use wasm_bindgen::{JsCast, JsValue};
use worker::{D1Database, Env};

/// The D1 database (binding `DB`), looked up once and shared by everything one request or one
/// delivery attempt does.
pub struct Db(D1Database);

impl Db {
    pub fn from_env(env: &Env) -> Result<Db, Error> {
        Ok(Db(env.d1("DB")?))
    }
}

/// Another handle on the same binding: a JS reference to the one D1 object, which costs less
/// code at every drop than counting references in an `Rc` (the worker's `D1Database` is not
/// `Clone` itself).
impl Clone for Db {
    fn clone(&self) -> Db {
        Db(self.0.as_ref().clone().unchecked_into())
    }
}

impl Deref for Db {
    type Target = D1Database;

    fn deref(&self) -> &D1Database {
        &self.0
    }
}

fn s(v: &str) -> JsValue {
    JsValue::from_str(v)
}

fn opt(v: Option<&str>) -> JsValue {
    v.map(JsValue::from_str).unwrap_or(JsValue::NULL)
}

/// A whole number (a time in Unix milliseconds, a count, a size in bytes) bound as D1 has always been given it: a
/// JS number, never a BigInt.
fn int(v: i64) -> JsValue {
    JsValue::from_f64(v as f64)
}

/// A flag as D1 stores it: 1 or 0.
fn flag(v: bool) -> JsValue {
    JsValue::from_f64(if v { 1.0 } else { 0.0 })
}

/// A flag D1 stored as 1 or 0 (serde-wasm-bindgen hands it over as a number, not a bool).
fn de_flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(f64::deserialize(d)? != 0.0)
}

// A delivery's and a conversation's statuses as fixed SQL text writes them: the enum's one string
// form, never a literal of its own.
const QUEUED: &str = DeliveryStatus::Queued.as_str();
const DELIVERING: &str = DeliveryStatus::Delivering.as_str();
const DELIVERED: &str = DeliveryStatus::Delivered.as_str();
const FAILED: &str = DeliveryStatus::Failed.as_str();

fn st(v: DeliveryStatus) -> JsValue {
    s(v.as_str())
}

/// A stored status. One D1 never holds outside [`DeliveryStatus`] reads as queued, as the
/// handlers have always answered it.
fn de_status<'de, D: Deserializer<'de>>(d: D) -> Result<DeliveryStatus, D::Error> {
    let text = String::deserialize(d)?;
    Ok(DeliveryStatus::parse(&text).unwrap_or(DeliveryStatus::Queued))
}

/// `?1, ?2, …` for an `IN (…)` list starting at `first`.
pub fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// D1 binds at most 100 parameters to one statement: `IN (…)` lists go in chunks below that.
const IN_CHUNK: usize = 90;

/// The rows `sql` selects for `ids`, asked in chunks of [`IN_CHUNK`]: `sql` gets the chunk's
/// placeholders for its `IN (…)` list.
async fn select_in<T: DeserializeOwned>(
    db: &Db,
    ids: &[String],
    sql: impl Fn(&str) -> String,
) -> Result<Vec<T>, Error> {
    let mut rows = Vec::new();
    for chunk in ids.chunks(IN_CHUNK) {
        let binds: Vec<JsValue> = chunk.iter().map(|id| s(id)).collect();
        rows.extend(
            db.prepare(sql(&placeholders(1, chunk.len())))
                .bind(&binds)?
                .all()
                .await?
                .results::<T>()?,
        );
    }
    Ok(rows)
}

/// How many rows the first statement of a batch changed: whether a guarded update took effect.
fn first_changed(results: &[worker::D1Result]) -> bool {
    results
        .first()
        .and_then(|r| r.meta().ok().flatten())
        .and_then(|m| m.changes)
        .unwrap_or(0)
        > 0
}

/// Why the accept transaction (a conversation or a later message, with its files, delivery and
/// key) was not written, told apart by the constraint D1 names in its error.
#[derive(Debug)]
pub enum Conflict {
    /// Another conversation has this reference (40 random bits: rare, and worth a new one).
    ReferenceTaken(Error),
    /// A file is part of another message already, or was cleaned up meanwhile.
    AttachmentClaimed,
    /// The idempotency key is stored already: a request with it won a race, or this is a resend.
    KeyExists(Error),
    Other(Error),
}

impl Conflict {
    /// D1 reports a failed constraint as text: `UNIQUE constraint failed: conversations.reference`.
    fn of(text: &str, error: Error) -> Conflict {
        if text.contains("conversations.reference") {
            Conflict::ReferenceTaken(error)
        } else if text.contains("message_attachments") || text.contains("FOREIGN KEY") {
            Conflict::AttachmentClaimed
        } else if text.contains("idempotency_keys") {
            Conflict::KeyExists(error)
        } else {
            Conflict::Other(error)
        }
    }
}

impl From<worker::Error> for Conflict {
    fn from(e: worker::Error) -> Conflict {
        Conflict::of(&e.to_string(), e.into())
    }
}

impl From<Error> for Conflict {
    fn from(e: Error) -> Conflict {
        Conflict::Other(e)
    }
}

#[cfg(test)]
mod tests {
    use super::{Claim, Conflict, DeliveryRow, Error, InboxConversationRow, UploadClaim};
    use porthole_shared::DeliveryStatus;

    /// D1 hands rows over as JS numbers and strings; JSON's are the same shape.
    #[test]
    fn rows_read_numbers_as_integers_and_flags() {
        let claim: Claim = serde_json::from_value(serde_json::json!({
            "attempts": 3, "conversation_id": "c", "message_id": "m", "site": "demo", "follow_up": 1
        }))
        .unwrap();
        assert_eq!(claim.attempts, 3);
        assert!(claim.follow_up);
        let first: Claim = serde_json::from_value(serde_json::json!({
            "attempts": 1, "conversation_id": "c", "message_id": "m", "site": "demo", "follow_up": 0
        }))
        .unwrap();
        assert!(!first.follow_up);
        let claimed: UploadClaim =
            serde_json::from_value(serde_json::json!({"id": "u", "site": "demo", "claimed": 1}))
                .unwrap();
        assert!(claimed.claimed);
        let row: DeliveryRow = serde_json::from_value(serde_json::json!({
            "id": "d", "conversation_id": "c", "site": "demo", "connector": "inbox",
            "status": "failed", "attempts": 5, "helpdesk_ref": null, "last_error": "no",
            "notes": null, "updated_at": 1_764_626_400_123_i64, "reference": "PH-1"
        }))
        .unwrap();
        assert_eq!(row.status, DeliveryStatus::Failed);
        assert_eq!(row.attempts, 5);
        assert_eq!(row.updated_at, 1_764_626_400_123);
        let odd: DeliveryRow = serde_json::from_value(serde_json::json!({
            "id": "d", "conversation_id": "c", "site": "demo", "connector": "inbox",
            "status": "lost", "attempts": 0, "helpdesk_ref": null, "last_error": null,
            "notes": null, "updated_at": 0, "reference": "PH-1"
        }))
        .unwrap();
        assert_eq!(
            odd.status,
            DeliveryStatus::Queued,
            "as the handlers always read it"
        );
        // Through `flatten` too, as the inbox reads its conversations.
        let inbox: InboxConversationRow = serde_json::from_value(serde_json::json!({
            "id": "c", "site": "demo", "reference": "PH-1", "name": "n", "email": "e@x.io",
            "subject": "s", "fields_json": "{}", "page_url": null, "locale": null,
            "created_at": 1_764_626_400_123_i64, "verified": 1, "status": "delivering",
            "helpdesk_ref": null, "state": "closed"
        }))
        .unwrap();
        assert!(inbox.row.verified);
        assert_eq!(inbox.row.created_at, 1_764_626_400_123);
        assert_eq!(inbox.status, DeliveryStatus::Delivering);
        assert_eq!(inbox.state, porthole_shared::ConversationState::Closed);
        // A thread's rows: a note's event, a visitor message's delivery, held as 1 or 0.
        let note: super::ThreadRow = serde_json::from_value(serde_json::json!({
            "seq": 3, "id": "m", "conversation_id": "c", "author": "agent", "body": "",
            "created_at": 5, "author_name": "Dana", "event": "closed",
            "delivery_status": null, "held": 0
        }))
        .unwrap();
        assert_eq!(note.seq, 3);
        assert_eq!(
            note.message.event,
            Some(porthole_shared::ThreadEvent::Closed)
        );
        assert!(!note.held);
        let held: super::ThreadRow = serde_json::from_value(serde_json::json!({
            "seq": 1, "id": "m", "conversation_id": "c", "author": "visitor", "body": "hi",
            "created_at": 5, "author_name": null, "event": null,
            "delivery_status": "failed", "held": 1
        }))
        .unwrap();
        assert!(held.held);
        assert_eq!(held.delivery_status.as_deref(), Some("failed"));
    }

    #[test]
    fn placeholders_number_from_first() {
        assert_eq!(super::placeholders(1, 3), "?1, ?2, ?3");
        assert_eq!(super::placeholders(2, 1), "?2");
        assert_eq!(super::placeholders(1, 0), "");
    }

    #[test]
    fn conflicts_by_the_constraint_d1_names() {
        let of = |text: &str| Conflict::of(text, Error::Internal(text.into()));
        assert!(matches!(
            of("D1_ERROR: UNIQUE constraint failed: conversations.reference: SQLITE_CONSTRAINT"),
            Conflict::ReferenceTaken(_)
        ));
        assert!(matches!(
            of("D1_ERROR: UNIQUE constraint failed: message_attachments.upload_id"),
            Conflict::AttachmentClaimed
        ));
        assert!(matches!(
            of("D1_ERROR: FOREIGN KEY constraint failed"),
            Conflict::AttachmentClaimed
        ));
        assert!(matches!(
            of("D1_ERROR: UNIQUE constraint failed: idempotency_keys.site, idempotency_keys.key"),
            Conflict::KeyExists(_)
        ));
        assert!(matches!(of("D1_ERROR: network"), Conflict::Other(_)));
    }
}
