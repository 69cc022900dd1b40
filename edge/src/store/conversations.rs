//! Conversations: created with their first message, asked about by their visitor, listed in the
//! inbox.

use super::{
    de_flag, de_status, flag, int, messages, opt, s, st, Conflict, Db, DeliveryState,
    IdempotencyRow, MessageRow, NewDelivery,
};
use crate::error::Error;
use const_format::formatcp;
use porthole_shared::DeliveryStatus;
use serde::Deserialize;

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
    pub created_at: i64,
    /// The site vouched for the email (`Porthole('identify')` with a valid signature).
    #[serde(default, deserialize_with = "de_flag")]
    pub verified: bool,
}

pub struct NewConversation<'a> {
    pub conversation: &'a ConversationRow,
    pub message: &'a MessageRow,
    pub attachments: &'a [String],
    pub delivery: &'a NewDelivery,
    pub idempotency: Option<&'a IdempotencyRow>,
}

/// The conversation, its first message, the message's files, its delivery and its idempotency
/// key, in one transaction.
pub async fn create(db: &Db, new: &NewConversation<'_>) -> Result<(), Conflict> {
    let c = new.conversation;
    let mut statements = vec![db
        .prepare(
            "INSERT INTO conversations (id, site, reference, name, email, subject, fields_json, page_url, locale, created_at, status, verified) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
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
            int(c.created_at),
            st(new.delivery.state().stored()),
            flag(c.verified),
        ])
        .map_err(Error::from)?];
    statements.extend(messages::statements(
        db,
        &c.site,
        new.message,
        new.attachments,
        new.delivery,
        false,
        new.idempotency,
    )?);
    db.batch(statements).await.map_err(Conflict::from)?;
    Ok(())
}

/// The site a conversation belongs to, if it exists.
pub async fn site_of(db: &Db, id: &str) -> Result<Option<String>, Error> {
    #[derive(Deserialize)]
    struct Row {
        site: String,
    }
    Ok(db
        .prepare("SELECT site FROM conversations WHERE id = ?1")
        .bind(&[s(id)])?
        .first::<Row>(None)
        .await?
        .map(|r| r.site))
}

#[derive(Debug, Clone, Deserialize)]
pub struct ConversationStatusRow {
    pub id: String,
    pub reference: String,
    /// As stored: a held conversation is failed.
    #[serde(deserialize_with = "de_status")]
    pub status: DeliveryStatus,
    pub helpdesk_ref: Option<String>,
    /// One of its deliveries is held. Only [`status`] asks; where a row comes from elsewhere (a
    /// delivery attempt's context), `false`.
    #[serde(default, deserialize_with = "de_flag")]
    pub held: bool,
}

impl ConversationStatusRow {
    pub fn state(&self) -> DeliveryState {
        DeliveryState::of(self.status, self.held)
    }
}

pub async fn status(db: &Db, id: &str) -> Result<Option<ConversationStatusRow>, Error> {
    Ok(db
        .prepare(
            "SELECT c.id, c.reference, c.helpdesk_ref, c.status, \
               EXISTS (SELECT 1 FROM deliveries d WHERE d.conversation_id = c.id AND d.held = 1) AS held \
             FROM conversations c WHERE c.id = ?1",
        )
        .bind(&[s(id)])?
        .first::<ConversationStatusRow>(None)
        .await?)
}

#[derive(Debug, Clone, Deserialize)]
pub struct InboxConversationRow {
    #[serde(flatten)]
    pub row: ConversationRow,
    #[serde(deserialize_with = "de_status")]
    pub status: DeliveryStatus,
    pub helpdesk_ref: Option<String>,
}

pub async fn list(
    db: &Db,
    site: Option<&str>,
    limit: u32,
) -> Result<Vec<InboxConversationRow>, Error> {
    const COLUMNS: &str = "id, site, reference, name, email, subject, fields_json, page_url, locale, created_at, verified, status, helpdesk_ref";
    let statement = match site {
        Some(site) => db
            .prepare(formatcp!("SELECT {COLUMNS} FROM conversations WHERE site = ?1 ORDER BY created_at DESC, id LIMIT ?2"))
            .bind(&[s(site), int(limit.into())])?,
        None => db
            .prepare(formatcp!("SELECT {COLUMNS} FROM conversations ORDER BY created_at DESC, id LIMIT ?1"))
            .bind(&[int(limit.into())])?,
    };
    Ok(statement.all().await?.results::<InboxConversationRow>()?)
}
