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
    /// once. Answers the conversation, with the token that opens it.
    pub async fn create_conversation(
        &self,
        submission: &Submission,
        idempotency_key: Option<&str>,
    ) -> Result<Started, ApiError> {
        let headers = json_headers(idempotency_key, None)?;
        let body = js::submission(submission).ok_or(ApiError::Network)?;
        let answer = send(
            &self.url("conversations"),
            "POST",
            &headers,
            Some(&body.into()),
        )
        .await?;
        let field = |k| js::string(&answer, k).ok_or(ApiError::Unexpected);
        Ok(Started {
            id: field("id")?,
            token: field("visitor_token")?,
            reference: field("reference")?,
        })
    }

    /// A later message in the conversation; answers its id.
    pub async fn follow_up(
        &self,
        c: &Started,
        message: &str,
        attachments: &[String],
        idempotency_key: &str,
    ) -> Result<String, ApiError> {
        let headers = json_headers(Some(idempotency_key), Some(&c.token))?;
        let body = js::follow_up(message, attachments).ok_or(ApiError::Network)?;
        let answer = send(
            &self.thread_url(&c.id, ""),
            "POST",
            &headers,
            Some(&body.into()),
        )
        .await?;
        js::string(&answer, "id").ok_or(ApiError::Unexpected)
    }

    /// The thread after `after` (where WebSockets do not get through).
    pub async fn thread(&self, c: &Started, after: u64) -> Result<JsValue, ApiError> {
        let headers = json_headers(None, Some(&c.token))?;
        send(
            &self.thread_url(&c.id, &format!("?after={after}")),
            "GET",
            &headers,
            None,
        )
        .await
    }

    fn thread_url(&self, id: &str, query: &str) -> String {
        format!(
            "{}/v1/conversations/{}/messages{query}",
            self.edge,
            js_sys::encode_uri_component(id)
        )
    }

    /// `ws://` or `wss://` to the conversation's live thread after `after`.
    pub fn live_url(&self, id: &str, after: u64) -> String {
        format!(
            "{}/v1/conversations/{}/live?after={after}",
            self.edge.replacen("http", "ws", 1),
            js_sys::encode_uri_component(id)
        )
    }

    /// Where a file link of the thread (a path on the edge) is.
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{path}", self.edge)
    }
}

/// A conversation the visitor started: what opens it again.
#[derive(Clone, Debug, PartialEq)]
pub struct Started {
    pub id: String,
    pub token: String,
    pub reference: String,
}

fn json_headers(key: Option<&str>, token: Option<&str>) -> Result<Headers, ApiError> {
    let headers = Headers::new().map_err(|_| ApiError::Network)?;
    let _ = headers.set("Content-Type", "application/json");
    // Without a random key (no `crypto`), none: the edge refuses an empty one.
    if let Some(key) = key.filter(|k| !k.is_empty()) {
        let _ = headers.set("Idempotency-Key", key);
    }
    if let Some(token) = token {
        let _ = headers.set("Authorization", &format!("Bearer {token}"));
    }
    Ok(headers)
}

async fn send(
    url: &str,
    method: &str,
    headers: &Headers,
    body: Option<&JsValue>,
) -> Result<JsValue, ApiError> {
    let init = RequestInit::new();
    init.set_method(method);
    init.set_headers(headers);
    if let Some(body) = body {
        init.set_body(body);
    }
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

/// 128 random bits for the Idempotency-Key. `getRandomValues`, unlike `randomUUID`, also exists on
/// pages served over plain http.
/// `None` (no key sent) rather than a key that is not random.
pub fn new_key() -> Option<String> {
    let mut bytes = [0u8; 16];
    web_sys::window()?
        .crypto()
        .ok()?
        .get_random_values_with_u8_array(&mut bytes)
        .ok()?;
    // By hand: `{:02x}` would bring hex formatting into the wasm for this one use.
    let hex = |n: u8| char::from(b"0123456789abcdef"[usize::from(n & 15)]);
    let mut key = String::with_capacity(32);
    for b in bytes {
        key.push(hex(b >> 4));
        key.push(hex(b));
    }
    Some(key)
}
