//! Fakes of the helpdesks Porthole delivers into, for tests and benchmarks. Each enforces its
//! vendor's documented contract (../shared/helpdesk-apis) and injects faults on command.

pub mod helpscout;
pub mod libredesk;
pub mod reamaze;
pub mod server;
