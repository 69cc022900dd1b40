//! The scheduled clean-up: files uploaded but never sent with a conversation are deleted after
//! `PORTHOLE_UPLOAD_TTL_SECONDS` (default 24 hours), and so are files sent in parts but never
//! completed.

use crate::error::Error;
use crate::log;
use crate::store::{self, Db};
use worker::{Date, Env};

const DEFAULT_TTL_SECONDS: f64 = 24.0 * 3600.0;
const BATCH: u32 = 500;

pub async fn delete_unclaimed_uploads(env: &Env) {
    let ttl = env
        .var("PORTHOLE_UPLOAD_TTL_SECONDS")
        .ok()
        .and_then(|v| v.to_string().parse::<f64>().ok())
        .unwrap_or(DEFAULT_TTL_SECONDS);
    // The first whole millisecond not before the cut: `created_at < before` as with the cut.
    let before = (Date::now().as_millis() as f64 - ttl * 1000.0).ceil() as i64;
    match run(env, before).await {
        Ok(count) => log::event("uploads_cleaned", serde_json::json!({"deleted": count})),
        Err(e) => log::error("uploads_cleanup_failed", &e.to_string()),
    }
    // Files started in parts and never completed, on the same clock.
    match forget_stale_parts_uploads(env, before).await {
        Ok(0) => {}
        Ok(count) => log::event(
            "parts_uploads_aborted",
            serde_json::json!({"aborted": count}),
        ),
        Err(e) => log::error("parts_uploads_cleanup_failed", &e.to_string()),
    }
}

async fn run(env: &Env, before: i64) -> Result<usize, Error> {
    let db = Db::from_env(env)?;
    let bucket = env.bucket("FILES")?;
    let mut total = 0;
    loop {
        let deleted = store::uploads::delete_unclaimed(&db, before, BATCH).await?;
        if deleted.is_empty() {
            return Ok(total);
        }
        total += deleted.len();
        let keys: Vec<String> = deleted.into_iter().map(|d| d.r2_key).collect();
        bucket.delete_multiple(keys).await?;
    }
}

/// Aborts the R2 uploads of files started in parts before `before` (Unix ms) and never
/// completed, and forgets them.
async fn forget_stale_parts_uploads(env: &Env, before: i64) -> Result<usize, Error> {
    let db = Db::from_env(env)?;
    let bucket = env.bucket("FILES")?;
    let mut total = 0;
    loop {
        let stale = store::parts::delete_stale(&db, before, 100).await?;
        if stale.is_empty() {
            return Ok(total);
        }
        total += stale.len();
        for row in stale {
            if let Ok(upload) = bucket.resume_multipart_upload(&row.r2_key, &row.r2_upload_id) {
                // Already aborted or completed: nothing left to free.
                let _ = upload.abort().await;
            }
        }
    }
}

/// Counts of hours that have ended.
pub async fn forget_old_rate_limits(env: &Env) {
    let result = match Db::from_env(env) {
        Ok(db) => crate::accept::rate_limit::forget_old(&db, Date::now().as_millis() as i64).await,
        Err(e) => Err(e),
    };
    if let Err(e) = result {
        log::error("rate_limit_cleanup_failed", &format!("{e:?}"));
    }
}

/// Idempotency keys are promised for 24 hours; they are kept for 48.
pub async fn forget_old_idempotency_keys(env: &Env) {
    let before = Date::now().as_millis() as i64 - 48 * 3600 * 1000;
    let result = match Db::from_env(env) {
        Ok(db) => store::idempotency::delete_before(&db, before).await,
        Err(e) => Err(e),
    };
    if let Err(e) = result {
        log::error("idempotency_cleanup_failed", &format!("{e:?}"));
    }
}
