//! A fake Re:amaze for tests (<https://www.reamaze.com/api>): Basic auth with a staff login
//! email and API token, `Accept: application/json`, conversations created on behalf of a customer
//! in a known channel (422 with a JSON explanation otherwise), messages deduplicated by
//! `origin_id`, and attachments given as one URL per message, which the fake downloads at once
//! the way Re:amaze does, keeping the bytes and how the download went.

use super::server::{Answer, Request, Server, Vendor};
use serde_json::{json, Value};
use std::io::Read;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const LOGIN_EMAIL: &str = "staff@acme.example";
pub const API_TOKEN: &str = "test-reamaze-token";
/// The secrets a test Worker has for Re:amaze (the connector's default names), as (name, value).
pub const SECRETS: &[(&str, &str)] = &[
    ("REAMAZE_LOGIN_EMAIL", LOGIN_EMAIL),
    ("REAMAZE_API_TOKEN", API_TOKEN),
];
pub const CHANNEL: &str = "support";

#[derive(Debug, Clone)]
pub struct Fetched {
    pub url: String,
    /// The answer's status, or 0 when nothing answered.
    pub status: u16,
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct Message {
    pub body: String,
    pub user: Value,
    pub origin_id: Option<String>,
    pub attachment: Option<Fetched>,
}

#[derive(Debug, Clone)]
pub struct Conversation {
    pub slug: String,
    pub received: Instant,
    pub subject: String,
    pub category: String,
    pub tags: Vec<String>,
    pub data: Value,
    pub user: Value,
    pub messages: Vec<Message>,
}

#[derive(Default)]
struct State {
    next: u64,
    conversations: Vec<Conversation>,
    refuse_creates: Option<(u16, String)>,
    /// Re:amaze documents `origin_id` as helping it drop duplicates; off, it keeps them, to show
    /// Porthole does not depend on it.
    keep_repeated_origins: bool,
}

pub struct Reamaze {
    state: Mutex<State>,
}

pub type FakeReamaze = Server<Reamaze>;

fn errors(status: u16, field: &str, problem: &str) -> Answer {
    Answer::json(status, json!({"errors": {field: [problem]}}))
}

impl Vendor for Reamaze {
    fn handle(&self, r: &Request) -> Answer {
        match r.basic_auth() {
            Some((login, token)) if login == LOGIN_EMAIL && token == API_TOKEN => {}
            _ => return Answer::json(401, json!({"error": "Invalid login credentials"})),
        }
        if r.header("Accept")
            .is_none_or(|a| !a.contains("application/json"))
        {
            return Answer::json(406, json!({"error": "Send Accept: application/json"}));
        }
        match (r.method.as_str(), r.segments().as_slice()) {
            ("POST", ["api", "v1", "conversations"]) => self.create(r),
            ("GET", ["api", "v1", "conversations"]) => self.list(r),
            ("POST", ["api", "v1", "conversations", slug, "messages"]) => self.add_message(r, slug),
            ("GET", ["api", "v1", "conversations", slug, "messages"]) => self.messages(slug),
            _ => Answer::json(404, json!({"error": "Not found"})),
        }
    }

    fn error(&self, status: u16, message: &str) -> Answer {
        Answer::json(status, json!({"error": message}))
    }
}

impl super::Received for Reamaze {
    fn received(&self, reference: &str) -> Option<Instant> {
        let tag = format!("porthole-{}", reference.to_ascii_lowercase());
        self.conversations_tagged(&tag).first().map(|c| c.received)
    }
}

impl Reamaze {
    pub fn start(port: u16) -> FakeReamaze {
        Server::start(
            "Re:amaze",
            port,
            Reamaze {
                state: Mutex::new(State {
                    next: 100,
                    ..State::default()
                }),
            },
        )
    }

    pub fn conversations(&self) -> Vec<Conversation> {
        self.state.lock().unwrap().conversations.clone()
    }

    pub fn conversations_tagged(&self, tag: &str) -> Vec<Conversation> {
        self.conversations()
            .into_iter()
            .filter(|c| c.tags.iter().any(|t| t == tag))
            .collect()
    }

    pub fn keep_repeated_origins(&self, keep: bool) {
        self.state.lock().unwrap().keep_repeated_origins = keep;
    }

    pub fn refuse_creates(&self, refusal: Option<(u16, &str)>) {
        self.state.lock().unwrap().refuse_creates = refusal.map(|(s, m)| (s, m.to_string()));
    }

    fn body(r: &Request, root: &str) -> Result<Value, Answer> {
        if !r
            .header("Content-Type")
            .unwrap_or("")
            .starts_with("application/json")
        {
            return Err(Answer::json(
                415,
                json!({"error": "Content-Type must be application/json"}),
            ));
        }
        let v: Value = serde_json::from_slice(&r.body)
            .map_err(|_| Answer::json(400, json!({"error": "Malformed JSON"})))?;
        if !v[root].is_object() {
            return Err(errors(422, root, "is required"));
        }
        Ok(v[root].clone())
    }

    fn create(&self, r: &Request) -> Answer {
        let c = match Self::body(r, "conversation") {
            Ok(c) => c,
            Err(a) => return a,
        };
        if let Some((status, message)) = self.state.lock().unwrap().refuse_creates.clone() {
            return Answer::json(status, json!({"error": message}));
        }
        if c["category"].as_str() != Some(CHANNEL) {
            return errors(422, "category", "is not a channel of this brand");
        }
        if let Some(problem) = user_problem(&c["user"]) {
            return errors(422, "user", problem);
        }
        if c["message"]["body"]
            .as_str()
            .is_none_or(|b| b.trim().is_empty())
        {
            return errors(422, "message.body", "can't be blank");
        }
        if !c["tag_list"].is_null()
            && !c["tag_list"]
                .as_array()
                .is_some_and(|t| t.iter().all(Value::is_string))
        {
            return errors(422, "tag_list", "must be a list of strings");
        }
        if !c["data"].is_null()
            && !c["data"]
                .as_object()
                .is_some_and(|d| d.values().all(Value::is_string))
        {
            return errors(422, "data", "must map names to strings");
        }
        let message = match message_from(&c["message"], c["user"].clone()) {
            Ok(m) => m,
            Err(a) => return a,
        };
        let mut s = self.state.lock().unwrap();
        s.next += 1;
        let slug = format!(
            "{}-{}",
            slugify(c["subject"].as_str().unwrap_or("conversation")),
            s.next
        );
        let conversation = Conversation {
            slug: slug.clone(),
            received: Instant::now(),
            subject: c["subject"].as_str().unwrap_or("").into(),
            category: CHANNEL.into(),
            tags: c["tag_list"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str().map(String::from))
                .collect(),
            data: c["data"].clone(),
            user: c["user"].clone(),
            messages: vec![message],
        };
        let answer = conversation_json(&conversation);
        s.conversations.push(conversation);
        Answer::json(201, answer)
    }

    fn list(&self, r: &Request) -> Answer {
        let (tag, email) = (r.param("tag"), r.param("for"));
        let s = self.state.lock().unwrap();
        let found: Vec<Value> = s
            .conversations
            .iter()
            .filter(|c| tag.as_ref().is_none_or(|t| c.tags.contains(t)))
            .filter(|c| {
                email
                    .as_ref()
                    .is_none_or(|e| c.user["email"].as_str() == Some(e))
            })
            .map(conversation_json)
            .collect();
        Answer::json(
            200,
            json!({"page_size": 30, "page_count": 1, "total_count": found.len(), "conversations": found}),
        )
    }

    /// Newest first, 30 a page (one page is enough for a test).
    fn messages(&self, slug: &str) -> Answer {
        let s = self.state.lock().unwrap();
        let Some(c) = s.conversations.iter().find(|c| c.slug == slug) else {
            return Answer::json(404, json!({"error": "Conversation not found"}));
        };
        let messages: Vec<Value> = c.messages.iter().rev().map(|m| json!({"body": m.body, "origin_id": m.origin_id, "user": m.user, "visibility": 0})).collect();
        Answer::json(
            200,
            json!({"page_size": 30, "page_count": 1, "total_count": messages.len(), "messages": messages}),
        )
    }

    fn add_message(&self, r: &Request, slug: &str) -> Answer {
        let m = match Self::body(r, "message") {
            Ok(m) => m,
            Err(a) => return a,
        };
        if m["body"].as_str().is_none_or(|b| b.trim().is_empty()) {
            return errors(422, "body", "can't be blank");
        }
        if let Some(problem) = m.get("user").and_then(user_problem) {
            return errors(422, "user", problem);
        }
        let origin_id = m["origin_id"].as_str().map(String::from);
        {
            let s = self.state.lock().unwrap();
            let Some(c) = s.conversations.iter().find(|c| c.slug == slug) else {
                return Answer::json(404, json!({"error": "Conversation not found"}));
            };
            // Re:amaze drops a message whose origin id it has seen: the same answer, nothing added.
            if let Some(seen) = c.messages.iter().find(|x| {
                origin_id.is_some() && x.origin_id == origin_id && !s.keep_repeated_origins
            }) {
                return Answer::json(200, json!({"body": seen.body, "origin_id": seen.origin_id}));
            }
        }
        // Downloaded without holding the lock: the file comes from the Worker, which may be busy.
        let message = match message_from(&m, m["user"].clone()) {
            Ok(m) => m,
            Err(a) => return a,
        };
        let mut s = self.state.lock().unwrap();
        let keep = s.keep_repeated_origins;
        let Some(c) = s.conversations.iter_mut().find(|c| c.slug == slug) else {
            return Answer::json(404, json!({"error": "Conversation not found"}));
        };
        if c.messages
            .iter()
            .any(|x| origin_id.is_some() && x.origin_id == origin_id)
            && !keep
        {
            return Answer::json(200, json!({"body": message.body, "origin_id": origin_id}));
        }
        let answer = json!({"body": message.body, "origin_id": origin_id, "created_at": "2026-11-22T00:00:00Z"});
        c.messages.push(message);
        Answer::json(201, answer)
    }
}

fn user_problem(user: &Value) -> Option<&'static str> {
    if !user["email"].as_str().is_some_and(|e| e.contains('@')) {
        Some("email is invalid")
    } else if user["name"].as_str().is_none_or(|n| n.trim().is_empty()) {
        Some("name can't be blank")
    } else {
        None
    }
}

fn message_from(m: &Value, user: Value) -> Result<Message, Answer> {
    let attachment = match &m["attachment"] {
        Value::Null => None,
        Value::String(url) => Some(fetch(url)),
        _ => return Err(errors(422, "attachment", "must be one URL")),
    };
    Ok(Message {
        body: m["body"].as_str().unwrap_or("").into(),
        user,
        origin_id: m["origin_id"].as_str().map(String::from),
        attachment,
    })
}

/// What Re:amaze does with an attachment URL: download it.
fn fetch(url: &str) -> Fetched {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(20))
        .build();
    let (status, response) = match agent.get(url).call() {
        Ok(r) => (r.status(), Some(r)),
        Err(ureq::Error::Status(status, _)) => (status, None),
        Err(_) => (0, None),
    };
    let mut bytes = Vec::new();
    let mut file_name = None;
    if let Some(r) = response {
        file_name = r
            .header("Content-Disposition")
            .and_then(|d| d.split("filename=\"").nth(1))
            .and_then(|n| n.split('"').next())
            .map(String::from);
        let _ = r.into_reader().read_to_end(&mut bytes);
    }
    Fetched {
        url: url.to_string(),
        status,
        file_name,
        bytes,
    }
}

fn slugify(s: &str) -> String {
    let slug: String = s
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    slug.split('-')
        .filter(|p| !p.is_empty())
        .take(6)
        .collect::<Vec<_>>()
        .join("-")
}

fn conversation_json(c: &Conversation) -> Value {
    json!({
        "slug": c.slug, "subject": c.subject, "status": 0, "tag_list": c.tags, "data": c.data,
        "category": {"slug": c.category, "channel": 1}, "author": c.user,
        "message": {"body": c.messages.first().map(|m| m.body.clone())},
    })
}
