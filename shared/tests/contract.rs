//! The wire contract as both sides see it: validation rules, the JSON shapes, and the promise
//! that whatever the widget accepts the edge accepts.

use porthole_shared::*;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn good() -> Submission {
    Submission {
        name: "Ada Lovelace".into(),
        email: "ada@example.org".into(),
        subject: "Engine".into(),
        message: "Hello,\nthe engine stalls.".into(),
        ..Submission::default()
    }
}

fn errors(s: Submission) -> FieldErrors {
    validate_submission(&s.normalized(), &Limits::default()).expect_err("should be refused")
}

#[test]
fn a_complete_form_passes() {
    assert_eq!(
        validate_submission(&good().normalized(), &Limits::default()),
        Ok(())
    );
}

#[test]
fn required_fields_are_named() {
    let e = errors(Submission::default());
    assert_eq!(e.get("name"), Some(&FieldCode::Required));
    assert_eq!(e.get("email"), Some(&FieldCode::Required));
    assert_eq!(e.get("message"), Some(&FieldCode::Required));
    assert_eq!(e.get("subject"), None, "subject is optional");
    // White space alone is nothing.
    let e = errors(Submission {
        message: " \n\t ".into(),
        ..good()
    });
    assert_eq!(
        e,
        BTreeMap::from([("message".to_string(), FieldCode::Required)])
    );
}

#[test]
fn emails() {
    for ok in [
        "a@b.co",
        "first.last+tag@sub.example.org",
        "josé@exämple.de",
        "x@xn--80ak6aa92e.com",
    ] {
        assert!(validate::is_email(ok), "{ok}");
    }
    for bad in [
        "",
        "plain",
        "@example.org",
        "a@",
        "a@b",
        "a b@example.org",
        "a@exa mple.org",
        "a@-x.org",
        "a@x..org",
        ".a@x.org",
        "a@1.2.3.4",
        "<a@x.org>",
    ] {
        assert!(!validate::is_email(bad), "{bad}");
    }
    let e = errors(Submission {
        email: "not-an-address".into(),
        ..good()
    });
    assert_eq!(e.get("email"), Some(&FieldCode::InvalidEmail));
}

#[test]
fn lengths_count_characters_not_bytes() {
    let limits = Limits::default();
    let at_limit = "é".repeat(limits.name_chars);
    assert_eq!(
        validate_submission(
            &Submission {
                name: at_limit.clone(),
                ..good()
            },
            &limits
        ),
        Ok(())
    );
    let e = errors(Submission {
        name: format!("{at_limit}é"),
        ..good()
    });
    assert_eq!(e.get("name"), Some(&FieldCode::TooLong));
    let e = errors(Submission {
        message: "x".repeat(limits.message_chars + 1),
        ..good()
    });
    assert_eq!(e.get("message"), Some(&FieldCode::TooLong));
}

#[test]
fn control_characters() {
    let e = errors(Submission {
        name: "Ada\nLovelace".into(),
        subject: "a\u{0}b".into(),
        ..good()
    });
    assert_eq!(e.get("name"), Some(&FieldCode::InvalidValue));
    assert_eq!(e.get("subject"), Some(&FieldCode::InvalidValue));
    let e = errors(Submission {
        message: "bell\u{7}".into(),
        ..good()
    });
    assert_eq!(e.get("message"), Some(&FieldCode::InvalidValue));
}

#[test]
fn custom_fields() {
    let mut s = good();
    s.fields.insert("order_id".into(), "A-1".into());
    assert_eq!(validate_submission(&s, &Limits::default()), Ok(()));
    s.fields.insert("Bad Key".into(), "x".into());
    s.fields.insert(
        "notes".into(),
        "y".repeat(Limits::default().field_value_chars + 1),
    );
    let e = errors(s);
    assert_eq!(e.get("fields.Bad Key"), Some(&FieldCode::InvalidName));
    assert_eq!(e.get("fields.notes"), Some(&FieldCode::TooLong));
    let many = (0..=Limits::default().custom_fields)
        .map(|i| (format!("f{i}"), "v".to_string()))
        .collect();
    assert_eq!(
        errors(Submission {
            fields: many,
            ..good()
        })
        .get("fields"),
        Some(&FieldCode::TooMany)
    );
}

#[test]
fn attachments_page_url_locale() {
    let e = errors(Submission {
        attachments: vec!["a".into(), "a".into()],
        ..good()
    });
    assert_eq!(e.get("attachments"), Some(&FieldCode::Duplicate));
    let e = errors(Submission {
        attachments: vec!["../etc".into()],
        ..good()
    });
    assert_eq!(e.get("attachments"), Some(&FieldCode::InvalidValue));
    let ids = (0..=Limits::default().files)
        .map(|i| format!("u{i}"))
        .collect();
    assert_eq!(
        errors(Submission {
            attachments: ids,
            ..good()
        })
        .get("attachments"),
        Some(&FieldCode::TooMany)
    );
    let e = errors(Submission {
        page_url: Some("javascript:alert(1)".into()),
        locale: Some("en_US".into()),
        ..good()
    });
    assert_eq!(e.get("page_url"), Some(&FieldCode::InvalidUrl));
    assert_eq!(e.get("locale"), Some(&FieldCode::InvalidValue));
    let ok = Submission {
        page_url: Some("https://shop.example/cart?x=1".into()),
        locale: Some("pt-BR".into()),
        ..good()
    };
    assert_eq!(validate_submission(&ok, &Limits::default()), Ok(()));
}

#[test]
fn follow_ups_need_text_and_follow_the_file_rules() {
    let limits = Limits::default();
    let ok = FollowUp {
        message: "  And one more thing \n".into(),
        attachments: vec!["u1".into()],
    }
    .normalized();
    assert_eq!(ok.message, "And one more thing");
    assert!(validate_follow_up(&ok, &limits).is_ok());
    let empty = FollowUp {
        message: "   ".into(),
        attachments: vec![],
    }
    .normalized();
    assert_eq!(
        validate_follow_up(&empty, &limits)
            .unwrap_err()
            .get("message"),
        Some(&FieldCode::Required)
    );
    let long = FollowUp {
        message: "x".repeat(limits.message_chars + 1),
        attachments: vec![],
    };
    assert_eq!(
        validate_follow_up(&long, &limits)
            .unwrap_err()
            .get("message"),
        Some(&FieldCode::TooLong)
    );
    let many = FollowUp {
        message: "hi".into(),
        attachments: (0..=limits.files).map(|i| format!("u{i}")).collect(),
    };
    assert_eq!(
        validate_follow_up(&many, &limits)
            .unwrap_err()
            .get("attachments"),
        Some(&FieldCode::TooMany)
    );
}

#[test]
fn agent_replies() {
    let limits = Limits::default();
    let ok = AgentReply {
        author_name: "Dana from Acme".into(),
        body: "On its way.".into(),
        attachments: vec![],
    };
    assert!(validate_agent_reply(&ok, &limits).is_ok());
    let field = |r: AgentReply, key: &str| {
        validate_agent_reply(&r, &limits)
            .unwrap_err()
            .get(key)
            .copied()
    };
    let named = |author_name: &str| AgentReply {
        author_name: author_name.into(),
        ..ok.clone()
    };
    assert_eq!(field(named(""), "author_name"), Some(FieldCode::Required));
    assert_eq!(field(named("  "), "author_name"), Some(FieldCode::Required));
    // The visitor sees a person's name, never an address.
    assert_eq!(
        field(named("dana@acme.example"), "author_name"),
        Some(FieldCode::InvalidValue)
    );
    assert_eq!(
        field(named("Dana\nEvil"), "author_name"),
        Some(FieldCode::InvalidValue)
    );
    assert_eq!(
        field(named(&"x".repeat(81)), "author_name"),
        Some(FieldCode::TooLong)
    );
    let body = |body: String| AgentReply { body, ..ok.clone() };
    assert_eq!(
        field(body(String::new()), "body"),
        Some(FieldCode::Required)
    );
    assert_eq!(
        field(body("x".repeat(limits.message_chars + 1)), "body"),
        Some(FieldCode::TooLong)
    );
}

#[test]
fn uploads() {
    let limits = Limits {
        file_bytes: 1000,
        file_types: vec!["image/*".into()],
        ..Limits::default()
    };
    let meta = |name: &str, size, ct: &str| UploadMeta {
        name: name.into(),
        size,
        content_type: ct.into(),
    };
    assert_eq!(
        validate_upload(&meta("cat.png", 1000, "image/png"), &limits),
        Ok(())
    );
    let e = validate_upload(&meta("cat.png", 1001, "image/png"), &limits).unwrap_err();
    assert_eq!(e.get("file"), Some(&FieldCode::TooLarge));
    let e = validate_upload(&meta("", 0, "nonsense"), &limits).unwrap_err();
    assert_eq!(e.get("file"), Some(&FieldCode::Empty));
    assert_eq!(e.get("name"), Some(&FieldCode::Required));
    assert_eq!(e.get("content_type"), Some(&FieldCode::InvalidValue));
    let e = validate_upload(&meta("a.zip", 10, "application/zip"), &limits).unwrap_err();
    assert_eq!(e.get("content_type"), Some(&FieldCode::TypeNotAllowed));
    // A site may take files larger than one Worker request carries: they go in parts.
    let large = Limits {
        file_bytes: limits::MAX_FILE_BYTES,
        ..Limits::default()
    };
    let big = meta(
        "big.bin",
        limits::MAX_SINGLE_REQUEST_BYTES + 1,
        "application/octet-stream",
    );
    assert_eq!(validate_upload(&big, &large), Ok(()));
    assert!(limits::in_parts(big.size));
}

#[test]
fn error_body_shape_is_stable() {
    let body = ErrorBody::with_fields(
        ErrorCode::ValidationFailed,
        "Some fields need attention.",
        BTreeMap::from([("email".to_string(), FieldCode::InvalidEmail)]),
    );
    let json = serde_json::to_value(&body).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"error": {"code": "validation_failed", "message": "Some fields need attention.", "fields": {"email": "invalid_email"}}})
    );
    let plain = serde_json::to_value(ErrorBody::new(ErrorCode::SiteNotFound, "x")).unwrap();
    assert!(plain["error"].get("fields").is_none());
    assert_eq!(ErrorCode::FileTooLarge.status(), 413);
    assert_eq!(ErrorCode::UnknownAttachment.status(), 422);
}

#[test]
fn missing_fields_deserialize_to_empty_so_they_are_reported_as_required() {
    let s: Submission = serde_json::from_str(r#"{"email":"a@b.co"}"#).unwrap();
    assert_eq!(s.email, "a@b.co");
    assert!(s.attachments.is_empty() && s.page_url.is_none());
}

fn text(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::string::string_regex(&format!("[ \\t\\na-zA-Zé0-9.@+<>&\"'-]{{0,{max}}}"))
            .unwrap(),
        any::<String>(),
    ]
}

fn submission() -> impl Strategy<Value = Submission> {
    (
        text(120),
        prop_oneof![
            text(40),
            "[a-z]{1,10}@[a-z]{1,10}\\.(com|org|de)".prop_map(String::from)
        ],
        text(220),
        text(300),
        proptest::collection::btree_map("[a-z_]{1,8}|.{0,4}", text(30), 0..4),
        proptest::collection::vec("[a-zA-Z0-9]{1,12}|.{0,3}", 0..4),
        proptest::option::of(prop_oneof![
            "https://[a-z]{1,8}\\.example/[a-z]{0,5}".prop_map(String::from),
            text(20)
        ]),
        proptest::option::of(prop_oneof![
            "[a-z]{2}(-[A-Z]{2})?".prop_map(String::from),
            text(6)
        ]),
        prop_oneof![Just(String::new()), text(6)],
    )
        .prop_map(
            |(name, email, subject, message, fields, attachments, page_url, locale, honeypot)| {
                Submission {
                    name,
                    email,
                    subject,
                    message,
                    fields,
                    attachments,
                    page_url,
                    locale,
                    honeypot,
                    identity: None,
                }
            },
        )
}

proptest! {
    /// The widget validates the normalized form, then sends it as JSON; the edge parses that
    /// JSON, normalizes and validates again. Whatever passed in the widget passes on the edge.
    #[test]
    fn whatever_the_widget_accepts_the_edge_accepts(raw in submission()) {
        let limits = Limits::default();
        let in_widget = raw.normalized();
        let widget_verdict = validate_submission(&in_widget, &limits);
        let wire = serde_json::to_string(&in_widget).unwrap();
        let on_edge: Submission = serde_json::from_str::<Submission>(&wire).unwrap().normalized();
        prop_assert_eq!(&on_edge, &in_widget);
        prop_assert_eq!(validate_submission(&on_edge, &limits), widget_verdict);
    }

    #[test]
    fn normalizing_twice_changes_nothing(raw in submission()) {
        let once = raw.normalized();
        prop_assert_eq!(once.clone().normalized(), once);
    }

    #[test]
    fn upload_limits_agree_with_size(size in 0u64..5_000, limit in 1u64..4_000) {
        let limits = Limits { file_bytes: limit, ..Limits::default() };
        let verdict = validate_upload(&UploadMeta { name: "f.txt".into(), size, content_type: "text/plain".into() }, &limits);
        prop_assert_eq!(verdict.is_ok(), size >= 1 && size <= limit);
    }
}
