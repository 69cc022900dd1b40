//! How long to wait before a delivery's next attempt. (Whether a failure is worth another attempt
//! at all is the connector's word: [`crate::connectors::failure`].)

use porthole_shared::config::DeliverySettings;

/// Seconds to wait before attempt `attempt + 1`: exponential from the base, capped, with "equal
/// jitter" (half fixed, half random) so that many deliveries failing together do not return
/// together. A helpdesk's Retry-After is a floor: retrying earlier only burns an attempt.
pub fn backoff_seconds(
    attempt: u32,
    settings: &DeliverySettings,
    retry_after: Option<u32>,
    random: f64,
) -> u32 {
    let exponent = attempt.saturating_sub(1).min(20);
    let full = (settings.retry_base_seconds as u64 * (1u64 << exponent))
        .min(settings.retry_max_seconds as u64) as f64;
    let jittered = (full / 2.0 + random.clamp(0.0, 1.0) * full / 2.0).ceil() as u32;
    jittered.max(retry_after.unwrap_or(0)).clamp(1, 43_200)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> DeliverySettings {
        DeliverySettings {
            retry_base_seconds: 10,
            retry_max_seconds: 300,
            ..DeliverySettings::default()
        }
    }

    #[test]
    fn backoff_grows_caps_and_jitters() {
        let s = settings();
        assert_eq!(backoff_seconds(1, &s, None, 0.0), 5);
        assert_eq!(backoff_seconds(1, &s, None, 1.0), 10);
        assert_eq!(backoff_seconds(3, &s, None, 1.0), 40);
        assert_eq!(backoff_seconds(30, &s, None, 1.0), 300, "capped");
        assert!((150..=300).contains(&backoff_seconds(30, &s, None, 0.5)));
    }

    #[test]
    fn retry_after_is_a_floor() {
        let s = settings();
        assert_eq!(backoff_seconds(1, &s, Some(60), 0.0), 60);
        assert_eq!(
            backoff_seconds(1, &s, Some(600), 0.0),
            600,
            "the helpdesk's word beats our cap"
        );
        assert_eq!(backoff_seconds(1, &s, Some(0), 0.0), 5);
    }
}
