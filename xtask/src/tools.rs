//! Installs what building and testing need, at pinned versions, skipping what is already there.
//! Each pin says why it is that version.

use crate::sh::{cmd, home, output, run, timed};
use crate::{root, Result};
use std::path::Path;

struct CargoTool {
    krate: &'static str,
    bin: &'static str,
    version: &'static str,
    /// wasm-bindgen-cli's own lock file wants a crate release the registry lacks.
    locked: bool,
}

const CARGO_TOOLS: &[CargoTool] = &[
    // Must equal the wasm-bindgen crate pinned in Cargo.toml.
    CargoTool {
        krate: "wasm-bindgen-cli",
        bin: "wasm-bindgen",
        version: "0.2.130",
        locked: false,
    },
    CargoTool {
        krate: "worker-build",
        bin: "worker-build",
        version: "0.8.7",
        locked: true,
    },
    // 0.22 needs a newer rustc than this machine's 1.95.
    CargoTool {
        krate: "trunk",
        bin: "trunk",
        version: "0.21.14",
        locked: true,
    },
];

const DEBIAN_PACKAGES: &[(&str, &str)] = &[
    ("chromium", "/usr/bin/chromium"),
    ("chromium-driver", "/usr/bin/chromedriver"),
];

/// The widget's release build uses a pinned nightly to rebuild `std` with panics that abort on
/// the spot (no panic messages, locations or `Debug` formatting in the wasm): about 15 KB gzip
/// less of the first open, as the Leptos book advises. Everything else builds on stable.
pub const WIDGET_NIGHTLY: &str = "nightly-2026-05-20";
/// `rustc -vV`'s commit-date of that nightly (a nightly carries the previous day's commit).
const WIDGET_NIGHTLY_COMMIT_DATE: &str = "2026-05-19";

pub fn ensure() -> Result {
    wasm_target()?;
    widget_nightly()?;
    for tool in CARGO_TOOLS {
        cargo_tool(tool)?;
    }
    npm_packages()?;
    Ok(())
}

/// Chromium is only needed to test and measure, not to run the product.
pub fn ensure_browser() -> Result {
    let missing: Vec<&str> = DEBIAN_PACKAGES
        .iter()
        .filter(|(_, path)| !Path::new(path).exists())
        .map(|(p, _)| *p)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let is_root = output("id", &["-u"]).is_some_and(|id| id.trim() == "0");
    if !is_root {
        return Err(format!(
            "please install the Debian packages: sudo apt-get install {}",
            missing.join(" ")
        ));
    }
    let update = timed(cmd("apt-get").arg("update").arg("-q"))?;
    let install = timed(
        cmd("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    record(&format!(
        "apt-get update and install {} | {:.0}",
        missing.join(" "),
        update + install
    ));
    Ok(())
}

fn wasm_target() -> Result {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    run(cmd("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// The toolchain to build the widget with: [`WIDGET_NIGHTLY`], or a `nightly` that is the same
/// release, installed with `rust-src` (what `-Z build-std` compiles) when neither is there.
pub fn widget_nightly() -> Result<String> {
    let same_release = |toolchain: &str| {
        output("rustc", &[&format!("+{toolchain}"), "-vV"]).is_some_and(|v| {
            v.lines()
                .any(|l| l.trim() == format!("commit-date: {WIDGET_NIGHTLY_COMMIT_DATE}"))
        })
    };
    let toolchain = match [WIDGET_NIGHTLY, "nightly"]
        .into_iter()
        .find(|t| same_release(t))
    {
        Some(found) => found.to_string(),
        None => {
            let seconds = timed(cmd("rustup").args([
                "toolchain",
                "install",
                WIDGET_NIGHTLY,
                "--profile",
                "minimal",
                "--component",
                "rust-src",
            ]))?;
            record(&format!(
                "rustup toolchain install {WIDGET_NIGHTLY} | {seconds:.0}"
            ));
            return Ok(WIDGET_NIGHTLY.to_string());
        }
    };
    let components = output(
        "rustup",
        &[
            "component",
            "list",
            "--installed",
            "--toolchain",
            &toolchain,
        ],
    )
    .unwrap_or_default();
    if !components.lines().any(|l| l.starts_with("rust-src")) {
        run(cmd("rustup").args(["component", "add", "rust-src", "--toolchain", &toolchain]))?;
    }
    Ok(toolchain)
}

/// Fetches from the registry every crate an offline build step will compile: the workspace's
/// (for every target) and std's own dependencies, which `-Z build-std` takes from crates.io by
/// the toolchain's `library/Cargo.lock`. Trunk runs cargo `--offline`, so on a machine whose
/// cargo cache never held them the widget's build could not start. Quick and silent when all is
/// there already.
pub fn fetch_crates(nightly: &str) -> Result {
    run(cmd("cargo").args(["fetch", "--locked", "--quiet"]))?;
    let sysroot = output("rustc", &[&format!("+{nightly}"), "--print", "sysroot"])
        .ok_or_else(|| format!("`rustc +{nightly} --print sysroot` failed"))?;
    let library = Path::new(sysroot.trim()).join("lib/rustlib/src/rust/library/Cargo.toml");
    run(cmd("cargo")
        .arg(format!("+{nightly}"))
        .args(["fetch", "--locked", "--quiet", "--manifest-path"])
        .arg(&library))
}

fn cargo_tool(tool: &CargoTool) -> Result {
    let bin = home().join(".cargo/bin").join(tool.bin);
    let found = output(&bin.to_string_lossy(), &["--version"]).unwrap_or_default();
    if found.split_whitespace().any(|word| word == tool.version) {
        return Ok(());
    }
    println!(
        "installing {} {} (a few minutes, once)",
        tool.krate, tool.version
    );
    let mut c = cmd("cargo");
    c.args(["install", tool.krate, "--version", tool.version, "--force"]);
    if tool.locked {
        c.arg("--locked");
    }
    let seconds = timed(&mut c)?;
    record(&format!(
        "cold install of {} {} (cargo install) | {seconds:.0}",
        tool.krate, tool.version
    ));
    Ok(())
}

/// Kept for `cargo xtask bench`, which reports the setup time measured on this machine.
fn record(line: &str) {
    let path = root().join("target/setup-times.txt");
    let _ = std::fs::create_dir_all(root().join("target"));
    let mut lines: Vec<String> = std::fs::read_to_string(&path)
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect();
    let key = line.split(" | ").next().unwrap_or(line);
    lines.retain(|l| !l.starts_with(key));
    lines.push(line.to_string());
    let _ = std::fs::write(&path, lines.join("\n") + "\n");
}

/// `npm ci` from the committed lock file, skipped while node_modules matches it.
fn npm_packages() -> Result {
    let lock = root().join("package-lock.json");
    let stamp = root().join("node_modules/.porthole-installed-lock.json");
    let wanted = std::fs::read(&lock).map_err(|e| format!("package-lock.json: {e}"))?;
    if std::fs::read(&stamp).ok().as_deref() == Some(&wanted[..]) {
        return Ok(());
    }
    if output("node", &["--version"]).is_none() {
        return Err("Node.js 20 or newer is needed (Debian: apt-get install nodejs npm)".into());
    }
    let seconds = timed(cmd("npm").args(["ci", "--no-audit", "--no-fund"]))?;
    record(&format!(
        "npm ci (wrangler, binaryen, esbuild, playwright-core) | {seconds:.0}"
    ));
    std::fs::write(&stamp, wanted).map_err(|e| format!("{}: {e}", stamp.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// trunk and worker-build run this CLI on wasm the crate built: they must be the same release.
    #[test]
    fn wasm_bindgen_cli_matches_the_crate_in_the_lock_and_trunk() {
        let lock = std::fs::read_to_string(root().join("Cargo.lock")).unwrap();
        let locked = lock
            .split("[[package]]")
            .find(|p| p.contains("name = \"wasm-bindgen\"\n"))
            .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = \"")))
            .map(|v| v.trim_end_matches('"').to_string())
            .expect("wasm-bindgen is in Cargo.lock");
        let cli = CARGO_TOOLS
            .iter()
            .find(|t| t.krate == "wasm-bindgen-cli")
            .unwrap();
        assert_eq!(cli.version, locked);
        let trunk = std::fs::read_to_string(root().join("Trunk.toml")).unwrap();
        assert!(
            trunk.contains(&format!("wasm_bindgen = \"{locked}\"")),
            "Trunk.toml pins another wasm-bindgen"
        );
    }
}
