//! Deliveries: a message's way into the helpdesk. Claimed with a lease for one attempt, settled
//! together with their conversation's status, swept when their lease runs out, retried by an
//! operator.

use super::{de_flag, de_status, flag, int, opt, s, st, Db, DELIVERED, DELIVERING, FAILED, QUEUED};
use super::{
    first_changed, ConversationRow, ConversationStatusRow, MessageRow, StepRow, UploadRow,
};
use crate::error::Error;
use const_format::formatcp;
use porthole_shared::DeliveryStatus;
use serde::Deserialize;
use worker::D1PreparedStatement;

pub struct NewDelivery {
    pub id: String,
    /// The token its first queue message carries.
    pub job: String,
    pub connector: String,
    /// Until then the queue owns it; past it, the sweeper re-enqueues it.
    pub lease_until: i64,
    /// Why it is not to be delivered until an operator retries it (stored as a failure, so it
    /// is listed and retried like one).
    pub held: Option<String>,
}

/// How a held delivery's stored reason begins, as the operator reads it.
const HELD_MARK: &str = "held:";

/// Where a delivery stands, held told apart: D1 stores a held delivery as failed (status
/// `failed`, its reason beginning [`HELD_MARK`]) with its `held` flag set, which an operator's
/// retry clears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    Queued,
    Delivering,
    Delivered,
    Failed,
    /// Caught by the honeypot: kept for an operator, and delivered only once one retries it.
    Held,
}

impl DeliveryState {
    /// The state of what D1 stores as `status` with the `held` flag: only a failed one is held.
    pub fn of(status: DeliveryStatus, held: bool) -> DeliveryState {
        match status {
            DeliveryStatus::Failed if held => DeliveryState::Held,
            DeliveryStatus::Failed => DeliveryState::Failed,
            DeliveryStatus::Queued => DeliveryState::Queued,
            DeliveryStatus::Delivering => DeliveryState::Delivering,
            DeliveryStatus::Delivered => DeliveryState::Delivered,
        }
    }

    /// As D1 stores it and operators see it (`GET /v1/admin/deliveries`, `cargo xtask
    /// deliveries`): a held delivery is failed, and is retried like one.
    pub fn stored(self) -> DeliveryStatus {
        match self {
            DeliveryState::Queued => DeliveryStatus::Queued,
            DeliveryState::Delivering => DeliveryStatus::Delivering,
            DeliveryState::Delivered => DeliveryStatus::Delivered,
            DeliveryState::Failed | DeliveryState::Held => DeliveryStatus::Failed,
        }
    }

    /// As the visitor hears it: a held submission reads as queued, so a bot learns nothing.
    pub fn to_visitor(self) -> DeliveryStatus {
        match self {
            DeliveryState::Held => DeliveryStatus::Queued,
            other => other.stored(),
        }
    }
}

impl NewDelivery {
    /// A new delivery is waiting for the queue, or held.
    pub fn state(&self) -> DeliveryState {
        if self.held.is_some() {
            DeliveryState::Held
        } else {
            DeliveryState::Queued
        }
    }

    /// The reason it is held, as stored and shown to the operator.
    fn held_reason(&self) -> Option<String> {
        self.held.as_ref().map(|why| format!("{HELD_MARK} {why}"))
    }
}

/// The delivery of message `m`, written with it.
pub(super) fn insert_statement(
    db: &Db,
    site: &str,
    m: &MessageRow,
    d: &NewDelivery,
    follow_up: bool,
) -> Result<D1PreparedStatement, Error> {
    Ok(db
        .prepare(
            "INSERT INTO deliveries (id, conversation_id, message_id, site, connector, status, job, lease_until, created_at, updated_at, follow_up, last_error, held) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?10, ?6, ?7, ?8, ?8, ?9, ?11, ?12)",
        )
        .bind(&[
            s(&d.id),
            s(&m.conversation_id),
            s(&m.id),
            s(site),
            s(&d.connector),
            s(&d.job),
            int(d.lease_until),
            int(m.created_at),
            flag(follow_up),
            st(d.state().stored()),
            opt(d.held_reason().as_deref()),
            flag(d.state() == DeliveryState::Held),
        ])?)
}

#[derive(Debug, Clone, Deserialize)]
pub struct DeliveryRow {
    pub id: String,
    pub conversation_id: String,
    pub site: String,
    pub connector: String,
    #[serde(deserialize_with = "de_status")]
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub helpdesk_ref: Option<String>,
    pub last_error: Option<String>,
    pub notes: Option<String>,
    pub updated_at: i64,
    pub reference: String,
}

const DELIVERY_COLUMNS: &str =
    "d.id, d.conversation_id, d.site, d.connector, d.status, d.attempts, \
     d.helpdesk_ref, d.last_error, d.notes, d.updated_at, c.reference";

pub async fn find(db: &Db, id: &str) -> Result<Option<DeliveryRow>, Error> {
    Ok(db
        .prepare(formatcp!("SELECT {DELIVERY_COLUMNS} FROM deliveries d JOIN conversations c ON c.id = d.conversation_id WHERE d.id = ?1"))
        .bind(&[s(id)])?
        .first::<DeliveryRow>(None)
        .await?)
}

pub async fn list(
    db: &Db,
    wanted: Option<DeliveryStatus>,
    limit: u32,
) -> Result<Vec<DeliveryRow>, Error> {
    let statement = match wanted {
        Some(wanted) => db
            .prepare(formatcp!(
                "SELECT {DELIVERY_COLUMNS} FROM deliveries d JOIN conversations c ON c.id = d.conversation_id \
                 WHERE d.status = ?1 ORDER BY d.updated_at DESC LIMIT ?2"
            ))
            .bind(&[st(wanted), int(limit.into())])?,
        None => db
            .prepare(formatcp!(
                "SELECT {DELIVERY_COLUMNS} FROM deliveries d JOIN conversations c ON c.id = d.conversation_id \
                 ORDER BY d.updated_at DESC LIMIT ?1"
            ))
            .bind(&[int(limit.into())])?,
    };
    Ok(statement.all().await?.results::<DeliveryRow>()?)
}

/// The status of a message's delivery.
pub async fn message_status(db: &Db, message_id: &str) -> Result<Option<DeliveryStatus>, Error> {
    #[derive(Deserialize)]
    struct Row {
        #[serde(deserialize_with = "de_status")]
        status: DeliveryStatus,
    }
    Ok(db
        .prepare("SELECT status FROM deliveries WHERE message_id = ?1")
        .bind(&[s(message_id)])?
        .first::<Row>(None)
        .await?
        .map(|r| r.status))
}

/// A delivery taken for one attempt.
#[derive(Debug, Deserialize)]
pub struct Claim {
    pub attempts: u32,
    pub conversation_id: String,
    pub message_id: String,
    pub site: String,
    /// A visitor's later message in the conversation.
    #[serde(deserialize_with = "de_flag")]
    pub follow_up: bool,
}

/// Takes a delivery for one attempt if it is waiting, or if its holder's lease ran out; `None` if
/// it is finished or another worker holds it. One round trip: the conversation's status follows
/// only if this worker got the lease.
pub async fn claim(
    db: &Db,
    id: &str,
    job: &str,
    owner: &str,
    now: i64,
    lease_seconds: u32,
) -> Result<Option<Claim>, Error> {
    let results = db
        .batch(vec![
            db.prepare(
                formatcp!("UPDATE deliveries SET status = '{DELIVERING}', attempts = attempts + 1, lease_owner = ?2, lease_until = ?3, updated_at = ?4 \
                 WHERE id = ?1 AND job = ?5 AND (status = '{QUEUED}' OR (status = '{DELIVERING}' AND lease_until < ?4)) \
                 RETURNING attempts, conversation_id, message_id, site, follow_up"),
            )
            .bind(&[s(id), s(owner), int(now + i64::from(lease_seconds) * 1000), int(now), s(job)])?,
            db.prepare(
                formatcp!("UPDATE conversations SET status = '{DELIVERING}' WHERE status = '{QUEUED}' AND id = \
                 (SELECT conversation_id FROM deliveries WHERE id = ?1 AND lease_owner = ?2 AND status = '{DELIVERING}' AND follow_up = 0)"),
            )
            .bind(&[s(id), s(owner)])?,
        ])
        .await?;
    Ok(results
        .first()
        .map(|r| r.results::<Claim>())
        .transpose()?
        .and_then(|mut rows| rows.pop()))
}

/// Everything an attempt reads, in one round trip.
pub struct DeliveryContext {
    pub conversation: Option<ConversationRow>,
    /// Where the conversation's own delivery stands (a later message waits for it).
    pub conversation_status: Option<ConversationStatusRow>,
    pub message: Option<MessageRow>,
    /// The message's files, in order.
    pub files: Vec<UploadRow>,
    pub steps: Vec<StepRow>,
}

pub async fn context(db: &Db, claim: &Claim, delivery_id: &str) -> Result<DeliveryContext, Error> {
    let results = db
        .batch(vec![
            db.prepare("SELECT id, site, reference, name, email, subject, fields_json, page_url, locale, created_at, verified FROM conversations WHERE id = ?1")
                .bind(&[s(&claim.conversation_id)])?,
            db.prepare("SELECT id, conversation_id, author, body, created_at FROM messages WHERE id = ?1").bind(&[s(&claim.message_id)])?,
            db.prepare(
                "SELECT u.id, u.site, u.name, u.content_type, u.size, u.sha256, u.r2_key, u.created_at \
                 FROM message_attachments m JOIN uploads u ON u.id = m.upload_id WHERE m.message_id = ?1 ORDER BY m.position",
            )
            .bind(&[s(&claim.message_id)])?,
            db.prepare("SELECT step, state, result FROM delivery_steps WHERE delivery_id = ?1").bind(&[s(delivery_id)])?,
            db.prepare("SELECT id, reference, status, helpdesk_ref FROM conversations WHERE id = ?1").bind(&[s(&claim.conversation_id)])?,
        ])
        .await?;
    let [c, m, u, j, status] = results.as_slice() else {
        return Err(Error::Internal(format!(
            "D1 answered {} results to 5 statements",
            results.len()
        )));
    };
    Ok(DeliveryContext {
        conversation: c.results()?.pop(),
        conversation_status: status.results()?.pop(),
        message: m.results()?.pop(),
        files: u.results()?,
        steps: j.results()?,
    })
}

/// Where an attempt left the delivery, written together with the conversation's status.
pub enum Settled<'a> {
    Delivered {
        helpdesk_ref: &'a str,
        notes: &'a str,
    },
    /// Back in the queue under a new job token; the sweeper leaves it alone until `lease_until`.
    /// `refund` gives the attempt back: the delivery waited, it did not fail.
    Retry {
        error: &'a str,
        lease_until: i64,
        job: &'a str,
        refund: bool,
    },
    Failed {
        error: &'a str,
    },
}

/// Only the lease holder may settle: a worker that lost its lease changes nothing.
pub async fn settle(db: &Db, id: &str, owner: &str, outcome: Settled<'_>) -> Result<bool, Error> {
    let now = worker::Date::now().as_millis() as i64;
    let (delivery, conversation) = match outcome {
        Settled::Delivered { helpdesk_ref, notes } => (
            db.prepare(
                formatcp!("UPDATE deliveries SET status = '{DELIVERED}', helpdesk_ref = ?3, notes = ?4, last_error = NULL, lease_owner = NULL, \
                 lease_until = 0, updated_at = ?5 WHERE id = ?1 AND lease_owner = ?2"),
            )
            .bind(&[s(id), s(owner), s(helpdesk_ref), s(notes), int(now)])?,
            // Only if the update above was this worker's: a worker that lost its lease must not
            // overwrite the reference the lease holder recorded.
            db.prepare(
                formatcp!("UPDATE conversations SET status = '{DELIVERED}', helpdesk_ref = ?2 WHERE id = \
                 (SELECT conversation_id FROM deliveries WHERE id = ?1 AND status = '{DELIVERED}' AND helpdesk_ref = ?2 AND updated_at = ?3 \
                 AND follow_up = 0)"),
            )
            .bind(&[s(id), s(helpdesk_ref), int(now)])?,
        ),
        Settled::Retry { error, lease_until, job, refund } => (
            db.prepare(
                formatcp!("UPDATE deliveries SET status = '{QUEUED}', job = ?6, last_error = ?3, lease_owner = NULL, lease_until = ?4, updated_at = ?5, \
                 attempts = attempts - ?7 WHERE id = ?1 AND lease_owner = ?2"),
            )
            .bind(&[s(id), s(owner), s(error), int(lease_until), int(now), s(job), int(i64::from(refund))])?,
            db.prepare(
                formatcp!("UPDATE conversations SET status = '{QUEUED}' \
                 WHERE id = (SELECT conversation_id FROM deliveries WHERE id = ?1 AND status = '{QUEUED}' AND follow_up = 0) AND status = '{DELIVERING}'"),
            )
            .bind(&[s(id)])?,
        ),
        Settled::Failed { error } => (
            db.prepare(
                formatcp!("UPDATE deliveries SET status = '{FAILED}', last_error = ?3, lease_owner = NULL, lease_until = 0, updated_at = ?4 \
                 WHERE id = ?1 AND lease_owner = ?2"),
            )
            .bind(&[s(id), s(owner), s(error), int(now)])?,
            db.prepare(
                formatcp!("UPDATE conversations SET status = '{FAILED}' \
                 WHERE id = (SELECT conversation_id FROM deliveries WHERE id = ?1 AND status = '{FAILED}' AND follow_up = 0) AND status != '{DELIVERED}'"),
            )
            .bind(&[s(id)])?,
        ),
    };
    let results = db.batch(vec![delivery, conversation]).await?;
    Ok(first_changed(&results))
}

/// An operator's retry: a failed delivery starts over with a fresh attempt count, and a held one
/// is no longer held. Its journal is kept, so steps that succeeded are not repeated.
pub async fn requeue_failed(db: &Db, id: &str, job: &str, lease_until: i64) -> Result<bool, Error> {
    let now = worker::Date::now().as_millis() as i64;
    let results = db
        .batch(vec![
            db.prepare(
                formatcp!("UPDATE deliveries SET status = '{QUEUED}', job = ?4, attempts = 0, held = 0, lease_owner = NULL, lease_until = ?2, updated_at = ?3 \
                 WHERE id = ?1 AND status = '{FAILED}'"),
            )
            .bind(&[s(id), int(lease_until), int(now), s(job)])?,
            // A later message's retry leaves its conversation alone.
            db.prepare(
                formatcp!("UPDATE conversations SET status = '{QUEUED}' \
                 WHERE id = (SELECT conversation_id FROM deliveries WHERE id = ?1 AND status = '{QUEUED}' AND follow_up = 0) AND status = '{FAILED}'"),
            )
            .bind(&[s(id)])?,
        ])
        .await?;
    Ok(first_changed(&results))
}

#[derive(Debug, Deserialize)]
pub struct StaleDelivery {
    pub id: String,
}

/// Deliveries whose queue message was lost (a send that failed, a restart that emptied a local
/// queue) or whose worker died: waiting or running, with their lease run out.
pub async fn stale(db: &Db, now: i64, limit: u32) -> Result<Vec<StaleDelivery>, Error> {
    Ok(db
        .prepare(formatcp!("SELECT id FROM deliveries WHERE status IN ('{QUEUED}', '{DELIVERING}') AND lease_until < ?1 ORDER BY lease_until LIMIT ?2"))
        .bind(&[int(now), int(limit.into())])?
        .all()
        .await?
        .results::<StaleDelivery>()?)
}

/// Hands a stale delivery a new job token and lease before it is re-enqueued: any older message
/// for it is then dropped, and the next sweep leaves it alone while this one is on its way.
/// `false` if it was no longer stale.
pub async fn rejob_stale(
    db: &Db,
    id: &str,
    job: &str,
    now: i64,
    lease_until: i64,
) -> Result<bool, Error> {
    let result = db
        .prepare(
            formatcp!("UPDATE deliveries SET job = ?2, status = '{QUEUED}', lease_owner = NULL, lease_until = ?4 \
             WHERE id = ?1 AND status IN ('{QUEUED}', '{DELIVERING}') AND lease_until < ?3"),
        )
        .bind(&[s(id), s(job), int(now), int(lease_until)])?
        .run()
        .await?;
    Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0) > 0)
}

#[cfg(test)]
mod tests {
    use super::{DeliveryState, NewDelivery};
    use porthole_shared::DeliveryStatus;

    fn new(held: Option<&str>) -> NewDelivery {
        NewDelivery {
            id: "d".into(),
            job: "j".into(),
            connector: "inbox".into(),
            lease_until: 0,
            held: held.map(str::to_string),
        }
    }

    #[test]
    fn held_is_a_failed_delivery_with_its_flag() {
        assert_eq!(
            DeliveryState::of(DeliveryStatus::Failed, true),
            DeliveryState::Held
        );
        assert_eq!(
            DeliveryState::of(DeliveryStatus::Failed, false),
            DeliveryState::Failed
        );
        // Only a failed one is held: the flag of one an operator retried no longer counts.
        for status in [
            DeliveryStatus::Queued,
            DeliveryStatus::Delivering,
            DeliveryStatus::Delivered,
        ] {
            for held in [false, true] {
                let state = DeliveryState::of(status, held);
                assert_ne!(state, DeliveryState::Held);
                assert_eq!(state.stored(), status);
                assert_eq!(state.to_visitor(), status);
            }
        }
    }

    #[test]
    fn held_is_failed_to_the_operator_and_queued_to_the_visitor() {
        assert_eq!(DeliveryState::Held.stored(), DeliveryStatus::Failed);
        assert_eq!(DeliveryState::Held.to_visitor(), DeliveryStatus::Queued);
        assert_eq!(DeliveryState::Failed.stored(), DeliveryStatus::Failed);
        assert_eq!(DeliveryState::Failed.to_visitor(), DeliveryStatus::Failed);
        for status in DeliveryStatus::ALL {
            for held in [false, true] {
                let state = DeliveryState::of(status, held);
                assert_eq!(DeliveryState::of(state.stored(), held), state);
            }
        }
    }

    #[test]
    fn a_new_delivery_is_queued_or_held_with_its_reason() {
        let queued = new(None);
        assert_eq!(queued.state(), DeliveryState::Queued);
        assert_eq!(queued.held_reason(), None);
        let held = new(Some("a bot"));
        assert_eq!(held.state(), DeliveryState::Held);
        assert_eq!(held.state().stored(), DeliveryStatus::Failed);
        assert_eq!(held.held_reason().as_deref(), Some("held: a bot"));
    }
}
