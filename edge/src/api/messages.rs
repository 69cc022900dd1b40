//! `POST /v1/conversations/{id}/messages`: a visitor's later message in its conversation (chat),
//! with the conversation's visitor token. Stored with its files and a delivery of its own, which
//! continues the conversation in the helpdesk once the first message is there.

use super::conversations::{check_attachments, fingerprint, idempotency_key};
use crate::error::Error;
use crate::store::{self, Conflict, Db, IdempotencyRow, MessageRow, NewDelivery};
use crate::{auth, config, http, ids, log, queue, rate_limit};
use porthole_shared::{validate_follow_up, DeliveryStatus, FollowUp, MessageAccepted};
use worker::{Date, Env, Request, Response};

pub async fn create(
    req: &mut Request,
    env: &Env,
    conversation_id: &str,
) -> Result<Response, Error> {
    auth::require_visitor(req, env, conversation_id)?;
    let key = idempotency_key(req)?;
    let follow_up = http::read_json::<FollowUp>(req).await?.normalized();
    let db = Db::from_env(env)?;
    let site_id = store::conversations::site_of(&db, conversation_id)
        .await?
        .ok_or(Error::NotFound)?;
    let config = config::load(env)?;
    let site = config
        .sites
        .get(&site_id)
        .ok_or_else(|| Error::SiteNotFound(site_id.clone()))?;
    // The same body to another conversation is another message.
    let fingerprint = fingerprint(&(conversation_id, &follow_up));

    let refused = match validate_follow_up(&follow_up, &site.limits()) {
        Err(fields) => Some(Error::Validation(fields)),
        Ok(()) => check_attachments(
            &store::uploads::claims(&db, &follow_up.attachments).await?,
            &follow_up.attachments,
            &site_id,
        )
        .err(),
    };
    if let Some(refusal) = refused {
        if let Some(seen) = seen_key(&db, &site_id, key.as_deref()).await? {
            return replay(&db, &seen, &fingerprint).await;
        }
        return Err(refusal);
    }

    let now = Date::now().as_millis() as f64;
    let secret = crate::token::secret(env)?;
    if let Err(limited) = rate_limit::take(&secret, &db, req, &site_id, &site.limits(), now).await {
        if let Some(seen) = seen_key(&db, &site_id, key.as_deref()).await? {
            return replay(&db, &seen, &fingerprint).await;
        }
        return Err(limited);
    }
    let message = MessageRow {
        id: ids::new_id(),
        conversation_id: conversation_id.to_string(),
        author: "visitor".into(),
        body: follow_up.message.clone(),
        created_at: now,
    };
    let delivery = NewDelivery {
        id: ids::new_id(),
        job: ids::new_id(),
        connector: site.connector.kind().to_string(),
        lease_until: now + config.delivery.lease_seconds as f64 * 1000.0,
        held: None,
    };
    let idempotency = key.as_ref().map(|key| IdempotencyRow {
        site: site_id.clone(),
        key: key.clone(),
        body_sha256: fingerprint.clone(),
        conversation_id: conversation_id.to_string(),
        created_at: now,
        message_id: Some(message.id.clone()),
    });
    let stored = store::messages::add(
        &db,
        &site_id,
        &message,
        &follow_up.attachments,
        &delivery,
        idempotency.as_ref(),
    )
    .await;
    if let Err(conflict) = stored {
        // A request with the same key won a race, or this is a resend: answer as it did, and
        // count one message.
        if let Some(seen) = seen_key(&db, &site_id, key.as_deref()).await? {
            rate_limit::give_back(&secret, &db, req, &site_id, now).await?;
            return replay(&db, &seen, &fingerprint).await;
        }
        return Err(match conflict {
            Conflict::AttachmentClaimed => Error::UnknownAttachment,
            Conflict::ReferenceTaken(e) | Conflict::KeyExists(e) | Conflict::Other(e) => e,
        });
    }
    log::event(
        "message_accepted",
        serde_json::json!({"site": site_id, "conversation": conversation_id, "delivery": delivery.id}),
    );
    if let Err(e) = queue::enqueue(env, &delivery.id, &delivery.job, 0).await {
        log::error("enqueue_failed", &format!("{}: {e:?}", delivery.id));
    }
    http::json(
        202,
        &MessageAccepted {
            id: message.id,
            conversation_id: conversation_id.to_string(),
            status: DeliveryStatus::Queued,
        },
    )
}

async fn seen_key(db: &Db, site: &str, key: Option<&str>) -> Result<Option<IdempotencyRow>, Error> {
    match key {
        Some(key) => store::idempotency::find(db, site, key).await,
        None => Ok(None),
    }
}

/// The answer the first request with this key got, if this request is the same message.
async fn replay(db: &Db, seen: &IdempotencyRow, fingerprint: &str) -> Result<Response, Error> {
    let Some(message_id) = seen
        .message_id
        .as_ref()
        .filter(|_| seen.body_sha256 == fingerprint)
    else {
        return Err(Error::IdempotencyKeyReused);
    };
    let state = store::deliveries::message_status(db, message_id)
        .await?
        .and_then(|s| DeliveryStatus::parse(&s))
        .unwrap_or(DeliveryStatus::Queued);
    let mut response = http::json(
        202,
        &MessageAccepted {
            id: message_id.clone(),
            conversation_id: seen.conversation_id.clone(),
            status: state,
        },
    )?;
    let _ = response.headers_mut().set("Idempotent-Replayed", "true");
    Ok(response)
}
