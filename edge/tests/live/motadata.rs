//! Delivery into Motadata ServiceOps through the real Worker and queue, against fakes that enforce
//! the documented API and the configured assumptions, and inject faults. Two fakes: one with the
//! default assumptions (API key), one whose Upload Attachment API is elsewhere (OAuth), reached
//! by a site whose configuration alone differs. The tests share them, so they run one at a time.

use crate::helpers::*;
use porthole_shared::{ConversationAccepted, DeliveryStatus};
use serde_json::json;
use std::sync::OnceLock;
use std::time::Duration;
use xtask::fakes::motadata::{Assumptions, FakeMotadata, Motadata, ServiceRequest};
use xtask::fakes::server::Fault;

fn fake() -> &'static FakeMotadata {
    static FAKE: OnceLock<FakeMotadata> = OnceLock::new();
    FAKE.get_or_init(|| Motadata::start(xtask::ports::MOTADATA, Assumptions::default()))
}

/// The ServiceOps whose upload API is at another path and field.
fn moved() -> &'static FakeMotadata {
    static FAKE: OnceLock<FakeMotadata> = OnceLock::new();
    FAKE.get_or_init(|| {
        Motadata::start(
            xtask::ports::MOTADATA_MOVED,
            Assumptions {
                upload_path: "/api/v2/files/upload".into(),
                upload_field: "attachment".into(),
                ..Assumptions::default()
            },
        )
    })
}

fn serial() -> std::sync::RwLockWriteGuard<'static, ()> {
    alone(&["motadata", "motadata-moved"], || {
        for f in [fake(), moved()] {
            f.set_fault_rate(0.0);
            f.refuse_creates(None);
            f.clear_forced();
        }
    })
}

fn found(on: &FakeMotadata, accepted: &ConversationAccepted) -> Vec<ServiceRequest> {
    on.requests_with(&accepted.reference)
}

fn files(request_files: &[xtask::fakes::motadata::File]) -> Vec<(String, Vec<u8>)> {
    request_files
        .iter()
        .map(|f| (f.real_name.clone(), f.bytes.clone()))
        .collect()
}

#[test]
fn a_request_with_three_files_arrives_once_with_escaped_html() {
    let _serial = serial();
    let sent: Vec<(String, Vec<u8>)> = [bytes(10, 1), bytes(180_000, 2), bytes(2 * 1024 * 1024, 3)]
        .into_iter()
        .enumerate()
        .map(|(i, b)| (format!("log-{i}.txt"), b))
        .collect();
    let ids = sent
        .iter()
        .map(|(name, b)| upload("motadata", name, b).id)
        .collect();
    let mut body = form("Printer on fire", ids);
    body["email"] = json!("grace@example.org");
    let accepted = accept_at("motadata", &body, None);
    let delivered = wait_for_status(
        &accepted,
        DeliveryStatus::Delivered,
        Duration::from_secs(60),
    );

    let requests = found(fake(), &accepted);
    assert_eq!(requests.len(), 1, "exactly one request");
    let r = &requests[0];
    assert_eq!(delivered.helpdesk_reference, Some(r.id.to_string()));
    assert_eq!(
        r.subject,
        format!("Printer on fire [{}]", accepted.reference)
    );
    assert_eq!(r.requester_email, "grace@example.org");
    assert_eq!(fake().requester_count("grace@example.org"), 1);
    assert!(
        r.description
            .contains("Hello &lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        r.description
    );
    assert!(r
        .description
        .contains("&lt;img src=x onerror=alert(2)&gt; &amp; goodbye"));
    assert!(!r.description.contains("<script") && !r.description.contains("<img"));
    assert!(
        r.description
            .contains("<b>order_id</b>: &lt;b&gt;A-17&lt;/b&gt;"),
        "custom fields in the description: {}",
        r.description
    );
    assert_eq!(files(&r.files), sent);

    // The same visitor again: the requester exists already, which is fine.
    body["attachments"] = json!([]);
    let again = accept_at("motadata", &body, None);
    wait_for_status(&again, DeliveryStatus::Delivered, Duration::from_secs(60));
    assert_eq!(fake().requester_count("grace@example.org"), 1);
}

#[test]
fn every_fault_is_survived_without_duplicates() {
    let _serial = serial();
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
        let sent = vec![
            ("a.bin".to_string(), bytes(300, 10 + i as u64)),
            ("b.bin".to_string(), bytes(400, 20 + i as u64)),
        ];
        let ids = sent
            .iter()
            .map(|(n, b)| upload("motadata", n, b).id)
            .collect();
        // On the requester, then on the request's create (after the two uploads).
        fake().force(&[fault, Fault::Pass, Fault::Pass, Fault::Pass, fault]);
        let accepted = accept_at("motadata", &form(&format!("Fault {fault:?}"), ids), None);
        wait_for_status(
            &accepted,
            DeliveryStatus::Delivered,
            Duration::from_secs(90),
        );
        let requests = found(fake(), &accepted);
        assert_eq!(requests.len(), 1, "{fault:?}: one request");
        assert_eq!(files(&requests[0].files), sent, "{fault:?}: each file once");
        assert_eq!(fake().clear_forced(), 0);
    }
    fake().set_fault_rate(0.3);
    let accepted = submit_and_deliver_many("motadata", 30, 300);
    fake().set_fault_rate(0.0);
    for (a, file) in &accepted {
        let r = found(fake(), a);
        assert_eq!(r.len(), 1, "{} arrived {} times", a.reference, r.len());
        assert_eq!(
            files(&r[0].files),
            vec![("mix.bin".to_string(), file.clone())]
        );
    }
}

#[test]
fn a_refusal_fails_with_the_reason() {
    let _serial = serial();
    fake().refuse_creates(Some((400, "Category is mandatory")));
    let accepted = accept_at("motadata", &form("Refused", vec![]), None);
    wait_for_status(&accepted, DeliveryStatus::Failed, Duration::from_secs(60));
    let record = delivery_of(&accepted, "failed");
    let reason = record.last_error.unwrap_or_default();
    assert!(
        reason.contains("400") && reason.contains("Category is mandatory"),
        "{reason}"
    );
    assert!(found(fake(), &accepted).is_empty());
}

#[test]
fn later_messages_are_published_conversations_from_the_requester_once() {
    let _serial = serial();
    let accepted = accept_at("motadata", &form("Then more", vec![]), None);
    wait_for_status(
        &accepted,
        DeliveryStatus::Delivered,
        Duration::from_secs(60),
    );
    let file = bytes(999, 55);
    // The upload passes; the conversation is stored but its answer lost.
    fake().force(&[Fault::Pass, Fault::Drop]);
    let reply = follow_up(
        &accepted,
        &json!({"message": "It <b>smokes</b> now", "attachments": [upload("motadata", "smoke.jpg", &file).id]}),
        None,
    );
    assert_eq!(reply.status, 202);
    wait_for_follow_up(&accepted);
    let conversations = &found(fake(), &accepted)[0].conversations;
    assert_eq!(conversations.len(), 1, "once");
    let c = &conversations[0];
    assert_eq!(
        (c.conversation_type.as_str(), c.state.as_str()),
        ("requestor_to_technician", "published")
    );
    assert!(
        c.details.contains("It &lt;b&gt;smokes&lt;/b&gt; now"),
        "{}",
        c.details
    );
    assert_eq!(files(&c.files), vec![("smoke.jpg".to_string(), file)]);
}

#[test]
fn moved_upload_api_and_oauth_need_only_configuration() {
    let _serial = serial();
    let sent = vec![("moved.bin".to_string(), bytes(5000, 77))];
    let ids = sent
        .iter()
        .map(|(n, b)| upload("motadata-moved", n, b).id)
        .collect();
    let grants = moved().token_grants();
    let accepted = accept_at("motadata-moved", &form("Elsewhere", ids), None);
    wait_for_status(
        &accepted,
        DeliveryStatus::Delivered,
        Duration::from_secs(60),
    );
    let r = found(moved(), &accepted);
    assert_eq!(r.len(), 1);
    assert_eq!(
        files(&r[0].files),
        sent,
        "uploaded at the configured path and field"
    );
    assert!(found(fake(), &accepted).is_empty());
    assert!(moved().token_grants() > grants, "signed in with OAuth");

    // An expired token is renewed once, then the delivery goes on.
    let grants = moved().token_grants();
    moved().revoke_tokens();
    let accepted = accept_at(
        "motadata-moved",
        &form("After the token expired", vec![]),
        None,
    );
    wait_for_status(
        &accepted,
        DeliveryStatus::Delivered,
        Duration::from_secs(60),
    );
    assert_eq!(moved().token_grants(), grants + 1);
}
