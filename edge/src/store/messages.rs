//! Messages and the files they hold, in their conversation's order (`seq`): a visitor's written
//! with its delivery (and idempotency key) in one transaction, an agent's and a note with their
//! conversation's state; read as the thread after a `seq`, and listed in the inbox.

use super::{
    de_flag, deliveries, idempotency, int, opt, s, select_in, Conflict, Db, IdempotencyRow,
    NewDelivery,
};
use crate::error::Error;
use porthole_shared::{ConversationState, ThreadEvent};
use serde::Deserialize;
use worker::D1PreparedStatement;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum Author {
    Visitor,
    Agent,
}

impl Author {
    pub const ALL: [Author; 2] = [Author::Visitor, Author::Agent];

    /// Its one string form: in D1, and in the inbox's answer.
    pub const fn as_str(self) -> &'static str {
        match self {
            Author::Visitor => "visitor",
            Author::Agent => "agent",
        }
    }

    pub fn parse(s: &str) -> Option<Author> {
        Author::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

impl TryFrom<String> for Author {
    type Error = String;

    fn try_from(s: String) -> Result<Author, String> {
        Author::parse(&s).ok_or_else(|| format!("unknown author `{s}`"))
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct MessageRow {
    pub id: String,
    pub conversation_id: String,
    pub author: Author,
    pub body: String,
    pub created_at: i64,
    /// An agent's display name; for a note, who caused it.
    #[serde(default)]
    pub author_name: Option<String>,
    /// Set for a note; its body is empty.
    #[serde(default, deserialize_with = "de_event")]
    pub event: Option<ThreadEvent>,
}

fn de_event<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<ThreadEvent>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.and_then(|e| ThreadEvent::parse(&e)))
}

#[derive(Debug, Clone, Deserialize)]
pub struct AttachmentRow {
    pub message_id: String,
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: Option<String>,
}

/// A message of a thread, with what a reader is shown of it.
#[derive(Debug, Clone, Deserialize)]
pub struct ThreadRow {
    pub seq: u64,
    #[serde(flatten)]
    pub message: MessageRow,
    /// A visitor's message's delivery, as stored (held is failed plus `held`).
    #[serde(default)]
    pub delivery_status: Option<String>,
    #[serde(default, deserialize_with = "de_flag")]
    pub held: bool,
    /// The Idempotency-Key a visitor's later message came with (kept 48 hours).
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Inserts `m` at the end of its conversation: its `seq` is one more than the last one's. D1
/// runs a batch as one transaction, one at a time, so two writers never take the same place (and
/// the unique index on `(conversation_id, seq)` would refuse it if they did).
fn insert(db: &Db, m: &MessageRow) -> Result<D1PreparedStatement, Error> {
    Ok(db
        .prepare(
            "INSERT INTO messages (id, conversation_id, author, body, created_at, author_name, event, seq) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, (SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE conversation_id = ?2))",
        )
        .bind(&[
            s(&m.id),
            s(&m.conversation_id),
            s(m.author.as_str()),
            s(&m.body),
            int(m.created_at),
            opt(m.author_name.as_deref()),
            opt(m.event.map(ThreadEvent::as_str)),
        ])?)
}

/// A message and its files, in order.
fn with_files(
    db: &Db,
    m: &MessageRow,
    attachments: &[String],
) -> Result<Vec<D1PreparedStatement>, Error> {
    let mut statements = vec![insert(db, m)?];
    for (position, upload_id) in attachments.iter().enumerate() {
        statements.push(
            db.prepare("INSERT INTO message_attachments (upload_id, message_id, position) VALUES (?1, ?2, ?3)")
                .bind(&[s(upload_id), s(&m.id), int(position as i64)])?,
        );
    }
    Ok(statements)
}

/// `note` (its event says which) and the conversation's state set to `to`, when it is not `to`
/// already: the note first in the batch, so that the state it checks is the one before.
fn change_state(
    db: &Db,
    note: &MessageRow,
    to: ConversationState,
) -> Result<[D1PreparedStatement; 2], Error> {
    let note_statement = db
        .prepare(
            "INSERT INTO messages (id, conversation_id, author, body, created_at, author_name, event, seq) \
             SELECT ?1, ?2, ?3, '', ?4, ?5, ?6, (SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE conversation_id = ?2) \
             WHERE EXISTS (SELECT 1 FROM conversations WHERE id = ?2 AND state <> ?7)",
        )
        .bind(&[
            s(&note.id),
            s(&note.conversation_id),
            s(note.author.as_str()),
            int(note.created_at),
            opt(note.author_name.as_deref()),
            opt(note.event.map(ThreadEvent::as_str)),
            s(to.as_str()),
        ])?;
    let update = db
        .prepare("UPDATE conversations SET state = ?2 WHERE id = ?1 AND state <> ?2")
        .bind(&[s(&note.conversation_id), s(to.as_str())])?;
    Ok([note_statement, update])
}

/// A visitor's later message in an existing conversation, its files and its delivery, in one
/// transaction. Writing to a closed conversation opens it again (`reopened`, a note before the
/// message).
pub async fn add(
    db: &Db,
    site: &str,
    message: &MessageRow,
    reopened: &MessageRow,
    attachments: &[String],
    delivery: &NewDelivery,
    idempotency: Option<&IdempotencyRow>,
) -> Result<(), Conflict> {
    let mut batch = Vec::from(change_state(db, reopened, ConversationState::Open)?);
    batch.extend(statements(
        db,
        site,
        message,
        attachments,
        delivery,
        true,
        idempotency,
    )?);
    db.batch(batch).await.map_err(Conflict::from)?;
    Ok(())
}

/// An agent's reply and its files, in one transaction.
pub async fn add_agent(
    db: &Db,
    message: &MessageRow,
    attachments: &[String],
) -> Result<(), Conflict> {
    db.batch(with_files(db, message, attachments)?)
        .await
        .map_err(Conflict::from)?;
    Ok(())
}

/// Closes or reopens a conversation with a note saying who did; `false` if it was `to` already
/// (then nothing is written).
pub async fn set_state(db: &Db, note: &MessageRow, to: ConversationState) -> Result<bool, Error> {
    let results = db.batch(Vec::from(change_state(db, note, to)?)).await?;
    Ok(super::first_changed(&results))
}

/// A message, its files (in order), its delivery and the idempotency key it came with: the part
/// of the accept transaction a first message and a later one share.
pub(super) fn statements(
    db: &Db,
    site: &str,
    m: &MessageRow,
    attachments: &[String],
    d: &NewDelivery,
    follow_up: bool,
    idempotency: Option<&IdempotencyRow>,
) -> Result<Vec<D1PreparedStatement>, Error> {
    let mut statements = with_files(db, m, attachments)?;
    statements.push(deliveries::insert_statement(db, site, m, d, follow_up)?);
    if let Some(k) = idempotency {
        statements.push(idempotency::insert_statement(db, k)?);
    }
    Ok(statements)
}

/// The messages of these conversations, oldest first.
pub async fn list(db: &Db, conversation_ids: &[String]) -> Result<Vec<MessageRow>, Error> {
    select_in(db, conversation_ids, |list| {
        format!(
            "SELECT id, conversation_id, author, body, created_at, author_name, event FROM messages WHERE conversation_id IN ({list}) ORDER BY conversation_id, seq"
        )
    })
    .await
}

/// Where a message is in its conversation.
pub async fn seq_of(db: &Db, id: &str) -> Result<Option<u64>, Error> {
    #[derive(Deserialize)]
    struct Row {
        seq: u64,
    }
    Ok(db
        .prepare("SELECT seq FROM messages WHERE id = ?1")
        .bind(&[s(id)])?
        .first::<Row>(None)
        .await?
        .map(|r| r.seq))
}

/// A conversation's messages after `after`, in order, at most `limit`, with each visitor
/// message's delivery.
pub async fn thread(
    db: &Db,
    conversation_id: &str,
    after: u64,
    limit: u32,
) -> Result<Vec<ThreadRow>, Error> {
    Ok(db
        .prepare(
            "SELECT m.seq, m.id, m.conversation_id, m.author, m.body, m.created_at, m.author_name, m.event, \
               d.status AS delivery_status, COALESCE(d.held, 0) AS held, k.key AS idempotency_key \
             FROM messages m LEFT JOIN deliveries d ON d.message_id = m.id \
               LEFT JOIN idempotency_keys k ON k.message_id = m.id \
             WHERE m.conversation_id = ?1 AND m.seq > ?2 ORDER BY m.seq LIMIT ?3",
        )
        .bind(&[s(conversation_id), int(after as i64), int(limit.into())])?
        .all()
        .await?
        .results::<ThreadRow>()?)
}

/// The files of these messages, in each message's order.
pub async fn attachments(db: &Db, message_ids: &[String]) -> Result<Vec<AttachmentRow>, Error> {
    select_in(db, message_ids, |list| {
        format!(
            "SELECT m.message_id, u.id, u.name, u.content_type, u.size, u.sha256 \
             FROM message_attachments m JOIN uploads u ON u.id = m.upload_id \
             WHERE m.message_id IN ({list}) ORDER BY m.message_id, m.position"
        )
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::Author;

    #[test]
    fn authors_have_one_string_form() {
        for author in Author::ALL {
            assert_eq!(Author::parse(author.as_str()), Some(author));
            assert_eq!(Author::try_from(author.as_str().to_string()), Ok(author));
        }
        assert_eq!(Author::Visitor.as_str(), "visitor");
        assert_eq!(Author::Agent.as_str(), "agent");
        assert_eq!(Author::parse("Visitor"), None);
    }
}
