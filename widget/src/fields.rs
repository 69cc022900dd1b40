//! The form's fields bound to their values and errors: the four of every form (whose markup is
//! in `form.html`) and the site's own, drawn here from its settings.

use crate::dom::{self, bind};
use crate::text::Text;
use leptos::prelude::*;
use porthole_shared::form::CHECKED;
use porthole_shared::{FieldErrors, FieldKind, PublicField};
use std::collections::BTreeMap;
use web_sys::Element;

/// "`label` (optional)" in the visitor's language.
pub fn optional(t: Text, label: &str) -> String {
    t.fill("optional", &[("label", label)])
}

/// Keeps a control in step with its value, both ways (what the visitor types goes to `set`; a
/// value set from elsewhere, a prefill or a restored draft, shows), and with its error.
pub fn bind_field(
    control: Element,
    error: Element,
    key: String,
    errors: RwSignal<FieldErrors>,
    t: Text,
    value: Box<dyn Fn() -> String>,
    set: Box<dyn Fn(String)>,
) {
    let checkbox = control.get_attribute("type").as_deref() == Some("checkbox");
    let shown = control.clone();
    bind(move || {
        let now = value();
        if checkbox {
            dom::set_prop(&shown, "checked", (now == CHECKED).into());
        } else {
            dom::set_prop(&shown, "value", now.into());
        }
    });
    let event = if checkbox || control.tag_name() == "SELECT" {
        "change"
    } else {
        "input"
    };
    {
        let key = key.clone();
        dom::on(&control, event, move |ev| {
            set(if !checkbox {
                dom::target_value(&ev)
            } else if dom::target_prop(&ev, "checked").is_truthy() {
                CHECKED.into()
            } else {
                String::new()
            });
            clear_error(errors, &key);
        });
    }
    bind_error(control, error, key, errors, t);
}

/// The control is marked invalid, and its error line says why, while `errors` has `key`.
pub fn bind_error(
    control: Element,
    error: Element,
    key: String,
    errors: RwSignal<FieldErrors>,
    t: Text,
) {
    bind(move || {
        let code = errors.with(|e| e.get(&key).copied());
        dom::set(
            &control,
            "aria-invalid",
            if code.is_some() { "true" } else { "false" },
        );
        dom::text(&error, &code.map(|c| t.field_error(c)).unwrap_or_default());
    });
}

/// One of the site's own fields, its value kept under its key in `values`.
pub fn custom_field(
    field: PublicField,
    values: RwSignal<BTreeMap<String, String>>,
    errors: RwSignal<FieldErrors>,
    t: Text,
) -> Element {
    let PublicField {
        key,
        label,
        kind,
        required,
        options,
    } = field;
    let id = format!("ph-f-{key}");
    let error_id = format!("{id}-error");
    let wrap = dom::create("div");
    dom::set(
        &wrap,
        "class",
        if kind == FieldKind::Checkbox {
            "ph-field ph-check"
        } else {
            "ph-field"
        },
    );
    let caption = dom::create("label");
    dom::set(&caption, "for", &id);
    dom::text(
        &caption,
        &if required { label } else { optional(t, &label) },
    );
    let control = dom::create(match kind {
        FieldKind::Text | FieldKind::Checkbox => "input",
        FieldKind::Textarea => "textarea",
        FieldKind::Select => "select",
    });
    match kind {
        FieldKind::Text => dom::set(&control, "type", "text"),
        FieldKind::Checkbox => dom::set(&control, "type", "checkbox"),
        FieldKind::Textarea => dom::set(&control, "rows", "3"),
        FieldKind::Select => {
            let choices = std::iter::once((String::new(), t.get("choose")))
                .chain(options.into_iter().map(|o| (o.clone(), o)));
            for (value, said) in choices {
                let option = dom::create("option");
                dom::set(&option, "value", &value);
                dom::text(&option, &said);
                let _ = control.append_child(&option);
            }
        }
    }
    dom::set(&control, "id", &id);
    dom::flag(&control, "required", required);
    dom::set(&control, "aria-describedby", &error_id);
    let error = dom::create("p");
    dom::set(&error, "id", &error_id);
    dom::set(&error, "class", "ph-error");
    let _ = wrap.append_with_node_3(&caption, &control, &error);
    let shown = key.clone();
    bind_field(
        control,
        error,
        format!("fields.{key}"),
        errors,
        t,
        Box::new(move || values.with(|v| v.get(&shown).cloned().unwrap_or_default())),
        Box::new(move |text| {
            values.update(|v| {
                v.insert(key.clone(), text);
            })
        }),
    );
    wrap
}

fn clear_error(errors: RwSignal<FieldErrors>, key: &str) {
    if errors.with_untracked(|e| e.contains_key(key)) {
        errors.update(|e| {
            e.remove(key);
        });
    }
}
