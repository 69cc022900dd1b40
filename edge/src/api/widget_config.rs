//! `GET /v1/sites/{site}/config?locale=`: the site's widget settings and the message catalog for
//! the visitor's language, in one small answer the loader fetches once per page view.

use crate::error::Error;
use crate::http;
use crate::site::Site;
use fluent_syntax::ast::{Entry, Expression, InlineExpression, PatternElement};
use porthole_shared::config::SiteConfig;
use porthole_shared::locales::{self, CATALOGS};
use porthole_shared::WidgetConfig;
use std::collections::BTreeMap;
use worker::{Request, Response};

pub fn get(req: &Request, site: &Site) -> Result<Response, Error> {
    let requested = req.url().ok().and_then(|u| {
        u.query_pairs()
            .find(|(k, _)| k == "locale")
            .map(|(_, v)| v.into_owned())
    });
    let config = build(&site.config, requested.as_deref().unwrap_or("en"))?;
    let mut response = http::json(200, &config)?;
    // Settings change with a deploy; five minutes of staleness spares a request per page view.
    let _ = response
        .headers_mut()
        .set("Cache-Control", "public, max-age=300");
    Ok(response)
}

pub fn build(site: &SiteConfig, requested: &str) -> Result<WidgetConfig, Error> {
    let locale = locales::negotiate(requested);
    let mut strings = catalog("en")?;
    // A message missing from a translation reads in English rather than not at all.
    strings.extend(catalog(locale)?);
    if let Some(copy) = site.widget.copy.get(locale) {
        strings.extend(copy.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    Ok(WidgetConfig {
        locale: locale.to_string(),
        dir: locales::direction(locale).to_string(),
        strings,
        accent: site.widget.accent.clone(),
        on_accent: site.widget.on_accent(),
        position: site.widget.position.clone(),
        fields: site
            .widget
            .fields
            .iter()
            .map(|f| f.public(locale))
            .collect(),
        limits: site.limits(),
    })
}

/// A catalog's messages, with Fluent's `{ $name }` written `{name}` for the widget to fill in.
pub fn catalog(locale: &str) -> Result<BTreeMap<String, String>, Error> {
    let source = CATALOGS
        .iter()
        .find(|(l, _)| *l == locale)
        .map(|(_, s)| *s)
        .ok_or_else(|| Error::Internal(format!("no catalog {locale}")))?;
    let resource = fluent_syntax::parser::parse(source)
        .map_err(|(_, e)| Error::Internal(format!("catalog {locale}: {e:?}")))?;
    let mut messages = BTreeMap::new();
    for entry in resource.body {
        let Entry::Message(message) = entry else {
            continue;
        };
        let Some(pattern) = message.value else {
            continue;
        };
        let mut text = String::new();
        for element in pattern.elements {
            match element {
                PatternElement::TextElement { value } => text.push_str(value),
                PatternElement::Placeable {
                    expression: Expression::Inline(InlineExpression::VariableReference { id }),
                } => {
                    text.push('{');
                    text.push_str(id.name);
                    text.push('}');
                }
                _ => {
                    return Err(Error::Internal(format!(
                        "catalog {locale}: `{}` uses more than variables",
                        message.id.name
                    )))
                }
            }
        }
        messages.insert(message.id.name.to_string(), text);
    }
    Ok(messages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use porthole_shared::config::{ConnectorConfig, LimitOverrides};
    use porthole_shared::form::{CustomField, WidgetSettings};
    use porthole_shared::FieldKind;

    fn variables(text: &str) -> Vec<&str> {
        let mut found: Vec<&str> = text
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(v, _)| v))
            .collect();
        found.sort();
        found
    }

    #[test]
    fn every_catalog_has_every_message_with_the_same_variables() {
        let english = catalog("en").unwrap();
        assert!(english.len() > 30);
        for (locale, _) in CATALOGS {
            let other = catalog(locale).unwrap();
            assert_eq!(
                other.keys().collect::<Vec<_>>(),
                english.keys().collect::<Vec<_>>(),
                "{locale}"
            );
            for (id, text) in &english {
                assert_eq!(variables(&other[id]), variables(text), "{locale}: {id}");
                assert!(!other[id].trim().is_empty(), "{locale}: {id}");
            }
        }
    }

    #[test]
    fn config_in_the_visitors_language_with_the_sites_copy() {
        let site = SiteConfig {
            name: None,
            allowed_origins: vec![],
            connector: ConnectorConfig::Inbox,
            limits: LimitOverrides {
                max_files: Some(2),
                ..LimitOverrides::default()
            },
            identity_secret: None,
            widget: WidgetSettings {
                accent: Some("#0b6e4f".into()),
                position: None,
                fields: vec![CustomField {
                    key: "order".into(),
                    label: "Order".into(),
                    labels: BTreeMap::from([("ar".to_string(), "الطلب".to_string())]),
                    kind: FieldKind::Text,
                    required: true,
                    options: vec![],
                }],
                copy: BTreeMap::from([(
                    "ar".to_string(),
                    BTreeMap::from([("title".to_string(), "راسلنا".to_string())]),
                )]),
            },
        };
        let c = build(&site, "ar-EG").unwrap();
        assert_eq!((c.locale.as_str(), c.dir.as_str()), ("ar", "rtl"));
        assert_eq!(c.strings["title"], "راسلنا");
        assert_eq!(c.strings["send"], catalog("ar").unwrap()["send"]);
        assert_eq!(c.fields[0].label, "الطلب");
        assert_eq!(c.limits.files, 2);
        assert_eq!(c.on_accent.as_deref(), Some("#ffffff"));
        let en = build(&site, "zz").unwrap();
        assert_eq!(
            (
                en.locale.as_str(),
                en.strings["title"].as_str(),
                en.fields[0].label.as_str()
            ),
            ("en", "Contact us", "Order")
        );
        assert_eq!(en.strings["optional"], "{label} (optional)");
    }
}
