//! Field-type parser cost: `switchboard::nlu::fields::parse` on realistic answers.
//!
//! Why: every answer to a collect question goes through one of these parsers before the engine
//! accepts it or asks again, so their cost is part of every question turn. They are small
//! string-processing functions; this records what each costs so a regression (say, a parser
//! that starts compiling a table per call) shows up as a jump.
//!
//! What: one `parse(type, answer, &Context { today })` call per iteration, for one or two
//! answers per built-in type as a speech recogniser would transcribe them ("my name is Jason",
//! "four one five, five five five, oh one two three", "next Friday", "half past three pm", "jason
//! at example dot com"…), plus keypad input where callers commonly use it. `today` is a fixed
//! date, so the results are deterministic. Setup prints each parser's result once, so it is
//! known whether the success path (Some) or the rejection path (None) was measured.

use std::hint::black_box;
use std::time::Duration;

use chrono::NaiveDate;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use switchboard::nlu::fields::{Answer, BuiltinType, Context, parse};

/// (type, short label for the report, the answer).
fn cases() -> Vec<(BuiltinType, &'static str, Answer<'static>)> {
    use Answer::{Digits, Speech};
    use BuiltinType as T;
    vec![
        (T::FirstName, "my_name_is_jason", Speech("my name is Jason")),
        (T::LastName, "its_smith", Speech("it's Smith")),
        (
            T::NumberSequence,
            "spoken_phone_digits",
            Speech("four one five, five five five, oh one two three"),
        ),
        (T::NumberSequence, "keypad", Digits("4155550123#")),
        (
            T::PhoneNumber,
            "spoken",
            Speech("my number is four one five five five five zero one two three"),
        ),
        (T::PhoneNumber, "written", Speech("(415) 555-0123")),
        (T::Date, "next_friday", Speech("next Friday")),
        (T::Date, "march_3rd", Speech("March 3rd")),
        (T::Time, "half_past_three_pm", Speech("half past three pm")),
        (T::Time, "ten_thirty_am", Speech("10:30 in the morning")),
        (T::Email, "spoken", Speech("jason at example dot com")),
        (T::YesNo, "yes_please", Speech("yes please")),
        (T::YesNo, "nope", Speech("nope, not really")),
        (T::Number, "twenty_five", Speech("twenty five")),
        (T::Number, "three_point_five", Speech("three point five")),
        (
            T::Alphanumeric,
            "booking_ref",
            Speech("A B C one two three"),
        ),
        (T::DayOfWeek, "on_tuesday", Speech("on Tuesday")),
        (T::Month, "in_december", Speech("in December")),
        (T::UsState, "new_york", Speech("New York")),
        (T::Currency, "us_dollars", Speech("US dollars")),
        (T::City, "free_text", Speech("San Francisco")),
    ]
}

fn parsers(c: &mut Criterion) {
    // A fixed Wednesday, so relative dates resolve the same on every run.
    let ctx = Context {
        today: NaiveDate::from_ymd_opt(2026, 11, 25).expect("valid date"),
    };
    let mut group = c.benchmark_group("parse");
    group
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500))
        .sample_size(50);
    for (ty, label, answer) in cases() {
        let result = parse(ty, answer, &ctx);
        eprintln!("fields {} {label}: {answer:?} -> {result:?}", ty.name());
        let id = BenchmarkId::new(ty.name().trim_start_matches("Twilio."), label);
        group.bench_with_input(id, &answer, |b, &answer| {
            b.iter(|| parse(black_box(ty), black_box(answer), black_box(&ctx)));
        });
    }
    group.finish();
}

criterion_group!(benches, parsers);
criterion_main!(benches);
