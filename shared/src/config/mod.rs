//! The site configuration (`porthole.toml`): which sites exist, where their widget may be
//! embedded, where their conversations go, and their limits. Read by `xtask` from TOML and by the
//! edge from the JSON that `xtask` hands it.
//!
//! This file holds what every site has and the registry of helpdesks ([`ConnectorConfig`]); each
//! helpdesk's own settings, their defaults and their checks are in its file beside this one.

mod deskhero;
mod helpscout;
mod libredesk;
mod motadata;
mod reamaze;

pub use deskhero::DeskHeroConfig;
pub use helpscout::HelpScoutConfig;
pub use libredesk::LibredeskConfig;
pub use motadata::{MotadataAuth, MotadataConfig};
pub use reamaze::ReamazeConfig;

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

/// Where a site's conversations are delivered: the registry of helpdesks, one variant each (its
/// `kind` in `porthole.toml`, snake_case of the variant).
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
    /// The vendor's own configuration; `None` for the built-in inbox. The match over the vendors
    /// that everything else about a connector's configuration asks its [`VendorConfig`] through
    /// (but [`kind`](Self::kind), which the Worker needs).
    pub fn vendor(&self) -> Option<&dyn VendorConfig> {
        match self {
            ConnectorConfig::Inbox => None,
            ConnectorConfig::Helpscout(c) => Some(c),
            ConnectorConfig::Reamaze(c) => Some(c),
            ConnectorConfig::Libredesk(c) => Some(c),
            ConnectorConfig::Motadata(c) => Some(c),
            ConnectorConfig::Deskhero(c) => Some(c),
        }
    }

    /// The `kind` that names it in `porthole.toml`. Asked of each vendor's type directly rather
    /// than through [`vendor`](Self::vendor): the Worker needs only this, and a `dyn VendorConfig`
    /// would carry every vendor's checks into its wasm (a vtable keeps all of its methods).
    pub fn kind(&self) -> &'static str {
        match self {
            ConnectorConfig::Inbox => "inbox",
            ConnectorConfig::Helpscout(c) => c.kind(),
            ConnectorConfig::Reamaze(c) => c.kind(),
            ConnectorConfig::Libredesk(c) => c.kind(),
            ConnectorConfig::Motadata(c) => c.kind(),
            ConnectorConfig::Deskhero(c) => c.kind(),
        }
    }

    /// The helpdesk's API root, where it has one.
    pub fn base_url(&self) -> Option<String> {
        self.vendor().map(|v| v.base_url())
    }

    /// The names of the secrets the connector reads.
    pub fn secrets(&self) -> Vec<&str> {
        self.vendor().map(|v| v.secrets()).unwrap_or_default()
    }
}

/// What every helpdesk's configuration tells the rest of Porthole; each vendor's file implements
/// it beside its struct, its defaults and its checks.
pub trait VendorConfig {
    /// The `kind` that names it in `porthole.toml` (the [`ConnectorConfig`] variant's tag).
    fn kind(&self) -> &'static str;
    /// The helpdesk's name, as operators know it.
    fn name(&self) -> &'static str;
    /// The helpdesk's API root (checked for every vendor: http(s), no trailing slash).
    fn base_url(&self) -> String;
    /// The names of the secrets (wrangler secrets or .dev.vars) the connector reads.
    fn secrets(&self) -> Vec<&str>;
    /// Its own problems, in words an operator can act on, for the site `site`.
    fn problems(&self, site: &str) -> Vec<String>;
    /// Settings that must be valid JSON, as (key, value): checked where a JSON parser is at hand
    /// (`cargo xtask`), as this crate has none.
    fn json_templates(&self) -> Vec<(&'static str, &str)> {
        Vec::new()
    }
    /// Whether the helpdesk fetches files by link, so that a deployed Worker must know its public
    /// address.
    fn needs_public_url(&self) -> bool {
        false
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
            if let Some(vendor) = site.connector.vendor() {
                let base = vendor.base_url();
                if !(base.starts_with("https://") || base.starts_with("http://"))
                    || base.ends_with('/')
                {
                    problems.push(format!("site `{id}`: connector.base_url must be http(s)://host[:port][/path] with no trailing slash"));
                }
                problems.extend(vendor.problems(id));
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
    fn each_vendor_knows_its_kind_and_secrets() {
        let connector = |json: &str| -> ConnectorConfig { serde_json::from_str(json).unwrap() };
        for (json, secrets) in [
            (r#"{"kind": "inbox"}"#, vec![]),
            (
                r#"{"kind": "helpscout", "mailbox_id": 1}"#,
                vec!["HELPSCOUT_CLIENT_ID", "HELPSCOUT_CLIENT_SECRET"],
            ),
            (
                r#"{"kind": "reamaze", "brand": "acme", "channel": "support"}"#,
                vec!["REAMAZE_LOGIN_EMAIL", "REAMAZE_API_TOKEN"],
            ),
            (
                r#"{"kind": "libredesk", "base_url": "https://l.example", "inbox_id": 3}"#,
                vec!["LIBREDESK_API_KEY", "LIBREDESK_API_SECRET"],
            ),
            (
                r#"{"kind": "motadata", "base_url": "https://m.example"}"#,
                vec!["MOTADATA_API_KEY"],
            ),
            (
                r#"{"kind": "motadata", "base_url": "https://m.example", "auth": "oauth"}"#,
                vec![
                    "MOTADATA_CLIENT_ID",
                    "MOTADATA_CLIENT_SECRET",
                    "MOTADATA_USERNAME",
                    "MOTADATA_PASSWORD",
                ],
            ),
            (
                r#"{"kind": "deskhero", "base_url": "https://d.example", "tenant": "acme"}"#,
                vec!["DESKHERO_API_TOKEN"],
            ),
        ] {
            let c = connector(json);
            assert_eq!(
                serde_json::to_value(&c).unwrap()["kind"],
                c.kind(),
                "{json}"
            );
            assert_eq!(c.secrets(), secrets, "{json}");
        }
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
