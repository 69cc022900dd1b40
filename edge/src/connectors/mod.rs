//! Connectors: the only place vendor specifics live. Each delivers one visitor message into one
//! kind of helpdesk, journalling every step (`journal`) so that a retry resumes, and tells every
//! way it failed as a [`Failure`] (`failure`); vendor calls go through one client (`http`).
//!
//! This layer sits below `delivery`, which picks a connector ([`for_site`]) and settles what it
//! answers: nothing here imports `delivery`. Below it is only `store` (rows, the journal's and the
//! OAuth cache's SQL) and the crate's primitives.

mod deskhero;
pub mod failure;
mod helpscout;
pub mod http;
mod inbox;
pub mod journal;
mod libredesk;
mod motadata;
mod oauth;
mod reamaze;

use crate::store::{ConversationRow, Db, MessageRow, UploadRow};
use failure::Failure;
use journal::Journal;
use porthole_shared::config::{ConnectorConfig, DeliverySettings, SiteConfig};
use worker::{async_trait::async_trait, Env};

/// Everything a connector needs to deliver one message.
pub struct Job {
    pub site_id: String,
    pub site: SiteConfig,
    pub conversation: ConversationRow,
    pub message: MessageRow,
    pub files: Vec<UploadRow>,
    /// For a visitor's later message: the helpdesk's reference of the conversation it continues.
    pub follow_up: Option<String>,
}

impl Job {
    /// The text that finds this message in the helpdesk again after a lost answer: the
    /// conversation's reference, and for later messages a short part of the message's id.
    pub fn marker(&self) -> String {
        match self.follow_up {
            None => self.conversation.reference.clone(),
            Some(_) => format!(
                "{}/{}",
                self.conversation.reference,
                &self.message.id[..self.message.id.len().min(8)]
            ),
        }
    }
}

pub struct Context<'a> {
    pub env: &'a Env,
    /// The attempt's database handle (connectors cache OAuth tokens in it).
    pub db: &'a Db,
    pub settings: &'a DeliverySettings,
}

/// What the helpdesk made of it.
pub struct Delivered {
    /// The helpdesk's own id or number for the conversation.
    pub helpdesk_ref: String,
    /// Files it could not take, and why: reported to operators, never dropped silently.
    pub notes: Vec<String>,
}

#[async_trait(?Send)]
pub trait Connector {
    async fn deliver(
        &self,
        job: &Job,
        journal: &mut Journal,
        ctx: &Context<'_>,
    ) -> Result<Delivered, Failure>;
}

pub fn for_site(site: &SiteConfig) -> Box<dyn Connector> {
    match &site.connector {
        ConnectorConfig::Inbox => Box::new(inbox::Inbox),
        ConnectorConfig::Helpscout(config) => Box::new(helpscout::HelpScout::new(config.clone())),
        ConnectorConfig::Reamaze(config) => Box::new(reamaze::Reamaze::new(config.clone())),
        ConnectorConfig::Libredesk(config) => Box::new(libredesk::Libredesk::new(config.clone())),
        ConnectorConfig::Motadata(config) => Box::new(motadata::Motadata::new(config.clone())),
        ConnectorConfig::Deskhero(config) => Box::new(deskhero::DeskHero::new(config.clone())),
    }
}

/// A secret by the name the site's configuration gives; missing is permanent until an operator
/// sets it (and retries).
pub fn secret(env: &Env, name: &str) -> Result<String, Failure> {
    crate::config::secret(env, name)
        .ok_or_else(|| Failure::permanent(format!("the secret {name} is not set")))
}

/// What a lost answer's step was found to have made in the helpdesk, logged as recovered.
fn recovered<T: serde::Serialize>(step: &str, found: Option<T>) -> Option<T> {
    if let Some(found) = &found {
        crate::log::event(
            "delivery_step_recovered",
            serde_json::json!({"step": step, "helpdesk_ref": found}),
        );
    }
    found
}

/// First name and the rest, as helpdesks want them.
pub fn split_name(full: &str) -> (String, String) {
    let full = full.trim();
    match full.split_once(char::is_whitespace) {
        Some((first, rest)) => (first.to_string(), rest.trim().to_string()),
        None => (full.to_string(), String::new()),
    }
}

/// The visitor's custom fields, by key.
pub fn fields(job: &Job) -> std::collections::BTreeMap<String, String> {
    serde_json::from_str(&job.conversation.fields_json).unwrap_or_default()
}

/// What goes under the visitor's words, as (label, value): on a first message the custom fields
/// the helpdesk has no place for (`placed` says which it has) and the page it came from; always
/// the marker that finds the message again.
fn footer(job: &Job, placed: impl Fn(&str) -> bool) -> Vec<(String, String)> {
    let mut lines = Vec::new();
    if job.follow_up.is_none() {
        if job.conversation.verified {
            lines.push((
                "Email".into(),
                "verified by the site (the visitor was signed in)".into(),
            ));
        }
        lines.extend(
            fields(job)
                .into_iter()
                .filter(|(key, _)| !placed(key))
                .map(|(key, value)| (field_label(key), value)),
        );
        if let Some(url) = &job.conversation.page_url {
            lines.push(("Page".into(), url.clone()));
        }
    }
    lines.push(("Porthole reference".into(), job.marker()));
    lines
}

/// The labels Porthole itself writes in a footer.
const FOOTER_LABELS: [&str; 3] = ["Email", "Page", "Porthole reference"];

/// A visitor's field as it is labelled in a footer: never as one of Porthole's own lines, so that
/// no one can write an "Email: verified by the site" of their own.
fn field_label(key: String) -> String {
    if FOOTER_LABELS
        .iter()
        .any(|l| l.eq_ignore_ascii_case(key.trim()))
    {
        format!("{key} (the visitor's field)")
    } else {
        key
    }
}

/// The visitor's message and its footer as escaped HTML.
pub fn html_body(job: &Job, placed: impl Fn(&str) -> bool) -> String {
    use crate::escape::{html, html_paragraphs};
    let mut body = html_paragraphs(&job.message.body);
    body.push_str("\n<hr>\n<p>");
    for (label, value) in footer(job, placed) {
        body.push_str(&format!(
            "<b>{}</b>: {}<br>\n",
            html(&label),
            html_paragraphs(&value)
        ));
    }
    body.push_str("</p>");
    body
}

/// The visitor's message and its footer as escaped Markdown.
pub fn markdown_body(job: &Job, placed: impl Fn(&str) -> bool) -> String {
    use crate::escape::markdown;
    let mut body = markdown(&job.message.body);
    body.push_str("\n\n---\n\n");
    let lines: Vec<String> = footer(job, placed)
        .iter()
        .map(|(label, value)| format!("**{}**: {}", markdown(label), markdown(value)))
        .collect();
    body.push_str(&lines.join("\\\n"));
    body
}

/// The tag that finds a conversation again when its create's answer was lost (lowercase, as Help
/// Scout stores tags).
pub fn reference_tag(reference: &str) -> String {
    format!("porthole-{}", reference.to_ascii_lowercase())
}

/// `Authorization: Basic` for `user:password`.
pub fn basic_auth(user: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// A JSON error body in one line: `message`, `error`, or `errors` (a list, or field → problems),
/// whichever the vendor sent; otherwise the start of the body.
pub fn json_reason(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(String::from)
                    .unwrap_or_else(|| i.to_string())
            })
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    };
    let mut parts: Vec<String> = ["message", "error", "userMessage"]
        .iter()
        .filter_map(|k| v[*k].as_str())
        .map(String::from)
        .collect();
    match &v["errors"] {
        serde_json::Value::Object(map) => {
            parts.extend(map.iter().map(|(k, e)| format!("{k} {}", text(e))))
        }
        serde_json::Value::Null => {}
        other => parts.push(text(other)),
    }
    if parts.is_empty() {
        body.chars().take(200).collect()
    } else {
        parts.join("; ")
    }
}

/// Files larger than this are not passed on to helpdesks that take uploads: the Worker would hold
/// the file, twice (its bytes and the request body), in its 128 MB of memory. They stay in R2 and
/// in Porthole's inbox, and the delivery's notes say so.
pub const MAX_RELAY_BYTES: u64 = 32 * 1024 * 1024;

/// Why `file` is not passed on, when it is too large to be.
pub fn too_large_to_relay(file: &UploadRow) -> Option<String> {
    (file.size > MAX_RELAY_BYTES).then(|| {
        format!(
            "{} ({} bytes) is over the 32 MiB Porthole passes on to a helpdesk; it is in Porthole's inbox",
            file.name, file.size
        )
    })
}

/// A file's upload into a helpdesk: its handle there, or why the helpdesk refused it.
#[derive(serde::Serialize, serde::Deserialize)]
pub enum Uploaded<T> {
    File(T),
    Refused(String),
}

/// Uploads each of the job's files once, journalled as `file:<upload id>`, with `upload`; returns
/// the handles of those taken and the reasons for those refused. An upload whose answer was lost
/// only leaves an unused file in the helpdesk, so it is simply sent again.
pub async fn upload_each<T>(
    job: &Job,
    journal: &mut Journal,
    upload: impl AsyncFn(&UploadRow) -> Result<Uploaded<T>, Failure>,
) -> Result<(Vec<T>, Vec<String>), Failure>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let (mut taken, mut refused) = (Vec::new(), Vec::new());
    for file in &job.files {
        let step = format!("file:{}", file.id);
        let uploaded = match journal.done::<Uploaded<T>>(&step) {
            Some(uploaded) => uploaded,
            None => match too_large_to_relay(file) {
                Some(why) => Uploaded::Refused(why),
                None => {
                    journal.start(&step).await?;
                    let uploaded = upload(file).await?;
                    journal.finish(&step, &uploaded).await?;
                    uploaded
                }
            },
        };
        match uploaded {
            Uploaded::File(handle) => taken.push(handle),
            Uploaded::Refused(why) => refused.push(why),
        }
    }
    Ok((taken, refused))
}

/// A non-success answer from a helpdesk with JSON errors and a standard `Retry-After`.
pub fn fail(reply: &http::Reply) -> Failure {
    reply.failure(json_reason, "Retry-After")
}

/// A JSON request body with its content type.
pub fn json_body(value: &serde_json::Value) -> (String, http::Body) {
    ("application/json".into(), http::Body::json(value))
}

/// A stored file's bytes, for helpdesks that take uploads.
pub async fn read_file(env: &Env, file: &UploadRow) -> Result<Vec<u8>, Failure> {
    let bucket = env
        .bucket("FILES")
        .map_err(|e| Failure::retryable(e.to_string()))?;
    let object = bucket
        .get(&file.r2_key)
        .execute()
        .await
        .map_err(|e| Failure::retryable(format!("R2: {e}")))?
        .ok_or_else(|| Failure::permanent(format!("{} is missing from storage", file.name)))?;
    object
        .body()
        .ok_or_else(|| Failure::retryable("R2 object without body"))?
        .bytes()
        .await
        .map_err(|e| Failure::retryable(format!("R2: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_at_the_first_space() {
        assert_eq!(
            split_name("Ada Lovelace"),
            ("Ada".into(), "Lovelace".into())
        );
        assert_eq!(
            split_name("  Juan Carlos de la Cruz "),
            ("Juan".into(), "Carlos de la Cruz".into())
        );
        assert_eq!(split_name("Madonna"), ("Madonna".into(), String::new()));
    }

    #[test]
    fn a_visitors_field_cannot_pass_for_portholes_own_lines() {
        assert_eq!(field_label("order".into()), "order");
        assert_eq!(field_label("email".into()), "email (the visitor's field)");
        assert_eq!(
            field_label("porthole reference".into()),
            "porthole reference (the visitor's field)"
        );
    }

    #[test]
    fn tags_are_lowercase() {
        assert_eq!(reference_tag("PH-2XYKHV7P"), "porthole-ph-2xykhv7p");
    }

    #[test]
    fn vendor_errors_in_one_line() {
        assert_eq!(
            json_reason(r#"{"status":"error","message":"`inbox_id` Required","data":null}"#),
            "`inbox_id` Required"
        );
        assert_eq!(
            json_reason(r#"{"errors":{"category":["is invalid"],"user":["can't be blank"]}}"#),
            "category is invalid; user can't be blank"
        );
        assert_eq!(
            json_reason(r#"{"error":"Invalid credentials"}"#),
            "Invalid credentials"
        );
        assert_eq!(json_reason("<html>502</html>"), "<html>502</html>");
    }
}
