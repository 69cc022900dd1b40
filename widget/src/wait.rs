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

/// After `ms`, or sooner when the browser comes back online or the page is shown again: a loop
/// that waits to try again then tries at once when trying makes sense.
pub async fn wake(ms: i32) {
    first(&js_sys::Promise::new(&mut |_, _| {}), ms).await;
}

/// Until `promise` settles, `ms` pass, the browser comes back online or the page becomes visible;
/// the listeners are removed after.
pub async fn first(promise: &js_sys::Promise, ms: i32) {
    let Some(w) = web_sys::window() else {
        return;
    };
    let document = w.document();
    let mut listener = None;
    let woken = js_sys::Promise::new(&mut |resolve, _| {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        let options = web_sys::AddEventListenerOptions::new();
        options.set_once(true);
        let _ = w.add_event_listener_with_callback_and_add_event_listener_options(
            "online", &resolve, &options,
        );
        if let Some(d) = &document {
            let _ = d.add_event_listener_with_callback_and_add_event_listener_options(
                "visibilitychange",
                &resolve,
                &options,
            );
        }
        listener = Some(resolve);
    });
    let race = js_sys::Promise::race(&crate::js::array(&[promise, &woken]));
    let _: Result<JsValue, JsValue> = JsFuture::from(race).await;
    // Removed by hand rather than with an AbortController's signal: two imports fewer.
    if let Some(f) = listener {
        let _ = w.remove_event_listener_with_callback("online", &f);
        if let Some(d) = &document {
            let _ = d.remove_event_listener_with_callback("visibilitychange", &f);
        }
    }
}
