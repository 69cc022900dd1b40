//! A fake Help Scout (Inbox API 2.0) for tests: a small HTTP server on 127.0.0.1 that enforces
//! the documented contract (<https://developer.helpscout.com/mailbox-api/>), records what it received, and
//! injects faults on command: error statuses, 429 with X-RateLimit-Retry-After, answers slower
//! than the connector waits, and "act, then drop the connection without answering".

pub use super::server::Fault;
use super::server::{form_urlencoded, Answer, Request, Server, Vendor};
use base64::Engine;
use serde_json::{json, Value};
use std::sync::Mutex;
use std::time::Instant;

pub const CLIENT_ID: &str = "test-client-id";
pub const CLIENT_SECRET: &str = "test-client-secret";
/// The secrets a test Worker has for Help Scout (the connector's default names), as (name, value).
pub const SECRETS: &[(&str, &str)] = &[
    ("HELPSCOUT_CLIENT_ID", CLIENT_ID),
    ("HELPSCOUT_CLIENT_SECRET", CLIENT_SECRET),
];
pub const MAILBOX_ID: u64 = 4242;
/// Help Scout's per-attachment limit.
pub const MAX_ATTACHMENT: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Attachment {
    pub id: u64,
    pub file_name: String,
    pub mime_type: String,
    pub data: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct Thread {
    pub id: u64,
    pub kind: String,
    pub text: String,
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Clone)]
pub struct Conversation {
    pub id: u64,
    /// When the fake stored it: the end of a delivery's lag.
    pub received: Instant,
    pub subject: String,
    pub customer: Value,
    pub tags: Vec<String>,
    /// Custom field id → value.
    pub fields: Vec<(u64, String)>,
    pub threads: Vec<Thread>,
}

#[derive(Default)]
struct State {
    next_id: u64,
    tokens: Vec<String>,
    token_grants: usize,
    conversations: Vec<Conversation>,
    /// Every create answers this (status, message) until cleared: an account problem.
    refuse_creates: Option<(u16, String)>,
}

pub struct HelpScout {
    state: Mutex<State>,
}

pub type FakeHelpScout = Server<HelpScout>;

fn answer(status: u16, body: Value) -> Answer {
    Answer::json(status, body)
}

fn error(status: u16, message: &str, errors: &[(&str, &str)]) -> Answer {
    let errors: Vec<Value> = errors
        .iter()
        .map(|(path, m)| json!({"path": path, "message": m, "source": "JSON"}))
        .collect();
    answer(
        status,
        json!({"logRef": "fake", "message": message, "_embedded": {"errors": errors}}),
    )
}

impl Vendor for HelpScout {
    fn handle(&self, r: &Request) -> Answer {
        self.route(r)
    }
    fn error(&self, status: u16, message: &str) -> Answer {
        error(status, message, &[])
    }
    fn retry_header(&self) -> &'static str {
        "X-RateLimit-Retry-After"
    }
}

impl super::Received for HelpScout {
    fn received(&self, reference: &str) -> Option<Instant> {
        let tag = format!("porthole-{}", reference.to_ascii_lowercase());
        self.conversations_tagged(&tag).first().map(|c| c.received)
    }
}

impl HelpScout {
    pub fn start(port: u16) -> FakeHelpScout {
        Server::start(
            "Help Scout",
            port,
            HelpScout {
                state: Mutex::new(State {
                    next_id: 1000,
                    ..State::default()
                }),
            },
        )
    }

    pub fn refuse_creates(&self, refusal: Option<(u16, &str)>) {
        self.state.lock().unwrap().refuse_creates = refusal.map(|(s, m)| (s, m.to_string()));
    }

    /// Invalidates every access token, as an expiry or a revoked app would.
    pub fn revoke_tokens(&self) {
        self.state.lock().unwrap().tokens.clear();
    }

    pub fn token_grants(&self) -> usize {
        self.state.lock().unwrap().token_grants
    }

    pub fn conversations_tagged(&self, tag: &str) -> Vec<Conversation> {
        self.state
            .lock()
            .unwrap()
            .conversations
            .iter()
            .filter(|c| c.tags.iter().any(|t| t == tag))
            .cloned()
            .collect()
    }

    pub fn conversation_count(&self) -> usize {
        self.state.lock().unwrap().conversations.len()
    }

    pub fn conversations(&self) -> Vec<Conversation> {
        self.state.lock().unwrap().conversations.clone()
    }

    fn route(&self, r: &Request) -> Answer {
        let segments: Vec<&str> = r.path.trim_start_matches('/').split('/').collect();
        if r.method == "POST" && r.path == "/v2/oauth2/token" {
            return self.grant(r);
        }
        if !self.authorized(r) {
            return answer(
                401,
                json!({"error": "invalid_token", "error_description": "Invalid or expired access token"}),
            );
        }
        match (r.method.as_str(), segments.as_slice()) {
            ("POST", ["v2", "conversations"]) => self.create(r),
            ("GET", ["v2", "conversations"]) => self.list(r),
            ("GET", ["v2", "conversations", id, "threads"]) => self.threads(id),
            ("POST", ["v2", "conversations", id, "threads", thread, "attachments"]) => {
                self.attach(r, id, thread)
            }
            ("POST", ["v2", "conversations", id, "customer"]) => self.customer_reply(r, id),
            _ => error(404, "Not found", &[]),
        }
    }

    fn authorized(&self, r: &Request) -> bool {
        let token = r
            .header("Authorization")
            .and_then(|h| h.strip_prefix("Bearer "))
            .unwrap_or("");
        self.state.lock().unwrap().tokens.iter().any(|t| t == token)
    }

    fn grant(&self, r: &Request) -> Answer {
        if !r
            .header("Content-Type")
            .unwrap_or("")
            .starts_with("application/x-www-form-urlencoded")
        {
            return answer(400, json!({"error": "invalid_request"}));
        }
        let form: Vec<(String, String)> = form_urlencoded(&String::from_utf8_lossy(&r.body));
        let get = |k: &str| {
            form.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        if get("grant_type") != Some("client_credentials")
            || get("client_id") != Some(CLIENT_ID)
            || get("client_secret") != Some(CLIENT_SECRET)
        {
            return answer(401, json!({"error": "invalid_client"}));
        }
        let mut s = self.state.lock().unwrap();
        s.token_grants += 1;
        let token = format!("token-{}", s.token_grants);
        s.tokens.push(token.clone());
        answer(
            200,
            json!({"token_type": "bearer", "access_token": token, "expires_in": 172800}),
        )
    }

    fn create(&self, r: &Request) -> Answer {
        if !r
            .header("Content-Type")
            .unwrap_or("")
            .starts_with("application/json")
        {
            return error(415, "Unsupported media type", &[]);
        }
        let Ok(body) = serde_json::from_slice::<Value>(&r.body) else {
            return error(400, "Malformed JSON", &[]);
        };
        if let Some((status, message)) = self.state.lock().unwrap().refuse_creates.clone() {
            return error(status, &message, &[]);
        }
        let mut problems = Vec::new();
        let text = |v: &Value| {
            v.as_str()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
        };
        if text(&body["subject"]).is_none() {
            problems.push(("subject", "may not be empty"));
        }
        if body["mailboxId"].as_u64() != Some(MAILBOX_ID) {
            problems.push(("mailboxId", "Invalid mailbox"));
        }
        if !matches!(body["type"].as_str(), Some("email" | "phone" | "chat")) {
            problems.push(("type", "must be one of email, phone, chat"));
        }
        if !matches!(
            body["status"].as_str(),
            Some("active" | "pending" | "closed")
        ) {
            problems.push(("status", "must be one of active, pending, closed"));
        }
        let email_ok = body["customer"]["email"]
            .as_str()
            .is_some_and(|e| e.contains('@'));
        if !email_ok {
            problems.push(("customer.email", "must be a valid email address"));
        }
        for name in ["firstName", "lastName"] {
            if body["customer"][name]
                .as_str()
                .is_some_and(|n| n.chars().count() > 40)
            {
                problems.push((
                    "customer",
                    "firstName and lastName are at most 40 characters",
                ));
            }
        }
        let threads = body["threads"].as_array().cloned().unwrap_or_default();
        if threads.is_empty() || threads.len() > 100 {
            problems.push(("threads", "must hold 1 to 100 threads"));
        }
        for t in &threads {
            if t["type"].as_str() == Some("customer")
                && (text(&t["text"]).is_none() || t["customer"]["email"].as_str().is_none())
            {
                problems.push((
                    "threads[].text",
                    "a customer thread needs text and customer",
                ));
            }
        }
        if body["tags"]
            .as_array()
            .is_some_and(|tags| tags.iter().any(|t| !t.is_string()))
        {
            problems.push(("tags", "must be strings"));
        }
        let fields: Vec<(u64, String)> = body["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| Some((f["id"].as_u64()?, f["value"].as_str()?.to_string())))
            .collect();
        if body["fields"]
            .as_array()
            .is_some_and(|f| f.len() != fields.len())
            || (!body["fields"].is_null() && !body["fields"].is_array())
        {
            problems.push((
                "fields",
                "each custom field needs a numeric id and a string value",
            ));
        }
        if !problems.is_empty() {
            return error(400, "Bad request", &problems);
        }
        let mut s = self.state.lock().unwrap();
        s.next_id += 1;
        let id = s.next_id;
        let threads = threads
            .iter()
            .map(|t| {
                s.next_id += 1;
                Thread {
                    id: s.next_id,
                    kind: t["type"].as_str().unwrap_or("").into(),
                    text: t["text"].as_str().unwrap_or("").into(),
                    attachments: Vec::new(),
                }
            })
            .collect();
        s.conversations.push(Conversation {
            id,
            received: Instant::now(),
            subject: body["subject"].as_str().unwrap_or("").into(),
            customer: body["customer"].clone(),
            tags: body["tags"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str().map(String::from))
                .collect(),
            fields,
            threads,
        });
        Answer::empty(
            201,
            vec![
                ("Resource-ID", id.to_string()),
                (
                    "Location",
                    format!("https://api.helpscout.net/v2/conversations/{id}"),
                ),
            ],
        )
    }

    fn list(&self, r: &Request) -> Answer {
        let query = form_urlencoded(&r.query);
        let get = |k: &str| {
            query
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        let s = self.state.lock().unwrap();
        let found: Vec<Value> = s
            .conversations
            .iter()
            .filter(|c| get("tag").is_none_or(|tag| c.tags.contains(&tag)))
            .filter(|_| get("mailbox").is_none_or(|m| m == MAILBOX_ID.to_string()))
            .map(|c| json!({"id": c.id, "number": c.id, "subject": c.subject, "mailboxId": MAILBOX_ID, "status": "active", "tags": c.tags.iter().map(|t| json!({"tag": t})).collect::<Vec<_>>()}))
            .collect();
        let total = found.len();
        answer(
            200,
            json!({"_embedded": {"conversations": found}, "page": {"size": 25, "totalElements": total, "totalPages": 1, "number": 1}}),
        )
    }

    fn threads(&self, id: &str) -> Answer {
        let s = self.state.lock().unwrap();
        let Some(c) = s.conversations.iter().find(|c| c.id.to_string() == id) else {
            return error(404, "Conversation not found", &[]);
        };
        // Newest first, as Help Scout lists them.
        let threads: Vec<Value> = c
            .threads
            .iter()
            .rev()
            .map(|t| {
                let attachments: Vec<Value> =
                    t.attachments.iter().map(|a| json!({"id": a.id, "filename": a.file_name, "mimeType": a.mime_type, "size": a.data.len()})).collect();
                json!({"id": t.id, "type": t.kind, "body": t.text, "_embedded": {"attachments": attachments}})
            })
            .collect();
        answer(200, json!({"_embedded": {"threads": threads}}))
    }

    /// A customer's reply to an existing conversation (reopens it): 201 with the thread's id.
    fn customer_reply(&self, r: &Request, id: &str) -> Answer {
        let Ok(body) = serde_json::from_slice::<Value>(&r.body) else {
            return error(400, "Malformed JSON", &[]);
        };
        if body["customer"]["email"]
            .as_str()
            .is_none_or(|e| !e.contains('@'))
            && body["customer"]["id"].as_u64().is_none()
        {
            return error(400, "Bad request", &[("customer", "needs an email or id")]);
        }
        let Some(text) = body["text"].as_str().filter(|t| !t.trim().is_empty()) else {
            return error(400, "Bad request", &[("text", "may not be empty")]);
        };
        let mut s = self.state.lock().unwrap();
        s.next_id += 1;
        let thread_id = s.next_id;
        let Some(c) = s.conversations.iter_mut().find(|c| c.id.to_string() == id) else {
            return error(404, "Conversation not found", &[]);
        };
        if c.threads.len() >= 100 {
            return error(412, "A conversation holds at most 100 threads", &[]);
        }
        c.threads.push(Thread {
            id: thread_id,
            kind: "customer".into(),
            text: text.into(),
            attachments: Vec::new(),
        });
        Answer::empty(201, vec![("Resource-ID", thread_id.to_string())])
    }

    fn attach(&self, r: &Request, id: &str, thread: &str) -> Answer {
        let Ok(body) = serde_json::from_slice::<Value>(&r.body) else {
            return error(400, "Malformed JSON", &[]);
        };
        let (Some(name), Some(mime), Some(data)) = (
            body["fileName"].as_str(),
            body["mimeType"].as_str(),
            body["data"].as_str(),
        ) else {
            return error(
                400,
                "Bad request",
                &[("fileName, mimeType, data", "are required")],
            );
        };
        let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(data) else {
            return error(400, "Bad request", &[("data", "must be base64")]);
        };
        if bytes.len() > MAX_ATTACHMENT {
            return error(413, "Attachment too large", &[]);
        }
        let mut s = self.state.lock().unwrap();
        s.next_id += 1;
        let attachment_id = s.next_id;
        let Some(c) = s.conversations.iter_mut().find(|c| c.id.to_string() == id) else {
            return error(404, "Conversation not found", &[]);
        };
        let Some(t) = c.threads.iter_mut().find(|t| t.id.to_string() == thread) else {
            return error(404, "Thread not found", &[]);
        };
        t.attachments.push(Attachment {
            id: attachment_id,
            file_name: name.into(),
            mime_type: mime.into(),
            data: bytes,
        });
        Answer::empty(201, vec![("Resource-ID", attachment_id.to_string())])
    }
}
