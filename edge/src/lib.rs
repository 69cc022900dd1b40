//! Porthole's edge: a Cloudflare Worker that takes visitors' conversations and files, stores the
//! files in R2 and the conversations in D1, delivers them into the site's helpdesk, and serves the
//! loader, widget and demo page.
//!
//! # The map
//!
//! Two stacks of layers, each importing only the ones below it, and the primitives beside both:
//!
//! | layer | what | entered from |
//! |---|---|---|
//! | [`api`] | the router (`Route::parse`, `handle`) and one thin handler per endpoint: uploads, files in parts, conversations, messages, status, widget config, inbox, admin, files | `fetch` |
//! | `accept` | the pipeline a first message and a follow-up share: rules, attachment claims, rate limit, store, hand-over to the queue, idempotent resends; an agent's reply, close and reopen (`agent`) | `api` |
//! | [`delivery`] | the queue consumer: claim, run the connector, settle (a pure verdict, then its writes), backoff; the cron sweeper | `queue`, `scheduled` |
//! | `live` | the conversation's thread as a reader sees it (`view`), and its room: a Durable Object per conversation holding readers' WebSockets (hibernating), sending each what is new in D1 after every write (`publish`) | `api`, `accept` |
//! | `connectors` | one module per helpdesk behind one trait, with what they share: the step journal, failure classification, the vendor HTTP client, the OAuth cache | `delivery` |
//! | `store` | all SQL, one file per aggregate, behind a `Db` handle taken once per request | everything above |
//!
//! `api -> accept -> live -> store` and `delivery -> connectors -> store`; nothing imports `api`,
//! `connectors` never imports `delivery`, and `accept` hands deliveries over through `queue`, not
//! `delivery`. `cleanup` is the cron's housekeeping (stale uploads, idempotency keys, rate-limit
//! windows).
//!
//! The primitives stay flat at the top, because every layer may use them and they use no layer:
//! [`error`] (the crate's one error enum; `http::error` maps it to HTTP, in one place), `http`
//! (JSON in and out), `cors`, `auth` (operator and visitor tokens), [`token`], `identity`,
//! [`site`], `config`, [`ids`], `log`, `escape`, `file_links` (signed file links), `queue`. A
//! folder of their own would only lengthen every path to them.
//!
//! Everything that can be tested natively (route parsing, origin checks, ids, rules, settling
//! verdicts, constraint conflicts, backoff) is a plain function.

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
mod live;
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
