//! Who may see the console: a sign-in with the admin token, then a signed, expiring session
//! cookie; a CSRF token for every form that changes something; failed sign-ins rate-limited.
//!
//! The cookie is `EXPIRY.NONCE.MAC`, the MAC an HMAC-SHA256 keyed by a key derived from the
//! admin token. Nothing is kept in the server: every server given the same token (several on
//! one PostgreSQL database) accepts the others' cookies, a restart signs nobody out, and
//! changing the token signs everyone out. Signing out clears the cookie in the browser; a
//! copy stolen before then lasts until it expires ([`SESSION_HOURS`]), which is why it is
//! `HttpOnly` (no script reads it) and `SameSite=Strict` (no other site sends it).

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How long a sign-in lasts.
pub const SESSION_HOURS: u64 = 8;

/// The cookie's name.
pub const COOKIE: &str = "switchboard_console";

/// Failed sign-ins allowed in [`FAILURE_WINDOW`], from anyone, before every sign-in is refused
/// for the rest of it: a token cannot be guessed at more than a few tries a minute.
const MAX_FAILURES: usize = 5;
const FAILURE_WINDOW: Duration = Duration::from_secs(60);

/// The keys sessions and CSRF tokens are signed with, derived from the admin token.
pub struct Keys {
    mac_key: [u8; 32],
    failures: Mutex<Vec<Instant>>,
}

impl Keys {
    /// Keys for the console of a server whose admin token is `token`.
    pub fn new(token: &str) -> Keys {
        // A key of its own, so a console cookie never doubles as anything else signed with
        // the token.
        let mut mac = hmac(token.as_bytes());
        mac.update(b"switchboard console session key v1");
        Keys {
            mac_key: mac.finalize().into_bytes().into(),
            failures: Mutex::new(Vec::new()),
        }
    }

    /// A new session's cookie value.
    pub fn issue(&self) -> String {
        let expiry = now_secs() + SESSION_HOURS * 3600;
        let nonce = hex(&random_bytes());
        let body = format!("{expiry}.{nonce}");
        let tag = hex(&self.sign(body.as_bytes()));
        format!("{body}.{tag}")
    }

    /// Whether `cookie` is a session this key issued that has not expired.
    pub fn valid(&self, cookie: &str) -> bool {
        let Some((body, tag)) = cookie.rsplit_once('.') else {
            return false;
        };
        let Some(expiry) = body.split('.').next().and_then(|e| e.parse::<u64>().ok()) else {
            return false;
        };
        let Some(tag) = unhex(tag) else {
            return false;
        };
        let mut mac = hmac(&self.mac_key);
        mac.update(body.as_bytes());
        // Constant time: no early exit that would leak how much of a forged tag was right.
        mac.verify_slice(&tag).is_ok() && expiry > now_secs()
    }

    /// The CSRF token of a session: forms carry it, and a request that changes something must
    /// bring it back; another site can make a browser send the cookie, never read this.
    /// A short tag naming `key` in the console's addresses (a call's), so they never carry a
    /// session key, which for a text conversation holds the caller's number. Keyed, so it
    /// cannot be worked back from a guessed number.
    pub fn tag(&self, key: &str) -> String {
        hex(&self.sign(format!("call:{key}").as_bytes()))
            .chars()
            .take(16)
            .collect()
    }

    pub fn csrf(&self, cookie: &str) -> String {
        hex(&self.sign(format!("csrf:{cookie}").as_bytes()))
    }

    /// Whether `token` is the CSRF token of the session `cookie`, in constant time.
    pub fn csrf_matches(&self, cookie: &str, token: &str) -> bool {
        let Some(tag) = unhex(token) else {
            return false;
        };
        let mut mac = hmac(&self.mac_key);
        mac.update(format!("csrf:{cookie}").as_bytes());
        mac.verify_slice(&tag).is_ok()
    }

    /// Whether a sign-in may be tried now (false while too many have failed lately).
    pub fn may_try(&self) -> bool {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.retain(|at| at.elapsed() < FAILURE_WINDOW);
        failures.len() < MAX_FAILURES
    }

    /// Counts a failed sign-in.
    pub fn failed(&self) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.push(Instant::now());
    }

    fn sign(&self, data: &[u8]) -> [u8; 32] {
        let mut mac = hmac(&self.mac_key);
        mac.update(data);
        mac.finalize().into_bytes().into()
    }
}

fn hmac(key: &[u8]) -> Hmac<Sha256> {
    // ok: HMAC takes a key of any length (longer ones are hashed first); this cannot fail.
    Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key"))
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// 16 bytes from the system's random source, or, where there is none, from the clock and the
/// process (the MAC, not the nonce, is what makes a cookie unforgeable).
fn random_bytes() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    let random = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes));
    if random.is_err() {
        let seed = format!("{:?}{}", SystemTime::now(), std::process::id());
        let mut mac = hmac(seed.as_bytes());
        mac.update(b"nonce");
        bytes.copy_from_slice(&mac.finalize().into_bytes()[..16]);
    }
    bytes
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_valid_until_changed_or_signed_with_another_token() {
        let keys = Keys::new("s3cret-admin-token");
        let cookie = keys.issue();
        assert!(keys.valid(&cookie));
        assert!(!Keys::new("another-token").valid(&cookie));
        // Any change to the expiry or nonce breaks the MAC.
        let (body, tag) = cookie.rsplit_once('.').expect("three parts");
        let later = body.replacen(|c: char| c.is_ascii_digit(), "9", 1);
        assert!(!keys.valid(&format!("{later}.{tag}")));
        assert!(!keys.valid("not a cookie"));
        assert!(!keys.valid(""));
    }

    #[test]
    fn an_expired_session_is_refused_though_its_mac_is_right() {
        let keys = Keys::new("token");
        let body = format!("{}.{}", now_secs() - 1, hex(&[7; 16]));
        let tag = hex(&keys.sign(body.as_bytes()));
        assert!(!keys.valid(&format!("{body}.{tag}")));
    }

    #[test]
    fn csrf_tokens_belong_to_one_session() {
        let keys = Keys::new("token");
        let (one, two) = (keys.issue(), keys.issue());
        assert!(keys.csrf_matches(&one, &keys.csrf(&one)));
        assert!(!keys.csrf_matches(&two, &keys.csrf(&one)));
        assert!(!keys.csrf_matches(&one, "zz"));
        assert!(!keys.csrf_matches(&one, ""));
    }

    #[test]
    fn sign_ins_stop_after_a_few_failures() {
        let keys = Keys::new("token");
        for _ in 0..MAX_FAILURES {
            assert!(keys.may_try());
            keys.failed();
        }
        assert!(!keys.may_try());
    }
}
