//! One file's upload with `XMLHttpRequest`, for what `fetch` cannot give: upload progress events,
//! and cancelling a request midway.

use crate::api::{answer, ApiError};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, ProgressEvent, XmlHttpRequest};

/// A handle on the request; clones share it. Once the last is dropped, the listeners go.
#[derive(Clone)]
pub struct Upload(Rc<Inner>);

struct Inner {
    xhr: XmlHttpRequest,
    done: js_sys::Promise,
    cancelled: Cell<bool>,
    _progress: Closure<dyn FnMut(ProgressEvent)>,
}

impl Upload {
    /// Starts sending `file` to `url`; `progress(percent)` follows the bytes sent.
    pub fn start(
        url: &str,
        file: &File,
        progress: impl Fn(u32) + 'static,
    ) -> Result<Upload, JsValue> {
        let xhr = XmlHttpRequest::new()?;
        xhr.open("POST", url)?;
        let content_type = if file.type_().is_empty() {
            "application/octet-stream".to_string()
        } else {
            file.type_()
        };
        xhr.set_request_header("Content-Type", &content_type)?;
        xhr.set_request_header(
            "X-Filename",
            &String::from(js_sys::encode_uri_component(&file.name())),
        )?;
        let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
            if e.length_computable() && e.total() > 0.0 {
                progress((e.loaded() / e.total() * 100.0) as u32);
            }
        });
        xhr.upload()?
            .set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        // Settles when the request ends, whichever way; the answer is read from `xhr`.
        let done = js_sys::Promise::new(&mut |resolve, _| {
            xhr.set_onloadend(Some(&resolve));
        });
        xhr.send_with_opt_blob(Some(file))?;
        Ok(Upload(Rc::new(Inner {
            xhr,
            done,
            cancelled: Cell::new(false),
            _progress: on_progress,
        })))
    }

    /// Stops sending; nothing if it has ended.
    pub fn cancel(&self) {
        if self.0.xhr.ready_state() != XmlHttpRequest::DONE {
            self.0.cancelled.set(true);
            let _ = self.0.xhr.abort();
        }
    }

    /// The stored file's id, or why not. `Err(None)` when cancelled.
    pub async fn result(&self) -> Result<String, Option<ApiError>> {
        let inner = &self.0;
        let _ = JsFuture::from(inner.done.clone()).await;
        if inner.cancelled.get() {
            return Err(None);
        }
        let status = inner.xhr.status().unwrap_or(0);
        if status == 0 {
            return Err(Some(ApiError::Network));
        }
        let text = inner.xhr.response_text().ok().flatten().unwrap_or_default();
        let retry_after = inner.xhr.get_response_header("Retry-After").ok().flatten();
        let json = js_sys::JSON::parse(&text).map_err(|_| Some(ApiError::Unexpected))?;
        let stored = answer(status, json, retry_after).map_err(Some)?;
        crate::js::string(&stored, "id").ok_or(Some(ApiError::Unexpected))
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if self.xhr.ready_state() != XmlHttpRequest::DONE {
            let _ = self.xhr.abort();
        }
        if let Ok(upload) = self.xhr.upload() {
            upload.set_onprogress(None);
        }
        self.xhr.set_onloadend(None);
    }
}
