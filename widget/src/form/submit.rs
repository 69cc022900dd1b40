//! Sending the form: what the visitor wrote checked against the site's rules, the uploads
//! awaited, then the submission sent, again after no answer or a server failure. How it ended is
//! an [`Outcome`], which the view tells the visitor and the page.

use super::draft::Draft;
use super::files::{FileState, Files, PickedFile};
use super::state::{Form, Phase};
use crate::api::{Api, ApiError};
use leptos::prelude::*;
use porthole_shared::form::validate_form;
use porthole_shared::{FieldCode, FieldErrors, Limits, Submission};
use std::collections::BTreeMap;

/// How many times a submission is sent again after no answer or a server error, the waits
/// doubling from one second, before the visitor is asked to try again.
const SEND_ATTEMPTS: u32 = 6;

/// How a submission ended.
pub enum Outcome {
    /// Stored by the edge: the conversation, which the visitor goes on in.
    Sent(crate::api::Started),
    /// An attached file was refused, for this reason.
    FileRefused(FieldCode),
    /// An attached file could not be stored: no answer, or the server failed.
    FileFailed,
    /// The site's signature of the email did not match.
    IdentityRefused,
    /// No answer, after every attempt.
    Network,
    /// The server failed, or answered what is not ours, after every attempt.
    Server,
    /// Too many messages: the edge takes more in this many seconds.
    RateLimited(u32),
    /// These fields were refused.
    Invalid(FieldErrors),
    /// Refused, for the reason the edge gives.
    Refused(String),
}

/// Why the visitor waits between two attempts.
pub enum Waiting {
    /// The browser is offline: the next attempt goes when it is back.
    Offline,
    /// No answer or a server error: the next attempt goes after a while.
    Retrying,
}

impl Form {
    /// What would be sent now, with the files attached to it; or what is wrong with it.
    pub fn checked(self) -> Result<(Submission, Vec<PickedFile>), FieldErrors> {
        let picked = self.files.list.get_untracked();
        let draft = self.submission();
        let mut found = self
            .config
            .with_untracked(|c| validate_form(&draft, &c.limits, &c.fields))
            .err()
            .unwrap_or_default();
        if let Some(code) = Files::refused(&picked) {
            found.insert("attachments".into(), code);
        } else if picked.len() > self.files.limits.with_untracked(|l| l.files) {
            found.insert("attachments".into(), FieldCode::TooMany);
        }
        if found.is_empty() {
            Ok((draft, picked))
        } else {
            Err(found)
        }
    }

    /// The fields as they would be sent, without the attachments.
    fn submission(self) -> Submission {
        let Draft {
            name,
            email,
            subject,
            message,
            identity,
            ..
        } = self.draft;
        Submission {
            name: name.get_untracked(),
            email: email.get_untracked(),
            subject: subject.get_untracked(),
            message: message.get_untracked(),
            fields: crate::js::map(
                self.custom
                    .get_untracked()
                    .into_iter()
                    .filter(|(_, v)| !v.is_empty()),
            ),
            page_url: page_url(),
            locale: Some(self.config.with_untracked(|c| c.locale.clone())),
            honeypot: self.honeypot.get_untracked(),
            identity: identity.get_untracked(),
            ..Submission::default()
        }
        .normalized()
    }

    /// Waits for the uploads of `picked`, then sends `draft` with them; `waiting` hears of each
    /// wait before another attempt.
    pub async fn deliver(
        self,
        api: &Api,
        draft: Submission,
        picked: Vec<PickedFile>,
        waiting: &dyn Fn(Waiting),
    ) -> Outcome {
        self.phase.set(Phase::Uploading);
        let ids = match self.files.uploaded(&picked).await {
            Ok(ids) => ids,
            Err(FileState::Refused(code)) => return Outcome::FileRefused(code),
            Err(_) => return Outcome::FileFailed,
        };
        self.phase.set(Phase::Sending);
        let submission = Submission {
            attachments: ids,
            ..draft
        };
        let key = match self.sent_as.get_value() {
            Some((key, before)) if before == submission => Some(key),
            _ => crate::api::new_key(),
        };
        self.sent_as
            .set_value(key.clone().map(|k| (k, submission.clone())));
        send(api, &submission, key.as_deref(), waiting).await
    }

    /// Empties the form for the next message, once this one is stored. A signed-in visitor stays
    /// who they are for the next message.
    pub fn start_over(self) {
        let keep = if self.draft.identity.with_untracked(Option::is_some) {
            2
        } else {
            0
        };
        let fields = self.draft.fields().map(|(_, field)| field);
        for field in fields.into_iter().chain([self.honeypot]).skip(keep) {
            field.set(String::new());
        }
        self.custom.set(BTreeMap::new());
        self.files.list.set(Vec::new());
        self.sent_as.set_value(None);
        self.kept.forget();
    }
}

/// Sends `submission`, again after no answer or a server error (up to [`SEND_ATTEMPTS`] times,
/// waiting 1, 2, 4, 8, 16 s, or until the browser is online).
async fn send(
    api: &Api,
    submission: &Submission,
    key: Option<&str>,
    waiting: &dyn Fn(Waiting),
) -> Outcome {
    let mut attempt = 0;
    let result = loop {
        let result = api.create_conversation(submission, key).await;
        attempt += 1;
        if !result.as_ref().is_err_and(ApiError::worth_retrying) || attempt >= SEND_ATTEMPTS {
            break result;
        }
        waiting(if crate::wait::offline() {
            Waiting::Offline
        } else {
            Waiting::Retrying
        });
        crate::wait::backoff(attempt - 1).await;
    };
    match result {
        Ok(started) => Outcome::Sent(started),
        // The visitor then sees the name and email fields again and can send without it.
        Err(ApiError::Refused {
            fields: Some(f), ..
        }) if f.contains_key("identity") => Outcome::IdentityRefused,
        Err(ApiError::Network) => Outcome::Network,
        Err(ApiError::Unexpected | ApiError::Refused { status: 500.., .. }) => Outcome::Server,
        Err(ApiError::Refused {
            status: 429,
            retry_after,
            ..
        }) => Outcome::RateLimited(retry_after.unwrap_or(60)),
        Err(ApiError::Refused {
            fields: Some(fields),
            ..
        }) => Outcome::Invalid(fields),
        Err(ApiError::Refused { message, .. }) => Outcome::Refused(message),
    }
}

/// The page the visitor wrote from, without its query or fragment (they may hold tokens).
fn page_url() -> Option<String> {
    let location = web_sys::window()?.location();
    let url = format!("{}{}", location.origin().ok()?, location.pathname().ok()?);
    (url.starts_with("http") && url.len() <= Limits::default().page_url_chars).then_some(url)
}
