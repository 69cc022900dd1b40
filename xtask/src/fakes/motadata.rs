//! A fake Motadata ServiceOps for tests, from its REST API's documented behaviour: API key
//! (`Authorization: Apikey <url-encoded key>`) or OAuth password-grant bearer tokens, requesters
//! (a second create of the same email is refused), the Upload Attachment API at the path and field
//! it is started with (the parts Porthole's configuration assumes), requests referring to uploaded
//! files by `refFileName`, the qualification search, and conversations on a request.

use super::server::{form_urlencoded, multipart, Answer, Request, Server, Vendor};
use serde_json::{json, Value};
use std::sync::Mutex;
use std::time::Instant;

/// Has characters that must be URL-encoded in the header, as real keys do.
pub const API_KEY: &str = "cnvw@RxLd+hBMk/tQ4=";
pub const CLIENT_ID: &str = "porthole-client";
pub const CLIENT_SECRET: &str = "porthole-client-secret";
pub const USERNAME: &str = "porthole.technician";
pub const PASSWORD: &str = "technician-password";
/// The secrets a test Worker has for Motadata ServiceOps, API key and OAuth (the connector's
/// default names), as (name, value).
pub const SECRETS: &[(&str, &str)] = &[
    ("MOTADATA_API_KEY", API_KEY),
    ("MOTADATA_CLIENT_ID", CLIENT_ID),
    ("MOTADATA_CLIENT_SECRET", CLIENT_SECRET),
    ("MOTADATA_USERNAME", USERNAME),
    ("MOTADATA_PASSWORD", PASSWORD),
];

/// What this ServiceOps is assumed to look like: where files are uploaded, under which field.
#[derive(Clone)]
pub struct Assumptions {
    pub upload_path: String,
    pub upload_field: String,
    pub search_path: String,
}

impl Default for Assumptions {
    fn default() -> Self {
        Assumptions {
            upload_path: "/api/v1/attachment".into(),
            upload_field: "file".into(),
            search_path: "/api/v1/request/search/byqual".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct File {
    pub ref_file_name: String,
    pub real_name: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct Conversation {
    pub id: u64,
    pub conversation_type: String,
    pub details: String,
    pub state: String,
    pub files: Vec<File>,
}

#[derive(Debug, Clone)]
pub struct ServiceRequest {
    pub id: u64,
    pub name: String,
    pub received: Instant,
    pub subject: String,
    pub requester_email: String,
    pub description: String,
    pub files: Vec<File>,
    pub conversations: Vec<Conversation>,
}

#[derive(Default)]
struct State {
    next: u64,
    requesters: Vec<(String, String)>,
    files: Vec<File>,
    requests: Vec<ServiceRequest>,
    tokens: Vec<String>,
    token_grants: usize,
    refuse_creates: Option<(u16, String)>,
}

pub struct Motadata {
    assumptions: Assumptions,
    state: Mutex<State>,
}

pub type FakeMotadata = Server<Motadata>;

fn error(status: u16, message: &str) -> Answer {
    Answer::json(
        status,
        json!({"errorCode": format!("E{status}"), "userMessage": message}),
    )
}

impl Vendor for Motadata {
    fn handle(&self, r: &Request) -> Answer {
        if r.method == "POST" && r.path == "/api/oauth/token" {
            return self.grant(r);
        }
        if !self.authorized(r) {
            return Answer::empty(401, vec![]);
        }
        let segments = r.segments();
        match (r.method.as_str(), segments.as_slice()) {
            ("POST", _) if r.path == self.assumptions.upload_path => self.upload(r),
            ("POST", _) if r.path == self.assumptions.search_path => self.search(r),
            ("POST", ["api", "v1", "requester"]) => self.requester(r),
            ("POST", ["api", "v1", "request"]) => self.create(r),
            ("POST", ["api", "v1", "request", id, "conversation"]) => self.converse(r, id),
            ("POST", ["api", "v1", "request", id, "conversation", "search", "byqual"]) => {
                self.search_conversations(r, id)
            }
            _ => error(404, "Not found"),
        }
    }

    fn error(&self, status: u16, message: &str) -> Answer {
        error(status, message)
    }
}

impl super::Received for Motadata {
    fn received(&self, reference: &str) -> Option<Instant> {
        self.requests_with(reference).first().map(|r| r.received)
    }
}

impl Motadata {
    pub fn start(port: u16, assumptions: Assumptions) -> FakeMotadata {
        Server::start(
            "Motadata ServiceOps",
            port,
            Motadata {
                assumptions,
                state: Mutex::new(State {
                    next: 40,
                    ..State::default()
                }),
            },
        )
    }

    pub fn requests(&self) -> Vec<ServiceRequest> {
        self.state.lock().unwrap().requests.clone()
    }

    /// The requests whose subject carries this Porthole reference.
    pub fn requests_with(&self, reference: &str) -> Vec<ServiceRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.subject.contains(reference))
            .collect()
    }

    pub fn requester_count(&self, email: &str) -> usize {
        self.state
            .lock()
            .unwrap()
            .requesters
            .iter()
            .filter(|(_, e)| e == email)
            .count()
    }

    pub fn token_grants(&self) -> usize {
        self.state.lock().unwrap().token_grants
    }

    pub fn revoke_tokens(&self) {
        self.state.lock().unwrap().tokens.clear();
    }

    pub fn refuse_creates(&self, refusal: Option<(u16, &str)>) {
        self.state.lock().unwrap().refuse_creates = refusal.map(|(s, m)| (s, m.to_string()));
    }

    fn authorized(&self, r: &Request) -> bool {
        let header = r.header("Authorization").unwrap_or("");
        if let Some(raw) = header.strip_prefix("Apikey ") {
            // Sent URL-encoded: the raw header never holds the key's special characters.
            let decoded = form_urlencoded(&format!("k={}", raw.replace('+', "%2B")))
                .pop()
                .map(|(_, v)| v)
                .unwrap_or_default();
            return decoded == API_KEY && !raw.contains(['@', '+', '/', '=']);
        }
        let token = header.strip_prefix("Bearer ").unwrap_or("");
        self.state.lock().unwrap().tokens.iter().any(|t| t == token)
    }

    fn grant(&self, r: &Request) -> Answer {
        if r.basic_auth() != Some((CLIENT_ID.into(), CLIENT_SECRET.into())) {
            return Answer::json(
                401,
                json!({"error": "unauthorized", "error_description": "Bad client credentials"}),
            );
        }
        let form = form_urlencoded(&String::from_utf8_lossy(&r.body));
        let get = |k: &str| {
            form.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        if get("grant_type") != Some("password")
            || get("username") != Some(USERNAME)
            || get("password") != Some(PASSWORD)
        {
            return Answer::json(
                400,
                json!({"error": "invalid_grant", "error_description": "Bad credentials"}),
            );
        }
        let mut s = self.state.lock().unwrap();
        s.token_grants += 1;
        let token = format!("jwt-{}", s.token_grants);
        s.tokens.push(token.clone());
        Answer::json(
            200,
            json!({"access_token": token, "token_type": "bearer", "refresh_token": "r", "expires_in": 43199, "scope": "other-api-scope"}),
        )
    }

    fn json(r: &Request) -> Result<Value, Answer> {
        if !r
            .header("Content-Type")
            .unwrap_or("")
            .starts_with("application/json")
        {
            return Err(error(415, "Unsupported media type"));
        }
        serde_json::from_slice(&r.body).map_err(|_| error(400, "Malformed JSON"))
    }

    fn requester(&self, r: &Request) -> Answer {
        let body = match Self::json(r) {
            Ok(b) => b,
            Err(a) => return a,
        };
        let (Some(name), Some(email)) = (
            body["name"].as_str().filter(|n| !n.trim().is_empty()),
            body["email"].as_str().filter(|e| e.contains('@')),
        ) else {
            return error(400, "Name and a valid email are required");
        };
        let mut s = self.state.lock().unwrap();
        if s.requesters
            .iter()
            .any(|(_, e)| e.eq_ignore_ascii_case(email))
        {
            return error(400, "Requester with this email already exists");
        }
        s.next += 1;
        s.requesters.push((name.into(), email.into()));
        Answer::json(200, json!({"id": s.next, "name": name, "email": email}))
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
        if part.data.is_empty() {
            return error(400, "Empty file");
        }
        let mut s = self.state.lock().unwrap();
        s.next += 1;
        let file = File {
            ref_file_name: format!("e6d8bed7-bef8-49b3-b4b1-{:012}", s.next),
            real_name: part.filename.unwrap_or_default(),
            bytes: part.data,
        };
        let answer = json!({"refFileName": file.ref_file_name, "realName": file.real_name});
        s.files.push(file);
        Answer::json(200, answer)
    }

    /// The files a body refers to, or the refusal of the first unknown one.
    fn files(s: &State, body: &Value) -> Result<Vec<File>, Answer> {
        body["fileAttachments"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| {
                let name = f["refFileName"].as_str().unwrap_or("");
                s.files
                    .iter()
                    .find(|x| x.ref_file_name == name)
                    .cloned()
                    .ok_or_else(|| error(400, &format!("Unknown attachment {name}")))
            })
            .collect()
    }

    fn create(&self, r: &Request) -> Answer {
        let body = match Self::json(r) {
            Ok(b) => b,
            Err(a) => return a,
        };
        let mut s = self.state.lock().unwrap();
        if let Some((status, message)) = s.refuse_creates.clone() {
            return error(status, &message);
        }
        let subject = body["subject"].as_str().unwrap_or("").trim().to_string();
        let email = body["requesterEmail"].as_str().unwrap_or("").to_string();
        if subject.is_empty() {
            return error(400, "Subject is required");
        }
        if !s
            .requesters
            .iter()
            .any(|(_, e)| e.eq_ignore_ascii_case(&email))
        {
            return error(400, &format!("Requester {email} is not registered"));
        }
        let files = match Self::files(&s, &body) {
            Ok(f) => f,
            Err(a) => return a,
        };
        s.next += 1;
        let request = ServiceRequest {
            id: s.next,
            name: format!("INC-{}", s.next),
            received: Instant::now(),
            subject,
            requester_email: email,
            description: body["description"].as_str().unwrap_or("").into(),
            files,
            conversations: Vec::new(),
        };
        let answer = request_json(&request);
        s.requests.push(request);
        Answer::json(200, answer)
    }

    /// The one condition Porthole sends: `request.subject` contains a text.
    fn search(&self, r: &Request) -> Answer {
        let body = match Self::json(r) {
            Ok(b) => b,
            Err(a) => return a,
        };
        let qual = &body["qualDetails"]["quals"][0];
        if body["qualDetails"]["type"] != "FlatQualificationRest"
            || qual["leftOperand"]["key"] != "request.subject"
            || qual["operator"] != "contains"
        {
            return error(400, "Unsupported qualification");
        }
        let text = qual["rightOperand"]["value"]["value"]
            .as_str()
            .unwrap_or("");
        let s = self.state.lock().unwrap();
        let found: Vec<Value> = s
            .requests
            .iter()
            .filter(|x| x.subject.contains(text))
            .map(request_json)
            .collect();
        Answer::json(200, json!({"objectList": found, "totalCount": found.len()}))
    }

    fn converse(&self, r: &Request, id: &str) -> Answer {
        let body = match Self::json(r) {
            Ok(b) => b,
            Err(a) => return a,
        };
        let kind = body["conversationType"].as_str().unwrap_or("");
        if ![
            "requestor_to_technician",
            "technician_to_requester",
            "Note",
            "collaborate",
            "forward",
        ]
        .contains(&kind)
        {
            return error(400, &format!("Unknown conversationType {kind}"));
        }
        if body["details"].as_str().is_none_or(|d| d.trim().is_empty()) {
            return error(400, "Details cannot be empty");
        }
        let mut s = self.state.lock().unwrap();
        let files = match Self::files(&s, &body) {
            Ok(f) => f,
            Err(a) => return a,
        };
        s.next += 1;
        let conversation = Conversation {
            id: s.next,
            conversation_type: kind.into(),
            details: body["details"].as_str().unwrap_or("").into(),
            state: body["conversationState"].as_str().unwrap_or("draft").into(),
            files,
        };
        let Some(request) = s.requests.iter_mut().find(|x| x.id.to_string() == id) else {
            return error(404, "Request not found");
        };
        let answer = json!({"id": conversation.id, "conversationType": kind, "details": conversation.details, "conversationState": conversation.state});
        request.conversations.push(conversation);
        Answer::json(200, answer)
    }

    fn search_conversations(&self, r: &Request, id: &str) -> Answer {
        let body = match Self::json(r) {
            Ok(b) => b,
            Err(a) => return a,
        };
        let qual = &body["qualDetails"]["quals"][0];
        let kind = qual["rightOperand"]["value"]["value"]
            .as_str()
            .unwrap_or("");
        if qual["leftOperand"]["key"] != ".conversation.conversationType"
            || qual["operator"] != "equal"
        {
            return error(400, "Unsupported qualification");
        }
        let s = self.state.lock().unwrap();
        let Some(request) = s.requests.iter().find(|x| x.id.to_string() == id) else {
            return error(404, "Request not found");
        };
        let found: Vec<Value> = request
            .conversations
            .iter()
            .filter(|c| c.conversation_type == kind)
            .map(|c| json!({"id": c.id, "conversationType": c.conversation_type, "details": c.details}))
            .collect();
        Answer::json(200, json!({"objectList": found, "totalCount": found.len()}))
    }
}

fn request_json(r: &ServiceRequest) -> Value {
    json!({"id": r.id, "name": r.name, "subject": r.subject, "requesterEmail": r.requester_email, "statusName": "Open",
           "description": r.description, "fileAttachments": r.files.iter().map(|f| json!({"refFileName": f.ref_file_name, "realName": f.real_name})).collect::<Vec<_>>()})
}
