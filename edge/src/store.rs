//! D1 access: one small function per question or change. SQL lives here and nowhere else.

use crate::error::Error;
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

#[derive(Debug, Clone, Deserialize)]
pub struct UploadRow {
    pub id: String,
    pub site: String,
    pub name: String,
    pub content_type: String,
    pub size: f64,
    pub sha256: Option<String>,
    pub r2_key: String,
    pub created_at: f64,
}

/// An upload as a submission sees it: whether some message already holds it.
#[derive(Debug, Clone, Deserialize)]
pub struct UploadClaim {
    pub id: String,
    pub site: String,
    pub claimed: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ConversationRow {
    pub id: String,
    pub site: String,
    pub reference: String,
    pub name: String,
    pub email: String,
    pub subject: String,
    pub fields_json: String,
    pub page_url: Option<String>,
    pub locale: Option<String>,
    pub created_at: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MessageRow {
    pub id: String,
    pub conversation_id: String,
    pub author: String,
    pub body: String,
    pub created_at: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AttachmentRow {
    pub message_id: String,
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub size: f64,
    pub sha256: Option<String>,
}

pub struct NewConversation<'a> {
    pub conversation: &'a ConversationRow,
    pub message: &'a MessageRow,
    pub attachments: &'a [String],
}

fn s(v: &str) -> JsValue {
    JsValue::from_str(v)
}

fn opt(v: Option<&str>) -> JsValue {
    v.map(JsValue::from_str).unwrap_or(JsValue::NULL)
}

fn n(v: f64) -> JsValue {
    JsValue::from_f64(v)
}

/// `?1, ?2, …` for an `IN (…)` list starting at `first`.
pub fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")
}

pub async fn insert_upload(db: &D1Database, u: &UploadRow) -> Result<(), Error> {
    db.prepare(
        "INSERT INTO uploads (id, site, name, content_type, size, sha256, r2_key, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .bind(&[s(&u.id), s(&u.site), s(&u.name), s(&u.content_type), n(u.size), opt(u.sha256.as_deref()), s(&u.r2_key), n(u.created_at)])?
    .run()
    .await?;
    Ok(())
}

pub async fn upload(db: &D1Database, id: &str) -> Result<Option<UploadRow>, Error> {
    Ok(db
        .prepare("SELECT id, site, name, content_type, size, sha256, r2_key, created_at FROM uploads WHERE id = ?1")
        .bind(&[s(id)])?
        .first::<UploadRow>(None)
        .await?)
}

pub async fn upload_claims(db: &D1Database, ids: &[String]) -> Result<Vec<UploadClaim>, Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT u.id, u.site, EXISTS (SELECT 1 FROM message_attachments m WHERE m.upload_id = u.id) AS claimed \
         FROM uploads u WHERE u.id IN ({})",
        placeholders(1, ids.len())
    );
    let binds: Vec<JsValue> = ids.iter().map(|id| s(id)).collect();
    Ok(db.prepare(sql).bind(&binds)?.all().await?.results::<UploadClaim>()?)
}

/// The conversation, its first message and the message's files, in one transaction.
pub fn create_conversation_statements(db: &D1Database, new: &NewConversation) -> Result<Vec<D1PreparedStatement>, Error> {
    let c = new.conversation;
    let m = new.message;
    let mut statements = vec![
        db.prepare(
            "INSERT INTO conversations (id, site, reference, name, email, subject, fields_json, page_url, locale, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .bind(&[
            s(&c.id),
            s(&c.site),
            s(&c.reference),
            s(&c.name),
            s(&c.email),
            s(&c.subject),
            s(&c.fields_json),
            opt(c.page_url.as_deref()),
            opt(c.locale.as_deref()),
            n(c.created_at),
        ])?,
        db.prepare("INSERT INTO messages (id, conversation_id, author, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5)")
            .bind(&[s(&m.id), s(&m.conversation_id), s(&m.author), s(&m.body), n(m.created_at)])?,
    ];
    for (position, upload_id) in new.attachments.iter().enumerate() {
        statements.push(
            db.prepare("INSERT INTO message_attachments (upload_id, message_id, position) VALUES (?1, ?2, ?3)")
                .bind(&[s(upload_id), s(&m.id), n(position as f64)])?,
        );
    }
    Ok(statements)
}

pub async fn conversations(db: &D1Database, site: Option<&str>, limit: u32) -> Result<Vec<ConversationRow>, Error> {
    let columns = "id, site, reference, name, email, subject, fields_json, page_url, locale, created_at";
    let statement = match site {
        Some(site) => db
            .prepare(format!("SELECT {columns} FROM conversations WHERE site = ?1 ORDER BY created_at DESC, id LIMIT ?2"))
            .bind(&[s(site), n(limit as f64)])?,
        None => db
            .prepare(format!("SELECT {columns} FROM conversations ORDER BY created_at DESC, id LIMIT ?1"))
            .bind(&[n(limit as f64)])?,
    };
    Ok(statement.all().await?.results::<ConversationRow>()?)
}

pub async fn messages(db: &D1Database, conversation_ids: &[String]) -> Result<Vec<MessageRow>, Error> {
    if conversation_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id, conversation_id, author, body, created_at FROM messages WHERE conversation_id IN ({}) ORDER BY created_at, id",
        placeholders(1, conversation_ids.len())
    );
    let binds: Vec<JsValue> = conversation_ids.iter().map(|id| s(id)).collect();
    Ok(db.prepare(sql).bind(&binds)?.all().await?.results::<MessageRow>()?)
}

pub async fn attachments(db: &D1Database, message_ids: &[String]) -> Result<Vec<AttachmentRow>, Error> {
    if message_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT m.message_id, u.id, u.name, u.content_type, u.size, u.sha256 \
         FROM message_attachments m JOIN uploads u ON u.id = m.upload_id \
         WHERE m.message_id IN ({}) ORDER BY m.message_id, m.position",
        placeholders(1, message_ids.len())
    );
    let binds: Vec<JsValue> = message_ids.iter().map(|id| s(id)).collect();
    Ok(db.prepare(sql).bind(&binds)?.all().await?.results::<AttachmentRow>()?)
}

#[derive(Debug, Deserialize)]
pub struct DeletedUpload {
    pub r2_key: String,
}

/// Deletes up to `batch` uploads older than `before` that no message holds, and returns their
/// R2 keys. Rows go first: a submission racing this can then only fail to find the file (a
/// clear 422), never end up holding a file whose bytes are gone.
pub async fn delete_unclaimed_uploads(db: &D1Database, before: f64, batch: u32) -> Result<Vec<DeletedUpload>, Error> {
    Ok(db
        .prepare(
            "DELETE FROM uploads WHERE id IN ( \
               SELECT u.id FROM uploads u \
               WHERE u.created_at < ?1 AND NOT EXISTS (SELECT 1 FROM message_attachments m WHERE m.upload_id = u.id) \
               LIMIT ?2) \
             RETURNING r2_key",
        )
        .bind(&[n(before), n(batch as f64)])?
        .all()
        .await?
        .results::<DeletedUpload>()?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_number_from_first() {
        assert_eq!(super::placeholders(1, 3), "?1, ?2, ?3");
        assert_eq!(super::placeholders(2, 1), "?2");
        assert_eq!(super::placeholders(1, 0), "");
    }
}
