//! `cargo xtask`: the only commands anyone needs to build, run, test, measure and deploy Porthole.
//!
//!   cargo xtask dev [--config FILE]     install what is missing, build, run locally on :8787
//!   cargo xtask test [-- ARGS]          install what is missing, build, run every test
//!   cargo xtask bench                   measure sizes, build times and latencies into BENCHMARKS.md
//!   cargo xtask bench live              only the live conversation's rows, printed
//!   cargo xtask deploy [--config FILE]  build, migrate the D1 database and deploy with wrangler
//!   cargo xtask deliveries              list failed deliveries, retry one

use std::path::PathBuf;
use std::process::ExitCode;
use xtask::{bench, build, deliveries, root, test, tools, wrangler, Result};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("dev") => config_flag(&args[1..]).and_then(|c| wrangler::dev(&c)),
        Some("test") => match &args[1..] {
            [] => test::run_all(&[]),
            [flag] if flag == "--browser" => test::run_browser(),
            [dashes, rest @ ..] if dashes == "--" => test::run_all(rest),
            _ => Err(USAGE.to_string()),
        },
        Some("bench") => match &args[1..] {
            [] => bench::run(),
            [only] if only == "live" => bench::run_live(),
            _ => Err(USAGE.to_string()),
        },
        Some("deploy") => config_flag(&args[1..]).and_then(|c| wrangler::deploy(&c)),
        Some("deliveries") => deliveries::run(&args[1..]),
        Some("build") => tools::ensure().and_then(|_| build::all().map(|_| ())),
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask: {e}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "usage:
  cargo xtask dev [--config FILE]     build and run the Worker locally on http://127.0.0.1:8787
  cargo xtask test [-- CARGO TEST ARGS] build and run every test (with args: only those Rust tests)
  cargo xtask test --browser          build and run only the browser tests
  cargo xtask bench                   measure and write BENCHMARKS.md
  cargo xtask bench live              measure only the live conversation's rows (printed)
  cargo xtask deploy [--config FILE]  build, migrate D1 and deploy with wrangler
  cargo xtask deliveries [--status S] [--retry ID] [--edge URL]
                                      list failed deliveries (or S), or retry one
  cargo xtask build                   build the widget, the assets and the Worker";

fn config_flag(args: &[String]) -> Result<PathBuf> {
    match args {
        [] => Ok(root().join("porthole.toml")),
        [flag, file] if flag == "--config" => Ok(PathBuf::from(file)),
        _ => Err(USAGE.to_string()),
    }
}
