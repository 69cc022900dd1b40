//! A delivery's step journal (`connectors::journal`): each step `started` before its call goes
//! out, `done` with its result after the answer.

use super::{first_changed, n, s, Db};
use crate::error::Error;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct StepRow {
    pub step: String,
    pub state: String,
    pub result: Option<String>,
}

/// Renews this worker's lease and marks `step` started, in one round trip; `false` (and nothing
/// written) if the worker no longer holds the lease.
pub async fn start(
    db: &Db,
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
    Ok(first_changed(&results))
}

pub async fn finish(db: &Db, id: &str, step: &str, result: &str) -> Result<StepRow, Error> {
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
pub async fn forget_started(db: &Db, id: &str, step: &str) -> Result<(), Error> {
    db.prepare(
        "DELETE FROM delivery_steps WHERE delivery_id = ?1 AND step = ?2 AND state = 'started'",
    )
    .bind(&[s(id), s(step)])?
    .run()
    .await?;
    Ok(())
}

/// An operator's word on an interrupted step of a failed delivery: it took effect with `result`
/// (JSON), or it did not (`None`: the step is forgotten and runs again). `false` if the delivery
/// is not failed or has no such interrupted step.
pub async fn resolve(db: &Db, id: &str, step: &str, result: Option<&str>) -> Result<bool, Error> {
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
