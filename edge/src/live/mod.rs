//! Conversations live: the thread a reader is shown, and the conversation's room that sends it to
//! connected readers as it grows.
//!
//! D1 is the record. Every writer (a visitor's message, an agent's reply, a close or reopen)
//! stores first and then calls [`publish`], which only tells the room the thread grew; the room
//! reads what is new from D1 and sends each socket what it has not had yet. So a lost poke, a
//! room evicted or a socket dropped loses nothing: a reader that connects again with
//! `after=<its last seq>` is sent everything after it first.
//!
//! Below `api` and `accept`, above `store`.

pub mod room;
pub mod view;

pub use view::Reader;

use crate::error::Error;
use crate::log;
use crate::store::{self, Db};
use porthole_shared::Thread;
use worker::{Env, Request, RequestInit, Response};

/// The Durable Object namespace of the rooms, one per conversation.
const ROOMS: &str = "ROOMS";

/// The WebSocket subprotocol a reader offers (with its visitor token beside it) and the edge
/// answers.
pub const PROTOCOL: &str = "porthole.v1";

/// At most this many messages in one answer or frame; `more` says there are others.
pub const PAGE: u32 = 200;

/// The visitor token offered as a WebSocket subprotocol beside [`PROTOCOL`] (a browser cannot set
/// any other header on a WebSocket, and a token in the URL would end up in logs). `None` unless
/// both are offered.
pub fn offered_token(protocols: &str) -> Option<&str> {
    let mut offered = protocols.split(',').map(str::trim);
    let mut token = None;
    let mut porthole = false;
    for p in offered.by_ref() {
        if p == PROTOCOL {
            porthole = true;
        } else if p.starts_with("v1.") {
            token = Some(p);
        }
    }
    token.filter(|_| porthole)
}

/// The conversation's thread after `after`, as `reader` is shown it; `None` if there is no such
/// conversation.
pub async fn read(
    db: &Db,
    conversation_id: &str,
    after: u64,
    reader: &Reader,
) -> Result<Option<Thread>, Error> {
    let Some(head) = store::conversations::head(db, conversation_id).await? else {
        return Ok(None);
    };
    let rows = store::messages::thread(db, conversation_id, after, PAGE).await?;
    let ids: Vec<String> = rows.iter().map(|r| r.message.id.clone()).collect();
    let files = if ids.is_empty() {
        Vec::new()
    } else {
        store::messages::attachments(db, &ids).await?
    };
    Ok(Some(view::thread(
        conversation_id,
        head.state,
        rows,
        files,
        reader,
        PAGE,
    )))
}

/// Hands a reader's WebSocket upgrade to the conversation's room, which sends the thread after
/// `after` and then each message as it is stored. The caller has checked who may read it.
pub async fn connect(env: &Env, conversation_id: &str, after: u64) -> Result<Response, Error> {
    let headers = worker::Headers::new();
    headers.set("Upgrade", "websocket")?;
    let url = format!(
        "https://room/connect?conversation={}&after={after}",
        percent_encoding::utf8_percent_encode(conversation_id, percent_encoding::NON_ALPHANUMERIC)
    );
    let req = Request::new_with_init(&url, RequestInit::new().with_headers(headers))?;
    Ok(room(env, conversation_id)?.fetch_with_request(req).await?)
}

/// Tells the conversation's room that its thread grew. Never fails the writer: what was stored
/// is stored, and readers catch up when they next connect or ask.
pub async fn publish(env: &Env, conversation_id: &str) {
    let poked = async {
        room(env, conversation_id)?
            .fetch_with_str("https://room/publish")
            .await
    };
    match poked.await {
        Ok(r) if r.status_code() == 204 => {}
        Ok(r) => log::error(
            "room_publish_failed",
            &format!("{conversation_id}: {}", r.status_code()),
        ),
        Err(e) => log::error("room_publish_failed", &format!("{conversation_id}: {e}")),
    }
}

fn room(env: &Env, conversation_id: &str) -> worker::Result<worker::Stub> {
    env.durable_object(ROOMS)?
        .id_from_name(conversation_id)?
        .get_stub()
}

#[cfg(test)]
mod tests {
    use super::offered_token;

    #[test]
    fn the_token_comes_only_beside_the_protocol() {
        assert_eq!(
            offered_token("porthole.v1, v1.abc.123.tag"),
            Some("v1.abc.123.tag")
        );
        assert_eq!(
            offered_token("v1.abc.123.tag,porthole.v1"),
            Some("v1.abc.123.tag")
        );
        assert_eq!(offered_token("v1.abc.123.tag"), None);
        assert_eq!(offered_token("porthole.v1"), None);
        assert_eq!(offered_token(""), None);
    }
}
