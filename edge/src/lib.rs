//! Porthole's edge: a Cloudflare Worker that takes visitors' conversations and files, stores the
//! files in R2 and the conversations in D1, and serves the loader, widget and demo page.
//!
//! Layout: `routes` parses a request into a [`routes::Route`] and calls one handler; handlers
//! (`uploads`, `conversations`, `inbox`) do I/O through `store`; `error` maps every failure to
//! HTTP in one place. Everything that can be tested natively (route parsing, origin checks,
//! ids, SQL building) is a plain function.

mod accept;
pub mod api;
mod auth;
mod cleanup;
mod config;
mod connectors;
mod cors;
pub mod delivery;
pub mod error;
mod escape;
mod file_links;
mod http;
mod identity;
pub mod ids;
mod log;
mod queue;
pub mod site;
mod store;
pub mod token;

use worker::{
    event, Context, Env, MessageBatch, Request, Response, ScheduleContext, ScheduledEvent,
};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    Ok(api::handle(req, &env).await)
}

#[event(queue)]
async fn queue(
    batch: MessageBatch<delivery::QueueJob>,
    env: Env,
    _ctx: Context,
) -> worker::Result<()> {
    // Every message is acked or retried inside: returning an error would fail the whole batch.
    delivery::consume(batch, &env).await;
    Ok(())
}

/// Every minute: re-enqueue deliveries whose lease ran out, then housekeeping.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    if let Err(e) = delivery::sweep(&env).await {
        log::error("delivery_sweep_failed", &format!("{e:?}"));
    }
    cleanup::delete_unclaimed_uploads(&env).await;
    cleanup::forget_old_idempotency_keys(&env).await;
    cleanup::forget_old_rate_limits(&env).await;
}
