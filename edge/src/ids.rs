//! Identifiers: random ids for records, and short references people can read out.

/// 32 lowercase hex characters from a v4 UUID.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// `PH-` and 8 Crockford base32 characters (40 random bits): no I, L, O or U, so nothing is
/// misread when a visitor quotes it on the phone.
pub fn new_reference() -> String {
    reference_from(uuid::Uuid::new_v4().as_bytes())
}

pub fn reference_from(random: &[u8; 16]) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut bits = u64::from_be_bytes([
        0, 0, 0, random[0], random[1], random[2], random[3], random[4],
    ]);
    let mut out = [0u8; 8];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(bits & 31) as usize];
        bits >>= 5;
    }
    format!("PH-{}", String::from_utf8_lossy(&out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_short_and_unambiguous() {
        let r = reference_from(&[0xff; 16]);
        assert_eq!(r, "PH-ZZZZZZZZ");
        assert_eq!(reference_from(&[0; 16]), "PH-00000000");
        let r = new_reference();
        assert_eq!(r.len(), 11);
        assert!(r[3..]
            .chars()
            .all(|c| c.is_ascii_digit() || (c.is_ascii_uppercase() && !"ILOU".contains(c))));
        assert_ne!(new_reference(), new_reference());
    }

    #[test]
    fn ids_pass_the_shared_id_rule() {
        let id = new_id();
        assert_eq!(id.len(), 32);
        assert!(porthole_shared::validate::is_id(&id));
    }
}
