//! The contact form: fields, files, submission, and the sent view.

use crate::api::{Api, ApiError};
use crate::dom::{self, bind};
use crate::fields::{bind_error, bind_field, custom_field, optional};
use crate::saved;
use crate::text::{self, Text};
use crate::upload::{file_meta, Upload};
use leptos::prelude::*;
use leptos::task::spawn_local;
use porthole_shared::form::validate_form;
use porthole_shared::{validate_upload, FieldCode, FieldErrors, Limits, Submission, WidgetConfig};
use std::collections::BTreeMap;
use wasm_bindgen::{JsCast, UnwrapThrowExt};
use web_sys::{
    ClipboardEvent, DragEvent, Element, Event, File, FileList, HtmlElement, HtmlInputElement,
};

/// Where one attached file stands. Files upload as soon as they are picked.
#[derive(Clone, PartialEq)]
enum FileState {
    /// Against the site's limits (before any byte was sent) or refused by the edge.
    Refused(FieldCode),
    /// Percent sent.
    Uploading(u32),
    /// A file in parts whose connection dropped, at this percent: it resumes by itself.
    Paused(u32),
    /// No answer, or the server failed: sending it again may work.
    Failed,
    /// Stored by the edge under this id.
    Stored(String),
}

#[derive(Clone)]
struct PickedFile {
    key: u32,
    name: String,
    size: u64,
    /// `None` for a file restored from a saved draft: stored, with nothing left to send.
    file: Option<File>,
    state: RwSignal<FileState>,
    upload: StoredValue<Option<Upload>, LocalStorage>,
}

#[derive(Clone, PartialEq)]
enum Phase {
    Editing,
    Uploading,
    Sending,
    Sent(String),
}

/// How many times a submission is sent again after no answer or a server error, the waits
/// doubling from one second, before the visitor is asked to try again.
const SEND_ATTEMPTS: u32 = 6;

/// The form's text fields, which the page may fill in (`Porthole('prefill', …)`).
#[derive(Clone, Copy)]
pub struct Draft {
    name: RwSignal<String>,
    email: RwSignal<String>,
    subject: RwSignal<String>,
    message: RwSignal<String>,
    /// The site's signature of `email`, once the page called `identify`.
    identity: RwSignal<Option<String>>,
    /// The page gave the name with it: the form does not ask for it either.
    named: RwSignal<bool>,
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

    /// Takes the string properties of `values` that it has a field for; anything else is ignored.
    pub fn fill(&self, values: &wasm_bindgen::JsValue) {
        if !values.is_object() {
            return;
        }
        for (key, field) in [
            ("name", self.name),
            ("email", self.email),
            ("subject", self.subject),
            ("message", self.message),
        ] {
            if let Some(text) = js_sys::Reflect::get(values, &key.into())
                .ok()
                .and_then(|v| v.as_string())
            {
                field.set(text);
            }
        }
    }
}

/// Tells the page: `emit(event, detail)`.
fn notify(emit: &js_sys::Function, event: &str, key: &str, value: &str) {
    let detail = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&detail, &key.into(), &value.into());
    let _ = emit.call2(&wasm_bindgen::JsValue::NULL, &event.into(), &detail);
}

const MARKUP: &str = include_str!("../form.html");

/// Draws the form into the dialog `root` and binds it to the draft, the settings and the edge.
pub fn contact_form(
    api: Api,
    root: HtmlElement,
    draft: Draft,
    config: RwSignal<WidgetConfig>,
    emit: js_sys::Function,
    close: js_sys::Function,
) {
    root.set_inner_html(MARKUP);
    let Draft {
        name,
        email,
        subject,
        message,
        identity,
        named,
    } = draft;
    let t = Text(config);
    let emit = StoredValue::new_local(emit);
    let files = RwSignal::new_local(Vec::<PickedFile>::new());
    let custom = RwSignal::new(BTreeMap::<String, String>::new());
    let honeypot = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let alert = RwSignal::new(None::<String>);
    let phase = RwSignal::new(Phase::Editing);
    let next_key = StoredValue::new(0u32);
    let limits = Memo::new(move |_| config.with(|c| c.limits.clone()));
    // One key per submission as sent: a resend of the same text after a lost answer is then
    // stored once by the edge; changed text is a new submission with a new key.
    let sent_as = StoredValue::new(None::<(String, Submission)>);
    let root = StoredValue::new_local(root);

    // The draft survives a reload, once the visitor has typed or attached something.
    let site = StoredValue::new(api.site().to_string());
    let touched = StoredValue::new(false);
    if let Some(saved) = site.with_value(|s| saved::load(s)) {
        touched.set_value(true);
        for (k, v) in saved.text {
            match k.as_str() {
                "name" => name.set(v),
                "email" => email.set(v),
                "subject" => subject.set(v),
                "message" => message.set(v),
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
        let restored = saved
            .files
            .into_iter()
            .enumerate()
            .map(|(i, f)| PickedFile {
                key: i as u32 + 1,
                name: f.name,
                size: f.size,
                file: None,
                state: RwSignal::new(FileState::Stored(f.id)),
                upload: StoredValue::new_local(None),
            });
        files.set(restored.collect());
        next_key.set_value(files.with_untracked(Vec::len) as u32);
    }
    Effect::new(move || {
        let mut text: Vec<(String, String)> = [
            ("name", name),
            ("email", email),
            ("subject", subject),
            ("message", message),
        ]
        .into_iter()
        // A signed-in visitor's name and email come from the site on every page, not the draft.
        .skip(if identity.with(Option::is_some) { 2 } else { 0 })
        .map(|(k, v)| (k.to_string(), v.get()))
        .collect();
        text.extend(
            custom
                .get()
                .into_iter()
                .map(|(k, v)| (format!("fields.{k}"), v)),
        );
        let stored = files.with(|list| {
            list.iter()
                .filter_map(|f| match f.state.get() {
                    FileState::Stored(id) => Some(saved::SavedFile {
                        id,
                        name: f.name.clone(),
                        size: f.size,
                    }),
                    _ => None,
                })
                .collect()
        });
        if touched.get_value() {
            site.with_value(|s| {
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

    let site_url = StoredValue::new(api.site_url());
    let start_upload = move |f: &PickedFile| {
        let state = f.state;
        state.set(FileState::Uploading(0));
        let progress = move |percent| {
            if matches!(
                state.get_untracked(),
                FileState::Uploading(_) | FileState::Paused(_)
            ) {
                state.set(FileState::Uploading(percent));
            }
        };
        let paused = move || {
            if let FileState::Uploading(p) = state.get_untracked() {
                state.set(FileState::Paused(p));
            }
        };
        // A retry resumes the same upload: a file sent in parts sends only what did not arrive.
        let upload = f.upload.get_value().or_else(|| {
            f.file
                .clone()
                .map(|file| Upload::new(site_url.get_value(), file, progress, paused))
        });
        let Some(upload) = upload else {
            state.set(FileState::Failed);
            return;
        };
        f.upload.set_value(Some(upload.clone()));
        spawn_local(async move {
            match upload.result().await {
                Ok(id) => state.set(FileState::Stored(id)),
                // Cancelled: the file is gone from the list.
                Err(None) => {}
                Err(Some(ApiError::Refused { fields, .. })) => {
                    let code = fields.and_then(|m| m.values().next().copied());
                    state.set(code.map_or(FileState::Failed, FileState::Refused));
                }
                Err(Some(_)) => state.set(FileState::Failed),
            }
        });
    };
    let remove_file = move |key: u32| {
        files.update(|list| {
            if let Some(i) = list.iter().position(|f| f.key == key) {
                let gone = list.remove(i);
                gone.upload.with_value(|u| u.as_ref().map(Upload::cancel));
            }
        })
    };

    // Files from the picker, a drop or a paste, each checked against the site's limits at once
    // and sent straight away if they pass.
    let add_files = move |list: FileList| {
        let mut added = Vec::new();
        for i in 0..list.length() {
            let Some(file) = list.get(i) else { continue };
            let error = limits
                .with_untracked(|l| validate_upload(&file_meta(&file), l).err())
                .and_then(|e| e.values().next().copied());
            let key = next_key.get_value() + 1;
            next_key.set_value(key);
            let picked = PickedFile {
                key,
                name: file.name(),
                size: file.size() as u64,
                file: Some(file),
                state: RwSignal::new(error.map_or(FileState::Uploading(0), FileState::Refused)),
                upload: StoredValue::new_local(None),
            };
            if error.is_none() {
                start_upload(&picked);
            }
            added.push(picked);
        }
        touched.set_value(true);
        files.update(|list| list.extend(added));
        errors.update(|e| {
            e.remove("attachments");
        });
    };
    let on_files = move |ev: Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        else {
            return;
        };
        if let Some(list) = input.files() {
            add_files(list);
        }
        // Lets the visitor pick the same file again after removing it.
        input.set_value("");
    };
    let dropped = move |data: Option<web_sys::DataTransfer>| {
        data.and_then(|d| d.files()).filter(|f| f.length() > 0)
    };
    let on_drop = move |ev: Event| {
        if let Some(list) = dropped(ev.unchecked_ref::<DragEvent>().data_transfer()) {
            ev.prevent_default();
            add_files(list);
        }
    };
    // A pasted screenshot becomes an attachment; pasted text stays text.
    let on_paste = move |ev: Event| {
        if let Some(list) = dropped(ev.unchecked_ref::<ClipboardEvent>().clipboard_data()) {
            ev.prevent_default();
            add_files(list);
        }
    };

    let busy = move || matches!(phase.get(), Phase::Uploading | Phase::Sending);

    let on_submit = move |ev: Event| {
        ev.prevent_default();
        if busy() {
            return;
        }
        let picked = files.get_untracked();
        let draft = Submission {
            name: name.get_untracked(),
            email: email.get_untracked(),
            subject: subject.get_untracked(),
            message: message.get_untracked(),
            fields: crate::js::map(
                custom
                    .get_untracked()
                    .into_iter()
                    .filter(|(_, v)| !v.is_empty()),
            ),
            page_url: page_url(),
            locale: Some(config.with_untracked(|c| c.locale.clone())),
            honeypot: honeypot.get_untracked(),
            identity: identity.get_untracked(),
            ..Submission::default()
        }
        .normalized();
        let mut found = config
            .with_untracked(|c| validate_form(&draft, &c.limits, &c.fields))
            .err()
            .unwrap_or_default();
        let refused = picked.iter().find_map(|f| match f.state.get_untracked() {
            FileState::Refused(code) => Some(code),
            _ => None,
        });
        if let Some(code) = refused {
            found.insert("attachments".into(), code);
        } else if picked.len() > limits.with_untracked(|l| l.files) {
            found.insert("attachments".into(), FieldCode::TooMany);
        }
        if !found.is_empty() {
            errors.set(found);
            alert.set(Some(t.get("fix-fields")));
            root.with_value(focus_first_invalid);
            return;
        }
        errors.set(FieldErrors::new());
        alert.set(None);
        let api = api.clone();
        spawn_local(async move {
            phase.set(Phase::Uploading);
            // Files that found no server get another go; then every upload must have ended.
            for f in picked
                .iter()
                .filter(|f| f.state.get_untracked() == FileState::Failed)
            {
                start_upload(f);
            }
            // Only files still attached: a cancelled one never finishes.
            while files.with_untracked(|l| {
                l.iter().any(|f| {
                    matches!(
                        f.state.get_untracked(),
                        FileState::Uploading(_) | FileState::Paused(_)
                    )
                })
            }) {
                crate::wait::millis(100).await;
            }
            let mut ids = Vec::new();
            for f in &picked {
                match f.state.get_untracked() {
                    FileState::Stored(id) => ids.push(id),
                    // Removed meanwhile: not sent.
                    _ if !files.with_untracked(|l| l.iter().any(|e| e.key == f.key)) => {}
                    state => {
                        let said = match state {
                            FileState::Refused(code) => {
                                errors.update(|e| {
                                    e.insert("attachments".into(), code);
                                });
                                t.get("fix-fields")
                            }
                            _ => t.get("network"),
                        };
                        alert.set(Some(said.clone()));
                        emit.with_value(|f| notify(f, "error", "message", &said));
                        phase.set(Phase::Editing);
                        return;
                    }
                }
            }
            phase.set(Phase::Sending);
            let submission = Submission {
                attachments: ids,
                ..draft
            };
            let key = match sent_as.get_value() {
                Some((key, before)) if before == submission => Some(key),
                _ => idempotency_key(),
            };
            sent_as.set_value(key.clone().map(|k| (k, submission.clone())));
            let mut attempt = 0;
            let outcome = loop {
                let result = api.create_conversation(&submission, key.as_deref()).await;
                attempt += 1;
                if !result.as_ref().is_err_and(ApiError::worth_retrying) || attempt >= SEND_ATTEMPTS
                {
                    break result;
                }
                let said = if crate::wait::offline() {
                    "offline"
                } else {
                    "retrying"
                };
                alert.set(Some(t.get(said)));
                crate::wait::backoff(attempt - 1).await;
            };
            alert.set(None);
            match outcome {
                Ok(reference) => {
                    // A signed-in visitor stays who they are for the next message.
                    let keep = if identity.with_untracked(Option::is_some) {
                        2
                    } else {
                        0
                    };
                    for field in [name, email, subject, message, honeypot]
                        .into_iter()
                        .skip(keep)
                    {
                        field.set(String::new());
                    }
                    custom.set(BTreeMap::new());
                    files.set(Vec::new());
                    sent_as.set_value(None);
                    touched.set_value(false);
                    site.with_value(|s| saved::clear(s));
                    emit.with_value(|f| notify(f, "submitted", "reference", &reference));
                    phase.set(Phase::Sent(reference));
                    root.with_value(|r| focus(r, ".ph-sent h3"));
                }
                // The site's signature did not match: the visitor sees the name and email
                // fields again and can send without it.
                Err(ApiError::Refused {
                    fields: Some(f), ..
                }) if f.contains_key("identity") => {
                    identity.set(None);
                    named.set(false);
                    let said = t.get("identity-refused");
                    alert.set(Some(said.clone()));
                    emit.with_value(|f| notify(f, "error", "message", &said));
                    phase.set(Phase::Editing);
                    root.with_value(|r| focus(r, "#ph-email"));
                }
                Err(e) => {
                    let said = show_failure(t, e, errors, alert);
                    emit.with_value(|f| notify(f, "error", "message", &said));
                    phase.set(Phase::Editing);
                    root.with_value(focus_first_invalid);
                }
            }
        });
    };

    let sent_reference = move || match phase.get() {
        Phase::Sent(reference) => Some(reference),
        _ => None,
    };
    let panel: Element = root.get_value().into();
    let find = |selector: &str| dom::find(&panel, selector);

    // The catalog's messages, and the dialog's name and direction, in the visitor's language.
    bind({
        let panel = panel.clone();
        move || {
            let say = |el: &Element, name| t.get(&el.get_attribute(name).unwrap_or_default());
            for el in dom::find_all(&panel, "[data-t]") {
                dom::text(&el, &say(&el, "data-t"));
            }
            for el in dom::find_all(&panel, "[data-label]") {
                dom::set(&el, "aria-label", &say(&el, "data-label"));
            }
            dom::set(&panel, "aria-label", &t.get("launcher"));
            config.with(|c| {
                dom::set(&panel, "dir", &c.dir);
                dom::set(&panel, "lang", &c.locale);
            })
        }
    });
    dom::on(&find(".close"), "click", move |_| {
        let _ = close.call0(&wasm_bindgen::JsValue::NULL);
    });
    let said = find(".ph-alert");
    bind(move || dom::text(&said, &alert.get().unwrap_or_default()));

    let form = find("form");
    dom::on(&form, "submit", on_submit);
    dom::on(&form, "paste", on_paste);
    dom::on(&form, "input", move |_| touched.set_value(true));
    dom::on(&form, "dragover", |ev| ev.prevent_default());
    dom::on(&form, "drop", on_drop);
    bind(move || dom::flag(&form, "hidden", sent_reference().is_some()));
    let fields = find(".ph-fields");
    bind(move || dom::flag(&fields, "disabled", busy()));

    let identified = find(".ph-identified");
    bind(move || {
        dom::flag(&identified, "hidden", identity.with(Option::is_none));
        dom::text(
            &identified,
            &t.fill("identified", &[("email", &email.get())]),
        );
    });
    let ask_name = find(".ph-ask-name");
    bind(move || {
        dom::flag(
            &ask_name,
            "hidden",
            identity.with(Option::is_some) && named.get(),
        )
    });
    let ask_email = find(".ph-ask-email");
    bind(move || dom::flag(&ask_email, "hidden", identity.with(Option::is_some)));
    for (key, value) in [
        ("name", name),
        ("email", email),
        ("subject", subject),
        ("message", message),
    ] {
        bind_field(
            find(&format!("#ph-{key}")),
            find(&format!("#ph-{key}-error")),
            key.to_string(),
            errors,
            t,
            Box::new(move || value.get()),
            Box::new(move |text| value.set(text)),
        );
    }
    let subject_label = find("label[for='ph-subject']");
    bind(move || dom::text(&subject_label, &optional(t, &t.get("subject"))));
    // Redrawn whole when the settings change (fields are few).
    let custom_fields = find(".ph-custom");
    bind(move || {
        dom::text(&custom_fields, "");
        for field in config.with(|c| c.fields.clone()) {
            let _ = custom_fields.append_child(&custom_field(field, custom, errors, t));
        }
    });

    let website = find("#ph-website");
    dom::on(&website, "input", move |ev| {
        honeypot.set(dom::target_value(&ev))
    });
    bind(move || dom::set_prop(&website, "value", honeypot.get().into()));

    let picker = find("#ph-files");
    dom::on(&picker, "change", on_files);
    bind_error(
        picker,
        find("#ph-files-error"),
        "attachments".into(),
        errors,
        t,
    );
    // Redrawn whole when a file comes or goes (they are few); a row follows its file's state.
    let list = find(".ph-files");
    bind({
        let panel = panel.clone();
        move || {
            dom::text(&list, "");
            for f in files.get() {
                let row = file_row(&panel, f, t, busy, start_upload, remove_file);
                let _ = list.append_child(&row);
            }
        }
    });
    let send = find("button[type='submit']");
    bind(move || {
        dom::flag(&send, "disabled", busy());
        let said = match phase.get() {
            Phase::Uploading => "uploading",
            Phase::Sending => "sending",
            _ => "send",
        };
        dom::text(&send, &t.get(said));
    });

    let sent = find(".ph-sent");
    let reference = find(".ph-reference");
    bind(move || {
        let sent_as = sent_reference();
        dom::flag(&sent, "hidden", sent_as.is_none());
        dom::text(&reference, sent_as.as_deref().unwrap_or_default());
    });
    dom::on(&find(".ph-again"), "click", move |_| {
        phase.set(Phase::Editing)
    });
}

/// One attached file: its name and size, its upload's progress or why it failed, and what can
/// be done about it (`form.html`'s `.ph-row`).
fn file_row(
    panel: &Element,
    f: PickedFile,
    t: Text,
    busy: impl Fn() -> bool + Copy + 'static,
    retry: impl Fn(&PickedFile) + Copy + 'static,
    remove: impl Fn(u32) + Copy + 'static,
) -> Element {
    let row = dom::clone_template(panel, ".ph-row");
    let state = f.state;
    let percent = move || match state.get() {
        FileState::Uploading(p) | FileState::Paused(p) => Some(p),
        _ => None,
    };
    dom::text(&dom::find(&row, ".ph-file-name"), &f.name);
    dom::text(&dom::find(&row, ".ph-file-size"), &text::file_size(f.size));
    let progress = dom::find(&row, "progress");
    let status = dom::find(&row, ".ph-file-status");
    let buttons = dom::find_all(&row, "button");
    // Each button says what it does to which file.
    for button in &buttons {
        let button = button.clone();
        let id = button.get_attribute("data-act").unwrap_or_default();
        let name = f.name.clone();
        bind(move || {
            let said = t.get(&id);
            dom::set(&button, "aria-label", &format!("{said} {name}"));
            dom::text(&button, &said);
        });
    }
    let [cancel, again, gone] = <[Element; 3]>::try_from(buttons).expect_throw(".ph-row");
    let key = f.key;
    dom::on(&cancel, "click", move |_| remove(key));
    dom::on(&gone, "click", move |_| remove(key));
    dom::on(&again, "click", move |_| retry(&f));
    {
        let row = row.clone();
        bind(move || {
            let now = state.get();
            let bad = matches!(now, FileState::Refused(_) | FileState::Failed);
            let _ = row.class_list().toggle_with_force("ph-file-bad", bad);
            let _ = status.class_list().toggle_with_force("ph-error", bad);
            dom::text(
                &status,
                &match now {
                    FileState::Uploading(p) => {
                        t.fill("upload-progress", &[("percent", &p.to_string())])
                    }
                    FileState::Paused(p) => t.fill("upload-paused", &[("percent", &p.to_string())]),
                    FileState::Refused(code) => t.field_error(code),
                    FileState::Failed => t.get("network"),
                    FileState::Stored(_) => String::new(),
                },
            );
            let sending = percent();
            dom::set(&progress, "value", &sending.unwrap_or(100).to_string());
            dom::flag(&progress, "hidden", sending.is_none());
            dom::flag(&cancel, "hidden", sending.is_none());
            dom::flag(&again, "hidden", now != FileState::Failed);
            dom::flag(&gone, "hidden", sending.is_some());
            dom::flag(&again, "disabled", busy());
            dom::flag(&gone, "disabled", busy());
        });
    }
    row
}

/// Shows what went wrong, and returns what the visitor was told.
fn show_failure(
    t: Text,
    e: ApiError,
    errors: RwSignal<FieldErrors>,
    alert: RwSignal<Option<String>>,
) -> String {
    let message = match e {
        ApiError::Network => t.get("network"),
        ApiError::Unexpected | ApiError::Refused { status: 500.., .. } => t.get("server"),
        ApiError::Refused {
            status: 429,
            retry_after,
            ..
        } => t.fill(
            "rate-limited",
            &[("time", &clock_in(retry_after.unwrap_or(60)))],
        ),
        ApiError::Refused {
            message, fields, ..
        } => match fields {
            Some(fields) => {
                errors.set(fields);
                t.get("fix-fields")
            }
            None => message,
        },
    };
    alert.set(Some(message.clone()));
    message
}

/// The visitor's clock time `seconds` from now, as their browser writes it (`14:05`).
fn clock_in(seconds: u32) -> String {
    let at = js_sys::Date::new(&(js_sys::Date::now() + seconds as f64 * 1000.0).into());
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
    at.to_locale_time_string_with_options("default", &options)
        .into()
}

/// The page the visitor wrote from, without its query or fragment (they may hold tokens).
fn page_url() -> Option<String> {
    let location = web_sys::window()?.location();
    let url = format!("{}{}", location.origin().ok()?, location.pathname().ok()?);
    (url.starts_with("http") && url.len() <= Limits::default().page_url_chars).then_some(url)
}

/// 128 random bits for the Idempotency-Key. `getRandomValues`, unlike `randomUUID`, also exists on
/// pages served over plain http.
/// `None` (no key sent) rather than a key that is not random.
fn idempotency_key() -> Option<String> {
    let mut bytes = [0u8; 16];
    web_sys::window()?
        .crypto()
        .ok()?
        .get_random_values_with_u8_array(&mut bytes)
        .ok()?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// After the DOM has caught up with the new errors.
fn focus_first_invalid(root: &HtmlElement) {
    focus(root, "[aria-invalid='true']");
}

fn focus(root: &HtmlElement, selector: &'static str) {
    let root = root.clone();
    request_animation_frame(move || {
        if let Ok(Some(el)) = root.query_selector(selector) {
            if let Ok(el) = el.dyn_into::<HtmlElement>() {
                let _ = el.focus();
            }
        }
    });
}
