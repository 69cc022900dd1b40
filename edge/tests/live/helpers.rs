//! Talking to the Worker that `cargo xtask test` started, through `xtask::client`, and waiting
//! for what it does in the background.

use porthole_shared::{
    ConversationAccepted, ConversationStatus, DeliveryList, DeliveryStatus, ErrorBody, ErrorCode,
    InboxConversation, InboxPage, UploadResult,
};
use serde_json::json;
use serde_json::Value;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};
use xtask::client::Edge;
pub use xtask::client::Reply;

/// The origin the test sites allow: the browser tests' host pages.
pub const SITE_ORIGIN: &str = xtask::ports::HOST_ORIGIN;

static WORKER: RwLock<()> = RwLock::new(());

/// Taken by a test that others may run beside: the HTTP contract's.
pub fn beside_others() -> RwLockReadGuard<'static, ()> {
    WORKER.read().unwrap_or_else(|e| e.into_inner())
}

/// Taken by a test that must run with nothing else under way: one that counts what the Worker
/// stores, forces a helpdesk fake's faults or runs a Worker of its own. `reset` puts the test's
/// fakes back to their defaults first; then whatever an earlier test left to deliver into
/// `sites` settles (quickly, the fakes being reset), so that the test's forced faults meet its
/// own calls.
pub fn alone(sites: &[&str], reset: impl FnOnce()) -> RwLockWriteGuard<'static, ()> {
    let guard = WORKER.write().unwrap_or_else(|e| e.into_inner());
    reset();
    for site in sites {
        wait_idle(site);
    }
    guard
}

pub fn edge() -> String {
    std::env::var("PORTHOLE_EDGE").expect(
        "PORTHOLE_EDGE is not set: these tests run against a live Worker; use `cargo xtask test`",
    )
}

pub fn operator_token() -> String {
    std::env::var("PORTHOLE_OPERATOR_TOKEN")
        .expect("PORTHOLE_OPERATOR_TOKEN is set by `cargo xtask test`")
}

/// What the tests read of an answer.
pub trait Answer {
    fn json(&self) -> Value;
    /// Asserts the one error shape and the status its code maps to.
    fn error(&self, status: u16, code: ErrorCode) -> ErrorBody;
}

impl Answer for Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    fn error(&self, status: u16, code: ErrorCode) -> ErrorBody {
        assert_eq!(
            self.status,
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        let body: ErrorBody =
            serde_json::from_slice(&self.body).expect("the error body has the shared shape");
        assert_eq!(body.error.code, code);
        assert!(!body.error.message.is_empty());
        assert!(self
            .header("content-type")
            .unwrap_or("")
            .starts_with("application/json"));
        body
    }
}

pub fn call(method: &str, path: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Reply {
    call_at(&edge(), method, path, headers, body)
}

/// Like [`call`], to a Worker at `base` (a test that runs its own).
pub fn call_at(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Reply {
    // A fresh connection per call: a pooled one the Worker had closed would fail a POST.
    Edge::new(base)
        .call(method, path, headers, body)
        .unwrap_or_else(|e| panic!("{e}"))
}

pub fn upload_to(site: &str, name: &str, content_type: &str, bytes: &[u8]) -> Reply {
    Edge::new(&edge())
        .upload(site, SITE_ORIGIN, name, content_type, bytes)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A file uploaded to `site`, which must take it.
pub fn upload(site: &str, name: &str, bytes: &[u8]) -> UploadResult {
    expect(
        upload_to(site, name, "application/octet-stream", bytes),
        201,
    )
}

/// The body of an answer that must have `status`.
fn expect<T: serde::de::DeserializeOwned>(reply: Reply, status: u16) -> T {
    assert_eq!(
        reply.status,
        status,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    serde_json::from_slice(&reply.body).unwrap()
}

/// A submission to `site` from the test pages' origin, with an Idempotency-Key if given.
pub fn submit(site: &str, body: &Value, key: Option<&str>) -> Reply {
    Edge::new(&edge())
        .submit(site, SITE_ORIGIN, body, key)
        .unwrap_or_else(|e| panic!("{e}"))
}

pub fn inbox() -> Vec<InboxConversation> {
    let reply = Edge::new(&edge())
        .inbox(&operator_token(), "demo", 200)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reply.status, 200);
    serde_json::from_slice::<InboxPage>(&reply.body)
        .unwrap()
        .conversations
}

pub fn download(path: &str) -> Reply {
    call(
        "GET",
        path,
        &[("Authorization", &format!("Bearer {}", operator_token()))],
        None,
    )
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Deterministic, incompressible-looking bytes.
pub fn bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

// Delivery: submissions into a site whose helpdesk is a fake, and waiting for their outcome.

pub fn accept_at(site: &str, body: &serde_json::Value, key: Option<&str>) -> ConversationAccepted {
    expect(submit(site, body, key), 202)
}

pub fn status(accepted: &ConversationAccepted) -> ConversationStatus {
    let reply = call(
        "GET",
        &accepted.status_url,
        &[(
            "Authorization",
            &format!("Bearer {}", accepted.visitor_token),
        )],
        None,
    );
    expect(reply, 200)
}

pub fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting until {what}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

pub fn wait_for_status(
    accepted: &ConversationAccepted,
    wanted: DeliveryStatus,
    limit: Duration,
) -> ConversationStatus {
    let mut last = None;
    wait_until(
        &format!("{} is {wanted:?}", accepted.reference),
        limit,
        || {
            let s = status(accepted);
            let done = s.status == wanted;
            last = Some(s);
            done
        },
    );
    last.unwrap()
}

pub fn operator() -> String {
    format!("Bearer {}", operator_token())
}

pub fn deliveries(status: &str) -> DeliveryList {
    let reply = Edge::new(&edge())
        .deliveries(&operator_token(), status, 500)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reply.status, 200);
    serde_json::from_slice(&reply.body).unwrap()
}

/// A form with everything a hostile visitor might type, and custom fields.
pub fn form(subject: &str, attachments: Vec<String>) -> serde_json::Value {
    json!({
        "name": "Ada King Lovelace", "email": "ada@example.org", "subject": subject,
        "message": "Hello <script>alert(1)</script>\n<img src=x onerror=alert(2)> & goodbye [click](https://evil.example) **now**",
        "fields": {"order_id": "<b>A-17</b>", "gift_note": "<i>for mum</i>"}, "attachments": attachments,
    })
}

/// A visitor's later message in `accepted`'s conversation.
pub fn follow_up(
    accepted: &ConversationAccepted,
    body: &serde_json::Value,
    key: Option<&str>,
) -> Reply {
    let token = format!("Bearer {}", accepted.visitor_token);
    let mut headers = vec![
        ("Authorization", token.as_str()),
        ("Content-Type", "application/json"),
        ("Origin", SITE_ORIGIN),
    ];
    if let Some(k) = key {
        headers.push(("Idempotency-Key", k));
    }
    call(
        "POST",
        &format!("/v1/conversations/{}/messages", accepted.id),
        &headers,
        Some(body.to_string().as_bytes()),
    )
}

/// The operator's record of `accepted`'s first delivery.
pub fn delivery_of(
    accepted: &ConversationAccepted,
    status: &str,
) -> porthole_shared::DeliveryRecord {
    deliveries(status)
        .deliveries
        .into_iter()
        .find(|d| d.reference == accepted.reference)
        .unwrap_or_else(|| panic!("{} is not {status}", accepted.reference))
}

/// Until the conversation's first message and one follow-up are both delivered.
pub fn wait_for_follow_up(accepted: &ConversationAccepted) {
    wait_for_delivered(accepted, 2, "the follow-up is delivered");
}

/// Until `count` of the conversation's messages are delivered.
pub fn wait_for_delivered(accepted: &ConversationAccepted, count: usize, what: &str) {
    wait_until(what, Duration::from_secs(60), || {
        deliveries("delivered")
            .deliveries
            .iter()
            .filter(|d| d.reference == accepted.reference)
            .count()
            == count
    });
}

/// `count` submissions to `site`, each with one file `mix.bin` of its own, waited for until every
/// one is delivered (the caller sets the fake's fault rate around it). Returns each with its file.
pub fn submit_and_deliver_many(
    site: &str,
    count: usize,
    seed: u64,
) -> Vec<(ConversationAccepted, Vec<u8>)> {
    let accepted: Vec<(ConversationAccepted, Vec<u8>)> = (0..count)
        .map(|n| {
            let file = bytes(1000 + n, seed + n as u64);
            (
                accept_at(
                    site,
                    &form(&format!("Mix {n}"), vec![upload(site, "mix.bin", &file).id]),
                    None,
                ),
                file,
            )
        })
        .collect();
    wait_until(
        "every submission is delivered",
        Duration::from_secs(300),
        || {
            accepted
                .iter()
                .all(|(a, _)| status(a).status == DeliveryStatus::Delivered)
        },
    );
    accepted
}

/// Waits until no delivery of `site` is waiting or under way, so that a test's forced faults meet
/// its own calls and not those of an earlier test's deliveries.
pub fn wait_idle(site: &str) {
    wait_until(
        &format!("{site}'s deliveries are settled"),
        Duration::from_secs(120),
        || {
            ["queued", "delivering"]
                .iter()
                .all(|status| deliveries(status).deliveries.iter().all(|d| d.site != site))
        },
    );
}
