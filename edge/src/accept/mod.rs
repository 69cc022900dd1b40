//! Accepting a visitor's message: the pipeline a first message (`POST /v1/sites/{site}/conversations`,
//! [`first_message`]) and a later one (`POST /v1/conversations/{id}/messages`, [`follow_up`])
//! share. Its steps, in order:
//!
//! 1. the rules (`rules`): fields, identity, then the files' claims;
//! 2. the rate limit (`rate_limit`);
//! 3. the store: the message, its files, its delivery and its idempotency key in one transaction
//!    (`store`), whose conflicts come back typed;
//! 4. the hand-over to the queue (`queue`): stored is accepted, and the sweeper enqueues what the
//!    queue did not take.
//!
//! A request refused at any step that resends a stored one under the same `Idempotency-Key` (its
//! answer was lost) gets the first answer again instead (`idempotency`), and counts once.
//!
//! Below `api` (which reads the request and writes the answer), above `store`; it never builds an
//! HTTP response.

pub mod agent;
pub mod idempotency;
pub mod rate_limit;
mod rules;

pub use idempotency::IdempotencyKey;

use crate::error::Error;
use crate::store::{
    self, Conflict, ConversationRow, Db, DeliveryState, IdempotencyRow, MessageRow,
    NewConversation, NewDelivery,
};
use crate::{ids, live, log, queue, token};
use porthole_shared::config::{DeliverySettings, SiteConfig};
use porthole_shared::{
    ConversationAccepted, DeliveryStatus, FollowUp, MessageAccepted, Submission, ThreadEvent,
};
use worker::{Date, Env};

pub const HELD_BY_HONEYPOT: &str =
    "the form's hidden anti-spam field was filled in, as bots do; retry to deliver it";

/// What a request is answered: its own acceptance, or for a resend the first request's again.
pub struct Accepted<T> {
    pub body: T,
    pub replayed: bool,
}

/// One visitor request on its way in: what every step needs.
pub struct Intake<'a> {
    pub env: &'a Env,
    pub db: &'a Db,
    /// The edge's token secret: it signs visitor tokens and keys the rate limit's hash.
    pub secret: &'a [u8],
    pub site_id: &'a str,
    pub site: &'a SiteConfig,
    pub delivery: &'a DeliverySettings,
    /// The visitor's address (`rate_limit::address`).
    pub address: String,
    pub key: Option<IdempotencyKey>,
}

/// A visitor's first message: a new conversation, `202` once it is in D1 with its files and its
/// delivery. Delivery into the helpdesk happens later, from the queue.
pub async fn first_message(
    intake: &Intake<'_>,
    submission: &Submission,
) -> Result<Accepted<ConversationAccepted>, Error> {
    let fingerprint = idempotency::fingerprint(submission);
    let replay = async |seen: IdempotencyRow| {
        idempotency::replay_conversation(intake.db, &seen, &fingerprint, intake.secret).await
    };
    let rules = rules::first_message(intake.env, intake.site, submission);
    let now = match intake.admit(rules, &submission.attachments).await? {
        Ok(now) => now,
        Err(refusal) => return intake.resend_or(refusal, replay).await,
    };
    let id = ids::new_id();
    let mut conversation = ConversationRow {
        id: id.clone(),
        site: intake.site_id.to_string(),
        reference: ids::new_reference(),
        name: submission.name.clone(),
        email: submission.email.clone(),
        subject: subject_of(submission),
        fields_json: serde_json::to_string(&submission.fields)
            .map_err(|e| Error::Internal(e.to_string()))?,
        page_url: submission.page_url.clone(),
        locale: submission.locale.clone(),
        verified: submission.identity.is_some(),
        created_at: now,
    };
    let message = visitor_message(&id, &submission.message, now);
    // Answered like any other, so a bot learns nothing; an operator sees it among the failed
    // deliveries and releases it with a retry if a person sent it after all.
    let held = (!submission.honeypot.is_empty()).then(|| HELD_BY_HONEYPOT.to_string());
    let delivery = intake.new_delivery(now, held);
    let key = intake.key_row(&fingerprint, &id, None, now);

    // A reference is 40 random bits: a collision is rare, but it must not fail a visitor.
    let mut attempts = 0;
    loop {
        let new = NewConversation {
            conversation: &conversation,
            message: &message,
            attachments: &submission.attachments,
            delivery: &delivery,
            idempotency: key.as_ref(),
        };
        let Err(conflict) = store::conversations::create(intake.db, &new).await else {
            break;
        };
        if let Some(resent) = intake.resent_after(now, &replay).await? {
            return Ok(resent);
        }
        match conflict {
            Conflict::ReferenceTaken(_) if attempts < 3 => {
                attempts += 1;
                conversation.reference = ids::new_reference();
            }
            other => return Err(refusal(other)),
        }
    }

    log::event(
        "conversation_accepted",
        serde_json::json!({"site": intake.site_id, "conversation": id, "delivery": delivery.id, "attachments": submission.attachments.len()}),
    );
    if delivery.state() == DeliveryState::Held {
        log::event(
            "conversation_held",
            serde_json::json!({"site": intake.site_id, "conversation": id, "delivery": delivery.id}),
        );
    } else {
        hand_over(intake.env, &delivery).await;
    }
    Ok(Accepted {
        body: accepted(
            &id,
            &conversation.reference,
            DeliveryStatus::Queued,
            intake.secret,
        ),
        replayed: false,
    })
}

/// A visitor's later message in its conversation (chat), `202` once it is in D1 with its files
/// and a delivery of its own, which continues the conversation in the helpdesk once the first
/// message is there.
pub async fn follow_up(
    intake: &Intake<'_>,
    conversation_id: &str,
    follow_up: &FollowUp,
) -> Result<Accepted<MessageAccepted>, Error> {
    // The same body to another conversation is another message.
    let fingerprint = idempotency::fingerprint(&(conversation_id, follow_up));
    let replay = async |seen: IdempotencyRow| {
        idempotency::replay_message(intake.db, &seen, &fingerprint).await
    };
    let rules = rules::follow_up(intake.site, follow_up);
    let now = match intake.admit(rules, &follow_up.attachments).await? {
        Ok(now) => now,
        Err(refusal) => return intake.resend_or(refusal, replay).await,
    };
    let message = visitor_message(conversation_id, &follow_up.message, now);
    let reopened = MessageRow {
        body: String::new(),
        event: Some(ThreadEvent::Reopened),
        ..visitor_message(conversation_id, "", now)
    };
    let delivery = intake.new_delivery(now, None);
    let key = intake.key_row(&fingerprint, conversation_id, Some(&message.id), now);
    let stored = store::messages::add(
        intake.db,
        intake.site_id,
        &message,
        &reopened,
        &follow_up.attachments,
        &delivery,
        key.as_ref(),
    )
    .await;
    if let Err(conflict) = stored {
        if let Some(resent) = intake.resent_after(now, &replay).await? {
            return Ok(resent);
        }
        return Err(refusal(conflict));
    }
    log::event(
        "message_accepted",
        serde_json::json!({"site": intake.site_id, "conversation": conversation_id, "delivery": delivery.id}),
    );
    hand_over(intake.env, &delivery).await;
    // The visitor's other tabs show it; nobody could be connected before a first message.
    live::publish(intake.env, conversation_id).await;
    Ok(Accepted {
        body: MessageAccepted {
            id: message.id,
            conversation_id: conversation_id.to_string(),
            status: DeliveryStatus::Queued,
        },
        replayed: false,
    })
}

impl Intake<'_> {
    /// Steps 1 and 2: the rules' verdict, then the files' claims, then the rate limit. `Ok(Err)`
    /// is a refusal (which a resend overrides); the time it was admitted otherwise.
    async fn admit(
        &self,
        rules: Result<(), Error>,
        attachments: &[String],
    ) -> Result<Result<i64, Error>, Error> {
        let refused = match rules {
            Err(refusal) => Some(refusal),
            Ok(()) => rules::check_attachments(
                &store::uploads::claims(self.db, attachments).await?,
                attachments,
                self.site_id,
            )
            .err(),
        };
        if let Some(refusal) = refused {
            return Ok(Err(refusal));
        }
        let now = Date::now().as_millis() as i64;
        // A resend of a stored message (its answer was lost) is answered, never refused.
        let limited = rate_limit::take(
            self.secret,
            self.db,
            &self.address,
            self.site_id,
            &self.site.limits(),
            now,
        )
        .await;
        Ok(limited.map(|()| now))
    }

    /// The key's first answer, if this request sent a key that is stored; `refusal` otherwise. A
    /// repeated key is only looked for once something refuses the request, so that the common
    /// case (a new key) costs no extra round trip; a resend would be refused (its files already
    /// belong to the first request's message), so a refusal looks for the key first.
    async fn resend_or<T>(
        &self,
        refusal: Error,
        replay: impl AsyncFnOnce(IdempotencyRow) -> Result<T, Error>,
    ) -> Result<Accepted<T>, Error> {
        match self.seen().await? {
            Some(seen) => Ok(Accepted {
                body: replay(seen).await?,
                replayed: true,
            }),
            None => Err(refusal),
        }
    }

    /// After the store refused the transaction: another request with the same key won a race, or
    /// this is a resend. Then it is answered as that one was, and counted once: the place this
    /// request took at `now` is given back. Looked for before the conflict's cause, which may be
    /// the first request's claim on the same files.
    async fn resent_after<T>(
        &self,
        now: i64,
        replay: &impl AsyncFn(IdempotencyRow) -> Result<T, Error>,
    ) -> Result<Option<Accepted<T>>, Error> {
        let Some(seen) = self.seen().await? else {
            return Ok(None);
        };
        rate_limit::give_back(self.secret, self.db, &self.address, self.site_id, now).await?;
        Ok(Some(Accepted {
            body: replay(seen).await?,
            replayed: true,
        }))
    }

    /// The stored key this request sent, if it sent one that is stored.
    async fn seen(&self) -> Result<Option<IdempotencyRow>, Error> {
        match &self.key {
            Some(key) => store::idempotency::find(self.db, self.site_id, key.as_str()).await,
            None => Ok(None),
        }
    }

    /// The message's delivery: its queue owns it until its lease runs out, then the sweeper.
    fn new_delivery(&self, now: i64, held: Option<String>) -> NewDelivery {
        NewDelivery {
            id: ids::new_id(),
            job: ids::new_id(),
            connector: self.site.connector.kind().to_string(),
            lease_until: now + i64::from(self.delivery.lease_seconds) * 1000,
            held,
        }
    }

    /// The key's row, stored with the message it came with.
    fn key_row(
        &self,
        fingerprint: &str,
        conversation_id: &str,
        message_id: Option<&str>,
        now: i64,
    ) -> Option<IdempotencyRow> {
        self.key.as_ref().map(|key| IdempotencyRow {
            site: self.site_id.to_string(),
            key: key.as_str().to_string(),
            body_sha256: fingerprint.to_string(),
            conversation_id: conversation_id.to_string(),
            created_at: now,
            message_id: message_id.map(str::to_string),
        })
    }
}

/// The site a conversation belongs to: its id, its settings and the delivery settings. A site
/// since removed from porthole.toml is `SiteNotFound`.
pub async fn conversation_site(
    env: &Env,
    db: &Db,
    conversation_id: &str,
) -> Result<(String, SiteConfig, DeliverySettings), Error> {
    let site_id = store::conversations::site_of(db, conversation_id)
        .await?
        .ok_or(Error::NotFound)?;
    let config = crate::config::load(env)?;
    match config.sites.get(&site_id) {
        Some(site) => Ok((site_id.clone(), site.clone(), config.delivery.clone())),
        None => Err(Error::SiteNotFound(site_id)),
    }
}

/// A conflict that is not a resend, as the visitor hears it.
fn refusal(conflict: Conflict) -> Error {
    match conflict {
        // Another submission claimed a file first, or it was cleaned up meanwhile.
        Conflict::AttachmentClaimed => Error::UnknownAttachment,
        Conflict::ReferenceTaken(e) | Conflict::KeyExists(e) | Conflict::Other(e) => e,
    }
}

fn visitor_message(conversation_id: &str, body: &str, now: i64) -> MessageRow {
    MessageRow {
        id: ids::new_id(),
        conversation_id: conversation_id.to_string(),
        author: store::Author::Visitor,
        body: body.to_string(),
        created_at: now,
        author_name: None,
        event: None,
    }
}

/// Step 4. Stored is accepted: if the queue cannot be reached now, the sweeper enqueues the
/// delivery once its lease runs out.
async fn hand_over(env: &Env, delivery: &NewDelivery) {
    if let Err(e) = queue::enqueue(env, &delivery.id, &delivery.job, 0).await {
        log::error("enqueue_failed", &format!("{}: {e:?}", delivery.id));
    }
}

/// A new conversation's answer, with a fresh visitor token.
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
