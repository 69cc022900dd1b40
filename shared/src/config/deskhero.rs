//! DeskHero's configuration: per tenant, with a bearer token. Its public docs cover only the
//! ticket conversation route, so the rest of its API is configurable.

use super::VendorConfig;
use serde::{Deserialize, Serialize};

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

impl VendorConfig for DeskHeroConfig {
    fn kind(&self) -> &'static str {
        "deskhero"
    }
    fn name(&self) -> &'static str {
        "DeskHero"
    }
    fn base_url(&self) -> String {
        self.base_url.clone()
    }
    fn secrets(&self) -> Vec<&str> {
        vec![&self.token_secret]
    }
    /// A bad tenant is named alone: the paths are checked only once it is right.
    fn problems(&self, site: &str) -> Vec<String> {
        let mut problems = Vec::new();
        if self.tenant.len() < 2
            || !self
                .tenant
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            problems.push(format!("site `{site}`: connector.tenant must be DeskHero's tenant name (letters, digits, '-')"));
        } else if [&self.create_ticket_path, &self.upload_path]
            .iter()
            .chain(self.find_ticket_path.as_ref().iter())
            .any(|p| !p.starts_with('/'))
        {
            problems.push(format!("site `{site}`: connector paths must start with /"));
        }
        problems
    }
    fn json_templates(&self) -> Vec<(&'static str, &str)> {
        vec![("create_ticket_body", &self.create_ticket_body)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deskhero() -> DeskHeroConfig {
        DeskHeroConfig {
            base_url: "https://d.example".into(),
            tenant: "acme".into(),
            version: DeskHeroConfig::default_version(),
            token_secret: DeskHeroConfig::default_token_secret(),
            auth_scheme: DeskHeroConfig::default_auth_scheme(),
            create_ticket_path: DeskHeroConfig::default_create_ticket_path(),
            create_ticket_body: DeskHeroConfig::default_create_ticket_body(),
            ticket_id_pointer: DeskHeroConfig::default_ticket_id_pointer(),
            find_ticket_path: None,
            found_ticket_id_pointer: DeskHeroConfig::default_found_ticket_id_pointer(),
            upload_path: DeskHeroConfig::default_upload_path(),
            upload_field: DeskHeroConfig::default_upload_field(),
            attachment_id_pointer: DeskHeroConfig::default_attachment_id_pointer(),
        }
    }

    #[test]
    fn tenant_first_then_paths() {
        assert!(deskhero().problems("s").is_empty());
        let moved = DeskHeroConfig {
            find_ticket_path: Some("search?q={reference}".into()),
            ..deskhero()
        };
        assert_eq!(
            moved.problems("s"),
            ["site `s`: connector paths must start with /"]
        );
        let both = DeskHeroConfig {
            tenant: "a".into(),
            ..moved
        };
        assert_eq!(
            both.problems("s"),
            ["site `s`: connector.tenant must be DeskHero's tenant name (letters, digits, '-')"]
        );
    }
}
