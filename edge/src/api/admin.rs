//! Operator endpoints for deliveries: list them, and retry a failed one after fixing its cause.

use crate::auth::require_operator;
use crate::error::Error;
use crate::store::{self, Db, DeliveryRow};
use crate::{config, http, log, queue};
use porthole_shared::{DeliveryList, DeliveryRecord, DeliveryStatus, StepResolution};
use serde::Deserialize;
use worker::{Date, Env, Request, Response};

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    status: Option<String>,
    limit: Option<u32>,
}

/// `GET /v1/admin/deliveries?status=failed&limit=`
pub async fn list(req: &Request, env: &Env) -> Result<Response, Error> {
    require_operator(req, env)?;
    let query: ListQuery = req.query().unwrap_or_default();
    let wanted = match &query.status {
        None => None,
        Some(status) => match DeliveryStatus::parse(status) {
            Some(status) => Some(status),
            None => {
                let fields = porthole_shared::FieldErrors::from([(
                    "status".to_string(),
                    porthole_shared::FieldCode::InvalidValue,
                )]);
                return Err(Error::Validation(fields));
            }
        },
    };
    let rows = store::deliveries::list(
        &Db::from_env(env)?,
        wanted,
        query.limit.unwrap_or(100).clamp(1, 500),
    )
    .await?;
    http::json(
        200,
        &DeliveryList {
            deliveries: rows.into_iter().map(record).collect(),
        },
    )
}

/// `POST /v1/admin/deliveries/{id}/retry`: a failed delivery starts over (steps that succeeded
/// are kept). Anything not failed is refused with 409. An optional JSON body (`StepResolution`)
/// settles an interrupted step first, with what the operator found in the helpdesk.
pub async fn retry(req: &mut Request, env: &Env, id: &str) -> Result<Response, Error> {
    require_operator(req, env)?;
    let db = Db::from_env(env)?;
    let body = req.bytes().await?;
    if !body.is_empty() {
        let resolution: StepResolution =
            serde_json::from_slice(&body).map_err(|e| Error::MalformedJson(e.to_string()))?;
        let result = resolution
            .created
            .as_ref()
            .map(|r| serde_json::Value::String(r.clone()).to_string());
        if !store::steps::resolve(&db, id, &resolution.step, result.as_deref()).await? {
            return match store::deliveries::find(&db, id).await? {
                None => Err(Error::NotFound),
                Some(d) if d.status != DeliveryStatus::Failed => Err(Error::NotRetryable(d.status)),
                Some(_) => Err(Error::Validation(porthole_shared::FieldErrors::from([(
                    "step".to_string(),
                    porthole_shared::FieldCode::Unknown,
                )]))),
            };
        }
        log::event(
            "delivery_step_resolved",
            serde_json::json!({"delivery": id, "step": resolution.step, "created": resolution.created.is_some()}),
        );
    }
    let lease = i64::from(config::load(env)?.delivery.lease_seconds) * 1000;
    let job = crate::ids::new_id();
    if !store::deliveries::requeue_failed(&db, id, &job, Date::now().as_millis() as i64 + lease)
        .await?
    {
        return match store::deliveries::find(&db, id).await? {
            None => Err(Error::NotFound),
            Some(d) => Err(Error::NotRetryable(d.status)),
        };
    }
    log::event(
        "delivery_retry_requested",
        serde_json::json!({"delivery": id}),
    );
    if let Err(e) = queue::enqueue(env, id, &job, 0).await {
        log::error("enqueue_failed", &format!("{id}: {e:?}"));
    }
    let row = store::deliveries::find(&db, id)
        .await?
        .ok_or(Error::NotFound)?;
    http::json(202, &record(row))
}

fn record(d: DeliveryRow) -> DeliveryRecord {
    DeliveryRecord {
        id: d.id,
        conversation_id: d.conversation_id,
        reference: d.reference,
        site: d.site,
        connector: d.connector,
        status: d.status,
        attempts: d.attempts,
        helpdesk_reference: d.helpdesk_ref,
        last_error: d.last_error,
        notes: d
            .notes
            .and_then(|n| serde_json::from_str(&n).ok())
            .unwrap_or_default(),
        updated_at: d.updated_at,
    }
}
