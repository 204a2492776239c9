//! Twilio request signatures (`X-Twilio-Signature`): proof that a webhook came from Twilio.
//!
//! Twilio signs the full URL it requested, followed by every POST parameter name and value
//! (names sorted; each name's distinct values sorted), with HMAC-SHA1 keyed by the account's
//! auth token, and sends the Base64 digest. The URL must be the *public* one Twilio called, not
//! what a proxy forwarded to us, which is why it comes from configuration (`--public-url`) and
//! never from the request's `Host` header. Twilio is inconsistent about default ports, so the
//! signature is checked against the URL both with and without `:443`/`:80`, as Twilio's own
//! libraries do. The comparison is constant-time (`Mac::verify_slice`).

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// The header Twilio puts the signature in.
pub const HEADER: &str = "X-Twilio-Signature";

/// An auth token. Its `Debug` output is redacted so it can never reach a log.
#[derive(Clone)]
pub struct AuthToken(String);

impl AuthToken {
    /// Wraps a token, trimming the whitespace a file or environment variable tends to carry.
    pub fn new(token: &str) -> AuthToken {
        AuthToken(token.trim().to_owned())
    }
}

impl fmt::Debug for AuthToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthToken(<redacted>)")
    }
}

/// The signature Twilio would send for `url` and form `params`, Base64-encoded.
pub fn sign(token: &AuthToken, url: &str, params: &[(String, String)]) -> String {
    STANDARD.encode(
        mac(token, url, &signed_order(params))
            .finalize()
            .into_bytes(),
    )
}

/// True when `signature` is Twilio's signature of `url` and `params`, with or without the
/// default port in the URL.
pub fn verify(token: &AuthToken, url: &str, params: &[(String, String)], signature: &str) -> bool {
    let Ok(expected) = STANDARD.decode(signature.trim()) else {
        return false;
    };
    // Sorted once, whichever URL variants are tried.
    let pairs = signed_order(params);
    url_variants(url).iter().any(|candidate| {
        mac(token, candidate, &pairs)
            .verify_slice(&expected)
            .is_ok()
    })
}

/// Twilio's check for webhooks with a JSON body: the signature covers the URL alone (which
/// carries `bodySHA256=<hex>` in its query), and that hash must be the SHA-256 of the body.
pub fn verify_with_body(token: &AuthToken, url: &str, body: &[u8], signature: &str) -> bool {
    use sha2::{Digest, Sha256};
    let Some(claimed) = url.split_once('?').and_then(|(_, query)| {
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix("bodySHA256="))
    }) else {
        return false;
    };
    let actual: String = Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    // Not secret: the hash is in the URL for anyone to see; the signature check below is the
    // constant-time one.
    actual.eq_ignore_ascii_case(claimed) && verify(token, url, &[], signature)
}

/// The parameters in the order Twilio signs them: names sorted, each name's distinct values
/// sorted. Sorting the (name, value) pairs lexicographically and dropping equal neighbours is
/// exactly that rule, in one O(n log n) sort rather than a rescan of every parameter per name
/// (which made a form of thousands of distinct names cost quadratic CPU before its 403).
fn signed_order(params: &[(String, String)]) -> Vec<(&str, &str)> {
    let mut pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// The HMAC of `url` followed by each pair's name and value, `pairs` already in
/// [`signed_order`].
fn mac(token: &AuthToken, url: &str, pairs: &[(&str, &str)]) -> Hmac<Sha1> {
    // HMAC accepts keys of any length, so this cannot fail.
    let key = token.0.as_bytes();
    let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("any key length"); // ok: see above
    mac.update(url.as_bytes());
    for (name, value) in pairs {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    mac
}

/// The URL as given, with the scheme's default port added, and with any port removed.
fn url_variants(url: &str) -> Vec<String> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return vec![url.to_owned()];
    };
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    // Credentials (`user:pass@host`) are kept as they are; only the host's port changes.
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((user, host)) => (format!("{user}@"), host),
        None => (String::new(), authority),
    };
    let host = match hostport.rfind(']') {
        // An IPv6 literal: the port, if any, follows the closing bracket.
        Some(end) => &hostport[..=end],
        None => hostport.split(':').next().unwrap_or(hostport),
    };
    let default_port = match scheme {
        "https" => "443",
        "http" => "80",
        _ => return vec![url.to_owned()],
    };
    let with_port = format!("{scheme}://{userinfo}{host}:{default_port}{path}");
    let without_port = format!("{scheme}://{userinfo}{host}{path}");
    let mut variants = vec![url.to_owned()];
    for variant in [with_port, without_port] {
        if !variants.contains(&variant) {
            variants.push(variant);
        }
    }
    variants
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn basic_params() -> Vec<(String, String)> {
        params(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675309"),
            ("Digits", "1234"),
            ("From", "+14158675309"),
            ("To", "+18005551212"),
        ])
    }

    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";

    // The official test vectors from Twilio's helper library (twilio-python's
    // tests/unit/test_request_validator.py).
    #[test]
    fn official_vector_basic() {
        let token = AuthToken::new("12345");
        assert_eq!(
            sign(&token, URL, &basic_params()),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        );
        assert!(verify(
            &token,
            URL,
            &basic_params(),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
    }

    #[test]
    fn official_vector_with_port_443() {
        let token = AuthToken::new("12345");
        let url = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
        assert_eq!(
            sign(&token, url, &basic_params()),
            "kvajT1Ptam85bY51eRf/AJRuM3w="
        );
        // Either form of the URL verifies either signature.
        assert!(verify(
            &token,
            URL,
            &basic_params(),
            "kvajT1Ptam85bY51eRf/AJRuM3w="
        ));
        assert!(verify(
            &token,
            url,
            &basic_params(),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
    }

    #[test]
    fn official_vector_http_with_port_80() {
        let token = AuthToken::new("12345");
        let url = "http://mycompany.com:80/myapp.php?foo=1&bar=2";
        assert_eq!(
            sign(&token, url, &basic_params()),
            "0ZXoZLH/DfblKGATFgpif+LLRf4="
        );
        assert!(verify(
            &token,
            "http://mycompany.com/myapp.php?foo=1&bar=2",
            &basic_params(),
            "0ZXoZLH/DfblKGATFgpif+LLRf4="
        ));
    }

    #[test]
    fn official_vector_repeated_values_are_deduplicated_and_sorted() {
        let token = AuthToken::new("12345");
        let p = params(&[
            ("Sid", "CA123"),
            ("SidAccount", "AC123"),
            ("Digits", "5678"),
            ("Digits", "1234"),
            ("Digits", "1234"),
        ]);
        assert_eq!(sign(&token, URL, &p), "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
    }

    #[test]
    fn a_changed_parameter_token_or_url_fails() {
        let token = AuthToken::new("12345");
        let good = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
        let mut tampered = basic_params();
        tampered[2].1 = "9999".into();
        assert!(!verify(&token, URL, &tampered, good));
        assert!(!verify(
            &AuthToken::new("54321"),
            URL,
            &basic_params(),
            good
        ));
        assert!(!verify(
            &token,
            "https://evil.example/myapp.php?foo=1&bar=2",
            &basic_params(),
            good
        ));
        assert!(!verify(&token, URL, &basic_params(), "not base64!"));
        assert!(!verify(&token, URL, &basic_params(), ""));
    }

    #[test]
    fn official_vector_json_body() {
        let token = AuthToken::new("12345");
        let body = br#"{"property": "value", "boolean": true}"#;
        let hash = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
        let url = format!("{URL}&bodySHA256={hash}");
        assert!(verify_with_body(
            &token,
            &url,
            body,
            "a9nBmqA0ju/hNViExpshrM61xv4="
        ));
        assert!(
            !verify_with_body(
                &token,
                &url,
                b"{\"property\": \"other\"}",
                "a9nBmqA0ju/hNViExpshrM61xv4="
            ),
            "a changed body fails"
        );
        assert!(
            !verify_with_body(&token, URL, body, "a9nBmqA0ju/hNViExpshrM61xv4="),
            "no bodySHA256, no pass"
        );
    }

    #[test]
    fn url_variants_add_and_strip_default_ports() {
        assert_eq!(
            url_variants("https://a.example/x?y=1"),
            ["https://a.example/x?y=1", "https://a.example:443/x?y=1"]
        );
        assert_eq!(
            url_variants("http://[::1]:8080/voice"),
            [
                "http://[::1]:8080/voice",
                "http://[::1]:80/voice",
                "http://[::1]/voice"
            ]
        );
    }

    /// Twilio's rule spelled out the slow, obvious way (the implementation before the single
    /// sort): each distinct name in order, then that name's distinct values in order.
    fn reference_input(url: &str, params: &[(String, String)]) -> Vec<u8> {
        let mut input = url.as_bytes().to_vec();
        let mut names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        for name in names {
            let mut values: Vec<&str> = params
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .collect();
            values.sort_unstable();
            values.dedup();
            for value in values {
                input.extend_from_slice(name.as_bytes());
                input.extend_from_slice(value.as_bytes());
            }
        }
        input
    }

    #[test]
    fn one_sort_signs_exactly_what_the_reference_rule_signs() {
        let token = AuthToken::new("12345");
        // A fixed linear congruential generator: varied inputs, the same on every run. Names
        // and values come from small alphabets so names repeat, values repeat under one name,
        // one name is a prefix of another ("A", "AB"), and some values are empty.
        let mut seed: u64 = 0x5eed;
        let mut next = |bound: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % bound
        };
        let alphabet = ["", "A", "AB", "B", "b", "Digits", "Digits1", "\u{e9}", "1"];
        for round in 0..500 {
            let count = next(12);
            let params: Vec<(String, String)> = (0..count)
                .map(|_| {
                    let name = alphabet[1 + next(alphabet.len() as u64 - 1) as usize];
                    let value = alphabet[next(alphabet.len() as u64) as usize];
                    (name.to_owned(), value.to_owned())
                })
                .collect();
            let expected = {
                let key = b"12345";
                let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("any key length");
                mac.update(&reference_input(URL, &params));
                STANDARD.encode(mac.finalize().into_bytes())
            };
            assert_eq!(
                sign(&token, URL, &params),
                expected,
                "round {round}: {params:?}"
            );
            assert!(verify(&token, URL, &params, &expected), "round {round}");
        }
    }

    #[test]
    fn the_token_never_prints() {
        assert_eq!(
            format!("{:?}", AuthToken::new("secret")),
            "AuthToken(<redacted>)"
        );
    }
}
