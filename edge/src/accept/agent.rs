//! An agent's side of the same write path (the built-in inbox): a reply, checked like a
//! visitor's message and stored at the end of the thread with its files; closing and reopening,
//! each a note in the thread. Each is published to the conversation's room once stored.

use super::rules;
use crate::error::Error;
use crate::ids;
use crate::live::{self, Reader};
use crate::store::{self, Author, Db, MessageRow};
use porthole_shared::config::SiteConfig;
use porthole_shared::{
    validate_agent_reply, AgentAction, AgentReply, ConversationState, FieldErrors, ThreadEvent,
    ThreadMessage,
};
use worker::{Date, Env};

/// Stores the reply and publishes it; the reply as the thread shows it.
pub async fn reply(
    env: &Env,
    db: &Db,
    conversation_id: &str,
    reply: &AgentReply,
) -> Result<ThreadMessage, Error> {
    let (site_id, site) = answered_here(env, db, conversation_id).await?;
    let reply = AgentReply {
        author_name: reply.author_name.trim().to_string(),
        body: reply.body.trim().to_string(),
        attachments: reply.attachments.clone(),
    };
    validate_agent_reply(&reply, &site.limits()).map_err(Error::Validation)?;
    rules::check_attachments(
        &store::uploads::claims(db, &reply.attachments).await?,
        &reply.attachments,
        &site_id,
    )?;
    let message = MessageRow {
        id: ids::new_id(),
        conversation_id: conversation_id.to_string(),
        author: Author::Agent,
        body: reply.body,
        created_at: Date::now().as_millis() as i64,
        author_name: Some(reply.author_name),
        event: None,
    };
    store::messages::add_agent(db, &message, &reply.attachments)
        .await
        .map_err(super::refusal)?;
    live::publish(env, conversation_id).await;
    stored(db, conversation_id, &message.id).await
}

/// Closes or reopens the conversation, with a note saying who did; nothing if it is so already.
pub async fn set_state(
    env: &Env,
    db: &Db,
    conversation_id: &str,
    action: &AgentAction,
    to: ConversationState,
) -> Result<(), Error> {
    answered_here(env, db, conversation_id).await?;
    let name = action.author_name.trim();
    porthole_shared::agent_name(name).map_err(|code| {
        Error::Validation(FieldErrors::from([("author_name".to_string(), code)]))
    })?;
    let note = MessageRow {
        id: ids::new_id(),
        conversation_id: conversation_id.to_string(),
        author: Author::Agent,
        body: String::new(),
        created_at: Date::now().as_millis() as i64,
        author_name: Some(name.to_string()),
        event: Some(match to {
            ConversationState::Closed => ThreadEvent::Closed,
            ConversationState::Open => ThreadEvent::Reopened,
        }),
    };
    if store::messages::set_state(db, &note, to).await? {
        live::publish(env, conversation_id).await;
    }
    Ok(())
}

/// The conversation's site, if agents answer it here: its site delivers into the built-in inbox.
/// One whose site delivers into a helpdesk is answered in that helpdesk.
async fn answered_here(
    env: &Env,
    db: &Db,
    conversation_id: &str,
) -> Result<(String, SiteConfig), Error> {
    let (site_id, site, _) = super::conversation_site(env, db, conversation_id).await?;
    match site.connector.kind() {
        "inbox" => Ok((site_id, site)),
        helpdesk => Err(Error::AnsweredInHelpdesk(helpdesk)),
    }
}

/// The message as the thread shows it, read back at its `seq`.
async fn stored(db: &Db, conversation_id: &str, id: &str) -> Result<ThreadMessage, Error> {
    let missing = || Error::Internal(format!("reply {id} not read back"));
    let seq = store::messages::seq_of(db, id).await?.ok_or_else(missing)?;
    live::read(db, conversation_id, seq - 1, &Reader::Operator)
        .await?
        .and_then(|t| t.messages.into_iter().next())
        .filter(|m| m.id == id)
        .ok_or_else(missing)
}
