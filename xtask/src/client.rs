//! A client of Porthole's HTTP API, shared by the edge's tests, `cargo xtask bench` and
//! `cargo xtask deliveries`: one place that knows the routes, the headers they take and the
//! error shape. Any HTTP status is an answer ([`Reply`]); only a failed connection is an error.

use porthole_shared::{ErrorBody, StepResolution};
use serde_json::Value;
use std::io::Read;
use std::time::Duration;

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, String> {
        serde_json::from_slice(&self.body)
            .map_err(|e| format!("not the JSON expected ({e}): {}", self.text()))
    }

    /// A 2xx answer, or an error naming the status and the edge's reason.
    pub fn ok(self) -> Result<Reply, String> {
        if (200..300).contains(&self.status) {
            return Ok(self);
        }
        let why = self
            .parse::<ErrorBody>()
            .map(|b| b.error.message)
            .unwrap_or_else(|_| self.text());
        Err(format!("answered {}: {why}", self.status))
    }
}

/// One Worker, by its base URL (`http://127.0.0.1:18787`), with a connection pool of its own.
#[derive(Clone)]
pub struct Edge {
    base: String,
    agent: ureq::Agent,
}

impl Edge {
    pub fn new(base: &str) -> Edge {
        Edge::with_timeout(base, Duration::from_secs(30))
    }

    pub fn with_timeout(base: &str, timeout: Duration) -> Edge {
        Edge {
            base: base.trim_end_matches('/').to_string(),
            agent: ureq::AgentBuilder::new().timeout(timeout).build(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<Reply, String> {
        let mut req = self.agent.request(method, &format!("{}{path}", self.base));
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let result = match body {
            Some(bytes) => req.send_bytes(bytes),
            None => req.call(),
        };
        let response = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => return Err(format!("{method} {}{path}: {e}", self.base)),
        };
        let status = response.status();
        let headers = response
            .headers_names()
            .into_iter()
            .filter_map(|n| response.header(&n).map(|v| (n.clone(), v.to_string())))
            .collect();
        let mut body = Vec::new();
        response
            .into_reader()
            .read_to_end(&mut body)
            .map_err(|e| format!("{method} {path}: reading the body: {e}"))?;
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// `POST /v1/sites/{site}/conversations` from `origin`, with an Idempotency-Key if given.
    pub fn submit(
        &self,
        site: &str,
        origin: &str,
        body: &Value,
        key: Option<&str>,
    ) -> Result<Reply, String> {
        let mut headers = vec![("Origin", origin), ("Content-Type", "application/json")];
        if let Some(key) = key {
            headers.push(("Idempotency-Key", key));
        }
        self.call(
            "POST",
            &format!("/v1/sites/{site}/conversations"),
            &headers,
            Some(body.to_string().as_bytes()),
        )
    }

    /// `POST /v1/sites/{site}/uploads`: one file's bytes, its name percent-encoded.
    pub fn upload(
        &self,
        site: &str,
        origin: &str,
        name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<Reply, String> {
        self.call(
            "POST",
            &format!("/v1/sites/{site}/uploads"),
            &[
                ("Origin", origin),
                ("Content-Type", content_type),
                ("X-Filename", &utf8_percent(name)),
            ],
            Some(bytes),
        )
    }

    /// `GET /v1/admin/deliveries?status=&limit=` with the operator token.
    pub fn deliveries(&self, token: &str, status: &str, limit: u32) -> Result<Reply, String> {
        self.call(
            "GET",
            &format!("/v1/admin/deliveries?status={status}&limit={limit}"),
            &[("Authorization", &format!("Bearer {token}"))],
            None,
        )
    }

    /// `POST /v1/admin/deliveries/{id}/retry`, settling a lost step if `resolution` says how.
    pub fn retry(
        &self,
        token: &str,
        id: &str,
        resolution: Option<&StepResolution>,
    ) -> Result<Reply, String> {
        let auth = format!("Bearer {token}");
        let body = resolution.map(|r| serde_json::to_vec(r).expect("a resolution is JSON"));
        let mut headers = vec![("Authorization", auth.as_str())];
        if body.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        self.call(
            "POST",
            &format!("/v1/admin/deliveries/{id}/retry"),
            &headers,
            body.as_deref(),
        )
    }

    /// `GET /v1/inbox/conversations?site=&limit=` with the operator token.
    pub fn inbox(&self, token: &str, site: &str, limit: u32) -> Result<Reply, String> {
        self.call(
            "GET",
            &format!("/v1/inbox/conversations?site={site}&limit={limit}"),
            &[("Authorization", &format!("Bearer {token}"))],
            None,
        )
    }
}

/// What `X-Filename` carries: the name's UTF-8 bytes, percent-encoded where not plain ASCII.
pub fn utf8_percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
