//! Keeping the thread up: the conversation's WebSocket, opened with `after=` the last `seq`
//! shown, so that after any drop (a phone asleep, a proxy, a deploy) it resumes where it was and
//! loses nothing. Between tries it waits 1, 2, 4… up to 16 s, or less when the browser comes
//! back online or the page becomes visible again. Where sockets never open (proxies that block
//! them), it asks `GET …/messages?after=` every few seconds instead.

use super::{Chat, Link};
use crate::api::{Api, Started};
use crate::{js, wait};
use leptos::task::spawn_local;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsValue;
use web_sys::{Event, WebSocket};

/// Sockets that did not open, one after another, before the thread is polled instead.
const FAILED_OPENS: u32 = 3;
const POLL_MS: i32 = 5_000;
/// A heartbeat keeps idle connections open through proxies; the room answers it without waking.
const HEARTBEAT_MS: i32 = 25_000;
/// A socket not open by then will not open.
const OPEN_MS: i32 = 8_000;

pub fn run(chat: Chat, api: Api, run: u32) {
    spawn_local(async move {
        let mut failures = 0;
        while chat.current(run) {
            let Some(c) = chat.conversation() else {
                return;
            };
            if failures >= FAILED_OPENS {
                chat.set_link(Link::Polling);
                while poll(chat, &api, &c).await {}
                wait::wake(POLL_MS).await;
                continue;
            }
            if wait::offline() {
                chat.set_link(Link::Offline);
                wait::online().await;
                continue;
            }
            chat.set_link(Link::Connecting);
            failures = if socket(chat, &api, &c, run).await {
                0
            } else {
                failures + 1
            };
            if chat.current(run) {
                chat.set_link(if wait::offline() {
                    Link::Offline
                } else {
                    Link::Connecting
                });
                wait::wake(1000 << failures.min(4)).await;
            }
        }
    });
}

/// The thread after the last `seq` over HTTP; `true` if there is more to ask for at once.
async fn poll(chat: Chat, api: &Api, c: &Started) -> bool {
    match api.thread(c, chat.last_seq()).await {
        Ok(answer) => {
            if let Some(messages) = js::thread(&answer) {
                chat.received(messages);
            }
            js::get(&answer, "more").as_bool() == Some(true)
        }
        Err(_) => false,
    }
}

/// One socket, until it closes; whether it opened at all.
async fn socket(chat: Chat, api: &Api, c: &Started, run: u32) -> bool {
    let protocols = js::array(&[&"porthole.v1".into(), &c.token.as_str().into()]);
    let Ok(ws) =
        WebSocket::new_with_str_sequence(&api.live_url(&c.id, chat.last_seq()), &protocols)
    else {
        return false;
    };
    let opened = Rc::new(Cell::new(false));
    let heard = Rc::new(Cell::new(0.0));
    // One listener for both: an `open` event has no `data`. (Each closure type is its own code
    // in the wasm and its own shim in the glue.)
    let on_event = {
        let (opened, heard) = (opened.clone(), heard.clone());
        Closure::<dyn FnMut(Event)>::new(move |ev: Event| {
            let data = js::get(&ev, "data");
            if data.is_undefined() {
                opened.set(true);
                chat.set_link(Link::Live);
                return;
            }
            heard.set(js_sys::Date::now());
            let Some(text) = data.as_string() else {
                return;
            };
            // The heartbeat's answer is not JSON.
            if let Some(messages) = js_sys::JSON::parse(&text).ok().and_then(|v| js::thread(&v)) {
                chat.received(messages);
            }
        })
    };
    let listen = |name: &str, f: &JsValue| {
        let _ = js_sys::Reflect::set(&ws, &name.into(), f);
    };
    listen("onopen", on_event.as_ref());
    listen("onmessage", on_event.as_ref());
    let closed = js_sys::Promise::new(&mut |resolve, _| listen("onclose", &resolve));
    chat.set_socket(Some(ws.clone()));
    loop {
        // Whichever comes first: the close, or a time to check that the socket is alive (every
        // heartbeat, and when the page comes back online or into view).
        let limit = if opened.get() { HEARTBEAT_MS } else { OPEN_MS };
        wait::first(&closed, limit).await;
        if js::get(&ws, "readyState").as_f64() == Some(WebSocket::CLOSED.into())
            || !chat.current(run)
        {
            break;
        }
        // Blocked somewhere (a proxy, a page's CSP) without a word: another try, or polling.
        if !opened.get() {
            break;
        }
        // A page back from sleep may hold a socket that is dead without knowing it: a ping
        // must bring a pong soon, or the socket is replaced.
        let asked = js_sys::Date::now();
        let _ = ws.send_with_str("ping");
        wait::millis(4000).await;
        if heard.get() < asked {
            let _ = ws.close();
        }
    }
    for name in ["onopen", "onmessage", "onclose"] {
        listen(name, &JsValue::NULL);
    }
    let _ = ws.close();
    chat.set_socket(None);
    drop(on_event);
    opened.get()
}
