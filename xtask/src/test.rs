//! `cargo xtask test`: unit tests, Worker integration tests against workerd (local D1 and R2),
//! and browser tests in headless Chromium, all against one freshly started Worker.

use crate::sh::{cmd, run};
use crate::wrangler::{Options, Worker};
use crate::{build, config, newcomer, ports, root, tools, Result};

pub const OPERATOR_TOKEN: &str = "test-operator-token-0123456789";
pub const TOKEN_SECRET: &str = "test-token-secret-0123456789abcdef0123456789";
/// Short, so the clean-up test can see an unclaimed upload expire.
pub const UPLOAD_TTL_SECONDS: &str = "8";
/// Short, so a test can see a signed file link expire.
pub const FILE_LINK_TTL_SECONDS: &str = "12";

/// `args` (after `--`) go to `cargo test`, and the browser tests are skipped: for iterating on a
/// few tests, e.g. `cargo xtask test -- --test delivery`.
pub fn run_all(args: &[String]) -> Result {
    run_selected(args, true)
}

/// Only the browser tests (`cargo xtask test --browser`), for iterating on the widget.
pub fn run_browser() -> Result {
    run_selected(&[], false)
}

fn run_selected(args: &[String], rust_tests: bool) -> Result {
    tools::ensure()?;
    tools::ensure_browser()?;
    if rust_tests && args.is_empty() {
        newcomer::check_empty_registry()?;
    }
    build::all()?;
    if rust_tests {
        // Compile the tests before the Worker starts, so it is not kept waiting.
        run(cmd("cargo").args([
            "test",
            "--workspace",
            "--exclude",
            "porthole-widget",
            "--no-run",
        ]))?;
    }
    if args.is_empty() {
        // The widget's component tests: wasm-bindgen-test in headless Chromium through
        // chromedriver (its flags: widget/webdriver.json). They need no Worker.
        run(cmd("cargo")
            .args([
                "test",
                "-p",
                "porthole-widget",
                "--target",
                "wasm32-unknown-unknown",
            ])
            .env(
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                "wasm-bindgen-test-runner",
            )
            .env("CHROMEDRIVER", "/usr/bin/chromedriver")
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120"))?;
    }
    let worker = start_test_worker()?;
    let rust = if !rust_tests {
        Ok(())
    } else {
        run(cmd("cargo")
            .args(["test", "--workspace", "--exclude", "porthole-widget"])
            .args(args)
            .env("PORTHOLE_EDGE", &worker.url)
            .env("PORTHOLE_STATE_DIR", state_dir())
            .env("PORTHOLE_OPERATOR_TOKEN", OPERATOR_TOKEN))
    };
    let browser = if !args.is_empty() {
        Ok(())
    } else {
        run(cmd("node")
            .args(["--test", "--test-concurrency=1", "xtask/e2e/"])
            .env("PORTHOLE_EDGE", &worker.url)
            .env("PORTHOLE_HOST_PORT", ports::HOST.to_string())
            .env("PORTHOLE_OPERATOR_TOKEN", OPERATOR_TOKEN))
    };
    drop(worker);
    if rust.is_err() || browser.is_err() {
        let log = root().join("target/test-worker.log");
        if let Ok(text) = std::fs::read_to_string(&log) {
            let tail: Vec<&str> = text.lines().rev().take(40).collect();
            eprintln!(
                "\nlast lines of {}:\n{}",
                log.display(),
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
        }
    }
    rust.and(browser)
}

/// A Worker on its own port and with an empty local state, so tests never see old data.
pub fn start_test_worker() -> Result<Worker> {
    let state = state_dir();
    let _ = std::fs::remove_dir_all(&state);
    let config = config::load(&root().join("xtask/e2e/porthole.test.toml"))?;
    Worker::start(&Options {
        port: ports::EDGE,
        inspector_port: ports::EDGE_INSPECTOR,
        config_json: config::to_var(&config),
        persist_to: state,
        vars: worker_vars(),
        log: Some(root().join("target/test-worker.log")),
    })
}

/// The secrets and settings every test Worker runs with.
pub fn worker_vars() -> Vec<(String, String)> {
    use crate::fakes::{deskhero, helpscout, libredesk, motadata, reamaze};
    let porthole: &[(&str, &str)] = &[
        ("PORTHOLE_OPERATOR_TOKEN", OPERATOR_TOKEN),
        ("PORTHOLE_TOKEN_SECRET", TOKEN_SECRET),
    ];
    // Each helpdesk fake's credentials, under the names its connector reads by default.
    let helpdesks: &[&[(&str, &str)]] = &[
        helpscout::SECRETS,
        reamaze::SECRETS,
        libredesk::SECRETS,
        motadata::SECRETS,
        deskhero::SECRETS,
    ];
    let settings: &[(&str, &str)] = &[
        // The `themed` site's key for Porthole('identify'); the browser tests sign with it.
        (
            "THEMED_IDENTITY_KEY",
            "test-identity-key-for-the-themed-site",
        ),
        ("PORTHOLE_UPLOAD_TTL_SECONDS", UPLOAD_TTL_SECONDS),
        ("PORTHOLE_FILE_LINK_TTL_SECONDS", FILE_LINK_TTL_SECONDS),
    ];
    let mut vars: Vec<(String, String)> = std::iter::once(porthole)
        .chain(helpdesks.iter().copied())
        .chain(std::iter::once(settings))
        .flatten()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    vars.push(("PORTHOLE_PUBLIC_URL".into(), ports::local(ports::EDGE)));
    vars
}

fn state_dir() -> std::path::PathBuf {
    root().join("target/test-state")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_worker_has_every_secret_the_test_configuration_names() {
        let config = config::load(&root().join("xtask/e2e/porthole.test.toml")).unwrap();
        let vars = worker_vars();
        for (id, site) in &config.sites {
            let named = site
                .connector
                .secrets()
                .into_iter()
                .chain(site.identity_secret.as_deref());
            for name in named {
                assert!(
                    vars.iter().any(|(k, _)| k == name),
                    "site `{id}` names the secret {name}, which worker_vars() does not set"
                );
            }
        }
    }
}
