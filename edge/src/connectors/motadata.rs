//! Motadata ServiceOps, self-hosted, through its REST API: OAuth (password grant) or an API key,
//! requesters, requests and their conversations.
//!
//! Steps, each journalled: make sure the requester exists (created by name and email; an answer
//! that it already exists is fine), upload each file (the Upload Attachment API, whose path and
//! field are configuration because they are not in public docs) keeping its `refFileName`, then
//! create the request as the requester: subject with the Porthole reference, escaped HTML
//! description with the custom fields, the files. ServiceOps has no idempotency key: a create
//! whose answer was lost is looked up by the reference in the subject (the request search, also
//! configuration). Later messages are conversations on the request from the requester, published,
//! looked up by their marker after a lost answer.

use super::failure::Failure;
use super::http::{self, multipart_file, Body, Call, Reply};
use super::journal::Journal;
use super::{
    fail, html_body, json_body, json_reason, oauth, read_file, recovered, secret, upload_each,
    Connector, Context, Delivered, Job, Uploaded,
};
use porthole_shared::config::{MotadataAuth, MotadataConfig};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use worker::async_trait::async_trait;
use worker::Method;

pub struct Motadata {
    config: MotadataConfig,
}

impl Motadata {
    pub fn new(config: MotadataConfig) -> Self {
        Motadata { config }
    }
}

/// An uploaded file, as the request or conversation refers to it.
#[derive(Serialize, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct FileRef {
    ref_file_name: String,
    real_name: String,
}

#[async_trait(?Send)]
impl Connector for Motadata {
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
        if job.follow_up.is_none() && journal.done::<bool>("requester").is_none() {
            journal.start("requester").await?;
            api.ensure_requester().await?;
            journal.finish("requester", &true).await?;
        }
        let (files, notes) = upload_each(job, journal, async |file| api.upload(file).await).await?;
        let request = match &job.follow_up {
            None => api.request(journal, &files).await?,
            Some(request) => {
                api.conversation(journal, request, &files).await?;
                request.clone()
            }
        };
        Ok(Delivered {
            helpdesk_ref: request,
            notes,
        })
    }
}

struct Api<'a> {
    config: &'a MotadataConfig,
    job: &'a Job,
    ctx: &'a Context<'a>,
}

impl Api<'_> {
    /// Creates the requester; an answer that it exists already (ServiceOps does not say how it
    /// answers that, so any 400, 409 or 422) means there is nothing to do.
    async fn ensure_requester(&self) -> Result<(), Failure> {
        let c = &self.job.conversation;
        let reply = self
            .call(
                Method::Post,
                "/api/v1/requester",
                Some(json_body(&json!({"name": c.name, "email": c.email}))),
            )
            .await?;
        match reply.status {
            200..=299 | 400 | 409 | 422 => Ok(()),
            _ => Err(fail(&reply)),
        }
    }

    async fn upload(&self, file: &crate::store::UploadRow) -> Result<Uploaded<FileRef>, Failure> {
        let bytes = read_file(self.ctx.env, file).await?;
        let (content_type, body) = multipart_file(
            &self.config.upload_field,
            &file.name,
            &file.content_type,
            &bytes,
        );
        let reply = self
            .call(
                Method::Post,
                &self.config.upload_path,
                Some((content_type, Body::Bytes(body))),
            )
            .await?;
        match reply.status {
            200..=299 => {
                let v: Value = serde_json::from_str(&reply.body)
                    .map_err(|e| Failure::retryable(format!("ServiceOps upload answer: {e}")))?;
                let v = if v["refFileName"].is_string() {
                    v
                } else {
                    v["data"].clone()
                };
                let ref_file_name = v["refFileName"].as_str().ok_or_else(|| {
                    Failure::retryable("ServiceOps upload answered without refFileName")
                })?;
                Ok(Uploaded::File(FileRef {
                    ref_file_name: ref_file_name.into(),
                    real_name: v["realName"].as_str().unwrap_or(&file.name).into(),
                }))
            }
            // 400 more likely means the assumed upload API is wrong: a permanent failure, so the
            // file is sent once the configuration is fixed.
            413 | 415 => Ok(Uploaded::Refused(format!(
                "{} was refused by ServiceOps: {}",
                file.name,
                json_reason(&reply.body)
            ))),
            _ => Err(fail(&reply)),
        }
    }

    async fn request(&self, journal: &mut Journal, files: &[FileRef]) -> Result<String, Failure> {
        let create = async || {
            let c = &self.job.conversation;
            let body = json!({
                "subject": format!("{} [{}]", c.subject, c.reference),
                "requesterEmail": c.email,
                "description": html_body(self.job, |_| false),
                "fileAttachments": files,
            });
            let reply = self
                .call(Method::Post, "/api/v1/request", Some(json_body(&body)))
                .await?;
            if !reply.ok() {
                return Err(fail(&reply));
            }
            id_of(&reply)
        };
        journal
            .once(
                "request",
                async || Ok(recovered("request", self.find_request().await?)),
                create,
            )
            .await
    }

    /// The request whose subject carries this conversation's reference.
    async fn find_request(&self) -> Result<Option<String>, Failure> {
        let qual = qualification(
            "request.subject",
            "contains",
            json!({"type": "StringValueRest", "value": self.job.conversation.reference}),
        );
        let reply = self
            .call(
                Method::Post,
                &self.config.search_path,
                Some(json_body(&qual)),
            )
            .await?;
        if !reply.ok() {
            return Err(fail(&reply));
        }
        Ok(objects(&reply)?.first().and_then(|r| id_value(&r["id"])))
    }

    async fn conversation(
        &self,
        journal: &mut Journal,
        request: &str,
        files: &[FileRef],
    ) -> Result<(), Failure> {
        let create = async || {
            let body = json!({
                "conversationType": self.config.conversation_type,
                "details": html_body(self.job, |_| false),
                "subject": format!("{} [{}]", self.job.conversation.subject, self.job.conversation.reference),
                "conversationState": "published",
                "fileAttachments": files,
            });
            let reply = self
                .call(
                    Method::Post,
                    &format!("/api/v1/request/{request}/conversation"),
                    Some(json_body(&body)),
                )
                .await?;
            if !reply.ok() {
                return Err(fail(&reply));
            }
            Ok(request.to_string())
        };
        journal
            .once::<String>(
                "message",
                async || {
                    Ok(self
                        .has_conversation(request)
                        .await?
                        .then(|| request.to_string()))
                },
                create,
            )
            .await?;
        Ok(())
    }

    /// Whether the request has a conversation from the requester carrying this message's marker.
    async fn has_conversation(&self, request: &str) -> Result<bool, Failure> {
        let qual = qualification(
            ".conversation.conversationType",
            "equal",
            json!({"type": "EnumValueRest", "value": self.config.conversation_type}),
        );
        let reply = self
            .call(
                Method::Post,
                &format!("/api/v1/request/{request}/conversation/search/byqual"),
                Some(json_body(&qual)),
            )
            .await?;
        if !reply.ok() {
            return Err(fail(&reply));
        }
        let marker = crate::escape::html(&self.job.marker());
        Ok(objects(&reply)?
            .iter()
            .any(|c| c["details"].as_str().is_some_and(|d| d.contains(&marker))))
    }

    /// Sends with the site's credentials: the API key, or the cached OAuth token (renewed once
    /// after a 401).
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<(String, Body)>,
    ) -> Result<Reply, Failure> {
        let site = &oauth::cache_key(&self.job.site_id, &self.config.base_url);
        let mut refreshed = false;
        let mut token = match self.config.auth {
            MotadataAuth::Apikey => None,
            MotadataAuth::Oauth => Some(oauth::token(self.ctx, site, false, self.grant()).await?),
        };
        loop {
            let authorization = match &token {
                None => {
                    let key = secret(self.ctx.env, &self.config.api_key_secret)?;
                    format!(
                        "Apikey {}",
                        percent_encoding::utf8_percent_encode(
                            &key,
                            percent_encoding::NON_ALPHANUMERIC
                        )
                    )
                }
                Some(token) => format!("Bearer {token}"),
            };
            // The body is sent again after a 401, so each call gets a copy.
            let call = Call::json_api(
                method.clone(),
                format!("{}{path}", self.config.base_url),
                authorization,
                body.clone(),
            );
            let reply = http::send(call, self.ctx.settings.request_timeout_ms).await?;
            if let (401, Some(old), false) = (reply.status, &token, refreshed) {
                oauth::forget(self.ctx, site, old).await?;
                token = Some(oauth::token(self.ctx, site, true, self.grant()).await?);
                refreshed = true;
                continue;
            }
            return Ok(reply);
        }
    }

    /// OAuth password grant: Basic client id and secret, the technician's username and password.
    async fn grant(&self) -> Result<oauth::Grant, Failure> {
        let env = self.ctx.env;
        let (client, client_secret) = (
            secret(env, &self.config.client_id_secret)?,
            secret(env, &self.config.client_secret_secret)?,
        );
        let (username, password) = (
            secret(env, &self.config.username_secret)?,
            secret(env, &self.config.password_secret)?,
        );
        let enc = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        let call = Call {
            method: Method::Post,
            url: format!("{}/api/oauth/token", self.config.base_url),
            headers: vec![
                ("Authorization", super::basic_auth(&client, &client_secret)),
                ("Content-Type", "application/x-www-form-urlencoded".into()),
                ("Accept", "application/json".into()),
            ],
            body: Some(Body::Text(format!(
                "grant_type=password&username={}&password={}",
                enc(&username),
                enc(&password)
            ))),
        };
        let reply = http::send(call, self.ctx.settings.request_timeout_ms).await?;
        oauth::read_grant("ServiceOps", &reply, json_reason)
    }
}

/// ServiceOps's search body: one condition on `key`.
fn qualification(key: &str, operator: &str, value: Value) -> Value {
    json!({"qualDetails": {"type": "FlatQualificationRest", "quals": [{
        "type": "RelationalQualificationRest",
        "leftOperand": {"type": "PropertyOperandRest", "key": key},
        "operator": operator,
        "rightOperand": {"type": "ValueOperandRest", "value": value},
    }]}})
}

/// A search's `objectList`; another shape is an error, not "nothing found" (which could duplicate).
fn objects(reply: &Reply) -> Result<Vec<Value>, Failure> {
    serde_json::from_str::<Value>(&reply.body)
        .ok()
        .and_then(|v| v["objectList"].as_array().cloned())
        .ok_or_else(|| Failure::retryable("ServiceOps answered a search without objectList"))
}

fn id_value(v: &Value) -> Option<String> {
    v.as_u64()
        .map(|n| n.to_string())
        .or_else(|| v.as_str().map(String::from))
}

fn id_of(reply: &Reply) -> Result<String, Failure> {
    let v: Value = serde_json::from_str(&reply.body)
        .map_err(|e| Failure::retryable(format!("ServiceOps answered without JSON: {e}")))?;
    id_value(&v["id"])
        .ok_or_else(|| Failure::retryable("ServiceOps answered without the request's id"))
}
