//! What the form holds while the visitor writes and sends, shared by the sending and the views.

use super::draft::{Draft, Kept};
use super::files::Files;
use leptos::prelude::*;
use porthole_shared::{FieldErrors, Submission, WidgetConfig};
use std::collections::BTreeMap;
use web_sys::FileList;

#[derive(Clone, PartialEq)]
pub enum Phase {
    Editing,
    Uploading,
    Sending,
    Sent(String),
}

/// The form's state; every part is a signal or a stored value, so it copies freely into the
/// closures that read it.
#[derive(Clone, Copy)]
pub struct Form {
    pub draft: Draft,
    /// The site's own fields, by key.
    pub custom: RwSignal<BTreeMap<String, String>>,
    /// The hidden field only bots fill in.
    pub honeypot: RwSignal<String>,
    pub files: Files,
    pub errors: RwSignal<FieldErrors>,
    /// What the alert line says.
    pub alert: RwSignal<Option<String>>,
    pub phase: RwSignal<Phase>,
    pub config: RwSignal<WidgetConfig>,
    pub kept: Kept,
    /// One key per submission as sent: a resend of the same text after a lost answer is then
    /// stored once by the edge; changed text is a new submission with a new key.
    pub sent_as: StoredValue<Option<(String, Submission)>>,
}

impl Form {
    /// The form for the site at `site_url` (`Api::site_url`), its draft kept under `site`.
    pub fn new(
        draft: Draft,
        config: RwSignal<WidgetConfig>,
        site: String,
        site_url: String,
    ) -> Form {
        let limits = Memo::new(move |_| config.with(|c| c.limits.clone()));
        Form {
            draft,
            custom: RwSignal::new(BTreeMap::new()),
            honeypot: RwSignal::new(String::new()),
            files: Files::new(limits, site_url),
            errors: RwSignal::new(FieldErrors::new()),
            alert: RwSignal::new(None),
            phase: RwSignal::new(Phase::Editing),
            config,
            kept: Kept::new(site),
            sent_as: StoredValue::new(None),
        }
    }

    /// Uploading or sending: nothing can be changed meanwhile.
    pub fn busy(self) -> bool {
        matches!(self.phase.get(), Phase::Uploading | Phase::Sending)
    }

    /// Files from the picker, a drop or a paste: checked, sent, and listed.
    pub fn attach(self, list: FileList) {
        let added = self.files.picked(list);
        self.kept.touch();
        self.files.list.update(|list| list.extend(added));
        self.errors.update(|e| {
            e.remove("attachments");
        });
    }
}
