//! DeskHero. Its public API documentation covers only the ticket conversation route
//! (`/api/{tenant}/v{version}/ticket_conversations/{ticket}`); creating a ticket, uploading a file
//! and finding a ticket again are configuration with documented defaults (`DeskHeroConfig`), so
//! an operator with DeskHero's full API reference can correct them without a code change.
//!
//! Steps, each journalled: create the ticket (configured path and body template) unless this is a
//! later message, upload each file (configured path and field), then add the visitor's message as
//! one `REPLY_INBOUND` conversation entry: requester and FROM address, escaped HTML, attachments
//! by id. A conversation entry whose answer was lost is looked for on the ticket (by its marker)
//! before it is sent again; a ticket whose answer was lost is looked up with `find_ticket_path`
//! when one is configured, and otherwise left to an operator rather than risk a second ticket.

use super::failure::Failure;
use super::http::{self, multipart_file, Body, Call, Reply};
use super::journal::Journal;
use super::{
    fail, html_body, json_body, json_reason, read_file, secret, upload_each, Connector, Context,
    Delivered, Job, Uploaded,
};
use porthole_shared::config::DeskHeroConfig;
use serde_json::{json, Value};
use worker::async_trait::async_trait;
use worker::Method;

/// `ENUM ticket_conversation_type`: a message from the requester.
const REPLY_INBOUND: u32 = 1;
/// `ENUM email_address_direction`.
const FROM: u32 = 1;

pub struct DeskHero {
    config: DeskHeroConfig,
}

impl DeskHero {
    pub fn new(config: DeskHeroConfig) -> Self {
        DeskHero { config }
    }
}

#[async_trait(?Send)]
impl Connector for DeskHero {
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
        let ticket = match &job.follow_up {
            None => api.ticket(journal).await?,
            Some(ticket) => ticket.clone(),
        };
        let (ids, notes) = upload_each(job, journal, async |file| api.upload(file).await).await?;
        let attachments = ids.into_iter().map(|id: Value| json!({"id": id})).collect();
        journal
            .once(
                "message",
                async || Ok(api.has_message(&ticket).await?.then_some(true)),
                async || {
                    api.add_message(&ticket, attachments).await?;
                    Ok(true)
                },
            )
            .await?;
        Ok(Delivered {
            helpdesk_ref: ticket,
            notes,
        })
    }
}

struct Api<'a> {
    config: &'a DeskHeroConfig,
    job: &'a Job,
    ctx: &'a Context<'a>,
}

impl Api<'_> {
    /// `{tenant}`, `{version}` and `{reference}` in a configured path.
    fn path(&self, template: &str) -> String {
        let reference = percent_encoding::utf8_percent_encode(
            &self.job.conversation.reference,
            percent_encoding::NON_ALPHANUMERIC,
        )
        .to_string();
        template
            .replace("{tenant}", &self.config.tenant)
            .replace("{version}", &self.config.version.to_string())
            .replace("{reference}", &reference)
    }

    fn conversations_path(&self, ticket: &str) -> String {
        self.path(&format!(
            "/api/{{tenant}}/v{{version}}/ticket_conversations/{ticket}"
        ))
    }

    async fn ticket(&self, journal: &mut Journal) -> Result<String, Failure> {
        if let Some(id) = journal.done("ticket") {
            return Ok(id);
        }
        if journal.interrupted("ticket") {
            let Some(find) = &self.config.find_ticket_path else {
                return Err(Failure::permanent(format!(
                    "DeskHero's answer to creating the ticket was lost and no find_ticket_path is configured: look for a ticket \
                     with {} in DeskHero, then `cargo xtask deliveries --retry DELIVERY --created ticket=ITS_ID` \
                     (or `--not-created ticket` if there is none)",
                    self.job.conversation.reference
                )));
            };
            let reply = self.call(Method::Get, &self.path(find), None).await?;
            if !reply.ok() {
                return Err(fail(&reply));
            }
            if let Some(id) = pointer(&reply, &self.config.found_ticket_id_pointer) {
                crate::log::event(
                    "delivery_step_recovered",
                    json!({"step": "ticket", "helpdesk_ref": id}),
                );
                journal.finish("ticket", &id).await?;
                return Ok(id);
            }
            // Nothing at the pointer must mean an empty result, not an answer we cannot read.
            if !found_nothing(&reply.body, &self.config.found_ticket_id_pointer) {
                return Err(Failure::retryable(
                    "DeskHero's ticket search answered in a shape Porthole does not know",
                ));
            }
        }
        let body = fill(&self.config.create_ticket_body, self.job)?;
        journal.start("ticket").await?;
        let reply = self
            .call(
                Method::Post,
                &self.path(&self.config.create_ticket_path),
                Some(json_body(&body)),
            )
            .await?;
        if !reply.ok() {
            // These answers mean the create did not happen, so the next attempt may simply create.
            // Other 5xx may come after DeskHero acted (a proxy timing out), so they stay interrupted.
            if (400..500).contains(&reply.status) || reply.status == 503 {
                journal.answered_with_error("ticket").await?;
            }
            return Err(fail(&reply));
        }
        let id = pointer(&reply, &self.config.ticket_id_pointer).ok_or_else(|| {
            Failure::retryable(format!(
                "DeskHero's ticket answer has no id at {}",
                self.config.ticket_id_pointer
            ))
        })?;
        journal.finish("ticket", &id).await?;
        Ok(id)
    }

    async fn upload(&self, file: &crate::store::UploadRow) -> Result<Uploaded<Value>, Failure> {
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
                &self.path(&self.config.upload_path),
                Some((content_type, Body::Bytes(body))),
            )
            .await?;
        match reply.status {
            200..=299 => {
                let v: Value = serde_json::from_str(&reply.body)
                    .map_err(|e| Failure::retryable(format!("DeskHero upload answer: {e}")))?;
                let id = v
                    .pointer(&self.config.attachment_id_pointer)
                    .filter(|id| id.is_number() || id.is_string())
                    .cloned();
                Ok(Uploaded::File(id.ok_or_else(|| {
                    Failure::retryable(format!(
                        "DeskHero's upload answer has no id at {}",
                        self.config.attachment_id_pointer
                    ))
                })?))
            }
            // 400 more likely means the assumed upload route is wrong: a permanent failure, so the
            // file is sent once the configuration is fixed.
            413 | 415 => Ok(Uploaded::Refused(format!(
                "{} was refused by DeskHero: {}",
                file.name,
                json_reason(&reply.body)
            ))),
            _ => Err(fail(&reply)),
        }
    }

    async fn add_message(&self, ticket: &str, attachments: Vec<Value>) -> Result<(), Failure> {
        let c = &self.job.conversation;
        let ticket_id = ticket
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(ticket));
        let entry = json!([{
            "ticket_id": ticket_id,
            "type": REPLY_INBOUND,
            "requester": {"email": c.email, "name": c.name},
            "email_addresses": [{"email": c.email, "name": c.name, "direction": FROM}],
            "sys_content_rich": {"html": html_body(self.job, |_| false)},
            "sys_attachments": attachments,
        }]);
        let reply = self
            .call(
                Method::Post,
                &self.conversations_path(ticket),
                Some(json_body(&entry)),
            )
            .await?;
        if reply.ok() {
            Ok(())
        } else {
            Err(fail(&reply))
        }
    }

    /// Whether the ticket already has an entry carrying this message's marker (assumed: the
    /// conversation route also answers GET with the ticket's entries).
    async fn has_message(&self, ticket: &str) -> Result<bool, Failure> {
        let reply = self
            .call(Method::Get, &self.conversations_path(ticket), None)
            .await?;
        if !reply.ok() {
            return Err(fail(&reply));
        }
        let v: Value = serde_json::from_str(&reply.body).unwrap_or_default();
        // An answer in another shape is not "no such entry": sending again could duplicate it.
        let entries = v["data"]
            .as_array()
            .or(v.as_array())
            .cloned()
            .ok_or_else(|| {
                Failure::retryable(
                    "DeskHero listed the ticket's entries in a shape Porthole does not know",
                )
            })?;
        let marker = crate::escape::html(&self.job.marker());
        Ok(entries.iter().any(|e| {
            e["sys_content_rich"]["html"]
                .as_str()
                .is_some_and(|h| h.contains(&marker))
        }))
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<(String, Body)>,
    ) -> Result<Reply, Failure> {
        let credential = secret(self.ctx.env, &self.config.token_secret)?;
        let call = Call::json_api(
            method,
            format!("{}{path}", self.config.base_url),
            format!("{} {credential}", self.config.auth_scheme),
            body,
        );
        http::send(call, self.ctx.settings.request_timeout_ms).await
    }
}

/// The ticket body: the configured JSON template with `{subject}`, `{name}`, `{email}` and
/// `{reference}` replaced inside its strings (as data: the JSON stays well formed whatever the
/// visitor typed).
fn fill(template: &str, job: &Job) -> Result<Value, Failure> {
    let mut value: Value = serde_json::from_str(template)
        .map_err(|e| Failure::permanent(format!("create_ticket_body is not valid JSON: {e}")))?;
    let c = &job.conversation;
    let values = [
        ("{subject}", c.subject.as_str()),
        ("{name}", c.name.as_str()),
        ("{email}", c.email.as_str()),
        ("{reference}", c.reference.as_str()),
    ];
    fill_strings(&mut value, &values);
    Ok(value)
}

fn fill_strings(value: &mut Value, values: &[(&str, &str)]) {
    match value {
        Value::String(s) => {
            // One pass, so a visitor typing "{email}" in the subject does not get it replaced.
            let mut out = String::with_capacity(s.len());
            let mut rest = s.as_str();
            'scan: while !rest.is_empty() {
                for (key, replacement) in values {
                    if let Some(after) = rest.strip_prefix(key) {
                        out.push_str(replacement);
                        rest = after;
                        continue 'scan;
                    }
                }
                let c = rest.chars().next().expect("not empty");
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
            *s = out;
        }
        Value::Array(items) => items.iter_mut().for_each(|v| fill_strings(v, values)),
        Value::Object(map) => map.values_mut().for_each(|v| fill_strings(v, values)),
        _ => {}
    }
}

/// A number or string at `pointer` in the answer, as text.
fn pointer(reply: &Reply, pointer: &str) -> Option<String> {
    let v: Value = serde_json::from_str(&reply.body).ok()?;
    let found = v.pointer(pointer)?;
    found
        .as_i64()
        .map(|n| n.to_string())
        .or_else(|| found.as_str().map(String::from))
}

/// Whether a search answer plainly holds no result for `pointer`: JSON, and where the pointer
/// goes through a list (`/data/0/id`), that list is there and empty.
fn found_nothing(body: &str, pointer: &str) -> bool {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return false;
    };
    let segments: Vec<&str> = pointer.split('/').collect();
    match segments
        .iter()
        .position(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
    {
        Some(i) => v
            .pointer(&segments[..i].join("/"))
            .and_then(Value::as_array)
            .is_some_and(|list| list.is_empty()),
        None => v.pointer(pointer).is_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_readable_empty_search_is_nothing_found() {
        assert!(found_nothing(r#"{"data": []}"#, "/data/0/id"));
        assert!(
            !found_nothing(r#"{"data": [{"id": 1}]}"#, "/data/0/id"),
            "found"
        );
        assert!(
            !found_nothing(r#"{"results": []}"#, "/data/0/id"),
            "another shape"
        );
        assert!(!found_nothing("<html>", "/data/0/id"));
        assert!(found_nothing(r#"{"data": {}}"#, "/data/ticket_id"));
    }

    #[test]
    fn templates_fill_once_and_stay_json() {
        let mut v: Value = serde_json::from_str(r#"[{"subject": "{subject} [{reference}]", "requester": {"email": "{email}"}, "n": 1}]"#).unwrap();
        fill_strings(
            &mut v,
            &[
                ("{subject}", "Quote \" and {email}"),
                ("{email}", "a@b.example"),
                ("{reference}", "PH-1"),
            ],
        );
        assert_eq!(v[0]["subject"], "Quote \" and {email} [PH-1]");
        assert_eq!(v[0]["requester"]["email"], "a@b.example");
        assert_eq!(v[0]["n"], 1);
    }
}
