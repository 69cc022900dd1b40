//! A delivery's step journal (`connectors::journal`): each step `started` before its call goes
//! out, `done` with its result after the answer.

use super::{first_changed, int, s, Db, DELIVERING, FAILED};
use crate::error::Error;
use const_format::formatcp;
use serde::Deserialize;

/// Where a journalled step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum StepState {
    /// Its call may have reached the helpdesk and the answer been lost.
    Started,
    /// Its result is kept.
    Done,
}

impl StepState {
    pub const ALL: [StepState; 2] = [StepState::Started, StepState::Done];

    /// Its one string form, as D1 stores it.
    pub const fn as_str(self) -> &'static str {
        match self {
            StepState::Started => "started",
            StepState::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<StepState> {
        StepState::ALL.into_iter().find(|state| state.as_str() == s)
    }
}

impl TryFrom<String> for StepState {
    type Error = String;

    fn try_from(s: String) -> Result<StepState, String> {
        StepState::parse(&s).ok_or_else(|| format!("unknown step state `{s}`"))
    }
}

const STARTED: &str = StepState::Started.as_str();
const DONE: &str = StepState::Done.as_str();

#[derive(Debug, Clone, Deserialize)]
pub struct StepRow {
    pub step: String,
    pub state: StepState,
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
    let now = worker::Date::now().as_millis() as i64;
    let results = db
        .batch(vec![
            db.prepare(formatcp!("UPDATE deliveries SET lease_until = ?3 WHERE id = ?1 AND lease_owner = ?2 AND status = '{DELIVERING}'"))
                .bind(&[s(id), s(owner), int(now + i64::from(lease_seconds) * 1000)])?,
            db.prepare(
                formatcp!("INSERT INTO delivery_steps (delivery_id, step, state, result, updated_at) \
                 SELECT ?1, ?3, '{STARTED}', NULL, ?4 WHERE EXISTS (SELECT 1 FROM deliveries WHERE id = ?1 AND lease_owner = ?2) \
                 ON CONFLICT (delivery_id, step) DO UPDATE SET state = '{STARTED}', result = NULL, updated_at = excluded.updated_at"),
            )
            .bind(&[s(id), s(owner), s(step), int(now)])?,
        ])
        .await?;
    Ok(first_changed(&results))
}

pub async fn finish(db: &Db, id: &str, step: &str, result: &str) -> Result<StepRow, Error> {
    let now = worker::Date::now().as_millis() as i64;
    db.prepare(
        formatcp!("INSERT INTO delivery_steps (delivery_id, step, state, result, updated_at) VALUES (?1, ?2, '{DONE}', ?3, ?4) \
         ON CONFLICT (delivery_id, step) DO UPDATE SET state = '{DONE}', result = excluded.result, updated_at = excluded.updated_at"),
    )
    .bind(&[s(id), s(step), s(result), int(now)])?
    .run()
    .await?;
    Ok(StepRow {
        step: step.to_string(),
        state: StepState::Done,
        result: Some(result.to_string()),
    })
}

/// Forgets a started step (never a finished one).
pub async fn forget_started(db: &Db, id: &str, step: &str) -> Result<(), Error> {
    db.prepare(formatcp!(
        "DELETE FROM delivery_steps WHERE delivery_id = ?1 AND step = ?2 AND state = '{STARTED}'"
    ))
    .bind(&[s(id), s(step)])?
    .run()
    .await?;
    Ok(())
}

/// The delivery `?1` is failed.
const IS_FAILED: &str =
    formatcp!("EXISTS (SELECT 1 FROM deliveries WHERE id = ?1 AND status = '{FAILED}')");

/// An operator's word on an interrupted step of a failed delivery: it took effect with `result`
/// (JSON), or it did not (`None`: the step is forgotten and runs again). `false` if the delivery
/// is not failed or has no such interrupted step.
pub async fn resolve(db: &Db, id: &str, step: &str, result: Option<&str>) -> Result<bool, Error> {
    let now = worker::Date::now().as_millis() as i64;
    let statement = match result {
        Some(result) => db
            .prepare(formatcp!(
                "UPDATE delivery_steps SET state = '{DONE}', result = ?3, updated_at = ?4 WHERE delivery_id = ?1 AND step = ?2 AND state = '{STARTED}' AND {IS_FAILED}"
            ))
            .bind(&[s(id), s(step), s(result), int(now)])?,
        None => db
            .prepare(formatcp!("DELETE FROM delivery_steps WHERE delivery_id = ?1 AND step = ?2 AND state = '{STARTED}' AND {IS_FAILED}"))
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

#[cfg(test)]
mod tests {
    use super::StepState;

    #[test]
    fn step_states_have_one_string_form() {
        for state in StepState::ALL {
            assert_eq!(StepState::parse(state.as_str()), Some(state));
            assert_eq!(StepState::try_from(state.as_str().to_string()), Ok(state));
        }
        assert_eq!(StepState::Started.as_str(), "started");
        assert_eq!(StepState::Done.as_str(), "done");
        assert_eq!(StepState::parse("finished"), None);
    }
}
