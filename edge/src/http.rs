//! Building JSON answers, and reading what a request declares.

use crate::error::Error;
use crate::log;
use serde::Serialize;
use worker::{Request, Response};

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
