//! Builds the widget, the static assets and the Worker.

use crate::sh::{cmd, in_dir, run, timed};
use crate::{root, Result};
use std::path::PathBuf;

pub fn assets_dir() -> PathBuf {
    root().join("target/assets")
}

/// Everything, in order; returns the seconds each step took.
pub fn all() -> Result<Timings> {
    let widget = timed(&mut widget_release()?)?;
    assets()?;
    let worker = timed(in_dir(cmd("worker-build"), &root().join("edge")).arg("--release"))?;
    Ok(Timings { widget, worker })
}

/// `trunk build --release` on the pinned nightly, `std` rebuilt for size (see
/// [`crate::tools::WIDGET_NIGHTLY`]). A panic in the widget stops it, as `panic = "abort"` did,
/// without the code to format a message no visitor would read.
fn widget_release() -> Result<std::process::Command> {
    let nightly = crate::tools::widget_nightly()?;
    crate::tools::fetch_crates(&nightly)?;
    let mut c = cmd("trunk");
    c.args(["build", "--release"])
        .env("RUSTUP_TOOLCHAIN", nightly)
        .env("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort")
        .env("CARGO_UNSTABLE_BUILD_STD_FEATURES", "optimize_for_size")
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
            "-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none",
        );
    Ok(c)
}

pub struct Timings {
    pub widget: f64,
    pub worker: f64,
}

/// `public/` into the assets folder beside the widget trunk built; the loader and the glue minified.
fn assets() -> Result {
    let out = assets_dir();
    let public = root().join("public");
    let entries = std::fs::read_dir(&public).map_err(|e| format!("{}: {e}", public.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = path.file_name().unwrap_or_default().to_owned();
        if path.is_file() && name != "porthole.js" && name != "kept.js" {
            std::fs::copy(&path, out.join(&name))
                .map_err(|e| format!("copying {}: {e}", path.display()))?;
        }
    }
    // Trunk's page only names the crate to build; nothing should serve it.
    let _ = std::fs::remove_file(out.join("widget/index.html"));
    // wasm-bindgen's glue comes out readable; minified it is 2 KB gzip less of the first open.
    let glue = out.join("widget/porthole-widget.js");
    run(cmd("esbuild").args([
        &glue.display().to_string(),
        "--minify",
        "--format=esm",
        "--target=es2022",
        "--log-level=warning",
        "--allow-overwrite",
        &format!("--outfile={}", glue.display()),
    ]))?;
    run(cmd("esbuild").args([
        "public/porthole.js",
        "--minify",
        "--legal-comments=none",
        "--target=es2022",
        "--log-level=warning",
        &format!("--outfile={}", out.join("porthole.js").display()),
    ]))?;
    // What a returning visitor's page loads instead of the widget (see its header).
    run(cmd("esbuild").args([
        "public/kept.js",
        "--minify",
        "--format=esm",
        "--legal-comments=none",
        "--target=es2022",
        "--log-level=warning",
        &format!(
            "--outfile={}",
            out.join("widget/porthole-widget-kept.js").display()
        ),
    ]))
}
