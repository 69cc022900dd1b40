//! What a message must be to be accepted, checked before anything is written: its fields, the
//! identity the site vouches for, and its files.

use crate::error::Error;
use crate::identity;
use crate::store::UploadClaim;
use porthole_shared::config::SiteConfig;
use porthole_shared::form::validate_form;
use porthole_shared::{validate_follow_up, FollowUp, Submission};
use worker::Env;

/// A first message's fields (the site's custom ones included) and, when it carries one, the
/// site's signature of the visitor's email.
pub fn first_message(env: &Env, site: &SiteConfig, submission: &Submission) -> Result<(), Error> {
    let fields: Vec<_> = site.widget.fields.iter().map(|f| f.public("en")).collect();
    // Checked whatever the fields say: a missing identity key is logged for the operator.
    let identity = submission
        .identity
        .as_ref()
        .map(|signature| identity::verify(env, site, &submission.email, signature));
    validate_form(submission, &site.limits(), &fields).map_err(Error::Validation)?;
    identity.unwrap_or(Ok(()))
}

/// A later message's fields.
pub fn follow_up(site: &SiteConfig, follow_up: &FollowUp) -> Result<(), Error> {
    validate_follow_up(follow_up, &site.limits()).map_err(Error::Validation)
}

/// Every referenced file must exist, belong to this site and not be part of a message yet.
pub fn check_attachments(
    found: &[UploadClaim],
    wanted: &[String],
    site: &str,
) -> Result<(), Error> {
    let ok = wanted.iter().all(|id| {
        found
            .iter()
            .any(|u| &u.id == id && u.site == site && !u.claimed)
    });
    if ok {
        Ok(())
    } else {
        Err(Error::UnknownAttachment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(id: &str, site: &str, claimed: bool) -> UploadClaim {
        UploadClaim {
            id: id.into(),
            site: site.into(),
            claimed,
        }
    }

    #[test]
    fn attachments_must_be_this_sites_and_free() {
        let found = vec![
            claim("a", "demo", false),
            claim("b", "other", false),
            claim("c", "demo", true),
        ];
        assert!(check_attachments(&found, &["a".into()], "demo").is_ok());
        assert!(
            check_attachments(&found, &["b".into()], "demo").is_err(),
            "another site's upload"
        );
        assert!(
            check_attachments(&found, &["c".into()], "demo").is_err(),
            "already in a message"
        );
        assert!(
            check_attachments(&found, &["zzz".into()], "demo").is_err(),
            "unknown"
        );
        assert!(check_attachments(&found, &[], "demo").is_ok());
    }
}
