//! Libredesk's configuration: a self-hosted Libredesk, with an agent's API key and secret.

use super::VendorConfig;
use serde::{Deserialize, Serialize};

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

impl VendorConfig for LibredeskConfig {
    fn kind(&self) -> &'static str {
        "libredesk"
    }
    fn name(&self) -> &'static str {
        "Libredesk"
    }
    fn base_url(&self) -> String {
        self.base_url.clone()
    }
    fn secrets(&self) -> Vec<&str> {
        vec![&self.api_key_secret, &self.api_secret_secret]
    }
    fn problems(&self, site: &str) -> Vec<String> {
        let mut problems = Vec::new();
        if self.inbox_id == 0 {
            problems.push(format!(
                "site `{site}`: connector.inbox_id must be the number of a Libredesk email inbox"
            ));
        }
        problems
    }
}
