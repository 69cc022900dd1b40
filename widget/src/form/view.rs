//! The form's markup (`form.html`) bound to its state: the catalog's texts, the fields, the
//! files' rows, the send button and the sent view; and what the visitor and the page are told
//! when a sending ends.

use super::files;
use super::state::{Form, Phase};
use super::submit::{Outcome, Waiting};
use crate::api::Api;
use crate::chat::Chat;
use crate::dom::{self, bind};
use crate::fields::{bind_error, bind_field, custom_field, optional};
use crate::text::Text;
use leptos::prelude::*;
use leptos::task::spawn_local;
use porthole_shared::{FieldErrors, WidgetConfig};
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlElement};

type Local<T> = StoredValue<T, LocalStorage>;

/// Where the focus goes after a refusal: the first field in error.
const INVALID: &str = "[aria-invalid='true']";

/// Binds the markup in the dialog `root` to `form`: a submit sends it through `api`,
/// `emit(event, detail)` tells the page what happened, `close()` closes the dialog.
pub fn bind_form(
    form: Form,
    chat: Chat,
    api: Api,
    root: HtmlElement,
    emit: js_sys::Function,
    close: js_sys::Function,
) {
    let t = Text(form.config);
    let emit = StoredValue::new_local(emit);
    let root = StoredValue::new_local(root);
    let panel: Element = root.get_value().into();
    let find = |selector: &str| dom::find(&panel, selector);

    catalog(&panel, t, form.config);
    dom::on(&find(".close"), "click", move |_| {
        let _ = close.call0(&wasm_bindgen::JsValue::NULL);
    });
    let said = find(".ph-alert");
    let alert = form.alert;
    bind(move || dom::text(&said, &alert.get().unwrap_or_default()));

    let element = find("form");
    dom::on(
        &element,
        "submit",
        on_submit(form, chat, api.clone(), root, emit, t),
    );
    dom::on(&element, "paste", move |ev| {
        if let Some(list) = files::pasted(&ev) {
            form.attach(list);
        }
    });
    let kept = form.kept;
    dom::on(&element, "input", move |_| kept.touch());
    dom::on(&element, "dragover", |ev| ev.prevent_default());
    dom::on(&element, "drop", move |ev| {
        if let Some(list) = files::dropped(&ev) {
            form.attach(list);
        }
    });
    let phase = form.phase;
    bind(move || dom::flag(&element, "hidden", sent_reference(phase).is_some()));
    let fields = find(".ph-fields");
    bind(move || dom::flag(&fields, "disabled", form.busy()));

    visitor(&panel, form, t);
    attachments(&panel, form, t);
    sending(&panel, form, chat, api, t);
}

/// The catalog's messages, and the dialog's name and direction, in the visitor's language.
fn catalog(panel: &Element, t: Text, config: RwSignal<WidgetConfig>) {
    let panel = panel.clone();
    bind(move || {
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
    });
}

/// Who writes (unless the site vouched for them), what they write, and the site's own fields.
fn visitor(panel: &Element, form: Form, t: Text) {
    let find = |selector: &str| dom::find(panel, selector);
    let Form {
        draft,
        custom,
        honeypot,
        errors,
        config,
        ..
    } = form;
    let (email, identity, named) = (draft.email, draft.identity, draft.named);
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
    for (key, value) in draft.fields() {
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
}

/// The file picker and the list of attached files.
fn attachments(panel: &Element, form: Form, t: Text) {
    let picker = dom::find(panel, "#ph-files");
    dom::on(&picker, "change", move |ev| {
        files::picked(&ev, |list| form.attach(list))
    });
    bind_error(
        picker,
        dom::find(panel, "#ph-files-error"),
        "attachments".into(),
        form.errors,
        t,
    );
    // Redrawn whole when a file comes or goes (they are few); a row follows its file's state.
    let list = dom::find(panel, ".ph-files");
    let files = form.files;
    let busy = move || form.busy();
    bind({
        let panel = panel.clone();
        move || {
            dom::text(&list, "");
            for f in files.list.get() {
                let row = files.row(&panel, f, t, busy);
                let _ = list.append_child(&row);
            }
        }
    });
}

/// The send button, which says what is under way, and the view once the message is sent.
fn sending(panel: &Element, form: Form, chat: Chat, api: Api, t: Text) {
    let phase = form.phase;
    let send = dom::find(panel, "button[type='submit']");
    bind(move || {
        dom::flag(&send, "disabled", form.busy());
        let said = match phase.get() {
            Phase::Uploading => "uploading",
            Phase::Sending => "sending",
            _ => "send",
        };
        dom::text(&send, &t.get(said));
    });

    let sent = dom::find(panel, ".ph-sent");
    let reference = dom::find(panel, ".ph-reference");
    bind(move || {
        let sent_as = sent_reference(phase);
        dom::flag(&sent, "hidden", sent_as.is_none());
        dom::text(&reference, sent_as.as_deref().unwrap_or_default());
    });
    // Forgotten (a logout): the form again.
    bind(move || {
        if chat.read().conversation.is_none() && sent_reference(phase).is_some() {
            phase.set(Phase::Editing);
        }
    });
    // A new conversation: this one is forgotten on this browser.
    dom::on(&dom::find(panel, ".ph-again"), "click", move |_| {
        chat.leave(&api);
        phase.set(Phase::Editing)
    });
}

/// The reference the message is stored under, once sent.
fn sent_reference(phase: RwSignal<Phase>) -> Option<String> {
    match phase.get() {
        Phase::Sent(reference) => Some(reference),
        _ => None,
    }
}

/// A submit: the fields checked, then the files' uploads awaited and the message sent.
fn on_submit(
    form: Form,
    chat: Chat,
    api: Api,
    root: Local<HtmlElement>,
    emit: Local<js_sys::Function>,
    t: Text,
) -> impl FnMut(Event) + 'static {
    move |ev: Event| {
        ev.prevent_default();
        if form.busy() {
            return;
        }
        let (draft, picked) = match form.checked() {
            Ok(checked) => checked,
            Err(found) => {
                form.errors.set(found);
                form.alert.set(Some(t.get("fix-fields")));
                root.with_value(focus_first_invalid);
                return;
            }
        };
        form.errors.set(FieldErrors::new());
        form.alert.set(None);
        let api = api.clone();
        spawn_local(async move {
            let alert = form.alert;
            let waiting = move |why: Waiting| {
                let said = match why {
                    Waiting::Offline => "offline",
                    Waiting::Retrying => "retrying",
                };
                alert.set(Some(t.get(said)));
            };
            let outcome = form.deliver(&api, draft, picked, &waiting).await;
            tell(form, outcome, t, root, emit, |started| {
                chat.start(&api, started)
            });
        });
    }
}

/// Tells the visitor and the page how the sending ended, and puts the focus where the visitor
/// goes next.
fn tell(
    form: Form,
    outcome: Outcome,
    t: Text,
    root: Local<HtmlElement>,
    emit: Local<js_sys::Function>,
    converse: impl FnOnce(crate::api::Started),
) {
    let Form {
        draft,
        errors,
        alert,
        phase,
        ..
    } = form;
    // What the alert said during the attempts ("retrying") is over.
    if !matches!(outcome, Outcome::FileRefused(_) | Outcome::FileFailed) {
        alert.set(None);
    }
    let (said, next) = match outcome {
        Outcome::Sent(started) => {
            form.start_over();
            let reference = started.reference.clone();
            emit.with_value(|f| notify(f, "submitted", "reference", &reference));
            converse(started);
            phase.set(Phase::Sent(reference));
            root.with_value(|r| focus(r, ".ph-sent h3"));
            return;
        }
        Outcome::FileRefused(code) => {
            errors.update(|e| {
                e.insert("attachments".into(), code);
            });
            (t.get("fix-fields"), None)
        }
        Outcome::FileFailed => (t.get("network"), None),
        // The visitor sees the name and email fields again and can send without the signature.
        Outcome::IdentityRefused => {
            draft.identity.set(None);
            draft.named.set(false);
            (t.get("identity-refused"), Some("#ph-email"))
        }
        Outcome::Network => (t.get("network"), Some(INVALID)),
        Outcome::Server => (t.get("server"), Some(INVALID)),
        Outcome::RateLimited(seconds) => (
            t.fill("rate-limited", &[("time", &clock_in(seconds))]),
            Some(INVALID),
        ),
        Outcome::Invalid(fields) => {
            errors.set(fields);
            (t.get("fix-fields"), Some(INVALID))
        }
        Outcome::Refused(message) => (message, Some(INVALID)),
    };
    alert.set(Some(said.clone()));
    emit.with_value(|f| notify(f, "error", "message", &said));
    phase.set(Phase::Editing);
    if let Some(selector) = next {
        root.with_value(|r| focus(r, selector));
    }
}

/// Tells the page: `emit(event, detail)`.
fn notify(emit: &js_sys::Function, event: &str, key: &str, value: &str) {
    let detail = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&detail, &key.into(), &value.into());
    let _ = emit.call2(&wasm_bindgen::JsValue::NULL, &event.into(), &detail);
}

/// The visitor's clock time `seconds` from now, as their browser writes it (`14:05`).
fn clock_in(seconds: u32) -> String {
    let at = js_sys::Date::new(&(js_sys::Date::now() + seconds as f64 * 1000.0).into());
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
    at.to_locale_time_string_with_options("default", &options)
        .into()
}

/// After the DOM has caught up with the new errors.
fn focus_first_invalid(root: &HtmlElement) {
    focus(root, INVALID);
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
