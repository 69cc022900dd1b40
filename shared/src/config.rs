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
}

/// Where a site's conversations are delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ConnectorConfig {
    /// The built-in inbox: conversations stay in Porthole's own database.
    Inbox,
}

/// A site's own file limits; anything unset keeps the default.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitOverrides {
    pub max_file_bytes: Option<u64>,
    pub max_files: Option<usize>,
    pub file_types: Option<Vec<String>>,
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
                problems.push(format!("site id `{id}`: use 1 to 40 lowercase letters, digits or '-'"));
            }
            if site.allowed_origins.is_empty() {
                problems.push(format!("site `{id}`: allowed_origins is empty, so no page could embed it"));
            }
            for origin in &site.allowed_origins {
                if !is_origin(origin) {
                    problems.push(format!(
                        "site `{id}`: allowed origin `{origin}` must be scheme://host[:port] with no path or trailing slash"
                    ));
                }
            }
            let limits = &site.limits;
            if limits.max_file_bytes == Some(0) || limits.max_file_bytes > Some(crate::limits::MAX_SINGLE_REQUEST_BYTES) {
                problems.push(format!(
                    "site `{id}`: limits.max_file_bytes must be between 1 and {}",
                    crate::limits::MAX_SINGLE_REQUEST_BYTES
                ));
            }
            if limits.max_files == Some(0) || limits.max_files > Some(Limits::default().files) {
                problems.push(format!("site `{id}`: limits.max_files must be between 1 and {}", Limits::default().files));
            }
        }
        problems
    }
}

pub fn is_site_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 40 && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn is_origin(origin: &str) -> bool {
    let Some((scheme, rest)) = origin.split_once("://") else { return false };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', '@', ' '])
        && rest.rsplit_once(':').is_none_or(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok())
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
        }
    }

    #[test]
    fn origins_must_be_bare() {
        let mut config = PortholeConfig::default();
        config.sites.insert("acme".into(), site(&["https://acme.example", "http://127.0.0.1:8080"]));
        assert!(config.problems().is_empty(), "{:?}", config.problems());
        for bad in ["https://acme.example/", "acme.example", "ftp://acme.example", "https://acme.example:99999"] {
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
