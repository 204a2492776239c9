//! Every field-type parser, and a custom type, on arbitrary text as speech and as digits.
#![no_main]

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use switchboard::nlu::fields::{self, Answer, BuiltinType, Context, CustomType};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let context = Context {
        today: NaiveDate::from_ymd_opt(2026, 11, 25).expect("valid date"),
    };
    for ty in BuiltinType::ALL {
        let _ = fields::parse(ty, Answer::Speech(text), &context);
        let _ = fields::parse(ty, Answer::Digits(text), &context);
    }
    let _ = fields::parse_free_text(Answer::Speech(text));
    let custom = CustomType::new(vec![
        ("large".into(), vec!["big".into(), "1".into()]),
        ("small".into(), vec![]),
    ]);
    let _ = custom.parse(Answer::Speech(text));
    let _ = switchboard::nlu::numbers::parse_digit_sequence(text);
    let _ = switchboard::nlu::numbers::parse_number(text);
});
