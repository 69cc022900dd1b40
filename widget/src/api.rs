//! Calls to the edge, with `fetch` (uploads: `upload.rs`).

use crate::js;
use porthole_shared::{FieldErrors, Submission};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response};

#[derive(Clone)]
pub struct Api {
    edge: String,
    site: String,
}

/// Why a call failed, as the form needs to tell it.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// No answer at all: offline, DNS, CORS refusal.
    Network,
    /// The edge answered with its error body; `retry_after` in seconds, with a 429.
    Refused {
        status: u16,
        message: String,
        fields: Option<FieldErrors>,
        retry_after: Option<u32>,
    },
    /// An answer that is not ours (a proxy's error page, say).
    Unexpected,
}

impl ApiError {
    /// No answer, or the server's own failure: the same request may well succeed later.
    pub fn worth_retrying(&self) -> bool {
        matches!(
            self,
            ApiError::Network | ApiError::Unexpected | ApiError::Refused { status: 500.., .. }
        )
    }
}

impl Api {
    pub fn new(edge: String, site: String) -> Self {
        Api {
            edge: edge.trim_end_matches('/').to_string(),
            site,
        }
    }

    fn url(&self, endpoint: &str) -> String {
        format!(
            "{}/v1/sites/{}/{}",
            self.edge,
            js_sys::encode_uri_component(&self.site),
            endpoint
        )
    }

    pub fn site(&self) -> &str {
        &self.site
    }

    /// Where the site's files are uploaded (`upload.rs` adds the endpoints).
    pub fn site_url(&self) -> String {
        self.url("")
    }

    /// `idempotency_key` is the same for every retry of one submission: the edge then stores it
    /// once. Answers the conversation's reference.
    pub async fn create_conversation(
        &self,
        submission: &Submission,
        idempotency_key: Option<&str>,
    ) -> Result<String, ApiError> {
        let headers = Headers::new().map_err(|_| ApiError::Network)?;
        let _ = headers.set("Content-Type", "application/json");
        if let Some(key) = idempotency_key {
            let _ = headers.set("Idempotency-Key", key);
        }
        let body = js::submission(submission).ok_or(ApiError::Network)?;
        let answer = send(&self.url("conversations"), &headers, &body.into()).await?;
        js::string(&answer, "reference").ok_or(ApiError::Unexpected)
    }
}

async fn send(url: &str, headers: &Headers, body: &JsValue) -> Result<JsValue, ApiError> {
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(headers);
    init.set_body(body);
    let request = Request::new_with_str_and_init(url, &init).map_err(|_| ApiError::Network)?;
    let window = web_sys::window().ok_or(ApiError::Network)?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|_| ApiError::Network)?
        .unchecked_into();
    // Not JSON (a proxy's error page, say) is not ours.
    let json = match response.json() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .map_err(|_| ApiError::Unexpected)?,
        Err(_) => return Err(ApiError::Unexpected),
    };
    let retry_after = response.headers().get("Retry-After").ok().flatten();
    answer(response.status(), json, retry_after)
}

/// The edge's answer: its body on success, else its error with the status (and a 429's
/// `Retry-After` in seconds).
pub fn answer(
    status: u16,
    json: JsValue,
    retry_after: Option<String>,
) -> Result<JsValue, ApiError> {
    if (200..300).contains(&status) {
        return Ok(json);
    }
    let (message, fields) = js::error_body(&json).ok_or(ApiError::Unexpected)?;
    Err(ApiError::Refused {
        status,
        message,
        fields,
        retry_after: retry_after.and_then(|s| s.trim().parse().ok()),
    })
}
