//! What the visitor is writing: the text fields, which the page may fill in or vouch for, and
//! the draft kept in `localStorage` (`saved.rs`) so that a reload loses nothing, once the visitor
//! has typed or attached something.

use super::files::Files;
use crate::saved;
use leptos::prelude::*;
use porthole_shared::WidgetConfig;
use std::collections::BTreeMap;

/// The form's text fields, which the page may fill in (`Porthole('prefill', …)`).
#[derive(Clone, Copy)]
pub struct Draft {
    pub(super) name: RwSignal<String>,
    pub(super) email: RwSignal<String>,
    pub(super) subject: RwSignal<String>,
    pub(super) message: RwSignal<String>,
    /// The site's signature of `email`, once the page called `identify`.
    pub(super) identity: RwSignal<Option<String>>,
    /// The page gave the name with it: the form does not ask for it either.
    pub(super) named: RwSignal<bool>,
}

impl Draft {
    pub fn new() -> Draft {
        Draft {
            name: RwSignal::new(String::new()),
            email: RwSignal::new(String::new()),
            subject: RwSignal::new(String::new()),
            message: RwSignal::new(String::new()),
            identity: RwSignal::new(None),
            named: RwSignal::new(false),
        }
    }

    /// `{email, name?, signature}` from the page: the visitor is signed in on the site, which
    /// vouches for the email. The form then asks for neither.
    pub fn identify(&self, values: &wasm_bindgen::JsValue) {
        let (Some(email), Some(signature)) = (
            crate::js::string(values, "email"),
            crate::js::string(values, "signature"),
        ) else {
            return;
        };
        let name = crate::js::string(values, "name").filter(|n| !n.trim().is_empty());
        self.named.set(name.is_some());
        if let Some(name) = name {
            self.name.set(name);
        }
        self.email.set(email);
        self.identity.set(Some(signature));
    }

    /// `Porthole('logout')`: who the visitor was, and what they wrote, are gone.
    pub fn forget(&self, site: &str) {
        self.identity.set(None);
        self.named.set(false);
        for (_, field) in self.fields() {
            field.set(String::new());
        }
        saved::clear(site);
    }

    /// Takes the string properties of `values` that it has a field for; anything else is ignored.
    pub fn fill(&self, values: &wasm_bindgen::JsValue) {
        if !values.is_object() {
            return;
        }
        for (key, field) in self.fields() {
            if let Some(text) = js_sys::Reflect::get(values, &key.into())
                .ok()
                .and_then(|v| v.as_string())
            {
                field.set(text);
            }
        }
    }

    /// The four fields of every form, by the names the saved draft and the markup give them.
    pub(super) fn fields(self) -> [(&'static str, RwSignal<String>); 4] {
        [
            ("name", self.name),
            ("email", self.email),
            ("subject", self.subject),
            ("message", self.message),
        ]
    }
}

/// The draft in `localStorage` for one site, written from the visitor's first keystroke or file.
#[derive(Clone, Copy)]
pub struct Kept {
    site: StoredValue<String>,
    touched: StoredValue<bool>,
}

impl Kept {
    pub fn new(site: String) -> Kept {
        Kept {
            site: StoredValue::new(site),
            touched: StoredValue::new(false),
        }
    }

    /// The visitor typed or attached something: the draft is worth keeping from now on.
    pub fn touch(self) {
        self.touched.set_value(true);
    }

    /// The message is sent: nothing to keep until the visitor writes again.
    pub fn forget(self) {
        self.touched.set_value(false);
        self.site.with_value(|s| saved::clear(s));
    }

    /// Fills the form with the draft saved before a reload, if there is one.
    pub fn restore(
        self,
        draft: Draft,
        custom: RwSignal<BTreeMap<String, String>>,
        files: Files,
        config: RwSignal<WidgetConfig>,
    ) {
        let Some(saved) = self.site.with_value(|s| saved::load(s)) else {
            return;
        };
        self.touch();
        for (k, v) in saved.text {
            match k.as_str() {
                "name" => draft.name.set(v),
                "email" => draft.email.set(v),
                "subject" => draft.subject.set(v),
                "message" => draft.message.set(v),
                other => {
                    // Only fields the site still has: a removed one could never be sent.
                    let field = other.strip_prefix("fields.").filter(|f| {
                        config.with_untracked(|c| c.fields.iter().any(|d| d.key == *f))
                    });
                    if let Some(field) = field {
                        custom.update(|m| {
                            m.insert(field.to_string(), v);
                        });
                    }
                }
            }
        }
        files.restore(saved.files);
    }

    /// Saves the draft whenever it changes, once touched.
    pub fn keep(self, draft: Draft, custom: RwSignal<BTreeMap<String, String>>, files: Files) {
        Effect::new(move || {
            let mut text: Vec<(String, String)> = draft
                .fields()
                .into_iter()
                // A signed-in visitor's name and email come from the site on every page, not the
                // draft.
                .skip(if draft.identity.with(Option::is_some) {
                    2
                } else {
                    0
                })
                .map(|(k, v)| (k.to_string(), v.get()))
                .collect();
            text.extend(
                custom
                    .get()
                    .into_iter()
                    .map(|(k, v)| (format!("fields.{k}"), v)),
            );
            let stored = files.stored();
            if self.touched.get_value() {
                self.site.with_value(|s| {
                    saved::save(
                        s,
                        &saved::SavedDraft {
                            text,
                            files: stored,
                        },
                    )
                });
            }
        });
    }
}
