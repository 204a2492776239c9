//! One simulated registration call: the webhooks Twilio would send for it, with the parameters
//! Twilio sends (25 of them, about 500 bytes a turn), and words each reply must hold.
//!
//! The conversation is the sign-up bot's: greeting, "register", a name, a keyed-in phone
//! number, goodbye. Names and numbers differ per call so the check afterwards can tell every
//! call's saved answers apart.

/// Names callers give; letters only, so every one is a valid first name.
const NAMES: [&str; 16] = [
    "Jason", "Maria", "Priya", "Ada", "Grace", "Omar", "Chen", "Fatima", "Lucas", "Amara", "Noah",
    "Ingrid", "Mateo", "Yuki", "Kwame", "Sofia",
];

/// The five turns of a registration call.
pub const TURNS: usize = 5;

/// One webhook: where it goes, its form body, and what the reply must contain.
#[derive(Debug, Clone)]
pub struct Turn {
    /// The path.
    pub path: &'static str,
    /// The `application/x-www-form-urlencoded` body.
    pub body: String,
    /// Its `I-Twilio-Idempotency-Token`: Twilio sends one with every webhook, the same again
    /// only when it retries that delivery.
    pub token: String,
    /// Words the reply must hold for the call to have gone as planned.
    pub expect: String,
}

/// A whole call.
#[derive(Debug, Clone)]
pub struct Call {
    /// Its CallSid.
    pub sid: String,
    /// The name the caller gives.
    pub name: &'static str,
    /// The number the caller keys in.
    pub phone: String,
    /// The webhooks, in order.
    pub turns: Vec<Turn>,
}

/// The `index`th registration call of run `run`: a CallSid unique to both, as Twilio's are
/// (`CA` and 32 hex digits, in no order). Counting sids (`CA…0001`, `CA…0002`) would flatter
/// the database: calls in progress would sit side by side in every index keyed by CallSid,
/// where Twilio's random ones land each on a page of its own.
pub fn registration(run: u32, index: u64) -> Call {
    let sid = format!(
        "CA{:016x}{:016x}",
        scramble(u64::from(run) << 40 ^ index),
        scramble(index ^ 0x5bd1_e995)
    );
    let name = NAMES[usize::try_from(index % 16).unwrap_or(0)];
    let phone = format!("415{:07}", index % 10_000_000);
    let from = format!("+1628{:07}", index % 10_000_000);
    let base = base_params(&sid, &from);
    let speech = |said: &str, confidence: &str| -> String {
        let mut form = base.clone();
        form.push(("SpeechResult", said.to_owned()));
        form.push(("Confidence", confidence.to_owned()));
        encode(&form)
    };
    let keys = {
        let mut form = base.clone();
        form.push(("Digits", phone.clone()));
        form.push(("FinishedOnKey", "#".to_owned()));
        encode(&form)
    };
    let turns = vec![
        turn("/voice", encode(&base), "What would you like to do?"),
        turn(
            "/voice/gather",
            speech("I'd like to register please", "0.91"),
            "What is your name?",
        ),
        turn(
            "/voice/gather",
            speech(&format!("my name is {name}"), "0.87"),
            "phone number",
        ),
        turn("/voice/gather", keys, &format!("Thank you, {name}.")),
        turn(
            "/voice/gather",
            speech("that's all, goodbye", "0.93"),
            "Goodbye",
        ),
    ];
    let turns = turns
        .into_iter()
        .enumerate()
        .map(|(i, turn)| Turn {
            token: format!("{}-{i}", &sid[2..]),
            ..turn
        })
        .collect();
    Call {
        sid,
        name,
        phone,
        turns,
    }
}

/// The same webhooks, every one sent to `path` (the baseline's fixed-TwiML route), expecting
/// only a TwiML document back.
pub fn to_fixed(call: &Call, path: &'static str) -> Call {
    Call {
        turns: call
            .turns
            .iter()
            .map(|t| Turn {
                path,
                body: t.body.clone(),
                token: t.token.clone(),
                expect: "<Response>".into(),
            })
            .collect(),
        ..call.clone()
    }
}

/// A bijection on u64 (splitmix64's finaliser): distinct inputs give distinct, well-spread
/// outputs, so sids stay unique and look random.
fn scramble(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn turn(path: &'static str, body: String, expect: &str) -> Turn {
    Turn {
        path,
        body,
        token: String::new(),
        expect: expect.to_owned(),
    }
}

/// What Twilio sends with every voice webhook of an inbound call.
fn base_params(sid: &str, from: &str) -> Vec<(&'static str, String)> {
    let to = "+14155550100";
    let mut form: Vec<(&'static str, String)> = vec![
        ("AccountSid", "AC0123456789abcdef0123456789abcdef".into()),
        ("ApiVersion", "2010-04-01".into()),
        ("CallSid", sid.into()),
        ("CallStatus", "in-progress".into()),
        ("Called", to.into()),
        ("Caller", from.into()),
        ("Direction", "inbound".into()),
        ("From", from.into()),
        ("To", to.into()),
    ];
    let places: [(&'static str, &str); 16] = [
        ("CalledCity", "SAN FRANCISCO"),
        ("CalledCountry", "US"),
        ("CalledState", "CA"),
        ("CalledZip", "94105"),
        ("CallerCity", "OAKLAND"),
        ("CallerCountry", "US"),
        ("CallerState", "CA"),
        ("CallerZip", "94612"),
        ("FromCity", "OAKLAND"),
        ("FromCountry", "US"),
        ("FromState", "CA"),
        ("FromZip", "94612"),
        ("ToCity", "SAN FRANCISCO"),
        ("ToCountry", "US"),
        ("ToState", "CA"),
        ("ToZip", "94105"),
    ];
    form.extend(places.iter().map(|(k, v)| (*k, (*v).to_owned())));
    form
}

fn encode(form: &[(&'static str, String)]) -> String {
    // Serialising a list of string pairs cannot fail.
    serde_urlencoded::to_string(form).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_call_has_its_own_sid_name_and_number() {
        let a = registration(7, 1);
        let b = registration(7, 2);
        let other_run = registration(8, 1);
        assert_ne!(a.sid, b.sid);
        assert_ne!(a.sid, other_run.sid);
        assert_eq!(a.sid.len(), 34);
        assert!(a.sid.chars().skip(2).all(|c| c.is_ascii_hexdigit()));
        assert_ne!((a.name, &a.phone), (b.name, &b.phone));
        assert_eq!(a.turns.len(), TURNS);
    }

    #[test]
    fn bodies_are_what_twilio_sends() {
        let call = registration(1, 42);
        let form: Vec<(String, String)> =
            serde_urlencoded::from_str(&call.turns[3].body).expect("decodes");
        let get = |name: &str| {
            form.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("CallSid"), Some(call.sid.as_str()));
        assert_eq!(get("Digits"), Some("4150000042"));
        assert_eq!(get("FromCity"), Some("OAKLAND"));
        assert!(form.len() >= 25, "{}", form.len());
        assert!(
            call.turns[0].body.len() > 400,
            "{}",
            call.turns[0].body.len()
        );
        assert_eq!(call.turns[3].expect, format!("Thank you, {}.", call.name));
        let tokens: std::collections::HashSet<&str> =
            call.turns.iter().map(|t| t.token.as_str()).collect();
        assert_eq!(tokens.len(), TURNS, "a token of its own for every webhook");
        assert!(!tokens.contains(""));
    }
}
