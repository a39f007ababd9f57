//! The `X-Hook-Signature` of a delivery: lowercase hex of the HMAC-SHA256 of the raw body, keyed
//! by the webhook's secret.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::ReceiveError;
use crate::Secret;

/// Bytes in an HMAC-SHA256 tag.
const TAG_LEN: usize = 32;

/// Characters in an `X-Hook-Signature`: two hex digits per byte of the tag.
pub(super) const SIGNATURE_LEN: usize = TAG_LEN * 2;

/// Signs `body` as Asana signs a delivery to a webhook whose secret is `secret`: the value of the
/// `X-Hook-Signature` header, 64 lowercase hex digits.
///
/// Meant for tests of your own receiver: send the body with this header and it verifies.
///
/// ```
/// use asana_client::{Secret, receiver};
///
/// let secret = Secret::new("9f3ac1d2e4");
/// let body = br#"{"events":[]}"#;
/// let signature = receiver::sign(&secret, body);
/// assert_eq!(signature.len(), 64);
/// assert!(receiver::verify(&secret, body, signature.as_bytes()).is_ok());
/// ```
pub fn sign(secret: &Secret, body: &[u8]) -> String {
    base16ct::lower::encode_string(&tag(secret, body))
}

/// Checks that `signature` (an `X-Hook-Signature` value) is the signature of `body` under
/// `secret`, comparing in constant time so that the time taken does not tell an attacker how
/// much of a forged signature was right.
///
/// # Errors
///
/// [`ReceiveError::MalformedSignature`] unless `signature` is exactly 64 lowercase hex digits
/// (what Asana sends; accepting other spellings of the same bytes would let a changed signature
/// still verify), [`ReceiveError::WrongSignature`] if it is well formed but does not match.
pub fn verify(secret: &Secret, body: &[u8], signature: &[u8]) -> Result<(), ReceiveError> {
    let claimed = decode(signature).ok_or(ReceiveError::MalformedSignature)?;
    if bool::from(tag(secret, body).ct_eq(&claimed)) {
        Ok(())
    } else {
        Err(ReceiveError::WrongSignature)
    }
}

/// Whether two secrets are equal, in time that does not depend on where they differ.
pub(super) fn same_secret(a: &Secret, b: &Secret) -> bool {
    a.expose().as_bytes().ct_eq(b.expose().as_bytes()).into()
}

fn tag(secret: &Secret, body: &[u8]) -> [u8; TAG_LEN] {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()) {
        Ok(mac) => mac,
        // HMAC hashes keys longer than a block and pads shorter ones, so every length works.
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    };
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// The tag that `signature` spells, if it is exactly 64 lowercase hex digits.
fn decode(signature: &[u8]) -> Option<[u8; TAG_LEN]> {
    // The decoder accepts shorter input (filling less of the buffer), so the length is checked
    // first.
    if signature.len() != SIGNATURE_LEN {
        return None;
    }
    let mut tag = [0; TAG_LEN];
    base16ct::lower::decode(signature, &mut tag).ok()?;
    Some(tag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// RFC 4231, test case 2: key "Jefe".
    const RFC_4231_DATA: &[u8] = b"what do ya want for nothing?";
    const RFC_4231_TAG: &str = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

    #[test]
    fn signature_is_the_standard_hmac_sha256_in_lowercase_hex() {
        let secret = Secret::new("Jefe");
        assert_eq!(sign(&secret, RFC_4231_DATA), RFC_4231_TAG);
        assert!(verify(&secret, RFC_4231_DATA, RFC_4231_TAG.as_bytes()).is_ok());
    }

    #[test]
    fn decoding_rejects_anything_but_64_lowercase_hex_digits() {
        let upper = RFC_4231_TAG.to_ascii_uppercase();
        let short = &RFC_4231_TAG[..62];
        let long = format!("{RFC_4231_TAG}00");
        let padded = format!(" {}", &RFC_4231_TAG[1..]);
        let prefixed = format!("sha256={}", &RFC_4231_TAG[7..]);
        let non_hex = format!("{}zz", &RFC_4231_TAG[..62]);
        let multibyte = format!("{}é", &RFC_4231_TAG[..62]);
        for bad in [
            "", &upper, short, &long, &padded, &prefixed, &non_hex, &multibyte,
        ] {
            assert_eq!(decode(bad.as_bytes()), None, "{bad:?}");
            assert!(
                matches!(
                    verify(&Secret::new("Jefe"), RFC_4231_DATA, bad.as_bytes()),
                    Err(ReceiveError::MalformedSignature)
                ),
                "{bad:?}"
            );
        }
        assert!(decode(RFC_4231_TAG.as_bytes()).is_some());
    }

    #[test]
    fn wrong_secret_or_body_is_a_mismatch() {
        let signature = sign(&Secret::new("Jefe"), RFC_4231_DATA);
        assert!(matches!(
            verify(&Secret::new("jefe"), RFC_4231_DATA, signature.as_bytes()),
            Err(ReceiveError::WrongSignature)
        ));
        assert!(matches!(
            verify(
                &Secret::new("Jefe"),
                b"what do ya want for nothing!",
                signature.as_bytes()
            ),
            Err(ReceiveError::WrongSignature)
        ));
    }

    #[test]
    fn secrets_compare_by_value() {
        assert!(same_secret(&Secret::new("abc"), &Secret::new("abc")));
        assert!(!same_secret(&Secret::new("abc"), &Secret::new("abd")));
        assert!(!same_secret(&Secret::new("abc"), &Secret::new("abcd")));
    }

    fn cases() -> ProptestConfig {
        let cases = std::env::var("FUZZ_CASES")
            .ok()
            .and_then(|cases| cases.parse().ok())
            .unwrap_or(256);
        ProptestConfig::with_cases(cases)
    }

    proptest! {
        #![proptest_config(cases())]

        #[test]
        fn any_signed_body_verifies(secret in "[ -~]{1,80}", body in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let secret = Secret::new(secret);
            let signature = sign(&secret, &body);
            prop_assert!(verify(&secret, &body, signature.as_bytes()).is_ok());
        }

        #[test]
        fn flipping_any_bit_of_the_body_breaks_the_signature(
            secret in "[ -~]{1,80}",
            body in proptest::collection::vec(any::<u8>(), 1..2048),
            bit in any::<proptest::sample::Index>(),
        ) {
            let secret = Secret::new(secret);
            let signature = sign(&secret, &body);
            let mut changed = body.clone();
            let bit = bit.index(body.len() * 8);
            if let Some(byte) = changed.get_mut(bit / 8) {
                *byte ^= 1 << (bit % 8);
            }
            prop_assert!(matches!(
                verify(&secret, &changed, signature.as_bytes()),
                Err(ReceiveError::WrongSignature)
            ));
        }

        #[test]
        fn flipping_any_bit_of_the_signature_breaks_it(
            secret in "[ -~]{1,80}",
            body in proptest::collection::vec(any::<u8>(), 0..512),
            bit in 0..64usize * 8,
        ) {
            let secret = Secret::new(secret);
            let mut signature = sign(&secret, &body).into_bytes();
            if let Some(byte) = signature.get_mut(bit / 8) {
                *byte ^= 1 << (bit % 8);
            }
            // A flipped hex digit is either another digit (a mismatch) or not a lowercase hex
            // digit at all (malformed): never a pass, even for `a` -> `A`.
            prop_assert!(verify(&secret, &body, &signature).is_err());
        }
    }
}
