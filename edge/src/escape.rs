//! Visitor text on its way into a helpdesk's HTML or Markdown body: everything escaped, so a
//! `<script>` or `<img onerror>` a visitor typed reaches the agent as visible text, never as
//! markup, and a Markdown link or emphasis cannot be forged.

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

/// Markdown (CommonMark, with GitHub's extensions): every character that could start markup is
/// backslash-escaped, HTML and entities included, and the visitor's line breaks become hard breaks
/// so the agent sees the lines as typed. Other punctuation is left alone: renderers that are not
/// CommonMark show a needless backslash.
const MARKDOWN_SPECIAL: &str = "\\`*_{}[]()#+-.!|<>~&=:";

pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for line in text.replace("\r\n", "\n").split('\n') {
        if !out.is_empty() {
            out.push_str("\\\n");
        }
        for c in line.chars() {
            if MARKDOWN_SPECIAL.contains(c) {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_becomes_text() {
        assert_eq!(
            html(r#"<script>alert("x")</script>"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
        );
        assert_eq!(
            html("<img src=x onerror='y'>"),
            "&lt;img src=x onerror=&#39;y&#39;&gt;"
        );
        assert_eq!(html("Fish & chips"), "Fish &amp; chips");
        assert_eq!(
            html("&lt;"),
            "&amp;lt;",
            "entities typed by the visitor stay visible too"
        );
    }

    #[test]
    fn markdown_cannot_be_forged() {
        assert_eq!(
            markdown("[click](https://evil.example)"),
            r"\[click\]\(https\://evil\.example\)"
        );
        assert_eq!(
            markdown("<img src=x onerror=alert(1)>"),
            r"\<img src\=x onerror\=alert\(1\)\>"
        );
        assert_eq!(
            markdown("**bold** _it_ `code` # h"),
            r"\*\*bold\*\* \_it\_ \`code\` \# h"
        );
        assert_eq!(markdown("a\r\nb"), "a\\\nb", "a hard line break");
        assert_eq!(markdown("Grüße, 東京"), "Grüße, 東京");
    }

    #[test]
    fn line_breaks_survive() {
        assert_eq!(html_paragraphs("a\r\n<b>\nc"), "a<br>\n&lt;b&gt;<br>\nc");
    }
}
