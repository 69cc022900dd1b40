//! Messages and the files they hold: written with their delivery (and idempotency key) in one
//! transaction, listed in the inbox.

use super::{
    deliveries, idempotency, int, s, select_in, Conflict, Db, IdempotencyRow, NewDelivery,
};
use crate::error::Error;
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

/// A visitor's later message in an existing conversation, its files and its delivery, in one
/// transaction.
pub async fn add(
    db: &Db,
    site: &str,
    message: &MessageRow,
    attachments: &[String],
    delivery: &NewDelivery,
    idempotency: Option<&IdempotencyRow>,
) -> Result<(), Conflict> {
    let statements = statements(db, site, message, attachments, delivery, true, idempotency)?;
    db.batch(statements).await.map_err(Conflict::from)?;
    Ok(())
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
    let mut statements = vec![db
        .prepare("INSERT INTO messages (id, conversation_id, author, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5)")
        .bind(&[s(&m.id), s(&m.conversation_id), s(m.author.as_str()), s(&m.body), int(m.created_at)])?];
    for (position, upload_id) in attachments.iter().enumerate() {
        statements.push(
            db.prepare("INSERT INTO message_attachments (upload_id, message_id, position) VALUES (?1, ?2, ?3)")
                .bind(&[s(upload_id), s(&m.id), int(position as i64)])?,
        );
    }
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
            "SELECT id, conversation_id, author, body, created_at FROM messages WHERE conversation_id IN ({list}) ORDER BY created_at, id"
        )
    })
    .await
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
