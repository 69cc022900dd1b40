//! The form's markup is static HTML (`form.html`) the browser parses in one go; what changes is
//! bound to Leptos signals with the few helpers here. Leptos' typed views built the same nodes one
//! call at a time from generated code: about 15 KB gzip more wasm, and slower to open
//! (BENCHMARKS.md has both).
//!
//! Every helper takes boxed closures, so the wasm carries one copy of each however many places
//! use it.

use leptos::prelude::{LocalStorage, Owner, StoredValue};
use leptos::reactive::effect::RenderEffect;
use wasm_bindgen::prelude::*;
use web_sys::{Element, Event};

/// Runs `f` now, and again whenever a signal it read changes, for as long as the current reactive
/// owner lives (the mounted form, or the run of the `bind` that created it).
pub fn bind(f: impl Fn() + 'static) {
    bind_boxed(Box::new(f))
}

fn bind_boxed(f: Box<dyn Fn()>) {
    StoredValue::<_, LocalStorage>::new_local(RenderEffect::new(move |_| f()));
}

/// Calls `f` with every `event` that reaches `target`, under the reactive owner of the moment
/// (what it creates goes when the form goes, as with Leptos' own `on:`). The listener goes with
/// the element.
pub fn on(target: &Element, event: &str, f: impl FnMut(Event) + 'static) {
    on_boxed(target, event, Box::new(f))
}

fn on_boxed(target: &Element, event: &str, mut f: Box<dyn FnMut(Event)>) {
    let owner = Owner::current().unwrap_or_default();
    let f: Box<dyn FnMut(Event)> = Box::new(move |ev| owner.with(|| f(ev)));
    let listener = Closure::wrap(f).into_js_value();
    let _ = target.add_event_listener_with_callback(event, listener.unchecked_ref());
}

/// The element under `root` that `selector` names. The markup is ours: it is there.
pub fn find(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .ok()
        .flatten()
        .expect_throw(selector)
}

/// Every element under `root` that `selector` names.
pub fn find_all(root: &Element, selector: &str) -> Vec<Element> {
    let Ok(list) = root.query_selector_all(selector) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i).and_then(|n| n.dyn_into().ok()))
        .collect()
}

pub fn create(tag: &str) -> Element {
    document().create_element(tag).expect_throw(tag)
}

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect_throw("document")
}

/// A copy of the `<template>` under `root` that `selector` names: its first element.
pub fn clone_template(root: &Element, selector: &str) -> Element {
    let template: web_sys::HtmlTemplateElement = find(root, selector).unchecked_into();
    template
        .content()
        .first_element_child()
        .and_then(|e| e.clone_node_with_deep(true).ok())
        .expect_throw(selector)
        .unchecked_into()
}

/// Sets or removes a boolean attribute (`hidden`, `disabled`, `required`).
pub fn flag(el: &Element, name: &str, on: bool) {
    let _ = el.toggle_attribute_with_force(name, on);
}

pub fn set(el: &Element, name: &str, value: &str) {
    let _ = el.set_attribute(name, value);
}

pub fn text(el: &Element, text: &str) {
    el.set_text_content(Some(text));
}

/// A property rather than an attribute: an input's `value` or `checked` as it now is.
pub fn set_prop(el: &Element, name: &str, value: JsValue) {
    let _ = js_sys::Reflect::set(el, &name.into(), &value);
}

/// The property `name` of the element `ev` came from.
pub fn target_prop(ev: &Event, name: &str) -> JsValue {
    ev.target()
        .and_then(|t| js_sys::Reflect::get(&t, &name.into()).ok())
        .unwrap_or_default()
}

/// `value` of the input, textarea or select that `ev` came from.
pub fn target_value(ev: &Event) -> String {
    target_prop(ev, "value").as_string().unwrap_or_default()
}
