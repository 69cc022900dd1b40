//! `cargo xtask bench`: sizes, build times and latencies, written to BENCHMARKS.md with the
//! command that produced them. Nothing here asserts a time: the numbers are for reading.

use crate::sh::{cmd, output};
use crate::test::start_test_worker;
use crate::{build, root, tools, Result};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn run() -> Result {
    tools::ensure()?;
    tools::ensure_browser()?;
    let mut report = String::new();
    let _ = writeln!(
        report,
        "# Benchmarks\n\nWritten by `cargo xtask bench` on {}.\n",
        machine()
    );
    let _ = writeln!(
        report,
        "Client and server share this machine (loopback, 127.0.0.1); times vary with its load.\n"
    );

    // Clean builds, in a target folder of their own so nothing is reused.
    let clean = root().join("target/bench-clean");
    let _ = std::fs::remove_dir_all(&clean);
    std::env::set_var("CARGO_TARGET_DIR", &clean);
    let timings = build::all();
    std::env::remove_var("CARGO_TARGET_DIR");
    let timings = timings?;
    let _ = std::fs::remove_dir_all(&clean);
    let _ = writeln!(report, "## Builds\n\n| what | seconds |\n|---|---|");
    let _ = writeln!(
        report,
        "| widget, clean release build (trunk, wasm-opt -Oz) | {:.0} |",
        timings.widget
    );
    let _ = writeln!(
        report,
        "| Worker, clean release build (worker-build) | {:.0} |",
        timings.worker
    );
    if let Ok(setup) = std::fs::read_to_string(root().join("target/setup-times.txt")) {
        for line in setup.lines() {
            let _ = writeln!(report, "| {line} |");
        }
    }
    report.push('\n');

    sizes(&mut report)?;

    let worker = start_test_worker()?;
    let url = worker.url.clone();
    http_latency(&mut report, &url)?;
    upload_in_parts(&mut report, &url)?;
    delivery_lag(&mut report, &worker)?;
    browser_open(&mut report)?;
    drop(worker);

    std::fs::write(root().join("BENCHMARKS.md"), &report).map_err(|e| e.to_string())?;
    println!("\n{report}");
    Ok(())
}

fn machine() -> String {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let date = output("date", &["-u", "+%Y-%m-%d"]).unwrap_or_default();
    format!("{} with {cores} cores", date.trim())
}

/// Bytes after gzip at its best level: what a browser downloads from a server that compresses.
pub fn gzip_size(path: &Path) -> Result<u64> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(gzip_len(&bytes) as u64)
}

pub fn gzip_len(bytes: &[u8]) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder
        .write_all(bytes)
        .and_then(|_| encoder.finish())
        .map(|v| v.len())
        .unwrap_or(usize::MAX)
}

fn raw_size(path: &Path) -> Result<u64> {
    Ok(std::fs::metadata(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .len())
}

fn sizes(report: &mut String) -> Result {
    let assets = build::assets_dir();
    let rows = [
        (
            "loader `porthole.js`",
            vec![assets.join("porthole.js")],
            "≤ 1.5 KB gzip",
        ),
        (
            "widget wasm",
            vec![assets.join("widget/porthole-widget_bg.wasm")],
            "",
        ),
        (
            "widget JS glue",
            vec![assets.join("widget/porthole-widget.js")],
            "",
        ),
        (
            "widget on first open (wasm + JS)",
            vec![
                assets.join("widget/porthole-widget_bg.wasm"),
                assets.join("widget/porthole-widget.js"),
            ],
            "≤ 100 KB gzip",
        ),
        (
            "Worker bundle (wasm + JS)",
            vec![
                root().join("edge/build/index_bg.wasm"),
                root().join("edge/build/index.js"),
            ],
            "",
        ),
    ];
    let _ = writeln!(
        report,
        "## Sizes\n\n| file | bytes | gzip -9 bytes | budget |\n|---|---|---|---|"
    );
    for (name, files, budget) in rows {
        let mut raw = 0;
        let mut gz = 0;
        for f in &files {
            raw += raw_size(f)?;
            gz += gzip_size(f)?;
        }
        let _ = writeln!(report, "| {name} | {raw} | {gz} | {budget} |");
    }
    report.push('\n');
    Ok(())
}

/// One request of a load run: the n-th, sent with this client's agent; `true` if it succeeded.
type LoadRequest = Arc<dyn Fn(&ureq::Agent, usize) -> bool + Send + Sync>;

struct Samples(Vec<f64>);

impl Samples {
    fn pct(&self, p: f64) -> f64 {
        let mut v = self.0.clone();
        v.sort_by(f64::total_cmp);
        if v.is_empty() {
            return f64::NAN;
        }
        v[((p / 100.0) * (v.len() - 1) as f64).round() as usize]
    }
}

/// `clients` threads each send `per_client` requests; returns latencies (ms) and wall seconds.
fn load(clients: usize, per_client: usize, request: LoadRequest) -> Result<(Samples, f64, usize)> {
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(clients * per_client)));
    let failures = Arc::new(Mutex::new(0usize));
    let start = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|c| {
            let (latencies, failures, request) =
                (latencies.clone(), failures.clone(), request.clone());
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new()
                    .timeout(Duration::from_secs(60))
                    .build();
                for i in 0..per_client {
                    let t = Instant::now();
                    let ok = request(&agent, c * per_client + i);
                    let ms = t.elapsed().as_secs_f64() * 1000.0;
                    if ok {
                        latencies.lock().unwrap().push(ms);
                    } else {
                        *failures.lock().unwrap() += 1;
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().map_err(|_| "a load thread panicked")?;
    }
    let wall = start.elapsed().as_secs_f64();
    let samples = Samples(std::mem::take(&mut *latencies.lock().unwrap()));
    let failed = *failures.lock().unwrap();
    Ok((samples, wall, failed))
}

fn http_latency(report: &mut String, edge: &str) -> Result {
    let origin = "http://127.0.0.1:18790";
    let conversations = format!("{edge}/v1/sites/demo/conversations");
    let submit: LoadRequest = Arc::new(move |agent, i| {
        let body = serde_json::json!({
            "name": "Load Test", "email": format!("load{i}@example.org"), "subject": "Benchmark",
            "message": "A message of ordinary length, sent to measure how long the edge takes to accept it.",
            "fields": {"order_id": i.to_string()}, "page_url": "https://shop.example/cart", "locale": "en-GB"
        });
        agent
            .post(&conversations)
            .set("Origin", origin)
            .set("Content-Type", "application/json")
            .set(
                "Idempotency-Key",
                &format!("bench-{}-{i}", std::process::id()),
            )
            .send_string(&body.to_string())
            .is_ok_and(|r| r.status() == 202)
    });
    let upload_url = format!("{edge}/v1/sites/demo/uploads");
    let mib: Arc<Vec<u8>> = Arc::new((0..1024 * 1024).map(|i| (i * 7 % 251) as u8).collect());
    let upload: LoadRequest = Arc::new(move |agent, _| {
        agent
            .post(&upload_url)
            .set("Origin", origin)
            .set("Content-Type", "application/octet-stream")
            .set("X-Filename", "bench.bin")
            .send_bytes(&mib)
            .is_ok_and(|r| r.status() == 201)
    });

    load(4, 10, submit.clone())?; // warm the isolate and D1
    let _ = writeln!(
        report,
        "## Edge on loopback (`wrangler dev`, local D1 and R2)\n\n\
         Each row starts with the delivery queue empty; the deliveries its own requests cause run \
         alongside it, in the same Worker, on the same two cores.\n\n\
         | request | clients | requests | failed | per second | p50 ms | p90 ms | p99 ms |\n|---|---|---|---|---|---|---|---|"
    );
    for (name, clients, per, f) in [
        ("POST /v1/sites/demo/conversations", 1, 200, submit.clone()),
        ("POST /v1/sites/demo/conversations", 50, 20, submit),
        ("POST /v1/sites/demo/uploads, 1 MiB", 8, 12, upload),
    ] {
        // Each row measures accepting alone: the deliveries the previous row queued finish first.
        drain(edge)?;
        let (s, wall, failed) = load(clients, per, f)?;
        let _ = writeln!(
            report,
            "| {name} | {clients} | {} | {failed} | {:.0} | {:.1} | {:.1} | {:.1} |",
            clients * per,
            s.0.len() as f64 / wall,
            s.pct(50.0),
            s.pct(90.0),
            s.pct(99.0)
        );
    }
    report.push('\n');
    Ok(())
}

/// `xtask/e2e/bench/open.mjs`'s measurements; with `cdn`, the widget's files come from a static
/// server in front of the Worker (`bench/cdn.mjs`).
fn open_in_browser(cdn: bool) -> Result<serde_json::Value> {
    let mut node = cmd("node");
    node.arg("xtask/e2e/bench/open.mjs")
        .env(
            "PORTHOLE_EDGE",
            format!("http://127.0.0.1:{}", crate::test::EDGE_PORT),
        )
        .env("PORTHOLE_HOST_PORT", crate::test::HOST_PORT.to_string())
        .env("RUNS", "20");
    if cdn {
        node.env("CDN", "1");
    }
    let out = node.output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "bench/open.mjs failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("bench/open.mjs output: {e}"))
}

fn browser_open(report: &mut String) -> Result {
    let v = open_in_browser(false)?;
    let numbers = |v: &serde_json::Value, key: &str| {
        Samples(
            v[key]
                .as_array()
                .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
                .unwrap_or_default(),
        )
    };
    let open = numbers(&v, "clickToInteractive");
    let long = numbers(&v, "longTasks");
    let cached = numbers(&open_in_browser(true)?, "clickToInteractive");
    let _ = writeln!(
        report,
        "## Widget in headless Chromium (cold cache each run, {} runs)\n\n| what | value |\n|---|---|",
        open.0.len()
    );
    let _ = writeln!(
        report,
        "| launcher click → interactive form, median / p90 (files from the Worker, `wrangler dev`) | {:.0} / {:.0} ms |",
        open.pct(50.0),
        open.pct(90.0)
    );
    let _ = writeln!(
        report,
        "| launcher click → interactive form, median / p90 (files from a static server, as from a CDN's cache: `bench/cdn.mjs`) | {:.0} / {:.0} ms |",
        cached.pct(50.0),
        cached.pct(90.0)
    );
    let _ = writeln!(
        report,
        "| bytes transferred on first open | {} |",
        v["firstOpenBytes"]
    );
    let _ = writeln!(
        report,
        "| the site's settings fetched on page load (`GET /v1/sites/demo/config`, English), body bytes / gzip -9 bytes | {} / {} |",
        v["configBytes"], v["configGzipBytes"]
    );
    let _ = writeln!(
        report,
        "| host-page main-thread tasks over 50 ms while the loader runs | {} (longest {:.0} ms) |",
        long.0.len(),
        long.0.iter().cloned().fold(0.0, f64::max)
    );
    report.push('\n');
    Ok(())
}

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

fn helpdesks() -> Vec<Helpdesk> {
    use crate::fakes::{
        deskhero, helpscout::HelpScout, libredesk::Libredesk, motadata, reamaze::Reamaze,
    };
    let tag = |reference: &str| format!("porthole-{}", reference.to_ascii_lowercase());
    let (hs, rz, ld) = (
        Arc::new(HelpScout::start(18791)),
        Arc::new(Reamaze::start(18793)),
        Arc::new(Libredesk::start(18794)),
    );
    let md = Arc::new(motadata::Motadata::start(
        18795,
        motadata::Assumptions::default(),
    ));
    // The site with a ticket lookup configured: without one, a lost create is left to an operator.
    let dh = Arc::new(deskhero::DeskHero::start(
        18799,
        deskhero::Assumptions::moved(),
    ));
    let (hs2, rz2, ld2, md2, dh2) = (hs.clone(), rz.clone(), ld.clone(), md.clone(), dh.clone());
    vec![
        Helpdesk {
            name: "Help Scout",
            site: "helpscout",
            received: Box::new(move |r| {
                hs.conversations_tagged(&tag(r)).first().map(|c| c.received)
            }),
            set_fault_rate: Box::new(move |rate| hs2.set_fault_rate(rate)),
        },
        Helpdesk {
            name: "Re:amaze",
            site: "reamaze",
            received: Box::new(move |r| {
                rz.conversations_tagged(&tag(r)).first().map(|c| c.received)
            }),
            set_fault_rate: Box::new(move |rate| rz2.set_fault_rate(rate)),
        },
        Helpdesk {
            name: "Libredesk",
            site: "libredesk",
            received: Box::new(move |r| ld.conversations_with(r).first().map(|c| c.received)),
            set_fault_rate: Box::new(move |rate| ld2.set_fault_rate(rate)),
        },
        Helpdesk {
            name: "Motadata ServiceOps",
            site: "motadata",
            received: Box::new(move |r| md.requests_with(r).first().map(|c| c.received)),
            set_fault_rate: Box::new(move |rate| md2.set_fault_rate(rate)),
        },
        Helpdesk {
            name: "DeskHero (with find_ticket_path)",
            site: "deskhero-moved",
            // The visitor's message is an entry on the ticket.
            received: Box::new(move |r| {
                dh.tickets_with(r)
                    .first()
                    .and_then(|t| t.entries.first())
                    .map(|e| e.received)
            }),
            set_fault_rate: Box::new(move |rate| dh2.set_fault_rate(rate)),
        },
    ]
}

/// Submits `count` messages with one 20 KB file each to `site`; returns (reference, accepted at).
fn submit_with_files(edge: &str, site: &str, count: usize) -> Result<Vec<(String, Instant)>> {
    let accepted = Arc::new(Mutex::new(Vec::new()));
    let (sink, edge, site_id) = (accepted.clone(), edge.to_string(), site.to_string());
    let submit: LoadRequest = Arc::new(move |agent, i| {
        let origin = "http://127.0.0.1:18790";
        let file: Vec<u8> = (0..20_000).map(|n| ((n * 31 + i) % 251) as u8).collect();
        let upload = agent
            .post(&format!("{edge}/v1/sites/{site_id}/uploads"))
            .set("Origin", origin)
            .set("Content-Type", "application/octet-stream")
            .set("X-Filename", "receipt.bin")
            .send_bytes(&file);
        let Some(upload) = upload
            .ok()
            .and_then(|r| r.into_json::<porthole_shared::UploadResult>().ok())
        else {
            return false;
        };
        let body = serde_json::json!({"name": "Lag Test", "email": "lag@example.org", "subject": format!("Lag {i}"),
                                      "message": "How long until the helpdesk has it?", "attachments": [upload.id]});
        let reply = agent
            .post(&format!("{edge}/v1/sites/{site_id}/conversations"))
            .set("Origin", origin)
            .set("Content-Type", "application/json")
            .send_string(&body.to_string());
        match reply
            .ok()
            .and_then(|r| r.into_json::<porthole_shared::ConversationAccepted>().ok())
        {
            Some(a) => {
                sink.lock().unwrap().push((a.reference, Instant::now()));
                true
            }
            None => false,
        }
    });
    let (_, _, failed) = load(5, count / 5, submit)?;
    if failed > 0 {
        return Err(format!("{failed} of {count} submissions to {site} failed"));
    }
    let taken = std::mem::take(&mut *accepted.lock().unwrap());
    Ok(taken)
}

/// Per helpdesk, through the real queue into its fake: accepted (the 202 arrived) → stored by the
/// fake, with and without faults; and the Worker's CPU time per message (accepting and
/// delivering it), next to the built-in inbox's, whose delivery is a D1 write.
fn delivery_lag(report: &mut String, worker: &crate::wrangler::Worker) -> Result {
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
fn drain(edge: &str) -> Result {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .build();
    let auth = format!("Bearer {}", crate::test::OPERATOR_TOKEN);
    let deadline = Instant::now() + Duration::from_secs(600);
    while Instant::now() < deadline {
        let pending = ["queued", "delivering"].iter().try_fold(0, |sum, status| {
            let list: porthole_shared::DeliveryList = agent
                .get(&format!(
                    "{edge}/v1/admin/deliveries?status={status}&limit=1"
                ))
                .set("Authorization", &auth)
                .call()
                .map_err(|e| e.to_string())?
                .into_json()
                .map_err(|e| e.to_string())?;
            Ok::<_, String>(sum + list.deliveries.len())
        })?;
        if pending == 0 {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    Err("deliveries did not drain within 10 minutes".into())
}

/// One 100 MiB file through the parts API as the widget sends it: started, one part after
/// another, completed.
fn upload_in_parts(report: &mut String, edge: &str) -> Result {
    let origin = "http://127.0.0.1:18790";
    let size: usize = 100 * 1024 * 1024;
    let data: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(120))
        .build();
    let site = format!("{edge}/v1/sites/demo/multipart");
    let started = Instant::now();
    let meta = serde_json::json!({"name": "bench.bin", "size": size, "content_type": "application/octet-stream"});
    let session: serde_json::Value = agent
        .post(&site)
        .set("Origin", origin)
        .set("Content-Type", "application/json")
        .send_string(&meta.to_string())
        .map_err(|e| format!("starting an upload in parts: {e}"))?
        .into_json()
        .map_err(|e| e.to_string())?;
    let id = session["id"].as_str().ok_or("no upload id")?.to_string();
    let mut parts = Vec::new();
    for (i, chunk) in data
        .chunks(porthole_shared::limits::PART_BYTES as usize)
        .enumerate()
    {
        let sent = Instant::now();
        agent
            .put(&format!("{site}/{id}/parts/{}", i + 1))
            .set("Origin", origin)
            .send_bytes(chunk)
            .map_err(|e| format!("part {}: {e}", i + 1))?;
        parts.push(sent.elapsed().as_secs_f64() * 1000.0);
    }
    agent
        .post(&format!("{site}/{id}/complete"))
        .set("Origin", origin)
        .call()
        .map_err(|e| format!("completing the upload: {e}"))?;
    let wall = started.elapsed().as_secs_f64();
    let parts = Samples(parts);
    let _ = writeln!(
        report,
        "## A file in parts\n\n\
         | what | parts | seconds | MiB/s | part p50 ms | part p90 ms |\n|---|---|---|---|---|---|\n\
         | 100 MiB in 8 MiB parts, one after another (start, parts, complete) | {} | {wall:.1} | {:.0} | {:.0} | {:.0} |\n",
        parts.0.len(),
        100.0 / wall,
        parts.pct(50.0),
        parts.pct(90.0)
    );
    Ok(())
}
