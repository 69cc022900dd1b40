//! The contact form: fields, files, submission, and the sent view.

use crate::api::{Api, ApiError};
use crate::text;
use leptos::prelude::*;
use leptos::task::spawn_local;
use porthole_shared::{
    validate_submission, validate_upload, FieldCode, FieldErrors, Limits, Submission, UploadMeta,
};
use wasm_bindgen::JsCast;
use web_sys::{File, HtmlElement, HtmlInputElement};

#[derive(Clone)]
struct PickedFile {
    key: u32,
    file: File,
    /// Set once the edge stored it, so that a retry never sends the same bytes twice.
    uploaded: Option<String>,
    error: Option<FieldCode>,
}

#[derive(Clone, PartialEq)]
enum Phase {
    Editing,
    Uploading,
    Sending,
    Sent(String),
}

/// The form's text fields, which the page may fill in (`Porthole('prefill', …)`).
#[derive(Clone, Copy)]
pub struct Draft {
    name: RwSignal<String>,
    email: RwSignal<String>,
    subject: RwSignal<String>,
    message: RwSignal<String>,
}

impl Draft {
    pub fn new() -> Draft {
        Draft {
            name: RwSignal::new(String::new()),
            email: RwSignal::new(String::new()),
            subject: RwSignal::new(String::new()),
            message: RwSignal::new(String::new()),
        }
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

#[component]
pub fn ContactForm(
    api: Api,
    root: HtmlElement,
    draft: Draft,
    emit: js_sys::Function,
) -> impl IntoView {
    let Draft {
        name,
        email,
        subject,
        message,
    } = draft;
    let emit = StoredValue::new_local(emit);
    let files = RwSignal::new_local(Vec::<PickedFile>::new());
    let errors = RwSignal::new(FieldErrors::new());
    let alert = RwSignal::new(None::<String>);
    let phase = RwSignal::new(Phase::Editing);
    let next_key = StoredValue::new(0u32);
    let limits = StoredValue::new(Limits::default());
    let root = StoredValue::new_local(root);

    let on_files = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(list) = input.files() else { return };
        let mut added = Vec::new();
        for i in 0..list.length() {
            let Some(file) = list.get(i) else { continue };
            let error = limits
                .with_value(|l| validate_upload(&file_meta(&file), l).err())
                .and_then(|e| e.values().next().copied());
            let key = next_key.get_value() + 1;
            next_key.set_value(key);
            added.push(PickedFile {
                key,
                file,
                uploaded: None,
                error,
            });
        }
        files.update(|list| list.extend(added));
        errors.update(|e| {
            e.remove("attachments");
        });
        // Lets the visitor pick the same file again after removing it.
        input.set_value("");
    };

    let busy = move || matches!(phase.get(), Phase::Uploading | Phase::Sending);

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
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
            page_url: page_url(),
            locale: locale(),
            ..Submission::default()
        }
        .normalized();
        let mut found = limits
            .with_value(|l| validate_submission(&draft, l))
            .err()
            .unwrap_or_default();
        if let Some(code) = picked.iter().find_map(|f| f.error) {
            found.insert("attachments".into(), code);
        } else if picked.len() > limits.with_value(|l| l.files) {
            found.insert("attachments".into(), FieldCode::TooMany);
        }
        if !found.is_empty() {
            errors.set(found);
            alert.set(Some(text::FIX_FIELDS.into()));
            root.with_value(focus_first_invalid);
            return;
        }
        errors.set(FieldErrors::new());
        alert.set(None);
        let api = api.clone();
        spawn_local(async move {
            phase.set(Phase::Uploading);
            let mut ids = Vec::new();
            for f in picked {
                if let Some(id) = f.uploaded {
                    ids.push(id);
                    continue;
                }
                match api.upload(&f.file).await {
                    Ok(stored) => {
                        files.update(|list| {
                            if let Some(entry) = list.iter_mut().find(|e| e.key == f.key) {
                                entry.uploaded = Some(stored.id.clone());
                            }
                        });
                        ids.push(stored.id);
                    }
                    Err(e) => {
                        if let ApiError::Refused { body } = &e {
                            let code = body
                                .error
                                .fields
                                .as_ref()
                                .and_then(|m| m.values().next().copied());
                            files.update(|list| {
                                if let Some(entry) = list.iter_mut().find(|e| e.key == f.key) {
                                    entry.error = code;
                                }
                            });
                        }
                        let said = show_failure(e, errors, alert);
                        emit.with_value(|f| notify(f, "error", "message", &said));
                        phase.set(Phase::Editing);
                        return;
                    }
                }
            }
            phase.set(Phase::Sending);
            match api
                .create_conversation(
                    &Submission {
                        attachments: ids,
                        ..draft
                    },
                    idempotency_key().as_deref(),
                )
                .await
            {
                Ok(created) => {
                    for field in [name, email, subject, message] {
                        field.set(String::new());
                    }
                    files.set(Vec::new());
                    emit.with_value(|f| notify(f, "submitted", "reference", &created.reference));
                    phase.set(Phase::Sent(created.reference));
                    root.with_value(|r| focus(r, ".ph-sent h3"));
                }
                Err(e) => {
                    let said = show_failure(e, errors, alert);
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

    view! {
        <div class="ph-body">
            <h2 class="ph-title" id="ph-title">{text::TITLE}</h2>
            <p class="ph-alert" role="alert">{move || alert.get()}</p>
            <form class="ph-form" novalidate=true on:submit=on_submit hidden=move || sent_reference().is_some()>
                <p class="ph-intro">{text::INTRO}</p>
                <Field id="ph-name" key="name" label=text::NAME value=name errors=errors autocomplete="name" required=true/>
                <Field id="ph-email" key="email" label=text::EMAIL value=email errors=errors input_type="email" autocomplete="email" required=true/>
                <Field id="ph-subject" key="subject" label=text::SUBJECT value=subject errors=errors/>
                <Field id="ph-message" key="message" label=text::MESSAGE value=message errors=errors multiline=true required=true/>
                <div class="ph-field">
                    <label for="ph-files">{text::FILES}</label>
                    <input id="ph-files" type="file" multiple=true on:change=on_files
                        aria-describedby="ph-files-error"
                        aria-invalid=move || errors.with(|e| e.contains_key("attachments")).to_string()/>
                    <ul class="ph-files">
                        <For each=move || files.get() key=|f| (f.key, f.error, f.uploaded.is_some()) let:f>
                            <li class="ph-file" class:ph-file-bad=f.error.is_some()>
                                <span class="ph-file-name">{f.file.name()}</span>
                                <span class="ph-file-size">{text::file_size(f.file.size() as u64)}</span>
                                {f.error.map(|code| view! { <span class="ph-error">{text::field_error(code)}</span> })}
                                <button type="button" class="ph-remove" disabled=busy
                                    aria-label=format!("{} {}", text::REMOVE_FILE, f.file.name())
                                    on:click=move |_| files.update(|list| list.retain(|e| e.key != f.key))>
                                    {text::REMOVE_FILE}
                                </button>
                            </li>
                        </For>
                    </ul>
                    <p id="ph-files-error" class="ph-error">
                        {move || errors.with(|e| e.get("attachments").map(|c| text::field_error(*c)))}
                    </p>
                </div>
                <button type="submit" class="ph-send" disabled=busy>
                    {move || match phase.get() {
                        Phase::Uploading => text::UPLOADING,
                        Phase::Sending => text::SENDING,
                        _ => text::SEND,
                    }}
                </button>
            </form>
            <div class="ph-sent" hidden=move || sent_reference().is_none()>
                <h3 tabindex="-1">{text::SENT_TITLE}</h3>
                <p>{text::SENT_BODY} " " <strong class="ph-reference">{sent_reference}</strong></p>
                <button type="button" class="ph-send" on:click=move |_| phase.set(Phase::Editing)>{text::NEW_MESSAGE}</button>
            </div>
        </div>
    }
}

#[component]
fn Field(
    id: &'static str,
    key: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    errors: RwSignal<FieldErrors>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] multiline: bool,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let invalid = move || errors.with(|e| e.contains_key(key)).to_string();
    let on_input = move |ev: leptos::ev::Event| {
        value.set(event_target_value(&ev));
        if errors.with_untracked(|e| e.contains_key(key)) {
            errors.update(|e| {
                e.remove(key);
            });
        }
    };
    let control = if multiline {
        view! {
            <textarea id=id name=key rows="5" required=required aria-invalid=invalid aria-describedby=error_id.clone()
                prop:value=move || value.get() on:input=on_input></textarea>
        }
        .into_any()
    } else {
        view! {
            <input id=id name=key type=input_type autocomplete=autocomplete required=required aria-invalid=invalid
                aria-describedby=error_id.clone() prop:value=move || value.get() on:input=on_input/>
        }
        .into_any()
    };
    view! {
        <div class="ph-field">
            <label for=id>{label}</label>
            {control}
            <p id=error_id class="ph-error">{move || errors.with(|e| e.get(key).map(|c| text::field_error(*c)))}</p>
        </div>
    }
}

fn file_meta(file: &File) -> UploadMeta {
    let content_type = if file.type_().is_empty() {
        "application/octet-stream".to_string()
    } else {
        file.type_()
    };
    UploadMeta {
        name: file.name(),
        size: file.size() as u64,
        content_type,
    }
}

/// Shows what went wrong, and returns what the visitor was told.
fn show_failure(
    e: ApiError,
    errors: RwSignal<FieldErrors>,
    alert: RwSignal<Option<String>>,
) -> String {
    let message = match e {
        ApiError::Network => text::NETWORK.to_string(),
        ApiError::Unexpected => text::SERVER.to_string(),
        ApiError::Refused { body } => match body.error.fields {
            Some(fields) => {
                errors.set(fields);
                text::FIX_FIELDS.to_string()
            }
            None => body.error.message,
        },
    };
    alert.set(Some(message.clone()));
    message
}

/// The page the visitor wrote from, without its query or fragment (they may hold tokens).
fn page_url() -> Option<String> {
    let location = web_sys::window()?.location();
    let url = format!("{}{}", location.origin().ok()?, location.pathname().ok()?);
    (url.starts_with("http") && url.len() <= Limits::default().page_url_chars).then_some(url)
}

fn locale() -> Option<String> {
    let tag = web_sys::window()?.navigator().language()?;
    let probe = Submission {
        locale: Some(tag.clone()),
        ..Submission::default()
    };
    let fine = validate_submission(&probe, &Limits::default())
        .err()
        .is_none_or(|e| !e.contains_key("locale"));
    fine.then_some(tag)
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
