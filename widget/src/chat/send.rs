//! The visitor's next message: shown at once as sending, sent with an Idempotency-Key (so a
//! retry after a lost answer is stored once), again after no answer or a server error, and
//! marked failed with a retry if it still did not go. The thread's copy replaces it once stored.

use super::{Chat, Pending};
use crate::api::{Api, ApiError};
use crate::wait;
use leptos::task::spawn_local;

/// Tries of one message before it is marked failed (waits of 1, 2, 4, 8 s between).
const SEND_ATTEMPTS: u32 = 5;

impl Chat {
    pub fn send(self, api: &Api, body: String, files: Vec<String>) {
        // Without a random key (no `crypto`), a resend could be stored twice: then none is sent
        // again automatically.
        let key = crate::api::new_key().unwrap_or_default();
        self.write().pending.push(Pending {
            key: key.clone(),
            body,
            files,
            id: None,
            failed: false,
        });
        spawn_local(deliver(self, api.clone(), key));
    }

    pub fn retry(self, api: &Api, key: String) {
        if let Some(p) = self.write().pending.iter_mut().find(|p| p.key == key) {
            p.failed = false;
        }
        spawn_local(deliver(self, api.clone(), key));
    }
}

async fn deliver(chat: Chat, api: Api, key: String) {
    let (Some(c), Some((body, files))) = (
        chat.conversation(),
        chat.peek()
            .pending
            .iter()
            .find(|p| p.key == key)
            .map(|p| (p.body.clone(), p.files.clone())),
    ) else {
        return;
    };
    let mut attempt = 0;
    let result = loop {
        let result = api.follow_up(&c, &body, &files, &key).await;
        attempt += 1;
        let again = !key.is_empty() && result.as_ref().is_err_and(ApiError::worth_retrying);
        if !again || attempt >= SEND_ATTEMPTS {
            break result;
        }
        wait::backoff(attempt - 1).await;
    };
    let stored = result.ok();
    let mut s = chat.write();
    let shown = stored
        .as_ref()
        .is_some_and(|id| s.thread.iter().any(|m| &m.id == id));
    if shown {
        s.pending.retain(|p| p.key != key);
    } else if let Some(p) = s.pending.iter_mut().find(|p| p.key == key) {
        p.failed = stored.is_none();
        p.id = stored;
    }
}
