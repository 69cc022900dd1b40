//! The library behind `cargo xtask`, also used by the Worker's tests: starting a Worker in
//! workerd, and fakes of the helpdesks it delivers into.

pub mod bench;
pub mod build;
pub mod client;
pub mod config;
pub mod deliveries;
pub mod fakes;
pub mod live;
pub mod newcomer;
pub mod ports;
pub mod sh;
pub mod test;
pub mod tools;
pub mod wrangler;

use std::path::Path;

pub type Result<T = ()> = std::result::Result<T, String>;

/// The repository root (xtask lives one level below it).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask has a parent directory")
}
