//! A conversation's room: one Durable Object per conversation, holding its readers' WebSockets
//! through the Hibernation API, so an idle room costs nothing (the heartbeat, `ping`, is
//! answered `pong` by the runtime without waking it).
//!
//! Each socket carries, in its attachment (kept across hibernation), the conversation and the
//! last `seq` it was sent. A new socket is sent the thread after its `after`; on every publish the
//! room reads the thread after the smallest mark from D1 and sends each socket only what is after
//! its own: every socket gets each message once, in order, with no gap.

use super::{read, view::Reader, PROTOCOL};
use crate::log;
use crate::store::Db;
use porthole_shared::Thread;
use serde::{Deserialize, Serialize};
use worker::{
    durable_object, worker_sys::WebSocketRequestResponsePair, DurableObject, Env, Request,
    Response, State, WebSocket, WebSocketIncomingMessage, WebSocketPair,
};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Seen {
    conversation: String,
    /// The last `seq` this socket was sent.
    sent: u64,
}

#[durable_object]
pub struct Room {
    state: State,
    env: Env,
}

impl DurableObject for Room {
    fn new(state: State, env: Env) -> Self {
        if let Ok(pair) = WebSocketRequestResponsePair::new("ping", "pong") {
            state.set_websocket_auto_response(&pair);
        }
        Room { state, env }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        let url = req.url()?;
        let query = |name: &str| {
            url.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        match url.path() {
            "/connect" => {
                let Some(conversation) = query("conversation") else {
                    return Response::error("conversation missing", 400);
                };
                let after = query("after").and_then(|a| a.parse().ok()).unwrap_or(0);
                self.join(conversation, after).await
            }
            "/publish" => {
                self.catch_up().await;
                Ok(Response::empty()?.with_status(204))
            }
            _ => Response::error("not found", 404),
        }
    }

    /// Readers send nothing but the heartbeat, which the runtime answers.
    async fn websocket_message(
        &self,
        _ws: WebSocket,
        _message: WebSocketIncomingMessage,
    ) -> worker::Result<()> {
        Ok(())
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        _code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> worker::Result<()> {
        // Already closed when the runtime answers the close itself: nothing to report.
        let _ = ws.close(Some(1000), Some("bye"));
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, _error: worker::Error) -> worker::Result<()> {
        Ok(())
    }
}

impl Room {
    async fn join(&self, conversation: String, after: u64) -> worker::Result<Response> {
        let pair = WebSocketPair::new()?;
        self.state
            .accept_websocket_with_tags(&pair.server, &["visitor"]);
        pair.server.serialize_attachment(Seen {
            conversation: conversation.clone(),
            sent: after,
        })?;
        // Only the new socket is behind: the others were sent everything by the last publish.
        let mut from = after;
        loop {
            match self.read(&conversation, from).await {
                Ok(Some(thread)) => {
                    send_new(&pair.server, &thread);
                    match thread.messages.last() {
                        Some(last) if thread.more => from = last.seq,
                        _ => break,
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    log::error("room_read_failed", &format!("{conversation}: {e}"));
                    break;
                }
            }
        }
        let mut response = Response::from_websocket(pair.client)?;
        response
            .headers_mut()
            .set("Sec-WebSocket-Protocol", PROTOCOL)?;
        Ok(response)
    }

    /// Sends every socket what it has not been sent yet, from D1.
    async fn catch_up(&self) {
        let mut last_from = None;
        loop {
            let Some((conversation, from)) = self.lowest_seen() else {
                return;
            };
            // A socket that cannot be sent to keeps its mark: stop rather than read again.
            if last_from == Some(from) {
                return;
            }
            last_from = Some(from);
            let thread = match self.read(&conversation, from).await {
                Ok(Some(thread)) => thread,
                Ok(None) => return,
                Err(e) => {
                    log::error("room_read_failed", &format!("{conversation}: {e}"));
                    return;
                }
            };
            let more = thread.more;
            // No await from here to the end of the loop's body: two catch-ups running at once
            // (a publish while a connect reads) cannot send a socket the same message twice.
            for ws in self.state.get_websockets() {
                send_new(&ws, &thread);
            }
            if !more {
                return;
            }
        }
    }

    fn lowest_seen(&self) -> Option<(String, u64)> {
        self.state
            .get_websockets()
            .iter()
            .filter_map(|ws| ws.deserialize_attachment::<Seen>().ok().flatten())
            .min_by_key(|s| s.sent)
            .map(|s| (s.conversation, s.sent))
    }

    async fn read(
        &self,
        conversation: &str,
        after: u64,
    ) -> Result<Option<Thread>, crate::error::Error> {
        let reader = Reader::visitor(&self.env)?;
        read(&Db::from_env(&self.env)?, conversation, after, &reader).await
    }
}

/// The part of `thread` after what `ws` was sent, if any, and its new mark.
fn send_new(ws: &WebSocket, thread: &Thread) {
    let Ok(Some(mut seen)) = ws.deserialize_attachment::<Seen>() else {
        return;
    };
    let new: Vec<_> = thread
        .messages
        .iter()
        .filter(|m| m.seq > seen.sent)
        .cloned()
        .collect();
    let Some(last) = new.last().map(|m| m.seq) else {
        return;
    };
    let frame = Thread {
        conversation_id: thread.conversation_id.clone(),
        state: thread.state,
        messages: new,
        more: thread.more,
    };
    if ws.send(&frame).is_ok() {
        seen.sent = last;
        let _ = ws.serialize_attachment(seen);
    }
}
