//! Running programs with the pinned tools on PATH, and saying what failed.

use crate::{root, Result};
use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// A command with the project's tool environment: npm-installed tools first on PATH (so that
/// Debian's incompatible binaryen is never picked), cargo-installed tools next, and every tool
/// told to stay offline and quiet.
pub fn cmd(program: impl AsRef<OsStr>) -> Command {
    let mut c = Command::new(program);
    c.current_dir(root());
    let bin = root().join("node_modules/.bin");
    let cargo_bin = home().join(".cargo/bin");
    let path = std::env::var("PATH").unwrap_or_default();
    c.env(
        "PATH",
        format!("{}:{}:{path}", bin.display(), cargo_bin.display()),
    );
    c.env("WASM_BINDGEN_BIN", cargo_bin.join("wasm-bindgen"));
    c.env("WASM_OPT_BIN", bin.join("wasm-opt"));
    c.env("ESBUILD_BIN", bin.join("esbuild"));
    c.env("WRANGLER_SEND_METRICS", "false");
    c.env("WRANGLER_SEND_ERROR_REPORTS", "false");
    c.env("CI", "true");
    c
}

pub fn home() -> std::path::PathBuf {
    std::env::var_os("HOME")
        .map(Into::into)
        .unwrap_or_else(|| "/root".into())
}

/// Runs to completion with output shown; a non-zero exit is an error naming the command.
pub fn run(c: &mut Command) -> Result {
    let shown = describe(c);
    println!("$ {shown}");
    let status = c
        .status()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

/// Like [`run`], and says how long it took.
pub fn timed(c: &mut Command) -> Result<f64> {
    let start = Instant::now();
    run(c)?;
    Ok(start.elapsed().as_secs_f64())
}

/// Captures standard output; `None` if the program is missing or fails.
pub fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = cmd(program)
        .args(args)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

pub fn in_dir(mut c: Command, dir: &Path) -> Command {
    c.current_dir(dir);
    c
}

fn describe(c: &Command) -> String {
    let mut s = c.get_program().to_string_lossy().into_owned();
    for a in c.get_args() {
        let a = a.to_string_lossy();
        // Long values (the site configuration) are noise in a log.
        if a.len() > 80 {
            s.push_str(&format!(
                " {}…",
                &a[..a.char_indices().nth(40).map(|(i, _)| i).unwrap_or(a.len())]
            ));
        } else {
            s.push(' ');
            s.push_str(&a);
        }
    }
    s
}
