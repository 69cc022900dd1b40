//! One file's upload with `XMLHttpRequest`, for what `fetch` cannot give: upload progress events,
//! and cancelling a request midway.
//!
//! A file larger than one part goes in parts (`shared::PartsUpload`): after a dropped
//! connection the upload waits to be online, asks the edge which parts arrived and sends only
//! the others. Calling [`Upload::result`] again after a failure (the retry button) resumes the
//! same way.

use crate::api::{answer, ApiError};
use crate::{js, wait};
use porthole_shared::limits::in_parts;
use porthole_shared::{PartsUpload, UploadMeta};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, File, ProgressEvent, XmlHttpRequest};

/// A handle on the upload; clones share it.
#[derive(Clone)]
pub struct Upload(Rc<Inner>);

struct Inner {
    /// `…/v1/sites/{site}/`
    base: String,
    file: File,
    progress: Box<dyn Fn(u32)>,
    /// Called when a file in parts waits to resume.
    paused: Box<dyn Fn()>,
    cancelled: Cell<bool>,
    /// The request under way, to abort.
    current: RefCell<Option<XmlHttpRequest>>,
    /// The edge's id for the file sent in parts, once started.
    parts_id: RefCell<Option<String>>,
}

type Outcome = Result<JsValue, Option<ApiError>>;

enum Body {
    None,
    Json(String),
    /// The whole file, named in headers.
    File,
    Part(Blob),
}

/// Tries after a failure in parts (waiting 1, 2, 4, 8, 16 s, or until online); then the visitor
/// decides.
const PART_RETRIES: u32 = 5;

impl Upload {
    /// An upload of `file` to the site at `base`; `progress(percent)` follows the bytes sent,
    /// `paused()` says a file in parts is waiting to resume.
    pub fn new(
        base: String,
        file: File,
        progress: impl Fn(u32) + 'static,
        paused: impl Fn() + 'static,
    ) -> Upload {
        Upload(Rc::new(Inner {
            base,
            file,
            progress: Box::new(progress),
            paused: Box::new(paused),
            cancelled: Cell::new(false),
            current: RefCell::new(None),
            parts_id: RefCell::new(None),
        }))
    }

    /// Stops sending, for good.
    pub fn cancel(&self) {
        self.0.cancelled.set(true);
        if let Some(xhr) = self.0.current.borrow().as_ref() {
            let _ = xhr.abort();
        }
    }

    /// Sends the file (or what of it the edge lacks) and answers the stored file's id, or why
    /// not. `Err(None)` when cancelled.
    pub async fn result(&self) -> Result<String, Option<ApiError>> {
        let stored = if in_parts(self.0.file.size() as u64) {
            self.in_parts().await
        } else {
            self.send("POST", "uploads", Body::File, 0.0).await
        };
        if self.0.cancelled.get() {
            return Err(None);
        }
        js::string(&stored?, "id").ok_or(Some(ApiError::Unexpected))
    }

    async fn in_parts(&self) -> Outcome {
        let mut tries = 0;
        loop {
            match self.parts_once().await {
                // Gone from the edge (a day passed): start over, as one of the tries.
                Err(Some(ApiError::Refused { status: 404, .. }))
                    if tries < PART_RETRIES && self.0.parts_id.borrow_mut().take().is_some() =>
                {
                    tries += 1;
                }
                Err(Some(e)) if e.worth_retrying() && tries < PART_RETRIES => {
                    (self.0.paused)();
                    wait::backoff(tries).await;
                    tries += 1;
                }
                outcome => return outcome,
            }
            if self.0.cancelled.get() {
                return Err(None);
            }
        }
    }

    /// Starts the upload in parts, or asks which parts arrived, then sends the others and joins
    /// them.
    async fn parts_once(&self) -> Outcome {
        let file = &self.0.file;
        let size = file.size();
        let known = self.0.parts_id.borrow().clone();
        let session = match known {
            Some(id) => {
                self.send("GET", &format!("multipart/{id}"), Body::None, 0.0)
                    .await?
            }
            None => {
                let meta = js::upload_meta(&file_meta(file)).unwrap_or_default();
                self.send("POST", "multipart", Body::Json(meta), 0.0)
                    .await?
            }
        };
        let PartsUpload {
            id,
            part_bytes,
            parts,
            done,
        } = js::parts_upload(&session).ok_or(Some(ApiError::Unexpected))?;
        *self.0.parts_id.borrow_mut() = Some(id.clone());
        let part = |n: u64| {
            let start = (n - 1) as f64 * part_bytes as f64;
            (start, (start + part_bytes as f64).min(size))
        };
        let mut sent: f64 = done.iter().map(|&n| part(n).1 - part(n).0).sum();
        for n in (1..=parts).filter(|n| !done.contains(n)) {
            let (start, end) = part(n);
            let blob = file
                .slice_with_f64_and_f64(start, end)
                .map_err(|_| Some(ApiError::Unexpected))?;
            self.send(
                "PUT",
                &format!("multipart/{id}/parts/{n}"),
                Body::Part(blob),
                sent,
            )
            .await?;
            sent += end - start;
        }
        self.send(
            "POST",
            &format!("multipart/{id}/complete"),
            Body::None,
            sent,
        )
        .await
    }

    /// One request to `base + path`, its body's progress counted after `before` bytes of the file.
    async fn send(&self, method: &str, path: &str, body: Body, before: f64) -> Outcome {
        let inner = &self.0;
        if inner.cancelled.get() {
            return Err(None);
        }
        let xhr = XmlHttpRequest::new().map_err(|_| Some(ApiError::Network))?;
        let _ = xhr.open(method, &format!("{}{path}", inner.base));
        let total = inner.file.size();
        let me = self.clone();
        let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
            if e.length_computable() && total > 0.0 {
                (me.0.progress)(((before + e.loaded()) / total * 100.0) as u32);
            }
        });
        if let Ok(upload) = xhr.upload() {
            upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        }
        // Settles when the request ends, whichever way; the answer is read from `xhr`.
        let done = js_sys::Promise::new(&mut |resolve, _| xhr.set_onloadend(Some(&resolve)));
        *inner.current.borrow_mut() = Some(xhr.clone());
        let sent = match &body {
            Body::None => xhr.send(),
            Body::Json(text) => {
                let _ = xhr.set_request_header("Content-Type", "application/json");
                xhr.send_with_opt_str(Some(text))
            }
            Body::File => {
                let meta = file_meta(&inner.file);
                let name = js_sys::encode_uri_component(&meta.name);
                let _ = xhr.set_request_header("Content-Type", &meta.content_type);
                let _ = xhr.set_request_header("X-Filename", &String::from(name));
                xhr.send_with_opt_blob(Some(&inner.file))
            }
            Body::Part(blob) => xhr.send_with_opt_blob(Some(blob)),
        };
        if sent.is_ok() {
            let _ = JsFuture::from(done).await;
        }
        inner.current.borrow_mut().take();
        if let Ok(upload) = xhr.upload() {
            upload.set_onprogress(None);
        }
        xhr.set_onloadend(None);
        drop(on_progress);
        if inner.cancelled.get() {
            return Err(None);
        }
        let status = xhr.status().unwrap_or(0);
        if sent.is_err() || status == 0 {
            return Err(Some(ApiError::Network));
        }
        let text = xhr.response_text().ok().flatten().unwrap_or_default();
        let retry_after = xhr.get_response_header("Retry-After").ok().flatten();
        let json = js_sys::JSON::parse(&text).map_err(|_| Some(ApiError::Unexpected))?;
        answer(status, json, retry_after).map_err(Some)
    }
}

/// What the edge is told of `file` before it is sent: its name, size and type
/// (`application/octet-stream` when the browser does not know it).
pub fn file_meta(file: &File) -> UploadMeta {
    let content_type = if file.type_().is_empty() {
        "application/octet-stream".to_string()
    } else {
        file.type_()
    };
    UploadMeta {
        name: file.name(),
        size: file.size() as u64,
        content_type,
    }
}
