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
    http::json(
        200,
        &ConversationStatus {
            id: row.id,
            reference: row.reference,
            status: row.status,
            helpdesk_reference: row.helpdesk_ref,
        },
    )
}
