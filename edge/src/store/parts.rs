//! Files being sent in parts (`api/multipart.rs`): the upload and the parts stored so far.

use super::uploads::{upload_statement, UploadRow};
use super::{int, s, Db};
use crate::error::Error;
use serde::Deserialize;

/// A file being sent in parts (`multipart.rs`).
#[derive(Debug, Clone, Deserialize)]
pub struct PartsUploadRow {
    pub id: String,
    pub site: String,
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub r2_key: String,
    pub r2_upload_id: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PartRow {
    pub number: u32,
    pub etag: String,
}

pub async fn insert(db: &Db, u: &PartsUploadRow) -> Result<(), Error> {
    db.prepare(
        "INSERT INTO parts_uploads (id, site, name, content_type, size, r2_key, r2_upload_id, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .bind(&[
        s(&u.id),
        s(&u.site),
        s(&u.name),
        s(&u.content_type),
        int(u.size as i64),
        s(&u.r2_key),
        s(&u.r2_upload_id),
        int(u.created_at),
    ])?
    .run()
    .await?;
    Ok(())
}

pub async fn find(db: &Db, id: &str) -> Result<Option<PartsUploadRow>, Error> {
    Ok(db
        .prepare("SELECT id, site, name, content_type, size, r2_key, r2_upload_id, created_at FROM parts_uploads WHERE id = ?1")
        .bind(&[s(id)])?
        .first::<PartsUploadRow>(None)
        .await?)
}

/// The parts stored so far, by number.
pub async fn stored(db: &Db, upload_id: &str) -> Result<Vec<PartRow>, Error> {
    Ok(db
        .prepare("SELECT number, etag FROM upload_parts WHERE upload_id = ?1 ORDER BY number")
        .bind(&[s(upload_id)])?
        .all()
        .await?
        .results::<PartRow>()?)
}

pub async fn save(db: &Db, upload_id: &str, number: u64, etag: &str) -> Result<(), Error> {
    db.prepare("INSERT OR REPLACE INTO upload_parts (upload_id, number, etag) VALUES (?1, ?2, ?3)")
        .bind(&[s(upload_id), int(number as i64), s(etag)])?
        .run()
        .await?;
    Ok(())
}

/// The completed file becomes an upload like any other, in one transaction with forgetting its
/// parts. `OR IGNORE`: a completion repeated after a lost answer records it once.
pub async fn finish(db: &Db, u: &UploadRow) -> Result<(), Error> {
    db.batch(vec![
        upload_statement(db, u, "INSERT OR IGNORE")?,
        db.prepare("DELETE FROM upload_parts WHERE upload_id = ?1")
            .bind(&[s(&u.id)])?,
        db.prepare("DELETE FROM parts_uploads WHERE id = ?1")
            .bind(&[s(&u.id)])?,
    ])
    .await?;
    Ok(())
}

/// Forgets up to `batch` files started in parts before `before` and never completed, and
/// returns them so that their R2 uploads can be aborted.
pub async fn delete_stale(db: &Db, before: i64, batch: u32) -> Result<Vec<PartsUploadRow>, Error> {
    let stale = db
        .prepare(
            "DELETE FROM parts_uploads WHERE id IN ( \
               SELECT id FROM parts_uploads WHERE created_at < ?1 LIMIT ?2) \
             RETURNING id, site, name, content_type, size, r2_key, r2_upload_id, created_at",
        )
        .bind(&[int(before), int(batch.into())])?
        .all()
        .await?
        .results::<PartsUploadRow>()?;
    // Also parts a request stored while its upload was being forgotten.
    db.prepare("DELETE FROM upload_parts WHERE upload_id NOT IN (SELECT id FROM parts_uploads)")
        .run()
        .await?;
    Ok(stale)
}
