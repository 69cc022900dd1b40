//! Which configured site a request is for, and whether its page may use it.

use crate::config;
use crate::error::Error;
use porthole_shared::config::{DeliverySettings, PortholeConfig, SiteConfig};
use std::rc::Rc;
use worker::Env;

/// A site request that passed the origin check.
#[derive(Debug, Clone)]
pub struct Site {
    pub id: String,
    pub config: SiteConfig,
    pub origin: String,
    /// From the same configuration, so a request reads it once.
    pub delivery: DeliverySettings,
}

pub fn resolve(env: &Env, id: &str, origin: Option<&str>) -> Result<Site, Error> {
    let config: Rc<PortholeConfig> = config::load(env)?;
    check(&config, id, origin)
}

/// Unknown site first (404), then the origin (403). Browsers send `Origin` on every
/// cross-origin request and on same-origin POSTs, so a request without one is not from a page
/// the site allows.
pub fn check(config: &PortholeConfig, id: &str, origin: Option<&str>) -> Result<Site, Error> {
    let site = config
        .sites
        .get(id)
        .ok_or_else(|| Error::SiteNotFound(id.to_string()))?;
    match origin {
        Some(origin) if site.allows_origin(origin) => Ok(Site {
            id: id.to_string(),
            config: site.clone(),
            origin: origin.to_string(),
            delivery: config.delivery.clone(),
        }),
        _ => Err(Error::OriginNotAllowed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use porthole_shared::config::{ConnectorConfig, LimitOverrides};

    fn config() -> PortholeConfig {
        let mut c = PortholeConfig::default();
        c.sites.insert(
            "acme".into(),
            SiteConfig {
                name: None,
                allowed_origins: vec!["https://acme.example".into()],
                connector: ConnectorConfig::Inbox,
                limits: LimitOverrides::default(),
                identity_secret: None,
                widget: Default::default(),
            },
        );
        c
    }

    #[test]
    fn origin_must_be_listed() {
        let c = config();
        assert_eq!(
            check(&c, "acme", Some("https://acme.example"))
                .unwrap()
                .origin,
            "https://acme.example"
        );
        assert!(matches!(
            check(&c, "acme", Some("https://evil.example")),
            Err(Error::OriginNotAllowed)
        ));
        assert!(matches!(
            check(&c, "acme", Some("https://acme.example.evil.example")),
            Err(Error::OriginNotAllowed)
        ));
        assert!(matches!(
            check(&c, "acme", None),
            Err(Error::OriginNotAllowed)
        ));
        assert!(matches!(
            check(&c, "acme", Some("null")),
            Err(Error::OriginNotAllowed)
        ));
    }

    #[test]
    fn unknown_site_is_404_before_origin() {
        assert!(matches!(
            check(&config(), "nope", Some("https://acme.example")),
            Err(Error::SiteNotFound(_))
        ));
    }
}
