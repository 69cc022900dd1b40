//! Delivery: from an accepted message to a conversation in the site's helpdesk, exactly once.
//!
//! Accepting stores the message and a `queued` delivery in D1, then enqueues `{delivery}`. The
//! queue consumer claims the delivery with a lease (one worker at a time), runs the site's
//! connector with the delivery's journal, and settles it: delivered; back to the queue with a
//! backoff delay (retryable failure); or failed with the helpdesk's reason (permanent failure,
//! or attempts used up, in which case it is also dead-lettered). The cron sweeper re-enqueues
//! deliveries whose lease ran out: their message was lost or their worker died.

pub mod journal;
pub mod retry;

use crate::connectors::{self, Context, Job};
use crate::store::{self, Db};
use crate::{config, ids, log};
use journal::Journal;
use porthole_shared::config::PortholeConfig;
use retry::{backoff_seconds, Failure};
use serde::{Deserialize, Serialize};
use worker::{Date, Env, MessageBatch, MessageBuilder, MessageExt, QueueRetryOptionsBuilder};

pub const QUEUE: &str = "DELIVERIES";
pub const DEAD_LETTERS: &str = "DEAD_LETTERS";

#[derive(Debug, Serialize, Deserialize)]
pub struct QueueJob {
    pub delivery: String,
    /// Must match the delivery's current job token, or the message is stale and dropped.
    pub job: String,
}

/// What to do with the queue message after an attempt.
enum Next {
    Ack,
    RetryIn(u32),
}

pub async fn enqueue(
    env: &Env,
    delivery_id: &str,
    job: &str,
    delay_seconds: u32,
) -> Result<(), crate::error::Error> {
    let message = QueueJob {
        delivery: delivery_id.to_string(),
        job: job.to_string(),
    };
    env.queue(QUEUE)?
        .send(
            MessageBuilder::new(message)
                .delay_seconds(delay_seconds)
                .build(),
        )
        .await?;
    Ok(())
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
    let now = Date::now().as_millis() as f64;
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
    let attempt = claim.attempts as u32;
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
    let outcome = match &result {
        Ok(delivered) => {
            let notes = serde_json::to_string(&delivered.notes).unwrap_or_else(|_| "[]".into());
            log::event(
                "delivery_delivered",
                serde_json::json!({"delivery": delivery_id, "attempt": attempt, "helpdesk_ref": delivered.helpdesk_ref, "skipped_files": delivered.notes.len()}),
            );
            store::deliveries::settle(
                &db,
                delivery_id,
                &owner,
                store::Settled::Delivered {
                    helpdesk_ref: &delivered.helpdesk_ref,
                    notes: &notes,
                },
            )
            .await
        }
        Err(Failure::Permanent { reason }) => {
            log::event(
                "delivery_failed",
                serde_json::json!({"delivery": delivery_id, "attempt": attempt, "reason": reason}),
            );
            store::deliveries::settle(
                &db,
                delivery_id,
                &owner,
                store::Settled::Failed { error: reason },
            )
            .await
        }
        Err(Failure::Retryable { reason, .. }) if attempt >= settings.max_attempts => {
            let error = format!("gave up after {attempt} attempts: {reason}");
            log::event(
                "delivery_failed",
                serde_json::json!({"delivery": delivery_id, "attempt": attempt, "reason": error}),
            );
            let settled = store::deliveries::settle(
                &db,
                delivery_id,
                &owner,
                store::Settled::Failed { error: &error },
            )
            .await;
            // Only the lease holder's verdict counts: a worker that lost its lease must not
            // dead-letter a delivery another worker may still finish.
            if matches!(settled, Ok(true)) {
                if let Err(e) = dead_letter(env, delivery_id).await {
                    log::error("delivery_dead_letter", &format!("{delivery_id}: {e:?}"));
                }
            }
            settled
        }
        Err(Failure::Waiting { reason }) => {
            log::event(
                "delivery_waiting",
                serde_json::json!({"delivery": delivery_id, "reason": reason}),
            );
            requeue(
                env,
                &db,
                delivery_id,
                &owner,
                reason,
                settings.retry_base_seconds,
                settings,
                true,
            )
            .await
        }
        Err(Failure::Retryable {
            reason,
            retry_after,
        }) => {
            let delay = backoff_seconds(attempt, settings, *retry_after, random_unit());
            log::event(
                "delivery_retry",
                serde_json::json!({"delivery": delivery_id, "attempt": attempt, "reason": reason, "delay_seconds": delay}),
            );
            requeue(
                env,
                &db,
                delivery_id,
                &owner,
                reason,
                delay,
                settings,
                false,
            )
            .await
        }
    };
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
    let follow_up = if claim.follow_up > 0.0 {
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

/// Back to the queue under a new job token, `delay` seconds from now. The retry travels as a new
/// message; should sending it fail, the sweeper sends one when the lease runs out. `refund` gives
/// the attempt back (the delivery was waiting, not failing).
#[allow(clippy::too_many_arguments)]
async fn requeue(
    env: &Env,
    db: &Db,
    delivery_id: &str,
    owner: &str,
    reason: &str,
    delay: u32,
    settings: &porthole_shared::config::DeliverySettings,
    refund: bool,
) -> Result<bool, crate::error::Error> {
    let lease_until =
        Date::now().as_millis() as f64 + (delay as f64 + settings.lease_seconds as f64) * 1000.0;
    let next_job = ids::new_id();
    let settled = store::deliveries::settle(
        db,
        delivery_id,
        owner,
        store::Settled::Retry {
            error: reason,
            lease_until,
            job: &next_job,
            refund,
        },
    )
    .await;
    if matches!(settled, Ok(true)) {
        if let Err(e) = enqueue(env, delivery_id, &next_job, delay).await {
            log::error("enqueue_failed", &format!("{delivery_id}: {e:?}"));
        }
    }
    settled
}

/// The helpdesk's reference of the conversation a later message continues: it can only go once
/// the conversation's first message is there.
fn continued(conversation: Option<&store::ConversationStatusRow>) -> Result<String, Failure> {
    let conversation = conversation.ok_or_else(|| Failure::permanent("conversation not found"))?;
    match (conversation.status.as_str(), &conversation.helpdesk_ref) {
        ("delivered", Some(reference)) => Ok(reference.clone()),
        ("failed", _) => Err(Failure::permanent(format!(
            "the conversation {} itself could not be delivered",
            conversation.reference
        ))),
        _ => Err(Failure::Waiting {
            reason: "waiting for the conversation's first message to reach the helpdesk".into(),
        }),
    }
}

async fn dead_letter(env: &Env, delivery_id: &str) -> Result<(), crate::error::Error> {
    env.queue(DEAD_LETTERS)?
        .send(QueueJob {
            delivery: delivery_id.to_string(),
            job: String::new(),
        })
        .await?;
    Ok(())
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
    let now = Date::now().as_millis() as f64;
    let stale = store::deliveries::stale(&db, now, 500).await?;
    for d in &stale {
        let job = ids::new_id();
        if store::deliveries::rejob_stale(
            &db,
            &d.id,
            &job,
            now,
            now + settings.lease_seconds as f64 * 1000.0,
        )
        .await?
        {
            enqueue(env, &d.id, &job, 0).await?;
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
