//! What an oversize upload leaves in R2: nothing. It runs alone, so that no other upload runs
//! while the local bucket's blobs are counted.

use crate::helpers::*;
use porthole_shared::ErrorCode;
use std::path::PathBuf;

fn blob_count() -> usize {
    let state = std::env::var("PORTHOLE_STATE_DIR")
        .expect("PORTHOLE_STATE_DIR is set by `cargo xtask test`");
    let blobs = PathBuf::from(state).join("v3/r2/porthole-files/blobs");
    std::fs::read_dir(&blobs).map(|d| d.count()).unwrap_or(0)
}

#[test]
fn a_refused_upload_leaves_no_object_and_an_accepted_one_does() {
    let _alone = alone(&[], || {});
    let before = blob_count();
    upload_to("tiny", "big.txt", "text/plain", &bytes(50_000, 5))
        .error(413, ErrorCode::FileTooLarge);
    upload_to("tiny", "x.zip", "application/zip", &bytes(100, 5))
        .error(422, ErrorCode::ValidationFailed);
    assert_eq!(blob_count(), before, "nothing stored for refused uploads");
    // The same count sees a stored file: the check above could have failed.
    assert_eq!(
        upload_to("tiny", "fine.txt", "text/plain", &bytes(1000, 5)).status,
        201
    );
    assert_eq!(blob_count(), before + 1);
}
