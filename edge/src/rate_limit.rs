//! At most `limits.messages_per_hour` messages (first ones and later ones) from one visitor to a
//! site in a clock hour; more are refused with `429` and when to try again. A visitor is the
//! client's address as Cloudflare gives it (`CF-Connecting-IP`), stored only hashed with the site.
//! Counted in D1 with one statement, so concurrent requests cannot both take the last place.

use crate::error::Error;
use porthole_shared::Limits;
use sha2::{Digest, Sha256};
use worker::{D1Database, Request};

const WINDOW_MS: f64 = 3600.0 * 1000.0;

/// Counts one message for this request's visitor, or refuses it.
pub async fn take(
    db: &D1Database,
    req: &Request,
    site: &str,
    limits: &Limits,
    now: f64,
) -> Result<(), Error> {
    let address = req
        .headers()
        .get("CF-Connecting-IP")
        .ok()
        .flatten()
        .unwrap_or_default();
    let window = window_start(now);
    let count: Option<f64> = db
        .prepare(
            "INSERT INTO rate_limits (key, window_start, count) VALUES (?1, ?2, 1) \
             ON CONFLICT (key) DO UPDATE SET count = CASE WHEN window_start = ?2 THEN count + 1 ELSE 1 END, window_start = ?2 \
             RETURNING count",
        )
        .bind(&[key(site, &address).into(), window.into()])?
        .first(Some("count"))
        .await?;
    verdict(count.unwrap_or(1.0) as u32, limits.messages_per_hour, now)
}

pub fn key(site: &str, address: &str) -> String {
    let digest = Sha256::new()
        .chain_update(b"porthole rate limit\0")
        .chain_update(site)
        .chain_update(b"\0")
        .chain_update(address)
        .finalize();
    hex::encode(digest)
}

fn window_start(now: f64) -> f64 {
    (now / WINDOW_MS).floor() * WINDOW_MS
}

/// The `count`th message of the hour: refused past the limit, with the seconds until the next hour.
pub fn verdict(count: u32, limit: u32, now: f64) -> Result<(), Error> {
    if count <= limit {
        return Ok(());
    }
    let retry_after = ((window_start(now) + WINDOW_MS - now) / 1000.0)
        .ceil()
        .max(1.0) as u32;
    Err(Error::RateLimited(retry_after))
}

/// Windows that have ended are of no use.
pub async fn forget_old(db: &D1Database, now: f64) -> Result<(), Error> {
    db.prepare("DELETE FROM rate_limits WHERE window_start < ?1")
        .bind(&[window_start(now).into()])?
        .run()
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_limit_until_the_next_hour() {
        let ten_past = 5.0 * WINDOW_MS + 10.0 * 60_000.0;
        assert!(verdict(3, 3, ten_past).is_ok());
        match verdict(4, 3, ten_past) {
            Err(Error::RateLimited(seconds)) => assert_eq!(seconds, 50 * 60),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn keys_hide_the_address_and_separate_sites() {
        let k = key("acme", "203.0.113.7");
        assert_eq!(k.len(), 64);
        assert!(!k.contains("203"));
        assert_ne!(k, key("other", "203.0.113.7"));
        assert_ne!(k, key("acme", "203.0.113.8"));
    }
}
