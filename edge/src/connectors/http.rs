//! The vendor HTTP client: calls from the Worker to helpdesks. Every call has a deadline, and
//! every way it can fail becomes a [`Failure`] the delivery engine knows how to treat.

use super::failure::{classify, parse_retry_after, Failure};
use wasm_bindgen::JsValue;
use worker::{AbortSignal, Fetch, Headers, Method, Request, RequestInit};

pub struct Reply {
    pub status: u16,
    pub headers: Headers,
    pub body: String,
}

impl Reply {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).ok().flatten()
    }

    /// A non-success answer as a failure: `reason` turns the vendor's error body into words, and
    /// `retry_header` names the vendor's Retry-After.
    pub fn failure(&self, reason: impl Fn(&str) -> String, retry_header: &str) -> Failure {
        let after = parse_retry_after(self.header(retry_header).as_deref())
            .or_else(|| parse_retry_after(self.header("Retry-After").as_deref()));
        classify(self.status, after, &reason(&self.body))
    }
}

pub struct Call<'a> {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(&'a str, String)>,
    pub body: Option<Body>,
}

impl<'a> Call<'a> {
    /// A call to a JSON API: its credential, `Accept: application/json`, and the body's own
    /// content type when it has a body.
    pub fn json_api(
        method: Method,
        url: String,
        authorization: String,
        body: Option<(String, Body)>,
    ) -> Call<'a> {
        let mut headers = vec![
            ("Authorization", authorization),
            ("Accept", "application/json".to_string()),
        ];
        let body = body.map(|(content_type, body)| {
            headers.push(("Content-Type", content_type));
            body
        });
        Call {
            method,
            url,
            headers,
            body,
        }
    }
}

#[derive(Clone)]
pub enum Body {
    Text(String),
    Bytes(Vec<u8>),
}

impl Body {
    pub fn json(value: &serde_json::Value) -> Body {
        Body::Text(value.to_string())
    }
}

/// A `multipart/form-data` body with one file part: (content type with boundary, bytes).
pub fn multipart_file(
    field: &str,
    file_name: &str,
    content_type: &str,
    data: &[u8],
) -> (String, Vec<u8>) {
    let boundary = format!("porthole-{}", uuid::Uuid::new_v4().simple());
    // Quotes and line breaks would end the header early; the helpdesk only needs a readable name.
    let safe_name: String = file_name
        .chars()
        .map(|c| {
            if c == '"' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{safe_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Sends `call`; only a missing or late answer is an error here (always retryable). HTTP error
/// statuses come back as a [`Reply`] for the connector to read.
pub async fn send(call: Call<'_>, timeout_ms: u32) -> Result<Reply, Failure> {
    let headers = Headers::new();
    for (name, value) in &call.headers {
        headers
            .set(name, value)
            .map_err(|e| Failure::permanent(format!("header {name}: {e}")))?;
    }
    let mut init = RequestInit::new();
    init.with_method(call.method.clone()).with_headers(headers);
    match &call.body {
        Some(Body::Text(text)) => {
            init.with_body(Some(JsValue::from_str(text)));
        }
        Some(Body::Bytes(bytes)) => {
            init.with_body(Some(js_sys::Uint8Array::from(bytes.as_slice()).into()));
        }
        None => {}
    }
    let request = Request::new_with_init(&call.url, &init)
        .map_err(|e| Failure::permanent(format!("bad request to {}: {e}", call.url)))?;
    let signal = AbortSignal::from(web_sys::AbortSignal::timeout_with_u32(timeout_ms));
    let mut response = Fetch::Request(request)
        .send_with_signal(&signal)
        .await
        .map_err(|e| {
            Failure::retryable(format!(
                "{} {}: no answer ({e})",
                call.method,
                path_of(&call.url)
            ))
        })?;
    let body = match response.text().await {
        Ok(body) => body,
        Err(e) => {
            return Err(Failure::retryable(format!(
                "{} {}: answer cut off ({e})",
                call.method,
                path_of(&call.url)
            )))
        }
    };
    Ok(Reply {
        status: response.status_code(),
        headers: response.headers().clone(),
        body,
    })
}

/// Logs and errors name the path, never the query (it may carry ids) or credentials.
fn path_of(url: &str) -> &str {
    let without_scheme = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let path = without_scheme
        .find('/')
        .map(|i| &without_scheme[i..])
        .unwrap_or("/");
    path.split('?').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    #[test]
    fn multipart_has_one_file_part() {
        let (content_type, body) =
            super::multipart_file("files", "a\"b.txt", "text/plain", b"hello");
        let boundary = content_type
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap();
        let text = String::from_utf8(body).unwrap();
        assert!(text.starts_with(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a_b.txt\"\r\n")));
        assert!(text.ends_with(&format!("\r\n\r\nhello\r\n--{boundary}--\r\n")));
    }

    #[test]
    fn paths_without_queries() {
        assert_eq!(
            super::path_of("https://api.example/v2/conversations?tag=x"),
            "/v2/conversations"
        );
        assert_eq!(super::path_of("http://127.0.0.1:9/"), "/");
    }
}
