//! The visitor's view of its conversation, by visitor token: `GET /v1/conversations/{id}/messages?after=`
//! (also the fallback where WebSockets are blocked) and `GET /v1/conversations/{id}/live`, the
//! WebSocket that sends the same frames as the thread grows.

use crate::error::Error;
use crate::live::{self, Reader};
use crate::store::{self, Db};
use crate::{auth, http, site, token};
use serde::Deserialize;
use worker::{Date, Env, Request, Response};

#[derive(Debug, Default, Deserialize)]
pub(super) struct After {
    after: Option<u64>,
}

pub(super) fn after(req: &Request) -> u64 {
    req.query::<After>().ok().and_then(|a| a.after).unwrap_or(0)
}

/// `GET /v1/conversations/{id}/messages?after=`: the messages after `after`, oldest first.
pub async fn get(req: &Request, env: &Env, id: &str) -> Result<Response, Error> {
    auth::require_visitor(req, env, id)?;
    let thread = live::read(&Db::from_env(env)?, id, after(req), &Reader::visitor(env)?)
        .await?
        .ok_or(Error::NotFound)?;
    http::json(200, &thread)
}

/// `GET /v1/conversations/{id}/live?after=`, upgraded to a WebSocket. A browser sets no headers on
/// a WebSocket, so the visitor token comes as a subprotocol beside `porthole.v1`; the page's
/// origin must be one its site allows.
pub async fn live(req: &Request, env: &Env, id: &str) -> Result<Response, Error> {
    let upgrade = req.headers().get("Upgrade").ok().flatten();
    if !upgrade.is_some_and(|u| u.eq_ignore_ascii_case("websocket")) {
        return Err(Error::UpgradeRequired);
    }
    let protocols = req
        .headers()
        .get("Sec-WebSocket-Protocol")
        .ok()
        .flatten()
        .unwrap_or_default();
    let presented = live::offered_token(&protocols).unwrap_or("");
    let now = Date::now().as_millis() / 1000;
    if !token::verify(&token::secret(env)?, presented, id, now) {
        return Err(Error::Unauthorized);
    }
    let head = store::conversations::head(&Db::from_env(env)?, id)
        .await?
        .ok_or(Error::NotFound)?;
    let origin = req.headers().get("Origin").ok().flatten();
    site::resolve(env, &head.site, origin.as_deref())?;
    live::connect(env, id, after(req)).await
}
