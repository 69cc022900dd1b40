//! CORS for the visitor endpoints. Only origins a site allows ever get these headers, but for the
//! endpoints a visitor token opens ([`any_origin`]).

use crate::error::Error;
use worker::Response;

pub const ALLOWED_METHODS: &str = "GET, POST, PUT, OPTIONS";
pub const ALLOWED_HEADERS: &str = "Content-Type, X-Filename, Idempotency-Key";
pub const EXPOSED_HEADERS: &str = "Retry-After";

/// The answer to a preflight from an allowed origin (`allow` adds the origin itself).
pub fn preflight() -> Result<Response, Error> {
    let mut response = Response::empty()?.with_status(204);
    let h = response.headers_mut();
    let _ = h.set("Access-Control-Allow-Methods", ALLOWED_METHODS);
    let _ = h.set("Access-Control-Allow-Headers", ALLOWED_HEADERS);
    // Browsers cap this (Chromium at 2 hours); a day asks for as long as they allow.
    let _ = h.set("Access-Control-Max-Age", "86400");
    Ok(response)
}

pub fn allow(mut response: Response, origin: &str) -> Response {
    let h = response.headers_mut();
    let _ = h.set("Access-Control-Allow-Origin", origin);
    let _ = h.set("Access-Control-Expose-Headers", EXPOSED_HEADERS);
    let _ = h.append("Vary", "Origin");
    response
}

/// Read with a bearer token, never cookies, so any page may ask: the token is the permission.
pub fn any_origin(mut response: Response) -> Response {
    let h = response.headers_mut();
    let _ = h.set("Access-Control-Allow-Origin", "*");
    let _ = h.set(
        "Access-Control-Allow-Headers",
        "Authorization, Content-Type, Idempotency-Key",
    );
    let _ = h.set("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    let _ = h.set("Access-Control-Expose-Headers", "Idempotent-Replayed");
    let _ = h.set("Access-Control-Max-Age", "86400");
    response
}
