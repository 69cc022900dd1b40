//! Fakes of the helpdesks Porthole delivers into, for tests and benchmarks. Each enforces its
//! vendor's documented contract (each file cites where it is documented) and injects faults on command, lists the
//! secrets a test Worker has for it (`SECRETS`, gathered by `test::worker_vars`) and says when it
//! received a conversation ([`Received`], for the delivery benchmark).

pub mod deskhero;
pub mod helpscout;
pub mod libredesk;
pub mod motadata;
pub mod reamaze;
pub mod server;

use std::time::Instant;

/// What every helpdesk fake tells the delivery benchmark: when it stored the visitor's message
/// of the conversation with this Porthole reference, if it has.
pub trait Received {
    fn received(&self, reference: &str) -> Option<Instant>;
}
