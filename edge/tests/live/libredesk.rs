//! Delivery into Libredesk, through the real Worker and queue, against a fake that enforces the
//! rules read from Libredesk's source and injects faults. The tests share the fake, so they run
//! one at a time ([`alone`](crate::helpers::alone)).

use crate::helpers::*;
use porthole_shared::{ConversationAccepted, DeliveryStatus};
use serde_json::json;
use std::sync::OnceLock;
use std::time::Duration;
use xtask::fakes::libredesk::{Conversation, FakeLibredesk, Libredesk};
use xtask::fakes::server::Fault;

fn fake() -> &'static FakeLibredesk {
    static FAKE: OnceLock<FakeLibredesk> = OnceLock::new();
    FAKE.get_or_init(|| Libredesk::start(xtask::ports::LIBREDESK))
}

fn serial() -> std::sync::RwLockWriteGuard<'static, ()> {
    alone(&["libredesk"], || {
        fake().set_fault_rate(0.0);
        fake().refuse_creates(None);
        fake().clear_forced();
    })
}

fn accept(body: &serde_json::Value) -> ConversationAccepted {
    accept_at("libredesk", body, None)
}

fn found(accepted: &ConversationAccepted) -> Vec<Conversation> {
    fake().conversations_with(&accepted.reference)
}

/// The bytes of the files linked to a message, in order.
fn files_of(message: &xtask::fakes::libredesk::Message) -> Vec<(String, Vec<u8>)> {
    message
        .media
        .iter()
        .map(|id| fake().media(*id).unwrap())
        .map(|m| (m.filename, m.bytes))
        .collect()
}

#[test]
fn three_files_arrive_once_with_escaped_html_and_mapped_attributes() {
    let _serial = serial();
    let files = [
        bytes(10, 11),
        bytes(250_000, 12),
        bytes(3 * 1024 * 1024, 13),
    ];
    let ids = files
        .iter()
        .enumerate()
        .map(|(i, f)| upload("libredesk", &format!("doc-{i}.bin"), f).id)
        .collect();
    let accepted = accept(&form("Three files for Libredesk", ids));
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
        Some(c.uuid.as_str())
    );
    assert_eq!(
        (c.first_name.as_str(), c.last_name.as_str()),
        ("Ada", "King Lovelace")
    );
    assert_eq!(c.contact_email, "ada@example.org");
    assert_eq!(c.subject, "Three files for Libredesk");
    // A field Libredesk has an attribute for goes there; the other under the message, escaped.
    assert_eq!(c.custom_attributes, json!({"order_id": "<b>A-17</b>"}));
    let content = &c.messages[0].content;
    assert_eq!(c.messages[0].sender_type, "contact");
    assert!(
        content.contains("Hello &lt;script&gt;alert(1)&lt;/script&gt;"),
        "{content}"
    );
    assert!(
        content.contains("&lt;img src=x onerror=alert(2)&gt; &amp; goodbye"),
        "{content}"
    );
    assert!(!content.contains("<script") && !content.contains("<img"));
    assert!(
        content.contains("<b>gift_note</b>: &lt;i&gt;for mum&lt;/i&gt;"),
        "{content}"
    );
    assert!(!content.contains("order_id"));
    let got = files_of(&c.messages[0]);
    assert_eq!(got.len(), 3);
    for (i, ((name, data), want)) in got.iter().zip(&files).enumerate() {
        assert_eq!(name, &format!("doc-{i}.bin"));
        assert!(data == want, "file {i} differs");
    }
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
        // The first media upload, then the create (after the second upload).
        let files = [bytes(300, 20 + i as u64), bytes(400, 30 + i as u64)];
        let ids = files
            .iter()
            .enumerate()
            .map(|(n, f)| upload("libredesk", &format!("f{n}.bin"), f).id)
            .collect();
        fake().force(&[fault, Fault::Pass, Fault::Pass, fault]);
        let accepted = accept(&form(&format!("Fault {fault:?}"), ids));
        wait_for_status(
            &accepted,
            DeliveryStatus::Delivered,
            Duration::from_secs(90),
        );
        let conversations = found(&accepted);
        assert_eq!(conversations.len(), 1, "{fault:?}: one conversation");
        let got: Vec<Vec<u8>> = files_of(&conversations[0].messages[0])
            .into_iter()
            .map(|(_, b)| b)
            .collect();
        assert_eq!(got, files.to_vec(), "{fault:?}: each file once");
        assert_eq!(fake().clear_forced(), 0);
    }
    assert_eq!(fake().faults_injected().len() - before, 10);

    fake().set_fault_rate(0.3);
    let accepted = submit_and_deliver_many("libredesk", 30, 200);
    fake().set_fault_rate(0.0);
    for (a, file) in &accepted {
        let c = found(a);
        assert_eq!(c.len(), 1, "{} arrived {} times", a.reference, c.len());
        let got = files_of(&c[0].messages[0]);
        assert_eq!(got.len(), 1, "{}: the file once", a.reference);
        assert!(got[0].1 == *file);
    }
}

#[test]
fn files_are_uploaded_again_when_the_create_is_retried() {
    let _serial = serial();
    let files = [bytes(500, 71), bytes(600, 72)];
    let ids = files
        .iter()
        .map(|f| upload("libredesk", "again.bin", f).id)
        .collect();
    let media_before = fake().media_count();
    // Both uploads go through, the create fails: the media stay unlinked, and the retry uploads
    // them again (Libredesk would skip media linked by a create that did happen).
    fake().force(&[Fault::Pass, Fault::Pass, Fault::Status(502)]);
    let accepted = accept(&form("Uploaded twice", ids));
    wait_for_status(
        &accepted,
        DeliveryStatus::Delivered,
        Duration::from_secs(60),
    );
    assert_eq!(fake().media_count() - media_before, 4);
    let got: Vec<Vec<u8>> = files_of(&found(&accepted)[0].messages[0])
        .into_iter()
        .map(|(_, b)| b)
        .collect();
    assert_eq!(got, files.to_vec());
}

#[test]
fn refusals_fail_with_libredesks_reason_and_oversized_files_are_reported() {
    let _serial = serial();
    fake().refuse_creates(Some((400, "Inbox not found")));
    let refused = accept(&form("Refused", vec![]));
    wait_for_status(&refused, DeliveryStatus::Failed, Duration::from_secs(60));
    let record = delivery_of(&refused, "failed");
    let reason = record.last_error.unwrap_or_default();
    assert!(
        reason.contains("400") && reason.contains("Inbox not found"),
        "{reason}"
    );
    assert_eq!(record.attempts, 1);
    fake().refuse_creates(None);

    let big = bytes(20 * 1024 * 1024 + 1, 81);
    let ids = vec![
        upload("libredesk", "huge.bin", &big).id,
        upload("libredesk", "fine.bin", &bytes(100, 82)).id,
    ];
    let accepted = accept(&form("One too big", ids));
    wait_for_status(
        &accepted,
        DeliveryStatus::Delivered,
        Duration::from_secs(60),
    );
    let notes = delivery_of(&accepted, "delivered").notes;
    assert_eq!(notes.len(), 1);
    assert!(
        notes[0].contains("huge.bin") && notes[0].contains("20 MB"),
        "{notes:?}"
    );
    let got = files_of(&found(&accepted)[0].messages[0]);
    assert_eq!(
        got.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        ["fine.bin"]
    );
}

#[test]
fn later_messages_go_to_the_conversation_as_the_contact_once() {
    let _serial = serial();
    let accepted = accept(&form("Chat on Libredesk", vec![]));
    wait_for_status(
        &accepted,
        DeliveryStatus::Delivered,
        Duration::from_secs(60),
    );
    let file = bytes(900, 91);
    // The upload goes through, then the answer to the message is lost after Libredesk stored it.
    fake().force(&[Fault::Pass, Fault::Drop]);
    let reply = follow_up(
        &accepted,
        &json!({"message": "And <this> too", "attachments": [upload("libredesk", "more.bin", &file).id]}),
        None,
    );
    assert_eq!(reply.status, 202);
    wait_for_follow_up(&accepted);
    let c = &found(&accepted)[0];
    assert_eq!(c.messages.len(), 2, "the follow-up once");
    let later = &c.messages[1];
    assert_eq!(later.sender_type, "contact");
    assert!(
        later.content.contains("And &lt;this&gt; too"),
        "{}",
        later.content
    );
    assert_eq!(files_of(later), vec![("more.bin".to_string(), file)]);
}
