//! Fakes of the helpdesks Porthole delivers into, for tests and benchmarks. Each enforces its
//! vendor's documented contract (../shared/helpdesk-apis) and injects faults on command.

pub mod deskhero;
pub mod helpscout;
pub mod libredesk;
pub mod motadata;
pub mod reamaze;
pub mod server;
