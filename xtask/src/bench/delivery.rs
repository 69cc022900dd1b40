//! Delivery into each helpdesk's fake: lag from the 202 to the fake storing it, with and without
//! faults, and the Worker's CPU per message.

use super::{load, LoadRequest, Samples};
use crate::client::{Edge, Reply};
use crate::fakes::server::{Server, Vendor};
use crate::fakes::Received;
use crate::ports::{self, HOST_ORIGIN};
use crate::Result;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Lookup = Box<dyn Fn(&str) -> Option<Instant>>;

/// A helpdesk fake, seen from the benchmark.
struct Helpdesk {
    name: &'static str,
    /// The test configuration's site that delivers into it.
    site: &'static str,
    /// When the fake stored the conversation with this Porthole reference, if it has.
    received: Lookup,
    set_fault_rate: Box<dyn Fn(f64)>,
}

impl Helpdesk {
    fn new<V: Vendor + Received>(name: &'static str, site: &'static str, fake: Server<V>) -> Self {
        let fake = Arc::new(fake);
        let faults = fake.clone();
        Helpdesk {
            name,
            site,
            received: Box::new(move |reference| fake.received(reference)),
            set_fault_rate: Box::new(move |rate| faults.set_fault_rate(rate)),
        }
    }
}

/// The helpdesks measured, one line each, each fake started on its port.
fn helpdesks() -> Vec<Helpdesk> {
    use crate::fakes::{deskhero, helpscout, libredesk, motadata, reamaze};
    vec![
        Helpdesk::new(
            "Help Scout",
            "helpscout",
            helpscout::HelpScout::start(ports::HELPSCOUT),
        ),
        Helpdesk::new(
            "Re:amaze",
            "reamaze",
            reamaze::Reamaze::start(ports::REAMAZE),
        ),
        Helpdesk::new(
            "Libredesk",
            "libredesk",
            libredesk::Libredesk::start(ports::LIBREDESK),
        ),
        Helpdesk::new(
            "Motadata ServiceOps",
            "motadata",
            motadata::Motadata::start(ports::MOTADATA, motadata::Assumptions::default()),
        ),
        // The site with a ticket lookup configured: without one, a lost create is left to an operator.
        Helpdesk::new(
            "DeskHero (with find_ticket_path)",
            "deskhero-moved",
            deskhero::DeskHero::start(ports::DESKHERO_MOVED, deskhero::Assumptions::moved()),
        ),
    ]
}

/// Submits `count` messages with one 20 KB file each to `site`; returns (reference, accepted at).
fn submit_with_files(edge: &str, site: &str, count: usize) -> Result<Vec<(String, Instant)>> {
    let accepted = Arc::new(Mutex::new(Vec::new()));
    let (sink, site_id) = (accepted.clone(), site.to_string());
    let submit: LoadRequest = Arc::new(move |client, i| {
        let file: Vec<u8> = (0..20_000).map(|n| ((n * 31 + i) % 251) as u8).collect();
        let upload = client.upload(
            &site_id,
            HOST_ORIGIN,
            "receipt.bin",
            "application/octet-stream",
            &file,
        );
        let Some(upload) = upload
            .and_then(Reply::ok)
            .ok()
            .and_then(|r| r.parse::<porthole_shared::UploadResult>().ok())
        else {
            return false;
        };
        let body = serde_json::json!({"name": "Lag Test", "email": "lag@example.org", "subject": format!("Lag {i}"),
                                      "message": "How long until the helpdesk has it?", "attachments": [upload.id]});
        let reply = client.submit(&site_id, HOST_ORIGIN, &body, None);
        match reply
            .and_then(Reply::ok)
            .ok()
            .and_then(|r| r.parse::<porthole_shared::ConversationAccepted>().ok())
        {
            Some(a) => {
                sink.lock().unwrap().push((a.reference, Instant::now()));
                true
            }
            None => false,
        }
    });
    let (_, _, failed) = load(edge, 5, count / 5, submit)?;
    if failed > 0 {
        return Err(format!("{failed} of {count} submissions to {site} failed"));
    }
    let taken = std::mem::take(&mut *accepted.lock().unwrap());
    Ok(taken)
}

/// Per helpdesk, through the real queue into its fake: accepted (the 202 arrived) → stored by the
/// fake, with and without faults; and the Worker's CPU time per message (accepting and
/// delivering it), next to the built-in inbox's, whose delivery is a D1 write.
pub(super) fn delivery_lag(report: &mut String, worker: &crate::wrangler::Worker) -> Result {
    const COUNT: usize = 100;
    let edge = worker.url.as_str();
    let helpdesks = helpdesks();
    // Lag means the helpdesk's delay, not a backlog: let the deliveries queued above finish first.
    drain(edge)?;
    let cpu = worker.cpu_seconds();
    submit_with_files(edge, "demo", COUNT)?;
    drain(edge)?;
    let inbox_cpu_ms = (worker.cpu_seconds() - cpu) * 1000.0 / COUNT as f64;
    let _ = writeln!(
        report,
        "## Delivery into each helpdesk's fake ({COUNT} messages per row, one 20 KB file each, 5 clients; \
         test settings: retries after 1–3 s, 1.5 s call timeout)\n\n\
         Lag: accepted (the 202 arrived) → stored by the fake. CPU: the Worker runtime's (workerd's) \
         user + system time per message, accepting and delivering it, read from /proc; the built-in \
         inbox, whose delivery is one D1 write, uses {inbox_cpu_ms:.1} ms. With 30% of calls faulted, a message \
         may run out of the test settings' 8 attempts: it is then failed and dead-lettered, for an \
         operator to retry (`cargo xtask deliveries`), and counted here as not delivered.\n\n\
         | helpdesk | faults | delivered | p50 ms | p90 ms | p99 ms | max ms | CPU ms per message |\n|---|---|---|---|---|---|---|---|"
    );
    for helpdesk in &helpdesks {
        for rate in [0.0, 0.3] {
            (helpdesk.set_fault_rate)(rate);
            let cpu = worker.cpu_seconds();
            let accepted = submit_with_files(edge, helpdesk.site, COUNT)?;
            let deadline = Instant::now() + Duration::from_secs(300);
            let mut lags = Vec::new();
            while lags.len() < accepted.len() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(200));
                lags = accepted
                    .iter()
                    .filter_map(|(reference, at)| {
                        (helpdesk.received)(reference)
                            .map(|r| r.saturating_duration_since(*at).as_secs_f64() * 1000.0)
                    })
                    .collect();
            }
            // Files go after the conversation: the message is done when its delivery is.
            drain(edge)?;
            let cpu_ms = (worker.cpu_seconds() - cpu) * 1000.0 / COUNT as f64;
            let s = Samples(lags);
            let _ = writeln!(
                report,
                "| {} | {:.0}% | {}/{} | {:.0} | {:.0} | {:.0} | {:.0} | {cpu_ms:.1} |",
                helpdesk.name,
                rate * 100.0,
                s.0.len(),
                accepted.len(),
                s.pct(50.0),
                s.pct(90.0),
                s.pct(99.0),
                s.pct(100.0)
            );
            (helpdesk.set_fault_rate)(0.0);
        }
    }
    report.push('\n');
    Ok(())
}

/// Waits until no delivery is queued or under way.
pub(super) fn drain(edge: &str) -> Result {
    let client = Edge::new(edge);
    let deadline = Instant::now() + Duration::from_secs(600);
    while Instant::now() < deadline {
        let pending = [
            porthole_shared::DeliveryStatus::Queued,
            porthole_shared::DeliveryStatus::Delivering,
        ]
        .iter()
        .try_fold(0, |sum, status| {
            let list: porthole_shared::DeliveryList = client
                .deliveries(crate::test::OPERATOR_TOKEN, status.as_str(), 1)?
                .ok()?
                .parse()?;
            Ok::<_, String>(sum + list.deliveries.len())
        })?;
        if pending == 0 {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    Err("deliveries did not drain within 10 minutes".into())
}
