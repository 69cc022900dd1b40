//! Connectors' cached OAuth access tokens (`connectors::oauth`), by site and helpdesk address.

use super::{int, s, Db};
use crate::error::Error;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct TokenRow {
    pub token: String,
    pub expires_at: i64,
}

pub async fn find(db: &Db, site: &str) -> Result<Option<TokenRow>, Error> {
    Ok(db
        .prepare("SELECT token, expires_at FROM connector_tokens WHERE site = ?1")
        .bind(&[s(site)])?
        .first::<TokenRow>(None)
        .await?)
}

pub async fn save(db: &Db, site: &str, token: &str, expires_at: i64) -> Result<(), Error> {
    db.prepare(
        "INSERT INTO connector_tokens (site, token, expires_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (site) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at",
    )
    .bind(&[s(site), s(token), int(expires_at)])?
    .run()
    .await?;
    Ok(())
}

pub async fn forget(db: &Db, site: &str, token: &str) -> Result<(), Error> {
    db.prepare("DELETE FROM connector_tokens WHERE site = ?1 AND token = ?2")
        .bind(&[s(site), s(token)])?
        .run()
        .await?;
    Ok(())
}
