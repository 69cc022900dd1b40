//! Conversations both ways on the built-in inbox: an agent answers through the operator API and
//! the visitor's socket shows it at once; the thread resumes after any `seq`; closing and
//! reopening are notes in it; and the socket opens only with this conversation's token, from a
//! page its site allows.

use crate::helpers::*;
use porthole_shared::{
    AuthorKind, ConversationAccepted, ConversationState, ErrorCode, InboxPage, Thread, ThreadEvent,
    ThreadMessage,
};
use serde_json::json;
use xtask::live::{self, Socket};

fn start(site: &str, message: &str) -> ConversationAccepted {
    accept_at(
        site,
        &json!({"name": "Ada", "email": "ada@example.org", "subject": "Help", "message": message}),
        None,
    )
}

fn operator() -> String {
    format!("Bearer {}", operator_token())
}

fn reply_raw(conversation: &str, body: &serde_json::Value) -> Reply {
    call(
        "POST",
        &format!("/v1/inbox/conversations/{conversation}/messages"),
        &[
            ("Authorization", &operator()),
            ("Content-Type", "application/json"),
        ],
        Some(body.to_string().as_bytes()),
    )
}

fn reply(conversation: &str, name: &str, body: &str) -> ThreadMessage {
    let r = reply_raw(conversation, &json!({"author_name": name, "body": body}));
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    serde_json::from_slice(&r.body).unwrap()
}

fn act(conversation: &str, action: &str, name: &str) -> Thread {
    let r = call(
        "POST",
        &format!("/v1/inbox/conversations/{conversation}/{action}"),
        &[
            ("Authorization", &operator()),
            ("Content-Type", "application/json"),
        ],
        Some(json!({"author_name": name}).to_string().as_bytes()),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    serde_json::from_slice(&r.body).unwrap()
}

/// The thread after `after`, as the visitor reads it without a socket.
fn visitor_thread(c: &ConversationAccepted, after: u64) -> Thread {
    let r = call(
        "GET",
        &format!("/v1/conversations/{}/messages?after={after}", c.id),
        &[("Authorization", &format!("Bearer {}", c.visitor_token))],
        None,
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    serde_json::from_slice(&r.body).unwrap()
}

/// A WebSocket to the conversation's room as a browser opens it; the HTTP status if refused.
fn connect(id: &str, protocols: &str, origin: Option<&str>, after: u64) -> Result<Socket, u16> {
    live::connect(&edge(), id, protocols, origin, after).unwrap_or_else(|e| panic!("{e}"))
}

fn visitor_socket(c: &ConversationAccepted, after: u64) -> Socket {
    live::visitor(&edge(), &c.id, &c.visitor_token, SITE_ORIGIN, after)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn frame(socket: &mut Socket) -> Thread {
    live::frame(socket).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn an_agent_reply_reaches_the_visitor_live_and_the_thread_resumes_after_any_seq() {
    let _worker = beside_others();
    let c = start("demo", "Where is my parcel?");
    let mut socket = visitor_socket(&c, 0);

    let first = frame(&mut socket);
    assert_eq!(first.conversation_id, c.id);
    assert_eq!(first.state, ConversationState::Open);
    assert_eq!(first.messages.len(), 1);
    let mine = &first.messages[0];
    assert_eq!((mine.seq, mine.author), (1, AuthorKind::Visitor));
    assert_eq!(mine.body, "Where is my parcel?");
    assert!(mine.status.is_some(), "the visitor sees its delivery");

    let sent = reply(&c.id, "Dana from Acme", "It left our depot this morning.");
    assert_eq!(sent.seq, 2);
    assert_eq!(sent.author, AuthorKind::Agent);
    let live = frame(&mut socket);
    assert_eq!(live.messages.len(), 1, "only what is new");
    let answer = &live.messages[0];
    assert_eq!(answer.seq, 2);
    assert_eq!(answer.author, AuthorKind::Agent);
    assert_eq!(answer.name.as_deref(), Some("Dana from Acme"));
    assert_eq!(answer.body, "It left our depot this morning.");
    assert_eq!(answer.status, None);

    // A file with the reply: the visitor fetches it through a signed link, no token needed.
    let data = bytes(3_000, 7);
    let file = upload("demo", "label.png", &data);
    let r = reply_raw(
        &c.id,
        &json!({"author_name": "Dana from Acme", "body": "Your label.", "attachments": [file.id]}),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let with_file = frame(&mut socket);
    let link = &with_file.messages[0].files[0];
    assert_eq!(link.name, "label.png");
    assert!(link.url.starts_with(&format!("/v1/files/{}/", file.id)));
    let fetched = call("GET", &link.url, &[], None);
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.body, data);

    // Resuming: the same thread over HTTP, and a new socket from any seq, start after it.
    let after_first = visitor_thread(&c, 1);
    assert_eq!(
        after_first
            .messages
            .iter()
            .map(|m| m.seq)
            .collect::<Vec<_>>(),
        vec![2, 3]
    );
    assert_eq!(after_first.messages[0], live.messages[0]);
    drop(socket);
    let mut again = visitor_socket(&c, 2);
    let resumed = frame(&mut again);
    assert_eq!(
        resumed.messages.iter().map(|m| m.seq).collect::<Vec<_>>(),
        vec![3]
    );
    // The visitor's later message reaches its other sockets (another tab) too.
    let r = call(
        "POST",
        &format!("/v1/conversations/{}/messages", c.id),
        &[
            ("Authorization", &format!("Bearer {}", c.visitor_token)),
            ("Content-Type", "application/json"),
            ("Idempotency-Key", "thanks-key-1"),
        ],
        Some(json!({"message": "Thanks!"}).to_string().as_bytes()),
    );
    assert_eq!(r.status, 202);
    let echoed = frame(&mut again);
    assert_eq!(echoed.messages[0].seq, 4);
    assert_eq!(echoed.messages[0].author, AuthorKind::Visitor);
    assert_eq!(echoed.messages[0].body, "Thanks!");
    // The tab that sent it knows it for its own by its key, before the 202 arrives.
    assert_eq!(echoed.messages[0].key.as_deref(), Some("thanks-key-1"));
}

#[test]
fn the_socket_opens_only_with_this_conversations_token_from_an_allowed_page() {
    let _worker = beside_others();
    let c = start("demo", "Hello");
    let other = start("demo", "Another visitor");
    let good = format!("porthole.v1, {}", c.visitor_token);
    assert!(connect(&c.id, &good, Some(SITE_ORIGIN), 0).is_ok());

    let refused =
        |protocols: &str, origin: Option<&str>| connect(&c.id, protocols, origin, 0).err();
    assert_eq!(refused("", Some(SITE_ORIGIN)), Some(401), "no token");
    assert_eq!(
        refused(&c.visitor_token, Some(SITE_ORIGIN)),
        Some(401),
        "no protocol beside it"
    );
    assert_eq!(
        refused(
            &format!("porthole.v1, {}", other.visitor_token),
            Some(SITE_ORIGIN)
        ),
        Some(401),
        "another conversation's token"
    );
    let altered = format!("{}x", c.visitor_token);
    assert_eq!(
        refused(&format!("porthole.v1, {altered}"), Some(SITE_ORIGIN)),
        Some(401),
        "an altered token"
    );
    let secret = xtask::test::TOKEN_SECRET.as_bytes();
    let expired = porthole_edge::token::sign(secret, &c.id, 1_000);
    assert_eq!(
        refused(&format!("porthole.v1, {expired}"), Some(SITE_ORIGIN)),
        Some(401),
        "an expired token"
    );
    let fresh = porthole_edge::token::sign(secret, &c.id, 4_000_000_000);
    assert!(connect(
        &c.id,
        &format!("porthole.v1, {fresh}"),
        Some(SITE_ORIGIN),
        0
    )
    .is_ok());
    assert_eq!(
        refused(&good, Some("https://evil.example")),
        Some(403),
        "a foreign page"
    );
    assert_eq!(refused(&good, None), Some(403), "no page at all");

    // Without an upgrade it says how to connect; the thread over HTTP wants the token too.
    call(
        "GET",
        &format!("/v1/conversations/{}/live", c.id),
        &[],
        None,
    )
    .error(426, ErrorCode::UpgradeRequired);
    call(
        "GET",
        &format!("/v1/conversations/{}/messages", c.id),
        &[("Authorization", &format!("Bearer {}", other.visitor_token))],
        None,
    )
    .error(401, ErrorCode::Unauthorized);
}

#[test]
fn closing_and_reopening_are_notes_and_a_visitor_writing_reopens() {
    let _worker = beside_others();
    let c = start("demo", "Is it fixed?");
    reply(&c.id, "Dana", "Yes, all done.");
    let closed = act(&c.id, "close", "Dana");
    assert_eq!(closed.state, ConversationState::Closed);
    let note = closed.messages.last().unwrap();
    assert_eq!((note.seq, note.author), (3, AuthorKind::System));
    assert_eq!(note.event, Some(ThreadEvent::Closed));
    assert_eq!(note.name.as_deref(), Some("Dana"));
    // Closing again changes nothing.
    assert_eq!(act(&c.id, "close", "Dana").messages.len(), 3);

    let listed = |state: &str| -> Vec<String> {
        let r = call(
            "GET",
            &format!("/v1/inbox/conversations?site=demo&state={state}&limit=200"),
            &[("Authorization", &operator())],
            None,
        );
        assert_eq!(r.status, 200);
        let page: InboxPage = serde_json::from_slice(&r.body).unwrap();
        page.conversations.into_iter().map(|c| c.id).collect()
    };
    assert!(listed("closed").contains(&c.id));
    assert!(!listed("open").contains(&c.id));

    // The visitor writes again: open again, the note first, then the message.
    let r = call(
        "POST",
        &format!("/v1/conversations/{}/messages", c.id),
        &[
            ("Authorization", &format!("Bearer {}", c.visitor_token)),
            ("Content-Type", "application/json"),
        ],
        Some(json!({"message": "It broke again."}).to_string().as_bytes()),
    );
    assert_eq!(r.status, 202);
    let thread = visitor_thread(&c, 3);
    assert_eq!(thread.state, ConversationState::Open);
    let entries: Vec<_> = thread
        .messages
        .iter()
        .map(|m| (m.seq, m.author, m.event))
        .collect();
    assert_eq!(
        entries,
        vec![
            (4, AuthorKind::System, Some(ThreadEvent::Reopened)),
            (5, AuthorKind::Visitor, None)
        ]
    );
    assert!(listed("open").contains(&c.id));

    // An agent reopening an open conversation: nothing; a closed one: a note with their name.
    assert_eq!(act(&c.id, "reopen", "Sam").messages.len(), 5);
    act(&c.id, "close", "Sam");
    let reopened = act(&c.id, "reopen", "Sam");
    let last = reopened.messages.last().unwrap();
    assert_eq!(
        (last.event, last.name.as_deref()),
        (Some(ThreadEvent::Reopened), Some("Sam"))
    );
}

#[test]
fn agents_actions_are_checked_and_a_helpdesk_sites_conversation_is_answered_there() {
    let _worker = beside_others();
    let c = start("demo", "Hi");
    let refused = |body: serde_json::Value| reply_raw(&c.id, &body);
    let fields =
        refused(json!({"author_name": "", "body": ""})).error(422, ErrorCode::ValidationFailed);
    let fields = fields.error.fields.unwrap();
    assert!(fields.contains_key("author_name") && fields.contains_key("body"));
    // The visitor sees a person's name, never an address.
    refused(json!({"author_name": "dana@acme.example", "body": "Hi"}))
        .error(422, ErrorCode::ValidationFailed);
    refused(json!({"author_name": "Dana", "body": "Hi", "attachments": ["nope"]}))
        .error(422, ErrorCode::UnknownAttachment);
    call(
        "POST",
        &format!("/v1/inbox/conversations/{}/messages", c.id),
        &[("Content-Type", "application/json")],
        Some(b"{\"author_name\":\"Dana\",\"body\":\"Hi\"}"),
    )
    .error(401, ErrorCode::Unauthorized);
    reply_raw(
        "no-such-conversation",
        &json!({"author_name": "Dana", "body": "Hi"}),
    )
    .error(404, ErrorCode::NotFound);
    assert_eq!(
        visitor_thread(&c, 0).messages.len(),
        1,
        "nothing refused was stored"
    );

    let elsewhere = start("helpscout", "Delivered into Help Scout");
    reply_raw(&elsewhere.id, &json!({"author_name": "Dana", "body": "Hi"}))
        .error(409, ErrorCode::AnsweredInHelpdesk);
}

#[test]
fn the_inbox_pages_through_conversations_with_a_cursor() {
    let _worker = beside_others();
    let ours: Vec<String> = (0..3)
        .map(|i| start("tiny", &format!("paging {i}")).id)
        .collect();
    let mut seen: Vec<String> = Vec::new();
    let mut cursor = String::new();
    loop {
        let r = call(
            "GET",
            &format!("/v1/inbox/conversations?site=tiny&limit=2&cursor={cursor}"),
            &[("Authorization", &operator())],
            None,
        );
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let page: InboxPage = serde_json::from_slice(&r.body).unwrap();
        assert!(page.conversations.len() <= 2);
        seen.extend(page.conversations.into_iter().map(|c| c.id));
        match page.next_cursor {
            Some(next) => cursor = next,
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no conversation on two pages");
    let positions: Vec<usize> = ours
        .iter()
        .map(|id| {
            seen.iter()
                .position(|s| s == id)
                .expect("every conversation listed")
        })
        .collect();
    assert!(
        positions[0] > positions[1] && positions[1] > positions[2],
        "newest first"
    );
    call(
        "GET",
        "/v1/inbox/conversations?cursor=garbage",
        &[("Authorization", &operator())],
        None,
    )
    .error(422, ErrorCode::ValidationFailed);
}

/// Sockets drop (phones sleep, proxies cut): a reader that reconnects after its last `seq` gets
/// every message once, in order, whatever it missed meanwhile.
#[test]
fn a_hundred_forced_disconnects_during_five_hundred_replies_lose_and_repeat_nothing() {
    let _worker = alone(&[], || {});
    let c = start("demo", "Stream");
    let id = c.id.clone();
    let writer = std::thread::spawn(move || {
        for i in 1..=500 {
            reply(&id, "Dana", &format!("reply {i}"));
        }
    });
    let mut last = 0u64;
    let mut disconnects = 0;
    let mut bodies = Vec::new();
    while last < 501 {
        let mut socket = visitor_socket(&c, last);
        let mut taken = 0;
        while last < 501 {
            let thread = frame(&mut socket);
            for m in thread.messages {
                assert_eq!(m.seq, last + 1, "each message once, in order, none missing");
                last = m.seq;
                bodies.push(m.body);
            }
            taken += 1;
            if disconnects < 100 && taken == 2 {
                break;
            }
        }
        if last < 501 {
            // Forced: the TCP connection goes without a close handshake.
            drop(socket);
            disconnects += 1;
        }
    }
    writer.join().unwrap();
    assert_eq!(disconnects, 100, "the stream outlasted the disconnects");
    assert_eq!(bodies.len(), 501);
    assert_eq!(bodies[500], "reply 500");

    // A reader new to it (another device) gets the whole thread, longer than a page, in order.
    let mut fresh = visitor_socket(&c, 0);
    let mut seqs = Vec::new();
    while seqs.len() < 501 {
        seqs.extend(frame(&mut fresh).messages.into_iter().map(|m| m.seq));
    }
    assert_eq!(seqs, (1..=501).collect::<Vec<u64>>());
}
