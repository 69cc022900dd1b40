//! Settling an attempt: [`decide`] says what its result means for the delivery (a plain function,
//! tested natively), [`settle`] writes that down and sends what follows (the retry's queue message,
//! the dead letter).

use super::backoff::backoff_seconds;
use crate::connectors::failure::Failure;
use crate::connectors::Delivered;
use crate::error::Error;
use crate::store::{self, Db};
use crate::{ids, log, queue};
use porthole_shared::config::DeliverySettings;
use worker::{Date, Env};

/// Where an attempt leaves its delivery.
#[derive(Debug, PartialEq)]
pub enum Verdict<'a> {
    Delivered {
        helpdesk_ref: &'a str,
        notes: &'a [String],
    },
    /// For good: a permanent failure, or the attempts are used up (then it is also dead-lettered).
    Failed { error: String, dead_letter: bool },
    /// Back to the queue in `delay` seconds. `waiting`: it waited for its conversation rather than
    /// failed, so the attempt is given back.
    Requeue {
        reason: &'a str,
        delay: u32,
        waiting: bool,
    },
}

/// What attempt number `attempt`'s `result` means; `random` (in [0, 1)) jitters a retry's delay.
pub fn decide<'a>(
    result: &'a Result<Delivered, Failure>,
    attempt: u32,
    settings: &DeliverySettings,
    random: f64,
) -> Verdict<'a> {
    match result {
        Ok(delivered) => Verdict::Delivered {
            helpdesk_ref: &delivered.helpdesk_ref,
            notes: &delivered.notes,
        },
        Err(Failure::Permanent { reason }) => Verdict::Failed {
            error: reason.clone(),
            dead_letter: false,
        },
        Err(Failure::Retryable { reason, .. }) if attempt >= settings.max_attempts => {
            Verdict::Failed {
                error: format!("gave up after {attempt} attempts: {reason}"),
                dead_letter: true,
            }
        }
        Err(Failure::Waiting { reason }) => Verdict::Requeue {
            reason,
            delay: settings.retry_base_seconds,
            waiting: true,
        },
        Err(Failure::Retryable {
            reason,
            retry_after,
        }) => Verdict::Requeue {
            reason,
            delay: backoff_seconds(attempt, settings, *retry_after, random),
            waiting: false,
        },
    }
}

/// Writes `verdict` for the delivery this worker (`owner`) holds; `Ok(false)` if it no longer
/// held the lease, so nothing changed.
pub async fn settle(
    env: &Env,
    db: &Db,
    delivery_id: &str,
    owner: &str,
    attempt: u32,
    verdict: Verdict<'_>,
    settings: &DeliverySettings,
) -> Result<bool, Error> {
    match verdict {
        Verdict::Delivered {
            helpdesk_ref,
            notes,
        } => {
            let notes_json = serde_json::to_string(notes).unwrap_or_else(|_| "[]".into());
            log::event(
                "delivery_delivered",
                serde_json::json!({"delivery": delivery_id, "attempt": attempt, "helpdesk_ref": helpdesk_ref, "skipped_files": notes.len()}),
            );
            store::deliveries::settle(
                db,
                delivery_id,
                owner,
                store::Settled::Delivered {
                    helpdesk_ref,
                    notes: &notes_json,
                },
            )
            .await
        }
        Verdict::Failed { error, dead_letter } => {
            log::event(
                "delivery_failed",
                serde_json::json!({"delivery": delivery_id, "attempt": attempt, "reason": error}),
            );
            let settled = store::deliveries::settle(
                db,
                delivery_id,
                owner,
                store::Settled::Failed { error: &error },
            )
            .await;
            // Only the lease holder's verdict counts: a worker that lost its lease must not
            // dead-letter a delivery another worker may still finish.
            if dead_letter && matches!(settled, Ok(true)) {
                if let Err(e) = queue::dead_letter(env, delivery_id).await {
                    log::error("delivery_dead_letter", &format!("{delivery_id}: {e:?}"));
                }
            }
            settled
        }
        Verdict::Requeue {
            reason,
            delay,
            waiting,
        } => {
            if waiting {
                log::event(
                    "delivery_waiting",
                    serde_json::json!({"delivery": delivery_id, "reason": reason}),
                );
            } else {
                log::event(
                    "delivery_retry",
                    serde_json::json!({"delivery": delivery_id, "attempt": attempt, "reason": reason, "delay_seconds": delay}),
                );
            }
            requeue(
                env,
                db,
                delivery_id,
                owner,
                reason,
                delay,
                settings,
                waiting,
            )
            .await
        }
    }
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
    settings: &DeliverySettings,
    refund: bool,
) -> Result<bool, Error> {
    let lease_until = Date::now().as_millis() as i64
        + (i64::from(delay) + i64::from(settings.lease_seconds)) * 1000;
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
        if let Err(e) = queue::enqueue(env, delivery_id, &next_job, delay).await {
            log::error("enqueue_failed", &format!("{delivery_id}: {e:?}"));
        }
    }
    settled
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A retry base of 10 seconds, as by default, and 5 attempts.
    fn settings() -> DeliverySettings {
        DeliverySettings {
            max_attempts: 5,
            ..DeliverySettings::default()
        }
    }

    #[test]
    fn delivered_permanent_and_given_up() {
        let s = settings();
        let delivered = Ok(Delivered {
            helpdesk_ref: "42".into(),
            notes: vec!["big.zip".into()],
        });
        assert_eq!(
            decide(&delivered, 1, &s, 0.5),
            Verdict::Delivered {
                helpdesk_ref: "42",
                notes: &["big.zip".to_string()]
            }
        );
        let refused = Err(Failure::permanent("HTTP 422: no"));
        assert_eq!(
            decide(&refused, 1, &s, 0.5),
            Verdict::Failed {
                error: "HTTP 422: no".into(),
                dead_letter: false
            }
        );
        let flaky = Err(Failure::retryable("HTTP 503: busy"));
        assert_eq!(
            decide(&flaky, 5, &s, 0.5),
            Verdict::Failed {
                error: "gave up after 5 attempts: HTTP 503: busy".into(),
                dead_letter: true
            }
        );
    }

    #[test]
    fn retries_back_off_and_waiting_gives_the_attempt_back() {
        let s = settings();
        let slow = Err(Failure::Retryable {
            reason: "HTTP 429: slow down".into(),
            retry_after: Some(60),
        });
        assert_eq!(
            decide(&slow, 1, &s, 0.0),
            Verdict::Requeue {
                reason: "HTTP 429: slow down",
                delay: 60,
                waiting: false
            }
        );
        let waiting = Err(Failure::Waiting {
            reason: "first message first".into(),
        });
        assert_eq!(
            decide(&waiting, 5, &s, 0.0),
            Verdict::Requeue {
                reason: "first message first",
                delay: 10,
                waiting: true
            },
            "waiting never gives up"
        );
    }
}
