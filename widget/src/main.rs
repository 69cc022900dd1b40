//! The Porthole widget: a contact form rendered with Leptos into the shadow root that the loader
//! (`public/porthole.js`) created. The loader imports this module on the visitor's first intent
//! and calls [`mount`].

mod api;
mod form;
mod text;

use wasm_bindgen::prelude::*;
use web_sys::{CssStyleSheet, HtmlElement, ShadowRoot};

const CSS: &str = include_str!("widget.css");

/// Renders the form into `panel`, inside `root`, talking to the edge at `edge` for `site`.
#[wasm_bindgen]
pub fn mount(root: ShadowRoot, panel: HtmlElement, site: String, edge: String) -> Result<(), JsValue> {
    adopt_stylesheet(&root)?;
    let api = api::Api::new(edge, site);
    let focus_root = panel.clone();
    leptos::mount::mount_to(panel, move || leptos::view! { <form::ContactForm api=api root=focus_root/> }).forget();
    Ok(())
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
