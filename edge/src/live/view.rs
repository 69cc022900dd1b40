//! The thread as its reader is shown it, from stored rows: plain functions, tested natively.

use crate::file_links;
use crate::store::{AttachmentRow, Author, DeliveryState, ThreadRow};
use porthole_shared::{
    AuthorKind, ConversationState, DeliveryStatus, Thread, ThreadFile, ThreadMessage,
};
use std::collections::BTreeMap;

/// Who reads: what its file links are, and what it may know of a delivery.
pub enum Reader {
    /// Files through signed links valid until `links_expire_at` (unix seconds), which a page
    /// can show in an `<img>` without a token.
    Visitor {
        secret: Vec<u8>,
        links_expire_at: u64,
    },
    /// Files through the inbox's downloads (operator token).
    Operator,
}

impl Reader {
    /// The visitor's: links signed with the token secret, valid for `PORTHOLE_FILE_LINK_TTL_SECONDS`.
    pub fn visitor(env: &worker::Env) -> Result<Reader, crate::error::Error> {
        Ok(Reader::Visitor {
            secret: crate::token::secret(env)?,
            links_expire_at: worker::Date::now().as_millis() / 1000 + file_links::ttl(env),
        })
    }

    fn url(&self, file: &AttachmentRow) -> String {
        match self {
            Reader::Visitor {
                secret,
                links_expire_at,
            } => file_links::link("", secret, &file.id, &file.name, *links_expire_at),
            Reader::Operator => format!("/v1/inbox/attachments/{}", file.id),
        }
    }
}

pub fn thread(
    conversation_id: &str,
    state: ConversationState,
    rows: Vec<ThreadRow>,
    files: Vec<AttachmentRow>,
    reader: &Reader,
    page: u32,
) -> Thread {
    let mut by_message: BTreeMap<String, Vec<ThreadFile>> = BTreeMap::new();
    for f in files {
        by_message
            .entry(f.message_id.clone())
            .or_default()
            .push(ThreadFile {
                url: reader.url(&f),
                id: f.id,
                name: f.name,
                size: f.size,
                content_type: f.content_type,
            });
    }
    let more = rows.len() >= page as usize;
    Thread {
        conversation_id: conversation_id.to_string(),
        state,
        messages: rows
            .into_iter()
            .map(|row| message(row, &mut by_message))
            .collect(),
        more,
    }
}

fn message(row: ThreadRow, files: &mut BTreeMap<String, Vec<ThreadFile>>) -> ThreadMessage {
    let m = row.message;
    let author = match (m.event, m.author) {
        (Some(_), _) => AuthorKind::System,
        (None, Author::Visitor) => AuthorKind::Visitor,
        (None, Author::Agent) => AuthorKind::Agent,
    };
    // A visitor's own message says how its delivery goes; a held one reads as queued, so a bot
    // learns nothing.
    let status = match author {
        AuthorKind::Visitor => row
            .delivery_status
            .as_deref()
            .and_then(DeliveryStatus::parse)
            .map(|s| DeliveryState::of(s, row.held).to_visitor()),
        _ => None,
    };
    ThreadMessage {
        seq: row.seq,
        files: files.remove(&m.id).unwrap_or_default(),
        id: m.id,
        author,
        name: m.author_name,
        body: m.body,
        event: m.event,
        created_at: m.created_at,
        status,
        key: row.idempotency_key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MessageRow;
    use porthole_shared::ThreadEvent;

    fn row(
        seq: u64,
        author: Author,
        event: Option<ThreadEvent>,
        delivery: Option<&str>,
        held: bool,
    ) -> ThreadRow {
        ThreadRow {
            seq,
            message: MessageRow {
                id: format!("m{seq}"),
                conversation_id: "c".into(),
                author,
                body: "b".into(),
                created_at: seq as i64,
                author_name: (author == Author::Agent).then(|| "Dana".into()),
                event,
            },
            delivery_status: delivery.map(str::to_string),
            held,
            idempotency_key: None,
        }
    }

    #[test]
    fn each_entry_says_who_wrote_it_and_a_visitor_sees_held_as_queued() {
        let t = thread(
            "c",
            ConversationState::Closed,
            vec![
                row(1, Author::Visitor, None, Some("failed"), true),
                row(2, Author::Agent, None, None, false),
                row(3, Author::Agent, Some(ThreadEvent::Closed), None, false),
            ],
            vec![AttachmentRow {
                message_id: "m2".into(),
                id: "u1".into(),
                name: "a b.png".into(),
                content_type: "image/png".into(),
                size: 3,
                sha256: None,
            }],
            &Reader::Visitor {
                secret: b"a test secret of reasonable length".to_vec(),
                links_expire_at: 1_000,
            },
            200,
        );
        let m = &t.messages;
        assert_eq!(m[0].author, AuthorKind::Visitor);
        assert_eq!(m[0].status, Some(DeliveryStatus::Queued));
        assert_eq!(m[1].author, AuthorKind::Agent);
        assert_eq!(m[1].name.as_deref(), Some("Dana"));
        assert_eq!(m[1].status, None);
        assert!(m[1].files[0]
            .url
            .starts_with("/v1/files/u1/a%20b%2Epng?expires=1000&sig="));
        assert_eq!(m[2].author, AuthorKind::System);
        assert_eq!(m[2].event, Some(ThreadEvent::Closed));
        assert!(!t.more);
    }

    #[test]
    fn a_full_page_says_there_is_more() {
        let rows = (1..=3)
            .map(|s| row(s, Author::Agent, None, None, false))
            .collect();
        let t = thread(
            "c",
            ConversationState::Open,
            rows,
            vec![],
            &Reader::Operator,
            3,
        );
        assert!(t.more);
        assert_eq!(t.messages.last().map(|m| m.seq), Some(3));
    }
}
