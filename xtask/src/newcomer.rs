//! The check that a newcomer's first build works: `cargo xtask build` run with an empty,
//! temporary cargo home, as on a machine whose cargo cache never held a crate. Trunk runs cargo
//! `--offline`, so a crate that no step fetched beforehand fails here, in CI, instead of on the
//! next newcomer's machine. The installed tools are reused (the temporary home's `bin` is the
//! real one). It builds into a target folder of its own: cargo rebuilds a crate whose sources
//! are under another path, so sharing `target/` with the usual builds would rebuild everything
//! each time one ran after the other. The temporary home is at the same path each time, so once
//! built the check costs the downloads and the steps after compiling.

use crate::sh::{cmd, home, timed};
use crate::{root, Result};

/// Runs the check; returns how long it took, in seconds.
pub fn check_empty_registry() -> Result<f64> {
    let cargo_home = root().join("target/empty-cargo-home");
    let _ = std::fs::remove_dir_all(&cargo_home);
    std::fs::create_dir_all(&cargo_home).map_err(|e| format!("{}: {e}", cargo_home.display()))?;
    std::os::unix::fs::symlink(home().join(".cargo/bin"), cargo_home.join("bin"))
        .map_err(|e| format!("linking the tools into {}: {e}", cargo_home.display()))?;
    let xtask = std::env::current_exe().map_err(|e| format!("finding xtask itself: {e}"))?;
    println!("checking that the build works with an empty cargo registry (as on a new machine)");
    let built = timed(cmd(xtask).arg("build").env("CARGO_HOME", &cargo_home).env(
        "CARGO_TARGET_DIR",
        root().join("target/empty-registry-build"),
    ));
    // Hundreds of megabytes of crates nothing else reads.
    let _ = std::fs::remove_dir_all(&cargo_home);
    let seconds = built.map_err(|e| {
        format!("the build fails with an empty cargo registry, as it would on a new machine: {e}")
    })?;
    println!("empty-registry build check: {seconds:.0} s");
    Ok(seconds)
}
