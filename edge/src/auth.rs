//! Who may ask: the operator, by its bearer token (`PORTHOLE_OPERATOR_TOKEN`, a wrangler
//! secret), and a visitor, by its conversation's visitor token (`token.rs`).

use crate::error::Error;
use crate::token;
use subtle::ConstantTimeEq;
use worker::{Date, Env, Request};

pub fn require_operator(req: &Request, env: &Env) -> Result<(), Error> {
    let expected = crate::config::secret(env, "PORTHOLE_OPERATOR_TOKEN").unwrap_or_default();
    let presented = req.headers().get("Authorization").ok().flatten();
    if token_matches(presented.as_deref(), &expected) {
        Ok(())
    } else {
        Err(Error::Unauthorized)
    }
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

/// An unset or short token never matches, so a forgotten secret cannot open the inbox.
pub fn token_matches(authorization: Option<&str>, expected: &str) -> bool {
    let Some(presented) = authorization.and_then(|h| h.strip_prefix("Bearer ")) else {
        return false;
    };
    expected.len() >= 16 && bool::from(presented.as_bytes().ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::token_matches;

    #[test]
    fn bearer_tokens() {
        let t = "0123456789abcdef0123";
        assert!(token_matches(Some(&format!("Bearer {t}")), t));
        assert!(!token_matches(Some(t), t));
        assert!(!token_matches(Some("Bearer wrong"), t));
        assert!(!token_matches(None, t));
        assert!(!token_matches(Some("Bearer "), ""));
        assert!(!token_matches(Some("Bearer short"), "short"));
    }
}
