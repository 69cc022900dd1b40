//! Uploads: files stored in R2 and recorded here, claimed by the message that attaches them.

use super::{de_flag, int, opt, placeholders, s, Db};
use crate::error::Error;
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::D1PreparedStatement;

#[derive(Debug, Clone, Deserialize)]
pub struct UploadRow {
    pub id: String,
    pub site: String,
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: Option<String>,
    pub r2_key: String,
    pub created_at: i64,
}

/// An upload as a submission sees it: whether some message already holds it.
#[derive(Debug, Clone, Deserialize)]
pub struct UploadClaim {
    pub id: String,
    pub site: String,
    #[serde(deserialize_with = "de_flag")]
    pub claimed: bool,
}

pub async fn insert(db: &Db, u: &UploadRow) -> Result<(), Error> {
    upload_statement(db, u, "INSERT")?.run().await?;
    Ok(())
}

/// An upload's row, written with `verb` (`INSERT`, or `INSERT OR IGNORE` when it may be there).
pub(super) fn upload_statement(
    db: &Db,
    u: &UploadRow,
    verb: &str,
) -> Result<D1PreparedStatement, Error> {
    Ok(db
        .prepare(format!(
            "{verb} INTO uploads (id, site, name, content_type, size, sha256, r2_key, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        ))
        .bind(&[
            s(&u.id),
            s(&u.site),
            s(&u.name),
            s(&u.content_type),
            int(u.size as i64),
            opt(u.sha256.as_deref()),
            s(&u.r2_key),
            int(u.created_at),
        ])?)
}

pub async fn find(db: &Db, id: &str) -> Result<Option<UploadRow>, Error> {
    Ok(db
        .prepare("SELECT id, site, name, content_type, size, sha256, r2_key, created_at FROM uploads WHERE id = ?1")
        .bind(&[s(id)])?
        .first::<UploadRow>(None)
        .await?)
}

pub async fn claims(db: &Db, ids: &[String]) -> Result<Vec<UploadClaim>, Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT u.id, u.site, EXISTS (SELECT 1 FROM message_attachments m WHERE m.upload_id = u.id) AS claimed \
         FROM uploads u WHERE u.id IN ({})",
        placeholders(1, ids.len())
    );
    let binds: Vec<JsValue> = ids.iter().map(|id| s(id)).collect();
    Ok(db
        .prepare(sql)
        .bind(&binds)?
        .all()
        .await?
        .results::<UploadClaim>()?)
}

#[derive(Debug, Deserialize)]
pub struct DeletedUpload {
    pub r2_key: String,
}

/// Deletes up to `batch` uploads older than `before` that no message holds, and returns their
/// R2 keys. Rows go first: a submission racing this can then only fail to find the file (a
/// clear 422), never end up holding a file whose bytes are gone.
pub async fn delete_unclaimed(
    db: &Db,
    before: i64,
    batch: u32,
) -> Result<Vec<DeletedUpload>, Error> {
    Ok(db
        .prepare(
            "DELETE FROM uploads WHERE id IN ( \
               SELECT u.id FROM uploads u \
               WHERE u.created_at < ?1 AND NOT EXISTS (SELECT 1 FROM message_attachments m WHERE m.upload_id = u.id) \
               LIMIT ?2) \
             RETURNING r2_key",
        )
        .bind(&[int(before), int(batch.into())])?
        .all()
        .await?
        .results::<DeletedUpload>()?)
}
