//! D1 access: one small function per question or change. SQL lives here and nowhere else.

use crate::error::Error;
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

#[derive(Debug, Clone, Deserialize)]
pub struct UploadRow {
    pub id: String,
    pub site: String,
    pub name: String,
    pub content_type: String,
    pub size: f64,
    pub sha256: Option<String>,
    pub r2_key: String,
    pub created_at: f64,
}

/// An upload as a submission sees it: whether some message already holds it.
#[derive(Debug, Clone, Deserialize)]
pub struct UploadClaim {
    pub id: String,
    pub site: String,
    pub claimed: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ConversationRow {
    pub id: String,
    pub site: String,
    pub reference: String,
    pub name: String,
    pub email: String,
    pub subject: String,
    pub fields_json: String,
    pub page_url: Option<String>,
    pub locale: Option<String>,
    pub created_at: f64,
    /// 1 when the site vouched for the email (`Porthole('identify')` with a valid signature).
    #[serde(default)]
    pub verified: u8,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MessageRow {
    pub id: String,
    pub conversation_id: String,
    pub author: String,
    pub body: String,
    pub created_at: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AttachmentRow {
    pub message_id: String,
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub size: f64,
    pub sha256: Option<String>,
}

pub struct NewConversation<'a> {
    pub conversation: &'a ConversationRow,
    pub message: &'a MessageRow,
    pub attachments: &'a [String],
    pub delivery: &'a NewDelivery,
    pub idempotency: Option<&'a IdempotencyRow>,
}

pub struct NewDelivery {
    pub id: String,
    /// The token its first queue message carries.
    pub job: String,
    pub connector: String,
    /// Until then the queue owns it; past it, the sweeper re-enqueues it.
    pub lease_until: f64,
    /// Why it is not to be delivered until an operator retries it (stored as a failure, so it
    /// is listed and retried like one).
    pub held: Option<String>,
}

/// How a held delivery's stored reason begins: its conversation then reads as queued to the
/// visitor (see [`conversation_status`]).
const HELD_MARK: &str = "held:";

impl NewDelivery {
    /// The reason it is held, as stored and shown to the operator.
    fn held_reason(&self) -> Option<String> {
        self.held.as_ref().map(|why| format!("{HELD_MARK} {why}"))
    }

    fn status(&self) -> &'static str {
        if self.held.is_some() {
            "failed"
        } else {
            "queued"
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct IdempotencyRow {
    pub site: String,
    pub key: String,
    pub body_sha256: String,
    pub conversation_id: String,
    pub created_at: f64,
    /// Set when the key was sent with a later message rather than a new conversation.
    #[serde(default)]
    pub message_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StepRow {
    pub step: String,
    pub state: String,
    pub result: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DeliveryRow {
    pub id: String,
    pub conversation_id: String,
    pub site: String,
    pub connector: String,
    pub status: String,
    pub attempts: f64,
    pub helpdesk_ref: Option<String>,
    pub last_error: Option<String>,
    pub notes: Option<String>,
    pub updated_at: f64,
    pub reference: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ConversationStatusRow {
    pub id: String,
    pub reference: String,
    pub status: String,
    pub helpdesk_ref: Option<String>,
}

fn s(v: &str) -> JsValue {
    JsValue::from_str(v)
}

fn opt(v: Option<&str>) -> JsValue {
    v.map(JsValue::from_str).unwrap_or(JsValue::NULL)
}

fn n(v: f64) -> JsValue {
    JsValue::from_f64(v)
}

/// `?1, ?2, …` for an `IN (…)` list starting at `first`.
pub fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn insert_upload(db: &D1Database, u: &UploadRow) -> Result<(), Error> {
    upload_statement(db, u, "INSERT")?.run().await?;
    Ok(())
}

/// An upload's row, written with `verb` (`INSERT`, or `INSERT OR IGNORE` when it may be there).
fn upload_statement(
    db: &D1Database,
    u: &UploadRow,
    verb: &str,
) -> Result<D1PreparedStatement, Error> {
    Ok(db
        .prepare(format!(
            "{verb} INTO uploads (id, site, name, content_type, size, sha256, r2_key, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        ))
        .bind(&[
            s(&u.id),
            s(&u.site),
            s(&u.name),
            s(&u.content_type),
            n(u.size),
            opt(u.sha256.as_deref()),
            s(&u.r2_key),
            n(u.created_at),
        ])?)
}

pub async fn upload(db: &D1Database, id: &str) -> Result<Option<UploadRow>, Error> {
    Ok(db
        .prepare("SELECT id, site, name, content_type, size, sha256, r2_key, created_at FROM uploads WHERE id = ?1")
        .bind(&[s(id)])?
        .first::<UploadRow>(None)
        .await?)
}

pub async fn upload_claims(db: &D1Database, ids: &[String]) -> Result<Vec<UploadClaim>, Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT u.id, u.site, EXISTS (SELECT 1 FROM message_attachments m WHERE m.upload_id = u.id) AS claimed \
         FROM uploads u WHERE u.id IN ({})",
        placeholders(1, ids.len())
    );
    let binds: Vec<JsValue> = ids.iter().map(|id| s(id)).collect();
    Ok(db
        .prepare(sql)
        .bind(&binds)?
        .all()
        .await?
        .results::<UploadClaim>()?)
}

/// The conversation, its first message and the message's files, in one transaction.
pub fn create_conversation_statements(
    db: &D1Database,
    new: &NewConversation,
) -> Result<Vec<D1PreparedStatement>, Error> {
    let c = new.conversation;
    let mut statements = vec![db
        .prepare(
            "INSERT INTO conversations (id, site, reference, name, email, subject, fields_json, page_url, locale, created_at, status, verified) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )
        .bind(&[
            s(&c.id),
            s(&c.site),
            s(&c.reference),
            s(&c.name),
            s(&c.email),
            s(&c.subject),
            s(&c.fields_json),
            opt(c.page_url.as_deref()),
            opt(c.locale.as_deref()),
            n(c.created_at),
            s(new.delivery.status()),
            n(c.verified as f64),
        ])?];
    statements.extend(message_statements(
        db,
        &c.site,
        new.message,
        new.attachments,
        new.delivery,
        false,
        new.idempotency,
    )?);
    Ok(statements)
}

/// A visitor's later message in an existing conversation, its files and its delivery, in one
/// transaction.
pub fn add_message_statements(
    db: &D1Database,
    site: &str,
    message: &MessageRow,
    attachments: &[String],
    delivery: &NewDelivery,
    idempotency: Option<&IdempotencyRow>,
) -> Result<Vec<D1PreparedStatement>, Error> {
    message_statements(db, site, message, attachments, delivery, true, idempotency)
}

fn message_statements(
    db: &D1Database,
    site: &str,
    m: &MessageRow,
    attachments: &[String],
    d: &NewDelivery,
    follow_up: bool,
    idempotency: Option<&IdempotencyRow>,
) -> Result<Vec<D1PreparedStatement>, Error> {
    let mut statements = vec![db
        .prepare("INSERT INTO messages (id, conversation_id, author, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5)")
        .bind(&[s(&m.id), s(&m.conversation_id), s(&m.author), s(&m.body), n(m.created_at)])?];
    for (position, upload_id) in attachments.iter().enumerate() {
        statements.push(
            db.prepare("INSERT INTO message_attachments (upload_id, message_id, position) VALUES (?1, ?2, ?3)")
                .bind(&[s(upload_id), s(&m.id), n(position as f64)])?,
        );
    }
    statements.push(
        db.prepare(
            "INSERT INTO deliveries (id, conversation_id, message_id, site, connector, status, job, lease_until, created_at, updated_at, follow_up, last_error) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?10, ?6, ?7, ?8, ?8, ?9, ?11)",
        )
        .bind(&[
            s(&d.id),
            s(&m.conversation_id),
            s(&m.id),
            s(site),
            s(&d.connector),
            s(&d.job),
            n(d.lease_until),
            n(m.created_at),
            n(if follow_up { 1.0 } else { 0.0 }),
            s(d.status()),
            opt(d.held_reason().as_deref()),
        ])?,
    );
    if let Some(k) = idempotency {
        statements.push(
            db.prepare("INSERT INTO idempotency_keys (site, key, body_sha256, conversation_id, created_at, message_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
                .bind(&[s(&k.site), s(&k.key), s(&k.body_sha256), s(&k.conversation_id), n(k.created_at), opt(k.message_id.as_deref())])?,
        );
    }
    Ok(statements)
}

/// The site a conversation belongs to, if it exists.
pub async fn conversation_site(db: &D1Database, id: &str) -> Result<Option<String>, Error> {
    #[derive(Deserialize)]
    struct Row {
        site: String,
    }
    Ok(db
        .prepare("SELECT site FROM conversations WHERE id = ?1")
        .bind(&[s(id)])?
        .first::<Row>(None)
        .await?
        .map(|r| r.site))
}

/// The status of a message's delivery.
pub async fn message_delivery_status(
    db: &D1Database,
    message_id: &str,
) -> Result<Option<String>, Error> {
    #[derive(Deserialize)]
    struct Row {
        status: String,
    }
    Ok(db
        .prepare("SELECT status FROM deliveries WHERE message_id = ?1")
        .bind(&[s(message_id)])?
        .first::<Row>(None)
        .await?
        .map(|r| r.status))
}

pub async fn idempotency_key(
    db: &D1Database,
    site: &str,
    key: &str,
) -> Result<Option<IdempotencyRow>, Error> {
    Ok(db
        .prepare("SELECT site, key, body_sha256, conversation_id, created_at, message_id FROM idempotency_keys WHERE site = ?1 AND key = ?2")
        .bind(&[s(site), s(key)])?
        .first::<IdempotencyRow>(None)
        .await?)
}

pub async fn conversation_status(
    db: &D1Database,
    id: &str,
) -> Result<Option<ConversationStatusRow>, Error> {
    Ok(db
        // A submission held by the honeypot reads as queued: a bot learns nothing from it.
        .prepare(
            "SELECT c.id, c.reference, c.helpdesk_ref, \
               CASE WHEN c.status = 'failed' AND EXISTS (SELECT 1 FROM deliveries d \
                 WHERE d.conversation_id = c.id AND d.last_error LIKE ?2) \
               THEN 'queued' ELSE c.status END AS status \
             FROM conversations c WHERE c.id = ?1",
        )
        .bind(&[s(id), s(&format!("{HELD_MARK}%"))])?
        .first::<ConversationStatusRow>(None)
        .await?)
}

const DELIVERY_COLUMNS: &str =
    "d.id, d.conversation_id, d.site, d.connector, d.status, d.attempts, \
     d.helpdesk_ref, d.last_error, d.notes, d.updated_at, c.reference";

pub async fn delivery(db: &D1Database, id: &str) -> Result<Option<DeliveryRow>, Error> {
    Ok(db
        .prepare(format!("SELECT {DELIVERY_COLUMNS} FROM deliveries d JOIN conversations c ON c.id = d.conversation_id WHERE d.id = ?1"))
        .bind(&[s(id)])?
        .first::<DeliveryRow>(None)
        .await?)
}

pub async fn deliveries(
    db: &D1Database,
    status: Option<&str>,
    limit: u32,
) -> Result<Vec<DeliveryRow>, Error> {
    let statement = match status {
        Some(status) => db
            .prepare(format!(
                "SELECT {DELIVERY_COLUMNS} FROM deliveries d JOIN conversations c ON c.id = d.conversation_id \
                 WHERE d.status = ?1 ORDER BY d.updated_at DESC LIMIT ?2"
            ))
            .bind(&[s(status), n(limit as f64)])?,
        None => db
            .prepare(format!(
                "SELECT {DELIVERY_COLUMNS} FROM deliveries d JOIN conversations c ON c.id = d.conversation_id \
                 ORDER BY d.updated_at DESC LIMIT ?1"
            ))
            .bind(&[n(limit as f64)])?,
    };
    Ok(statement.all().await?.results::<DeliveryRow>()?)
}

/// A delivery taken for one attempt.
#[derive(Debug, Deserialize)]
pub struct Claim {
    pub attempts: f64,
    pub conversation_id: String,
    pub message_id: String,
    pub site: String,
    /// 1 for a visitor's later message in the conversation.
    pub follow_up: f64,
}

/// Takes a delivery for one attempt if it is waiting, or if its holder's lease ran out; `None` if
/// it is finished or another worker holds it. One round trip: the conversation's status follows
/// only if this worker got the lease.
pub async fn claim_delivery(
    db: &D1Database,
    id: &str,
    job: &str,
    owner: &str,
    now: f64,
    lease_seconds: u32,
) -> Result<Option<Claim>, Error> {
    let results = db
        .batch(vec![
            db.prepare(
                "UPDATE deliveries SET status = 'delivering', attempts = attempts + 1, lease_owner = ?2, lease_until = ?3, updated_at = ?4 \
                 WHERE id = ?1 AND job = ?5 AND (status = 'queued' OR (status = 'delivering' AND lease_until < ?4)) \
                 RETURNING attempts, conversation_id, message_id, site, follow_up",
            )
            .bind(&[s(id), s(owner), n(now + lease_seconds as f64 * 1000.0), n(now), s(job)])?,
            db.prepare(
                "UPDATE conversations SET status = 'delivering' WHERE status = 'queued' AND id = \
                 (SELECT conversation_id FROM deliveries WHERE id = ?1 AND lease_owner = ?2 AND status = 'delivering' AND follow_up = 0)",
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

pub async fn delivery_context(
    db: &D1Database,
    claim: &Claim,
    delivery_id: &str,
) -> Result<DeliveryContext, Error> {
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

/// Renews this worker's lease and marks `step` started, in one round trip; `false` (and nothing
/// written) if the worker no longer holds the lease.
pub async fn start_step(
    db: &D1Database,
    id: &str,
    owner: &str,
    lease_seconds: u32,
    step: &str,
) -> Result<bool, Error> {
    let now = worker::Date::now().as_millis() as f64;
    let results = db
        .batch(vec![
            db.prepare("UPDATE deliveries SET lease_until = ?3 WHERE id = ?1 AND lease_owner = ?2 AND status = 'delivering'")
                .bind(&[s(id), s(owner), n(now + lease_seconds as f64 * 1000.0)])?,
            db.prepare(
                "INSERT INTO delivery_steps (delivery_id, step, state, result, updated_at) \
                 SELECT ?1, ?3, 'started', NULL, ?4 WHERE EXISTS (SELECT 1 FROM deliveries WHERE id = ?1 AND lease_owner = ?2) \
                 ON CONFLICT (delivery_id, step) DO UPDATE SET state = 'started', result = NULL, updated_at = excluded.updated_at",
            )
            .bind(&[s(id), s(owner), s(step), n(now)])?,
        ])
        .await?;
    Ok(results
        .first()
        .and_then(|r| r.meta().ok().flatten())
        .and_then(|m| m.changes)
        .unwrap_or(0)
        > 0)
}

pub async fn finish_step(
    db: &D1Database,
    id: &str,
    step: &str,
    result: &str,
) -> Result<StepRow, Error> {
    let now = worker::Date::now().as_millis() as f64;
    db.prepare(
        "INSERT INTO delivery_steps (delivery_id, step, state, result, updated_at) VALUES (?1, ?2, 'done', ?3, ?4) \
         ON CONFLICT (delivery_id, step) DO UPDATE SET state = 'done', result = excluded.result, updated_at = excluded.updated_at",
    )
    .bind(&[s(id), s(step), s(result), n(now)])?
    .run()
    .await?;
    Ok(StepRow {
        step: step.to_string(),
        state: "done".to_string(),
        result: Some(result.to_string()),
    })
}

/// Forgets a started step (never a finished one).
pub async fn delete_started_step(db: &D1Database, id: &str, step: &str) -> Result<(), Error> {
    db.prepare(
        "DELETE FROM delivery_steps WHERE delivery_id = ?1 AND step = ?2 AND state = 'started'",
    )
    .bind(&[s(id), s(step)])?
    .run()
    .await?;
    Ok(())
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
        lease_until: f64,
        job: &'a str,
        refund: bool,
    },
    Failed {
        error: &'a str,
    },
}

/// Only the lease holder may settle: a worker that lost its lease changes nothing.
pub async fn settle_delivery(
    db: &D1Database,
    id: &str,
    owner: &str,
    outcome: Settled<'_>,
) -> Result<bool, Error> {
    let now = worker::Date::now().as_millis() as f64;
    let (delivery, conversation) = match outcome {
        Settled::Delivered { helpdesk_ref, notes } => (
            db.prepare(
                "UPDATE deliveries SET status = 'delivered', helpdesk_ref = ?3, notes = ?4, last_error = NULL, lease_owner = NULL, \
                 lease_until = 0, updated_at = ?5 WHERE id = ?1 AND lease_owner = ?2",
            )
            .bind(&[s(id), s(owner), s(helpdesk_ref), s(notes), n(now)])?,
            // Only if the update above was this worker's: a worker that lost its lease must not
            // overwrite the reference the lease holder recorded.
            db.prepare(
                "UPDATE conversations SET status = 'delivered', helpdesk_ref = ?2 WHERE id = \
                 (SELECT conversation_id FROM deliveries WHERE id = ?1 AND status = 'delivered' AND helpdesk_ref = ?2 AND updated_at = ?3 \
                 AND follow_up = 0)",
            )
            .bind(&[s(id), s(helpdesk_ref), n(now)])?,
        ),
        Settled::Retry { error, lease_until, job, refund } => (
            db.prepare(
                "UPDATE deliveries SET status = 'queued', job = ?6, last_error = ?3, lease_owner = NULL, lease_until = ?4, updated_at = ?5, \
                 attempts = attempts - ?7 WHERE id = ?1 AND lease_owner = ?2",
            )
            .bind(&[s(id), s(owner), s(error), n(lease_until), n(now), s(job), n(if refund { 1.0 } else { 0.0 })])?,
            db.prepare(
                "UPDATE conversations SET status = 'queued' \
                 WHERE id = (SELECT conversation_id FROM deliveries WHERE id = ?1 AND status = 'queued' AND follow_up = 0) AND status = 'delivering'",
            )
            .bind(&[s(id)])?,
        ),
        Settled::Failed { error } => (
            db.prepare(
                "UPDATE deliveries SET status = 'failed', last_error = ?3, lease_owner = NULL, lease_until = 0, updated_at = ?4 \
                 WHERE id = ?1 AND lease_owner = ?2",
            )
            .bind(&[s(id), s(owner), s(error), n(now)])?,
            db.prepare(
                "UPDATE conversations SET status = 'failed' \
                 WHERE id = (SELECT conversation_id FROM deliveries WHERE id = ?1 AND status = 'failed' AND follow_up = 0) AND status != 'delivered'",
            )
            .bind(&[s(id)])?,
        ),
    };
    let results = db.batch(vec![delivery, conversation]).await?;
    Ok(results
        .first()
        .and_then(|r| r.meta().ok().flatten())
        .and_then(|m| m.changes)
        .unwrap_or(0)
        > 0)
}

/// An operator's retry: a failed delivery starts over with a fresh attempt count. Its journal is
/// kept, so steps that succeeded are not repeated.
pub async fn requeue_failed(
    db: &D1Database,
    id: &str,
    job: &str,
    lease_until: f64,
) -> Result<bool, Error> {
    let now = worker::Date::now().as_millis() as f64;
    let results = db
        .batch(vec![
            db.prepare(
                "UPDATE deliveries SET status = 'queued', job = ?4, attempts = 0, lease_owner = NULL, lease_until = ?2, updated_at = ?3 \
                 WHERE id = ?1 AND status = 'failed'",
            )
            .bind(&[s(id), n(lease_until), n(now), s(job)])?,
            // A later message's retry leaves its conversation alone.
            db.prepare(
                "UPDATE conversations SET status = 'queued' \
                 WHERE id = (SELECT conversation_id FROM deliveries WHERE id = ?1 AND status = 'queued' AND follow_up = 0) AND status = 'failed'",
            )
            .bind(&[s(id)])?,
        ])
        .await?;
    Ok(results
        .first()
        .and_then(|r| r.meta().ok().flatten())
        .and_then(|m| m.changes)
        .unwrap_or(0)
        > 0)
}

/// An operator's word on an interrupted step of a failed delivery: it took effect with `result`
/// (JSON), or it did not (`None`: the step is forgotten and runs again). `false` if the delivery
/// is not failed or has no such interrupted step.
pub async fn resolve_step(
    db: &D1Database,
    id: &str,
    step: &str,
    result: Option<&str>,
) -> Result<bool, Error> {
    let now = worker::Date::now().as_millis() as f64;
    let failed = "EXISTS (SELECT 1 FROM deliveries WHERE id = ?1 AND status = 'failed')";
    let statement = match result {
        Some(result) => db
            .prepare(format!(
                "UPDATE delivery_steps SET state = 'done', result = ?3, updated_at = ?4 WHERE delivery_id = ?1 AND step = ?2 AND state = 'started' AND {failed}"
            ))
            .bind(&[s(id), s(step), s(result), n(now)])?,
        None => db
            .prepare(format!("DELETE FROM delivery_steps WHERE delivery_id = ?1 AND step = ?2 AND state = 'started' AND {failed}"))
            .bind(&[s(id), s(step)])?,
    };
    Ok(statement
        .run()
        .await?
        .meta()?
        .and_then(|m| m.changes)
        .unwrap_or(0)
        > 0)
}

#[derive(Debug, Deserialize)]
pub struct StaleDelivery {
    pub id: String,
}

/// Deliveries whose queue message was lost (a send that failed, a restart that emptied a local
/// queue) or whose worker died: waiting or running, with their lease run out.
pub async fn stale_deliveries(
    db: &D1Database,
    now: f64,
    limit: u32,
) -> Result<Vec<StaleDelivery>, Error> {
    Ok(db
        .prepare("SELECT id FROM deliveries WHERE status IN ('queued', 'delivering') AND lease_until < ?1 ORDER BY lease_until LIMIT ?2")
        .bind(&[n(now), n(limit as f64)])?
        .all()
        .await?
        .results::<StaleDelivery>()?)
}

/// Hands a stale delivery a new job token and lease before it is re-enqueued: any older message
/// for it is then dropped, and the next sweep leaves it alone while this one is on its way.
/// `false` if it was no longer stale.
pub async fn rejob_stale(
    db: &D1Database,
    id: &str,
    job: &str,
    now: f64,
    lease_until: f64,
) -> Result<bool, Error> {
    let result = db
        .prepare(
            "UPDATE deliveries SET job = ?2, status = 'queued', lease_owner = NULL, lease_until = ?4 \
             WHERE id = ?1 AND status IN ('queued', 'delivering') AND lease_until < ?3",
        )
        .bind(&[s(id), s(job), n(now), n(lease_until)])?
        .run()
        .await?;
    Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0) > 0)
}

pub async fn delete_idempotency_keys_before(db: &D1Database, before: f64) -> Result<(), Error> {
    db.prepare("DELETE FROM idempotency_keys WHERE created_at < ?1")
        .bind(&[n(before)])?
        .run()
        .await?;
    Ok(())
}

#[derive(Debug, Deserialize)]
pub struct TokenRow {
    pub token: String,
    pub expires_at: f64,
}

pub async fn connector_token(db: &D1Database, site: &str) -> Result<Option<TokenRow>, Error> {
    Ok(db
        .prepare("SELECT token, expires_at FROM connector_tokens WHERE site = ?1")
        .bind(&[s(site)])?
        .first::<TokenRow>(None)
        .await?)
}

pub async fn save_connector_token(
    db: &D1Database,
    site: &str,
    token: &str,
    expires_at: f64,
) -> Result<(), Error> {
    db.prepare(
        "INSERT INTO connector_tokens (site, token, expires_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (site) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at",
    )
    .bind(&[s(site), s(token), n(expires_at)])?
    .run()
    .await?;
    Ok(())
}

pub async fn forget_connector_token(db: &D1Database, site: &str, token: &str) -> Result<(), Error> {
    db.prepare("DELETE FROM connector_tokens WHERE site = ?1 AND token = ?2")
        .bind(&[s(site), s(token)])?
        .run()
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Deserialize)]
pub struct InboxConversationRow {
    #[serde(flatten)]
    pub row: ConversationRow,
    pub status: String,
    pub helpdesk_ref: Option<String>,
}

pub async fn conversations(
    db: &D1Database,
    site: Option<&str>,
    limit: u32,
) -> Result<Vec<InboxConversationRow>, Error> {
    let columns = "id, site, reference, name, email, subject, fields_json, page_url, locale, created_at, verified, status, helpdesk_ref";
    let statement = match site {
        Some(site) => db
            .prepare(format!("SELECT {columns} FROM conversations WHERE site = ?1 ORDER BY created_at DESC, id LIMIT ?2"))
            .bind(&[s(site), n(limit as f64)])?,
        None => db
            .prepare(format!("SELECT {columns} FROM conversations ORDER BY created_at DESC, id LIMIT ?1"))
            .bind(&[n(limit as f64)])?,
    };
    Ok(statement.all().await?.results::<InboxConversationRow>()?)
}

/// D1 binds at most 100 parameters to one statement: `IN (…)` lists go in chunks below that.
const IN_CHUNK: usize = 90;

pub async fn messages(
    db: &D1Database,
    conversation_ids: &[String],
) -> Result<Vec<MessageRow>, Error> {
    let mut rows = Vec::new();
    for chunk in conversation_ids.chunks(IN_CHUNK) {
        let sql = format!(
            "SELECT id, conversation_id, author, body, created_at FROM messages WHERE conversation_id IN ({}) ORDER BY created_at, id",
            placeholders(1, chunk.len())
        );
        let binds: Vec<JsValue> = chunk.iter().map(|id| s(id)).collect();
        rows.extend(
            db.prepare(sql)
                .bind(&binds)?
                .all()
                .await?
                .results::<MessageRow>()?,
        );
    }
    Ok(rows)
}

pub async fn attachments(
    db: &D1Database,
    message_ids: &[String],
) -> Result<Vec<AttachmentRow>, Error> {
    let mut rows = Vec::new();
    for chunk in message_ids.chunks(IN_CHUNK) {
        let sql = format!(
            "SELECT m.message_id, u.id, u.name, u.content_type, u.size, u.sha256 \
             FROM message_attachments m JOIN uploads u ON u.id = m.upload_id \
             WHERE m.message_id IN ({}) ORDER BY m.message_id, m.position",
            placeholders(1, chunk.len())
        );
        let binds: Vec<JsValue> = chunk.iter().map(|id| s(id)).collect();
        rows.extend(
            db.prepare(sql)
                .bind(&binds)?
                .all()
                .await?
                .results::<AttachmentRow>()?,
        );
    }
    Ok(rows)
}

#[derive(Debug, Deserialize)]
pub struct DeletedUpload {
    pub r2_key: String,
}

/// Deletes up to `batch` uploads older than `before` that no message holds, and returns their
/// R2 keys. Rows go first: a submission racing this can then only fail to find the file (a
/// clear 422), never end up holding a file whose bytes are gone.
pub async fn delete_unclaimed_uploads(
    db: &D1Database,
    before: f64,
    batch: u32,
) -> Result<Vec<DeletedUpload>, Error> {
    Ok(db
        .prepare(
            "DELETE FROM uploads WHERE id IN ( \
               SELECT u.id FROM uploads u \
               WHERE u.created_at < ?1 AND NOT EXISTS (SELECT 1 FROM message_attachments m WHERE m.upload_id = u.id) \
               LIMIT ?2) \
             RETURNING r2_key",
        )
        .bind(&[n(before), n(batch as f64)])?
        .all()
        .await?
        .results::<DeletedUpload>()?)
}

/// A file being sent in parts (`multipart.rs`).
#[derive(Debug, Clone, Deserialize)]
pub struct PartsUploadRow {
    pub id: String,
    pub site: String,
    pub name: String,
    pub content_type: String,
    pub size: f64,
    pub r2_key: String,
    pub r2_upload_id: String,
    pub created_at: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PartRow {
    pub number: f64,
    pub etag: String,
}

pub async fn insert_parts_upload(db: &D1Database, u: &PartsUploadRow) -> Result<(), Error> {
    db.prepare(
        "INSERT INTO parts_uploads (id, site, name, content_type, size, r2_key, r2_upload_id, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .bind(&[
        s(&u.id),
        s(&u.site),
        s(&u.name),
        s(&u.content_type),
        n(u.size),
        s(&u.r2_key),
        s(&u.r2_upload_id),
        n(u.created_at),
    ])?
    .run()
    .await?;
    Ok(())
}

pub async fn parts_upload(db: &D1Database, id: &str) -> Result<Option<PartsUploadRow>, Error> {
    Ok(db
        .prepare("SELECT id, site, name, content_type, size, r2_key, r2_upload_id, created_at FROM parts_uploads WHERE id = ?1")
        .bind(&[s(id)])?
        .first::<PartsUploadRow>(None)
        .await?)
}

/// The parts stored so far, by number.
pub async fn parts(db: &D1Database, upload_id: &str) -> Result<Vec<PartRow>, Error> {
    Ok(db
        .prepare("SELECT number, etag FROM upload_parts WHERE upload_id = ?1 ORDER BY number")
        .bind(&[s(upload_id)])?
        .all()
        .await?
        .results::<PartRow>()?)
}

pub async fn save_part(
    db: &D1Database,
    upload_id: &str,
    number: u64,
    etag: &str,
) -> Result<(), Error> {
    db.prepare("INSERT OR REPLACE INTO upload_parts (upload_id, number, etag) VALUES (?1, ?2, ?3)")
        .bind(&[s(upload_id), n(number as f64), s(etag)])?
        .run()
        .await?;
    Ok(())
}

/// The completed file becomes an upload like any other, in one transaction with forgetting its
/// parts. `OR IGNORE`: a completion repeated after a lost answer records it once.
pub async fn finish_parts_upload(db: &D1Database, u: &UploadRow) -> Result<(), Error> {
    db.batch(vec![
        upload_statement(db, u, "INSERT OR IGNORE")?,
        db.prepare("DELETE FROM upload_parts WHERE upload_id = ?1")
            .bind(&[s(&u.id)])?,
        db.prepare("DELETE FROM parts_uploads WHERE id = ?1")
            .bind(&[s(&u.id)])?,
    ])
    .await?;
    Ok(())
}

/// Forgets up to `batch` files started in parts before `before` and never completed, and
/// returns them so that their R2 uploads can be aborted.
pub async fn delete_stale_parts_uploads(
    db: &D1Database,
    before: f64,
    batch: u32,
) -> Result<Vec<PartsUploadRow>, Error> {
    let stale = db
        .prepare(
            "DELETE FROM parts_uploads WHERE id IN ( \
               SELECT id FROM parts_uploads WHERE created_at < ?1 LIMIT ?2) \
             RETURNING id, site, name, content_type, size, r2_key, r2_upload_id, created_at",
        )
        .bind(&[n(before), n(batch as f64)])?
        .all()
        .await?
        .results::<PartsUploadRow>()?;
    // Also parts a request stored while its upload was being forgotten.
    db.prepare("DELETE FROM upload_parts WHERE upload_id NOT IN (SELECT id FROM parts_uploads)")
        .run()
        .await?;
    Ok(stale)
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_number_from_first() {
        assert_eq!(super::placeholders(1, 3), "?1, ?2, ?3");
        assert_eq!(super::placeholders(2, 1), "?2");
        assert_eq!(super::placeholders(1, 0), "");
    }
}
