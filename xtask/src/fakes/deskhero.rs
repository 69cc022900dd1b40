//! A fake DeskHero for tests. The conversation route is as
//! documented: `POST /api/{tenant}/v{version}/ticket_conversations/{ticket_id}` takes an ARRAY of
//! entries, answers wrapped (`{"success", "message", "data"}`), 400 for bad input, 403 without the
//! credential. Ticket creation, upload and lookup are not public: the fake serves them where its
//! `Assumptions` say, as Porthole's configuration assumes, so a test can move them.

use super::server::{multipart, Answer, Request, Server, Vendor};
use serde_json::{json, Value};
use std::sync::Mutex;
use std::time::Instant;

pub const TENANT: &str = "acme";
pub const TOKEN: &str = "test-deskhero-token";
/// The secrets a test Worker has for DeskHero (the connector's default names), as (name, value).
pub const SECRETS: &[(&str, &str)] = &[("DESKHERO_API_TOKEN", TOKEN)];

#[derive(Clone)]
pub struct Assumptions {
    /// Full paths, tenant and version filled in.
    pub create_ticket_path: String,
    pub upload_path: String,
    pub upload_field: String,
    /// A GET answering `{"data": [tickets]}` for the tickets whose subject holds `?q=`.
    pub find_ticket_path: Option<String>,
    /// Other body and answer shapes: a ticket is `{"ticket": {"title", "contact": {"email",
    /// "name"}}}` answered `{"data": {"ticket_id"}}`, an upload is answered `{"data": {"file":
    /// {"id"}}}`.
    pub other_shapes: bool,
}

impl Default for Assumptions {
    fn default() -> Self {
        Assumptions {
            create_ticket_path: format!("/api/{TENANT}/v1/tickets"),
            upload_path: format!("/api/{TENANT}/v1/attachments"),
            upload_field: "file".into(),
            find_ticket_path: None,
            other_shapes: false,
        }
    }
}

impl Assumptions {
    /// What the test configuration's `deskhero-moved` site is configured for: other routes, other
    /// shapes, and a ticket lookup.
    pub fn moved() -> Self {
        Assumptions {
            create_ticket_path: format!("/api/{TENANT}/v1/helpdesk/tickets"),
            upload_path: format!("/api/{TENANT}/v1/files"),
            upload_field: "upload".into(),
            find_ticket_path: Some(format!("/api/{TENANT}/v1/helpdesk/tickets/search")),
            other_shapes: true,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Attachment {
    pub id: u64,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub id: u64,
    pub received: Instant,
    pub kind: u64,
    pub requester: Value,
    pub email_addresses: Value,
    pub html: String,
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Clone)]
pub struct Ticket {
    pub id: u64,
    pub received: Instant,
    pub subject: String,
    pub requester: Value,
    pub entries: Vec<Entry>,
}

#[derive(Default)]
struct State {
    next: u64,
    attachments: Vec<Attachment>,
    tickets: Vec<Ticket>,
}

pub struct DeskHero {
    assumptions: Assumptions,
    state: Mutex<State>,
}

pub type FakeDeskHero = Server<DeskHero>;

fn wrap(data: Value) -> Answer {
    Answer::json(200, json!({"success": true, "message": null, "data": data}))
}

fn error(status: u16, message: &str) -> Answer {
    Answer::json(
        status,
        json!({"success": false, "message": message, "data": null}),
    )
}

impl Vendor for DeskHero {
    fn handle(&self, r: &Request) -> Answer {
        if r.header("Authorization") != Some(&format!("Bearer {TOKEN}")) {
            return error(403, "Forbidden");
        }
        let a = &self.assumptions;
        let conversations = format!("/api/{TENANT}/v1/ticket_conversations/");
        match r.method.as_str() {
            "POST" if r.path == a.create_ticket_path => self.create_ticket(r),
            "POST" if r.path == a.upload_path => self.upload(r),
            "GET" if Some(&r.path) == a.find_ticket_path.as_ref() => self.find(r),
            "POST" if r.path.starts_with(&conversations) => {
                self.add_entries(r, &r.path[conversations.len()..])
            }
            "GET" if r.path.starts_with(&conversations) => {
                self.entries(&r.path[conversations.len()..])
            }
            _ => error(404, "Not found"),
        }
    }

    fn error(&self, status: u16, message: &str) -> Answer {
        error(status, message)
    }
}

impl super::Received for DeskHero {
    /// The visitor's message is an entry on the ticket.
    fn received(&self, reference: &str) -> Option<Instant> {
        self.tickets_with(reference)
            .first()
            .and_then(|t| t.entries.first())
            .map(|e| e.received)
    }
}

impl DeskHero {
    pub fn start(port: u16, assumptions: Assumptions) -> FakeDeskHero {
        Server::start(
            "DeskHero",
            port,
            DeskHero {
                assumptions,
                state: Mutex::new(State {
                    next: 500,
                    ..State::default()
                }),
            },
        )
    }

    pub fn tickets_with(&self, reference: &str) -> Vec<Ticket> {
        self.state
            .lock()
            .unwrap()
            .tickets
            .iter()
            .filter(|t| t.subject.contains(reference))
            .cloned()
            .collect()
    }

    fn array(r: &Request) -> Result<Vec<Value>, Answer> {
        if !r
            .header("Content-Type")
            .unwrap_or("")
            .starts_with("application/json")
        {
            return Err(error(400, "Content-Type must be application/json"));
        }
        match serde_json::from_slice::<Value>(&r.body) {
            Ok(Value::Array(items)) if !items.is_empty() => Ok(items),
            _ => Err(error(400, "The body must be a non-empty JSON array")),
        }
    }

    fn create_ticket(&self, r: &Request) -> Answer {
        let (subject, requester) = if self.assumptions.other_shapes {
            let Ok(v) = serde_json::from_slice::<Value>(&r.body) else {
                return error(400, "Malformed JSON");
            };
            (v["ticket"]["title"].clone(), v["ticket"]["contact"].clone())
        } else {
            match Self::array(r) {
                Ok(items) => (items[0]["subject"].clone(), items[0]["requester"].clone()),
                Err(a) => return a,
            }
        };
        let Some(subject) = subject.as_str().filter(|s| !s.trim().is_empty()) else {
            return error(400, "subject is required");
        };
        if requester["email"].as_str().is_none_or(|e| !e.contains('@')) {
            return error(400, "requester.email must be an email address");
        }
        let mut s = self.state.lock().unwrap();
        s.next += 1;
        let ticket = Ticket {
            id: s.next,
            received: Instant::now(),
            subject: subject.into(),
            requester,
            entries: Vec::new(),
        };
        let answer = if self.assumptions.other_shapes {
            json!({"ticket_id": ticket.id})
        } else {
            json!([{"id": ticket.id, "subject": ticket.subject}])
        };
        s.tickets.push(ticket);
        wrap(answer)
    }

    fn upload(&self, r: &Request) -> Answer {
        let Some(parts) = multipart(r.header("Content-Type").unwrap_or(""), &r.body) else {
            return error(400, "Expected multipart/form-data");
        };
        let Some(part) = parts
            .into_iter()
            .find(|p| p.name == self.assumptions.upload_field && p.filename.is_some())
        else {
            return error(
                400,
                &format!("No file in field `{}`", self.assumptions.upload_field),
            );
        };
        let mut s = self.state.lock().unwrap();
        s.next += 1;
        let attachment = Attachment {
            id: s.next,
            file_name: part.filename.unwrap_or_default(),
            bytes: part.data,
        };
        // Processed later: UNAVAILABLE (1) at first.
        let answer = if self.assumptions.other_shapes {
            json!({"file": {"id": attachment.id, "status": 1}})
        } else {
            json!([{"id": attachment.id, "label": attachment.file_name, "status": 1, "size_kb": attachment.bytes.len() / 1024}])
        };
        s.attachments.push(attachment);
        wrap(answer)
    }

    fn find(&self, r: &Request) -> Answer {
        let q = r.param("q").unwrap_or_default();
        if q.is_empty() {
            return error(400, "q is required");
        }
        let s = self.state.lock().unwrap();
        wrap(json!(s
            .tickets
            .iter()
            .filter(|t| t.subject.contains(&q))
            .map(|t| json!({"id": t.id, "subject": t.subject}))
            .collect::<Vec<_>>()))
    }

    fn add_entries(&self, r: &Request, ticket: &str) -> Answer {
        let items = match Self::array(r) {
            Ok(i) => i,
            Err(a) => return a,
        };
        let mut s = self.state.lock().unwrap();
        if !s.tickets.iter().any(|t| t.id.to_string() == ticket) {
            return error(400, "Unknown ticket_id");
        }
        let mut entries = Vec::new();
        for item in &items {
            let kind = item["type"].as_u64().unwrap_or(0);
            if !(1..=6).contains(&kind) {
                return error(400, "type must be a ticket_conversation_type");
            }
            if kind == 1
                && item["requester"]["email"]
                    .as_str()
                    .is_none_or(|e| !e.contains('@'))
            {
                return error(400, "an inbound reply needs its requester");
            }
            let from = item["email_addresses"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|a| {
                    a["direction"] == 1 && a["email"].as_str().is_some_and(|e| e.contains('@'))
                });
            if kind == 1 && !from {
                return error(400, "an inbound reply needs a FROM email address");
            }
            let Some(html) = item["sys_content_rich"]["html"]
                .as_str()
                .filter(|h| !h.trim().is_empty())
            else {
                return error(400, "sys_content_rich.html is required");
            };
            let mut attachments = Vec::new();
            for a in item["sys_attachments"].as_array().into_iter().flatten() {
                match s
                    .attachments
                    .iter()
                    .find(|x| Some(x.id) == a["id"].as_u64())
                {
                    Some(found) => attachments.push(found.clone()),
                    None => return error(400, &format!("Unknown attachment {}", a["id"])),
                }
            }
            s.next += 1;
            entries.push(Entry {
                id: s.next,
                received: Instant::now(),
                kind,
                requester: item["requester"].clone(),
                email_addresses: item["email_addresses"].clone(),
                html: html.into(),
                attachments,
            });
        }
        let answer: Vec<Value> = entries.iter().map(entry_json).collect();
        s.tickets
            .iter_mut()
            .find(|t| t.id.to_string() == ticket)
            .expect("checked")
            .entries
            .extend(entries);
        wrap(json!(answer))
    }

    fn entries(&self, ticket: &str) -> Answer {
        let s = self.state.lock().unwrap();
        let Some(t) = s.tickets.iter().find(|t| t.id.to_string() == ticket) else {
            return error(400, "Unknown ticket_id");
        };
        wrap(json!(t.entries.iter().map(entry_json).collect::<Vec<_>>()))
    }
}

fn entry_json(e: &Entry) -> Value {
    json!({"id": e.id, "type": e.kind, "requester": e.requester, "sys_content_rich": {"html": e.html},
           "sys_attachments": e.attachments.iter().map(|a| json!({"id": a.id, "status": 2})).collect::<Vec<_>>()})
}
