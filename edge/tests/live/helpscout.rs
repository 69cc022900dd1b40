//! Accepted means delivered: submissions go through the real queue into a fake Help Scout that
//! enforces the vendor's contract and injects faults, and arrive exactly once.
//!
//! The tests share one fake and one Worker, so they run one at a time ([`alone`](crate::helpers::alone)).

use crate::helpers::*;
use porthole_shared::{ConversationAccepted, DeliveryStatus, ErrorCode};
use serde_json::json;
use std::sync::OnceLock;
use std::time::Duration;
use xtask::fakes::helpscout::{FakeHelpScout, Fault};

fn fake() -> &'static FakeHelpScout {
    static FAKE: OnceLock<FakeHelpScout> = OnceLock::new();
    FAKE.get_or_init(|| xtask::fakes::helpscout::HelpScout::start(xtask::ports::HELPSCOUT))
}

fn serial() -> std::sync::RwLockWriteGuard<'static, ()> {
    alone(&["helpscout"], || {
        fake().set_fault_rate(0.0);
        fake().refuse_creates(None);
        fake().clear_forced();
    })
}

fn tag(reference: &str) -> String {
    format!("porthole-{}", reference.to_ascii_lowercase())
}

fn accept(body: &serde_json::Value, key: Option<&str>) -> ConversationAccepted {
    accept_at("helpscout", body, key)
}

#[test]
fn a_submission_with_three_files_arrives_once_with_identical_bytes_and_escaped_text() {
    let _serial = serial();
    let files = [
        bytes(10, 31),
        bytes(150_000, 32),
        bytes(2 * 1024 * 1024, 33),
    ];
    let ids = files
        .iter()
        .enumerate()
        .map(|(i, f)| upload("helpscout", &format!("file-{i}.bin"), f).id)
        .collect();
    let accepted = accept(&form("Three files", ids), None);
    assert_eq!(accepted.status, DeliveryStatus::Queued);
    let delivered = wait_for_status(
        &accepted,
        DeliveryStatus::Delivered,
        Duration::from_secs(60),
    );

    let found = fake().conversations_tagged(&tag(&accepted.reference));
    assert_eq!(found.len(), 1, "exactly one conversation");
    let conversation = &found[0];
    assert_eq!(
        delivered.helpdesk_reference,
        Some(conversation.id.to_string())
    );
    assert_eq!(conversation.subject, "Three files");
    assert_eq!(conversation.customer["firstName"], "Ada");
    assert_eq!(conversation.customer["lastName"], "King Lovelace");
    let thread = &conversation.threads[0];
    assert_eq!(thread.kind, "customer");
    assert!(
        thread
            .text
            .contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        thread.text
    );
    assert!(thread
        .text
        .contains("&lt;img src=x onerror=alert(2)&gt; &amp; goodbye"));
    assert!(!thread.text.contains("<script") && !thread.text.contains("<img"));
    // A field Help Scout has a place for goes there, as plain text; the others in a readable,
    // escaped block under the message.
    assert_eq!(conversation.fields, vec![(7001, "<b>A-17</b>".to_string())]);
    assert!(!thread.text.contains("order_id"));
    assert!(
        thread
            .text
            .contains("<b>gift_note</b>: &lt;i&gt;for mum&lt;/i&gt;"),
        "{}",
        thread.text
    );
    assert_eq!(thread.attachments.len(), 3);
    for (i, (got, want)) in thread.attachments.iter().zip(&files).enumerate() {
        assert_eq!(got.file_name, format!("file-{i}.bin"));
        assert!(got.data == *want, "file {i} differs");
    }
}

#[test]
fn five_hundred_submissions_with_thirty_percent_faults_arrive_exactly_once() {
    let _serial = serial();
    let before = fake().faults_injected().len();
    fake().set_fault_rate(0.30);
    let total = 500;
    let accepted: Vec<(ConversationAccepted, Option<Vec<u8>>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..10)
            .map(|worker| {
                scope.spawn(move || {
                    (0..total / 10)
                        .map(|i| {
                            let n = worker * 1000 + i;
                            let file = (n % 3 == 0).then(|| bytes(1000 + n, n as u64));
                            let ids = file
                                .iter()
                                .map(|f| upload("helpscout", &format!("load-{n}.bin"), f).id)
                                .collect();
                            (accept(&form(&format!("Load {n}"), ids), None), file)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert_eq!(accepted.len(), total);

    let references: Vec<String> = accepted.iter().map(|(a, _)| a.reference.clone()).collect();
    wait_until(
        "every submission is in Help Scout",
        Duration::from_secs(600),
        || {
            references
                .iter()
                .all(|r| !fake().conversations_tagged(&tag(r)).is_empty())
        },
    );
    fake().set_fault_rate(0.0);
    // Let deliveries still finishing (files after the conversation) settle.
    wait_until(
        "every delivery is settled",
        Duration::from_secs(300),
        || {
            accepted
                .iter()
                .all(|(a, _)| status(a).status == DeliveryStatus::Delivered)
        },
    );

    for (a, file) in &accepted {
        let found = fake().conversations_tagged(&tag(&a.reference));
        assert_eq!(
            found.len(),
            1,
            "{} arrived {} times",
            a.reference,
            found.len()
        );
        let attachments = &found[0].threads[0].attachments;
        match file {
            Some(bytes) => {
                assert_eq!(attachments.len(), 1, "{}: one file, once", a.reference);
                assert!(
                    attachments[0].data == *bytes,
                    "{}: file bytes differ",
                    a.reference
                );
            }
            None => assert!(attachments.is_empty()),
        }
        assert_eq!(status(a).helpdesk_reference, Some(found[0].id.to_string()));
    }
    // The run really was hostile: every kind of fault happened, many times.
    let injected = &fake().faults_injected()[before..];
    for kind in [
        Fault::Status(500),
        Fault::Status(503),
        Fault::RateLimited(1),
        Fault::Slow(2_500),
        Fault::Drop,
    ] {
        let n = injected.iter().filter(|f| **f == kind).count();
        assert!(n >= 10, "{kind:?} injected only {n} times");
    }
}

#[test]
fn a_permanent_refusal_fails_with_the_reason_and_an_operator_retry_delivers_it() {
    let _serial = serial();
    fake().refuse_creates(Some((403, "This account is suspended")));
    let accepted = accept(&form("Refused at first", vec![]), None);
    wait_for_status(&accepted, DeliveryStatus::Failed, Duration::from_secs(60));
    let failed = deliveries("failed");
    let record = failed
        .deliveries
        .iter()
        .find(|d| d.reference == accepted.reference)
        .expect("listed as failed");
    let reason = record.last_error.clone().unwrap_or_default();
    assert!(
        reason.contains("403") && reason.contains("This account is suspended"),
        "{reason}"
    );
    assert_eq!(record.attempts, 1, "a permanent error is not retried");
    assert!(fake()
        .conversations_tagged(&tag(&accepted.reference))
        .is_empty());

    // The operator fixes the account, then retries.
    fake().refuse_creates(None);
    let retry = call(
        "POST",
        &format!("/v1/admin/deliveries/{}/retry", record.id),
        &[("Authorization", &operator())],
        None,
    );
    assert_eq!(
        retry.status,
        202,
        "{}",
        String::from_utf8_lossy(&retry.body)
    );
    wait_for_status(
        &accepted,
        DeliveryStatus::Delivered,
        Duration::from_secs(60),
    );
    assert_eq!(
        fake().conversations_tagged(&tag(&accepted.reference)).len(),
        1
    );
    // Only a failed delivery can be retried.
    call(
        "POST",
        &format!("/v1/admin/deliveries/{}/retry", record.id),
        &[("Authorization", &operator())],
        None,
    )
    .error(409, ErrorCode::NotRetryable);
    call(
        "POST",
        &format!("/v1/admin/deliveries/{}/retry", record.id),
        &[],
        None,
    )
    .error(401, ErrorCode::Unauthorized);
}

#[test]
fn an_outage_longer_than_the_attempts_is_dead_lettered_and_retried_by_the_operator() {
    let _serial = serial();
    // Every call fails for now: max_attempts (8 in the test configuration) runs out.
    fake().force(&[Fault::Status(503); 400]);
    let accepted = accept(&form("Long outage", vec![]), None);
    wait_for_status(&accepted, DeliveryStatus::Failed, Duration::from_secs(120));
    fake().clear_forced();
    let record = deliveries("failed")
        .deliveries
        .into_iter()
        .find(|d| d.reference == accepted.reference)
        .unwrap();
    assert_eq!(record.attempts, 8);
    assert!(
        record
            .last_error
            .as_deref()
            .unwrap_or("")
            .starts_with("gave up after 8 attempts: HTTP 503"),
        "{:?}",
        record.last_error
    );
    let retry = call(
        "POST",
        &format!("/v1/admin/deliveries/{}/retry", record.id),
        &[("Authorization", &operator())],
        None,
    );
    assert_eq!(retry.status, 202);
    wait_for_status(
        &accepted,
        DeliveryStatus::Delivered,
        Duration::from_secs(60),
    );
    assert_eq!(
        fake().conversations_tagged(&tag(&accepted.reference)).len(),
        1
    );
}

#[test]
fn idempotent_replays_create_nothing() {
    let _serial = serial();
    let body = form("Sent twice", vec![]);
    let key = format!("key-{}", std::process::id());
    let first = accept(&body, Some(&key));
    let again = submit("helpscout", &body, Some(&key));
    assert_eq!(again.status, 202);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let again: ConversationAccepted = serde_json::from_slice(&again.body).unwrap();
    assert_eq!(
        (again.id.as_str(), again.reference.as_str()),
        (first.id.as_str(), first.reference.as_str())
    );
    // White space around fields is not a different submission.
    let mut padded = body.clone();
    padded["subject"] = json!("  Sent twice ");
    assert_eq!(submit("helpscout", &padded, Some(&key)).status, 202);
    // A different body under the same key is refused.
    let mut other = body.clone();
    other["message"] = json!("Something else");
    submit("helpscout", &other, Some(&key)).error(409, ErrorCode::IdempotencyKeyReused);
    submit("helpscout", &body, Some("has space")).error(400, ErrorCode::InvalidIdempotencyKey);

    // Racing duplicates: all answered with one conversation.
    let race_key = format!("race-{}", std::process::id());
    let ids: Vec<String> = std::thread::scope(|scope| {
        let hs: Vec<_> = (0..6)
            .map(|_| scope.spawn(|| accept(&form("Raced", vec![]), Some(&race_key)).id))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");

    // A replay with files: the files already belong to the first request's message, and the
    // replay still answers as the first request did.
    let file = upload("helpscout", "once.bin", &bytes(3000, 5)).id;
    let with_file = form("With a file, twice", vec![file]);
    let file_key = format!("file-{}", std::process::id());
    let a = accept(&with_file, Some(&file_key));
    let b = accept(&with_file, Some(&file_key));
    assert_eq!(a.id, b.id);
    // Racing duplicates with a file: the losers' claim on the file fails, and they still get the
    // winner's answer, not a 422.
    let raced_file = upload("helpscout", "raced.bin", &bytes(2000, 6)).id;
    let raced_body = form("Raced with a file", vec![raced_file]);
    let raced_key = format!("raced-file-{}", std::process::id());
    let raced: Vec<String> = std::thread::scope(|scope| {
        let hs: Vec<_> = (0..5)
            .map(|_| scope.spawn(|| accept(&raced_body, Some(&raced_key)).id))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(raced.windows(2).all(|w| w[0] == w[1]), "{raced:?}");

    wait_for_status(&first, DeliveryStatus::Delivered, Duration::from_secs(60));
    assert_eq!(fake().conversations_tagged(&tag(&first.reference)).len(), 1);
    wait_for_status(&a, DeliveryStatus::Delivered, Duration::from_secs(60));
    let delivered = fake().conversations_tagged(&tag(&a.reference));
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].threads[0].attachments.len(), 1);
}

#[test]
fn an_expired_access_token_is_renewed_once() {
    let _serial = serial();
    let grants = fake().token_grants();
    fake().revoke_tokens();
    let accepted = accept(&form("After revocation", vec![]), None);
    wait_for_status(
        &accepted,
        DeliveryStatus::Delivered,
        Duration::from_secs(60),
    );
    assert_eq!(
        fake().token_grants(),
        grants + 1,
        "one new token after the 401"
    );
}

#[test]
fn a_file_over_help_scouts_limit_is_reported_not_dropped_silently() {
    let _serial = serial();
    let big = bytes(10 * 1024 * 1024 + 1, 77);
    let small = bytes(100, 78);
    let ids = vec![
        upload("helpscout", "huge.bin", &big).id,
        upload("helpscout", "small.bin", &small).id,
    ];
    let accepted = accept(&form("One too big", ids), None);
    wait_for_status(
        &accepted,
        DeliveryStatus::Delivered,
        Duration::from_secs(60),
    );
    let record = deliveries("delivered")
        .deliveries
        .into_iter()
        .find(|d| d.reference == accepted.reference)
        .unwrap();
    assert_eq!(record.notes.len(), 1);
    assert!(
        record.notes[0].contains("huge.bin") && record.notes[0].contains("10 MB"),
        "{:?}",
        record.notes
    );
    let conversation = &fake().conversations_tagged(&tag(&accepted.reference))[0];
    assert_eq!(conversation.threads[0].attachments.len(), 1);
    assert_eq!(
        conversation.threads[0].attachments[0].file_name,
        "small.bin"
    );
}

#[test]
fn the_status_needs_this_conversations_token() {
    let _serial = serial();
    let a = accept(&form("Mine", vec![]), None);
    let b = accept(&form("Theirs", vec![]), None);
    let with = |token: &str| {
        call(
            "GET",
            &a.status_url,
            &[("Authorization", &format!("Bearer {token}"))],
            None,
        )
    };
    assert_eq!(with(&a.visitor_token).status, 200);
    with(&b.visitor_token).error(401, ErrorCode::Unauthorized);
    with("v1.x.1.y").error(401, ErrorCode::Unauthorized);
    call("GET", &a.status_url, &[], None).error(401, ErrorCode::Unauthorized);
    // Readable from the widget on any page: the token is the permission.
    assert_eq!(
        with(&a.visitor_token).header("access-control-allow-origin"),
        Some("*")
    );
}

#[test]
fn a_later_message_continues_the_conversation_once_even_when_its_answer_is_lost() {
    let _serial = serial();
    // The conversation's create fails once, so the follow-up surely has to wait for it.
    fake().force(&[Fault::Status(503)]);
    let accepted = accept(&form("Then a follow-up", vec![]), None);
    // Sent at once: it waits for the conversation to reach Help Scout first.
    let file = bytes(4000, 91);
    let body = json!({"message": "One more thing <b>bold</b>", "attachments": [upload("helpscout", "more.bin", &file).id]});
    let key = format!("follow-{}", std::process::id());
    let reply = follow_up(&accepted, &body, Some(&key));
    assert_eq!(
        reply.status,
        202,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let message: porthole_shared::MessageAccepted = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(message.conversation_id, accepted.id);
    // The same key and body: the same message, not a second one.
    let again = follow_up(&accepted, &body, Some(&key));
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(
        serde_json::from_slice::<porthole_shared::MessageAccepted>(&again.body)
            .unwrap()
            .id,
        message.id
    );
    wait_for_status(
        &accepted,
        DeliveryStatus::Delivered,
        Duration::from_secs(60),
    );
    wait_until(
        "the follow-up is in Help Scout",
        Duration::from_secs(60),
        || {
            fake().conversations_tagged(&tag(&accepted.reference))[0]
                .threads
                .len()
                == 2
        },
    );
    let conversation = &fake().conversations_tagged(&tag(&accepted.reference))[0];
    let thread = &conversation.threads[1];
    assert_eq!(thread.kind, "customer");
    assert!(
        thread
            .text
            .contains("One more thing &lt;b&gt;bold&lt;/b&gt;"),
        "{}",
        thread.text
    );
    assert!(
        !thread.text.contains("gift_note"),
        "custom fields belong to the first message only"
    );
    assert_eq!(thread.attachments.len(), 1);
    assert!(thread.attachments[0].data == file);

    // The answer to the follow-up is lost after Help Scout stored it: found again, not repeated.
    fake().force(&[Fault::Drop]);
    let lost = follow_up(&accepted, &json!({"message": "Did you get this?"}), None);
    assert_eq!(lost.status, 202);
    wait_for_delivered(&accepted, 3, "the lost follow-up was retried");
    assert_eq!(fake().clear_forced(), 0, "the drop was used");
    let threads = &fake().conversations_tagged(&tag(&accepted.reference))[0].threads;
    assert_eq!(
        threads
            .iter()
            .filter(|t| t.text.contains("Did you get this?"))
            .count(),
        1,
        "delivered exactly once"
    );
    // The conversation's own status is not disturbed by its later messages.
    assert_eq!(
        status(&accepted).helpdesk_reference,
        Some(conversation.id.to_string())
    );
    // Waiting for the conversation used up no attempt: the first delivery took two (the 503),
    // the first follow-up one, the lost one two.
    let mut attempts: Vec<u32> = deliveries("delivered")
        .deliveries
        .iter()
        .filter(|d| d.reference == accepted.reference)
        .map(|d| d.attempts)
        .collect();
    attempts.sort();
    assert_eq!(attempts, [1, 2, 2]);
}

#[test]
fn later_messages_need_the_token_and_valid_text() {
    let _serial = serial();
    let a = accept(&form("Tokens for messages", vec![]), None);
    let b = accept(&form("Someone else's", vec![]), None);
    let mut stolen = a.clone();
    stolen.visitor_token = b.visitor_token.clone();
    follow_up(&stolen, &json!({"message": "hi"}), None).error(401, ErrorCode::Unauthorized);
    follow_up(&a, &json!({"message": "   "}), None).error(422, ErrorCode::ValidationFailed);
    let other_site = upload_to("demo", "x.txt", "text/plain", b"x");
    let other_id = serde_json::from_slice::<porthole_shared::UploadResult>(&other_site.body)
        .unwrap()
        .id;
    follow_up(
        &a,
        &json!({"message": "with another site's file", "attachments": [other_id]}),
        None,
    )
    .error(422, ErrorCode::UnknownAttachment);
    let reply = follow_up(&a, &json!({"message": "{"}), None);
    assert_eq!(reply.status, 202);
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
}

#[test]
fn retrying_a_failed_later_message_leaves_the_conversation_delivered() {
    let _serial = serial();
    let accepted = accept(&form("A follow-up that fails", vec![]), None);
    wait_for_status(
        &accepted,
        DeliveryStatus::Delivered,
        Duration::from_secs(60),
    );
    // Help Scout refuses the follow-up permanently (a merged conversation answers 404).
    fake().force(&[Fault::Status(404)]);
    assert_eq!(
        follow_up(&accepted, &json!({"message": "Refused at first"}), None).status,
        202
    );
    wait_until("the follow-up failed", Duration::from_secs(60), || {
        deliveries("failed")
            .deliveries
            .iter()
            .any(|d| d.reference == accepted.reference)
    });
    let failed = deliveries("failed")
        .deliveries
        .into_iter()
        .find(|d| d.reference == accepted.reference)
        .unwrap();
    assert_eq!(
        status(&accepted).status,
        DeliveryStatus::Delivered,
        "a later message's failure is its own"
    );
    let retry = call(
        "POST",
        &format!("/v1/admin/deliveries/{}/retry", failed.id),
        &[("Authorization", &operator())],
        None,
    );
    assert_eq!(retry.status, 202);
    assert_eq!(
        status(&accepted).status,
        DeliveryStatus::Delivered,
        "and so is its retry"
    );
    wait_for_follow_up(&accepted);
    let threads = &fake().conversations_tagged(&tag(&accepted.reference))[0].threads;
    assert_eq!(
        threads
            .iter()
            .filter(|t| t.text.contains("Refused at first"))
            .count(),
        1
    );
}
