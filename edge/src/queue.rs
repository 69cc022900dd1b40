//! The queue between accepting and delivering: `DELIVERIES` carries `{delivery, job}` to the
//! consumer (`delivery::consume`); `DEAD_LETTERS` receives deliveries that used up their attempts.
//! Both sides use this module, so accepting never imports delivering.

use crate::error::Error;
use serde::{Deserialize, Serialize};
use worker::{Env, MessageBuilder};

pub const QUEUE: &str = "DELIVERIES";
pub const DEAD_LETTERS: &str = "DEAD_LETTERS";

#[derive(Debug, Serialize, Deserialize)]
pub struct QueueJob {
    pub delivery: String,
    /// Must match the delivery's current job token, or the message is stale and dropped.
    pub job: String,
}

pub async fn enqueue(
    env: &Env,
    delivery_id: &str,
    job: &str,
    delay_seconds: u32,
) -> Result<(), Error> {
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

pub async fn dead_letter(env: &Env, delivery_id: &str) -> Result<(), Error> {
    env.queue(DEAD_LETTERS)?
        .send(QueueJob {
            delivery: delivery_id.to_string(),
            job: String::new(),
        })
        .await?;
    Ok(())
}
