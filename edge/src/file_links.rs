//! Signed, expiring links to one stored file, for helpdesks that fetch attachments by URL
//! (Re:amaze): `{PORTHOLE_PUBLIC_URL}/v1/files/{upload id}/{name}?expires={unix s}&sig={tag}`,
//! where the tag is HMAC-SHA256 over the id and expiry with `PORTHOLE_TOKEN_SECRET` (in its own
//! domain, so a visitor token can never pass as a link or the reverse). Altering any part, or
//! using it after it expires, gets 403 (served by `api::files`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use worker::Env;

/// Long enough for a helpdesk that fetches in the background to get to it.
pub const DEFAULT_TTL_SECONDS: u64 = 24 * 3600;

fn mac(secret: &[u8], upload_id: &str, expires_at: u64) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(format!("file.{upload_id}.{expires_at}").as_bytes());
    mac
}

pub fn sign(secret: &[u8], upload_id: &str, expires_at: u64) -> String {
    URL_SAFE_NO_PAD.encode(mac(secret, upload_id, expires_at).finalize().into_bytes())
}

pub fn verify(secret: &[u8], upload_id: &str, expires_at: u64, tag: &str, now: u64) -> bool {
    let Ok(tag) = URL_SAFE_NO_PAD.decode(tag) else {
        return false;
    };
    now < expires_at
        && mac(secret, upload_id, expires_at)
            .verify_slice(&tag)
            .is_ok()
}

/// The link to upload `upload_id` (named `name`) valid until `expires_at`; the name in the path
/// is for the helpdesk's benefit (it names the file it saves) and is not part of the signature.
pub fn link(
    public_url: &str,
    secret: &[u8],
    upload_id: &str,
    name: &str,
    expires_at: u64,
) -> String {
    let name = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    format!(
        "{public_url}/v1/files/{upload_id}/{name}?expires={expires_at}&sig={}",
        sign(secret, upload_id, expires_at)
    )
}

/// Where the Worker is reachable from the internet, and how long links live.
pub fn settings(env: &Env) -> Result<(String, u64), String> {
    let public_url = env
        .var("PORTHOLE_PUBLIC_URL")
        .map(|v| v.to_string())
        .unwrap_or_default();
    if !(public_url.starts_with("https://") || public_url.starts_with("http://")) {
        return Err(
            "PORTHOLE_PUBLIC_URL is not set (the Worker's public address, for attachment links)"
                .into(),
        );
    }
    Ok((public_url.trim_end_matches('/').to_string(), ttl(env)))
}

/// How long a link lives (`PORTHOLE_FILE_LINK_TTL_SECONDS`).
pub fn ttl(env: &Env) -> u64 {
    env.var("PORTHOLE_FILE_LINK_TTL_SECONDS")
        .ok()
        .and_then(|v| v.to_string().parse().ok())
        .unwrap_or(DEFAULT_TTL_SECONDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"a test secret of reasonable length";

    #[test]
    fn a_link_works_until_it_expires_and_only_unaltered() {
        let tag = sign(SECRET, "up1", 1_000);
        assert!(verify(SECRET, "up1", 1_000, &tag, 999));
        assert!(!verify(SECRET, "up1", 1_000, &tag, 1_000), "expired");
        assert!(!verify(SECRET, "up2", 1_000, &tag, 999), "another file");
        assert!(!verify(SECRET, "up1", 2_000, &tag, 999), "a later expiry");
        assert!(!verify(SECRET, "up1", 1_000, &format!("{tag}A"), 999));
        assert!(!verify(b"another secret", "up1", 1_000, &tag, 999));
        assert!(!verify(SECRET, "up1", 1_000, "", 999));
    }

    #[test]
    fn visitor_tokens_are_not_links() {
        let token = crate::token::sign(SECRET, "up1", 1_000);
        let tag = token.rsplit('.').next().unwrap();
        assert!(!verify(SECRET, "up1", 1_000, tag, 999));
    }
}
