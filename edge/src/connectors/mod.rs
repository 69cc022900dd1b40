//! Connectors: the only place vendor specifics live. Each delivers one visitor message into one
//! kind of helpdesk, journalling every step (see `delivery::journal`) so that a retry resumes.

mod helpscout;
mod inbox;

use crate::delivery::journal::Journal;
use crate::delivery::retry::Failure;
use crate::store::{ConversationRow, MessageRow, UploadRow};
use porthole_shared::config::{ConnectorConfig, DeliverySettings, SiteConfig};
use worker::{async_trait::async_trait, Env};

/// Everything a connector needs to deliver one message.
pub struct Job {
    pub site_id: String,
    pub site: SiteConfig,
    pub conversation: ConversationRow,
    pub message: MessageRow,
    pub files: Vec<UploadRow>,
}

pub struct Context<'a> {
    pub env: &'a Env,
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
    async fn deliver(&self, job: &Job, journal: &mut Journal, ctx: &Context<'_>) -> Result<Delivered, Failure>;
}

pub fn for_site(site: &SiteConfig) -> Box<dyn Connector> {
    match &site.connector {
        ConnectorConfig::Inbox => Box::new(inbox::Inbox),
        ConnectorConfig::Helpscout(config) => Box::new(helpscout::HelpScout::new(config.clone())),
    }
}

/// A secret by the name the site's configuration gives; missing is permanent until an operator
/// sets it (and retries).
pub fn secret(env: &Env, name: &str) -> Result<String, Failure> {
    env.secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Failure::permanent(format!("the secret {name} is not set")))
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

/// The visitor's message, then the custom fields the helpdesk has no place for (`placed` says
/// which it has) and the page it came from, as escaped HTML.
pub fn html_body(job: &Job, placed: impl Fn(&str) -> bool) -> String {
    use crate::escape::{html, html_paragraphs};
    let mut body = html_paragraphs(&job.message.body);
    body.push_str("\n<hr>\n<p>");
    for (key, value) in fields(job).iter().filter(|(key, _)| !placed(key)) {
        body.push_str(&format!("<b>{}</b>: {}<br>\n", html(key), html_paragraphs(value)));
    }
    if let Some(url) = &job.conversation.page_url {
        body.push_str(&format!("<b>Page</b>: {}<br>\n", html(url)));
    }
    body.push_str(&format!("<b>Porthole reference</b>: {}</p>", html(&job.conversation.reference)));
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_at_the_first_space() {
        assert_eq!(split_name("Ada Lovelace"), ("Ada".into(), "Lovelace".into()));
        assert_eq!(split_name("  Juan Carlos de la Cruz "), ("Juan".into(), "Carlos de la Cruz".into()));
        assert_eq!(split_name("Madonna"), ("Madonna".into(), String::new()));
    }
}
