//! Idempotency keys: which conversation or message a key was first sent with, and the body's
//! fingerprint (`accept::idempotency`). Kept for 48 hours.

use super::{int, opt, s, Db};
use crate::error::Error;
use serde::Deserialize;
use worker::D1PreparedStatement;

#[derive(Debug, Clone, Deserialize)]
pub struct IdempotencyRow {
    pub site: String,
    pub key: String,
    pub body_sha256: String,
    pub conversation_id: String,
    pub created_at: i64,
    /// Set when the key was sent with a later message rather than a new conversation.
    #[serde(default)]
    pub message_id: Option<String>,
}

pub async fn find(db: &Db, site: &str, key: &str) -> Result<Option<IdempotencyRow>, Error> {
    Ok(db
        .prepare("SELECT site, key, body_sha256, conversation_id, created_at, message_id FROM idempotency_keys WHERE site = ?1 AND key = ?2")
        .bind(&[s(site), s(key)])?
        .first::<IdempotencyRow>(None)
        .await?)
}

/// The key, written with the message it came with.
pub(super) fn insert_statement(db: &Db, k: &IdempotencyRow) -> Result<D1PreparedStatement, Error> {
    Ok(db
        .prepare("INSERT INTO idempotency_keys (site, key, body_sha256, conversation_id, created_at, message_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .bind(&[s(&k.site), s(&k.key), s(&k.body_sha256), s(&k.conversation_id), int(k.created_at), opt(k.message_id.as_deref())])?)
}

pub async fn delete_before(db: &Db, before: i64) -> Result<(), Error> {
    db.prepare("DELETE FROM idempotency_keys WHERE created_at < ?1")
        .bind(&[int(before)])?
        .run()
        .await?;
    Ok(())
}
