//! `POST /v1/sites/{site}/conversations`: a visitor's submission, stored with its files.

use crate::error::Error;
use crate::site::Site;
use crate::store::{self, ConversationRow, MessageRow, NewConversation};
use crate::{http, ids, log};
use porthole_shared::{validate_submission, ConversationCreated, Submission};
use worker::{Date, Env, Request, Response};

/// Far above the largest valid submission (20,000 characters of message plus custom fields),
/// and small enough that reading it whole is harmless.
const MAX_BODY_BYTES: u64 = 512 * 1024;

pub async fn create(req: &mut Request, env: &Env, site: &Site) -> Result<Response, Error> {
    let submission = read_submission(req).await?;
    validate_submission(&submission, &site.config.limits()).map_err(Error::Validation)?;

    let db = env.d1("DB")?;
    check_attachments(&store::upload_claims(&db, &submission.attachments).await?, &submission.attachments, &site.id)?;

    let now = Date::now().as_millis() as f64;
    let id = ids::new_id();
    let mut conversation = ConversationRow {
        id: id.clone(),
        site: site.id.clone(),
        reference: ids::new_reference(),
        name: submission.name.clone(),
        email: submission.email.clone(),
        subject: subject_of(&submission),
        fields_json: serde_json::to_string(&submission.fields).map_err(|e| Error::Internal(e.to_string()))?,
        page_url: submission.page_url.clone(),
        locale: submission.locale.clone(),
        created_at: now,
    };
    let message = MessageRow {
        id: ids::new_id(),
        conversation_id: id.clone(),
        author: "visitor".into(),
        body: submission.message.clone(),
        created_at: now,
    };

    // A reference is 40 random bits: a collision is rare, but it must not fail a visitor.
    let mut attempts = 0;
    loop {
        let new = NewConversation { conversation: &conversation, message: &message, attachments: &submission.attachments };
        match db.batch(store::create_conversation_statements(&db, &new)?).await {
            Ok(_) => break,
            Err(e) => {
                let text = e.to_string();
                if text.contains("conversations.reference") && attempts < 3 {
                    attempts += 1;
                    conversation.reference = ids::new_reference();
                } else if text.contains("message_attachments") || text.contains("FOREIGN KEY") {
                    // Another submission claimed a file first, or it was cleaned up meanwhile.
                    return Err(Error::UnknownAttachment);
                } else {
                    return Err(e.into());
                }
            }
        }
    }

    log::event(
        "conversation_created",
        serde_json::json!({"site": site.id, "conversation": id, "attachments": submission.attachments.len()}),
    );
    http::json(201, &ConversationCreated { id, reference: conversation.reference })
}

async fn read_submission(req: &mut Request) -> Result<Submission, Error> {
    let content_type = req.headers().get("Content-Type").ok().flatten().unwrap_or_default();
    if !is_json(&content_type) {
        return Err(Error::UnsupportedMediaType("application/json"));
    }
    let declared = req.headers().get("Content-Length").ok().flatten().and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_BODY_BYTES) {
        return Err(Error::BodyTooLarge(MAX_BODY_BYTES));
    }
    let body = req.bytes().await?;
    if body.len() as u64 > MAX_BODY_BYTES {
        return Err(Error::BodyTooLarge(MAX_BODY_BYTES));
    }
    let submission: Submission = serde_json::from_slice(&body).map_err(|e| Error::MalformedJson(e.to_string()))?;
    Ok(submission.normalized())
}

pub fn is_json(content_type: &str) -> bool {
    content_type.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json")
}

/// Every referenced file must exist, belong to this site and not be part of a message yet.
pub fn check_attachments(found: &[store::UploadClaim], wanted: &[String], site: &str) -> Result<(), Error> {
    let ok = wanted
        .iter()
        .all(|id| found.iter().any(|u| &u.id == id && u.site == site && u.claimed == 0.0));
    if ok {
        Ok(())
    } else {
        Err(Error::UnknownAttachment)
    }
}

/// Helpdesks want a subject; a visitor who left it empty gets the message's first line.
pub fn subject_of(s: &Submission) -> String {
    if !s.subject.is_empty() {
        return s.subject.clone();
    }
    let first_line = s.message.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    let mut subject: String = first_line.chars().take(80).collect();
    if first_line.chars().count() > 80 {
        subject.push('…');
    }
    subject
}

#[cfg(test)]
mod tests {
    use super::*;
    use store::UploadClaim;

    fn claim(id: &str, site: &str, claimed: bool) -> UploadClaim {
        UploadClaim { id: id.into(), site: site.into(), claimed: if claimed { 1.0 } else { 0.0 } }
    }

    #[test]
    fn attachments_must_be_this_sites_and_free() {
        let found = vec![claim("a", "demo", false), claim("b", "other", false), claim("c", "demo", true)];
        assert!(check_attachments(&found, &["a".into()], "demo").is_ok());
        assert!(check_attachments(&found, &["b".into()], "demo").is_err(), "another site's upload");
        assert!(check_attachments(&found, &["c".into()], "demo").is_err(), "already in a message");
        assert!(check_attachments(&found, &["zzz".into()], "demo").is_err(), "unknown");
        assert!(check_attachments(&found, &[], "demo").is_ok());
    }

    #[test]
    fn json_content_types() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/jsonp"));
    }

    #[test]
    fn empty_subject_takes_the_first_line() {
        let s = Submission { message: "\n  My order is late  \nsecond".into(), ..Default::default() };
        assert_eq!(subject_of(&s), "My order is late");
        let long = Submission { message: "x".repeat(100), ..Default::default() };
        assert_eq!(subject_of(&long).chars().count(), 81);
        let given = Submission { subject: "Hi".into(), message: "body".into(), ..Default::default() };
        assert_eq!(subject_of(&given), "Hi");
    }
}
