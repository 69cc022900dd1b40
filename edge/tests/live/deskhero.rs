//! Delivery into DeskHero through the real Worker and queue, against fakes that enforce the
//! documented conversation route and the configured assumptions for everything else, and inject
//! faults. Two fakes: the default assumptions, and one whose ticket and upload routes, body and
//! answers are shaped otherwise (with a ticket lookup), reached by a site whose configuration
//! alone differs. The tests share them, so they run one at a time.

use crate::helpers::*;
use porthole_shared::{ConversationAccepted, DeliveryStatus};
use serde_json::json;
use std::sync::OnceLock;
use std::time::Duration;
use xtask::fakes::deskhero::{Assumptions, DeskHero, FakeDeskHero, Ticket};
use xtask::fakes::server::Fault;

fn fake() -> &'static FakeDeskHero {
    static FAKE: OnceLock<FakeDeskHero> = OnceLock::new();
    FAKE.get_or_init(|| DeskHero::start(xtask::ports::DESKHERO, Assumptions::default()))
}

fn moved() -> &'static FakeDeskHero {
    static FAKE: OnceLock<FakeDeskHero> = OnceLock::new();
    FAKE.get_or_init(|| DeskHero::start(xtask::ports::DESKHERO_MOVED, Assumptions::moved()))
}

fn serial() -> std::sync::RwLockWriteGuard<'static, ()> {
    alone(&["deskhero", "deskhero-moved"], || {
        for f in [fake(), moved()] {
            f.set_fault_rate(0.0);
            f.clear_forced();
        }
    })
}

fn found(on: &FakeDeskHero, accepted: &ConversationAccepted) -> Vec<Ticket> {
    on.tickets_with(&accepted.reference)
}

fn attached(entry: &xtask::fakes::deskhero::Entry) -> Vec<(String, Vec<u8>)> {
    entry
        .attachments
        .iter()
        .map(|a| (a.file_name.clone(), a.bytes.clone()))
        .collect()
}

#[test]
fn a_ticket_with_three_files_arrives_once_as_an_inbound_reply_with_escaped_html() {
    let _serial = serial();
    let sent: Vec<(String, Vec<u8>)> = [bytes(10, 1), bytes(120_000, 2), bytes(2 * 1024 * 1024, 3)]
        .into_iter()
        .enumerate()
        .map(|(i, b)| (format!("shot-{i}.png"), b))
        .collect();
    let ids = sent
        .iter()
        .map(|(name, b)| upload("deskhero", name, b).id)
        .collect();
    let accepted = accept_at("deskhero", &form("Cannot log in", ids), None);
    let delivered = wait_for_status(
        &accepted,
        DeliveryStatus::Delivered,
        Duration::from_secs(60),
    );
    let tickets = found(fake(), &accepted);
    assert_eq!(tickets.len(), 1, "exactly one ticket");
    let t = &tickets[0];
    assert_eq!(delivered.helpdesk_reference, Some(t.id.to_string()));
    assert_eq!(t.subject, format!("Cannot log in [{}]", accepted.reference));
    assert_eq!(t.requester["email"], "ada@example.org");
    assert_eq!(t.entries.len(), 1);
    let e = &t.entries[0];
    assert_eq!(e.kind, 1, "REPLY_INBOUND");
    assert_eq!(e.requester["name"], "Ada King Lovelace");
    assert_eq!(
        e.email_addresses,
        json!([{"email": "ada@example.org", "name": "Ada King Lovelace", "direction": 1}])
    );
    assert!(
        e.html
            .contains("Hello &lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        e.html
    );
    assert!(!e.html.contains("<script") && !e.html.contains("<img"));
    assert!(e
        .html
        .contains("<b>gift_note</b>: &lt;i&gt;for mum&lt;/i&gt;"));
    assert_eq!(attached(e), sent);
}

#[test]
fn a_file_too_large_to_pass_on_stays_in_porthole_and_the_delivery_says_so() {
    let _serial = serial();
    let small = bytes(1000, 7);
    let ids = vec![
        upload("deskhero", "small.txt", &small).id,
        upload("deskhero", "recording.mov", &bytes(33 * 1024 * 1024, 8)).id,
    ];
    let accepted = accept_at("deskhero", &form("A large recording", ids), None);
    wait_for_status(
        &accepted,
        DeliveryStatus::Delivered,
        Duration::from_secs(60),
    );
    let tickets = found(fake(), &accepted);
    assert_eq!(
        attached(&tickets[0].entries[0]),
        vec![("small.txt".to_string(), small)],
        "the small file is passed on, the large one not"
    );
    let notes = delivery_of(&accepted, "delivered").notes;
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("recording.mov") && notes[0].contains("Porthole's inbox"),
        "{notes:?}"
    );
}

#[test]
fn faults_are_survived_without_duplicates() {
    let _serial = serial();
    // Errors answered on the create are safe to retry; every kind of fault on the message entry
    // is looked up on the ticket before sending it again.
    let create_faults = [
        Fault::Status(503),
        Fault::RateLimited(1),
        Fault::Status(503),
        Fault::RateLimited(1),
        Fault::Status(503),
    ];
    let entry_faults = [
        Fault::Status(500),
        Fault::Status(503),
        Fault::RateLimited(1),
        Fault::Slow(2_500),
        Fault::Drop,
    ];
    for (i, (on_create, on_entry)) in create_faults.into_iter().zip(entry_faults).enumerate() {
        let sent = vec![
            ("a.bin".to_string(), bytes(300, 30 + i as u64)),
            ("b.bin".to_string(), bytes(500, 40 + i as u64)),
        ];
        let ids = sent
            .iter()
            .map(|(n, b)| upload("deskhero", n, b).id)
            .collect();
        fake().force(&[on_create, Fault::Pass, Fault::Pass, Fault::Pass, on_entry]);
        let accepted = accept_at(
            "deskhero",
            &form(&format!("Faults {on_entry:?}"), ids),
            None,
        );
        wait_for_status(
            &accepted,
            DeliveryStatus::Delivered,
            Duration::from_secs(90),
        );
        let tickets = found(fake(), &accepted);
        assert_eq!(tickets.len(), 1, "{on_entry:?}: one ticket");
        assert_eq!(tickets[0].entries.len(), 1, "{on_entry:?}: one entry");
        assert_eq!(attached(&tickets[0].entries[0]), sent);
        assert_eq!(fake().clear_forced(), 0);
    }
}

#[test]
fn a_lost_create_is_left_to_an_operator_when_no_lookup_is_configured() {
    let _serial = serial();
    fake().force(&[Fault::Drop]);
    let accepted = accept_at("deskhero", &form("Lost without a lookup", vec![]), None);
    wait_for_status(&accepted, DeliveryStatus::Failed, Duration::from_secs(60));
    let reason = delivery_of(&accepted, "failed")
        .last_error
        .unwrap_or_default();
    assert!(
        reason.contains(&accepted.reference) && reason.contains("--created ticket="),
        "{reason}"
    );
    let tickets = found(fake(), &accepted);
    assert_eq!(
        tickets.len(),
        1,
        "the ticket exists once; it was not created again"
    );
    assert!(tickets[0].entries.is_empty());

    // The operator finds the ticket in DeskHero and says so: the message goes to that ticket.
    let id = delivery_of(&accepted, "failed").id;
    let retry = |body: serde_json::Value| {
        call(
            "POST",
            &format!("/v1/admin/deliveries/{id}/retry"),
            &[("Authorization", &format!("Bearer {}", operator_token()))],
            Some(body.to_string().as_bytes()),
        )
    };
    retry(json!({"step": "no-such-step", "created": "1"}))
        .error(422, porthole_shared::ErrorCode::ValidationFailed);
    assert_eq!(
        retry(json!({"step": "ticket", "created": tickets[0].id.to_string()})).status,
        202
    );
    wait_for_status(
        &accepted,
        DeliveryStatus::Delivered,
        Duration::from_secs(60),
    );
    let tickets = found(fake(), &accepted);
    assert_eq!(tickets.len(), 1);
    assert_eq!(
        tickets[0].entries.len(),
        1,
        "the message, on the ticket the operator named"
    );
}

#[test]
fn moved_routes_shapes_and_a_lookup_need_only_configuration() {
    let _serial = serial();
    let sent = vec![("moved.pdf".to_string(), bytes(7000, 88))];
    let ids = sent
        .iter()
        .map(|(n, b)| upload("deskhero-moved", n, b).id)
        .collect();
    // The create's answer is lost: the configured lookup finds the ticket.
    moved().force(&[Fault::Drop]);
    let accepted = accept_at("deskhero-moved", &form("Moved", ids), None);
    wait_for_status(
        &accepted,
        DeliveryStatus::Delivered,
        Duration::from_secs(60),
    );
    let tickets = found(moved(), &accepted);
    assert_eq!(tickets.len(), 1);
    assert_eq!(
        tickets[0].subject,
        format!("Moved ({})", accepted.reference),
        "the configured body template"
    );
    assert_eq!(attached(&tickets[0].entries[0]), sent);
    assert!(found(fake(), &accepted).is_empty());
}

#[test]
fn later_messages_are_further_inbound_replies_once() {
    let _serial = serial();
    let accepted = accept_at("deskhero", &form("Chat on DeskHero", vec![]), None);
    wait_for_status(
        &accepted,
        DeliveryStatus::Delivered,
        Duration::from_secs(60),
    );
    let file = bytes(1234, 66);
    fake().force(&[Fault::Pass, Fault::Drop]);
    let reply = follow_up(
        &accepted,
        &json!({"message": "Still <locked> out", "attachments": [upload("deskhero", "again.png", &file).id]}),
        None,
    );
    assert_eq!(reply.status, 202);
    wait_for_follow_up(&accepted);
    let entries = &found(fake(), &accepted)[0].entries;
    assert_eq!(
        entries.len(),
        2,
        "the first message and the follow-up, once each"
    );
    assert!(entries[1].html.contains("Still &lt;locked&gt; out"));
    assert_eq!(attached(&entries[1]), vec![("again.png".to_string(), file)]);
}
