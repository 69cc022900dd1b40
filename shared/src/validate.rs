//! The validation rules. The widget runs them before sending and the edge runs them again on
//! arrival: one function, so the two can never disagree.

use crate::{FieldCode, FieldErrors, FollowUp, Limits, Submission};

/// Checks a submission that has been through [`Submission::normalized`].
pub fn validate_submission(s: &Submission, limits: &Limits) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut check = |field: &str, result: Result<(), FieldCode>| {
        if let Err(code) = result {
            errors.insert(field.to_string(), code);
        }
    };

    check(
        "name",
        required(&s.name).and_then(|_| single_line(&s.name, limits.name_chars)),
    );
    check(
        "email",
        required(&s.email).and_then(|_| email(&s.email, limits.email_chars)),
    );
    check("subject", single_line(&s.subject, limits.subject_chars));
    check(
        "message",
        required(&s.message).and_then(|_| multi_line(&s.message, limits.message_chars)),
    );

    if s.fields.len() > limits.custom_fields {
        check("fields", Err(FieldCode::TooMany));
    } else {
        for (key, value) in &s.fields {
            let field = format!("fields.{}", truncate(key, limits.field_key_chars));
            check(
                &field,
                field_key(key, limits.field_key_chars)
                    .and_then(|_| multi_line(value, limits.field_value_chars)),
            );
        }
    }

    check("attachments", attachment_ids(&s.attachments, limits.files));
    if let Some(url) = &s.page_url {
        check("page_url", page_url(url, limits.page_url_chars));
    }
    if let Some(locale) = &s.locale {
        check("locale", locale_tag(locale, limits.locale_chars));
    }

    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Checks a later message (after [`FollowUp::normalized`]): the same rules as a first message's
/// text and files.
pub fn validate_follow_up(f: &FollowUp, limits: &Limits) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    if let Err(code) =
        required(&f.message).and_then(|_| multi_line(&f.message, limits.message_chars))
    {
        errors.insert("message".into(), code);
    }
    if let Err(code) = attachment_ids(&f.attachments, limits.files) {
        errors.insert("attachments".into(), code);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// An agent's reply (`POST /v1/inbox/conversations/{id}/messages`): a name the visitor sees, a
/// body within the site's message limit, files as a visitor's. Field keys: `author_name`, `body`,
/// `attachments`.
pub fn validate_agent_reply(r: &crate::AgentReply, limits: &Limits) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    if let Err(code) = agent_name(&r.author_name) {
        errors.insert("author_name".into(), code);
    }
    if let Err(code) = required(&r.body).and_then(|_| multi_line(&r.body, limits.message_chars)) {
        errors.insert("body".into(), code);
    }
    if let Err(code) = attachment_ids(&r.attachments, limits.files) {
        errors.insert("attachments".into(), code);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The name an agent shows the visitor: required, one line, and not an address (the visitor
/// sees a person's name, never the agent's email).
pub fn agent_name(name: &str) -> Result<(), FieldCode> {
    required(name.trim())?;
    single_line(name, crate::thread::AGENT_NAME_CHARS)?;
    if name.contains('@') {
        return Err(FieldCode::InvalidValue);
    }
    Ok(())
}

/// What the edge knows of a file before reading a byte of it: the request's headers, or the
/// JSON body that starts an upload in parts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadMeta {
    pub name: String,
    pub size: u64,
    pub content_type: String,
}

/// Checks a file before it is uploaded (widget) or stored (edge). Field keys: `file`, `name`,
/// `content_type`. A `file: too_large` error is answered 413, the others 422.
pub fn validate_upload(meta: &UploadMeta, limits: &Limits) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    if meta.size == 0 {
        errors.insert("file".into(), FieldCode::Empty);
    } else if meta.size > limits.file_bytes {
        errors.insert("file".into(), FieldCode::TooLarge);
    }
    if let Err(code) =
        required(&meta.name).and_then(|_| single_line(&meta.name, limits.filename_chars))
    {
        errors.insert("name".into(), code);
    }
    if !is_media_type(&meta.content_type) {
        errors.insert("content_type".into(), FieldCode::InvalidValue);
    } else if !limits.allows_type(&meta.content_type) {
        errors.insert("content_type".into(), FieldCode::TypeNotAllowed);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn required(s: &str) -> Result<(), FieldCode> {
    if s.is_empty() {
        Err(FieldCode::Required)
    } else {
        Ok(())
    }
}

fn max_chars(s: &str, max: usize) -> Result<(), FieldCode> {
    // Counting chars only when the byte length could exceed the limit keeps this cheap.
    if s.len() > max && s.chars().count() > max {
        Err(FieldCode::TooLong)
    } else {
        Ok(())
    }
}

/// Names, subjects, file names: no line breaks or other control characters.
pub(crate) fn single_line(s: &str, max: usize) -> Result<(), FieldCode> {
    max_chars(s, max)?;
    if s.chars().any(char::is_control) {
        return Err(FieldCode::InvalidValue);
    }
    Ok(())
}

/// Message bodies: line breaks and tabs are content, other control characters are not.
pub(crate) fn multi_line(s: &str, max: usize) -> Result<(), FieldCode> {
    max_chars(s, max)?;
    if s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FieldCode::InvalidValue);
    }
    Ok(())
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn field_key(key: &str, max: usize) -> Result<(), FieldCode> {
    let ok = !key.is_empty()
        && key.len() <= max
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(FieldCode::InvalidName)
    }
}

/// A pragmatic address check: what mail systems and helpdesks accept in practice, not all of
/// RFC 5322 (quoted local parts and IP-literal domains are refused).
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[],;:\\\"@".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && !labels
            .last()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()));
    local_ok && domain_ok
}

fn email(s: &str, max: usize) -> Result<(), FieldCode> {
    max_chars(s, max)?;
    if is_email(s) {
        Ok(())
    } else {
        Err(FieldCode::InvalidEmail)
    }
}

/// Upload ids are minted by the edge: short ASCII tokens.
pub fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn attachment_ids(ids: &[String], max: usize) -> Result<(), FieldCode> {
    if ids.len() > max {
        return Err(FieldCode::TooMany);
    }
    if !ids.iter().all(|id| is_id(id)) {
        return Err(FieldCode::InvalidValue);
    }
    let mut seen: Vec<&str> = ids.iter().map(String::as_str).collect();
    seen.sort_unstable();
    if seen.windows(2).any(|w| w[0] == w[1]) {
        return Err(FieldCode::Duplicate);
    }
    Ok(())
}

fn page_url(url: &str, max: usize) -> Result<(), FieldCode> {
    max_chars(url, max)?;
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    match host {
        Some(h) if !h.is_empty() && !url.chars().any(|c| c.is_whitespace() || c.is_control()) => {
            Ok(())
        }
        _ => Err(FieldCode::InvalidUrl),
    }
}

fn locale_tag(tag: &str, max: usize) -> Result<(), FieldCode> {
    let ok = tag.len() <= max
        && tag.split('-').all(|part| {
            !part.is_empty() && part.len() <= 8 && part.bytes().all(|b| b.is_ascii_alphanumeric())
        })
        && tag.as_bytes().first().is_some_and(u8::is_ascii_alphabetic);
    if ok {
        Ok(())
    } else {
        Err(FieldCode::InvalidValue)
    }
}

/// `type/subtype` with an optional `; parameters` tail.
fn is_media_type(s: &str) -> bool {
    let essence = s.split(';').next().unwrap_or("").trim();
    let token = |t: &str| {
        !t.is_empty()
            && t.len() <= 127
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    matches!(essence.split_once('/'), Some((ty, sub)) if token(ty) && token(sub))
        && s.len() <= 255
        && !s.chars().any(char::is_control)
}
