//! OAuth access tokens of helpdesks that use them (Help Scout, Motadata ServiceOps), cached in D1
//! until a minute before they expire, and forgotten after a 401. The cache key names the site and
//! the helpdesk's address, so a token is never sent to a host other than the one that issued it.

use super::failure::Failure;
use super::journal::internal;
use super::Context;
use crate::store;
use serde::Deserialize;
use std::future::Future;
use worker::Date;

/// What a token endpoint answers.
#[derive(Deserialize)]
pub struct Grant {
    pub access_token: String,
    pub expires_in: f64,
}

/// Where a site's token for the helpdesk at `base_url` is cached.
pub fn cache_key(site: &str, base_url: &str) -> String {
    format!("{site} {base_url}")
}

/// The cached token, or a new one from `grant` (only awaited when needed). `fresh` skips the
/// cache: the cached token was just refused.
pub async fn token(
    ctx: &Context<'_>,
    key: &str,
    fresh: bool,
    grant: impl Future<Output = Result<Grant, Failure>>,
) -> Result<String, Failure> {
    let db = ctx.db;
    let now = Date::now().as_millis() as i64;
    if !fresh {
        if let Some(cached) = store::tokens::find(db, key).await.map_err(internal)? {
            if cached.expires_at > now {
                return Ok(cached.token);
            }
        }
    }
    let grant = grant.await?;
    // Whole milliseconds, rounded up: `expires_at > now` holds as long as it did unrounded.
    let expires_at = (now as f64 + (grant.expires_in - 60.0).max(0.0) * 1000.0).ceil() as i64;
    store::tokens::save(db, key, &grant.access_token, expires_at)
        .await
        .map_err(internal)?;
    Ok(grant.access_token)
}

/// Drops `token` from the cache (unless another worker already replaced it).
pub async fn forget(ctx: &Context<'_>, key: &str, token: &str) -> Result<(), Failure> {
    let db = ctx.db;
    store::tokens::forget(db, key, token)
        .await
        .map_err(internal)
}

/// A token endpoint's answer, read; a refusal is permanent until the credentials are fixed.
pub fn read_grant(
    vendor: &str,
    reply: &super::http::Reply,
    reason: impl Fn(&str) -> String,
) -> Result<Grant, Failure> {
    if !reply.ok() {
        return Err(match reply.failure(&reason, "Retry-After") {
            Failure::Permanent { reason } => {
                Failure::permanent(format!("{vendor} refused the OAuth credentials: {reason}"))
            }
            other => other,
        });
    }
    serde_json::from_str(&reply.body)
        .map_err(|e| Failure::retryable(format!("{vendor} token: {e}")))
}
