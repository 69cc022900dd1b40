//! The edge under load: submissions at 1 and 50 clients, 1 MiB uploads at 8.

use super::{delivery::drain, load, LoadRequest};
use crate::ports::HOST_ORIGIN;
use crate::Result;
use std::fmt::Write as _;
use std::sync::Arc;

pub(super) fn http_latency(report: &mut String, edge: &str) -> Result {
    let submit: LoadRequest = Arc::new(move |client, i| {
        let body = serde_json::json!({
            "name": "Load Test", "email": format!("load{i}@example.org"), "subject": "Benchmark",
            "message": "A message of ordinary length, sent to measure how long the edge takes to accept it.",
            "fields": {"order_id": i.to_string()}, "page_url": "https://shop.example/cart", "locale": "en-GB"
        });
        let key = format!("bench-{}-{i}", std::process::id());
        client
            .submit("demo", HOST_ORIGIN, &body, Some(&key))
            .is_ok_and(|r| r.status == 202)
    });
    let mib: Arc<Vec<u8>> = Arc::new((0..1024 * 1024).map(|i| (i * 7 % 251) as u8).collect());
    let upload: LoadRequest = Arc::new(move |client, _| {
        client
            .upload(
                "demo",
                HOST_ORIGIN,
                "bench.bin",
                "application/octet-stream",
                &mib,
            )
            .is_ok_and(|r| r.status == 201)
    });

    load(edge, 4, 10, submit.clone())?; // warm the isolate and D1
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
        let (s, wall, failed) = load(edge, clients, per, f)?;
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
