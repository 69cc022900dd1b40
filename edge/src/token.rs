//! Visitor tokens: `v1.{conversation id}.{expiry, unix seconds}.{HMAC-SHA256, base64url}`, signed
//! with `PORTHOLE_TOKEN_SECRET`. Holding one lets a visitor read that conversation until it
//! expires; nothing else.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const LIFETIME_SECONDS: u64 = 30 * 24 * 3600;

/// `PORTHOLE_TOKEN_SECRET`. Without it no visitor could be given a token, so accepting fails
/// loudly instead of handing out something unsigned.
pub fn secret(env: &worker::Env) -> Result<Vec<u8>, crate::error::Error> {
    let secret = crate::config::secret(env, "PORTHOLE_TOKEN_SECRET").unwrap_or_default();
    if secret.len() < 32 {
        return Err(crate::error::Error::Internal(
            "PORTHOLE_TOKEN_SECRET is not set or shorter than 32 characters".into(),
        ));
    }
    Ok(secret.into_bytes())
}

fn mac(secret: &[u8], payload: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(payload.as_bytes());
    mac
}

pub fn sign(secret: &[u8], conversation_id: &str, expires_at: u64) -> String {
    let payload = format!("v1.{conversation_id}.{expires_at}");
    let tag = URL_SAFE_NO_PAD.encode(mac(secret, &payload).finalize().into_bytes());
    format!("{payload}.{tag}")
}

/// Whether `token` opens `conversation_id` at time `now` (unix seconds).
pub fn verify(secret: &[u8], token: &str, conversation_id: &str, now: u64) -> bool {
    let mut parts = token.split('.');
    let (Some("v1"), Some(id), Some(expires), Some(tag), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    let Ok(expires_at) = expires.parse::<u64>() else {
        return false;
    };
    let Ok(tag) = URL_SAFE_NO_PAD.decode(tag) else {
        return false;
    };
    id == conversation_id
        && now < expires_at
        && mac(secret, &format!("v1.{id}.{expires}"))
            .verify_slice(&tag)
            .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"a test secret of reasonable length";

    #[test]
    fn a_token_opens_its_conversation_until_it_expires() {
        let t = sign(SECRET, "abc", 1_000);
        assert!(verify(SECRET, &t, "abc", 999));
        assert!(!verify(SECRET, &t, "abc", 1_000), "expired");
        assert!(!verify(SECRET, &t, "other", 999), "another conversation");
        assert!(!verify(b"another secret", &t, "abc", 999), "another key");
    }

    #[test]
    fn tampering_is_refused() {
        let t = sign(SECRET, "abc", 1_000);
        let later = t.replace(".1000.", ".9999.");
        assert!(!verify(SECRET, &later, "abc", 999));
        assert!(!verify(SECRET, &format!("{t}x"), "abc", 999));
        assert!(!verify(SECRET, "v1.abc.1000", "abc", 999));
        assert!(!verify(SECRET, "", "abc", 0));
    }
}
