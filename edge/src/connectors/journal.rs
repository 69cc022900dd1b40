//! The step journal of one delivery: each step's result is in D1 before the next step runs, so an
//! attempt after a crash, a timeout or a lost answer resumes instead of repeating work.
//!
//! A step is `started` just before its call goes out and `done` with its result after the answer.
//! A step left `started` is *interrupted*: the helpdesk may have acted without us hearing the
//! answer, so the connector must look before it repeats the call.

use super::failure::Failure;
use crate::store::{self, Db};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::BTreeMap;

pub struct Journal {
    db: Db,
    delivery_id: String,
    lease_owner: String,
    lease_seconds: u32,
    steps: BTreeMap<String, store::StepRow>,
}

impl Journal {
    /// The journal as `steps` (read with the rest of the attempt's context) left it.
    pub fn new(
        db: Db,
        delivery_id: &str,
        lease_owner: &str,
        lease_seconds: u32,
        steps: Vec<store::StepRow>,
    ) -> Journal {
        Journal {
            db,
            delivery_id: delivery_id.to_string(),
            lease_owner: lease_owner.to_string(),
            lease_seconds,
            steps: steps.into_iter().map(|s| (s.step.clone(), s)).collect(),
        }
    }

    /// The recorded result of a finished step.
    pub fn done<T: DeserializeOwned>(&self, step: &str) -> Option<T> {
        let row = self
            .steps
            .get(step)
            .filter(|s| s.state == store::StepState::Done)?;
        serde_json::from_str(row.result.as_deref().unwrap_or("null")).ok()
    }

    /// Started and never finished: its call may have taken effect.
    pub fn interrupted(&self, step: &str) -> bool {
        self.steps
            .get(step)
            .is_some_and(|s| s.state == store::StepState::Started)
    }

    /// Marks `step` as about to call out. Renews this worker's lease first; a worker that lost its
    /// lease (it took too long and the sweeper handed the delivery on) stops here.
    pub async fn start(&mut self, step: &str) -> Result<(), Failure> {
        let held = store::steps::start(
            &self.db,
            &self.delivery_id,
            &self.lease_owner,
            self.lease_seconds,
            step,
        )
        .await
        .map_err(internal)?;
        if !held {
            return Err(Failure::retryable("another worker took over this delivery"));
        }
        let row = store::StepRow {
            step: step.to_string(),
            state: store::StepState::Started,
            result: None,
        };
        self.steps.insert(step.to_string(), row);
        Ok(())
    }

    /// The helpdesk answered `step`'s call with an error, so the call did not take effect: the
    /// step is no longer interrupted. For helpdesks where a lost answer cannot be looked up.
    pub async fn answered_with_error(&mut self, step: &str) -> Result<(), Failure> {
        store::steps::forget_started(&self.db, &self.delivery_id, step)
            .await
            .map_err(internal)?;
        self.steps.remove(step);
        Ok(())
    }

    pub async fn finish<T: Serialize>(&mut self, step: &str, result: &T) -> Result<(), Failure> {
        let json = serde_json::to_string(result).map_err(|e| Failure::retryable(e.to_string()))?;
        self.record(step, json).await
    }

    /// [`finish`](Self::finish) once the result is JSON: one copy for every result type.
    async fn record(&mut self, step: &str, json: String) -> Result<(), Failure> {
        let row = store::steps::finish(&self.db, &self.delivery_id, step, &json)
            .await
            .map_err(internal)?;
        self.steps.insert(step.to_string(), row);
        Ok(())
    }

    /// Runs `step` once: its recorded result if it finished; after an interruption, what `find`
    /// finds in the helpdesk (the call may have taken effect); otherwise `create`'s, marked started
    /// before it calls out. The result is recorded before it is returned.
    pub async fn once<T: Serialize + DeserializeOwned>(
        &mut self,
        step: &str,
        find: impl AsyncFnOnce() -> Result<Option<T>, Failure>,
        create: impl AsyncFnOnce() -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        if let Some(result) = self.done(step) {
            return Ok(result);
        }
        let found = if self.interrupted(step) {
            find().await?
        } else {
            None
        };
        let result = match found {
            Some(result) => result,
            None => {
                self.start(step).await?;
                create().await?
            }
        };
        self.finish(step, &result).await?;
        Ok(result)
    }
}

/// Our own storage failing is never the helpdesk's fault, and worth another try.
pub fn internal(e: crate::error::Error) -> Failure {
    Failure::retryable(format!("storage: {e:?}"))
}
