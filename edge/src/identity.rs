//! `Porthole('identify', {email, name, signature})`: a site whose visitors are signed in vouches
//! for their email. Its server signs the email with a key only it and the edge know (lowercase hex
//! HMAC-SHA256 of the email, trimmed and lowercased); the edge checks the signature and marks the
//! conversation verified. A visitor cannot forge one for another address.

use crate::error::Error;
use hmac::{Hmac, Mac};
use porthole_shared::config::SiteConfig;
use porthole_shared::{FieldCode, FieldErrors};
use sha2::Sha256;
use worker::Env;

/// Ok when `signature` is the site's signature of `email`. Otherwise `422`, field `identity`: a
/// wrong signature, or a site that names no key or whose key is not set (it cannot vouch).
pub fn verify(env: &Env, site: &SiteConfig, email: &str, signature: &str) -> Result<(), Error> {
    let refused = || {
        Error::Validation(FieldErrors::from([(
            "identity".to_string(),
            FieldCode::InvalidValue,
        )]))
    };
    let Some(name) = &site.identity_secret else {
        return Err(refused());
    };
    let key = crate::config::secret(env, name);
    // Without its key the site cannot vouch; the visitor must still be able to write (the widget
    // sends again without the identity), and the operator learns why from the log.
    let Some(key) = key else {
        crate::log::error(
            "identity_secret_missing",
            &format!("the identity secret {name} is not set"),
        );
        return Err(refused());
    };
    if signed(key.as_bytes(), email, signature) {
        Ok(())
    } else {
        Err(refused())
    }
}

/// The check itself, in constant time.
pub fn signed(key: &[u8], email: &str, signature: &str) -> bool {
    let Ok(bytes) = hex::decode(signature.trim()) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(email.trim().to_lowercase().as_bytes());
    mac.verify_slice(&bytes).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(key: &[u8], email: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
        mac.update(email.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    #[test]
    fn only_the_sites_signature_of_that_email_passes() {
        let key = b"site-identity-key";
        let good = sign(key, "ada@example.org");
        assert!(signed(key, "ada@example.org", &good));
        // The email as the visitor's browser may send it: case and spaces do not matter.
        assert!(signed(key, " Ada@Example.org ", &good));
        assert!(signed(key, "ada@example.org", &good.to_uppercase()));
        assert!(!signed(key, "eve@example.org", &good));
        assert!(!signed(b"another-key", "ada@example.org", &good));
        assert!(!signed(key, "ada@example.org", &good[..62]));
        assert!(!signed(key, "ada@example.org", "not hex"));
        assert!(!signed(key, "ada@example.org", ""));
    }
}
