//! At most `limits.messages_per_hour` messages (first ones and later ones) from one visitor to a
//! site in a clock hour; more are refused with `429` and when to try again. A visitor is the
//! client's address as Cloudflare gives it (`CF-Connecting-IP`; IPv6 by its /64), kept only as a
//! keyed hash with the site.
//! Counted in D1 with one statement (`store::rate_limits`), so concurrent requests cannot both
//! take the last place.

use crate::error::Error;
use crate::store::{rate_limits, Db};
use hmac::{Hmac, Mac};
use porthole_shared::Limits;
use sha2::Sha256;
use worker::Request;

const WINDOW_MS: i64 = 3600 * 1000;

/// Counts one message for this request's visitor, or refuses it.
/// `secret` keys the hash (the edge's token secret).
pub async fn take(
    secret: &[u8],
    db: &Db,
    address: &str,
    site: &str,
    limits: &Limits,
    now: i64,
) -> Result<(), Error> {
    let count = rate_limits::take(db, &key(secret, site, address), window_start(now)).await?;
    verdict(count.unwrap_or(1), limits.messages_per_hour, now)
}

/// Takes back what [`take`] counted for a request that turned out to be a resend of a stored
/// message (its answer was lost): the visitor sent one message, not two.
pub async fn give_back(
    secret: &[u8],
    db: &Db,
    address: &str,
    site: &str,
    now: i64,
) -> Result<(), Error> {
    rate_limits::give_back(db, &key(secret, site, address), window_start(now)).await
}

/// The visitor's address as Cloudflare gives it.
pub fn address(req: &Request) -> String {
    req.headers()
        .get("CF-Connecting-IP")
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// The counter's key: an HMAC (with the edge's token secret) of the site and the visitor's
/// network, so the table says nothing about addresses even to someone who tries them all. An IPv6
/// visitor is its /64, which one household or machine gets whole.
pub fn key(secret: &[u8], site: &str, address: &str) -> String {
    let network = match address.parse::<std::net::Ipv6Addr>() {
        Ok(v6) => {
            v6.segments()[..4]
                .iter()
                .map(|s| format!("{s:x}"))
                .collect::<Vec<_>>()
                .join(":")
                + "::/64"
        }
        Err(_) => address.to_string(),
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(b"porthole rate limit\0");
    mac.update(site.as_bytes());
    mac.update(b"\0");
    mac.update(network.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn window_start(now: i64) -> i64 {
    now.div_euclid(WINDOW_MS) * WINDOW_MS
}

/// The `count`th message of the hour: refused past the limit, with the seconds until the next hour.
pub fn verdict(count: u32, limit: u32, now: i64) -> Result<(), Error> {
    if count <= limit {
        return Ok(());
    }
    let retry_after = ((window_start(now) + WINDOW_MS - now) as f64 / 1000.0)
        .ceil()
        .max(1.0) as u32;
    Err(Error::RateLimited(retry_after))
}

/// Windows that have ended are of no use.
pub async fn forget_old(db: &Db, now: i64) -> Result<(), Error> {
    rate_limits::forget_before(db, window_start(now)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_limit_until_the_next_hour() {
        let ten_past = 5 * WINDOW_MS + 10 * 60_000;
        assert!(verdict(3, 3, ten_past).is_ok());
        match verdict(4, 3, ten_past) {
            Err(Error::RateLimited(seconds)) => assert_eq!(seconds, 50 * 60),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn keys_hide_the_address_and_separate_sites() {
        let k = key(b"secret", "acme", "203.0.113.7");
        assert_eq!(k.len(), 64);
        assert_ne!(k, key(b"secret", "other", "203.0.113.7"));
        assert_ne!(k, key(b"secret", "acme", "203.0.113.8"));
        // Without the secret, trying every address finds nothing.
        assert_ne!(k, key(b"guess", "acme", "203.0.113.7"));
    }

    #[test]
    fn an_ipv6_visitor_is_its_64() {
        let a = key(b"s", "acme", "2001:db8:1:2:aaaa::1");
        assert_eq!(a, key(b"s", "acme", "2001:db8:1:2:ffff:1:2:3"));
        assert_ne!(a, key(b"s", "acme", "2001:db8:1:3::1"));
    }
}
