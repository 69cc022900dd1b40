//! Porthole's edge: a Cloudflare Worker that takes visitors' conversations and files, stores the
//! files in R2 and the conversations in D1, and serves the loader, widget and demo page.
//!
//! Layout: `routes` parses a request into a [`routes::Route`] and calls one handler; handlers
//! (`uploads`, `conversations`, `inbox`) do I/O through `store`; `error` maps every failure to
//! HTTP in one place. Everything that can be tested natively (route parsing, origin checks,
//! ids, SQL building) is a plain function.

mod auth;
mod cleanup;
mod config;
mod conversations;
mod cors;
pub mod error;
mod http;
pub mod ids;
mod inbox;
mod log;
pub mod routes;
pub mod site;
mod store;
mod uploads;

use worker::{event, Context, Env, Request, Response, ScheduleContext, ScheduledEvent};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    Ok(routes::handle(req, &env).await)
}

#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    cleanup::delete_unclaimed_uploads(&env).await;
}
