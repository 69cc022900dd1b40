//! Visitor text on its way into a helpdesk's HTML body: everything escaped, so a `<script>` or
//! `<img onerror>` a visitor typed reaches the agent as visible text, never as markup.

pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escaped, with the visitor's line breaks kept.
pub fn html_paragraphs(text: &str) -> String {
    html(&text.replace("\r\n", "\n")).replace('\n', "<br>\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_becomes_text() {
        assert_eq!(html(r#"<script>alert("x")</script>"#), "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
        assert_eq!(html("<img src=x onerror='y'>"), "&lt;img src=x onerror=&#39;y&#39;&gt;");
        assert_eq!(html("Fish & chips"), "Fish &amp; chips");
        assert_eq!(html("&lt;"), "&amp;lt;", "entities typed by the visitor stay visible too");
    }

    #[test]
    fn line_breaks_survive() {
        assert_eq!(html_paragraphs("a\r\n<b>\nc"), "a<br>\n&lt;b&gt;<br>\nc");
    }
}
