//! The HTTP layer: which handler a request goes to, and the handlers. Parsing a route is a plain
//! function; each handler is thin: it reads the request, calls the layer below (`accept` for a
//! visitor's messages, `store` for everything else) and writes the answer. Errors become HTTP in
//! one place, `http::error`. Nothing below imports this module.

mod admin;
mod conversations;
mod files;
mod inbox;
mod messages;
mod multipart;
mod status;
mod thread;
mod uploads;
mod widget_config;

use crate::error::Error;
use crate::{accept, cors, http, site};
use porthole_shared::ConversationState;
use worker::{Env, Request, Response};

#[derive(Debug, PartialEq, Eq)]
pub enum Route {
    Health,
    /// CORS preflight for a site's visitor endpoints.
    Preflight {
        site: String,
    },
    Upload {
        site: String,
    },
    /// A file sent in parts (`multipart.rs`): started, asked about, a part, completed.
    PartsStart {
        site: String,
    },
    PartsStatus {
        site: String,
        id: String,
    },
    PartsPut {
        site: String,
        id: String,
        number: String,
    },
    PartsComplete {
        site: String,
        id: String,
    },
    /// The site's widget settings and catalog (`GET /v1/sites/{site}/config`).
    WidgetConfig {
        site: String,
    },
    CreateConversation {
        site: String,
    },
    /// A visitor's view of its conversation, by visitor token.
    ConversationStatus {
        id: String,
    },
    /// A visitor's later message in its conversation, by visitor token.
    AddMessage {
        id: String,
    },
    /// The conversation's thread after a `seq`, by visitor token.
    VisitorThread {
        id: String,
    },
    /// The thread live, over a WebSocket (visitor token as a subprotocol).
    Live {
        id: String,
    },
    StatusPreflight,
    InboxConversations,
    InboxThread {
        id: String,
    },
    AgentReply {
        id: String,
    },
    InboxState {
        id: String,
        to: ConversationState,
    },
    InboxAttachment {
        id: String,
    },
    /// A file by signed, expiring link (helpdesks that fetch attachments by URL).
    SignedFile {
        id: String,
    },
    AdminDeliveries,
    AdminRetry {
        id: String,
    },
    MethodNotAllowed,
    NotFound,
}

impl Route {
    pub fn parse(method: &str, path: &str) -> Route {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let (route, allowed): (Route, &[&str]) = match segments.as_slice() {
            ["health"] => (Route::Health, &["GET", "HEAD"]),
            ["v1", "sites", site, "config"] if !site.is_empty() => (
                Route::WidgetConfig {
                    site: site.to_string(),
                },
                &["GET"],
            ),
            ["v1", "sites", site, endpoint @ ("uploads" | "conversations")] if !site.is_empty() => {
                let site = site.to_string();
                match method {
                    "OPTIONS" => return Route::Preflight { site },
                    _ if *endpoint == "uploads" => (Route::Upload { site }, &["POST"]),
                    _ => (Route::CreateConversation { site }, &["POST"]),
                }
            }
            ["v1", "sites", site, "multipart", rest @ ..] if !site.is_empty() => {
                let site = site.to_string();
                if method == "OPTIONS" {
                    return Route::Preflight { site };
                }
                match rest {
                    [] => (Route::PartsStart { site }, &["POST"]),
                    [id] if !id.is_empty() => (
                        Route::PartsStatus {
                            site,
                            id: id.to_string(),
                        },
                        &["GET"],
                    ),
                    [id, "parts", number] if !id.is_empty() => (
                        Route::PartsPut {
                            site,
                            id: id.to_string(),
                            number: number.to_string(),
                        },
                        &["PUT"],
                    ),
                    [id, "complete"] if !id.is_empty() => (
                        Route::PartsComplete {
                            site,
                            id: id.to_string(),
                        },
                        &["POST"],
                    ),
                    _ => return Route::NotFound,
                }
            }
            ["v1", "conversations", id, endpoint @ ("status" | "messages" | "live")]
                if !id.is_empty() =>
            {
                let id = id.to_string();
                match (method, *endpoint) {
                    ("OPTIONS", _) => return Route::StatusPreflight,
                    (_, "status") => (Route::ConversationStatus { id }, &["GET"]),
                    (_, "live") => (Route::Live { id }, &["GET"]),
                    ("GET", _) => (Route::VisitorThread { id }, &["GET"]),
                    _ => (Route::AddMessage { id }, &["POST"]),
                }
            }
            ["v1", "inbox", "conversations"] => (Route::InboxConversations, &["GET"]),
            ["v1", "inbox", "conversations", id, "messages"] if !id.is_empty() => {
                let id = id.to_string();
                match method {
                    "GET" => (Route::InboxThread { id }, &["GET"]),
                    _ => (Route::AgentReply { id }, &["POST"]),
                }
            }
            ["v1", "inbox", "conversations", id, action @ ("close" | "reopen")]
                if !id.is_empty() =>
            {
                let to = match *action {
                    "close" => ConversationState::Closed,
                    _ => ConversationState::Open,
                };
                (
                    Route::InboxState {
                        id: id.to_string(),
                        to,
                    },
                    &["POST"],
                )
            }
            ["v1", "admin", "deliveries"] => (Route::AdminDeliveries, &["GET"]),
            ["v1", "admin", "deliveries", id, "retry"] if !id.is_empty() => {
                (Route::AdminRetry { id: id.to_string() }, &["POST"])
            }
            ["v1", "files", id, _name] if !id.is_empty() => {
                (Route::SignedFile { id: id.to_string() }, &["GET", "HEAD"])
            }
            ["v1", "inbox", "attachments", id] if !id.is_empty() => {
                (Route::InboxAttachment { id: id.to_string() }, &["GET"])
            }
            _ => return Route::NotFound,
        };
        if allowed.contains(&method) {
            route
        } else {
            Route::MethodNotAllowed
        }
    }

    /// The site a visitor-facing route belongs to, for CORS.
    fn site(&self) -> Option<&str> {
        match self {
            Route::Preflight { site }
            | Route::Upload { site }
            | Route::PartsStart { site }
            | Route::PartsStatus { site, .. }
            | Route::PartsPut { site, .. }
            | Route::PartsComplete { site, .. }
            | Route::CreateConversation { site }
            | Route::WidgetConfig { site } => Some(site),
            _ => None,
        }
    }
}

pub async fn handle(mut req: Request, env: &Env) -> Response {
    let route = Route::parse(req.method().as_ref(), &req.path());
    let mut origin = req.headers().get("Origin").ok().flatten();
    // Browsers send no Origin with a same-origin GET: a page served by the edge itself (the demo)
    // asks for its settings as its own origin, which the site must still allow.
    if origin.is_none() && matches!(route, Route::WidgetConfig { .. }) {
        origin = req.url().ok().map(|u| u.origin().ascii_serialization());
    }

    // Visitor routes answer CORS for allowed origins, errors included, so the widget can read
    // why it was refused. Anything else gets no CORS headers at all.
    let site = match route.site() {
        Some(id) => match site::resolve(env, id, origin.as_deref()) {
            Ok(site) => Some(site),
            Err(e) => return http::error(&e),
        },
        None => None,
    };

    let result = match (&route, &site) {
        (Route::Health, _) => http::json(200, &serde_json::json!({"ok": true})),
        (Route::Preflight { .. }, Some(_)) => cors::preflight(),
        (Route::WidgetConfig { .. }, Some(site)) => widget_config::get(&req, site),
        (Route::Upload { .. }, Some(site)) => uploads::create(&mut req, env, site).await,
        (Route::PartsStart { .. }, Some(site)) => multipart::start(&mut req, env, site).await,
        (Route::PartsStatus { id, .. }, Some(site)) => multipart::get(env, site, id).await,
        (Route::PartsPut { id, number, .. }, Some(site)) => {
            multipart::put_part(&mut req, env, site, id, number).await
        }
        (Route::PartsComplete { id, .. }, Some(site)) => multipart::complete(env, site, id).await,
        (Route::CreateConversation { .. }, Some(site)) => {
            conversations::create(&mut req, env, site).await
        }
        (Route::ConversationStatus { id }, _) => status::get(&req, env, id).await,
        (Route::AddMessage { id }, _) => messages::create(&mut req, env, id).await,
        (Route::VisitorThread { id }, _) => thread::get(&req, env, id).await,
        (Route::Live { id }, _) => thread::live(&req, env, id).await,
        (Route::StatusPreflight, _) => Response::empty()
            .map(|r| r.with_status(204))
            .map_err(Error::from),
        (Route::InboxConversations, _) => inbox::list(&req, env).await,
        (Route::InboxThread { id }, _) => inbox::thread(&req, env, id).await,
        (Route::AgentReply { id }, _) => inbox::reply(&mut req, env, id).await,
        (Route::InboxState { id, to }, _) => inbox::set_state(&mut req, env, id, *to).await,
        (Route::AdminDeliveries, _) => admin::list(&req, env).await,
        (Route::AdminRetry { id }, _) => admin::retry(&mut req, env, id).await,
        (Route::InboxAttachment { id }, _) => files::download(&req, env, id).await,
        (Route::SignedFile { id }, _) => files::serve(&req, env, id).await,
        (Route::MethodNotAllowed, _) => Err(Error::MethodNotAllowed),
        _ => Err(Error::NotFound),
    };
    let response = result.unwrap_or_else(|e| http::error(&e));
    match (&site, &route) {
        (Some(site), _) => cors::allow(response, &site.origin),
        // The visitor token is the permission here, so any page may ask, and read its errors.
        (
            None,
            Route::ConversationStatus { .. }
            | Route::AddMessage { .. }
            | Route::VisitorThread { .. }
            | Route::StatusPreflight,
        ) => cors::any_origin(response),
        (None, _) => response,
    }
}

/// `202` with what was accepted; a resend's answer says it is one (`Idempotent-Replayed`).
fn accepted<T: serde::Serialize>(accepted: accept::Accepted<T>) -> Result<Response, Error> {
    let mut response = http::json(202, &accepted.body)?;
    if accepted.replayed {
        let _ = response.headers_mut().set("Idempotent-Replayed", "true");
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visitor_routes() {
        assert_eq!(
            Route::parse("POST", "/v1/sites/demo/uploads"),
            Route::Upload {
                site: "demo".into()
            }
        );
        assert_eq!(
            Route::parse("POST", "/v1/sites/demo/conversations"),
            Route::CreateConversation {
                site: "demo".into()
            }
        );
        assert_eq!(
            Route::parse("OPTIONS", "/v1/sites/demo/conversations"),
            Route::Preflight {
                site: "demo".into()
            }
        );
        assert_eq!(
            Route::parse("GET", "/v1/sites/demo/conversations"),
            Route::MethodNotAllowed
        );
        assert_eq!(
            Route::parse("GET", "/v1/sites/demo/config"),
            Route::WidgetConfig {
                site: "demo".into()
            }
        );
        assert_eq!(
            Route::parse("POST", "/v1/sites/demo/config"),
            Route::MethodNotAllowed
        );
        assert_eq!(Route::parse("POST", "/v1/sites//uploads"), Route::NotFound);
        assert_eq!(
            Route::parse("POST", "/v1/sites/demo/multipart"),
            Route::PartsStart {
                site: "demo".into()
            }
        );
        assert_eq!(
            Route::parse("PUT", "/v1/sites/demo/multipart/u1/parts/3"),
            Route::PartsPut {
                site: "demo".into(),
                id: "u1".into(),
                number: "3".into()
            }
        );
        assert_eq!(
            Route::parse("GET", "/v1/sites/demo/multipart/u1"),
            Route::PartsStatus {
                site: "demo".into(),
                id: "u1".into()
            }
        );
        assert_eq!(
            Route::parse("POST", "/v1/sites/demo/multipart/u1/complete"),
            Route::PartsComplete {
                site: "demo".into(),
                id: "u1".into()
            }
        );
        assert_eq!(
            Route::parse("OPTIONS", "/v1/sites/demo/multipart/u1/parts/3"),
            Route::Preflight {
                site: "demo".into()
            }
        );
        assert_eq!(
            Route::parse("POST", "/v1/sites/demo/multipart/u1/parts/3"),
            Route::MethodNotAllowed
        );
        assert_eq!(
            Route::parse("POST", "/v1/sites/demo/multipart/u1/other"),
            Route::NotFound
        );
        assert_eq!(
            Route::parse("POST", "/v1/sites/demo/other"),
            Route::NotFound
        );
    }

    #[test]
    fn operator_routes() {
        assert_eq!(Route::parse("GET", "/health"), Route::Health);
        assert_eq!(
            Route::parse("GET", "/v1/inbox/conversations"),
            Route::InboxConversations
        );
        assert_eq!(
            Route::parse("GET", "/v1/inbox/attachments/abc"),
            Route::InboxAttachment { id: "abc".into() }
        );
        assert_eq!(
            Route::parse("DELETE", "/v1/inbox/conversations"),
            Route::MethodNotAllowed
        );
        assert_eq!(Route::parse("GET", "/v1/nothing"), Route::NotFound);
        assert_eq!(
            Route::parse("GET", "/v1/admin/deliveries"),
            Route::AdminDeliveries
        );
        assert_eq!(
            Route::parse("POST", "/v1/admin/deliveries/d1/retry"),
            Route::AdminRetry { id: "d1".into() }
        );
        assert_eq!(
            Route::parse("GET", "/v1/admin/deliveries/d1/retry"),
            Route::MethodNotAllowed
        );
        assert_eq!(
            Route::parse("GET", "/v1/conversations/c1/status"),
            Route::ConversationStatus { id: "c1".into() }
        );
        assert_eq!(
            Route::parse("OPTIONS", "/v1/conversations/c1/status"),
            Route::StatusPreflight
        );
        assert_eq!(
            Route::parse("POST", "/v1/conversations/c1/messages"),
            Route::AddMessage { id: "c1".into() }
        );
        assert_eq!(
            Route::parse("GET", "/v1/conversations/c1/messages"),
            Route::VisitorThread { id: "c1".into() }
        );
        assert_eq!(
            Route::parse("GET", "/v1/conversations/c1/live"),
            Route::Live { id: "c1".into() }
        );
        assert_eq!(
            Route::parse("POST", "/v1/conversations/c1/live"),
            Route::MethodNotAllowed
        );
        assert_eq!(
            Route::parse("POST", "/v1/inbox/conversations/c1/messages"),
            Route::AgentReply { id: "c1".into() }
        );
        assert_eq!(
            Route::parse("GET", "/v1/inbox/conversations/c1/messages"),
            Route::InboxThread { id: "c1".into() }
        );
        assert_eq!(
            Route::parse("POST", "/v1/inbox/conversations/c1/close"),
            Route::InboxState {
                id: "c1".into(),
                to: ConversationState::Closed
            }
        );
        assert_eq!(
            Route::parse("POST", "/v1/inbox/conversations/c1/reopen"),
            Route::InboxState {
                id: "c1".into(),
                to: ConversationState::Open
            }
        );
        assert_eq!(
            Route::parse("GET", "/v1/inbox/conversations/c1/close"),
            Route::MethodNotAllowed
        );
        assert_eq!(
            Route::parse("GET", "/v1/files/u1/report.pdf"),
            Route::SignedFile { id: "u1".into() }
        );
        assert_eq!(
            Route::parse("POST", "/v1/files/u1/report.pdf"),
            Route::MethodNotAllowed
        );
    }
}
