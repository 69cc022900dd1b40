//! Help Scout's configuration: the Inbox API 2.0, with OAuth client credentials.

use super::VendorConfig;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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

impl VendorConfig for HelpScoutConfig {
    fn kind(&self) -> &'static str {
        "helpscout"
    }
    fn name(&self) -> &'static str {
        "Help Scout"
    }
    fn base_url(&self) -> String {
        self.base_url.clone()
    }
    fn secrets(&self) -> Vec<&str> {
        vec![&self.client_id_secret, &self.client_secret_secret]
    }
    fn problems(&self, _site: &str) -> Vec<String> {
        Vec::new()
    }
}
