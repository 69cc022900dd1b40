//! What visitors download: the loader, the widget's wasm and glue, against their budgets.

use crate::{build, root, Result};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

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

pub(super) fn sizes(report: &mut String) -> Result {
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
