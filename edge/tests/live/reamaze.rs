//! Delivery into Re:amaze, through the real Worker and queue, against a fake that enforces
//! Re:amaze's documented contract, downloads attachments from the signed links it is given, and
//! injects faults. The tests share the fake, so they run one at a time ([`alone`](crate::helpers::alone)).

use crate::helpers::*;
use porthole_shared::{ConversationAccepted, DeliveryStatus};
use serde_json::json;
use std::sync::OnceLock;
use std::time::Duration;
use xtask::fakes::reamaze::{FakeReamaze, Reamaze};
use xtask::fakes::server::Fault;

fn fake() -> &'static FakeReamaze {
    static FAKE: OnceLock<FakeReamaze> = OnceLock::new();
    FAKE.get_or_init(|| Reamaze::start(xtask::ports::REAMAZE))
}

fn serial() -> std::sync::RwLockWriteGuard<'static, ()> {
    alone(&["reamaze"], || {
        fake().set_fault_rate(0.0);
        fake().refuse_creates(None);
        fake().keep_repeated_origins(false);
        fake().clear_forced();
    })
}

fn accept(body: &serde_json::Value) -> ConversationAccepted {
    accept_at("reamaze", body, None)
}

fn found(accepted: &ConversationAccepted) -> Vec<xtask::fakes::reamaze::Conversation> {
    fake().conversations_tagged(&format!(
        "porthole-{}",
        accepted.reference.to_ascii_lowercase()
    ))
}

#[test]
fn three_files_arrive_once_by_signed_link_with_escaped_markdown() {
    let _serial = serial();
    let files = [bytes(10, 1), bytes(200_000, 2), bytes(3 * 1024 * 1024, 3)];
    let ids = files
        .iter()
        .enumerate()
        .map(|(i, f)| upload("reamaze", &format!("scan {i}.bin"), f).id)
        .collect();
    let accepted = accept(&form("Three files for Re:amaze", ids));
    let delivered = wait_for_status(
        &accepted,
        DeliveryStatus::Delivered,
        Duration::from_secs(60),
    );

    let conversations = found(&accepted);
    assert_eq!(conversations.len(), 1, "exactly one conversation");
    let c = &conversations[0];
    assert_eq!(
        delivered.helpdesk_reference.as_deref(),
        Some(c.slug.as_str())
    );
    assert_eq!(c.subject, "Three files for Re:amaze");
    assert_eq!(c.user["name"], "Ada King Lovelace");
    assert_eq!(c.user["email"], "ada@example.org");
    // Custom fields go to the conversation's data, as the visitor typed them (data is not Markdown).
    assert_eq!(c.data["order_id"], "<b>A-17</b>");
    assert_eq!(c.data["gift_note"], "<i>for mum</i>");
    let body = &c.messages[0].body;
    assert!(
        body.contains(r"Hello \<script\>alert\(1\)\</script\>"),
        "{body}"
    );
    assert!(
        body.contains(r"\<img src\=x onerror\=alert\(2\)\> \& goodbye"),
        "{body}"
    );
    assert!(
        body.contains(r"\[click\]\(https\://evil\.example\) \*\*now\*\*"),
        "a link cannot be forged: {body}"
    );
    assert!(
        body.contains(&accepted.reference.replace('-', r"\-")),
        "{body}"
    );

    // One file per message, each downloaded by Re:amaze from its link, byte for byte.
    assert_eq!(c.messages.len(), 3);
    for (i, (message, want)) in c.messages.iter().zip(&files).enumerate() {
        let fetched = message
            .attachment
            .as_ref()
            .unwrap_or_else(|| panic!("message {i} has no attachment"));
        assert_eq!(fetched.status, 200, "{}", fetched.url);
        assert!(fetched.bytes == *want, "file {i} differs");
        assert_eq!(
            fetched.file_name.as_deref(),
            Some(format!("scan {i}.bin").as_str())
        );
        assert_eq!(
            message.user["email"], "ada@example.org",
            "every message is the visitor's"
        );
    }
}

#[test]
fn a_signed_link_fails_when_altered_and_after_it_expires() {
    let _serial = serial();
    let file = bytes(5000, 9);
    let accepted = accept(&form(
        "Link lifetime",
        vec![upload("reamaze", "proof.bin", &file).id],
    ));
    wait_for_status(
        &accepted,
        DeliveryStatus::Delivered,
        Duration::from_secs(60),
    );
    let url = found(&accepted)[0].messages[0]
        .attachment
        .clone()
        .unwrap()
        .url;
    let path = url
        .strip_prefix(&edge())
        .expect("the link points at the Worker");
    let fetch = |p: &str| call("GET", p, &[], None);
    let ok = fetch(path);
    assert_eq!(ok.status, 200);
    assert!(ok.body == file);
    assert!(ok
        .header("content-disposition")
        .unwrap_or("")
        .starts_with("attachment"));

    let altered_sig = format!("{}A", path);
    fetch(&altered_sig).error(403, porthole_shared::ErrorCode::InvalidLink);
    let (base, query) = path.split_once('?').unwrap();
    let expires: u64 = query
        .split('&')
        .find_map(|p| p.strip_prefix("expires="))
        .unwrap()
        .parse()
        .unwrap();
    let later = path.replace(
        &format!("expires={expires}"),
        &format!("expires={}", expires + 3600),
    );
    fetch(&later).error(403, porthole_shared::ErrorCode::InvalidLink);
    let other_file = base.replacen(
        &base.split('/').nth(3).unwrap().to_string(),
        "someotherupload",
        1,
    );
    fetch(&format!("{other_file}?{query}")).error(403, porthole_shared::ErrorCode::InvalidLink);

    // The test Worker's links live 12 seconds.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    std::thread::sleep(Duration::from_secs(expires.saturating_sub(now) + 1));
    fetch(path).error(403, porthole_shared::ErrorCode::InvalidLink);
}

#[test]
fn every_fault_is_survived_without_duplicates() {
    let _serial = serial();
    let before = fake().faults_injected().len();
    for (i, fault) in [
        Fault::Status(500),
        Fault::Status(503),
        Fault::RateLimited(1),
        Fault::Slow(2_500),
        Fault::Drop,
    ]
    .into_iter()
    .enumerate()
    {
        // On the create, then on the second file's message.
        let files = [bytes(300, 40 + i as u64), bytes(400, 50 + i as u64)];
        let ids = files
            .iter()
            .enumerate()
            .map(|(n, f)| upload("reamaze", &format!("f{n}.bin"), f).id)
            .collect();
        fake().force(&[fault, Fault::Pass, fault]);
        let accepted = accept(&form(&format!("Fault {fault:?}"), ids));
        wait_for_status(
            &accepted,
            DeliveryStatus::Delivered,
            Duration::from_secs(90),
        );
        let conversations = found(&accepted);
        assert_eq!(conversations.len(), 1, "{fault:?}: one conversation");
        let attached: Vec<&Vec<u8>> = conversations[0]
            .messages
            .iter()
            .filter_map(|m| m.attachment.as_ref())
            .map(|a| &a.bytes)
            .collect();
        assert_eq!(
            attached,
            files.iter().collect::<Vec<_>>(),
            "{fault:?}: each file once, in order"
        );
        assert_eq!(fake().clear_forced(), 0);
    }
    assert_eq!(fake().faults_injected().len() - before, 10);

    // And a random mix on many submissions.
    fake().set_fault_rate(0.3);
    let accepted = submit_and_deliver_many("reamaze", 30, 100);
    fake().set_fault_rate(0.0);
    for (a, file) in &accepted {
        let c = found(a);
        assert_eq!(c.len(), 1, "{} arrived {} times", a.reference, c.len());
        assert_eq!(c[0].messages.len(), 1);
        assert!(c[0].messages[0].attachment.as_ref().unwrap().bytes == *file);
    }
}

#[test]
fn a_refusal_fails_with_re_amazes_reason() {
    let _serial = serial();
    fake().refuse_creates(Some((422, "category is not a channel of this brand")));
    let accepted = accept(&form("Refused", vec![]));
    wait_for_status(&accepted, DeliveryStatus::Failed, Duration::from_secs(60));
    let record = delivery_of(&accepted, "failed");
    let reason = record.last_error.unwrap_or_default();
    assert!(
        reason.contains("422") && reason.contains("category is not a channel of this brand"),
        "{reason}"
    );
    assert_eq!(record.attempts, 1);
    assert!(found(&accepted).is_empty());
}

#[test]
fn later_messages_are_sent_once_with_their_files() {
    let _serial = serial();
    let accepted = accept(&form("Chat on Re:amaze", vec![]));
    wait_for_status(
        &accepted,
        DeliveryStatus::Delivered,
        Duration::from_secs(60),
    );
    let files = [bytes(700, 61), bytes(800, 62)];
    let ids: Vec<String> = files
        .iter()
        .map(|f| upload("reamaze", "later.bin", f).id)
        .collect();
    // The answer is lost after Re:amaze stored the message, and this Re:amaze does not drop
    // repeated origin ids: Porthole finds the message on the conversation instead of resending.
    fake().keep_repeated_origins(true);
    fake().force(&[Fault::Drop, Fault::Pass, Fault::Drop]);
    let reply = follow_up(
        &accepted,
        &json!({"message": "Here are the *photos*", "attachments": ids}),
        None,
    );
    assert_eq!(reply.status, 202);
    wait_for_follow_up(&accepted);
    assert_eq!(fake().clear_forced(), 0, "both answers were lost");
    let messages = &found(&accepted)[0].messages;
    assert_eq!(
        messages.len(),
        3,
        "the first message, the follow-up, and its second file, once each"
    );
    assert!(
        messages[1].body.starts_with(r"Here are the \*photos\*"),
        "{}",
        messages[1].body
    );
    assert!(messages[1].attachment.as_ref().unwrap().bytes == files[0]);
    assert!(messages[2].attachment.as_ref().unwrap().bytes == files[1]);
}
