//! The edge's tests against a live Worker: the one `cargo xtask test` starts in workerd
//! (`wrangler dev`, local D1, R2 and Queues), reached over HTTP like any client. Run them through
//! `cargo xtask test` (`cargo xtask test -- --test live reamaze` runs one module).
//!
//! One binary, so the helpers are compiled once. The HTTP contract's tests run side by side; a
//! test that counts what the Worker stores, drives a helpdesk fake or runs a Worker of its own
//! runs alone ([`helpers::alone`]).

mod helpers;

mod contract;
mod deskhero;
mod helpscout;
mod libredesk;
mod motadata;
mod r2_storage;
mod reamaze;
mod restart;
mod thread;
