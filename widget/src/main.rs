//! The Porthole widget: a contact form rendered with Leptos into the shadow root that the loader
//! (`public/porthole.js`) created. The loader imports this module on the visitor's first intent
//! and calls [`mount`]; the page's `Porthole('prefill', …)` reaches [`prefill`], and
//! `Porthole('destroy')` [`unmount`].

mod api;
mod form;
mod text;

use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use web_sys::{CssStyleSheet, HtmlElement, ShadowRoot};

const CSS: &str = include_str!("widget.css");

thread_local! {
    /// The mounted form, while it is mounted: dropping the handle removes it and its listeners.
    static MOUNTED: RefCell<Option<(leptos::mount::UnmountHandle<leptos::tachys::view::any_view::AnyViewState>, form::Draft)>> = const { RefCell::new(None) };
}

/// Renders the form into `panel`, inside `root`, talking to the edge at `edge` for `site`.
/// `prefill` is `null` or `{name, email, subject, message}`; `emit(event, detail)` tells the page
/// what happened (`submitted` with `{reference}`, `error` with `{message}`).
#[wasm_bindgen]
pub fn mount(
    root: ShadowRoot,
    panel: HtmlElement,
    site: String,
    edge: String,
    prefill: JsValue,
    emit: js_sys::Function,
) -> Result<(), JsValue> {
    use leptos::prelude::IntoAny;
    unmount();
    adopt_stylesheet(&root)?;
    let api = api::Api::new(edge, site);
    let draft = form::Draft::new();
    draft.fill(&prefill);
    let focus_root = panel.clone();
    let handle = leptos::mount::mount_to(panel, move || {
        leptos::view! { <form::ContactForm api=api root=focus_root draft=draft emit=emit/> }
            .into_any()
    });
    MOUNTED.with(|m| *m.borrow_mut() = Some((handle, draft)));
    Ok(())
}

/// Fills the form's fields from `{name, email, subject, message}` (any of them).
#[wasm_bindgen]
pub fn prefill(values: JsValue) {
    MOUNTED.with(|m| {
        if let Some((_, draft)) = m.borrow().as_ref() {
            draft.fill(&values);
        }
    });
}

/// Removes the form, its listeners and its reactive state.
#[wasm_bindgen]
pub fn unmount() {
    if let Some(mounted) = MOUNTED.with(|m| m.borrow_mut().take()) {
        drop(mounted);
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
