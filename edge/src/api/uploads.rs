//! `POST /v1/sites/{site}/uploads`: a file's raw bytes, streamed into R2 and recorded in D1.
//! Files over 8 MiB (`porthole_shared::limits::in_parts`) are sent in parts instead
//! (`multipart.rs`); one request here may carry at most the 100 MB a Worker's body is capped at.

use crate::error::Error;
use crate::site::Site;
use crate::store::{self, Db, UploadRow};
use crate::{http, ids, log};
use porthole_shared::limits::MAX_SINGLE_REQUEST_BYTES;
use porthole_shared::{validate_upload, UploadMeta, UploadResult};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use worker::crypto::{DigestStream, DigestStreamAlgorithm};
use worker::{Data, Date, Env, HttpMetadata, Request, Response};

pub async fn create(req: &mut Request, env: &Env, site: &Site) -> Result<Response, Error> {
    let limits = site.config.limits();
    let meta = meta_from_headers(req)?;
    validate_upload(&meta, &limits)
        .map_err(|fields| Error::from_upload_errors(fields, limits.file_bytes))?;
    // Cloudflare stops a larger body before it reaches the Worker: say so before any byte.
    if meta.size > MAX_SINGLE_REQUEST_BYTES {
        return Err(Error::FileTooLarge(MAX_SINGLE_REQUEST_BYTES));
    }

    let id = ids::new_id();
    let r2_key = format!("uploads/{}/{}", site.id, id);
    let bucket = env.bucket("FILES")?;
    let sha256 = stream_into_r2(req, &bucket, &r2_key, &meta).await?;

    let row = UploadRow {
        id: id.clone(),
        site: site.id.clone(),
        name: meta.name.clone(),
        content_type: meta.content_type.clone(),
        size: meta.size,
        sha256,
        r2_key: r2_key.clone(),
        created_at: Date::now().as_millis() as i64,
    };
    if let Err(e) = store::uploads::insert(&Db::from_env(env)?, &row).await {
        // Nothing half-done: bytes without a record would never be cleaned up.
        let _ = bucket.delete(&r2_key).await;
        return Err(e);
    }
    log::event(
        "upload_stored",
        serde_json::json!({"site": site.id, "upload": id, "size": meta.size}),
    );
    http::json(
        201,
        &UploadResult {
            id,
            name: meta.name,
            size: meta.size,
            content_type: meta.content_type,
        },
    )
}

fn meta_from_headers(req: &Request) -> Result<UploadMeta, Error> {
    let header = |name: &str| req.headers().get(name).ok().flatten();
    let size = http::content_length(req).ok_or(Error::LengthRequired)?;
    let content_type = header("Content-Type")
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "application/octet-stream".to_string());
    let name = header("X-Filename")
        .map(|v| decode_filename(&v))
        .unwrap_or_default();
    Ok(UploadMeta {
        name,
        size,
        content_type,
    })
}

/// `X-Filename` is percent-encoded UTF-8 so that any name survives an HTTP header.
pub fn decode_filename(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw.trim())
        .decode_utf8_lossy()
        .into_owned()
}

/// Streams the request body into R2 without it entering wasm memory, computing its SHA-256 on a
/// second branch of the same stream. Returns the hex digest when the runtime could give one.
async fn stream_into_r2(
    req: &Request,
    bucket: &worker::Bucket,
    key: &str,
    meta: &UploadMeta,
) -> Result<Option<String>, Error> {
    let body = req.inner().body().ok_or(Error::LengthRequired)?;
    let branches = body.tee();
    let to_store: web_sys::ReadableStream = branches.get(0).unchecked_into();
    let to_hash: web_sys::ReadableStream = branches.get(1).unchecked_into();

    // A tee'd branch has no known length, which R2 requires: restore it.
    let fixed = worker::worker_sys::FixedLengthStream::new(meta.size as u32)
        .map_err(|e| Error::Internal(format!("FixedLengthStream: {e:?}")))?;
    let store_pipe = to_store.pipe_to(&fixed.writable());
    let digest = DigestStream::new(DigestStreamAlgorithm::Sha256);
    let hash_pipe = to_hash.pipe_to(digest.raw());

    let put = bucket
        .put(key, Data::ReadableStream(fixed.readable()))
        .http_metadata(HttpMetadata {
            content_type: Some(meta.content_type.clone()),
            ..Default::default()
        })
        .execute()
        .await;
    let pipes_ok =
        JsFuture::from(store_pipe).await.is_ok() & JsFuture::from(hash_pipe).await.is_ok();
    match put {
        Ok(_) if pipes_ok => {}
        Ok(_) => {
            let _ = bucket.delete(key).await;
            return Err(Error::Internal("upload stream ended early".into()));
        }
        Err(e) => return Err(Error::Internal(format!("R2 put: {e}"))),
    }
    Ok(digest.digest().await.ok().map(|bytes| hex(&bytes.to_vec())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_survive_percent_encoding() {
        assert_eq!(
            decode_filename("r%C3%A9sum%C3%A9%20final.pdf"),
            "résumé final.pdf"
        );
        assert_eq!(decode_filename("plain.txt"), "plain.txt");
        assert_eq!(hex(&[0, 15, 255]), "000fff");
    }
}
