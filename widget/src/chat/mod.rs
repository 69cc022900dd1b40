//! The conversation, once the visitor has sent a first message: its thread (the visitor's and the
//! agents' messages, and notes such as "closed"), kept live over the conversation's WebSocket
//! (`live.rs`), the next message written and sent from the composer (`send.rs`), and the
//! conversation remembered in `localStorage` so that a reload or a visit next week shows it
//! again (`kept.rs`). The markup is bound in `view.rs`.
//!
//! All of it is one [`State`] in one signal: each signal of another type is more generic code in
//! the wasm, and the views are few enough that redrawing on any change costs nothing.

mod kept;
mod live;
mod send;
mod view;

pub use view::bind_chat;

use crate::api::{Api, Started};
use leptos::prelude::*;
use porthole_shared::AuthorKind;
use std::cell::{Cell, RefCell};
use std::ops::{Deref, DerefMut};
use wasm_bindgen::JsValue;
use web_sys::{HtmlElement, WebSocket};

/// How the thread keeps up.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Link {
    Connecting,
    /// The socket is open: new messages arrive as they are stored.
    Live,
    /// WebSockets do not get through here: the thread is asked for every few seconds.
    Polling,
    Offline,
}

/// A message the visitor sent that the thread does not show yet.
#[derive(Clone, PartialEq, Debug)]
pub struct Pending {
    /// Its Idempotency-Key: a retry of it is the same message to the edge.
    pub key: String,
    pub body: String,
    /// The ids of the files sent with it, uploaded already.
    pub files: Vec<String>,
    /// Known once the edge has stored it; the thread's copy then replaces this one.
    pub id: Option<String>,
    pub failed: bool,
}

/// A stored entry of the thread (`shared::ThreadMessage` on the wire) as the browser parsed it:
/// what the chat decides on read out once, the rest where it is drawn (`view.rs`). Building the
/// shared struct, each of its strings and files, was wasm that drawing it once does not need.
pub struct Entry {
    pub seq: u64,
    pub id: String,
    pub author: AuthorKind,
    pub message: JsValue,
}

pub struct State {
    pub conversation: Option<Started>,
    /// In `seq` order, each once.
    pub thread: Vec<Entry>,
    pub pending: Vec<Pending>,
    pub link: Link,
    /// Agents' messages that came while the panel was closed.
    pub unread: u32,
}

/// What is not drawn: the dialog (closed, it makes new messages unread), which run of the live
/// loop is current (a new conversation, a logout or an unmount ends the one before), and the
/// open socket (to close it).
struct Held {
    panel: HtmlElement,
    run: Cell<u32>,
    socket: RefCell<Option<WebSocket>>,
}

#[derive(Clone, Copy)]
pub struct Chat {
    pub state: RwSignal<State>,
    held: StoredValue<Held, LocalStorage>,
}

impl Chat {
    pub fn new(panel: HtmlElement) -> Chat {
        Chat {
            state: RwSignal::new(State {
                conversation: None,
                thread: Vec::new(),
                pending: Vec::new(),
                link: Link::Connecting,
                unread: 0,
            }),
            held: StoredValue::new_local(Held {
                panel,
                run: Cell::new(0),
                socket: RefCell::new(None),
            }),
        }
    }

    /// The state, tracked (in a binding) or not, and for a change. Each use of the signal goes
    /// through these: one copy of its read and write in the wasm rather than one per closure.
    #[inline(never)]
    pub fn read(self) -> impl Deref<Target = State> {
        self.state.read()
    }

    #[inline(never)]
    pub fn peek(self) -> impl Deref<Target = State> {
        self.state.read_untracked()
    }

    /// Subscribers are told once the guard goes.
    #[inline(never)]
    pub fn write(&self) -> impl DerefMut<Target = State> + use<'_> {
        self.state.write()
    }

    #[inline(never)]
    fn held(self) -> impl Deref<Target = Held> {
        self.held.read_value()
    }

    pub fn conversation(self) -> Option<Started> {
        self.peek().conversation.clone()
    }

    /// The conversation this visitor had on this site, if any: shown again, and kept up.
    pub fn resume(self, api: &Api) -> bool {
        match kept::load(api.site()) {
            Some(saved) => {
                self.start(api, saved);
                true
            }
            None => false,
        }
    }

    /// Shows `conversation` and keeps it up from now on (remembered for the next visit).
    pub fn start(self, api: &Api, conversation: Started) {
        kept::save(api.site(), &conversation);
        {
            let mut s = self.write();
            s.thread.clear();
            s.pending.clear();
            s.conversation = Some(conversation);
        }
        live::run(self, api.clone(), self.next_run());
    }

    /// Forgets the conversation here and on this browser (`Porthole('logout')`, or a new one).
    pub fn leave(self, api: &Api) {
        self.stop();
        kept::forget(api.site());
        let mut s = self.write();
        s.conversation = None;
        s.thread.clear();
        s.pending.clear();
        s.unread = 0;
    }

    /// Ends the live loop and closes its socket.
    pub fn stop(self) {
        self.next_run();
        let ws = self.held().socket.borrow().clone();
        if let Some(ws) = ws {
            let _ = ws.close();
        }
    }

    fn next_run(self) -> u32 {
        let h = self.held();
        h.run.set(h.run.get() + 1);
        h.run.get()
    }

    fn current(self, run: u32) -> bool {
        self.held().run.get() == run
    }

    fn set_socket(self, ws: Option<WebSocket>) {
        *self.held().socket.borrow_mut() = ws;
    }

    fn hidden(self) -> bool {
        crate::js::get(&self.held().panel, "hidden").is_truthy()
    }

    fn set_link(self, link: Link) {
        if self.peek().link != link {
            self.write().link = link;
        }
    }

    /// The last `seq` shown: where the thread resumes.
    pub fn last_seq(self) -> u64 {
        self.peek().thread.last().map_or(0, |m| m.seq)
    }

    /// What a frame or an answer brought; agents' new messages that come while the panel is
    /// closed count as unread.
    pub fn received(self, messages: Vec<Entry>) {
        let hidden = self.hidden();
        let mut g = self.write();
        let s = &mut *g;
        // Added in `seq` order, those it does not have; their ids, and how many are agents'.
        let mut added = Vec::new();
        let mut agents = 0;
        for m in messages {
            if let Err(at) = s.thread.binary_search_by_key(&m.seq, |t| t.seq) {
                added.push(m.id.clone());
                // The socket may bring the visitor's message before its request's answer: its
                // Idempotency-Key says it is the one on its way.
                if let Some(key) = crate::js::string(&m.message, "key") {
                    added.push(key);
                }
                agents += u32::from(m.author == AuthorKind::Agent);
                s.thread.insert(at, m);
            }
        }
        s.pending.retain(|p| {
            !(added.contains(&p.key) || p.id.as_ref().is_some_and(|id| added.contains(id)))
        });
        if hidden {
            s.unread += agents;
        }
    }
}
