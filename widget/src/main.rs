//! The Porthole widget: a contact form (static markup, `form.html`, driven by Leptos signals in
//! `form/`) in the shadow root that the loader (`public/porthole.js`) created. The loader imports
//! this module on the visitor's first intent and calls [`mount`] with the site's settings; the
//! page's `Porthole('prefill', …)` reaches [`prefill`], `Porthole('setLocale', …)` [`configure`],
//! and `Porthole('destroy')` [`unmount`].

mod api;
mod chat;
mod dom;
mod fields;
mod form;
mod js;
mod saved;
#[cfg(test)]
mod tests;
mod text;
mod trap;
mod upload;
mod wait;

use leptos::prelude::{Owner, RwSignal, Set};
use porthole_shared::WidgetConfig;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use web_sys::{CssStyleSheet, HtmlElement, ShadowRoot};

const CSS: &str = include_str!("widget.css");

struct Mounted {
    /// Owns the form's reactive state and its bindings to the markup.
    owner: Owner,
    draft: form::Draft,
    chat: chat::Chat,
    api: api::Api,
    config: RwSignal<WidgetConfig>,
    /// The dialog and its shadow root, to keep the focus inside after `identify`.
    dialog: (HtmlElement, ShadowRoot),
    _trap: trap::FocusTrap,
}

thread_local! {
    static MOUNTED: RefCell<Option<Mounted>> = const { RefCell::new(None) };
}

/// Renders the form into the dialog `panel`, inside `root`, talking to the edge at `edge` for
/// `site`. `config` is the answer of `GET /v1/sites/{site}/config`; `prefill` is `null` or
/// `{name, email, subject, message}`; `emit(event, detail)` tells the page what happened
/// (`submitted` with `{reference}`, `error` with `{message}`); `close()` closes the dialog.
#[allow(clippy::too_many_arguments)]
#[wasm_bindgen]
pub fn mount(
    root: ShadowRoot,
    panel: HtmlElement,
    site: String,
    edge: String,
    config: JsValue,
    prefill: JsValue,
    emit: js_sys::Function,
    close: js_sys::Function,
) -> Result<(), JsValue> {
    unmount();
    // Effects and tasks run on the browser's microtask queue (a second call changes nothing).
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let config: WidgetConfig = js::widget_config(&config).ok_or("Porthole: unreadable settings")?;
    adopt_stylesheet(&root)?;
    let api = api::Api::new(edge, site);
    let draft = form::Draft::new();
    draft.fill(&prefill);
    let config = RwSignal::new(config);
    let trap = trap::FocusTrap::new(panel.clone().into(), root.clone(), close.clone())?;
    let dialog = (panel.clone(), root.clone());
    let owner = Owner::new();
    let chat = owner.with(|| {
        let chat = chat::Chat::new(panel.clone());
        form::contact_form(api.clone(), panel, &root, chat, draft, config, emit, close);
        chat
    });
    MOUNTED.with(|m| {
        *m.borrow_mut() = Some(Mounted {
            owner,
            draft,
            chat,
            api,
            config,
            dialog,
            _trap: trap,
        })
    });
    Ok(())
}

/// Another language (or newer settings): every string is redrawn, nothing typed is lost.
#[wasm_bindgen]
pub fn configure(config: JsValue) -> Result<(), JsValue> {
    let config: WidgetConfig = js::widget_config(&config).ok_or("Porthole: unreadable settings")?;
    MOUNTED.with(|m| {
        if let Some(mounted) = m.borrow().as_ref() {
            mounted.config.set(config);
        }
    });
    Ok(())
}

/// Fills the form's fields from `{name, email, subject, message}` (any of them).
#[wasm_bindgen]
pub fn prefill(values: JsValue) {
    MOUNTED.with(|m| {
        if let Some(mounted) = m.borrow().as_ref() {
            mounted.draft.fill(&values);
        }
    });
}

/// `{email, name?, signature}`: the site vouches for the visitor's email (see README).
#[wasm_bindgen]
pub fn identify(values: JsValue) {
    MOUNTED.with(|m| {
        if let Some(mounted) = m.borrow().as_ref() {
            mounted.draft.identify(&values);
            let (panel, root) = mounted.dialog.clone();
            trap::keep_focus_inside(panel.into(), root);
        }
    });
}

/// `Porthole('logout')`: the conversation and the identity are forgotten on this browser, and
/// the panel is a new, empty form. (The loader forgets what it holds itself.)
#[wasm_bindgen]
pub fn logout() {
    MOUNTED.with(|m| {
        if let Some(mounted) = m.borrow().as_ref() {
            mounted.chat.leave(&mounted.api);
            mounted.draft.forget(mounted.api.site());
        }
    });
}

/// Removes the form, its listeners and its reactive state.
#[wasm_bindgen]
pub fn unmount() {
    if let Some(mounted) = MOUNTED.with(|m| m.borrow_mut().take()) {
        mounted.chat.stop();
        mounted.owner.cleanup();
        mounted.dialog.0.set_text_content(None);
    }
}

/// A constructed stylesheet: allowed under a strict `style-src` CSP, unlike a `<style>` element.
fn adopt_stylesheet(root: &ShadowRoot) -> Result<(), JsValue> {
    let sheet = CssStyleSheet::new()?;
    sheet.replace_sync(CSS)?;
    let sheets = root.adopted_style_sheets();
    sheets.push(&sheet);
    root.set_adopted_style_sheets(&sheets);
    Ok(())
}

fn main() {}
