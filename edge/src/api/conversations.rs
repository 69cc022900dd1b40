//! `POST /v1/sites/{site}/conversations`: a visitor's submission, stored with its files.

use crate::error::Error;
use crate::site::Site;
use crate::store::{
    self, Conflict, ConversationRow, Db, IdempotencyRow, MessageRow, NewConversation, NewDelivery,
};
use crate::{http, identity, ids, log, queue, rate_limit, token};
use porthole_shared::form::validate_form;
use porthole_shared::{ConversationAccepted, DeliveryStatus, Submission};
use sha2::{Digest, Sha256};
use worker::{Date, Env, Request, Response};

pub const HELD_BY_HONEYPOT: &str =
    "the form's hidden anti-spam field was filled in, as bots do; retry to deliver it";

/// Accepts a submission: `202` once the conversation, its message, its files and its delivery are
/// in D1. Delivery into the helpdesk happens later, from the queue.
pub async fn create(req: &mut Request, env: &Env, site: &Site) -> Result<Response, Error> {
    let key = idempotency_key(req)?;
    let submission = http::read_json::<Submission>(req).await?.normalized();
    let secret = token::secret(env)?;
    let db = Db::from_env(env)?;
    let fingerprint = fingerprint(&submission);
    // A repeated key is found by the insert below failing on the key's primary key, so that the
    // common case (a new key) costs no extra round trip. A replay would be refused here (its
    // files already belong to the first request's message), so a refusal looks for the key first.
    let fields: Vec<_> = site
        .config
        .widget
        .fields
        .iter()
        .map(|f| f.public("en"))
        .collect();
    let identity = submission
        .identity
        .as_ref()
        .map(|signature| identity::verify(env, &site.config, &submission.email, signature));
    let refused = match validate_form(&submission, &site.config.limits(), &fields) {
        Err(fields) => Some(Error::Validation(fields)),
        Ok(()) if identity.as_ref().is_some_and(Result::is_err) => identity.and_then(Result::err),
        Ok(()) => check_attachments(
            &store::uploads::claims(&db, &submission.attachments).await?,
            &submission.attachments,
            &site.id,
        )
        .err(),
    };
    if let Some(refusal) = refused {
        if let Some(key) = &key {
            if let Some(seen) = store::idempotency::find(&db, &site.id, key).await? {
                return replay(&db, &seen, &fingerprint, &secret).await;
            }
        }
        return Err(refusal);
    }

    let now = Date::now().as_millis() as f64;
    // A resend of a stored submission (its answer was lost) is answered, never refused.
    if let Err(limited) =
        rate_limit::take(&secret, &db, req, &site.id, &site.config.limits(), now).await
    {
        if let Some(key) = &key {
            if let Some(seen) = store::idempotency::find(&db, &site.id, key).await? {
                return replay(&db, &seen, &fingerprint, &secret).await;
            }
        }
        return Err(limited);
    }
    let id = ids::new_id();
    let mut conversation = ConversationRow {
        id: id.clone(),
        site: site.id.clone(),
        reference: ids::new_reference(),
        name: submission.name.clone(),
        email: submission.email.clone(),
        subject: subject_of(&submission),
        fields_json: serde_json::to_string(&submission.fields)
            .map_err(|e| Error::Internal(e.to_string()))?,
        page_url: submission.page_url.clone(),
        locale: submission.locale.clone(),
        verified: u8::from(submission.identity.is_some()),
        created_at: now,
    };
    let message = MessageRow {
        id: ids::new_id(),
        conversation_id: id.clone(),
        author: "visitor".into(),
        body: submission.message.clone(),
        created_at: now,
    };

    let delivery = NewDelivery {
        id: ids::new_id(),
        job: ids::new_id(),
        connector: site.config.connector.kind().to_string(),
        lease_until: now + site.delivery.lease_seconds as f64 * 1000.0,
        // Answered like any other, so a bot learns nothing; an operator sees it among the
        // failed deliveries and releases it with a retry if a person sent it after all.
        held: (!submission.honeypot.is_empty()).then(|| HELD_BY_HONEYPOT.to_string()),
    };
    let idempotency = key.as_ref().map(|key| IdempotencyRow {
        site: site.id.clone(),
        key: key.clone(),
        body_sha256: fingerprint.clone(),
        conversation_id: id.clone(),
        created_at: now,
        message_id: None,
    });

    // A reference is 40 random bits: a collision is rare, but it must not fail a visitor.
    let mut attempts = 0;
    loop {
        let new = NewConversation {
            conversation: &conversation,
            message: &message,
            attachments: &submission.attachments,
            delivery: &delivery,
            idempotency: idempotency.as_ref(),
        };
        match store::conversations::create(&db, &new).await {
            Ok(()) => break,
            Err(conflict) => {
                // Another request with the same key won a race, or this is a resend: answer as it
                // did, and count one message. Checked before the error's cause, which may be its
                // claim on the same files.
                if let Some(key) = &key {
                    if let Some(seen) = store::idempotency::find(&db, &site.id, key).await? {
                        rate_limit::give_back(&secret, &db, req, &site.id, now).await?;
                        return replay(&db, &seen, &fingerprint, &secret).await;
                    }
                }
                match conflict {
                    Conflict::ReferenceTaken(_) if attempts < 3 => {
                        attempts += 1;
                        conversation.reference = ids::new_reference();
                    }
                    // Another submission claimed a file first, or it was cleaned up meanwhile.
                    Conflict::AttachmentClaimed => return Err(Error::UnknownAttachment),
                    Conflict::ReferenceTaken(e) | Conflict::KeyExists(e) | Conflict::Other(e) => {
                        return Err(e)
                    }
                }
            }
        }
    }

    log::event(
        "conversation_accepted",
        serde_json::json!({"site": site.id, "conversation": id, "delivery": delivery.id, "attachments": submission.attachments.len()}),
    );
    // Stored is accepted: if the queue cannot be reached now, the sweeper enqueues it once the
    // delivery's lease runs out.
    if delivery.held.is_some() {
        log::event(
            "conversation_held",
            serde_json::json!({"site": site.id, "conversation": id, "delivery": delivery.id}),
        );
    } else if let Err(e) = queue::enqueue(env, &delivery.id, &delivery.job, 0).await {
        log::error("enqueue_failed", &format!("{}: {e:?}", delivery.id));
    }
    http::json(
        202,
        &accepted(
            &id,
            &conversation.reference,
            DeliveryStatus::Queued,
            &secret,
        ),
    )
}

fn accepted(
    id: &str,
    reference: &str,
    status: DeliveryStatus,
    secret: &[u8],
) -> ConversationAccepted {
    let expires_at = (Date::now().as_millis() / 1000) + token::LIFETIME_SECONDS;
    ConversationAccepted {
        id: id.to_string(),
        reference: reference.to_string(),
        status,
        status_url: format!("/v1/conversations/{id}/status"),
        visitor_token: token::sign(secret, id, expires_at),
    }
}

/// The answer the first request with this key got, if this request is the same submission.
async fn replay(
    db: &Db,
    seen: &IdempotencyRow,
    fingerprint: &str,
    secret: &[u8],
) -> Result<Response, Error> {
    if seen.body_sha256 != fingerprint || seen.message_id.is_some() {
        return Err(Error::IdempotencyKeyReused);
    }
    let status = store::conversations::status(db, &seen.conversation_id)
        .await?
        .ok_or(Error::NotFound)?;
    let state = DeliveryStatus::parse(&status.status).unwrap_or(DeliveryStatus::Queued);
    let mut response = http::json(202, &accepted(&status.id, &status.reference, state, secret))?;
    let _ = response.headers_mut().set("Idempotent-Replayed", "true");
    Ok(response)
}

/// `Idempotency-Key`: optional; when sent, 1 to 255 visible ASCII characters (a UUID is ideal).
pub fn idempotency_key(req: &Request) -> Result<Option<String>, Error> {
    match req.headers().get("Idempotency-Key").ok().flatten() {
        None => Ok(None),
        Some(key) if is_idempotency_key(&key) => Ok(Some(key)),
        Some(_) => Err(Error::InvalidIdempotencyKey),
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

/// Every referenced file must exist, belong to this site and not be part of a message yet.
pub fn check_attachments(
    found: &[store::UploadClaim],
    wanted: &[String],
    site: &str,
) -> Result<(), Error> {
    let ok = wanted.iter().all(|id| {
        found
            .iter()
            .any(|u| &u.id == id && u.site == site && u.claimed == 0.0)
    });
    if ok {
        Ok(())
    } else {
        Err(Error::UnknownAttachment)
    }
}

/// Helpdesks want a subject; a visitor who left it empty gets the message's first line.
pub fn subject_of(s: &Submission) -> String {
    if !s.subject.is_empty() {
        return s.subject.clone();
    }
    let first_line = s
        .message
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let mut subject: String = first_line.chars().take(80).collect();
    if first_line.chars().count() > 80 {
        subject.push('…');
    }
    subject
}

#[cfg(test)]
mod tests {
    use super::*;
    use store::UploadClaim;

    fn claim(id: &str, site: &str, claimed: bool) -> UploadClaim {
        UploadClaim {
            id: id.into(),
            site: site.into(),
            claimed: if claimed { 1.0 } else { 0.0 },
        }
    }

    #[test]
    fn attachments_must_be_this_sites_and_free() {
        let found = vec![
            claim("a", "demo", false),
            claim("b", "other", false),
            claim("c", "demo", true),
        ];
        assert!(check_attachments(&found, &["a".into()], "demo").is_ok());
        assert!(
            check_attachments(&found, &["b".into()], "demo").is_err(),
            "another site's upload"
        );
        assert!(
            check_attachments(&found, &["c".into()], "demo").is_err(),
            "already in a message"
        );
        assert!(
            check_attachments(&found, &["zzz".into()], "demo").is_err(),
            "unknown"
        );
        assert!(check_attachments(&found, &[], "demo").is_ok());
    }

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

    #[test]
    fn empty_subject_takes_the_first_line() {
        let s = Submission {
            message: "\n  My order is late  \nsecond".into(),
            ..Default::default()
        };
        assert_eq!(subject_of(&s), "My order is late");
        let long = Submission {
            message: "x".repeat(100),
            ..Default::default()
        };
        assert_eq!(subject_of(&long).chars().count(), 81);
        let given = Submission {
            subject: "Hi".into(),
            message: "body".into(),
            ..Default::default()
        };
        assert_eq!(subject_of(&given), "Hi");
    }
}
