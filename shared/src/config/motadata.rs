//! Motadata ServiceOps's configuration: an API key or OAuth (password grant), and the parts of
//! its API that are not in its public docs, assumed and changeable.

use super::VendorConfig;
use serde::{Deserialize, Serialize};

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

impl VendorConfig for MotadataConfig {
    fn kind(&self) -> &'static str {
        "motadata"
    }
    fn name(&self) -> &'static str {
        "Motadata ServiceOps"
    }
    fn base_url(&self) -> String {
        self.base_url.clone()
    }
    /// The API key, or with OAuth the client and the technician: only those `auth` reads.
    fn secrets(&self) -> Vec<&str> {
        match self.auth {
            MotadataAuth::Apikey => vec![&self.api_key_secret],
            MotadataAuth::Oauth => vec![
                &self.client_id_secret,
                &self.client_secret_secret,
                &self.username_secret,
                &self.password_secret,
            ],
        }
    }
    fn problems(&self, site: &str) -> Vec<String> {
        let mut problems = Vec::new();
        if [&self.upload_path, &self.search_path]
            .iter()
            .any(|p| !p.starts_with('/'))
        {
            problems.push(format!(
                "site `{site}`: connector.upload_path and search_path must start with /"
            ));
        }
        problems
    }
}
