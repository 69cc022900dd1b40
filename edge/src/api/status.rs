//! `GET /v1/conversations/{id}/status`: for the visitor holding the conversation's token.

use crate::auth::require_visitor;
use crate::error::Error;
use crate::http;
use crate::store::{self, Db};
use porthole_shared::ConversationStatus;
use worker::{Env, Request, Response};

pub async fn get(req: &Request, env: &Env, id: &str) -> Result<Response, Error> {
    require_visitor(req, env, id)?;
    let row = store::conversations::status(&Db::from_env(env)?, id)
        .await?
        .ok_or(Error::NotFound)?;
    // A held submission reads as queued: a bot learns nothing from it.
    let status = row.state().to_visitor();
    http::json(
        200,
        &ConversationStatus {
            id: row.id,
            reference: row.reference,
            status,
            helpdesk_reference: row.helpdesk_ref,
        },
    )
}
