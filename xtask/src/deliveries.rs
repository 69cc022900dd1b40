//! `cargo xtask deliveries`: what an operator needs when a helpdesk refused something.
//!
//!   cargo xtask deliveries [--status failed|queued|delivering|delivered] [--edge URL]
//!   cargo xtask deliveries --retry ID [--edge URL]
//!   cargo xtask deliveries --retry ID --created STEP=REF   a lost step did happen, as REF
//!   cargo xtask deliveries --retry ID --not-created STEP   a lost step did not happen
//!
//! The operator token comes from PORTHOLE_OPERATOR_TOKEN, else the local development default.

use crate::client::Edge;
use crate::wrangler::DEV_OPERATOR_TOKEN;
use crate::{ports, Result};
use porthole_shared::{DeliveryList, DeliveryRecord, DeliveryStatus, StepResolution};

pub fn run(args: &[String]) -> Result {
    let mut edge = ports::local(ports::DEV);
    let mut status = DeliveryStatus::Failed.as_str().to_string();
    let mut retry = None;
    let mut resolution = None;
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = rest
            .next()
            .ok_or_else(|| format!("{flag} needs a value"))?
            .clone();
        match flag.as_str() {
            "--edge" => edge = value.trim_end_matches('/').to_string(),
            "--status" => status = value,
            "--retry" => retry = Some(value),
            "--created" => {
                let (step, created) = value.split_once('=').ok_or("--created takes STEP=REF, e.g. ticket=1234")?;
                resolution = Some(StepResolution { step: step.into(), created: Some(created.into()) });
            }
            "--not-created" => resolution = Some(StepResolution { step: value, created: None }),
            _ => return Err(format!("unknown option {flag}: see `cargo xtask deliveries --help` in xtask/src/deliveries.rs")),
        }
    }
    let token =
        std::env::var("PORTHOLE_OPERATOR_TOKEN").unwrap_or_else(|_| DEV_OPERATOR_TOKEN.to_string());
    if resolution.is_some() && retry.is_none() {
        return Err("--created and --not-created go with --retry ID".into());
    }
    let client = Edge::new(&edge);
    let response = match &retry {
        Some(id) => client.retry(&token, id, resolution.as_ref()),
        None => client.deliveries(&token, &status, 500),
    }
    .and_then(|r| r.ok())
    .map_err(|e| format!("{edge}: {e}"))?;
    if retry.is_some() {
        let record: DeliveryRecord = response.parse()?;
        println!(
            "queued again: {} ({} on {})",
            record.id, record.reference, record.site
        );
        return Ok(());
    }
    let list: DeliveryList = response.parse()?;
    print!("{}", table(&list.deliveries, &status));
    Ok(())
}

pub fn table(deliveries: &[DeliveryRecord], status: &str) -> String {
    if deliveries.is_empty() {
        return format!("no {status} deliveries\n");
    }
    let mut out = format!(
        "{:<32}  {:<11}  {:<12}  {:<9}  {:>8}  reason\n",
        "delivery", "reference", "site", "connector", "attempts"
    );
    for d in deliveries {
        out.push_str(&format!(
            "{:<32}  {:<11}  {:<12}  {:<9}  {:>8}  {}\n",
            d.id,
            d.reference,
            d.site,
            d.connector,
            d.attempts,
            d.last_error.as_deref().unwrap_or("")
        ));
        for note in &d.notes {
            out.push_str(&format!("{:>80}  note: {note}\n", ""));
        }
    }
    out.push_str("\nretry one after fixing its cause: cargo xtask deliveries --retry ID\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use porthole_shared::DeliveryStatus;

    #[test]
    fn the_table_shows_the_reason_and_how_to_retry() {
        let d = DeliveryRecord {
            id: "d1".into(),
            conversation_id: "c1".into(),
            reference: "PH-ABCDEFGH".into(),
            site: "acme".into(),
            connector: "helpscout".into(),
            status: DeliveryStatus::Failed,
            attempts: 1,
            helpdesk_reference: None,
            last_error: Some("HTTP 403: This account is suspended".into()),
            notes: vec![],
            updated_at: 0,
        };
        let t = table(&[d], "failed");
        assert!(
            t.contains("PH-ABCDEFGH")
                && t.contains("HTTP 403: This account is suspended")
                && t.contains("--retry ID")
        );
        assert_eq!(table(&[], "failed"), "no failed deliveries\n");
    }
}
