//! `cargo xtask bench`: sizes, build times and latencies, written to BENCHMARKS.md with the
//! command that produced them. Nothing here asserts a time: the numbers are for reading.
//!
//! One file per thing measured: `sizes` (what visitors download), `accept` (the edge under load),
//! `parts` (a large file in parts), `delivery` (lag into each helpdesk's fake), `live` (an agent's reply to the visitor's socket, a room with many sockets), `browser` (the
//! widget opening in Chromium). This file runs them and holds the load generator they share.

mod accept;
mod browser;
mod delivery;
mod live;
mod parts;
mod sizes;

pub use sizes::{gzip_len, gzip_size};

use crate::client::Edge;
use crate::sh::output;
use crate::test::start_test_worker;
use crate::{build, root, tools, Result};
use std::fmt::Write as _;
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

    sizes::sizes(&mut report)?;

    let worker = start_test_worker()?;
    let url = worker.url.clone();
    accept::http_latency(&mut report, &url)?;
    parts::upload_in_parts(&mut report, &url)?;
    delivery::delivery_lag(&mut report, &worker)?;
    live::live(&mut report, &worker)?;
    browser::browser_open(&mut report)?;
    drop(worker);

    std::fs::write(root().join("BENCHMARKS.md"), &report).map_err(|e| e.to_string())?;
    println!("\n{report}");
    Ok(())
}

/// Only the live conversation's rows, printed (quick to rerun while working on the rooms).
pub fn run_live() -> Result {
    tools::ensure()?;
    build::all()?;
    let worker = start_test_worker()?;
    let mut report = format!("Measured by `cargo xtask bench live` on {}.\n\n", machine());
    live::live(&mut report, &worker)?;
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

/// One request of a load run: the n-th, sent by this load client; `true` if it succeeded.
type LoadRequest = Arc<dyn Fn(&Edge, usize) -> bool + Send + Sync>;

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
fn load(
    edge: &str,
    clients: usize,
    per_client: usize,
    request: LoadRequest,
) -> Result<(Samples, f64, usize)> {
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(clients * per_client)));
    let failures = Arc::new(Mutex::new(0usize));
    let start = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|c| {
            let (latencies, failures, request) =
                (latencies.clone(), failures.clone(), request.clone());
            // A connection pool per client, kept across its requests, as a browser keeps one.
            let client = Edge::with_timeout(edge, Duration::from_secs(60));
            std::thread::spawn(move || {
                for i in 0..per_client {
                    let t = Instant::now();
                    let ok = request(&client, c * per_client + i);
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
