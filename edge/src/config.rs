//! The site configuration, handed to the Worker as the `PORTHOLE_CONFIG` variable (JSON made from
//! `porthole.toml` by `cargo xtask`). Parsed once per isolate and reused while it is unchanged.

use crate::error::Error;
use porthole_shared::config::PortholeConfig;
use std::cell::RefCell;
use std::rc::Rc;
use worker::Env;

thread_local! {
    static CACHE: RefCell<Option<(String, Rc<PortholeConfig>)>> = const { RefCell::new(None) };
}

/// The value of the wrangler secret `name` (or, in local development, the variable of that name);
/// `None` if it is not set or empty.
pub fn secret(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))
        .ok()
        .filter(|v| !v.is_empty())
}

pub fn load(env: &Env) -> Result<Rc<PortholeConfig>, Error> {
    let raw = env
        .var("PORTHOLE_CONFIG")
        .map_err(|_| {
            Error::Internal(
                "PORTHOLE_CONFIG is not set: deploy with `cargo xtask deploy` or pass --var".into(),
            )
        })?
        .to_string();
    CACHE.with(|cache| {
        if let Some((seen, parsed)) = cache.borrow().as_ref() {
            if *seen == raw {
                return Ok(parsed.clone());
            }
        }
        let parsed = Rc::new(parse(&raw)?);
        *cache.borrow_mut() = Some((raw, parsed.clone()));
        Ok(parsed)
    })
}

pub fn parse(raw: &str) -> Result<PortholeConfig, Error> {
    serde_json::from_str(raw)
        .map_err(|e| Error::Internal(format!("PORTHOLE_CONFIG is not valid: {e}")))
}
