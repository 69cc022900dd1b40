//! Re:amaze (<https://www.reamaze.com/api>).
//!
//! Steps: create the conversation as the visitor (Markdown body, custom fields in `data`, the tag
//! `porthole-<reference>`), with the first file as its one attachment; then each further file as a
//! further message from the visitor. Re:amaze takes attachments as URLs it downloads itself, so
//! each is a signed link to the file in R2 that expires (`file_links`). Re:amaze has no idempotency
//! key: a create whose answer was lost is looked up by its tag before creating again, and every
//! message carries an `origin_id` that Re:amaze uses to drop duplicates.

use super::failure::Failure;
use super::http::{self, Body, Call, Reply};
use super::journal::Journal;
use super::{
    basic_auth, fail, fields, json_reason, markdown_body, reference_tag, secret, Connector,
    Context, Delivered, Job,
};
use crate::escape::markdown;
use crate::file_links;
use crate::store::UploadRow;
use porthole_shared::config::ReamazeConfig;
use serde_json::{json, Value};
use worker::async_trait::async_trait;
use worker::{Date, Method};

pub struct Reamaze {
    config: ReamazeConfig,
}

impl Reamaze {
    pub fn new(config: ReamazeConfig) -> Self {
        Reamaze { config }
    }
}

#[async_trait(?Send)]
impl Connector for Reamaze {
    async fn deliver(
        &self,
        job: &Job,
        journal: &mut Journal,
        ctx: &Context<'_>,
    ) -> Result<Delivered, Failure> {
        // Links need the public address; a message without files does not.
        let links = if job.files.is_empty() {
            None
        } else {
            Some(Links::new(ctx)?)
        };
        let api = Api {
            config: &self.config,
            job,
            ctx,
            links,
        };
        let (first, rest) = match job.files.split_first() {
            Some((first, rest)) => (Some(first), rest),
            None => (None, &[][..]),
        };
        let slug = match &job.follow_up {
            None => api.conversation(journal, first).await?,
            Some(slug) => {
                let message = Message {
                    step: "message".into(),
                    body: markdown_body(job, |_| false),
                    file: first,
                    origin_id: origin_id(job, None),
                    marker: job.marker(),
                };
                api.send_once(journal, slug, &message).await?;
                slug.clone()
            }
        };
        for (i, file) in rest.iter().enumerate() {
            let marker = format!("{} #{}", job.marker(), i + 2);
            let body = markdown(&format!(
                "Attachment {} of {}: {} ({marker})",
                i + 2,
                job.files.len(),
                file.name
            ));
            let message = Message {
                step: format!("file:{}", file.id),
                body,
                file: Some(file),
                origin_id: origin_id(job, Some(file)),
                marker,
            };
            api.send_once(journal, &slug, &message).await?;
        }
        Ok(Delivered {
            helpdesk_ref: slug,
            notes: Vec::new(),
        })
    }
}

/// A message from the visitor on an existing conversation, and how to recognise it there.
struct Message<'a> {
    step: String,
    body: String,
    file: Option<&'a UploadRow>,
    /// Re:amaze drops a message whose origin id it has seen (documented as a help, not a promise).
    origin_id: String,
    /// Text in the body that finds it again.
    marker: String,
}

/// Unique per message and per extra file, and the same on every retry.
fn origin_id(job: &Job, file: Option<&UploadRow>) -> String {
    match file {
        None => format!("porthole-{}", job.message.id),
        Some(f) => format!("porthole-{}-{}", job.message.id, f.id),
    }
}

/// Signed links to files, valid from now for the configured time.
struct Links {
    public_url: String,
    secret: Vec<u8>,
    expires_at: u64,
}

impl Links {
    fn new(ctx: &Context<'_>) -> Result<Links, Failure> {
        let (public_url, ttl) = file_links::settings(ctx.env).map_err(Failure::permanent)?;
        let secret =
            crate::token::secret(ctx.env).map_err(|e| Failure::permanent(e.to_string()))?;
        Ok(Links {
            public_url,
            secret,
            expires_at: Date::now().as_millis() / 1000 + ttl,
        })
    }

    fn to(&self, file: &UploadRow) -> String {
        file_links::link(
            &self.public_url,
            &self.secret,
            &file.id,
            &file.name,
            self.expires_at,
        )
    }
}

struct Api<'a> {
    config: &'a ReamazeConfig,
    job: &'a Job,
    ctx: &'a Context<'a>,
    links: Option<Links>,
}

impl Api<'_> {
    fn link(&self, file: &UploadRow) -> Result<String, Failure> {
        self.links
            .as_ref()
            .map(|l| l.to(file))
            .ok_or_else(|| Failure::permanent("a file to link, but no links were made"))
    }

    async fn conversation(
        &self,
        journal: &mut Journal,
        file: Option<&UploadRow>,
    ) -> Result<String, Failure> {
        let tag = reference_tag(&self.job.conversation.reference);
        journal
            .once(
                "conversation",
                async || self.find_by_tag(&tag).await,
                async || self.create(&tag, file).await,
            )
            .await
    }

    async fn create(&self, tag: &str, file: Option<&UploadRow>) -> Result<String, Failure> {
        let c = &self.job.conversation;
        let mut message = json!({"body": markdown_body(self.job, |_| true)});
        if let Some(file) = file {
            message["attachment"] = Value::String(self.link(file)?);
        }
        let mut conversation = json!({
            "subject": c.subject,
            "category": self.config.channel,
            "tag_list": [tag],
            "message": message,
            "user": {"name": c.name, "email": c.email},
        });
        // Re:amaze keeps custom fields as the conversation's data, shown beside it.
        let data = fields(self.job);
        if !data.is_empty() {
            conversation["data"] = json!(data);
        }
        let reply = self
            .call(
                Method::Post,
                "/api/v1/conversations",
                Some(json!({"conversation": conversation})),
            )
            .await?;
        if !reply.ok() {
            return Err(fail(&reply));
        }
        slug_of(&reply)
            .ok_or_else(|| Failure::retryable("Re:amaze answered without the conversation's slug"))
    }

    async fn find_by_tag(&self, tag: &str) -> Result<Option<String>, Failure> {
        let email = percent_encoding::utf8_percent_encode(
            &self.job.conversation.email,
            percent_encoding::NON_ALPHANUMERIC,
        );
        let reply = self
            .call(
                Method::Get,
                &format!("/api/v1/conversations?tag={tag}&for={email}&filter=all"),
                None,
            )
            .await?;
        if !reply.ok() {
            return Err(fail(&reply));
        }
        let page: Value = serde_json::from_str(&reply.body)
            .map_err(|e| Failure::retryable(format!("Re:amaze list: {e}")))?;
        Ok(page["conversations"]
            .as_array()
            .into_iter()
            .flatten()
            .find_map(|c| c["slug"].as_str().map(String::from)))
    }

    /// Sends `message` unless the journal says it went, or, after a lost answer, the conversation
    /// already shows it.
    async fn send_once(
        &self,
        journal: &mut Journal,
        slug: &str,
        message: &Message<'_>,
    ) -> Result<(), Failure> {
        journal
            .once::<String>(
                &message.step,
                async || {
                    Ok(self
                        .has_message(slug, message)
                        .await?
                        .then(|| slug.to_string()))
                },
                async || {
                    self.message(slug, &message.body, message.file, &message.origin_id)
                        .await?;
                    Ok(slug.to_string())
                },
            )
            .await?;
        Ok(())
    }

    async fn has_message(&self, slug: &str, message: &Message<'_>) -> Result<bool, Failure> {
        let reply = self
            .call(
                Method::Get,
                &format!("/api/v1/conversations/{slug}/messages"),
                None,
            )
            .await?;
        if !reply.ok() {
            return Err(fail(&reply));
        }
        let page: Value = serde_json::from_str(&reply.body)
            .map_err(|e| Failure::retryable(format!("Re:amaze messages: {e}")))?;
        let messages = page["messages"]
            .as_array()
            .ok_or_else(|| Failure::retryable("Re:amaze listed messages without `messages`"))?;
        let marker = markdown(&message.marker);
        Ok(messages.iter().any(|m| {
            m["origin_id"].as_str() == Some(message.origin_id.as_str())
                || m["body"]
                    .as_str()
                    .is_some_and(|b| b.contains(&marker) || b.contains(&message.marker))
        }))
    }

    async fn message(
        &self,
        slug: &str,
        body: &str,
        file: Option<&UploadRow>,
        origin_id: &str,
    ) -> Result<(), Failure> {
        let c = &self.job.conversation;
        let mut message = json!({"body": body, "user": {"name": c.name, "email": c.email}, "origin_id": origin_id});
        if let Some(file) = file {
            message["attachment"] = Value::String(self.link(file)?);
        }
        let reply = self
            .call(
                Method::Post,
                &format!("/api/v1/conversations/{slug}/messages"),
                Some(json!({"message": message})),
            )
            .await?;
        if reply.ok() {
            Ok(())
        } else {
            Err(fail(&reply))
        }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Reply, Failure> {
        let login = secret(self.ctx.env, &self.config.login_email_secret)?;
        let token = secret(self.ctx.env, &self.config.api_token_secret)?;
        let call = Call {
            method,
            url: format!("{}{path}", self.config.base_url()),
            headers: vec![
                ("Authorization", basic_auth(&login, &token)),
                ("Accept", "application/json".into()),
                ("Content-Type", "application/json".into()),
            ],
            body: body.as_ref().map(Body::json),
        };
        let reply = http::send(call, self.ctx.settings.request_timeout_ms).await?;
        if reply.status == 401 || reply.status == 403 {
            return Err(Failure::permanent(format!(
                "Re:amaze refused the credentials ({}): {}",
                reply.status,
                json_reason(&reply.body)
            )));
        }
        Ok(reply)
    }
}

fn slug_of(reply: &Reply) -> Option<String> {
    let v: Value = serde_json::from_str(&reply.body).ok()?;
    v["slug"]
        .as_str()
        .or(v["conversation"]["slug"].as_str())
        .map(String::from)
}
