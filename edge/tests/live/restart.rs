//! The Worker killed in the middle of deliveries, then started again on the same storage:
//! nothing lost, nothing delivered twice. This test runs a Worker of its own (and a fake Help
//! Scout of its own), so killing it disturbs no other test.

use crate::helpers::{alone, bytes, call_at, Answer, SITE_ORIGIN};
use porthole_shared::{ConversationAccepted, ConversationStatus, DeliveryStatus};
use serde_json::json;
use std::time::{Duration, Instant};
use xtask::fakes::helpscout::HelpScout;
use xtask::wrangler::{Options, Worker};
use xtask::{config, root, test};

use xtask::ports::{RESTART_EDGE as PORT, RESTART_HELPSCOUT as FAKE_PORT, RESTART_INSPECTOR};

fn start_worker() -> Worker {
    let mut config = config::load(&root().join("xtask/e2e/porthole.test.toml")).unwrap();
    if let porthole_shared::config::ConnectorConfig::Helpscout(hs) =
        &mut config.sites.get_mut("helpscout").unwrap().connector
    {
        hs.base_url = format!("http://127.0.0.1:{FAKE_PORT}");
    }
    let mut vars = test::worker_vars();
    vars.retain(|(k, _)| k != "PORTHOLE_UPLOAD_TTL_SECONDS");
    Worker::start(&Options {
        port: PORT,
        inspector_port: RESTART_INSPECTOR,
        config_json: config::to_var(&config),
        persist_to: root().join("target/restart-state"),
        vars,
        log: Some(root().join("target/restart-worker.log")),
    })
    .expect("the Worker starts")
}

#[test]
fn a_worker_killed_mid_delivery_loses_nothing_and_doubles_nothing() {
    let _alone = alone(&[], || {});
    let _ = std::fs::remove_dir_all(root().join("target/restart-state"));
    let fake = HelpScout::start(FAKE_PORT);
    // A slow helpdesk (each answer a second after the work, inside the connector's 1.5 s timeout),
    // so that deliveries are in flight when the Worker dies.
    fake.set_delay(1_000);
    let worker = start_worker();
    let base = worker.url.clone();

    let mut accepted = Vec::new();
    for n in 0..20 {
        let file = (n % 2 == 0).then(|| bytes(5_000 + n, n as u64));
        let mut ids = Vec::new();
        if let Some(f) = &file {
            let headers = [
                ("Origin", SITE_ORIGIN),
                ("Content-Type", "application/octet-stream"),
                ("X-Filename", "crash.bin"),
            ];
            let r = call_at(
                &base,
                "POST",
                "/v1/sites/helpscout/uploads",
                &headers,
                Some(f),
            );
            assert_eq!(r.status, 201);
            ids.push(r.json()["id"].as_str().unwrap().to_string());
        }
        let body = json!({"name": "Grace Hopper", "email": "grace@example.org", "subject": format!("Crash {n}"), "message": "Before the crash.", "attachments": ids});
        let headers = [
            ("Origin", SITE_ORIGIN),
            ("Content-Type", "application/json"),
        ];
        let r = call_at(
            &base,
            "POST",
            "/v1/sites/helpscout/conversations",
            &headers,
            Some(body.to_string().as_bytes()),
        );
        assert_eq!(r.status, 202);
        accepted.push((
            serde_json::from_slice::<ConversationAccepted>(&r.body).unwrap(),
            file,
        ));
    }

    let start = Instant::now();
    while fake.conversation_count() < 5 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "deliveries never started"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let in_flight = fake.conversation_count();
    worker.kill();
    assert!(
        in_flight < accepted.len(),
        "the Worker died before finishing everything ({in_flight} created)"
    );
    fake.set_delay(0);

    // Same storage, new process: its queue starts empty, so the sweeper (the cron) must find
    // every unfinished delivery once its lease has run out.
    let worker = start_worker();
    let base = worker.url.clone();
    let status = |a: &ConversationAccepted| -> ConversationStatus {
        let r = call_at(
            &base,
            "GET",
            &a.status_url,
            &[("Authorization", &format!("Bearer {}", a.visitor_token))],
            None,
        );
        assert_eq!(r.status, 200);
        serde_json::from_slice(&r.body).unwrap()
    };
    let start = Instant::now();
    while !accepted
        .iter()
        .all(|(a, _)| status(a).status == DeliveryStatus::Delivered)
    {
        assert!(
            start.elapsed() < Duration::from_secs(180),
            "not everything was delivered after the restart"
        );
        assert_eq!(
            call_at(&base, "GET", "/__scheduled?cron=*+*+*+*+*", &[], None).status,
            200
        );
        std::thread::sleep(Duration::from_secs(2));
    }

    for (a, file) in &accepted {
        let found =
            fake.conversations_tagged(&format!("porthole-{}", a.reference.to_ascii_lowercase()));
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
                assert_eq!(attachments.len(), 1, "{}", a.reference);
                assert!(attachments[0].data == *bytes);
            }
            None => assert!(attachments.is_empty()),
        }
    }
    assert_eq!(fake.conversation_count(), accepted.len());
    drop(worker);
}
