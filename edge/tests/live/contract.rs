//! The Worker's HTTP contract, exercised in workerd with local D1 and R2.

use crate::helpers::*;
use porthole_shared::limits::PART_BYTES;
use porthole_shared::{
    ConversationAccepted, DeliveryStatus, ErrorCode, FieldCode, PartsUpload, UploadResult,
};
use serde_json::json;
use std::thread;
use std::time::Duration;

fn form(extra: serde_json::Value) -> serde_json::Value {
    let mut base = json!({"name": "Ada Lovelace", "email": "ada@example.org", "subject": "Hello", "message": "The engine stalls."});
    if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    base
}

#[test]
fn health() {
    let _beside = beside_others();
    let r = call("GET", "/health", &[], None);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["ok"], true);
}

#[test]
fn uploaded_bytes_come_back_from_the_inbox_identical() {
    let _beside = beside_others();
    let files = [bytes(1, 1), bytes(70_000, 2), bytes(3 * 1024 * 1024 + 7, 3)];
    let mut ids = Vec::new();
    for (i, data) in files.iter().enumerate() {
        let stored = upload("demo", &format!("fïle {i}.bin"), data);
        assert_eq!(stored.size, data.len() as u64);
        assert_eq!(stored.name, format!("fïle {i}.bin"));
        ids.push(stored.id);
    }
    let reply = submit(
        "demo",
        &form(
            json!({"attachments": ids, "fields": {"order_id": "A-17"}, "page_url": "https://shop.example/cart", "locale": "de-DE"}),
        ),
        None,
    );
    assert_eq!(
        reply.status,
        202,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let created: ConversationAccepted = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(
        created.status,
        DeliveryStatus::Queued,
        "accepted, not yet delivered"
    );
    assert_eq!(
        created.status_url,
        format!("/v1/conversations/{}/status", created.id)
    );

    let conversation = inbox()
        .into_iter()
        .find(|c| c.id == created.id)
        .expect("in the inbox");
    assert_eq!(conversation.reference, created.reference);
    assert_eq!(conversation.site, "demo");
    assert_eq!(
        conversation.fields.get("order_id").map(String::as_str),
        Some("A-17")
    );
    assert_eq!(
        conversation.page_url.as_deref(),
        Some("https://shop.example/cart")
    );
    assert_eq!(conversation.locale.as_deref(), Some("de-DE"));
    let message = &conversation.messages[0];
    assert_eq!(message.author, "visitor");
    assert_eq!(message.body, "The engine stalls.");
    assert_eq!(message.attachments.len(), 3);
    for (attachment, data) in message.attachments.iter().zip(&files) {
        assert_eq!(
            attachment.sha256.as_deref(),
            Some(sha256_hex(data).as_str()),
            "hashed while streaming"
        );
        let got = download(&attachment.download_path);
        assert_eq!(got.status, 200);
        assert_eq!(got.body.len(), data.len());
        assert!(got.body == *data, "bytes differ for {}", attachment.name);
        assert!(got
            .header("content-disposition")
            .unwrap()
            .starts_with("attachment;"));
    }
}

fn parts_call(method: &str, path: &str, body: Option<&[u8]>) -> Reply {
    let json = [
        ("Origin", SITE_ORIGIN),
        ("Content-Type", "application/json"),
    ];
    let raw = [("Origin", SITE_ORIGIN)];
    let headers: &[(&str, &str)] = if method == "PUT" { &raw } else { &json };
    call(
        method,
        &format!("/v1/sites/demo/multipart{path}"),
        headers,
        body,
    )
}

#[test]
fn a_file_sent_in_parts_resumes_and_arrives_whole() {
    let _beside = beside_others();
    let part = PART_BYTES as usize;
    let data = bytes(2 * part + 12_345, 11);
    let started = parts_call(
        "POST",
        "",
        Some(
            json!({"name": "säge.mp4", "size": data.len(), "content_type": "video/mp4"})
                .to_string()
                .as_bytes(),
        ),
    );
    assert_eq!(
        started.status,
        201,
        "{}",
        String::from_utf8_lossy(&started.body)
    );
    assert_eq!(
        started.header("access-control-allow-origin"),
        Some(SITE_ORIGIN)
    );
    let session: PartsUpload = serde_json::from_slice(&started.body).unwrap();
    assert_eq!((session.parts, session.part_bytes), (3, PART_BYTES));
    let id = session.id.clone();
    let put = |n: usize| {
        let chunk = &data[(n - 1) * part..(n * part).min(data.len())];
        parts_call("PUT", &format!("/{id}/parts/{n}"), Some(chunk))
    };

    // Parts arrive in any order; the connection then drops before part 2.
    assert_eq!(put(3).status, 200);
    assert_eq!(put(1).status, 200);
    parts_call("POST", &format!("/{id}/complete"), None).error(409, ErrorCode::PartsMissing);
    // Coming back, the visitor asks what arrived and sends only the rest.
    let asked: PartsUpload =
        serde_json::from_slice(&parts_call("GET", &format!("/{id}"), None).body).unwrap();
    assert_eq!(asked.done, vec![1, 3]);
    assert_eq!(put(2).status, 200);
    // Its answer was lost: the same part again replaces it.
    assert_eq!(put(2).status, 200);

    let done = parts_call("POST", &format!("/{id}/complete"), None);
    assert_eq!(done.status, 201, "{}", String::from_utf8_lossy(&done.body));
    let stored: UploadResult = serde_json::from_slice(&done.body).unwrap();
    assert_eq!(
        (stored.id.as_str(), stored.size, stored.name.as_str()),
        (id.as_str(), data.len() as u64, "säge.mp4")
    );
    // Completing again (a lost answer) names the same file.
    let again = parts_call("POST", &format!("/{id}/complete"), None);
    assert_eq!(again.status, 201);
    assert_eq!(
        serde_json::from_slice::<UploadResult>(&again.body).unwrap(),
        stored
    );
    assert_eq!(
        parts_call("GET", &format!("/{id}"), None).status,
        404,
        "no longer in parts"
    );

    let created: ConversationAccepted =
        serde_json::from_slice(&submit("demo", &form(json!({"attachments": [id]})), None).body)
            .unwrap();
    let conversation = inbox().into_iter().find(|c| c.id == created.id).unwrap();
    let attachment = &conversation.messages[0].attachments[0];
    assert_eq!(attachment.content_type, "video/mp4");
    let got = download(&attachment.download_path);
    assert_eq!(got.body.len(), data.len());
    assert!(got.body == data, "the joined parts are the file");
}

#[test]
fn parts_are_checked_before_a_byte_is_stored() {
    let _beside = beside_others();
    let meta = |size: u64, content_type: &str| {
        json!({"name": "a.bin", "size": size, "content_type": content_type}).to_string()
    };
    // The site's limits apply at the start: too large, a type it does not take.
    call(
        "POST",
        "/v1/sites/tiny/multipart",
        &[
            ("Origin", SITE_ORIGIN),
            ("Content-Type", "application/json"),
        ],
        Some(meta(20 * PART_BYTES, "text/plain").as_bytes()),
    )
    .error(413, ErrorCode::FileTooLarge);
    call(
        "POST",
        "/v1/sites/tiny/multipart",
        &[
            ("Origin", SITE_ORIGIN),
            ("Content-Type", "application/json"),
        ],
        Some(meta(10, "application/zip").as_bytes()),
    )
    .error(422, ErrorCode::ValidationFailed);

    let started = parts_call(
        "POST",
        "",
        Some(meta(PART_BYTES + 10, "application/octet-stream").as_bytes()),
    );
    let id = serde_json::from_slice::<PartsUpload>(&started.body)
        .unwrap()
        .id;
    // Part 1 must be a whole part, the last exactly what remains; there is no part 0 or 3.
    parts_call("PUT", &format!("/{id}/parts/1"), Some(&bytes(1000, 1)))
        .error(400, ErrorCode::InvalidPart);
    parts_call("PUT", &format!("/{id}/parts/2"), Some(&bytes(11, 1)))
        .error(400, ErrorCode::InvalidPart);
    parts_call("PUT", &format!("/{id}/parts/3"), Some(&bytes(10, 1)))
        .error(404, ErrorCode::NotFound);
    parts_call("PUT", &format!("/{id}/parts/0"), Some(&bytes(10, 1)))
        .error(404, ErrorCode::NotFound);
    // Another site cannot see or touch it.
    call(
        "PUT",
        &format!("/v1/sites/tiny/multipart/{id}/parts/2"),
        &[("Origin", SITE_ORIGIN)],
        Some(&bytes(10, 1)),
    )
    .error(404, ErrorCode::NotFound);
    let asked: PartsUpload =
        serde_json::from_slice(&parts_call("GET", &format!("/{id}"), None).body).unwrap();
    assert!(asked.done.is_empty(), "no refused part was kept");
    // Nothing of it can be attached before it is complete.
    submit("demo", &form(json!({"attachments": [id]})), None)
        .error(422, ErrorCode::UnknownAttachment);
}

#[test]
fn a_resend_of_a_stored_message_does_not_count_toward_the_hourly_limit() {
    let _beside = beside_others();
    // Two messages an hour on `counted`. The first is sent twice (its answer was lost), then a
    // second message still fits, and a third does not.
    let first = accept_at(
        "counted",
        &form(json!({"subject": "one"})),
        Some("counted-1"),
    );
    let again = accept_at(
        "counted",
        &form(json!({"subject": "one"})),
        Some("counted-1"),
    );
    assert_eq!(again.id, first.id, "the resend is answered as the first");
    accept_at(
        "counted",
        &form(json!({"subject": "two"})),
        Some("counted-2"),
    );
    submit(
        "counted",
        &form(json!({"subject": "three"})),
        Some("counted-3"),
    )
    .error(429, ErrorCode::RateLimited);
}

#[test]
fn a_bots_held_submission_looks_queued_to_it_and_failed_to_the_operator() {
    let _beside = beside_others();
    let bot = form(json!({"subject": "Cheap pills", "honeypot": "https://spam.example"}));
    let accepted = accept_at("demo", &bot, Some("held-bot-1"));
    assert_eq!(accepted.status, DeliveryStatus::Queued);
    let held = delivery_of(&accepted, "failed");
    assert!(held.last_error.unwrap_or_default().starts_with("held:"));
    // Asking, or sending again, tells the bot nothing more.
    assert_eq!(status(&accepted).status, DeliveryStatus::Queued);
    assert_eq!(
        accept_at("demo", &bot, Some("held-bot-1")).status,
        DeliveryStatus::Queued
    );
}

#[test]
fn an_empty_subject_becomes_the_first_line_of_the_message() {
    let _beside = beside_others();
    let reply = submit(
        "demo",
        &form(json!({"subject": "", "message": "  \nWhere is my parcel?\nIt was due Monday."})),
        None,
    );
    let created: ConversationAccepted = serde_json::from_slice(&reply.body).unwrap();
    let conversation = inbox().into_iter().find(|c| c.id == created.id).unwrap();
    assert_eq!(conversation.subject, "Where is my parcel?");
}

#[test]
fn malformed_json_is_400() {
    let _beside = beside_others();
    let r = call(
        "POST",
        "/v1/sites/demo/conversations",
        &[
            ("Origin", SITE_ORIGIN),
            ("Content-Type", "application/json"),
        ],
        Some(b"{\"name\": "),
    );
    r.error(400, ErrorCode::MalformedJson);
}

#[test]
fn wrong_content_type_is_415() {
    let _beside = beside_others();
    let r = call(
        "POST",
        "/v1/sites/demo/conversations",
        &[
            ("Origin", SITE_ORIGIN),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        Some(b"name=x"),
    );
    r.error(415, ErrorCode::UnsupportedMediaType);
}

#[test]
fn unknown_site_is_404() {
    let _beside = beside_others();
    submit("nope", &form(json!({})), None).error(404, ErrorCode::SiteNotFound);
    upload_to("nope", "a.txt", "text/plain", b"x").error(404, ErrorCode::SiteNotFound);
}

#[test]
fn origins_not_allowed_are_403_without_cors() {
    let _beside = beside_others();
    let evil = call(
        "POST",
        "/v1/sites/demo/conversations",
        &[
            ("Origin", "https://evil.example"),
            ("Content-Type", "application/json"),
        ],
        Some(form(json!({})).to_string().as_bytes()),
    );
    evil.error(403, ErrorCode::OriginNotAllowed);
    assert_eq!(evil.header("access-control-allow-origin"), None);
    let none = call(
        "POST",
        "/v1/sites/demo/conversations",
        &[("Content-Type", "application/json")],
        Some(b"{}"),
    );
    none.error(403, ErrorCode::OriginNotAllowed);
    let upload = call(
        "POST",
        "/v1/sites/demo/uploads",
        &[("Origin", "https://evil.example")],
        Some(b"abc"),
    );
    upload.error(403, ErrorCode::OriginNotAllowed);
    // `tiny` allows only the test host, not the edge's own origin.
    let other = call(
        "POST",
        "/v1/sites/tiny/conversations",
        &[("Origin", &edge()), ("Content-Type", "application/json")],
        Some(b"{}"),
    );
    other.error(403, ErrorCode::OriginNotAllowed);
}

#[test]
fn preflight_answers_allowed_origins_only() {
    let _beside = beside_others();
    let ok = call(
        "OPTIONS",
        "/v1/sites/demo/uploads",
        &[
            ("Origin", SITE_ORIGIN),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type,x-filename"),
        ],
        None,
    );
    assert_eq!(ok.status, 204);
    assert_eq!(ok.header("access-control-allow-origin"), Some(SITE_ORIGIN));
    assert!(ok
        .header("access-control-allow-methods")
        .unwrap()
        .contains("POST"));
    let allowed = ok
        .header("access-control-allow-headers")
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        allowed.contains("x-filename")
            && allowed.contains("content-type")
            && allowed.contains("idempotency-key")
    );
    assert!(ok.header("vary").unwrap().contains("Origin"));

    let bad = call(
        "OPTIONS",
        "/v1/sites/demo/uploads",
        &[
            ("Origin", "https://evil.example"),
            ("Access-Control-Request-Method", "POST"),
        ],
        None,
    );
    assert_eq!(bad.status, 403);
    assert_eq!(bad.header("access-control-allow-origin"), None);
}

#[test]
fn field_violations_are_422_per_field_and_readable_cross_origin() {
    let _beside = beside_others();
    let r = submit(
        "demo",
        &json!({"name": "", "email": "nope", "message": "x".repeat(20_001), "fields": {"Bad Key": "v"}, "locale": "!!"}),
        None,
    );
    let body = r.error(422, ErrorCode::ValidationFailed);
    let fields = body.error.fields.expect("per-field codes");
    assert_eq!(fields.get("name"), Some(&FieldCode::Required));
    assert_eq!(fields.get("email"), Some(&FieldCode::InvalidEmail));
    assert_eq!(fields.get("message"), Some(&FieldCode::TooLong));
    assert_eq!(fields.get("fields.Bad Key"), Some(&FieldCode::InvalidName));
    assert_eq!(fields.get("locale"), Some(&FieldCode::InvalidValue));
    // The widget must be able to read why: the error carries CORS for the allowed origin.
    assert_eq!(r.header("access-control-allow-origin"), Some(SITE_ORIGIN));
}

#[test]
fn wrong_types_in_json_are_400_naming_the_field() {
    let _beside = beside_others();
    let r = submit(
        "demo",
        &json!({"name": 5, "email": "a@b.co", "message": "m"}),
        None,
    );
    let body = r.error(400, ErrorCode::MalformedJson);
    assert!(
        body.error.message.contains("invalid type"),
        "{}",
        body.error.message
    );
}

#[test]
fn attachments_must_exist_belong_to_the_site_and_be_unclaimed() {
    let _beside = beside_others();
    let unknown = submit(
        "demo",
        &form(json!({"attachments": ["0123456789abcdef0123456789abcdef"]})),
        None,
    );
    let body = unknown.error(422, ErrorCode::UnknownAttachment);
    assert_eq!(
        body.error.fields.unwrap().get("attachments"),
        Some(&FieldCode::Unknown)
    );

    let reply = upload_to(
        "other",
        "theirs.txt",
        "text/plain",
        b"belongs to another site",
    );
    assert_eq!(reply.status, 201);
    let theirs: porthole_shared::UploadResult = serde_json::from_slice(&reply.body).unwrap();
    submit("demo", &form(json!({"attachments": [theirs.id]})), None)
        .error(422, ErrorCode::UnknownAttachment);

    let mine = upload("demo", "mine.txt", b"mine");
    assert_eq!(
        submit("demo", &form(json!({"attachments": [mine.id]})), None).status,
        202
    );
    submit("demo", &form(json!({"attachments": [mine.id]})), None)
        .error(422, ErrorCode::UnknownAttachment);
}

#[test]
fn two_submissions_racing_for_one_file_get_it_once() {
    let _beside = beside_others();
    for round in 0..5 {
        let file = upload("demo", &format!("race-{round}.txt"), b"contested");
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let id = file.id.clone();
                thread::spawn(move || {
                    submit("demo", &form(json!({"attachments": [id]})), None).status
                })
            })
            .collect();
        let mut statuses: Vec<u16> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        statuses.sort();
        assert_eq!(statuses, vec![202, 422, 422, 422], "round {round}");
    }
}

#[test]
fn upload_limits_and_types() {
    let _beside = beside_others();
    // `tiny` takes at most 1024 bytes, text and images only.
    let too_big = upload_to("tiny", "big.txt", "text/plain", &bytes(1025, 9));
    let body = too_big.error(413, ErrorCode::FileTooLarge);
    assert_eq!(
        body.error.fields.unwrap().get("file"),
        Some(&FieldCode::TooLarge)
    );
    assert_eq!(
        upload_to("tiny", "ok.txt", "text/plain", &bytes(1024, 9)).status,
        201
    );
    let zip = upload_to("tiny", "a.zip", "application/zip", b"PK");
    assert_eq!(
        zip.error(422, ErrorCode::ValidationFailed)
            .error
            .fields
            .unwrap()
            .get("content_type"),
        Some(&FieldCode::TypeNotAllowed)
    );
    let empty = upload_to("demo", "empty.txt", "text/plain", b"");
    assert_eq!(
        empty
            .error(422, ErrorCode::ValidationFailed)
            .error
            .fields
            .unwrap()
            .get("file"),
        Some(&FieldCode::Empty)
    );
    let unnamed = call(
        "POST",
        "/v1/sites/demo/uploads",
        &[("Origin", SITE_ORIGIN), ("Content-Type", "text/plain")],
        Some(b"abc"),
    );
    assert_eq!(
        unnamed
            .error(422, ErrorCode::ValidationFailed)
            .error
            .fields
            .unwrap()
            .get("name"),
        Some(&FieldCode::Required)
    );
}

#[test]
fn an_upload_without_a_length_is_411() {
    let _beside = beside_others();
    let agent = ureq::AgentBuilder::new().build();
    // A reader body is sent chunked, with no Content-Length.
    let result = agent
        .post(&format!("{}/v1/sites/demo/uploads", edge()))
        .set("Origin", SITE_ORIGIN)
        .set("X-Filename", "stream.bin")
        .send(std::io::Cursor::new(bytes(5000, 4)));
    match result {
        Err(ureq::Error::Status(411, r)) => {
            let body: porthole_shared::ErrorBody = r.into_json().unwrap();
            assert_eq!(body.error.code, ErrorCode::LengthRequired);
        }
        other => panic!("expected 411, got {other:?}"),
    }
}

#[test]
fn the_inbox_pages_past_a_hundred_conversations() {
    let _beside = beside_others();
    // D1 binds at most 100 parameters to a statement; a page of 200 must still load.
    let handles: Vec<_> = (0..4)
        .map(|t| {
            thread::spawn(move || {
                for i in 0..28 {
                    let body = form(json!({"subject": format!("Many {t}-{i}")}));
                    assert_eq!(submit("other", &body, None).status, 202);
                }
            })
        })
        .collect();
    handles.into_iter().for_each(|h| h.join().unwrap());
    let reply = call(
        "GET",
        "/v1/inbox/conversations?site=other&limit=200",
        &[("Authorization", &format!("Bearer {}", operator_token()))],
        None,
    );
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let page: porthole_shared::InboxPage = serde_json::from_slice(&reply.body).unwrap();
    assert!(
        page.conversations.len() >= 112,
        "{}",
        page.conversations.len()
    );
    assert!(page
        .conversations
        .iter()
        .all(|c| c.site == "other" && c.messages.len() == 1));
}

#[test]
fn the_inbox_needs_the_operator_token() {
    let _beside = beside_others();
    call("GET", "/v1/inbox/conversations", &[], None).error(401, ErrorCode::Unauthorized);
    call(
        "GET",
        "/v1/inbox/conversations",
        &[("Authorization", "Bearer wrong-token-wrong-token")],
        None,
    )
    .error(401, ErrorCode::Unauthorized);
    call("GET", "/v1/inbox/attachments/abc", &[], None).error(401, ErrorCode::Unauthorized);
    download("/v1/inbox/attachments/0123456789abcdef0123456789abcdef")
        .error(404, ErrorCode::NotFound);
}

#[test]
fn unknown_paths_and_methods() {
    let _beside = beside_others();
    call(
        "GET",
        "/v1/sites/demo/conversations",
        &[("Origin", SITE_ORIGIN)],
        None,
    )
    .error(405, ErrorCode::MethodNotAllowed);
    call("GET", "/v1/nothing-here", &[], None).error(404, ErrorCode::NotFound);
}

#[test]
fn the_loader_widget_and_demo_page_are_served() {
    let _beside = beside_others();
    let page = call("GET", "/", &[], None);
    assert_eq!(page.status, 200);
    assert!(String::from_utf8_lossy(&page.body).contains(r#"data-site="demo""#));
    let loader = call("GET", "/porthole.js", &[], None);
    assert_eq!(loader.status, 200);
    assert!(loader
        .header("content-type")
        .unwrap()
        .contains("javascript"));
    // The budget every host page pays: 1.5 KB gzip.
    let gzipped = xtask::bench::gzip_len(&loader.body);
    assert!(gzipped <= 1536, "the loader is {gzipped} bytes gzip");
    // The widget is imported cross-origin as a module: it must carry CORS.
    let glue = call(
        "GET",
        "/widget/porthole-widget.js",
        &[("Origin", SITE_ORIGIN)],
        None,
    );
    assert_eq!(glue.status, 200);
    assert_eq!(glue.header("access-control-allow-origin"), Some("*"));
    let wasm = call("GET", "/widget/porthole-widget_bg.wasm", &[], None);
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    assert_eq!(&wasm.body[..4], b"\0asm");
}

#[test]
fn unclaimed_uploads_are_deleted_by_the_cron_and_claimed_ones_kept() {
    let _beside = beside_others();
    let kept = upload("demo", "kept.txt", b"in a conversation");
    let created = submit("demo", &form(json!({"attachments": [kept.id]})), None);
    assert_eq!(created.status, 202);
    let orphan = upload("demo", "orphan.txt", b"never sent");
    let abandoned = parts_call(
        "POST",
        "",
        Some(json!({"name": "big.bin", "size": PART_BYTES + 1, "content_type": "application/octet-stream"}).to_string().as_bytes()),
    );
    let abandoned = serde_json::from_slice::<PartsUpload>(&abandoned.body)
        .unwrap()
        .id;
    assert_eq!(
        parts_call("GET", &format!("/{abandoned}"), None).status,
        200
    );
    let kept_path = format!("/v1/inbox/attachments/{}", kept.id);
    let orphan_path = format!("/v1/inbox/attachments/{}", orphan.id);
    assert_eq!(download(&orphan_path).status, 200);

    // The test Worker runs with PORTHOLE_UPLOAD_TTL_SECONDS=8.
    thread::sleep(Duration::from_secs(9));
    let cron = call("GET", "/__scheduled?cron=17+*+*+*+*", &[], None);
    assert_eq!(cron.status, 200);

    assert_eq!(download(&orphan_path).status, 404, "the orphan is gone");
    assert_eq!(
        parts_call("GET", &format!("/{abandoned}"), None).status,
        404,
        "a file never completed is forgotten (and its R2 upload aborted)"
    );
    assert_eq!(
        download(&kept_path).status,
        200,
        "a file in a conversation stays"
    );
    submit("demo", &form(json!({"attachments": [orphan.id]})), None)
        .error(422, ErrorCode::UnknownAttachment);
}

#[test]
fn the_loader_stays_within_its_budget() {
    let _beside = beside_others();
    // Issue budget: the one script every page loads is at most 1.5 KB gzip, 1,536 bytes (as
    // `loader_is_small` reads it too). Until the launcher counted a returning visitor's replies
    // it held 1,500.
    let loader = call("GET", "/porthole.js", &[], None);
    assert_eq!(loader.status, 200);
    let gzip = xtask::bench::gzip_len(&loader.body);
    assert!(gzip <= 1536, "porthole.js is {gzip} bytes gzip");
    let types = call("GET", "/porthole.d.ts", &[], None);
    assert_eq!(types.status, 200, "the API's types are served next to it");
}

#[test]
fn the_first_open_fetches_at_most_100_kb() {
    let _beside = beside_others();
    // Issue budget: everything the first open fetches (the glue and the wasm, which carries the
    // panel's CSS) is at most 100 KB gzip (100,000 bytes here), as the edge serves it.
    let fetched: usize = [
        "/widget/porthole-widget.js",
        "/widget/porthole-widget_bg.wasm",
    ]
    .iter()
    .map(|path| {
        let file = call("GET", path, &[], None);
        assert_eq!(file.status, 200, "{path}");
        xtask::bench::gzip_len(&file.body)
    })
    .sum();
    assert!(
        fetched <= 100_000,
        "the first open fetches {fetched} bytes gzip"
    );
}

#[test]
fn the_widget_settings_answer_allowed_origins_and_the_edges_own_pages() {
    let _beside = beside_others();
    let host = SITE_ORIGIN;
    let themed = call(
        "GET",
        "/v1/sites/themed/config?locale=es-MX",
        &[("Origin", host)],
        None,
    );
    assert_eq!(themed.status, 200);
    assert_eq!(themed.header("Access-Control-Allow-Origin"), Some(host));
    assert!(themed
        .header("Cache-Control")
        .unwrap_or("")
        .contains("max-age"));
    let v = themed.json();
    assert_eq!(v["locale"], "es");
    assert_eq!(v["fields"][0]["label"], "Número de pedido");
    assert_eq!(v["accent"], "#0b6e4f");
    // Another page may not read them.
    call(
        "GET",
        "/v1/sites/themed/config",
        &[("Origin", "https://evil.example")],
        None,
    )
    .error(403, ErrorCode::OriginNotAllowed);
    // A page served by the edge itself sends no Origin with a GET: it counts as the edge's own
    // origin, which the demo site allows and `themed` does not.
    assert_eq!(call("GET", "/v1/sites/demo/config", &[], None).status, 200);
    call("GET", "/v1/sites/themed/config", &[], None).error(403, ErrorCode::OriginNotAllowed);
}
