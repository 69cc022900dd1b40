//! Conversations live: an agent's reply until it is on the visitor's socket, and one room with
//! many sockets (the runtime's memory, and how long one message takes to reach all of them).

use super::Samples;
use crate::client::Edge;
use crate::live::{frame, visitor, Socket};
use crate::ports::HOST_ORIGIN;
use crate::wrangler::Worker;
use crate::{test::OPERATOR_TOKEN, Result};
use porthole_shared::ConversationAccepted;
use std::fmt::Write as _;
use std::time::Instant;

const REPLIES: usize = 100;
const SOCKETS: usize = 1_000;

pub(super) fn live(report: &mut String, worker: &Worker) -> Result {
    let edge = Edge::new(&worker.url);
    let c = conversation(&edge)?;
    let mut socket = visitor(&worker.url, &c.id, &c.visitor_token, HOST_ORIGIN, 0)?;
    frame(&mut socket)?; // the visitor's own first message
    let mut seq = 1;
    let mut latencies = Vec::with_capacity(REPLIES);
    for i in 0..REPLIES {
        let start = Instant::now();
        reply(&edge, &c.id, &format!("reply {i}"))?;
        seq += 1;
        wait_for(&mut socket, seq)?;
        latencies.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    let latencies = Samples(latencies);

    // Many readers of one conversation (a test of the room, not a use: a thread has a few).
    let before = worker.memory_bytes();
    let c = conversation(&edge)?;
    let mut sockets: Vec<Socket> = Vec::with_capacity(SOCKETS);
    let opening = Instant::now();
    for _ in 0..SOCKETS {
        let mut s = visitor(&worker.url, &c.id, &c.visitor_token, HOST_ORIGIN, 0)?;
        frame(&mut s)?;
        sockets.push(s);
    }
    let opened = opening.elapsed().as_secs_f64();
    let after = worker.memory_bytes();
    let start = Instant::now();
    reply(&edge, &c.id, "to everyone")?;
    for s in &mut sockets {
        wait_for(s, 2)?;
    }
    let fan_out = start.elapsed().as_secs_f64() * 1000.0;
    drop(sockets);

    let _ = writeln!(
        report,
        "## Conversations live (built-in inbox, one room per conversation)\n\n\
         An agent's reply through the operator API (`POST /v1/inbox/conversations/{{id}}/messages`) \
         until its frame is read from the visitor's WebSocket: stored in D1, the room told, the \
         room reading it back and sending it. Measured at the socket, before any widget.\n\n\
         | what | value |\n|---|---|\n\
         | reply → on the visitor's socket, p50 ms ({REPLIES} replies, one after another) | {:.1} |\n\
         | reply → on the visitor's socket, p99 ms | {:.1} |\n\
         | {SOCKETS} sockets opened on one room, seconds (each read its first frame) | {opened:.1} |\n\
         | workerd memory with them open, MiB (before: {:.0}) | {:.0} |\n\
         | one reply → read on all {SOCKETS} sockets, ms | {fan_out:.0} |\n",
        latencies.pct(50.0),
        latencies.pct(99.0),
        before as f64 / 1048576.0,
        after as f64 / 1048576.0,
    );
    Ok(())
}

fn conversation(edge: &Edge) -> Result<ConversationAccepted> {
    let body = serde_json::json!({
        "name": "Bench", "email": "bench@example.org", "subject": "Live", "message": "Hello"
    });
    edge.submit("demo", HOST_ORIGIN, &body, None)?.ok()?.parse()
}

fn reply(edge: &Edge, conversation: &str, body: &str) -> Result {
    let body = serde_json::json!({"author_name": "Bench Agent", "body": body}).to_string();
    edge.call(
        "POST",
        &format!("/v1/inbox/conversations/{conversation}/messages"),
        &[
            ("Authorization", &format!("Bearer {OPERATOR_TOKEN}")),
            ("Content-Type", "application/json"),
        ],
        Some(body.as_bytes()),
    )?
    .ok()?;
    Ok(())
}

/// Reads frames until message `seq` has come.
fn wait_for(socket: &mut Socket, seq: u64) -> Result {
    loop {
        let thread = frame(socket)?;
        if thread.messages.iter().any(|m| m.seq >= seq) {
            return Ok(());
        }
    }
}
