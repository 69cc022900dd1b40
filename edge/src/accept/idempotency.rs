//! `Idempotency-Key`: a visitor's resend (its first answer was lost) is answered as the first
//! request was, and stored once. The key is kept with a fingerprint of the body it came with; the
//! same key with another body is refused.

use super::accepted;
use crate::error::Error;
use crate::store::{self, Db, IdempotencyRow};
use porthole_shared::{ConversationAccepted, DeliveryStatus, MessageAccepted};
use sha2::{Digest, Sha256};
use worker::Request;

/// `Idempotency-Key`: optional; when sent, 1 to 255 visible ASCII characters (a UUID is ideal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The request's key, if it sent one; a key that breaks the rules is refused (400).
    pub fn from_request(req: &Request) -> Result<Option<IdempotencyKey>, Error> {
        match req.headers().get("Idempotency-Key").ok().flatten() {
            None => Ok(None),
            Some(key) => IdempotencyKey::parse(key).map(Some),
        }
    }

    pub fn parse(key: String) -> Result<IdempotencyKey, Error> {
        if is_idempotency_key(&key) {
            Ok(IdempotencyKey(key))
        } else {
            Err(Error::InvalidIdempotencyKey)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub fn is_idempotency_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 255 && key.bytes().all(|b| b.is_ascii_graphic())
}

/// What "the same body" means: the normalized request, so white space around fields does not
/// make a retry look like a different message.
pub fn fingerprint(body: &impl serde::Serialize) -> String {
    let canonical = serde_json::to_vec(body).unwrap_or_default();
    Sha256::digest(&canonical)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The answer the first request with this key got, if this request is the same submission.
pub async fn replay_conversation(
    db: &Db,
    seen: &IdempotencyRow,
    fingerprint: &str,
    secret: &[u8],
) -> Result<ConversationAccepted, Error> {
    if seen.body_sha256 != fingerprint || seen.message_id.is_some() {
        return Err(Error::IdempotencyKeyReused);
    }
    let status = store::conversations::status(db, &seen.conversation_id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(accepted(
        &status.id,
        &status.reference,
        // A bot's held submission, sent again, still reads as queued.
        status.state().to_visitor(),
        secret,
    ))
}

/// The answer the first request with this key got, if this request is the same message.
pub async fn replay_message(
    db: &Db,
    seen: &IdempotencyRow,
    fingerprint: &str,
) -> Result<MessageAccepted, Error> {
    let Some(message_id) = seen
        .message_id
        .as_ref()
        .filter(|_| seen.body_sha256 == fingerprint)
    else {
        return Err(Error::IdempotencyKeyReused);
    };
    let state = store::deliveries::message_status(db, message_id)
        .await?
        .unwrap_or(DeliveryStatus::Queued);
    Ok(MessageAccepted {
        id: message_id.clone(),
        conversation_id: seen.conversation_id.clone(),
        status: state,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use porthole_shared::Submission;

    #[test]
    fn idempotency_keys_and_fingerprints() {
        assert!(is_idempotency_key("0f8fad5b-d9cb-469f-a165-70867728950e"));
        assert!(!is_idempotency_key(""));
        assert!(!is_idempotency_key("has space"));
        assert!(!is_idempotency_key(&"k".repeat(256)));
        let a = Submission {
            message: "hi".into(),
            ..Default::default()
        };
        let padded = Submission {
            message: "  hi \n".into(),
            ..Default::default()
        }
        .normalized();
        assert_eq!(fingerprint(&a), fingerprint(&padded));
        assert_ne!(
            fingerprint(&a),
            fingerprint(&Submission {
                message: "hi!".into(),
                ..Default::default()
            })
        );
    }
}
