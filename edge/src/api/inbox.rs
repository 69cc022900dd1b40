//! The built-in inbox, for operators (bearer `PORTHOLE_OPERATOR_TOKEN`): conversations with
//! their messages and files (the files themselves are served by `files.rs`), a conversation's
//! thread, and what agents do: reply, close, reopen. A reply shows in the visitor's widget live.

use super::thread::after;
use crate::accept::agent;
use crate::auth::require_operator;
use crate::error::Error;
use crate::http;
use crate::live::{self, Reader};
use crate::store::{self, AttachmentRow, Db, InboxConversationRow, ListFilter, MessageRow};
use porthole_shared::{
    AgentAction, AgentReply, Attachment, ConversationState, InboxConversation, InboxMessage,
    InboxPage,
};
use serde::Deserialize;
use std::collections::BTreeMap;
use worker::{Env, Request, Response};

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    site: Option<String>,
    state: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
}

/// `GET /v1/inbox/conversations?site=&state=open|closed&cursor=&limit=`: newest first, at most
/// 200 a page; `next_cursor` asks for the page after.
pub async fn list(req: &Request, env: &Env) -> Result<Response, Error> {
    require_operator(req, env)?;
    let query: ListQuery = req.query().unwrap_or_default();
    let limit = query.limit.unwrap_or(50).clamp(1, 200);
    let state = match query.state.as_deref() {
        None | Some("") => None,
        Some(s) => Some(ConversationState::parse(s).ok_or_else(|| bad_query("state"))?),
    };
    let before = match query.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => Some(parse_cursor(c).ok_or_else(|| bad_query("cursor"))?),
    };
    let filter = ListFilter {
        site: query.site.as_deref(),
        state,
        before,
    };
    let db = Db::from_env(env)?;
    let conversations = store::conversations::list(&db, &filter, limit).await?;
    let next_cursor = (conversations.len() == limit as usize)
        .then(|| {
            conversations
                .last()
                .map(|c| cursor(c.row.created_at, &c.row.id))
        })
        .flatten();
    let conversation_ids: Vec<String> = conversations.iter().map(|c| c.row.id.clone()).collect();
    let messages = store::messages::list(&db, &conversation_ids).await?;
    let message_ids: Vec<String> = messages.iter().map(|m| m.id.clone()).collect();
    let attachments = store::messages::attachments(&db, &message_ids).await?;
    let mut page = assemble(conversations, messages, attachments);
    page.next_cursor = next_cursor;
    http::json(200, &page)
}

/// `GET /v1/inbox/conversations/{id}/messages?after=`: its thread, as the visitor sees it but
/// with the inbox's downloads.
pub async fn thread(req: &Request, env: &Env, id: &str) -> Result<Response, Error> {
    require_operator(req, env)?;
    let thread = live::read(&Db::from_env(env)?, id, after(req), &Reader::Operator)
        .await?
        .ok_or(Error::NotFound)?;
    http::json(200, &thread)
}

/// `POST /v1/inbox/conversations/{id}/messages`: an agent's reply, `201` with it as the thread
/// shows it.
pub async fn reply(req: &mut Request, env: &Env, id: &str) -> Result<Response, Error> {
    require_operator(req, env)?;
    let reply = http::read_json::<AgentReply>(req).await?;
    let message = agent::reply(env, &Db::from_env(env)?, id, &reply).await?;
    http::json(201, &message)
}

/// `POST /v1/inbox/conversations/{id}/close` and `…/reopen`: `200` with the thread's last
/// entries; doing it twice changes nothing the second time.
pub async fn set_state(
    req: &mut Request,
    env: &Env,
    id: &str,
    to: ConversationState,
) -> Result<Response, Error> {
    require_operator(req, env)?;
    let action = http::read_json::<AgentAction>(req).await?;
    let db = Db::from_env(env)?;
    agent::set_state(env, &db, id, &action, to).await?;
    let thread = live::read(&db, id, 0, &Reader::Operator)
        .await?
        .ok_or(Error::NotFound)?;
    http::json(200, &thread)
}

fn bad_query(name: &str) -> Error {
    Error::Validation(porthole_shared::FieldErrors::from([(
        name.to_string(),
        porthole_shared::FieldCode::InvalidValue,
    )]))
}

/// A place in the list, newest first: the last conversation's time and id.
fn cursor(created_at: i64, id: &str) -> String {
    format!("{created_at}.{id}")
}

fn parse_cursor(c: &str) -> Option<(i64, &str)> {
    let (at, id) = c.split_once('.')?;
    let at = at.parse().ok()?;
    (!id.is_empty()).then_some((at, id))
}

/// Joins the three row sets into the nested answer, keeping each set's order.
pub fn assemble(
    conversations: Vec<InboxConversationRow>,
    messages: Vec<MessageRow>,
    attachments: Vec<AttachmentRow>,
) -> InboxPage {
    let mut files: BTreeMap<String, Vec<Attachment>> = BTreeMap::new();
    for a in attachments {
        files
            .entry(a.message_id.clone())
            .or_default()
            .push(Attachment {
                download_path: format!("/v1/inbox/attachments/{}", a.id),
                id: a.id,
                name: a.name,
                size: a.size,
                content_type: a.content_type,
                sha256: a.sha256,
            });
    }
    let mut by_conversation: BTreeMap<String, Vec<InboxMessage>> = BTreeMap::new();
    for m in messages {
        by_conversation
            .entry(m.conversation_id.clone())
            .or_default()
            .push(InboxMessage {
                attachments: files.remove(&m.id).unwrap_or_default(),
                id: m.id,
                author: match m.event {
                    Some(_) => "system".to_string(),
                    None => m.author.as_str().to_string(),
                },
                author_name: m.author_name,
                event: m.event,
                body: m.body,
                created_at: m.created_at,
            });
    }
    InboxPage {
        conversations: conversations
            .into_iter()
            .map(
                |InboxConversationRow {
                     row: c,
                     status,
                     helpdesk_ref,
                     state,
                 }| InboxConversation {
                    status,
                    state,
                    helpdesk_reference: helpdesk_ref,
                    messages: by_conversation.remove(&c.id).unwrap_or_default(),
                    fields: serde_json::from_str(&c.fields_json).unwrap_or_default(),
                    id: c.id,
                    reference: c.reference,
                    site: c.site,
                    name: c.name,
                    email: c.email,
                    subject: c.subject,
                    page_url: c.page_url,
                    locale: c.locale,
                    created_at: c.created_at,
                    verified: c.verified,
                },
            )
            .collect(),
        next_cursor: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use porthole_shared::DeliveryStatus;

    #[test]
    fn assemble_nests_messages_and_files() {
        let c = |id: &str| InboxConversationRow {
            status: DeliveryStatus::Delivered,
            state: ConversationState::Open,
            helpdesk_ref: None,
            row: store::ConversationRow {
                id: id.into(),
                site: "demo".into(),
                reference: format!("PH-{id}"),
                name: "n".into(),
                email: "e@x.io".into(),
                subject: "s".into(),
                fields_json: r#"{"order":"7"}"#.into(),
                page_url: None,
                locale: None,
                created_at: 1,
                verified: false,
            },
        };
        let m = |id: &str, conv: &str| MessageRow {
            id: id.into(),
            conversation_id: conv.into(),
            author: store::Author::Visitor,
            body: "b".into(),
            created_at: 2,
            author_name: None,
            event: None,
        };
        let a = |id: &str, msg: &str| AttachmentRow {
            message_id: msg.into(),
            id: id.into(),
            name: "f".into(),
            content_type: "text/plain".into(),
            size: 3,
            sha256: None,
        };
        let page = assemble(
            vec![c("c2"), c("c1")],
            vec![m("m1", "c1"), m("m2", "c2")],
            vec![a("u1", "m1"), a("u2", "m1")],
        );
        assert_eq!(page.conversations[0].id, "c2");
        assert_eq!(page.conversations[1].messages[0].attachments.len(), 2);
        assert_eq!(
            page.conversations[1].messages[0].attachments[1].download_path,
            "/v1/inbox/attachments/u2"
        );
        assert!(page.conversations[0].messages[0].attachments.is_empty());
        assert_eq!(
            page.conversations[0]
                .fields
                .get("order")
                .map(String::as_str),
            Some("7")
        );
    }

    #[test]
    fn cursors_name_a_place_in_the_list() {
        assert_eq!(parse_cursor(&cursor(17, "abc")), Some((17, "abc")));
        assert_eq!(parse_cursor("17"), None);
        assert_eq!(parse_cursor("x.abc"), None);
        assert_eq!(parse_cursor("17."), None);
    }
}
