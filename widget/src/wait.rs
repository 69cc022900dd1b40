//! Waiting without blocking the page: a timer, or the browser's `online` event.

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

pub async fn millis(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Until the browser says it is online again; a listener that removes itself.
pub async fn online() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let options = web_sys::AddEventListenerOptions::new();
            options.set_once(true);
            let _ = w.add_event_listener_with_callback_and_add_event_listener_options(
                "online", &resolve, &options,
            );
        }
    });
    let _: Result<JsValue, JsValue> = JsFuture::from(promise).await;
}

pub fn offline() -> bool {
    web_sys::window().is_some_and(|w| !w.navigator().on_line())
}

/// Before try `attempt + 1` of a request that found no server or a failing one: until online
/// when offline, else 1, 2, 4, 8 then 16 s.
pub async fn backoff(attempt: u32) {
    if offline() {
        online().await;
    } else {
        millis(1000 << attempt.min(4)).await;
    }
}
