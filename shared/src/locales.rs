//! The widget's message catalogs (Fluent files in `shared/locales/`), and which one a visitor gets.
//! The edge parses them and hands the widget the chosen one; nothing of them is compiled into the
//! widget.

pub const LOCALES: [&str; 7] = ["en", "es", "fr", "de", "pt-BR", "ja", "ar"];

pub const CATALOGS: [(&str, &str); 7] = [
    ("en", include_str!("../locales/en.ftl")),
    ("es", include_str!("../locales/es.ftl")),
    ("fr", include_str!("../locales/fr.ftl")),
    ("de", include_str!("../locales/de.ftl")),
    ("pt-BR", include_str!("../locales/pt-BR.ftl")),
    ("ja", include_str!("../locales/ja.ftl")),
    ("ar", include_str!("../locales/ar.ftl")),
];

/// The catalog for a BCP 47 tag: the exact locale (case-insensitive), else the same language
/// (`es-MX` → `es`, `pt` → `pt-BR`), else English.
pub fn negotiate(requested: &str) -> &'static str {
    let requested = requested.trim();
    if let Some(exact) = LOCALES.iter().find(|l| l.eq_ignore_ascii_case(requested)) {
        return exact;
    }
    let language = requested.split(['-', '_']).next().unwrap_or("");
    LOCALES
        .iter()
        .find(|l| {
            l.split('-')
                .next()
                .is_some_and(|own| own.eq_ignore_ascii_case(language))
        })
        .copied()
        .unwrap_or("en")
}

/// Right to left.
pub fn direction(locale: &str) -> &'static str {
    if locale == "ar" {
        "rtl"
    } else {
        "ltr"
    }
}

/// Whether the English catalog (the reference: every catalog has its ids) has this message.
pub fn has_message(id: &str) -> bool {
    CATALOGS[0].1.lines().any(|line| {
        line.split_once(" = ")
            .is_some_and(|(key, _)| key.trim() == id)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation() {
        assert_eq!(negotiate("es-MX"), "es");
        assert_eq!(negotiate("pt"), "pt-BR");
        assert_eq!(negotiate("pt-br"), "pt-BR");
        assert_eq!(negotiate("pt-PT"), "pt-BR");
        assert_eq!(negotiate("ar-EG"), "ar");
        assert_eq!(negotiate("ja"), "ja");
        assert_eq!(negotiate("zh-CN"), "en");
        assert_eq!(negotiate(""), "en");
        assert_eq!(direction("ar"), "rtl");
        assert_eq!(direction("de"), "ltr");
        assert!(has_message("title") && !has_message("nope"));
    }
}
