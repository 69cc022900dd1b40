//! Rate-limit counters: one row per visitor and site (`accept::rate_limit` makes the key), counted
//! with one statement so that concurrent requests cannot both take the last place.

use super::{int, s, Db};
use crate::error::Error;

/// Counts one message under `key` in the window starting at `window_start`, and returns the
/// window's count so far.
pub async fn take(db: &Db, key: &str, window_start: i64) -> Result<Option<u32>, Error> {
    Ok(db
        .prepare(
            "INSERT INTO rate_limits (key, window_start, count) VALUES (?1, ?2, 1) \
             ON CONFLICT (key) DO UPDATE SET count = CASE WHEN window_start = ?2 THEN count + 1 ELSE 1 END, window_start = ?2 \
             RETURNING count",
        )
        .bind(&[s(key), int(window_start)])?
        .first(Some("count"))
        .await?)
}

/// Takes back one message counted under `key` in the window starting at `window_start`.
pub async fn give_back(db: &Db, key: &str, window_start: i64) -> Result<(), Error> {
    db.prepare(
        "UPDATE rate_limits SET count = count - 1 WHERE key = ?1 AND window_start = ?2 AND count > 0",
    )
    .bind(&[s(key), int(window_start)])?
    .run()
    .await?;
    Ok(())
}

/// Forgets the windows that started before `window_start`.
pub async fn forget_before(db: &Db, window_start: i64) -> Result<(), Error> {
    db.prepare("DELETE FROM rate_limits WHERE window_start < ?1")
        .bind(&[int(window_start)])?
        .run()
        .await?;
    Ok(())
}
