//! A large file through the parts API, as the widget sends it.

use super::Samples;
use crate::client::Edge;
use crate::ports::HOST_ORIGIN;
use crate::Result;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// One 100 MiB file through the parts API as the widget sends it: started, one part after
/// another, completed.
pub(super) fn upload_in_parts(report: &mut String, edge: &str) -> Result {
    let size: usize = 100 * 1024 * 1024;
    let data: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
    let client = Edge::with_timeout(edge, Duration::from_secs(120));
    let site = "/v1/sites/demo/multipart";
    let started = Instant::now();
    let meta = serde_json::json!({"name": "bench.bin", "size": size, "content_type": "application/octet-stream"});
    let session: serde_json::Value = client
        .call(
            "POST",
            site,
            &[
                ("Origin", HOST_ORIGIN),
                ("Content-Type", "application/json"),
            ],
            Some(meta.to_string().as_bytes()),
        )
        .and_then(|r| r.ok())
        .map_err(|e| format!("starting an upload in parts: {e}"))?
        .parse()?;
    let id = session["id"].as_str().ok_or("no upload id")?.to_string();
    let mut parts = Vec::new();
    for (i, chunk) in data
        .chunks(porthole_shared::limits::PART_BYTES as usize)
        .enumerate()
    {
        let sent = Instant::now();
        client
            .call(
                "PUT",
                &format!("{site}/{id}/parts/{}", i + 1),
                &[("Origin", HOST_ORIGIN)],
                Some(chunk),
            )
            .and_then(|r| r.ok())
            .map_err(|e| format!("part {}: {e}", i + 1))?;
        parts.push(sent.elapsed().as_secs_f64() * 1000.0);
    }
    client
        .call(
            "POST",
            &format!("{site}/{id}/complete"),
            &[("Origin", HOST_ORIGIN)],
            None,
        )
        .and_then(|r| r.ok())
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
