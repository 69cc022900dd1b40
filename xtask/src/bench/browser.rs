//! The widget opening in headless Chromium: click to interactive, bytes, host-page long tasks.

use super::Samples;
use crate::sh::cmd;
use crate::{ports, Result};
use std::fmt::Write as _;

/// `xtask/e2e/bench/open.mjs`'s measurements; with `cdn`, the widget's files come from a static
/// server in front of the Worker (`bench/cdn.mjs`).
fn open_in_browser(cdn: bool) -> Result<serde_json::Value> {
    let mut node = cmd("node");
    node.arg("xtask/e2e/bench/open.mjs")
        .env("PORTHOLE_EDGE", ports::local(ports::EDGE))
        .env("PORTHOLE_HOST_PORT", ports::HOST.to_string())
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

pub(super) fn browser_open(report: &mut String) -> Result {
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
