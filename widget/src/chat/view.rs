//! The conversation's markup (`form.html`, `.ph-sent`) bound to the chat: entries appended as
//! they arrive (never redrawn, so a screen reader hears each new one once, from the log's polite
//! live region), the messages still on their way, the composer, the connection's state, and the
//! launcher's count of unread replies.

use super::{Chat, Entry, Link, Pending};
use crate::api::Api;
use crate::dom::{self, bind};
use crate::form::files::{self as form_files, Files};
use crate::js;
use crate::text::Text;
use leptos::prelude::*;
use leptos::task::spawn_local;
use porthole_shared::{AuthorKind, ThreadEvent};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, ShadowRoot};

pub fn bind_chat(chat: Chat, api: Api, panel: &Element, root: &ShadowRoot, t: Text) {
    let find = |selector: &str| dom::find(panel, selector);
    let thread = find(".ph-thread");
    // What is drawn, by `seq`: an entry is drawn once and never again.
    let drawn: Rc<RefCell<Vec<(u64, Element)>>> = Rc::default();
    let template = panel.clone();
    let links = api.clone();
    bind(move || {
        {
            let s = chat.read();
            let mut drawn = drawn.borrow_mut();
            if s.thread.is_empty() {
                dom::text(&thread, "");
                drawn.clear();
                return;
            }
            let locale = t.0.with_untracked(|c| c.locale.clone());
            for m in &s.thread {
                let Err(at) = drawn.binary_search_by_key(&m.seq, |(seq, _)| *seq) else {
                    continue;
                };
                let el = entry(&template, m, t, &locale, &links);
                // Before the first drawn one that comes after it (an out-of-order frame), else last.
                let next = drawn.get(at).map(|(_, e)| e.clone());
                let _ = thread.insert_before(&el, next.as_ref().map(|e| e.unchecked_ref()));
                el.scroll_into_view_with_bool(false);
                drawn.insert(at, (m.seq, el));
            }
        }
    });

    let pending_list = find(".ph-pending");
    let template = panel.clone();
    let sender = api.clone();
    bind(move || {
        dom::text(&pending_list, "");
        for p in &chat.read().pending {
            let el = pending(&template, p, t, chat, &sender);
            let _ = pending_list.append_child(&el);
        }
    });

    let link = find(".ph-link");
    bind(move || {
        let s = chat.read();
        let said = match s.link {
            Link::Connecting if s.thread.is_empty() => "link-connecting",
            Link::Offline => "link-offline",
            _ => "",
        };
        drop(s);
        dom::text(
            &link,
            &if said.is_empty() {
                String::new()
            } else {
                t.get(said)
            },
        );
    });

    let compose = find(".ph-compose");
    let reply = find("#ph-reply");
    bind({
        let reply = reply.clone();
        move || {
            let max = t.0.with(|c| c.limits.message_chars);
            dom::set(&reply, "maxlength", &max.to_string());
        }
    });
    let files = attachments(panel, t, &api);
    let field = reply.clone();
    let sender = api.clone();
    let send: Rc<dyn Fn()> = Rc::new(move || {
        let text = js::string(&field, "value").unwrap_or_default();
        let text = text.trim().to_string();
        let picked = files.list.get_untracked();
        if text.is_empty() || Files::refused(&picked).is_some() {
            return;
        }
        dom::set_prop(&field, "value", "".into());
        if picked.is_empty() {
            chat.send(&sender, text, Vec::new());
            return;
        }
        // The files upload as soon as they are picked: the message goes once they are stored.
        let (sender, field) = (sender.clone(), field.clone());
        spawn_local(async move {
            match files.uploaded(&picked).await {
                Ok(ids) => {
                    files.list.set(Vec::new());
                    chat.send(&sender, text, ids);
                }
                // Its row says what went wrong; the text comes back to send again.
                Err(_) => dom::set_prop(&field, "value", text.into()),
            }
        });
    });
    let on_submit = send.clone();
    dom::on(&compose, "submit", move |ev| {
        ev.prevent_default();
        on_submit();
    });
    // Enter sends, as in every chat; Shift+Enter is a new line; an IME's Enter picks a word.
    dom::on(&reply, "keydown", move |ev| {
        let key: &web_sys::KeyboardEvent = ev.unchecked_ref();
        if key.key() == "Enter" && !key.shift_key() && !js::get(key, "isComposing").is_truthy() {
            ev.prevent_default();
            send();
        }
    });

    unread(chat, panel, root, t, api);
}

/// The composer's files: picked with a button like the panel's others (the native control is
/// hidden), uploaded at once, each in a row like the form's.
fn attachments(panel: &Element, t: Text, api: &Api) -> Files {
    let limits = Memo::new(move |_| t.0.with(|c| c.limits.clone()));
    let files = Files::new(limits, api.site_url());
    let picker = dom::find(panel, "#ph-reply-files");
    let open = picker.clone();
    dom::on(&dom::find(panel, ".ph-attach"), "click", move |_| {
        open.unchecked_ref::<HtmlElement>().click();
    });
    dom::on(&picker, "change", move |ev| {
        form_files::picked(&ev, |list| {
            let added = files.picked(list);
            files.list.update(|l| l.extend(added));
        })
    });
    let list = dom::find(panel, ".ph-reply-files");
    let template = panel.clone();
    bind(move || {
        dom::text(&list, "");
        for f in files.list.get() {
            let _ = list.append_child(&files.row(&template, f, t, || false));
        }
    });
    files
}

/// The launcher counts agents' replies that came while the panel was closed; opening it clears
/// the count and puts the focus in the composer.
fn unread(chat: Chat, panel: &Element, root: &ShadowRoot, t: Text, api: Api) {
    // Through Element's binding: the glue's `querySelector` is the same for a shadow root, and
    // ShadowRoot's would be one more import.
    let Ok(Some(launcher)) = root.unchecked_ref::<Element>().query_selector(".launcher") else {
        return;
    };
    bind(move || {
        let count = chat.read().unread;
        if count == 0 {
            dom::flag(&launcher, "data-unread", false);
            dom::set(&launcher, "aria-label", &t.get("launcher"));
        } else {
            let n = count.to_string();
            dom::set(&launcher, "data-unread", &n);
            let label = format!(
                "{} ({})",
                t.get("launcher"),
                t.fill("unread", &[("count", &n)])
            );
            dom::set(&launcher, "aria-label", &label);
        }
    });
    let is_open = |p: &Element| !js::get(p, "hidden").is_truthy();
    let shown = panel.clone();
    let seen: Rc<dyn Fn()> = Rc::new(move || {
        if !is_open(&shown) {
            return;
        }
        if chat.peek().unread > 0 {
            chat.write().unread = 0;
        }
        if let Some(c) = chat.conversation() {
            super::kept::seen(api.site(), &c, chat.last_seq());
        }
    });
    // The loader opens and closes the panel (its `hidden`): opened, the replies are read and the
    // focus goes where the visitor writes: the reply box, or the form's first field.
    let fields = panel.clone();
    let on_open = seen.clone();
    let opened = move || {
        on_open();
        if is_open(&fields) {
            focus_first(&fields);
        }
    };
    let observer = web_sys::MutationObserver::new(
        Closure::<dyn FnMut()>::new(opened)
            .into_js_value()
            .unchecked_ref(),
    );
    if let Ok(observer) = observer {
        let options = js_sys::Object::new();
        js::set(&options, "attributeFilter", &js::array(&[&"hidden".into()]));
        let _ = observer.observe_with_options(panel, options.unchecked_ref());
        on_cleanup(move || observer.disconnect());
    }
    bind(move || {
        drop(chat.read());
        untrack(|| seen());
    });
}

/// The first field the visitor can write in: shown, and not the honeypot.
fn focus_first(panel: &Element) {
    let first = dom::find_all(
        panel,
        "#ph-reply, .ph-fields input:not(#ph-website), .ph-fields textarea",
    )
    .into_iter()
    .map(|e| e.unchecked_into::<HtmlElement>())
    .find(|e| e.offset_parent().is_some());
    if let Some(el) = first {
        let _ = el.focus();
    }
}

/// One stored entry of the thread, drawn from its fields as the edge sent them.
fn entry(template: &Element, m: &Entry, t: Text, locale: &str, api: &Api) -> Element {
    let el = dom::clone_template(template, ".ph-entry");
    let find = |s: &str| dom::find(&el, s);
    let field = |k: &str| js::string(&m.message, k);
    let name = field("name");
    let (class, who) = match m.author {
        AuthorKind::Visitor => ("ph-mine", t.get("you")),
        AuthorKind::Agent => ("", name.clone().unwrap_or_else(|| t.get("support"))),
        AuthorKind::System => ("ph-note", String::new()),
    };
    if !class.is_empty() {
        let _ = el.class_list().toggle_with_force(class, true);
    }
    dom::text(&find(".ph-who"), &who);
    let time = find("time");
    // Whole milliseconds, as `ThreadMessage::created_at` reads them.
    let created = js::get(&m.message, "created_at").as_f64().unwrap_or(0.0) as i64;
    let at = js_sys::Date::new(&(created as f64).into());
    dom::set(&time, "datetime", &String::from(at.to_iso_string()));
    dom::text(&time, &clock(&at, locale));
    let body = match field("event").and_then(|e| ThreadEvent::parse(&e)) {
        Some(ThreadEvent::Closed) => t.fill(
            "closed-note",
            &[("name", name.as_deref().unwrap_or_default())],
        ),
        Some(ThreadEvent::Reopened) => t.get("reopened-note"),
        None => field("body").unwrap_or_default(),
    };
    dom::text(&find(".ph-text"), &body);
    let files = find(".ph-msg-files");
    for f in js::list(&m.message, "files") {
        let file = |k: &str| js::string(&f, k);
        // `ThreadFile`'s: a file without them is not one.
        let (Some(_), Some(name), Some(path)) = (file("id"), file("name"), file("url")) else {
            continue;
        };
        let item = dom::create("li");
        let link = dom::create("a");
        let url = api.absolute(&path);
        dom::set(&link, "href", &url);
        dom::set(&link, "download", &name);
        if file("content_type")
            .unwrap_or_default()
            .starts_with("image/")
        {
            let img = dom::create("img");
            dom::set(&img, "src", &url);
            dom::set(&img, "alt", &name);
            let _ = link.append_child(&img);
        } else {
            dom::text(&link, &name);
        }
        let _ = item.append_child(&link);
        let _ = files.append_child(&item);
    }
    el
}

/// A message of the visitor's on its way: sending, or failed with a retry.
fn pending(template: &Element, p: &Pending, t: Text, chat: Chat, api: &Api) -> Element {
    let el = dom::clone_template(template, ".ph-entry");
    let _ = el.class_list().toggle_with_force("ph-mine", true);
    dom::text(&dom::find(&el, ".ph-who"), &t.get("you"));
    dom::text(&dom::find(&el, ".ph-text"), &p.body);
    let state = if p.failed {
        "msg-failed"
    } else {
        "msg-sending"
    };
    dom::text(&dom::find(&el, ".ph-state"), &t.get(state));
    let retry = dom::find(&el, ".ph-retry");
    dom::text(&retry, &t.get("msg-retry"));
    dom::flag(&retry, "hidden", !p.failed);
    let api = api.clone();
    let key = p.key.clone();
    dom::on(&retry, "click", move |_| chat.retry(&api, key.clone()));
    el
}

/// `14:05` today, with the date before it on other days, as the visitor's language writes it.
fn clock(at: &js_sys::Date, locale: &str) -> String {
    let today = js_sys::Date::new_0().to_date_string() == at.to_date_string();
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
    if !today {
        let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
    }
    // As `Intl.DateTimeFormat(locale, options).format(at)` would: with a style given,
    // `toLocaleString` adds no other part.
    at.to_locale_string(locale, &options).into()
}
