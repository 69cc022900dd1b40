//! Help Scout, Inbox API 2.0 (<https://developer.helpscout.com/mailbox-api/>).
//!
//! Steps: create the conversation as the customer, without files (create bodies are capped, files
//! are safer one by one), then upload each file to the customer's thread. The conversation
//! carries the tag `porthole-<reference>`: Help Scout has no idempotency key, so when a create's
//! answer was lost the connector lists conversations with that tag before creating again.

use super::failure::Failure;
use super::http::{self, Body, Call, Reply};
use super::journal::Journal;
use super::{
    fields, html_body, oauth, read_file, recovered, reference_tag, secret, split_name, Connector,
    Context, Delivered, Job,
};
use crate::escape::html;
use crate::store::UploadRow;
use base64::Engine;
use porthole_shared::config::HelpScoutConfig;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use worker::async_trait::async_trait;
use worker::Method;

/// Help Scout refuses larger attachments (413).
const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;
/// Help Scout's rate-limit header; `Retry-After` is read too.
const RETRY_HEADER: &str = "X-RateLimit-Retry-After";

pub struct HelpScout {
    config: HelpScoutConfig,
}

/// A file step's result: attached, or why not.
#[derive(Serialize, Deserialize)]
enum FileOutcome {
    Attached,
    Skipped(String),
}

#[async_trait(?Send)]
impl Connector for HelpScout {
    async fn deliver(
        &self,
        job: &Job,
        journal: &mut Journal,
        ctx: &Context<'_>,
    ) -> Result<Delivered, Failure> {
        let api = Api {
            config: &self.config,
            job,
            ctx,
        };

        let (conversation, thread) = match &job.follow_up {
            None => {
                let conversation = api.conversation(journal).await?;
                let thread: u64 = match journal.done("thread") {
                    Some(id) => id,
                    None => {
                        let id = api.customer_thread(conversation).await?.id;
                        journal.finish("thread", &id).await?;
                        id
                    }
                };
                (conversation, thread)
            }
            Some(reference) => {
                let conversation = reference.parse().map_err(|_| {
                    Failure::permanent(format!("`{reference}` is not a Help Scout conversation id"))
                })?;
                (conversation, api.follow_up(journal, conversation).await?)
            }
        };

        let mut notes = Vec::new();
        for file in &job.files {
            let step = format!("file:{}", file.id);
            let outcome = match journal.done::<FileOutcome>(&step) {
                Some(outcome) => outcome,
                None => {
                    let outcome = if file.size > MAX_FILE_BYTES {
                        FileOutcome::Skipped(format!(
                            "{} ({} bytes) is over Help Scout's 10 MB limit",
                            file.name, file.size
                        ))
                    } else if journal.interrupted(&step)
                        && api.has_attachment(conversation, thread, file).await?
                    {
                        FileOutcome::Attached
                    } else {
                        journal.start(&step).await?;
                        api.attach(conversation, thread, file).await?
                    };
                    journal.finish(&step, &outcome).await?;
                    outcome
                }
            };
            if let FileOutcome::Skipped(why) = outcome {
                notes.push(why);
            }
        }
        Ok(Delivered {
            helpdesk_ref: conversation.to_string(),
            notes,
        })
    }
}

impl HelpScout {
    pub fn new(config: HelpScoutConfig) -> Self {
        HelpScout { config }
    }
}

struct Api<'a> {
    config: &'a HelpScoutConfig,
    job: &'a Job,
    ctx: &'a Context<'a>,
}

#[derive(Deserialize)]
struct Thread {
    id: u64,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    body: Option<String>,
    #[serde(default, rename = "_embedded")]
    embedded: Option<ThreadEmbedded>,
}

#[derive(Deserialize, Default)]
struct ThreadEmbedded {
    #[serde(default)]
    attachments: Vec<AttachmentInfo>,
}

#[derive(Deserialize)]
struct AttachmentInfo {
    filename: String,
    #[serde(default)]
    size: Option<u64>,
}

impl Api<'_> {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.base_url)
    }

    /// The visitor's conversation: created once; after a lost answer, found by its tag.
    async fn conversation(&self, journal: &mut Journal) -> Result<u64, Failure> {
        let tag = reference_tag(&self.job.conversation.reference);
        journal
            .once(
                "conversation",
                async || Ok(recovered("conversation", self.find_by_tag(&tag).await?)),
                async || self.create(&tag).await,
            )
            .await
    }

    /// A later message from the visitor, as a customer thread (which reopens the conversation);
    /// after a lost answer, found by the marker in its text. Returns the thread's id.
    async fn follow_up(&self, journal: &mut Journal, conversation: u64) -> Result<u64, Failure> {
        let marker = html(&self.job.marker());
        let find = async || {
            Ok(self
                .threads(conversation)
                .await?
                .into_iter()
                .find(|t| {
                    t.kind == "customer" && t.body.as_deref().is_some_and(|b| b.contains(&marker))
                })
                .map(|t| t.id))
        };
        let create = async || {
            let body = json!({"customer": {"email": self.job.conversation.email}, "text": html_body(self.job, |_| false)});
            let reply = self
                .call(
                    Method::Post,
                    &format!("/v2/conversations/{conversation}/customer"),
                    Some(body),
                )
                .await?;
            created(&reply, "thread")
        };
        journal.once("message", find, create).await
    }

    async fn create(&self, tag: &str) -> Result<u64, Failure> {
        let c = &self.job.conversation;
        let (first, last) = split_name(&c.name);
        // Custom field values are plain text in Help Scout: not escaped, unlike the thread's HTML.
        let custom: Vec<Value> = fields(self.job)
            .iter()
            .filter_map(|(key, value)| {
                self.config
                    .fields
                    .get(key)
                    .map(|id| json!({"id": id, "value": value}))
            })
            .collect();
        let text = html_body(self.job, |key| self.config.fields.contains_key(key));
        let mut body = json!({
            "subject": c.subject,
            "customer": {"email": c.email, "firstName": truncate(&first, 40), "lastName": truncate(&last, 40)},
            "mailboxId": self.config.mailbox_id,
            "type": "email",
            "status": "active",
            "tags": [tag],
            "threads": [{"type": "customer", "customer": {"email": c.email}, "text": text}],
        });
        if !custom.is_empty() {
            body["fields"] = Value::Array(custom);
        }
        let reply = self
            .call(Method::Post, "/v2/conversations", Some(body))
            .await?;
        created(&reply, "conversation")
    }

    async fn find_by_tag(&self, tag: &str) -> Result<Option<u64>, Failure> {
        let path = format!(
            "/v2/conversations?tag={tag}&mailbox={}&status=all",
            self.config.mailbox_id
        );
        let reply = self.call(Method::Get, &path, None).await?;
        if !reply.ok() {
            return Err(fail(&reply));
        }
        let page: Value = serde_json::from_str(&reply.body)
            .map_err(|e| Failure::retryable(format!("Help Scout list: {e}")))?;
        Ok(page["_embedded"]["conversations"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["id"].as_u64())
            .min())
    }

    async fn threads(&self, conversation: u64) -> Result<Vec<Thread>, Failure> {
        let reply = self
            .call(
                Method::Get,
                &format!("/v2/conversations/{conversation}/threads"),
                None,
            )
            .await?;
        if !reply.ok() {
            return Err(fail(&reply));
        }
        let page: Value = serde_json::from_str(&reply.body)
            .map_err(|e| Failure::retryable(format!("Help Scout threads: {e}")))?;
        serde_json::from_value(page["_embedded"]["threads"].clone())
            .map_err(|e| Failure::retryable(format!("Help Scout threads: {e}")))
    }

    /// The visitor's own thread: the oldest of type `customer` (the list is newest first).
    async fn customer_thread(&self, conversation: u64) -> Result<Thread, Failure> {
        self.threads(conversation)
            .await?
            .into_iter()
            .filter(|t| t.kind == "customer")
            .min_by_key(|t| t.id)
            .ok_or_else(|| Failure::retryable("Help Scout shows no customer thread yet"))
    }

    async fn has_attachment(
        &self,
        conversation: u64,
        thread: u64,
        file: &UploadRow,
    ) -> Result<bool, Failure> {
        let threads = self.threads(conversation).await?;
        Ok(threads
            .iter()
            .filter(|t| t.id == thread)
            .flat_map(|t| t.embedded.iter().flat_map(|e| &e.attachments))
            .any(|a| a.filename == file.name && a.size.is_none_or(|size| size == file.size)))
    }

    async fn attach(
        &self,
        conversation: u64,
        thread: u64,
        file: &UploadRow,
    ) -> Result<FileOutcome, Failure> {
        let bytes = read_file(self.ctx.env, file).await?;
        let body = json!({
            "fileName": file.name,
            "mimeType": file.content_type,
            "data": base64::engine::general_purpose::STANDARD.encode(&bytes),
        });
        let path = format!("/v2/conversations/{conversation}/threads/{thread}/attachments");
        let reply = self.call(Method::Post, &path, Some(body)).await?;
        match reply.status {
            200..=299 => Ok(FileOutcome::Attached),
            413 => Ok(FileOutcome::Skipped(format!(
                "{} was refused by Help Scout as too large",
                file.name
            ))),
            _ => Err(fail(&reply)),
        }
    }

    /// Sends with the cached access token; after a 401 gets a new one and tries once more.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Reply, Failure> {
        let site = &oauth::cache_key(&self.job.site_id, &self.config.base_url);
        let mut token = oauth::token(self.ctx, site, false, self.grant()).await?;
        let mut refreshed = false;
        loop {
            let call = Call {
                method: method.clone(),
                url: self.url(path),
                headers: vec![
                    ("Authorization", format!("Bearer {token}")),
                    ("Content-Type", "application/json; charset=UTF-8".into()),
                    ("Accept", "application/json".into()),
                ],
                body: body.as_ref().map(Body::json),
            };
            let reply = http::send(call, self.ctx.settings.request_timeout_ms).await?;
            if reply.status == 401 && !refreshed {
                oauth::forget(self.ctx, site, &token).await?;
                token = oauth::token(self.ctx, site, true, self.grant()).await?;
                refreshed = true;
                continue;
            }
            return Ok(reply);
        }
    }

    /// OAuth client credentials.
    async fn grant(&self) -> Result<oauth::Grant, Failure> {
        let id = secret(self.ctx.env, &self.config.client_id_secret)?;
        let key = secret(self.ctx.env, &self.config.client_secret_secret)?;
        let form = format!(
            "grant_type=client_credentials&client_id={}&client_secret={}",
            percent_encoding::utf8_percent_encode(&id, percent_encoding::NON_ALPHANUMERIC),
            percent_encoding::utf8_percent_encode(&key, percent_encoding::NON_ALPHANUMERIC)
        );
        let call = Call {
            method: Method::Post,
            url: self.url("/v2/oauth2/token"),
            headers: vec![
                ("Content-Type", "application/x-www-form-urlencoded".into()),
                ("Accept", "application/json".into()),
            ],
            body: Some(Body::Text(form)),
        };
        let reply = http::send(call, self.ctx.settings.request_timeout_ms).await?;
        oauth::read_grant("Help Scout", &reply, error_reason)
    }
}

/// The id of the `what` a create made. It comes only in the `Resource-ID` header; without it the
/// step stays interrupted and the next attempt finds what was made (by its tag or its marker).
fn created(reply: &Reply, what: &str) -> Result<u64, Failure> {
    if !reply.ok() {
        return Err(fail(reply));
    }
    reply
        .header("Resource-ID")
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| {
            Failure::retryable(format!(
                "Help Scout created a {what} but sent no Resource-ID"
            ))
        })
}

fn fail(reply: &Reply) -> Failure {
    reply.failure(error_reason, RETRY_HEADER)
}

/// Help Scout's error body `{message, _embedded: {errors: [{path, message}]}}` in one line.
pub fn error_reason(body: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return body.chars().take(200).collect();
    };
    let mut reason = v["message"]
        .as_str()
        .or(v["error_description"].as_str())
        .or(v["error"].as_str())
        .unwrap_or("")
        .to_string();
    for e in v["_embedded"]["errors"].as_array().into_iter().flatten() {
        reason.push_str(&format!(
            "; {}: {}",
            e["path"].as_str().unwrap_or("?"),
            e["message"].as_str().unwrap_or("?")
        ));
    }
    if reason.is_empty() {
        body.chars().take(200).collect()
    } else {
        reason
    }
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_errors_read_well() {
        let body = r#"{"logRef":"x","message":"Bad request","_embedded":{"errors":[{"path":"mailboxId","message":"Invalid mailbox","source":"JSON"}]}}"#;
        assert_eq!(
            error_reason(body),
            "Bad request; mailboxId: Invalid mailbox"
        );
        assert_eq!(
            error_reason(r#"{"error":"invalid_client"}"#),
            "invalid_client"
        );
        assert_eq!(error_reason("<html>gateway</html>"), "<html>gateway</html>");
    }
}
