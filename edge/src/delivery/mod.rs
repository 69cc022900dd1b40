//! Delivery: from an accepted message to a conversation in the site's helpdesk, exactly once.
//!
//! Accepting stores the message and a `queued` delivery in D1, then enqueues `{delivery}`. The
//! queue consumer claims the delivery with a lease (one worker at a time), runs the site's
//! connector with the delivery's journal, and settles it: delivered; back to the queue with a
//! backoff delay (retryable failure); or failed with the helpdesk's reason (permanent failure,
//! or attempts used up, in which case it is also dead-lettered). The cron sweeper re-enqueues
//! deliveries whose lease ran out: their message was lost or their worker died.
//!
//! Here: the consumer and the sweeper; `settle` (what an attempt's result means, as a plain
//! function, then its writes); `backoff` (how long a retry waits). The connectors, their journal
//! and their failure classes are the layer below (`connectors`), which never calls back up here.

mod backoff;
mod settle;

use crate::connectors::failure::Failure;
use crate::connectors::journal::{self, Journal};
use crate::connectors::{self, Context, Job};
use crate::store::{self, Db};
use crate::{config, ids, log, queue};
use porthole_shared::config::PortholeConfig;
use porthole_shared::DeliveryStatus;
use settle::{decide, settle};
use worker::{Date, Env, MessageBatch, MessageExt, QueueRetryOptionsBuilder};

pub use crate::queue::QueueJob;

/// What to do with the queue message after an attempt.
enum Next {
    Ack,
    RetryIn(u32),
}

/// The queue consumer. Messages of a batch are worked a few at a time; each one's outcome is decided
/// by its own delivery, never by the batch.
pub async fn consume(batch: MessageBatch<QueueJob>, env: &Env) {
    let messages = match batch.messages() {
        Ok(messages) => messages,
        Err(e) => {
            log::error("queue_batch_unreadable", &e.to_string());
            batch.retry_all();
            return;
        }
    };
    if batch.queue().ends_with("-dlq") {
        for message in messages {
            log::event(
                "delivery_dead_lettered",
                serde_json::json!({"delivery": message.body().delivery}),
            );
            message.ack();
        }
        return;
    }
    // A few at a time: a helpdesk upload holds a file of up to 10 MB several times over in
    // memory, and an isolate has 128 MB.
    use futures_util::StreamExt;
    futures_util::stream::iter(messages.iter())
        .for_each_concurrent(3, |message| async move {
            let job = message.body();
            match attempt(env, &job.delivery, &job.job).await {
                Next::Ack => message.ack(),
                Next::RetryIn(seconds) => message.retry_with_options(
                    &QueueRetryOptionsBuilder::new()
                        .with_delay_seconds(seconds)
                        .build(),
                ),
            }
        })
        .await;
}

async fn attempt(env: &Env, delivery_id: &str, job: &str) -> Next {
    let config = match config::load(env) {
        Ok(c) => c,
        Err(e) => {
            log::error("delivery_config", &format!("{e}"));
            return Next::RetryIn(60);
        }
    };
    let settings = &config.delivery;
    let db = match Db::from_env(env) {
        Ok(db) => db,
        Err(e) => {
            log::error("delivery_db", &e.to_string());
            return Next::RetryIn(settings.retry_base_seconds);
        }
    };
    let owner = ids::new_id();
    let now = Date::now().as_millis() as i64;
    let claim =
        match store::deliveries::claim(&db, delivery_id, job, &owner, now, settings.lease_seconds)
            .await
        {
            Ok(Some(claim)) => claim,
            // Finished, held by another worker, or this message was superseded: nothing to do.
            Ok(None) => return Next::Ack,
            Err(e) => {
                log::error("delivery_claim", &format!("{delivery_id}: {e:?}"));
                return Next::RetryIn(settings.retry_base_seconds);
            }
        };
    let attempt = claim.attempts;
    log::event(
        "delivery_attempt",
        serde_json::json!({"delivery": delivery_id, "attempt": attempt}),
    );

    // Attempts that never reported back (the worker died) count too: past the limit, stop here.
    let result = if attempt > settings.max_attempts {
        Err(Failure::retryable(
            "the worker stopped before finishing the attempt",
        ))
    } else {
        run(env, &db, &config, &claim, delivery_id, &owner).await
    };
    let verdict = decide(&result, attempt, settings, random_unit());
    let outcome = settle(env, &db, delivery_id, &owner, attempt, verdict, settings).await;
    if let Err(e) = outcome {
        // Not settled: the lease runs out and the sweeper hands the delivery on; the journal makes
        // that safe.
        log::error("delivery_settle", &format!("{delivery_id}: {e:?}"));
    }
    Next::Ack
}

async fn run(
    env: &Env,
    db: &Db,
    config: &PortholeConfig,
    claim: &store::Claim,
    delivery_id: &str,
    owner: &str,
) -> Result<connectors::Delivered, Failure> {
    let settings = &config.delivery;
    let site = config.sites.get(&claim.site).cloned().ok_or_else(|| {
        Failure::permanent(format!("site `{}` is no longer configured", claim.site))
    })?;
    let context = store::deliveries::context(db, claim, delivery_id)
        .await
        .map_err(journal::internal)?;
    let follow_up = if claim.follow_up {
        Some(continued(context.conversation_status.as_ref())?)
    } else {
        None
    };
    let job = Job {
        site_id: claim.site.clone(),
        site,
        conversation: context
            .conversation
            .ok_or_else(|| Failure::permanent("conversation not found"))?,
        message: context
            .message
            .ok_or_else(|| Failure::permanent("message not found"))?,
        files: context.files,
        follow_up,
    };
    let mut journal = Journal::new(
        db.clone(),
        delivery_id,
        owner,
        settings.lease_seconds,
        context.steps,
    );
    let connector = connectors::for_site(&job.site);
    connector
        .deliver(&job, &mut journal, &Context { env, db, settings })
        .await
}

/// The helpdesk's reference of the conversation a later message continues: it can only go once
/// the conversation's first message is there.
fn continued(conversation: Option<&store::ConversationStatusRow>) -> Result<String, Failure> {
    let conversation = conversation.ok_or_else(|| Failure::permanent("conversation not found"))?;
    match (conversation.status, &conversation.helpdesk_ref) {
        (DeliveryStatus::Delivered, Some(reference)) => Ok(reference.clone()),
        (DeliveryStatus::Failed, _) => Err(Failure::permanent(format!(
            "the conversation {} itself could not be delivered",
            conversation.reference
        ))),
        _ => Err(Failure::Waiting {
            reason: "waiting for the conversation's first message to reach the helpdesk".into(),
        }),
    }
}

/// In [0, 1), for jitter.
fn random_unit() -> f64 {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as f64 / (u32::MAX as f64 + 1.0)
}

/// The sweeper (cron): re-enqueues deliveries whose lease ran out.
pub async fn sweep(env: &Env) -> Result<usize, crate::error::Error> {
    let settings = config::load(env)?.delivery.clone();
    let db = Db::from_env(env)?;
    let now = Date::now().as_millis() as i64;
    let stale = store::deliveries::stale(&db, now, 500).await?;
    for d in &stale {
        let job = ids::new_id();
        if store::deliveries::rejob_stale(
            &db,
            &d.id,
            &job,
            now,
            now + i64::from(settings.lease_seconds) * 1000,
        )
        .await?
        {
            queue::enqueue(env, &d.id, &job, 0).await?;
        }
    }
    if !stale.is_empty() {
        log::event(
            "deliveries_swept",
            serde_json::json!({"requeued": stale.len()}),
        );
    }
    Ok(stale.len())
}
