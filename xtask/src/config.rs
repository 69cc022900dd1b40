//! Reads `porthole.toml`, refuses it with every problem listed, and hands the Worker JSON.

use crate::Result;
use porthole_shared::config::PortholeConfig;
use std::path::Path;

pub fn load(path: &Path) -> Result<PortholeConfig> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn parse(text: &str) -> Result<PortholeConfig> {
    let config: PortholeConfig = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut problems = config.problems();
    problems.extend(json_problems(&config));
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(format!(
            "the site configuration has problems:\n  - {}",
            problems.join("\n  - ")
        ))
    }
}

/// The connectors' settings that must be valid JSON (their `json_templates`), which the shared
/// crate, having no JSON parser, cannot check.
fn json_problems(config: &PortholeConfig) -> Vec<String> {
    let mut problems = Vec::new();
    for (id, site) in &config.sites {
        let Some(vendor) = site.connector.vendor() else {
            continue;
        };
        for (key, value) in vendor.json_templates() {
            if let Err(e) = serde_json::from_str::<serde_json::Value>(value) {
                problems.push(format!(
                    "site `{id}`: connector.{key} is not valid JSON: {e}"
                ));
            }
        }
    }
    problems
}

/// What a deployed Worker needs besides the sites: a helpdesk that fetches attachments by link
/// (Re:amaze) needs the Worker's public address (`PORTHOLE_PUBLIC_URL` in wrangler.toml's [vars]).
pub fn deploy_problems(config: &PortholeConfig, wrangler_toml: &str) -> Vec<String> {
    let needs_links = config
        .sites
        .values()
        .filter_map(|s| s.connector.vendor())
        .find(|v| v.needs_public_url());
    let vars: toml::Table = toml::from_str::<toml::Table>(wrangler_toml)
        .ok()
        .and_then(|t| t.get("vars")?.as_table().cloned())
        .unwrap_or_default();
    let public_url = vars
        .get("PORTHOLE_PUBLIC_URL")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    match needs_links {
        Some(vendor) if !public_url.starts_with("https://") => vec![format!("a {} site needs PORTHOLE_PUBLIC_URL = \"https://…\" (the Worker's public address) in edge/wrangler.toml [vars]", vendor.name())],
        _ => Vec::new(),
    }
}

/// The `PORTHOLE_CONFIG` variable's value.
pub fn to_var(config: &PortholeConfig) -> String {
    serde_json::to_string(config).expect("the configuration serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_config_is_valid_and_has_the_demo_site() {
        let config = load(&crate::root().join("porthole.toml")).unwrap();
        let demo = &config.sites["demo"];
        assert!(demo.allows_origin("http://127.0.0.1:8787"));
        assert_eq!(
            demo.connector,
            porthole_shared::config::ConnectorConfig::Inbox
        );
    }

    #[test]
    fn mistakes_are_named() {
        let err = parse("[sites.demo]\nallowed_origins = [\"https://a.example/\"]\nconnector = { kind = \"inbox\" }\n").unwrap_err();
        assert!(err.contains("no path or trailing slash"), "{err}");
        let err = parse("[sites.demo]\nallowed_origins = []\nconnector = { kind = \"zendesk\" }\n")
            .unwrap_err();
        assert!(err.contains("zendesk"), "{err}");
        let err = parse("[sites.demo]\nallowed_origins = [\"https://a.example\"]\nconnector = { kind = \"inbox\" }\ntypo = 1\n").unwrap_err();
        assert!(err.contains("typo"), "{err}");
    }

    #[test]
    fn re_amaze_needs_the_public_address_to_deploy() {
        let site = "[sites.s]\nallowed_origins = [\"https://a.example\"]\nconnector = { kind = \"reamaze\", brand = \"acme\", channel = \"support\" }\n";
        let config = parse(site).unwrap();
        assert_eq!(deploy_problems(&config, "[vars]\nX = \"1\"\n").len(), 1);
        assert!(deploy_problems(
            &config,
            "[vars]\nPORTHOLE_PUBLIC_URL = \"https://edge.acme.example\"\n"
        )
        .is_empty());
        let inbox = load(&crate::root().join("porthole.toml")).unwrap();
        assert!(deploy_problems(&inbox, "").is_empty());
    }

    #[test]
    fn deskhero_templates_must_be_json() {
        let site = |body: &str| {
            format!("[sites.s]\nallowed_origins = [\"https://a.example\"]\nconnector = {{ kind = \"deskhero\", base_url = \"https://d.example\", tenant = \"acme\", create_ticket_body = '{body}' }}\n")
        };
        assert!(parse(&site(r#"{"subject": "{subject}"}"#)).is_ok());
        let err = parse(&site(r#"{"subject": {subject}}"#)).unwrap_err();
        assert!(
            err.contains("create_ticket_body is not valid JSON"),
            "{err}"
        );
        // The test configuration, with every connector, is valid.
        load(&crate::root().join("xtask/e2e/porthole.test.toml")).unwrap();
    }

    #[test]
    fn json_round_trip() {
        let config = load(&crate::root().join("porthole.toml")).unwrap();
        let back: PortholeConfig = serde_json::from_str(&to_var(&config)).unwrap();
        assert_eq!(back, config);
    }
}
