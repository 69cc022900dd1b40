//! The contact form: what the visitor writes (`draft.rs`), the files they attach (`files.rs`),
//! the sending (`submit.rs`), all held in one [`state::Form`], and the markup bound to it
//! (`view.rs`).

mod draft;
mod files;
mod state;
mod submit;
mod view;

pub use draft::Draft;

use crate::api::Api;
use leptos::prelude::RwSignal;
use porthole_shared::WidgetConfig;
use web_sys::HtmlElement;

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
    let form = state::Form::new(draft, config, api.site().to_string(), api.site_url());
    // The draft survives a reload, once the visitor has typed or attached something.
    form.kept.restore(draft, form.custom, form.files, config);
    form.kept.keep(draft, form.custom, form.files);
    view::bind_form(form, api, root, emit, close);
}
