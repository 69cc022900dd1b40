//! What a site configures of its widget (colour, position, custom fields, copy), the public
//! form of it the widget fetches (`GET /v1/sites/{site}/config`), and the rules for the values of
//! custom fields. The widget and the edge check custom fields with the same function.

use crate::validate::{multi_line, single_line};
use crate::{FieldCode, FieldErrors, Limits, Submission};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The value a checked checkbox sends; an unchecked one sends nothing.
pub const CHECKED: &str = "yes";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Textarea,
    Select,
    Checkbox,
}

impl FieldKind {
    /// The kind as it is on the wire (serde's name), for readers without serde.
    pub fn parse(s: &str) -> Option<FieldKind> {
        [
            ("text", FieldKind::Text),
            ("textarea", FieldKind::Textarea),
            ("select", FieldKind::Select),
            ("checkbox", FieldKind::Checkbox),
        ]
        .into_iter()
        .find(|(name, _)| *name == s)
        .map(|(_, kind)| kind)
    }
}

/// `[[sites.<id>.widget.fields]]` in porthole.toml.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomField {
    /// The key the value is sent and delivered under (`order_id`).
    pub key: String,
    /// The label in the widget's default language (English).
    pub label: String,
    /// The label in other languages, by the catalog's locale (`es`, `pt-BR`, …).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    /// The choices of a `select`.
    #[serde(default)]
    pub options: Vec<String>,
}

/// `[sites.<id>.widget]` in porthole.toml. Everything is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WidgetSettings {
    /// The launcher's and buttons' colour, `#rrggbb`. Text on it is white or near-black,
    /// whichever contrasts more.
    #[serde(default)]
    pub accent: Option<String>,
    /// `right` (default) or `left`; a page's `data-position` wins.
    #[serde(default)]
    pub position: Option<String>,
    #[serde(default)]
    pub fields: Vec<CustomField>,
    /// Replacements for catalog messages, by locale then message id (`copy.en.title = "Talk to Acme"`).
    #[serde(default)]
    pub copy: BTreeMap<String, BTreeMap<String, String>>,
}

/// A custom field as the widget gets it: its label already in the visitor's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicField {
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
    #[serde(default)]
    pub options: Vec<String>,
}

/// `GET /v1/sites/{site}/config?locale=`: everything the widget needs to draw the site's form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetConfig {
    /// The catalog chosen for the requested locale (`pt-BR`), and its direction (`ltr`, `rtl`).
    pub locale: String,
    pub dir: String,
    /// Every message the widget shows, by id, with `{variable}` placeholders.
    pub strings: BTreeMap<String, String>,
    pub accent: Option<String>,
    /// Readable text on the accent colour.
    pub on_accent: Option<String>,
    pub position: Option<String>,
    pub fields: Vec<PublicField>,
    pub limits: Limits,
}

/// Everything a first message is checked against: the general rules and the site's fields.
pub fn validate_form(
    s: &Submission,
    limits: &Limits,
    fields: &[PublicField],
) -> Result<(), FieldErrors> {
    let mut errors = crate::validate_submission(s, limits)
        .err()
        .unwrap_or_default();
    errors.extend(validate_custom_fields(&s.fields, fields, limits));
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Checks the custom field values of a submission against the site's fields, when it has any
/// (a site without configured fields takes any keys, within the general limits). Errors are keyed
/// `fields.<key>` like the general rules'.
pub fn validate_custom_fields(
    values: &BTreeMap<String, String>,
    fields: &[PublicField],
    limits: &Limits,
) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if fields.is_empty() {
        return errors;
    }
    for key in values.keys() {
        if !fields.iter().any(|f| &f.key == key) {
            errors.insert(format!("fields.{key}"), FieldCode::InvalidValue);
        }
    }
    for field in fields {
        let value = values.get(&field.key).map(String::as_str).unwrap_or("");
        let checked = if value.is_empty() {
            if field.required {
                Err(FieldCode::Required)
            } else {
                Ok(())
            }
        } else {
            match field.kind {
                FieldKind::Text => single_line(value, limits.field_value_chars),
                FieldKind::Textarea => multi_line(value, limits.field_value_chars),
                FieldKind::Select if field.options.iter().any(|o| o == value) => Ok(()),
                FieldKind::Checkbox if value == CHECKED => Ok(()),
                FieldKind::Select | FieldKind::Checkbox => Err(FieldCode::InvalidValue),
            }
        };
        if let Err(code) = checked {
            errors.insert(format!("fields.{}", field.key), code);
        }
    }
    errors
}

impl CustomField {
    pub fn public(&self, locale: &str) -> PublicField {
        PublicField {
            key: self.key.clone(),
            label: self.labels.get(locale).unwrap_or(&self.label).clone(),
            kind: self.kind,
            required: self.required,
            options: self.options.clone(),
        }
    }
}

impl WidgetSettings {
    /// What is wrong with these settings, in words an operator can act on.
    pub fn problems(&self, site: &str) -> Vec<String> {
        let mut problems = Vec::new();
        if let Some(accent) = &self.accent {
            if parse_hex(accent).is_none() {
                problems.push(format!(
                    "site `{site}`: widget.accent `{accent}` must be a colour like #2f5bea"
                ));
            }
        }
        if let Some(position) = &self.position {
            if position != "left" && position != "right" {
                problems.push(format!(
                    "site `{site}`: widget.position must be `left` or `right`"
                ));
            }
        }
        let mut seen = Vec::new();
        for field in &self.fields {
            let key = &field.key;
            if key.is_empty()
                || key.len() > 64
                || !key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
            {
                // The rule a submitted key meets (validate.rs), or the field could never be sent.
                problems.push(format!("site `{site}`: widget field key `{key}` must be 1 to 64 lowercase letters, digits, '_' or '-'"));
            }
            if seen.contains(&key) {
                problems.push(format!(
                    "site `{site}`: widget field `{key}` is defined twice"
                ));
            }
            seen.push(key);
            if field.label.trim().is_empty() {
                problems.push(format!("site `{site}`: widget field `{key}` needs a label"));
            }
            match field.kind {
                FieldKind::Select
                    if field.options.is_empty()
                        || field.options.iter().any(|o| o.trim().is_empty()) =>
                {
                    problems.push(format!(
                        "site `{site}`: select field `{key}` needs options, none of them empty"
                    ));
                }
                FieldKind::Text | FieldKind::Textarea | FieldKind::Checkbox
                    if !field.options.is_empty() =>
                {
                    problems.push(format!(
                        "site `{site}`: only a select field has options (`{key}`)"
                    ));
                }
                _ => {}
            }
        }
        if self.fields.len() > Limits::default().custom_fields {
            problems.push(format!(
                "site `{site}`: at most {} widget fields",
                Limits::default().custom_fields
            ));
        }
        problems
    }

    /// White or near-black, whichever reads better on the accent (WCAG relative luminance).
    pub fn on_accent(&self) -> Option<String> {
        let (r, g, b) = parse_hex(self.accent.as_deref()?)?;
        let lin = |c: u8| {
            let c = c as f64 / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let l = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
        // Contrast with white is 1.05 / (l + .05); with #10152a (l ≈ .008) it is (l + .05) / .058.
        Some(
            if 1.05 / (l + 0.05) >= (l + 0.05) / 0.058 {
                "#ffffff"
            } else {
                "#10152a"
            }
            .to_string(),
        )
    }
}

fn parse_hex(colour: &str) -> Option<(u8, u8, u8)> {
    let hex = colour.strip_prefix('#')?;
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some((byte(0)?, byte(2)?, byte(4)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(key: &str, kind: FieldKind, required: bool, options: &[&str]) -> PublicField {
        PublicField {
            key: key.into(),
            label: key.into(),
            kind,
            required,
            options: options.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn custom_fields_follow_their_kind() {
        let fields = [
            field("order", FieldKind::Text, true, &[]),
            field("topic", FieldKind::Select, false, &["Billing", "Bug"]),
            field("terms", FieldKind::Checkbox, true, &[]),
            field("notes", FieldKind::Textarea, false, &[]),
        ];
        let l = Limits::default();
        let ok = values(&[
            ("order", "A-1"),
            ("topic", "Bug"),
            ("terms", CHECKED),
            ("notes", "line\nline"),
        ]);
        assert!(validate_custom_fields(&ok, &fields, &l).is_empty());
        let bad = values(&[("order", "two\nlines"), ("topic", "Other"), ("extra", "x")]);
        let errors = validate_custom_fields(&bad, &fields, &l);
        assert_eq!(errors.get("fields.order"), Some(&FieldCode::InvalidValue));
        assert_eq!(errors.get("fields.topic"), Some(&FieldCode::InvalidValue));
        assert_eq!(errors.get("fields.terms"), Some(&FieldCode::Required));
        assert_eq!(errors.get("fields.extra"), Some(&FieldCode::InvalidValue));
        assert_eq!(errors.get("fields.notes"), None);
        let unchecked = values(&[("order", "A-1"), ("terms", "no")]);
        assert_eq!(
            validate_custom_fields(&unchecked, &fields, &l).get("fields.terms"),
            Some(&FieldCode::InvalidValue)
        );
        // A site without fields takes any.
        assert!(validate_custom_fields(&bad, &[], &l).is_empty());
    }

    #[test]
    fn settings_problems_and_accent_text() {
        let settings = WidgetSettings {
            accent: Some("blue".into()),
            position: Some("top".into()),
            fields: vec![
                CustomField {
                    key: "Order".into(),
                    label: "A".into(),
                    labels: BTreeMap::new(),
                    kind: FieldKind::Select,
                    required: false,
                    options: vec![],
                },
                CustomField {
                    key: "ok".into(),
                    label: " ".into(),
                    labels: BTreeMap::new(),
                    kind: FieldKind::Text,
                    required: false,
                    options: vec!["x".into()],
                },
            ],
            copy: BTreeMap::new(),
        };
        let problems = settings.problems("acme").join("\n");
        for needle in [
            "widget.accent",
            "widget.position",
            "`Order`",
            "needs options",
            "needs a label",
            "only a select",
        ] {
            assert!(problems.contains(needle), "{needle} in {problems}");
        }
        let dark = WidgetSettings {
            accent: Some("#2f5bea".into()),
            ..WidgetSettings::default()
        };
        assert_eq!(dark.on_accent().as_deref(), Some("#ffffff"));
        let light = WidgetSettings {
            accent: Some("#ffd400".into()),
            ..WidgetSettings::default()
        };
        assert_eq!(light.on_accent().as_deref(), Some("#10152a"));
    }

    #[test]
    fn field_kind_names_are_the_wire_names() {
        for kind in [
            FieldKind::Text,
            FieldKind::Textarea,
            FieldKind::Select,
            FieldKind::Checkbox,
        ] {
            let name = serde_json::to_value(kind).unwrap();
            assert_eq!(FieldKind::parse(name.as_str().unwrap()), Some(kind));
        }
    }

    #[test]
    fn labels_follow_the_locale() {
        let f = CustomField {
            key: "order".into(),
            label: "Order number".into(),
            labels: BTreeMap::from([("es".to_string(), "Número de pedido".to_string())]),
            kind: FieldKind::Text,
            required: false,
            options: vec![],
        };
        assert_eq!(f.public("es").label, "Número de pedido");
        assert_eq!(f.public("fr").label, "Order number");
    }
}
