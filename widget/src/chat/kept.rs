//! The conversation remembered on this browser, in `localStorage` under `porthole:chat:{site}`:
//! its id, the visitor token that opens it, its reference, and the last `seq` the visitor saw
//! (the launcher counts agents' messages after it). Written once the visitor has sent a first
//! message, never before; gone at `Porthole('logout')`, when a new conversation starts, or once
//! the token has expired (30 days after the conversation began).

use crate::api::Started;
use crate::saved::storage;
use js_sys::{Object, Reflect, JSON};

fn key(site: &str) -> String {
    format!("porthole:chat:{site}")
}

pub fn save(site: &str, c: &Started) {
    write(site, c, 0);
}

fn write(site: &str, c: &Started, seen: u64) {
    let o = Object::new();
    for (k, v) in [
        ("id", &c.id),
        ("token", &c.token),
        ("reference", &c.reference),
    ] {
        let _ = Reflect::set(&o, &k.into(), &v.as_str().into());
    }
    let _ = Reflect::set(&o, &"seen".into(), &(seen as f64).into());
    if let (Some(s), Ok(json)) = (storage(), JSON::stringify(&o)) {
        let _ = s.set_item(&key(site), &String::from(json));
    }
}

/// The visitor has seen the thread up to `seq`.
pub fn seen(site: &str, c: &Started, seq: u64) {
    write(site, c, seq);
}

pub fn load(site: &str) -> Option<Started> {
    let json = storage()?.get_item(&key(site)).ok()??;
    let v = JSON::parse(&json).ok()?;
    let get = |k: &str| Reflect::get(&v, &k.into()).ok()?.as_string();
    let c = Started {
        id: get("id")?,
        token: get("token")?,
        reference: get("reference")?,
    };
    if expired(&c.token) {
        forget(site);
        return None;
    }
    Some(c)
}

/// `v1.{id}.{expires}.{tag}`: past its expiry it opens nothing.
fn expired(token: &str) -> bool {
    let expires = token.split('.').nth(2).and_then(|e| e.parse::<u64>().ok());
    expires.is_none_or(|e| (e as f64) * 1000.0 <= js_sys::Date::now())
}

pub fn forget(site: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(&key(site));
    }
}
