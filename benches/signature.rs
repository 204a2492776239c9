//! Signature check cost: `signature::verify` refusing a bogus `X-Twilio-Signature`.
//!
//! Why: the check runs on every webhook, before anything else, on the async workers, and an
//! unauthenticated attacker chooses its input. Issue 13 found a 64 KB form of 16,000 names
//! costing ~0.9 s of CPU; a bogus signature must cost microseconds. The form extractor now
//! refuses more than `MAX_PARAMS` parameters before checking, so the worst input the check can
//! see is a body of `MAX_BODY` bytes spread over `MAX_PARAMS` parameters.
//!
//! What (one iteration = one `verify` call that fails, so every URL variant is tried):
//! - `verify/typical_voice`: a Twilio voice gather webhook's ~30 parameters (about 1 KB);
//! - `verify/cap_64k`: `MAX_PARAMS` parameters filling `MAX_BODY` (decoded, as the
//!   extractor hands them over).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use switchboard::http::form::{MAX_BODY, MAX_PARAMS};
use switchboard::signature::{AuthToken, verify};

const URL: &str = "https://bot.example.com/voice/gather";
/// Valid Base64, not the signature of anything here.
const BOGUS: &str = "bm90IGEgc2lnbmF0dXJlISE=";

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The parameters of a real voice gather webhook (values made up).
fn typical_voice() -> Vec<(String, String)> {
    pairs(&[
        ("AccountSid", "AC0123456789abcdef0123456789abcdef"),
        ("ApiVersion", "2010-04-01"),
        ("CallSid", "CA0123456789abcdef0123456789abcdef"),
        ("CallStatus", "in-progress"),
        ("Called", "+14155550100"),
        ("CalledCity", "SAN FRANCISCO"),
        ("CalledCountry", "US"),
        ("CalledState", "CA"),
        ("CalledZip", "94105"),
        ("Caller", "+14155550199"),
        ("CallerCity", "OAKLAND"),
        ("CallerCountry", "US"),
        ("CallerState", "CA"),
        ("CallerZip", "94612"),
        ("Confidence", "0.92"),
        ("Direction", "inbound"),
        ("From", "+14155550199"),
        ("FromCity", "OAKLAND"),
        ("FromCountry", "US"),
        ("FromState", "CA"),
        ("FromZip", "94612"),
        ("Language", "en-US"),
        (
            "SpeechResult",
            "I would like to register for the spring session please",
        ),
        ("To", "+14155550100"),
        ("ToCity", "SAN FRANCISCO"),
        ("ToCountry", "US"),
        ("ToState", "CA"),
        ("ToZip", "94105"),
        ("Memory", r#"{"twilio":{"collected_data":{}}}"#),
    ])
}

/// `MAX_PARAMS` distinct names whose encoded form fills `MAX_BODY`.
fn at_the_cap() -> Vec<(String, String)> {
    // Each part is "nNNN=" + value + "&": 6 bytes around the value.
    let value_len = MAX_BODY / MAX_PARAMS - 6;
    (0..MAX_PARAMS)
        .map(|i| (format!("n{i:03}"), "x".repeat(value_len)))
        .collect()
}

fn bench(c: &mut Criterion) {
    let token = AuthToken::new("0123456789abcdef0123456789abcdef");
    let mut group = c.benchmark_group("verify");
    for (name, params) in [
        ("typical_voice", typical_voice()),
        ("cap_64k", at_the_cap()),
    ] {
        let bytes: usize = params.iter().map(|(k, v)| k.len() + v.len()).sum();
        println!("{name}: {} parameters, {bytes} bytes", params.len());
        assert!(!verify(&token, URL, &params, BOGUS));
        group.bench_function(name, |b| {
            b.iter(|| verify(black_box(&token), URL, black_box(&params), BOGUS));
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
