//! Libredesk, self-hosted (<https://docs.libredesk.io>; rules its documentation leaves out are
//! read from its source, <https://github.com/abhinavxd/libredesk>).
//!
//! Steps: upload each file as media (one per request, field `files`), then create the
//! conversation as the contact with the media ids. Libredesk silently skips media already linked
//! to a conversation, so every attempt uploads the files again (unlinked media is swept by
//! Libredesk). It has no idempotency key: after a lost answer, the conversation is found by
//! searching messages for the Porthole reference in the message's text. Later messages go to the
//! conversation as the contact, found after a lost answer by the same marker.

use super::failure::Failure;
use super::http::{self, multipart_file, Body, Call, Reply};
use super::journal::Journal;
use super::{
    basic_auth, fail, fields, html_body, json_body, json_reason, read_file, secret, split_name,
    Connector, Context, Delivered, Job,
};
use porthole_shared::config::LibredeskConfig;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use worker::async_trait::async_trait;
use worker::Method;

pub struct Libredesk {
    config: LibredeskConfig,
}

impl Libredesk {
    pub fn new(config: LibredeskConfig) -> Self {
        Libredesk { config }
    }
}

/// The journalled result of creating the conversation or posting a message.
#[derive(Serialize, Deserialize)]
struct Sent {
    uuid: String,
    /// Files Libredesk could not take, and why.
    skipped: Vec<String>,
}

#[async_trait(?Send)]
impl Connector for Libredesk {
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
        let step = if job.follow_up.is_some() {
            "message"
        } else {
            "conversation"
        };
        if let Some(sent) = journal.done::<Sent>(step) {
            return Ok(delivered(job, sent));
        }
        let recovered = if journal.interrupted(step) {
            api.find(job.follow_up.as_deref()).await?
        } else {
            None
        };
        let sent = match recovered {
            Some(uuid) => {
                crate::log::event(
                    "delivery_step_recovered",
                    json!({"step": step, "helpdesk_ref": uuid}),
                );
                // What the lost attempt could not send, kept before it called.
                Sent {
                    uuid,
                    skipped: journal.done("refused").unwrap_or_default(),
                }
            }
            None => {
                let (media, skipped) = api.upload_files().await?;
                journal.finish("refused", &skipped).await?;
                journal.start(step).await?;
                let uuid = match &job.follow_up {
                    None => api.create(&media).await?,
                    Some(uuid) => api.post_message(uuid, &media).await?,
                };
                Sent { uuid, skipped }
            }
        };
        journal.finish(step, &sent).await?;
        Ok(delivered(job, sent))
    }
}

fn delivered(job: &Job, sent: Sent) -> Delivered {
    // A later message keeps the conversation's reference.
    let helpdesk_ref = job.follow_up.clone().unwrap_or(sent.uuid);
    Delivered {
        helpdesk_ref,
        notes: sent.skipped,
    }
}

struct Api<'a> {
    config: &'a LibredeskConfig,
    job: &'a Job,
    ctx: &'a Context<'a>,
}

impl Api<'_> {
    /// Each file as Libredesk media; files it refuses (too large, a type it does not allow, empty)
    /// are reported, the rest sent.
    async fn upload_files(&self) -> Result<(Vec<u64>, Vec<String>), Failure> {
        let limit = self.config.max_file_mb * 1024 * 1024;
        let (mut ids, mut skipped) = (Vec::new(), Vec::new());
        for file in &self.job.files {
            if file.size > limit {
                skipped.push(format!(
                    "{} ({} bytes) is over Libredesk's {} MB limit",
                    file.name, file.size, self.config.max_file_mb
                ));
                continue;
            }
            if let Some(why) = super::too_large_to_relay(file) {
                skipped.push(why);
                continue;
            }
            let bytes = read_file(self.ctx.env, file).await?;
            let (content_type, body) =
                multipart_file("files", &file.name, &file.content_type, &bytes);
            let reply = self
                .call(
                    Method::Post,
                    "/api/v1/media",
                    Some((content_type, Body::Bytes(body))),
                )
                .await?;
            match reply.status {
                200..=299 => ids.push(
                    data(&reply)?["id"]
                        .as_u64()
                        .ok_or_else(|| Failure::retryable("Libredesk media without an id"))?,
                ),
                400 | 413 => skipped.push(format!(
                    "{} was refused by Libredesk: {}",
                    file.name,
                    json_reason(&reply.body)
                )),
                _ => return Err(fail(&reply)),
            }
        }
        Ok((ids, skipped))
    }

    async fn create(&self, media: &[u64]) -> Result<String, Failure> {
        let c = &self.job.conversation;
        let (first, last) = split_name(&c.name);
        let placed = |key: &str| self.config.custom_attributes.iter().any(|k| k == key);
        let attributes: serde_json::Map<String, Value> = fields(self.job)
            .into_iter()
            .filter(|(k, _)| placed(k))
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        let mut body = json!({
            "inbox_id": self.config.inbox_id,
            "contact_email": c.email,
            "first_name": first,
            "last_name": last,
            "subject": c.subject,
            "content": html_body(self.job, placed),
            "initiator": "contact",
            "attachments": media,
            // An existing contact is matched by email and left as it is: a visitor must not be
            // able to rename someone else's contact.
            "reuse_contact": true,
        });
        if !attributes.is_empty() {
            body["custom_attributes"] = Value::Object(attributes);
        }
        let reply = self
            .call(
                Method::Post,
                "/api/v1/conversations",
                Some(json_body(&body)),
            )
            .await?;
        if !reply.ok() {
            return Err(fail(&reply));
        }
        uuid_of(&data(&reply)?["uuid"])
    }

    async fn post_message(&self, conversation: &str, media: &[u64]) -> Result<String, Failure> {
        let body = json!({"message": html_body(self.job, |_| false), "sender_type": "contact", "private": false, "attachments": media});
        let reply = self
            .call(
                Method::Post,
                &format!("/api/v1/conversations/{conversation}/messages"),
                Some(json_body(&body)),
            )
            .await?;
        if !reply.ok() {
            return Err(fail(&reply));
        }
        uuid_of(&data(&reply)?["uuid"])
    }

    /// After a lost answer: the conversation (or, for a later message, the message) that carries
    /// this message's marker, if Libredesk has it.
    async fn find(&self, conversation: Option<&str>) -> Result<Option<String>, Failure> {
        let marker = self.job.marker();
        match conversation {
            None => {
                let query = percent_encoding::utf8_percent_encode(
                    &marker,
                    percent_encoding::NON_ALPHANUMERIC,
                );
                let reply = self
                    .call(
                        Method::Get,
                        &format!("/api/v1/messages/search?query={query}"),
                        None,
                    )
                    .await?;
                if !reply.ok() {
                    return Err(fail(&reply));
                }
                Ok(results(&data(&reply)?)?
                    .iter()
                    .find_map(|m| m["conversation_uuid"].as_str().map(String::from)))
            }
            Some(uuid) => {
                let reply = self
                    .call(
                        Method::Get,
                        &format!("/api/v1/conversations/{uuid}/messages?page=1&page_size=100"),
                        None,
                    )
                    .await?;
                if !reply.ok() {
                    return Err(fail(&reply));
                }
                let html_marker = crate::escape::html(&marker);
                Ok(results(&data(&reply)?)?
                    .iter()
                    .filter(|m| m["sender_type"].as_str() == Some("contact"))
                    .find(|m| {
                        m["content"]
                            .as_str()
                            .is_some_and(|c| c.contains(&html_marker))
                            || m["text_content"]
                                .as_str()
                                .is_some_and(|t| t.contains(&marker))
                    })
                    .and_then(|m| m["uuid"].as_str().map(String::from)))
            }
        }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<(String, Body)>,
    ) -> Result<Reply, Failure> {
        let key = secret(self.ctx.env, &self.config.api_key_secret)?;
        let api_secret = secret(self.ctx.env, &self.config.api_secret_secret)?;
        let call = Call::json_api(
            method,
            format!("{}{path}", self.config.base_url),
            basic_auth(&key, &api_secret),
            body,
        );
        http::send(call, self.ctx.settings.request_timeout_ms).await
    }
}

/// The `data` of Libredesk's `{"status": "success", "data": ...}` envelope.
fn data(reply: &Reply) -> Result<Value, Failure> {
    let v: Value = serde_json::from_str(&reply.body)
        .map_err(|e| Failure::retryable(format!("Libredesk answered without JSON: {e}")))?;
    Ok(v["data"].clone())
}

/// A list answer: `data` itself, or its page's `results`; another shape is an error, not "nothing
/// found" (which could duplicate).
fn results(data: &Value) -> Result<Vec<Value>, Failure> {
    data.as_array()
        .or(data["results"].as_array())
        .cloned()
        .ok_or_else(|| {
            Failure::retryable("Libredesk answered a list in a shape Porthole does not know")
        })
}

fn uuid_of(v: &Value) -> Result<String, Failure> {
    v.as_str()
        .map(String::from)
        .ok_or_else(|| Failure::retryable("Libredesk answered without a uuid"))
}
