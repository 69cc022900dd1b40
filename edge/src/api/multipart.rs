//! Files sent in parts with R2 multipart upload: larger than one request may carry (a Worker's
//! body stops at 100 MB), and resumable after a dropped connection, since each stored part is
//! recorded and can be asked for. The protocol is described on [`PartsUpload`].

use crate::error::Error;
use crate::site::Site;
use crate::store::{self, Db, PartsUploadRow, UploadRow};
use crate::{http, ids, log};
use porthole_shared::limits::{part_count, part_len, PART_BYTES};
use porthole_shared::{validate_upload, PartsUpload, UploadMeta, UploadResult};
use worker::{Bucket, Data, Date, Env, HttpMetadata, Request, Response, UploadedPart};

/// `POST /v1/sites/{site}/multipart`: checks the file's name, size and type, and opens its upload.
pub async fn start(req: &mut Request, env: &Env, site: &Site) -> Result<Response, Error> {
    let limits = site.config.limits();
    let meta: UploadMeta = http::read_json(req).await?;
    validate_upload(&meta, &limits)
        .map_err(|fields| Error::from_upload_errors(fields, limits.file_bytes))?;

    let id = ids::new_id();
    let r2_key = format!("uploads/{}/{}", site.id, id);
    let bucket = env.bucket("FILES")?;
    let upload = bucket
        .create_multipart_upload(&r2_key)
        .http_metadata(HttpMetadata {
            content_type: Some(meta.content_type.clone()),
            ..Default::default()
        })
        .execute()
        .await?;
    let row = PartsUploadRow {
        id,
        site: site.id.clone(),
        name: meta.name,
        content_type: meta.content_type,
        size: meta.size,
        r2_key,
        r2_upload_id: upload.upload_id().await,
        created_at: Date::now().as_millis() as i64,
    };
    if let Err(e) = store::parts::insert(&Db::from_env(env)?, &row).await {
        // Nothing half-done: an upload no row knows of would never be aborted.
        let _ = upload.abort().await;
        return Err(e);
    }
    log::event(
        "parts_upload_started",
        serde_json::json!({"site": site.id, "upload": row.id, "size": meta.size}),
    );
    http::json(201, &session(&row, Vec::new()))
}

/// `GET /v1/sites/{site}/multipart/{id}`: which parts have arrived.
pub async fn get(env: &Env, site: &Site, id: &str) -> Result<Response, Error> {
    let db = Db::from_env(env)?;
    let row = find(&db, site, id).await?;
    let done = store::parts::stored(&db, id)
        .await?
        .into_iter()
        .map(|p| u64::from(p.number))
        .collect();
    http::json(200, &session(&row, done))
}

/// `PUT /v1/sites/{site}/multipart/{id}/parts/{number}`: one part, streamed into R2. Sending a
/// part again replaces it, so a part whose answer was lost is simply sent again.
pub async fn put_part(
    req: &mut Request,
    env: &Env,
    site: &Site,
    id: &str,
    number: &str,
) -> Result<Response, Error> {
    let db = Db::from_env(env)?;
    let row = find(&db, site, id).await?;
    let size = row.size;
    let number: u64 = number.parse().map_err(|_| Error::NotFound)?;
    let expected = part_len(size, number).ok_or(Error::NotFound)?;
    let declared = http::content_length(req).ok_or(Error::LengthRequired)?;
    if declared != expected {
        return Err(Error::InvalidPart { number, expected });
    }
    let body = req.inner().body().ok_or(Error::LengthRequired)?;
    let bucket = env.bucket("FILES")?;
    let part = bucket
        .resume_multipart_upload(&row.r2_key, &row.r2_upload_id)?
        .upload_part(number as u16, Data::ReadableStream(body))
        .await
        .map_err(|e| Error::Internal(format!("R2 upload part {number}: {e}")))?;
    store::parts::save(&db, id, number, &part.etag()).await?;
    http::json(200, &serde_json::json!({ "part": number }))
}

/// `POST /v1/sites/{site}/multipart/{id}/complete`: joins the parts into the stored file, which
/// a submission then attaches by this id like any other upload. Completing again answers the
/// same file.
pub async fn complete(env: &Env, site: &Site, id: &str) -> Result<Response, Error> {
    let db = Db::from_env(env)?;
    if let Some(done) = store::uploads::find(&db, id).await? {
        if done.site == site.id {
            return http::json(201, &result(&done));
        }
    }
    let row = find(&db, site, id).await?;
    let parts = store::parts::stored(&db, id).await?;
    let missing = missing_parts(row.size, parts.iter().map(|p| u64::from(p.number)));
    if !missing.is_empty() {
        return Err(Error::PartsMissing(missing));
    }
    let bucket = env.bucket("FILES")?;
    let uploaded = parts
        .into_iter()
        .map(|p| UploadedPart::new(p.number as u16, p.etag));
    let joined = bucket
        .resume_multipart_upload(&row.r2_key, &row.r2_upload_id)?
        .complete(uploaded)
        .await;
    if let Err(e) = joined {
        // A completion whose recording failed before: R2 has the file, the upload is gone.
        if !stored_whole(&bucket, &row).await {
            return Err(Error::Internal(format!("R2 complete: {e}")));
        }
    }
    let upload = UploadRow {
        id: row.id,
        site: row.site,
        name: row.name,
        content_type: row.content_type,
        size: row.size,
        sha256: None,
        r2_key: row.r2_key,
        created_at: Date::now().as_millis() as i64,
    };
    store::parts::finish(&db, &upload).await?;
    log::event(
        "upload_stored",
        serde_json::json!({"site": site.id, "upload": upload.id, "size": upload.size, "in_parts": true}),
    );
    http::json(201, &result(&upload))
}

/// The site's upload in parts, or not found: another site's id is as unknown as a made-up one.
async fn find(db: &Db, site: &Site, id: &str) -> Result<PartsUploadRow, Error> {
    store::parts::find(db, id)
        .await?
        .filter(|row| row.site == site.id)
        .ok_or(Error::NotFound)
}

async fn stored_whole(bucket: &Bucket, row: &PartsUploadRow) -> bool {
    matches!(bucket.head(&row.r2_key).await, Ok(Some(object)) if object.size() == row.size)
}

fn session(row: &PartsUploadRow, done: Vec<u64>) -> PartsUpload {
    PartsUpload {
        id: row.id.clone(),
        part_bytes: PART_BYTES,
        parts: part_count(row.size),
        done,
    }
}

fn result(row: &UploadRow) -> UploadResult {
    UploadResult {
        id: row.id.clone(),
        name: row.name.clone(),
        size: row.size,
        content_type: row.content_type.clone(),
    }
}

/// The part numbers a file of `size` bytes needs that are not among `done`.
pub fn missing_parts(size: u64, done: impl Iterator<Item = u64>) -> Vec<u64> {
    let done: std::collections::BTreeSet<u64> = done.collect();
    (1..=part_count(size))
        .filter(|n| !done.contains(n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_parts_are_named_in_order() {
        let size = 3 * PART_BYTES + 1;
        assert_eq!(missing_parts(size, [2, 4].into_iter()), vec![1, 3]);
        assert!(missing_parts(size, 1..=4).is_empty());
        assert_eq!(missing_parts(1, std::iter::empty()), vec![1]);
    }
}
