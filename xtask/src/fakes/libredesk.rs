//! A fake Libredesk for tests, with the rules read from its source
//! (<https://github.com/abhinavxd/libredesk>): Basic `key:secret` (or `token key:secret`) auth, the `{status, message, data,
//! error_type}` envelope, one media upload per request (field `files`, 400 when empty, 413 over the
//! limit), conversation creation validated exactly as `validateCreateConversationRequest` does,
//! media already linked to a conversation silently skipped, unknown custom attributes dropped, a
//! message search, and messages from the contact on an existing conversation.

use super::server::{multipart, Answer, Request, Server, Vendor};
use serde_json::{json, Value};
use std::sync::Mutex;
use std::time::Instant;

pub const API_KEY: &str = "test-libredesk-key";
pub const API_SECRET: &str = "test-libredesk-secret";
/// The secrets a test Worker has for Libredesk (the connector's default names), as (name, value).
pub const SECRETS: &[(&str, &str)] = &[
    ("LIBREDESK_API_KEY", API_KEY),
    ("LIBREDESK_API_SECRET", API_SECRET),
];
pub const INBOX_ID: u64 = 3;
/// Libredesk's default `app.max_file_upload_size`.
pub const MAX_UPLOAD: usize = 20 * 1024 * 1024;
/// The conversation custom attributes this Libredesk defines.
pub const ATTRIBUTES: &[&str] = &["order_id"];

#[derive(Debug, Clone)]
pub struct Media {
    pub id: u64,
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    /// The conversation it was linked to.
    pub linked: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Message {
    pub uuid: String,
    pub sender_type: String,
    pub content: String,
    /// Ids of the media linked to this message.
    pub media: Vec<u64>,
}

#[derive(Debug, Clone)]
pub struct Conversation {
    pub uuid: String,
    pub reference_number: String,
    pub received: Instant,
    pub subject: String,
    pub contact_email: String,
    pub first_name: String,
    pub last_name: String,
    pub custom_attributes: Value,
    pub messages: Vec<Message>,
}

#[derive(Default)]
struct State {
    next: u64,
    media: Vec<Media>,
    conversations: Vec<Conversation>,
    refuse_creates: Option<(u16, String)>,
}

pub struct Libredesk {
    state: Mutex<State>,
}

pub type FakeLibredesk = Server<Libredesk>;

fn success(data: Value) -> Answer {
    Answer::json(
        200,
        json!({"status": "success", "message": null, "data": data}),
    )
}

fn failure(status: u16, message: &str, error_type: &str) -> Answer {
    Answer::json(
        status,
        json!({"status": "error", "message": message, "data": null, "error_type": error_type}),
    )
}

fn input(message: &str) -> Answer {
    failure(400, message, "InputException")
}

impl Vendor for Libredesk {
    fn handle(&self, r: &Request) -> Answer {
        let credentials = r.basic_auth().or_else(|| {
            r.header("Authorization")?
                .strip_prefix("token ")?
                .split_once(':')
                .map(|(k, s)| (k.to_string(), s.to_string()))
        });
        match credentials {
            Some((key, secret)) if key == API_KEY && secret == API_SECRET => {}
            Some(_) => return failure(401, "Invalid Credential(s)", "GeneralException"),
            // No API key: the request falls through to session auth, which a POST fails on CSRF.
            None if r.method == "GET" => {
                return failure(401, "Invalid or expired session", "GeneralException")
            }
            None => return failure(403, "CSRF token mismatch", "PermissionException"),
        }
        match (r.method.as_str(), r.segments().as_slice()) {
            ("POST", ["api", "v1", "media"]) => self.upload(r),
            ("POST", ["api", "v1", "conversations"]) => self.create(r),
            ("GET", ["api", "v1", "messages", "search"]) => self.search(r),
            ("GET", ["api", "v1", "conversations", uuid, "messages"]) => self.messages(uuid),
            ("POST", ["api", "v1", "conversations", uuid, "messages"]) => {
                self.send_message(r, uuid)
            }
            _ => failure(404, "Not found", "NotFoundException"),
        }
    }

    fn error(&self, status: u16, message: &str) -> Answer {
        failure(status, message, "GeneralException")
    }
}

impl super::Received for Libredesk {
    fn received(&self, reference: &str) -> Option<Instant> {
        self.conversations_with(reference)
            .first()
            .map(|c| c.received)
    }
}

impl Libredesk {
    pub fn start(port: u16) -> FakeLibredesk {
        Server::start(
            "Libredesk",
            port,
            Libredesk {
                state: Mutex::new(State {
                    next: 50,
                    ..State::default()
                }),
            },
        )
    }

    pub fn conversations(&self) -> Vec<Conversation> {
        self.state.lock().unwrap().conversations.clone()
    }

    /// The conversations whose first message carries `reference`.
    pub fn conversations_with(&self, reference: &str) -> Vec<Conversation> {
        self.conversations()
            .into_iter()
            .filter(|c| {
                c.messages
                    .first()
                    .is_some_and(|m| text_content(&m.content).contains(reference))
            })
            .collect()
    }

    pub fn media(&self, id: u64) -> Option<Media> {
        self.state
            .lock()
            .unwrap()
            .media
            .iter()
            .find(|m| m.id == id)
            .cloned()
    }

    pub fn media_count(&self) -> usize {
        self.state.lock().unwrap().media.len()
    }

    pub fn refuse_creates(&self, refusal: Option<(u16, &str)>) {
        self.state.lock().unwrap().refuse_creates = refusal.map(|(s, m)| (s, m.to_string()));
    }

    fn upload(&self, r: &Request) -> Answer {
        let Some(parts) = multipart(r.header("Content-Type").unwrap_or(""), &r.body) else {
            return failure(500, "Error parsing request", "GeneralException");
        };
        // Only the first file of a request is used.
        let Some(part) = parts
            .into_iter()
            .find(|p| p.name == "files" && p.filename.is_some())
        else {
            return input("File not found");
        };
        let (filename, content_type, bytes) = (part.filename, part.content_type, part.data);
        if bytes.is_empty() {
            return input("This file is 0 bytes, so it will not be attached.");
        }
        if bytes.len() > MAX_UPLOAD {
            return failure(
                413,
                "File size too large, please upload a file less than 20MB ",
                "GeneralException",
            );
        }
        let mut s = self.state.lock().unwrap();
        s.next += 1;
        let media = Media {
            id: s.next,
            filename: filename.unwrap_or_default(),
            content_type: content_type.unwrap_or_else(|| "application/octet-stream".into()),
            bytes,
            linked: None,
        };
        let answer = json!({"id": media.id, "uuid": format!("media-{}", media.id), "filename": media.filename, "content_type": media.content_type,
                            "size": media.bytes.len(), "url": format!("/uploads/media-{}", media.id)});
        s.media.push(media);
        success(answer)
    }

    fn json_body(r: &Request) -> Result<Value, Answer> {
        serde_json::from_slice(&r.body).map_err(|_| input("Error parsing request"))
    }

    /// `validateCreateConversationRequest`, in its order.
    fn create(&self, r: &Request) -> Answer {
        let body = match Self::json_body(r) {
            Ok(b) => b,
            Err(a) => return a,
        };
        if let Some((status, message)) = self.state.lock().unwrap().refuse_creates.clone() {
            return failure(status, &message, "InputException");
        }
        let text = |k: &str| body[k].as_str().unwrap_or("").trim().to_string();
        let email = text("contact_email").to_lowercase();
        if body["inbox_id"].as_i64().unwrap_or(0) <= 0 {
            return input("`inbox_id` Required");
        }
        if text("content").is_empty() {
            return input("`content` Required");
        }
        if email.is_empty() {
            return input("`contact_email` Required");
        }
        if text("first_name").is_empty() {
            return input("`first_name` Required");
        }
        if !valid_email(&email) {
            return input("Invalid `contact_email`");
        }
        if !matches!(body["initiator"].as_str(), Some("contact" | "agent")) {
            return input("Something went wrong");
        }
        if body["inbox_id"].as_u64() != Some(INBOX_ID) {
            return input("Inbox not found");
        }
        let wanted: Vec<u64> = body["attachments"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_u64)
            .collect();
        let mut attributes = body["custom_attributes"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        attributes.retain(|k, _| ATTRIBUTES.contains(&k.as_str()));

        let mut s = self.state.lock().unwrap();
        s.next += 1;
        let uuid = format!("7d692b95-73dc-4f53-9343-{:012}", s.next);
        let reference_number = (s.next + 100).to_string();
        let media = link_media(&mut s.media, &wanted, &uuid);
        s.next += 1;
        let message = Message {
            uuid: format!("msg-{}", s.next),
            sender_type: "contact".into(),
            content: text("content"),
            media,
        };
        let conversation = Conversation {
            uuid: uuid.clone(),
            reference_number: reference_number.clone(),
            received: Instant::now(),
            subject: text("subject"),
            contact_email: email.clone(),
            first_name: text("first_name"),
            last_name: text("last_name"),
            custom_attributes: Value::Object(attributes.clone()),
            messages: vec![message],
        };
        s.conversations.push(conversation);
        success(
            json!({"id": s.next, "uuid": uuid, "reference_number": reference_number, "inbox_id": INBOX_ID, "status": "Open",
                       "subject": text("subject"), "custom_attributes": attributes, "contact": {"email": email, "first_name": text("first_name")}}),
        )
    }

    fn search(&self, r: &Request) -> Answer {
        let query = r.param("query").unwrap_or_default();
        if query.trim().chars().count() < 3 {
            return input("Query must be at least 3 characters");
        }
        let needle = query.to_lowercase();
        let s = self.state.lock().unwrap();
        let found: Vec<Value> = s
            .conversations
            .iter()
            .flat_map(|c| c.messages.iter().map(move |m| (c, m)))
            .filter(|(_, m)| text_content(&m.content).to_lowercase().contains(&needle))
            .map(|(c, m)| json!({"uuid": m.uuid, "text_content": text_content(&m.content), "conversation_uuid": c.uuid, "conversation_reference_number": c.reference_number}))
            .collect();
        success(json!(found))
    }

    fn messages(&self, uuid: &str) -> Answer {
        let s = self.state.lock().unwrap();
        let Some(c) = s.conversations.iter().find(|c| c.uuid == uuid) else {
            return failure(404, "Conversation not found", "NotFoundException");
        };
        let results: Vec<Value> = c
            .messages
            .iter()
            .rev()
            .map(|m| json!({"uuid": m.uuid, "sender_type": m.sender_type, "content": m.content, "text_content": text_content(&m.content), "private": false}))
            .collect();
        success(
            json!({"results": results, "total": c.messages.len(), "per_page": 100, "total_pages": 1, "page": 1}),
        )
    }

    fn send_message(&self, r: &Request, uuid: &str) -> Answer {
        let body = match Self::json_body(r) {
            Ok(b) => b,
            Err(a) => return a,
        };
        let sender = body["sender_type"].as_str().unwrap_or("agent").to_string();
        if !matches!(sender.as_str(), "agent" | "contact") {
            return input("Invalid `sender_type`");
        }
        if sender == "contact" && body["private"].as_bool() == Some(true) {
            return input("Bad request");
        }
        let wanted: Vec<u64> = body["attachments"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_u64)
            .collect();
        let mut s = self.state.lock().unwrap();
        if !s.conversations.iter().any(|c| c.uuid == uuid) {
            return failure(404, "Conversation not found", "NotFoundException");
        }
        let media = link_media(&mut s.media, &wanted, uuid);
        s.next += 1;
        let message = Message {
            uuid: format!("msg-{}", s.next),
            sender_type: sender.clone(),
            content: body["message"].as_str().unwrap_or("").into(),
            media,
        };
        let answer = json!({"uuid": message.uuid, "sender_type": sender, "conversation_uuid": uuid, "content": message.content});
        s.conversations
            .iter_mut()
            .find(|c| c.uuid == uuid)
            .expect("checked above")
            .messages
            .push(message);
        success(answer)
    }
}

/// Links unlinked media to the conversation; media already linked is silently skipped.
fn link_media(media: &mut [Media], wanted: &[u64], conversation: &str) -> Vec<u64> {
    let mut linked = Vec::new();
    for m in media
        .iter_mut()
        .filter(|m| wanted.contains(&m.id) && m.linked.is_none())
    {
        m.linked = Some(conversation.to_string());
        linked.push(m.id);
    }
    linked
}

fn valid_email(email: &str) -> bool {
    email.split_once('@').is_some_and(|(user, domain)| {
        !user.is_empty() && domain.contains('.') && !email.contains(char::is_whitespace)
    })
}

/// The message's text as Libredesk indexes it: tags dropped, entities decoded.
pub fn text_content(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}
