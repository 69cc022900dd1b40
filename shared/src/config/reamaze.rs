//! Re:amaze's configuration: a brand and channel, with a staff login email and API token.

use super::{is_site_id, VendorConfig};
use serde::{Deserialize, Serialize};

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

impl VendorConfig for ReamazeConfig {
    fn kind(&self) -> &'static str {
        "reamaze"
    }
    fn name(&self) -> &'static str {
        "Re:amaze"
    }
    fn base_url(&self) -> String {
        ReamazeConfig::base_url(self)
    }
    fn secrets(&self) -> Vec<&str> {
        vec![&self.login_email_secret, &self.api_token_secret]
    }
    fn problems(&self, site: &str) -> Vec<String> {
        let mut problems = Vec::new();
        if !is_site_id(&self.brand) || self.channel.trim().is_empty() {
            problems.push(format!("site `{site}`: connector.brand (as in https://BRAND.reamaze.io) and connector.channel (the channel's slug) are required"));
        }
        problems
    }
    /// Re:amaze fetches attachments by link, so the Worker must know its public address.
    fn needs_public_url(&self) -> bool {
        true
    }
}
