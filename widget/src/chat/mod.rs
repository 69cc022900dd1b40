//! The conversation, once the visitor has sent a first message: its thread (the visitor's and the
//! agents' messages, and notes such as "closed"), kept live over the conversation's WebSocket
//! (`live.rs`), the next message written and sent from the composer (`send.rs`), and the
//! conversation remembered in `localStorage` so that a reload or a visit next week shows it
//! again (`kept.rs`). The markup is bound in `view.rs`.

mod kept;
mod live;
mod send;
mod view;

pub use view::bind_chat;

use crate::api::{Api, Started};
use leptos::prelude::*;
use porthole_shared::{AuthorKind, ThreadMessage};
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
    /// Known once the edge has stored it; the thread's copy then replaces this one.
    pub id: Option<String>,
    pub failed: bool,
}

#[derive(Clone, Copy)]
pub struct Chat {
    pub conversation: RwSignal<Option<Started>>,
    /// In `seq` order, each once.
    pub thread: RwSignal<Vec<ThreadMessage>>,
    pub closed: RwSignal<bool>,
    pub pending: RwSignal<Vec<Pending>>,
    pub link: RwSignal<Link>,
    /// Agents' messages that came while the panel was closed.
    pub unread: RwSignal<u32>,
    /// The dialog: closed (hidden) means new messages are unread.
    panel: StoredValue<HtmlElement, LocalStorage>,
    /// Which run of the live loop is current: a new conversation, a logout or an unmount ends
    /// the one before.
    run: StoredValue<u32>,
    /// The open socket, to close it when the page comes back (a phone's may be dead).
    socket: StoredValue<Option<WebSocket>, LocalStorage>,
}

impl Chat {
    pub fn new(panel: HtmlElement) -> Chat {
        Chat {
            conversation: RwSignal::new(None),
            thread: RwSignal::new(Vec::new()),
            closed: RwSignal::new(false),
            pending: RwSignal::new(Vec::new()),
            link: RwSignal::new(Link::Connecting),
            unread: RwSignal::new(0),
            panel: StoredValue::new_local(panel),
            run: StoredValue::new(0),
            socket: StoredValue::new_local(None),
        }
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
        self.thread.set(Vec::new());
        self.pending.set(Vec::new());
        self.conversation.set(Some(conversation));
        live::run(self, api.clone(), self.next_run());
    }

    /// Forgets the conversation here and on this browser (`Porthole('logout')`, or a new one).
    pub fn leave(self, api: &Api) {
        self.stop();
        kept::forget(api.site());
        self.conversation.set(None);
        self.thread.set(Vec::new());
        self.pending.set(Vec::new());
        self.unread.set(0);
    }

    /// Ends the live loop and closes its socket.
    pub fn stop(self) {
        self.next_run();
        if let Some(ws) = self.socket.get_value() {
            let _ = ws.close();
        }
    }

    fn next_run(self) -> u32 {
        self.run.update_value(|r| *r += 1);
        self.run.get_value()
    }

    fn current(self, run: u32) -> bool {
        self.run.get_value() == run
    }

    fn hidden(self) -> bool {
        self.panel.with_value(|p| p.hidden())
    }

    /// The last `seq` shown: where the thread resumes.
    pub fn last_seq(self) -> u64 {
        self.thread
            .with_untracked(|t| t.last().map_or(0, |m| m.seq))
    }

    /// What a frame or an answer brought; agents' new messages that come while the panel is
    /// closed count as unread.
    pub fn received(self, closed: bool, messages: Vec<ThreadMessage>) {
        let hidden = self.hidden();
        self.closed.set(closed);
        let mut added = Vec::new();
        self.thread
            .update(|thread| added = merge(thread, messages.clone()));
        if added.is_empty() {
            return;
        }
        self.pending.update(|pending| {
            pending.retain(|p| !added.iter().any(|id| p.id.as_deref() == Some(id)))
        });
        let agents = messages
            .iter()
            .filter(|m| m.author == AuthorKind::Agent && added.contains(&m.id))
            .count() as u32;
        if hidden && agents > 0 {
            self.unread.update(|n| *n += agents);
        }
    }
}

/// Adds to `thread` (in `seq` order) the messages it does not have; the ids of those added.
pub fn merge(thread: &mut Vec<ThreadMessage>, messages: Vec<ThreadMessage>) -> Vec<String> {
    let mut added = Vec::new();
    for m in messages {
        match thread.binary_search_by_key(&m.seq, |t| t.seq) {
            Ok(_) => {}
            Err(at) => {
                added.push(m.id.clone());
                thread.insert(at, m);
            }
        }
    }
    added
}
