//! Why a delivery attempt did not finish, as the connectors tell it: every way a helpdesk call can
//! fail becomes a [`Failure`], which the delivery engine settles (another attempt, or not).

/// Why a delivery attempt did not finish.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// Worth another attempt: network trouble, timeouts, 408, 429, 5xx.
    Retryable {
        reason: String,
        retry_after: Option<u32>,
    },
    /// Will fail the same way until someone changes something: 4xx, missing credentials.
    Permanent { reason: String },
    /// Not a failure: the message waits for something on its way (its conversation reaching the
    /// helpdesk). Tried again later without using up an attempt.
    Waiting { reason: String },
}

impl Failure {
    pub fn retryable(reason: impl Into<String>) -> Failure {
        Failure::Retryable {
            reason: reason.into(),
            retry_after: None,
        }
    }

    pub fn permanent(reason: impl Into<String>) -> Failure {
        Failure::Permanent {
            reason: reason.into(),
        }
    }
}

/// A helpdesk's non-success answer. `reason` is the vendor's own explanation, already readable.
pub fn classify(status: u16, retry_after: Option<u32>, reason: &str) -> Failure {
    let reason = format!("HTTP {status}: {reason}");
    match status {
        408 | 425 | 429 | 500..=599 => Failure::Retryable {
            reason,
            retry_after,
        },
        _ => Failure::Permanent { reason },
    }
}

/// `Retry-After` (or a vendor's equivalent) in seconds; HTTP dates are treated as absent.
pub fn parse_retry_after(value: Option<&str>) -> Option<u32> {
    value?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| s.ceil().min(43_200.0) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        for s in [408, 425, 429, 500, 502, 503, 504] {
            assert!(
                matches!(classify(s, None, "x"), Failure::Retryable { .. }),
                "{s}"
            );
        }
        for s in [400, 401, 403, 404, 409, 412, 413, 422] {
            assert!(
                matches!(classify(s, None, "x"), Failure::Permanent { .. }),
                "{s}"
            );
        }
        assert_eq!(
            classify(429, Some(7), "slow down"),
            Failure::Retryable {
                reason: "HTTP 429: slow down".into(),
                retry_after: Some(7)
            }
        );
    }

    #[test]
    fn retry_after_values() {
        assert_eq!(parse_retry_after(Some("5")), Some(5));
        assert_eq!(parse_retry_after(Some(" 1.2 ")), Some(2));
        assert_eq!(
            parse_retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            None
        );
        assert_eq!(parse_retry_after(Some("-3")), None);
        assert_eq!(parse_retry_after(None), None);
    }
}
