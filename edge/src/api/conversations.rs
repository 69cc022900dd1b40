//! `POST /v1/sites/{site}/conversations`: a visitor's first message, accepted with its files by
//! [`accept::first_message`].

use crate::accept::{self, rate_limit, IdempotencyKey, Intake};
use crate::error::Error;
use crate::site::Site;
use crate::store::Db;
use crate::{http, token};
use porthole_shared::Submission;
use worker::{Env, Request, Response};

/// `202` once the conversation, its message, its files and its delivery are in D1.
pub async fn create(req: &mut Request, env: &Env, site: &Site) -> Result<Response, Error> {
    let key = IdempotencyKey::from_request(req)?;
    let submission = http::read_json::<Submission>(req).await?.normalized();
    let secret = token::secret(env)?;
    let db = Db::from_env(env)?;
    let intake = Intake {
        env,
        db: &db,
        secret: &secret,
        site_id: &site.id,
        site: &site.config,
        delivery: &site.delivery,
        address: rate_limit::address(req),
        key,
    };
    super::accepted(accept::first_message(&intake, &submission).await?)
}
