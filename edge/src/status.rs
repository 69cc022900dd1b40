//! `GET /v1/conversations/{id}/status`: for the visitor holding the conversation's token.

use crate::error::Error;
use crate::{http, store, token};
use porthole_shared::{ConversationStatus, DeliveryStatus};
use worker::{Date, Env, Request, Response};

pub async fn get(req: &Request, env: &Env, id: &str) -> Result<Response, Error> {
    require_visitor(req, env, id)?;
    let row = store::conversation_status(&env.d1("DB")?, id)
        .await?
        .ok_or(Error::NotFound)?;
    http::json(
        200,
        &ConversationStatus {
            id: row.id,
            reference: row.reference,
            status: DeliveryStatus::parse(&row.status).unwrap_or(DeliveryStatus::Queued),
            helpdesk_reference: row.helpdesk_ref,
        },
    )
}

/// The request must carry this conversation's visitor token, unexpired.
pub fn require_visitor(req: &Request, env: &Env, conversation_id: &str) -> Result<(), Error> {
    let presented = req.headers().get("Authorization").ok().flatten();
    let presented = presented
        .as_deref()
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap_or("");
    let now = Date::now().as_millis() / 1000;
    if token::verify(&token::secret(env)?, presented, conversation_id, now) {
        Ok(())
    } else {
        Err(Error::Unauthorized)
    }
}

/// Read with a bearer token, never cookies, so any page may ask: the token is the permission.
pub fn cors(mut response: Response) -> Response {
    let h = response.headers_mut();
    let _ = h.set("Access-Control-Allow-Origin", "*");
    let _ = h.set(
        "Access-Control-Allow-Headers",
        "Authorization, Content-Type, Idempotency-Key",
    );
    let _ = h.set("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    let _ = h.set("Access-Control-Expose-Headers", "Idempotent-Replayed");
    let _ = h.set("Access-Control-Max-Age", "86400");
    response
}
