//! Component tests in headless Chromium (`wasm-bindgen-test`, run by `cargo xtask test`): the
//! form mounted as the loader mounts it, with settings as the edge sends them, no server needed.

use crate::{js, text};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlInputElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

wasm_bindgen_test_configure!(run_in_browser);

/// Settings as `GET /v1/sites/{site}/config` answers them (a trimmed catalog).
fn settings(locale: &str, dir: &str, send: &str) -> JsValue {
    let json = format!(
        r##"{{"locale":"{locale}","dir":"{dir}","accent":"#0b6e4f","on_accent":"#ffffff","position":null,
        "strings":{{"launcher":"Contact","title":"Write to us","name":"Name","email":"Email","subject":"Subject",
          "message":"Message","optional":"{{label}} (optional)","send":"{send}","files":"Files","error-required":"Required!",
          "fix-fields":"Fix them","choose":"Pick","remove":"Remove","upload-progress":"{{percent}}%"}},
        "fields":[{{"key":"order","label":"Order","kind":"text","required":true,"options":[]}},
                  {{"key":"topic","label":"Topic","kind":"select","required":false,"options":["A","B"]}}],
        "limits":{{"file_bytes":1024,"files":2,"file_types":["text/plain"]}}}}"##
    );
    js_sys::JSON::parse(&json).unwrap()
}

fn mounted(locale: &str, dir: &str, send: &str) -> (ShadowRoot, HtmlElement) {
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    let root = host
        .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .unwrap();
    let panel: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    root.append_child(&panel).unwrap();
    let noop = js_sys::Function::new_no_args("");
    crate::mount(
        root.clone(),
        panel.clone(),
        "demo".into(),
        "http://127.0.0.1:9".into(),
        settings(locale, dir, send),
        JsValue::NULL,
        noop.clone(),
        noop,
    )
    .unwrap();
    (root, panel)
}

async fn next_frame() {
    crate::wait::millis(30).await;
}

fn text_of(root: &ShadowRoot, selector: &str) -> String {
    root.query_selector(selector)
        .unwrap()
        .map(|e| e.text_content().unwrap_or_default())
        .unwrap_or_default()
}

#[wasm_bindgen_test]
fn settings_are_read_as_the_edge_writes_them() {
    let config = js::widget_config(&settings("ar", "rtl", "أرسل")).unwrap();
    assert_eq!((config.locale.as_str(), config.dir.as_str()), ("ar", "rtl"));
    assert_eq!(config.strings["send"], "أرسل");
    assert_eq!(config.fields.len(), 2);
    assert_eq!(
        config.fields[1].options,
        vec!["A".to_string(), "B".to_string()]
    );
    assert_eq!((config.limits.file_bytes, config.limits.files), (1024, 2));
    assert_eq!(config.limits.file_types, vec!["text/plain".to_string()]);
    // Limits the site does not set keep the contract's.
    assert_eq!(
        config.limits.message_chars,
        porthole_shared::Limits::default().message_chars
    );
}

#[wasm_bindgen_test]
fn sizes_read_like_a_person_writes_them() {
    assert_eq!(text::file_size(900), "900 B");
    assert_eq!(text::file_size(1025), "2 KB");
    assert_eq!(text::file_size(1_572_864), "1.5 MB");
}

#[wasm_bindgen_test]
async fn the_form_speaks_the_catalog_and_reads_right_to_left() {
    let (root, panel) = mounted("ar", "rtl", "أرسل");
    next_frame().await;
    assert_eq!(panel.dir(), "rtl");
    assert_eq!(panel.lang(), "ar");
    assert_eq!(
        panel.get_attribute("aria-label").as_deref(),
        Some("Contact")
    );
    assert_eq!(text_of(&root, ".ph-title"), "Write to us");
    assert_eq!(text_of(&root, ".ph-send"), "أرسل");
    assert_eq!(
        text_of(&root, "label[for='ph-subject']"),
        "Subject (optional)"
    );
    // The site's fields, required or not.
    assert_eq!(text_of(&root, "label[for='ph-f-order']"), "Order");
    assert_eq!(
        text_of(&root, "label[for='ph-f-topic']"),
        "Topic (optional)"
    );
    crate::unmount();
}

#[wasm_bindgen_test]
async fn an_empty_submit_marks_every_required_field_and_sends_nothing() {
    let (root, _) = mounted("en", "ltr", "Send");
    next_frame().await;
    let send: HtmlElement = root
        .query_selector(".ph-send")
        .unwrap()
        .unwrap()
        .unchecked_into();
    send.click();
    next_frame().await;
    for id in ["ph-name", "ph-email", "ph-message", "ph-f-order"] {
        let input = root.get_element_by_id(id).unwrap();
        assert_eq!(
            input.get_attribute("aria-invalid").as_deref(),
            Some("true"),
            "{id}"
        );
    }
    assert_eq!(
        root.get_element_by_id("ph-f-topic")
            .unwrap()
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("false")
    );
    assert_eq!(text_of(&root, ".ph-alert"), "Fix them");
    assert_eq!(text_of(&root, "#ph-name-error"), "Required!");
    // Nothing was sent: the button is ready again at once.
    assert!(!send
        .unchecked_ref::<web_sys::HtmlButtonElement>()
        .disabled());
    // And the first field in error has the focus.
    next_frame().await;
    assert_eq!(
        root.active_element().map(|e| e.id()).as_deref(),
        Some("ph-name")
    );
    let name: HtmlInputElement = root.get_element_by_id("ph-name").unwrap().unchecked_into();
    assert_eq!(name.value(), "");
    crate::unmount();
}
