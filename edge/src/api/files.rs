//! Stored files, served: `GET /v1/inbox/attachments/{id}` for operators and
//! `GET /v1/files/{id}/{name}?expires=&sig=` by signed link (helpdesks that fetch attachments by
//! URL; the link itself is made and checked in [`crate::file_links`]). Always a download, never
//! rendered on the edge's origin.

use crate::auth::require_operator;
use crate::error::Error;
use crate::file_links;
use crate::store::{self, Db, UploadRow};
use worker::{Env, Request, Response};

/// `GET /v1/inbox/attachments/{id}`: the file's bytes, streamed from R2, always as a download
/// so that a visitor's HTML or SVG never runs on the edge's origin.
pub async fn download(req: &Request, env: &Env, id: &str) -> Result<Response, Error> {
    require_operator(req, env)?;
    let upload = store::uploads::find(&Db::from_env(env)?, id)
        .await?
        .ok_or(Error::NotFound)?;
    file_response(env, &upload).await
}

/// `GET /v1/files/{id}/{name}?expires=&sig=`: the file, streamed from R2 as a download.
pub async fn serve(req: &Request, env: &Env, id: &str) -> Result<Response, Error> {
    let url = req.url()?;
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let expires_at = param("expires")
        .and_then(|e| e.parse::<u64>().ok())
        .unwrap_or(0);
    let tag = param("sig").unwrap_or_default();
    let secret = crate::token::secret(env)?;
    let now = worker::Date::now().as_millis() / 1000;
    if !file_links::verify(&secret, id, expires_at, &tag, now) {
        return Err(Error::InvalidLink);
    }
    let upload = store::uploads::find(&Db::from_env(env)?, id)
        .await?
        .ok_or(Error::NotFound)?;
    file_response(env, &upload).await
}

/// A stored file as a download, never rendered on the edge's origin (also for signed links).
async fn file_response(env: &Env, upload: &UploadRow) -> Result<Response, Error> {
    let object = env
        .bucket("FILES")?
        .get(&upload.r2_key)
        .execute()
        .await?
        .ok_or(Error::NotFound)?;
    let body = object.body().ok_or(Error::NotFound)?.response_body()?;
    let mut response = Response::from_body(body)?;
    let h = response.headers_mut();
    let _ = h.set("Content-Type", &upload.content_type);
    let _ = h.set("Content-Length", &upload.size.to_string());
    let _ = h.set("Content-Disposition", &content_disposition(&upload.name));
    let _ = h.set("X-Content-Type-Options", "nosniff");
    let _ = h.set("Content-Security-Policy", "sandbox");
    let _ = h.set("Cache-Control", "private, no-store");
    Ok(response)
}

/// `attachment` with an ASCII fallback name and the exact UTF-8 name (RFC 6266).
pub fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let exact = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{exact}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_keeps_unicode_and_quotes_safe() {
        let d = content_disposition("ré\"sumé.pdf");
        assert!(d.starts_with("attachment; filename=\"r__sum_.pdf\""), "{d}");
        assert!(
            d.contains("filename*=UTF-8''r%C3%A9%22sum%C3%A9%2Epdf"),
            "{d}"
        );
    }
}
