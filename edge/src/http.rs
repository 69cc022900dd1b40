//! Building JSON answers, and reading JSON requests and what a request declares.

use crate::error::Error;
use crate::log;
use serde::Serialize;
use worker::{Request, Response};

/// Far above the largest valid submission (20,000 characters of message plus custom fields),
/// and small enough that reading it whole is harmless.
const MAX_BODY_BYTES: u64 = 512 * 1024;

/// A JSON body of at most [`MAX_BODY_BYTES`].
pub async fn read_json<T: serde::de::DeserializeOwned>(req: &mut Request) -> Result<T, Error> {
    let content_type = req
        .headers()
        .get("Content-Type")
        .ok()
        .flatten()
        .unwrap_or_default();
    if !is_json(&content_type) {
        return Err(Error::UnsupportedMediaType("application/json"));
    }
    if content_length(req).is_some_and(|len| len > MAX_BODY_BYTES) {
        return Err(Error::BodyTooLarge(MAX_BODY_BYTES));
    }
    let body = req.bytes().await?;
    if body.len() as u64 > MAX_BODY_BYTES {
        return Err(Error::BodyTooLarge(MAX_BODY_BYTES));
    }
    serde_json::from_slice(&body).map_err(|e| Error::MalformedJson(e.to_string()))
}

fn is_json(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .eq_ignore_ascii_case("application/json")
}

pub fn json<T: Serialize>(status: u16, body: &T) -> Result<Response, Error> {
    let bytes = serde_json::to_vec(body).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(json_bytes(status, bytes))
}

/// The body length the request declares, if it declares one.
pub fn content_length(req: &Request) -> Option<u64> {
    req.headers()
        .get("Content-Length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse().ok())
}

/// Every error is answered as `{"error": {...}}`; internal details go to the log only.
pub fn error(e: &Error) -> Response {
    if let Error::Internal(detail) = e {
        log::error("internal_error", detail);
    }
    let mut response = json_bytes(
        e.status(),
        serde_json::to_vec(&e.body()).unwrap_or_default(),
    );
    if let Error::RateLimited(seconds) = e {
        let _ = response
            .headers_mut()
            .set("Retry-After", &seconds.to_string());
    }
    response
}

fn json_bytes(status: u16, body: Vec<u8>) -> Response {
    let mut response = Response::builder().with_status(status).fixed(body);
    let headers = response.headers_mut();
    let _ = headers.set("Content-Type", "application/json; charset=utf-8");
    let _ = headers.set("Cache-Control", "no-store");
    response
}

#[cfg(test)]
mod tests {
    use super::is_json;

    #[test]
    fn json_content_types() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/jsonp"));
    }
}
