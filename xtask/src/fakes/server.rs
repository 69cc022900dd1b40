//! The HTTP server under every helpdesk fake: one thread per connection on 127.0.0.1, and the
//! fault injection the delivery tests need (error statuses, 429 with the vendor's retry header,
//! answers later than the connector waits, and "act, then drop the connection without answering").
//! A vendor fake supplies how it handles a request and how its errors look.

use serde_json::Value;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// Answer with this status without doing anything.
    Status(u16),
    /// 429 with the vendor's retry header set to this many seconds.
    RateLimited(u32),
    /// Do the work, then answer only after this many milliseconds (past the connector's timeout).
    Slow(u64),
    /// Do the work, then close the connection without a word: the answer is lost.
    Drop,
    /// No fault: lets a forced sequence reach a later request.
    Pass,
}

pub struct Request {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn segments(&self) -> Vec<&str> {
        self.path.trim_start_matches('/').split('/').collect()
    }

    /// A query parameter, decoded.
    pub fn param(&self, name: &str) -> Option<String> {
        form_urlencoded(&self.query)
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// `Authorization: Basic` credentials, decoded.
    pub fn basic_auth(&self) -> Option<(String, String)> {
        use base64::Engine;
        let encoded = self.header("Authorization")?.strip_prefix("Basic ")?;
        let decoded = String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()?,
        )
        .ok()?;
        let (user, password) = decoded.split_once(':')?;
        Some((user.to_string(), password.to_string()))
    }
}

pub struct Answer {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(status: u16, body: Value) -> Answer {
        Answer {
            status,
            headers: vec![("Content-Type", "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    pub fn empty(status: u16, headers: Vec<(&'static str, String)>) -> Answer {
        Answer {
            status,
            headers,
            body: Vec::new(),
        }
    }
}

/// What a vendor fake adds to the server.
pub trait Vendor: Send + Sync + 'static {
    fn handle(&self, request: &Request) -> Answer;
    /// The vendor's error answer for an injected status.
    fn error(&self, status: u16, message: &str) -> Answer;
    /// The header that says when to come back after a 429.
    fn retry_header(&self) -> &'static str {
        "Retry-After"
    }
}

#[derive(Default)]
struct Faults {
    forced: VecDeque<Fault>,
    rate: f64,
    rng: u64,
    injected: Vec<Fault>,
    requests: usize,
    /// Every answer waits this long after the work is done: a helpdesk under load.
    delay_ms: u64,
}

/// A running fake: the vendor's state plus the fault controls.
pub struct Server<V> {
    pub vendor: Arc<V>,
    faults: Arc<Mutex<Faults>>,
    pub port: u16,
}

impl<V> std::ops::Deref for Server<V> {
    type Target = V;
    fn deref(&self) -> &V {
        &self.vendor
    }
}

impl<V: Vendor> Server<V> {
    pub fn start(name: &str, port: u16, vendor: V) -> Server<V> {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .unwrap_or_else(|e| panic!("fake {name} cannot listen on {port}: {e}"));
        let server = Server {
            vendor: Arc::new(vendor),
            faults: Arc::new(Mutex::new(Faults {
                rng: 0x9E37_79B9_7F4A_7C15,
                ..Faults::default()
            })),
            port,
        };
        let (vendor, faults) = (server.vendor.clone(), server.faults.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (vendor, faults) = (vendor.clone(), faults.clone());
                std::thread::spawn(move || serve(&*vendor, &faults, stream));
            }
        });
        server
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// From now on, each request is faulted with this probability (a mix of every kind).
    pub fn set_fault_rate(&self, rate: f64) {
        self.faults.lock().unwrap().rate = rate;
    }

    /// The next requests get these faults, in order.
    pub fn force(&self, faults: &[Fault]) {
        self.faults
            .lock()
            .unwrap()
            .forced
            .extend(faults.iter().copied());
    }

    /// Every answer from now on comes this many milliseconds after the work is done.
    pub fn set_delay(&self, ms: u64) {
        self.faults.lock().unwrap().delay_ms = ms;
    }

    /// Forgets the forced faults not yet used; returns how many there were.
    pub fn clear_forced(&self) -> usize {
        let mut f = self.faults.lock().unwrap();
        let n = f.forced.len();
        f.forced.clear();
        n
    }

    pub fn faults_injected(&self) -> Vec<Fault> {
        self.faults.lock().unwrap().injected.clone()
    }

    pub fn requests(&self) -> usize {
        self.faults.lock().unwrap().requests
    }
}

fn serve(vendor: &dyn Vendor, faults: &Mutex<Faults>, stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Some(request) = read_request(&stream) else {
        return;
    };
    let (fault, delay) = pick_fault(faults, &request);
    match fault {
        Some(Fault::Status(status)) => {
            return respond(stream, vendor.error(status, "Injected failure"))
        }
        Some(Fault::RateLimited(seconds)) => {
            let mut a = vendor.error(429, "Rate limit exceeded");
            a.headers.push((vendor.retry_header(), seconds.to_string()));
            return respond(stream, a);
        }
        _ => {}
    }
    let result = vendor.handle(&request);
    if delay > 0 {
        std::thread::sleep(Duration::from_millis(delay));
    }
    match fault {
        Some(Fault::Drop) => drop(stream),
        Some(Fault::Slow(ms)) => {
            std::thread::sleep(Duration::from_millis(ms));
            respond(stream, result)
        }
        _ => respond(stream, result),
    }
}

fn pick_fault(faults: &Mutex<Faults>, request: &Request) -> (Option<Fault>, u64) {
    let mut f = faults.lock().unwrap();
    f.requests += 1;
    let fault = match f.forced.pop_front() {
        Some(fault) => Some(fault),
        None if f.rate > 0.0 && next_unit(&mut f.rng) < f.rate => {
            let kinds = [
                Fault::Status(500),
                Fault::Status(503),
                Fault::RateLimited(1),
                Fault::Slow(2_500),
                Fault::Drop,
            ];
            Some(kinds[(next_unit(&mut f.rng) * kinds.len() as f64) as usize % kinds.len()])
        }
        None => None,
    };
    // A read that is "dropped" did nothing, which is the same as an error to the caller.
    let fault = match (fault, request.method.as_str()) {
        (Some(Fault::Pass), _) => None,
        (Some(Fault::Drop | Fault::Slow(_)), "GET") => Some(Fault::Status(502)),
        (fault, _) => fault,
    };
    if let Some(fault) = fault {
        f.injected.push(fault);
    }
    (fault, f.delay_ms)
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let length = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let (path, query) = target
        .split_once('?')
        .map(|(p, q)| (p.to_string(), q.to_string()))
        .unwrap_or((target, String::new()));
    Some(Request {
        method,
        path,
        query,
        headers,
        body,
    })
}

fn respond(mut stream: TcpStream, a: Answer) {
    let reason = match a.status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        413 => "Payload Too Large",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        _ => "Status",
    };
    let mut out = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Length: {}\r\nConnection: close\r\n",
        a.status,
        a.body.len()
    );
    for (k, v) in &a.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&a.body);
    let _ = stream.write_all(&bytes);
    let _ = stream.flush();
}

pub fn form_urlencoded(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One part of a `multipart/form-data` body.
pub struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

/// The parts of a `multipart/form-data` body.
pub fn multipart(content_type: &str, body: &[u8]) -> Option<Vec<Part>> {
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))?
        .trim_matches('"');
    let delimiter = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let mut rest = body;
    rest = &rest[find(rest, &delimiter)? + delimiter.len()..];
    loop {
        if rest.starts_with(b"--") {
            return Some(parts);
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let header_end = find(rest, b"\r\n\r\n")?;
        let headers = String::from_utf8_lossy(&rest[..header_end]).into_owned();
        rest = &rest[header_end + 4..];
        let end = find(rest, &[b"\r\n".as_slice(), &delimiter].concat())?;
        let data = rest[..end].to_vec();
        rest = &rest[end + 2 + delimiter.len()..];
        let mut name = None;
        let mut filename = None;
        let mut part_type = None;
        for line in headers.lines() {
            let (k, v) = line.split_once(':')?;
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                for attr in v.split(';').map(str::trim) {
                    if let Some(n) = attr.strip_prefix("name=") {
                        name = Some(n.trim_matches('"').to_string());
                    } else if let Some(f) = attr.strip_prefix("filename=") {
                        filename = Some(f.trim_matches('"').to_string());
                    }
                }
            } else if k.trim().eq_ignore_ascii_case("content-type") {
                part_type = Some(v.trim().to_string());
            }
        }
        parts.push(Part {
            name: name?,
            filename,
            content_type: part_type,
            data,
        });
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// xorshift: deterministic faults, so a failing run can be replayed.
pub fn next_unit(state: &mut u64) -> f64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    (*state >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_bodies_split_into_parts() {
        let body = b"--xyz\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--\r\nworld\r\n--xyz\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--xyz--\r\n";
        let parts = multipart("multipart/form-data; boundary=xyz", body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "files");
        assert_eq!(parts[0].filename.as_deref(), Some("a.txt"));
        assert_eq!(parts[0].content_type.as_deref(), Some("text/plain"));
        assert_eq!(parts[0].data, b"hello\r\n--\r\nworld");
        assert_eq!(parts[1].data, b"hi");
    }
}
