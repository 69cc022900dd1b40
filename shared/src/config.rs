//! The site configuration (`porthole.toml`): which sites exist, where their widget may be
//! embedded, where their conversations go, and their limits. Read by `xtask` from TOML and by the
//! edge from the JSON that `xtask` hands it.

use crate::Limits;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortholeConfig {
    #[serde(default)]
    pub sites: BTreeMap<String, SiteConfig>,
    #[serde(default)]
    pub delivery: DeliverySettings,
}

/// How hard Porthole tries to deliver into a helpdesk before it gives up and an operator is needed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliverySettings {
    /// Attempts of a delivery before it is marked failed and dead-lettered.
    pub max_attempts: u32,
    /// The first retry waits about this long; each further one twice as long, with jitter.
    pub retry_base_seconds: u32,
    /// No wait is longer than this, whatever the backoff or the helpdesk's Retry-After says.
    pub retry_max_seconds: u32,
    /// A helpdesk call that takes longer is abandoned and retried.
    pub request_timeout_ms: u32,
    /// A delivery not finished this long after it started is handed to another worker by the sweeper.
    pub lease_seconds: u32,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            max_attempts: 10,
            retry_base_seconds: 10,
            retry_max_seconds: 3600,
            request_timeout_ms: 15_000,
            lease_seconds: 120,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// Shown to operators; defaults to the site's key.
    #[serde(default)]
    pub name: Option<String>,
    /// Origins (`scheme://host[:port]`) of the pages allowed to embed the widget and post to it.
    pub allowed_origins: Vec<String>,
    pub connector: ConnectorConfig,
    #[serde(default)]
    pub limits: LimitOverrides,
    /// The name of the secret (wrangler secret or .dev.vars) holding the key the site's server
    /// signs visitors' emails with for `Porthole('identify')`. Without it, identities are refused.
    #[serde(default)]
    pub identity_secret: Option<String>,
    /// The widget's colour, position, custom fields and copy.
    #[serde(default)]
    pub widget: crate::form::WidgetSettings,
}

/// Where a site's conversations are delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ConnectorConfig {
    /// The built-in inbox: conversations stay in Porthole's own database.
    Inbox,
    /// Help Scout's Inbox API 2.0, with OAuth client credentials.
    Helpscout(HelpScoutConfig),
    /// Re:amaze, with a staff login email and API token.
    Reamaze(ReamazeConfig),
    /// A self-hosted Libredesk, with an agent's API key and secret.
    Libredesk(LibredeskConfig),
    /// Motadata ServiceOps, with an API key or OAuth (password grant).
    Motadata(MotadataConfig),
    /// DeskHero, per tenant, with a bearer token; the parts of its API that are not public are
    /// configurable.
    Deskhero(DeskHeroConfig),
}

impl ConnectorConfig {
    pub fn kind(&self) -> &'static str {
        match self {
            ConnectorConfig::Inbox => "inbox",
            ConnectorConfig::Helpscout(_) => "helpscout",
            ConnectorConfig::Reamaze(_) => "reamaze",
            ConnectorConfig::Libredesk(_) => "libredesk",
            ConnectorConfig::Motadata(_) => "motadata",
            ConnectorConfig::Deskhero(_) => "deskhero",
        }
    }

    /// The helpdesk's API root, where it has one.
    pub fn base_url(&self) -> Option<String> {
        match self {
            ConnectorConfig::Inbox => None,
            ConnectorConfig::Helpscout(c) => Some(c.base_url.clone()),
            ConnectorConfig::Reamaze(c) => Some(c.base_url()),
            ConnectorConfig::Libredesk(c) => Some(c.base_url.clone()),
            ConnectorConfig::Motadata(c) => Some(c.base_url.clone()),
            ConnectorConfig::Deskhero(c) => Some(c.base_url.clone()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HelpScoutConfig {
    /// The inbox (mailbox) conversations are created in: the number in its URL in Help Scout.
    pub mailbox_id: u64,
    #[serde(default = "HelpScoutConfig::default_base_url")]
    pub base_url: String,
    /// Names of the secrets (wrangler secrets or .dev.vars) holding the OAuth app's credentials.
    #[serde(default = "HelpScoutConfig::default_client_id_secret")]
    pub client_id_secret: String,
    #[serde(default = "HelpScoutConfig::default_client_secret_secret")]
    pub client_secret_secret: String,
    /// The site's custom fields that have a Help Scout custom field: form key → Help Scout field
    /// id (Manage → Company → Custom Fields). Others go in a readable block under the message.
    #[serde(default)]
    pub fields: BTreeMap<String, u64>,
}

impl HelpScoutConfig {
    fn default_base_url() -> String {
        "https://api.helpscout.net".into()
    }
    fn default_client_id_secret() -> String {
        "HELPSCOUT_CLIENT_ID".into()
    }
    fn default_client_secret_secret() -> String {
        "HELPSCOUT_CLIENT_SECRET".into()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReamazeConfig {
    /// The brand: `acme` for https://acme.reamaze.io.
    pub brand: String,
    /// The channel's slug (Settings → Account IDs and Secret), sent as the conversation's category.
    pub channel: String,
    /// Overrides `https://{brand}.reamaze.io` (tests point it at a fake).
    #[serde(default)]
    pub base_url: Option<String>,
    /// Names of the secrets holding a staff user's login email and API token.
    #[serde(default = "ReamazeConfig::default_login_email_secret")]
    pub login_email_secret: String,
    #[serde(default = "ReamazeConfig::default_api_token_secret")]
    pub api_token_secret: String,
}

impl ReamazeConfig {
    pub fn base_url(&self) -> String {
        self.base_url
            .clone()
            .unwrap_or_else(|| format!("https://{}.reamaze.io", self.brand))
    }
    fn default_login_email_secret() -> String {
        "REAMAZE_LOGIN_EMAIL".into()
    }
    fn default_api_token_secret() -> String {
        "REAMAZE_API_TOKEN".into()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LibredeskConfig {
    /// Where the Libredesk is served, e.g. https://support.acme.example (self-hosted: no default).
    pub base_url: String,
    /// The email inbox conversations are created in: the number in its URL under Admin → Inboxes.
    pub inbox_id: u64,
    /// Names of the secrets holding the agent's API key and secret.
    #[serde(default = "LibredeskConfig::default_api_key_secret")]
    pub api_key_secret: String,
    #[serde(default = "LibredeskConfig::default_api_secret_secret")]
    pub api_secret_secret: String,
    /// The site's custom fields that exist as conversation custom attributes in Libredesk (same
    /// key). Libredesk silently drops unknown attributes, so the others go under the message.
    #[serde(default)]
    pub custom_attributes: Vec<String>,
    /// Libredesk's upload limit (its `app.max_file_upload_size`, 20 MB unless changed): larger
    /// files are reported instead of sent.
    #[serde(default = "LibredeskConfig::default_max_file_mb")]
    pub max_file_mb: u64,
}

impl LibredeskConfig {
    fn default_api_key_secret() -> String {
        "LIBREDESK_API_KEY".into()
    }
    fn default_api_secret_secret() -> String {
        "LIBREDESK_API_SECRET".into()
    }
    fn default_max_file_mb() -> u64 {
        20
    }
}

/// How Porthole signs in to Motadata ServiceOps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MotadataAuth {
    /// `Authorization: Apikey <key>`, the key generated in the ServiceOps portal.
    #[default]
    Apikey,
    /// OAuth password grant at `/api/oauth/token` with a client id and secret and a technician's
    /// username and password; the token is cached and renewed.
    Oauth,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MotadataConfig {
    /// Where ServiceOps is served, e.g. https://servicedesk.acme.example (self-hosted: no default).
    pub base_url: String,
    #[serde(default)]
    pub auth: MotadataAuth,
    /// Names of the secrets: the API key (auth = "apikey"), or the OAuth client and the
    /// technician it signs in as (auth = "oauth").
    #[serde(default = "MotadataConfig::default_api_key_secret")]
    pub api_key_secret: String,
    #[serde(default = "MotadataConfig::default_client_id_secret")]
    pub client_id_secret: String,
    #[serde(default = "MotadataConfig::default_client_secret_secret")]
    pub client_secret_secret: String,
    #[serde(default = "MotadataConfig::default_username_secret")]
    pub username_secret: String,
    #[serde(default = "MotadataConfig::default_password_secret")]
    pub password_secret: String,
    /// Not in Motadata's public docs, so assumed and changeable: the Upload Attachment API's
    /// path and multipart field, answering `{refFileName, realName}`.
    #[serde(default = "MotadataConfig::default_upload_path")]
    pub upload_path: String,
    #[serde(default = "MotadataConfig::default_upload_field")]
    pub upload_field: String,
    /// Assumed: the conversation type of a message from the requester.
    #[serde(default = "MotadataConfig::default_conversation_type")]
    pub conversation_type: String,
    /// Assumed from the documented change search: where requests are searched by qualification
    /// (to find a request whose create answer was lost).
    #[serde(default = "MotadataConfig::default_search_path")]
    pub search_path: String,
}

impl MotadataConfig {
    fn default_api_key_secret() -> String {
        "MOTADATA_API_KEY".into()
    }
    fn default_client_id_secret() -> String {
        "MOTADATA_CLIENT_ID".into()
    }
    fn default_client_secret_secret() -> String {
        "MOTADATA_CLIENT_SECRET".into()
    }
    fn default_username_secret() -> String {
        "MOTADATA_USERNAME".into()
    }
    fn default_password_secret() -> String {
        "MOTADATA_PASSWORD".into()
    }
    fn default_upload_path() -> String {
        "/api/v1/attachment".into()
    }
    fn default_upload_field() -> String {
        "file".into()
    }
    fn default_conversation_type() -> String {
        "requestor_to_technician".into()
    }
    fn default_search_path() -> String {
        "/api/v1/request/search/byqual".into()
    }
}

/// DeskHero. Its public docs cover only the ticket conversation route; everything marked
/// "assumed" is a default an operator with DeskHero's full API reference can change. Paths take
/// `{tenant}`, `{version}` and, where it applies, `{reference}`; the ticket body template takes
/// `{subject}`, `{name}`, `{email}` and `{reference}` inside its JSON strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeskHeroConfig {
    pub base_url: String,
    /// The tenant in every path (`/api/{tenant}/v{version}/…`).
    pub tenant: String,
    #[serde(default = "DeskHeroConfig::default_version")]
    pub version: u32,
    /// The secret holding the API credential, sent as `Authorization: {auth_scheme} <credential>`.
    #[serde(default = "DeskHeroConfig::default_token_secret")]
    pub token_secret: String,
    /// Assumed.
    #[serde(default = "DeskHeroConfig::default_auth_scheme")]
    pub auth_scheme: String,
    /// Assumed: creating a ticket, its JSON body, and where the new ticket's id is in the answer
    /// (a JSON pointer).
    #[serde(default = "DeskHeroConfig::default_create_ticket_path")]
    pub create_ticket_path: String,
    #[serde(default = "DeskHeroConfig::default_create_ticket_body")]
    pub create_ticket_body: String,
    #[serde(default = "DeskHeroConfig::default_ticket_id_pointer")]
    pub ticket_id_pointer: String,
    /// Assumed, optional: a GET that finds a ticket by its Porthole reference, and where its id
    /// is. Without it, a ticket whose create answer was lost is not created again: the delivery
    /// fails with the reference for an operator to check.
    #[serde(default)]
    pub find_ticket_path: Option<String>,
    #[serde(default = "DeskHeroConfig::default_found_ticket_id_pointer")]
    pub found_ticket_id_pointer: String,
    /// Assumed: uploading a file (multipart), and where its id is in the answer.
    #[serde(default = "DeskHeroConfig::default_upload_path")]
    pub upload_path: String,
    #[serde(default = "DeskHeroConfig::default_upload_field")]
    pub upload_field: String,
    #[serde(default = "DeskHeroConfig::default_attachment_id_pointer")]
    pub attachment_id_pointer: String,
}

impl DeskHeroConfig {
    fn default_version() -> u32 {
        1
    }
    fn default_token_secret() -> String {
        "DESKHERO_API_TOKEN".into()
    }
    fn default_auth_scheme() -> String {
        "Bearer".into()
    }
    fn default_create_ticket_path() -> String {
        "/api/{tenant}/v{version}/tickets".into()
    }
    fn default_create_ticket_body() -> String {
        r#"[{"subject": "{subject} [{reference}]", "requester": {"email": "{email}", "name": "{name}"}}]"#.into()
    }
    fn default_ticket_id_pointer() -> String {
        "/data/0/id".into()
    }
    fn default_found_ticket_id_pointer() -> String {
        "/data/0/id".into()
    }
    fn default_upload_path() -> String {
        "/api/{tenant}/v{version}/attachments".into()
    }
    fn default_upload_field() -> String {
        "file".into()
    }
    fn default_attachment_id_pointer() -> String {
        "/data/0/id".into()
    }
}

/// A site's own limits; anything unset keeps the default.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitOverrides {
    pub max_file_bytes: Option<u64>,
    pub max_files: Option<usize>,
    pub file_types: Option<Vec<String>>,
    /// Messages one visitor may send in a clock hour (default 20); more are refused with 429.
    pub messages_per_hour: Option<u32>,
}

impl SiteConfig {
    pub fn limits(&self) -> Limits {
        let mut limits = Limits::default();
        if let Some(bytes) = self.limits.max_file_bytes {
            limits.file_bytes = bytes;
        }
        if let Some(files) = self.limits.max_files {
            limits.files = files;
        }
        if let Some(types) = &self.limits.file_types {
            limits.file_types = types.clone();
        }
        if let Some(messages) = self.limits.messages_per_hour {
            limits.messages_per_hour = messages;
        }
        limits
    }

    /// Exact match of the request's `Origin` against the allowed list.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|o| o == origin)
    }
}

impl PortholeConfig {
    /// Every problem in the file, in words an operator can act on. Empty means valid.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.sites.is_empty() {
            problems.push("no sites are configured: add a [sites.<id>] table".to_string());
        }
        for (id, site) in &self.sites {
            if !is_site_id(id) {
                problems.push(format!(
                    "site id `{id}`: use 1 to 40 lowercase letters, digits or '-'"
                ));
            }
            if site.allowed_origins.is_empty() {
                problems.push(format!(
                    "site `{id}`: allowed_origins is empty, so no page could embed it"
                ));
            }
            for origin in &site.allowed_origins {
                if !is_origin(origin) {
                    problems.push(format!(
                        "site `{id}`: allowed origin `{origin}` must be scheme://host[:port] with no path or trailing slash"
                    ));
                }
            }
            if let Some(base) = site.connector.base_url() {
                if !(base.starts_with("https://") || base.starts_with("http://"))
                    || base.ends_with('/')
                {
                    problems.push(format!("site `{id}`: connector.base_url must be http(s)://host[:port][/path] with no trailing slash"));
                }
            }
            match &site.connector {
                ConnectorConfig::Reamaze(r)
                    if !is_site_id(&r.brand) || r.channel.trim().is_empty() =>
                {
                    problems.push(format!("site `{id}`: connector.brand (as in https://BRAND.reamaze.io) and connector.channel (the channel's slug) are required"));
                }
                ConnectorConfig::Libredesk(l) if l.inbox_id == 0 => {
                    problems.push(format!("site `{id}`: connector.inbox_id must be the number of a Libredesk email inbox"));
                }
                ConnectorConfig::Motadata(m)
                    if [&m.upload_path, &m.search_path]
                        .iter()
                        .any(|p| !p.starts_with('/')) =>
                {
                    problems.push(format!(
                        "site `{id}`: connector.upload_path and search_path must start with /"
                    ));
                }
                ConnectorConfig::Deskhero(d)
                    if d.tenant.len() < 2
                        || !d
                            .tenant
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
                {
                    problems.push(format!("site `{id}`: connector.tenant must be DeskHero's tenant name (letters, digits, '-')"));
                }
                ConnectorConfig::Deskhero(d)
                    if [&d.create_ticket_path, &d.upload_path]
                        .iter()
                        .chain(d.find_ticket_path.as_ref().iter())
                        .any(|p| !p.starts_with('/')) =>
                {
                    problems.push(format!("site `{id}`: connector paths must start with /"));
                }
                _ => {}
            }
            problems.extend(site.widget.problems(id));
            for (locale, messages) in &site.widget.copy {
                if !crate::locales::LOCALES.contains(&locale.as_str()) {
                    problems.push(format!("site `{id}`: widget.copy.{locale}: Porthole has no `{locale}` catalog ({})", crate::locales::LOCALES.join(", ")));
                }
                for message in messages.keys() {
                    if !crate::locales::has_message(message) {
                        problems.push(format!("site `{id}`: widget.copy.{locale}.{message} is not a message of the catalog (shared/locales/en.ftl)"));
                    }
                }
            }
            let limits = &site.limits;
            if limits.max_file_bytes == Some(0)
                || limits.max_file_bytes > Some(crate::limits::MAX_FILE_BYTES)
            {
                problems.push(format!(
                    "site `{id}`: limits.max_file_bytes must be between 1 and {}",
                    crate::limits::MAX_FILE_BYTES
                ));
            }
            if limits.messages_per_hour == Some(0) {
                problems.push(format!(
                    "site `{id}`: limits.messages_per_hour must be at least 1"
                ));
            }
            if limits.max_files == Some(0) || limits.max_files > Some(Limits::default().files) {
                problems.push(format!(
                    "site `{id}`: limits.max_files must be between 1 and {}",
                    Limits::default().files
                ));
            }
        }
        let d = &self.delivery;
        if d.max_attempts == 0
            || d.retry_base_seconds == 0
            || d.retry_max_seconds < d.retry_base_seconds
        {
            problems.push("delivery: max_attempts and retry_base_seconds must be at least 1, retry_max_seconds at least retry_base_seconds".into());
        }
        if d.retry_max_seconds > 43_200 {
            problems.push("delivery: retry_max_seconds can be at most 43200 (a queue's longest delay, 12 hours)".into());
        }
        if d.request_timeout_ms < 100
            || u64::from(d.lease_seconds) * 1000 < 4 * u64::from(d.request_timeout_ms)
        {
            problems.push("delivery: request_timeout_ms must be at least 100 and lease_seconds long enough for four requests".into());
        }
        problems
    }
}

pub fn is_site_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn is_origin(origin: &str) -> bool {
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', '@', ' '])
        && rest
            .rsplit_once(':')
            .is_none_or(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(origins: &[&str]) -> SiteConfig {
        SiteConfig {
            name: None,
            allowed_origins: origins.iter().map(|s| s.to_string()).collect(),
            connector: ConnectorConfig::Inbox,
            limits: LimitOverrides::default(),
            identity_secret: None,
            widget: Default::default(),
        }
    }

    #[test]
    fn origins_must_be_bare() {
        let mut config = PortholeConfig::default();
        config.sites.insert(
            "acme".into(),
            site(&["https://acme.example", "http://127.0.0.1:8080"]),
        );
        assert!(config.problems().is_empty(), "{:?}", config.problems());
        for bad in [
            "https://acme.example/",
            "acme.example",
            "ftp://acme.example",
            "https://acme.example:99999",
        ] {
            let mut config = PortholeConfig::default();
            config.sites.insert("acme".into(), site(&[bad]));
            assert_eq!(config.problems().len(), 1, "{bad} should be refused");
        }
    }

    #[test]
    fn site_ids_and_limits_are_checked() {
        let mut config = PortholeConfig::default();
        let mut s = site(&["https://a.example"]);
        s.limits.max_file_bytes = Some(0);
        s.limits.max_files = Some(50);
        config.sites.insert("Bad_Id".into(), s);
        let problems = config.problems();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(PortholeConfig::default().problems()[0].contains("no sites"));
        // Over 100 MB is fine (files go in parts), up to R2's reach at our part size.
        for (bytes, problems) in [(200_000_000, 0), (crate::limits::MAX_FILE_BYTES + 1, 1)] {
            let mut config = PortholeConfig::default();
            let mut s = site(&["https://a.example"]);
            s.limits.max_file_bytes = Some(bytes);
            config.sites.insert("acme".into(), s);
            assert_eq!(config.problems().len(), problems, "{bytes}");
        }
    }

    #[test]
    fn connectors_are_checked() {
        let toml_site = |connector: ConnectorConfig| {
            let mut config = PortholeConfig::default();
            let mut s = site(&["https://a.example"]);
            s.connector = connector;
            config.sites.insert("acme".into(), s);
            config.problems()
        };
        let reamaze = ReamazeConfig {
            brand: "acme".into(),
            channel: "support".into(),
            base_url: None,
            login_email_secret: "E".into(),
            api_token_secret: "T".into(),
        };
        assert_eq!(reamaze.base_url(), "https://acme.reamaze.io");
        assert!(toml_site(ConnectorConfig::Reamaze(reamaze.clone())).is_empty());
        assert_eq!(
            toml_site(ConnectorConfig::Reamaze(ReamazeConfig {
                channel: " ".into(),
                ..reamaze.clone()
            }))
            .len(),
            1
        );
        assert_eq!(
            toml_site(ConnectorConfig::Reamaze(ReamazeConfig {
                base_url: Some("http://x/".into()),
                ..reamaze
            }))
            .len(),
            1
        );
        let libredesk = LibredeskConfig {
            base_url: "https://desk.acme.example".into(),
            inbox_id: 3,
            api_key_secret: "K".into(),
            api_secret_secret: "S".into(),
            custom_attributes: vec![],
            max_file_mb: 20,
        };
        assert!(toml_site(ConnectorConfig::Libredesk(libredesk.clone())).is_empty());
        assert_eq!(
            toml_site(ConnectorConfig::Libredesk(LibredeskConfig {
                inbox_id: 0,
                ..libredesk
            }))
            .len(),
            1
        );
    }

    #[test]
    fn overrides_apply() {
        let mut s = site(&["https://a.example"]);
        s.limits.max_file_bytes = Some(1024);
        s.limits.file_types = Some(vec!["image/*".into()]);
        let limits = s.limits();
        assert_eq!(limits.file_bytes, 1024);
        assert_eq!(limits.files, Limits::default().files);
        assert!(!limits.allows_type("text/plain"));
        assert!(s.allows_origin("https://a.example"));
        assert!(!s.allows_origin("https://a.example.evil"));
    }
}
