//! The contact form: what the visitor writes (`draft.rs`), the files they attach (`files.rs`),
//! the sending (`submit.rs`), all held in one [`state::Form`], and the markup bound to it
//! (`view.rs`).

mod draft;
pub mod files;
mod state;
mod submit;
mod view;

pub use draft::Draft;

use crate::api::Api;
use crate::chat::Chat;
use crate::text;
use leptos::prelude::{RwSignal, Set};
use porthole_shared::WidgetConfig;
use web_sys::{HtmlElement, ShadowRoot};

const MARKUP: &str = include_str!("../form.html");

/// Draws the form into the dialog `root` and binds it to the draft, the settings and the edge.
#[allow(clippy::too_many_arguments)]
pub fn contact_form(
    api: Api,
    root: HtmlElement,
    shadow: &ShadowRoot,
    chat: Chat,
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
    // A visitor who wrote before sees that conversation again.
    if chat.resume(&api) {
        if let Some(c) = chat.conversation() {
            form.phase.set(state::Phase::Sent(c.reference));
        }
    }
    crate::chat::bind_chat(
        chat,
        api.clone(),
        &root.clone().into(),
        shadow,
        text::Text(config),
    );
    view::bind_form(form, chat, api, root, emit, close);
}
