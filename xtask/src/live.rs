//! The live conversation's WebSocket as a browser opens it, for the edge's tests and the bench:
//! `GET /v1/conversations/{id}/live?after=`, the visitor token offered as a subprotocol beside
//! `porthole.v1`, the page's `Origin`.

use porthole_shared::Thread;
use std::net::TcpStream;
use std::time::Duration;
use tungstenite::client::IntoClientRequest;
use tungstenite::http::HeaderValue;
use tungstenite::{Message, WebSocket};

pub type Socket = WebSocket<TcpStream>;

/// The socket, or the HTTP status the upgrade was refused with.
pub fn connect(
    base: &str,
    conversation: &str,
    protocols: &str,
    origin: Option<&str>,
    after: u64,
) -> Result<Result<Socket, u16>, String> {
    let host = base.trim_start_matches("http://");
    let mut req = format!("ws://{host}/v1/conversations/{conversation}/live?after={after}")
        .into_client_request()
        .map_err(|e| e.to_string())?;
    let headers = req.headers_mut();
    if !protocols.is_empty() {
        headers.insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_str(protocols).map_err(|e| e.to_string())?,
        );
    }
    if let Some(origin) = origin {
        headers.insert(
            "Origin",
            HeaderValue::from_str(origin).map_err(|e| e.to_string())?,
        );
    }
    let stream = TcpStream::connect(host).map_err(|e| format!("{host}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .map_err(|e| e.to_string())?;
    match tungstenite::client(req, stream) {
        Ok((socket, response)) => {
            let chosen = response
                .headers()
                .get("Sec-WebSocket-Protocol")
                .and_then(|v| v.to_str().ok());
            if chosen != Some("porthole.v1") {
                return Err(format!("the edge chose the subprotocol {chosen:?}"));
            }
            Ok(Ok(socket))
        }
        Err(tungstenite::HandshakeError::Failure(tungstenite::Error::Http(response))) => {
            Ok(Err(response.status().as_u16()))
        }
        Err(e) => Err(format!("WebSocket handshake: {e}")),
    }
}

/// The visitor's socket, as its widget opens it.
pub fn visitor(
    base: &str,
    conversation: &str,
    token: &str,
    origin: &str,
    after: u64,
) -> Result<Socket, String> {
    connect(
        base,
        conversation,
        &format!("porthole.v1, {token}"),
        Some(origin),
        after,
    )?
    .map_err(|status| format!("the visitor's socket was refused: {status}"))
}

/// The next frame of the thread (the heartbeat's answers and pings skipped).
pub fn frame(socket: &mut Socket) -> Result<Thread, String> {
    loop {
        match socket
            .read()
            .map_err(|e| format!("reading the socket: {e}"))?
        {
            Message::Text(text) => {
                return serde_json::from_str(text.as_str())
                    .map_err(|e| format!("not a thread frame ({e}): {text}"))
            }
            Message::Close(_) => return Err("the room closed the socket".into()),
            _ => {}
        }
    }
}
