//! `POST /v1/conversations/{id}/messages`: a visitor's later message in its conversation (chat),
//! with the conversation's visitor token, accepted with its files by [`accept::follow_up`].

use crate::accept::{self, rate_limit, IdempotencyKey, Intake};
use crate::error::Error;
use crate::store::Db;
use crate::{auth, http, token};
use porthole_shared::FollowUp;
use worker::{Env, Request, Response};

/// `202` once the message, its files and its delivery are in D1.
pub async fn create(
    req: &mut Request,
    env: &Env,
    conversation_id: &str,
) -> Result<Response, Error> {
    auth::require_visitor(req, env, conversation_id)?;
    let key = IdempotencyKey::from_request(req)?;
    let follow_up = http::read_json::<FollowUp>(req).await?.normalized();
    let db = Db::from_env(env)?;
    let (site_id, site, delivery) = accept::conversation_site(env, &db, conversation_id).await?;
    // Cannot fail here: the visitor's token was checked with it.
    let secret = token::secret(env)?;
    let intake = Intake {
        env,
        db: &db,
        secret: &secret,
        site_id: &site_id,
        site: &site,
        delivery: &delivery,
        address: rate_limit::address(req),
        key,
    };
    super::accepted(accept::follow_up(&intake, conversation_id, &follow_up).await?)
}
