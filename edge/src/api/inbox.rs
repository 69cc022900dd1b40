//! The built-in inbox, for operators: conversations with their messages and files (the files
//! themselves are served by `files.rs`).

use crate::auth::require_operator;
use crate::error::Error;
use crate::http;
use crate::store::{self, AttachmentRow, Db, InboxConversationRow, MessageRow};
use porthole_shared::{Attachment, InboxConversation, InboxMessage, InboxPage};
use serde::Deserialize;
use std::collections::BTreeMap;
use worker::{Env, Request, Response};

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    site: Option<String>,
    limit: Option<u32>,
}

/// `GET /v1/inbox/conversations?site=&limit=`: newest first, at most 200.
pub async fn list(req: &Request, env: &Env) -> Result<Response, Error> {
    require_operator(req, env)?;
    let query: ListQuery = req.query().unwrap_or_default();
    let limit = query.limit.unwrap_or(50).clamp(1, 200);
    let db = Db::from_env(env)?;
    let conversations = store::conversations::list(&db, query.site.as_deref(), limit).await?;
    let conversation_ids: Vec<String> = conversations.iter().map(|c| c.row.id.clone()).collect();
    let messages = store::messages::list(&db, &conversation_ids).await?;
    let message_ids: Vec<String> = messages.iter().map(|m| m.id.clone()).collect();
    let attachments = store::messages::attachments(&db, &message_ids).await?;
    http::json(200, &assemble(conversations, messages, attachments))
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
                author: m.author.as_str().to_string(),
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
                 }| InboxConversation {
                    status,
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
}
