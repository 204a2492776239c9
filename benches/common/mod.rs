//! Synthetic assistants shared by the benches: a deterministic generator of tasks and samples
//! (see `benches/matcher.rs` for what they look like and why), and a writer that lays one out
//! as a real flows folder (`benches/startup.rs`).
//!
//! Each bench file compiles this module separately and uses only part of it, hence the
//! `dead_code` allowance below.

#![allow(dead_code)]

use std::fs;
use std::io;
use std::path::Path;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion};
use serde_json::json;

/// Content words of a customer-service domain: what tasks are about.
pub const DOMAIN: &[&str] = &[
    "book",
    "table",
    "order",
    "cancel",
    "refund",
    "appointment",
    "doctor",
    "delivery",
    "account",
    "password",
    "payment",
    "invoice",
    "bill",
    "balance",
    "card",
    "credit",
    "debit",
    "transfer",
    "loan",
    "mortgage",
    "insurance",
    "claim",
    "policy",
    "quote",
    "price",
    "discount",
    "coupon",
    "voucher",
    "subscription",
    "plan",
    "upgrade",
    "downgrade",
    "renew",
    "membership",
    "ticket",
    "flight",
    "hotel",
    "room",
    "reservation",
    "booking",
    "checkin",
    "checkout",
    "luggage",
    "baggage",
    "seat",
    "boarding",
    "gate",
    "train",
    "taxi",
    "ride",
    "driver",
    "pickup",
    "dropoff",
    "address",
    "shipping",
    "package",
    "parcel",
    "tracking",
    "return",
    "exchange",
    "warranty",
    "repair",
    "technician",
    "install",
    "internet",
    "router",
    "modem",
    "wifi",
    "outage",
    "signal",
    "phone",
    "mobile",
    "voicemail",
    "roaming",
    "data",
    "minutes",
    "texts",
    "contract",
    "store",
    "branch",
    "hours",
    "opening",
    "closing",
    "location",
    "directions",
    "parking",
    "pharmacy",
    "prescription",
    "refill",
    "medicine",
    "dentist",
    "nurse",
    "clinic",
    "hospital",
    "emergency",
    "vaccine",
    "test",
    "results",
    "copay",
    "referral",
    "specialist",
    "therapy",
    "massage",
    "haircut",
    "salon",
    "stylist",
    "manicure",
    "spa",
    "gym",
    "class",
    "trainer",
    "yoga",
    "swimming",
    "lesson",
    "course",
    "enrol",
    "tuition",
    "school",
    "teacher",
    "homework",
    "library",
    "loanbook",
    "fine",
    "renewal",
    "restaurant",
    "menu",
    "pizza",
    "burger",
    "salad",
    "vegan",
    "allergy",
    "dessert",
    "drink",
    "coffee",
    "breakfast",
    "lunch",
    "dinner",
    "catering",
    "party",
    "event",
    "wedding",
    "birthday",
    "venue",
    "tickets",
    "concert",
    "show",
    "movie",
    "cinema",
    "theatre",
    "museum",
    "tour",
    "guide",
    "rental",
    "car",
    "van",
    "truck",
    "bike",
    "scooter",
    "fuel",
    "electric",
    "charging",
    "battery",
    "engine",
    "tyre",
    "service",
    "mechanic",
    "towing",
    "accident",
    "report",
    "complaint",
    "feedback",
    "manager",
    "agent",
    "representative",
    "operator",
    "human",
    "person",
    "callback",
    "schedule",
    "reschedule",
    "confirm",
    "change",
    "update",
    "verify",
    "reset",
    "unlock",
    "block",
    "freeze",
    "activate",
    "deactivate",
    "close",
    "open",
    "register",
    "signup",
    "login",
    "logout",
    "profile",
    "email",
    "newsletter",
    "unsubscribe",
    "notification",
    "reminder",
    "alarm",
    "statement",
    "receipt",
    "tax",
    "form",
    "document",
    "application",
    "status",
    "approval",
    "deposit",
    "withdrawal",
    "cash",
    "atm",
    "cheque",
    "fraud",
    "dispute",
    "charge",
    "fee",
    "overdraft",
    "interest",
    "savings",
    "pension",
    "benefit",
    "salary",
    "payroll",
    "holiday",
    "vacation",
    "leave",
    "sick",
    "shift",
    "rota",
    "job",
    "career",
    "interview",
    "vacancy",
    "volunteer",
    "donation",
    "charity",
    "recycling",
    "rubbish",
    "collection",
    "water",
    "electricity",
    "gas",
    "meter",
    "reading",
    "leak",
    "boiler",
    "heating",
    "plumber",
    "electrician",
    "locksmith",
    "cleaner",
    "laundry",
    "pet",
    "vet",
    "dog",
    "cat",
    "grooming",
    "kennel",
    "garden",
    "furniture",
    "sofa",
    "mattress",
    "kitchen",
    "appliance",
    "fridge",
    "washer",
    "dryer",
    "oven",
    "television",
    "laptop",
    "printer",
    "software",
    "license",
    "download",
    "app",
    "website",
    "error",
    "crash",
    "bug",
    "support",
];

/// Function words and common verbs: glue between content words, shared by every task.
pub const FUNCTION: &[&str] = &[
    "i", "me", "my", "you", "your", "we", "our", "it", "this", "that", "the", "a", "an", "to",
    "for", "of", "on", "in", "at", "with", "about", "from", "and", "or", "is", "are", "was", "be",
    "do", "does", "can", "could", "would", "will", "want", "need", "like", "please", "help", "get",
    "make", "have", "has", "some", "new", "next", "last", "today", "tomorrow", "now", "how",
    "what", "when", "where", "why", "which", "there", "again", "just", "still",
];

/// Openings of requests; fit into the 3–9 word budget first.
pub const CARRIERS: &[&str] = &[
    "",
    "i want to",
    "i'd like to",
    "i need to",
    "can you",
    "could you help me",
    "please",
    "how do i",
    "i would like to",
    "help me",
    "can i",
    "i want",
    "what about",
    "is it possible to",
    "i'm calling to",
];

/// Connectors between content words.
pub const CONNECTORS: &[&str] = &[
    "the", "a", "my", "for", "about", "with", "on", "of", "and", "to",
];

/// xorshift64*: deterministic, dependency-free.
pub struct Rng(pub u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform-ish in 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len())]
    }
}

/// One synthetic sample for a task with these topic words: 3–9 words.
fn sample(rng: &mut Rng, topic: &[&'static str; 3]) -> String {
    let len = 3 + rng.below(7);
    let mut content: Vec<&str> = Vec::new();
    let n_topic = 1 + rng.below(3);
    let start = rng.below(3);
    for k in 0..n_topic {
        content.push(topic[(start + k) % 3]);
    }
    if rng.below(3) == 0 {
        content.push(rng.pick(DOMAIN));
    }
    let carrier: Vec<&str> = rng.pick(CARRIERS).split_whitespace().collect();
    let mut words: Vec<&str> = Vec::new();
    // Leave room for at least the first content word.
    words.extend(carrier.iter().take(len - 1));
    for (i, word) in content.iter().enumerate() {
        if words.len() >= len {
            break;
        }
        if i > 0 && words.len() + 1 < len && rng.below(2) == 0 {
            words.push(rng.pick(CONNECTORS));
        }
        words.push(word);
    }
    while words.len() < len {
        words.push(rng.pick(FUNCTION));
    }
    words.join(" ")
}

/// A synthetic assistant: `tasks` tasks of `samples` samples each.
pub fn assistant(tasks: usize, samples: usize, seed: u64) -> Vec<Vec<String>> {
    let mut rng = Rng::new(seed);
    (0..tasks)
        .map(|_| {
            let mut topic = [""; 3];
            let mut k = 0;
            while k < 3 {
                let word = rng.pick(DOMAIN);
                if !topic[..k].contains(&word) {
                    topic[k] = word;
                    k += 1;
                }
            }
            (0..samples).map(|_| sample(&mut rng, &topic)).collect()
        })
        .collect()
}

/// The seed `benches/matcher.rs` uses for an assistant of this size, so the startup bench
/// indexes the very samples the `build` bench does.
pub fn seed_for(tasks: usize, samples: usize) -> u64 {
    0x5EED ^ (tasks * 31 + samples) as u64
}

/// Writes `tasks` (from [`assistant`]) as a flows folder in `dir`, in the format of the
/// repository's `flows/`: `assistant.json` and `tasks/<name>.json`.
///
/// Besides the generated tasks (named `t0000`, `t0001`…) there are a `greeting` and a
/// `fallback` task without samples, as in a real assistant. So that loading does the work a
/// real assistant needs and not only JSON parsing, actions vary with the task's index: every
/// task says something; then every 5th asks a question (a collect with a typed field and a
/// redirect when complete), every other 7th listens only to three other tasks (hints from
/// their samples), and the rest listen to anything, every 11th of them after repeating an
/// answer through a `{{form_N.count}}` placeholder.
///
/// # Errors
/// The folder cannot be written.
pub fn write_flows(dir: &Path, tasks: &[Vec<String>]) -> io::Result<()> {
    let name = |i: usize| format!("t{i:04}");
    fs::create_dir_all(dir.join("tasks"))?;
    let assistant = json!({
        "name": "Synthetic assistant",
        "defaults": {
            "assistant_initiation": "task://greeting",
            "fallback": "task://fallback"
        }
    });
    fs::write(
        dir.join("assistant.json"),
        serde_json::to_string_pretty(&assistant)?,
    )?;
    let listen_all = json!({ "listen": true });
    let greeting = json!({
        "actions": [{ "say": "Hello! How can I help?" }, listen_all]
    });
    let fallback = json!({
        "actions": [{ "say": "Sorry, I didn't catch that." }, listen_all]
    });
    fs::write(
        dir.join("tasks/greeting.json"),
        serde_json::to_string_pretty(&greeting)?,
    )?;
    fs::write(
        dir.join("tasks/fallback.json"),
        serde_json::to_string_pretty(&fallback)?,
    )?;
    let n = tasks.len();
    for (i, samples) in tasks.iter().enumerate() {
        let mut actions = vec![json!({ "say": format!("This is task {i}.") })];
        if i % 5 == 0 {
            actions.push(json!({
                "collect": {
                    "name": format!("form_{i}"),
                    "questions": [{
                        "question": "How many people?",
                        "name": "count",
                        "type": "Twilio.NUMBER"
                    }],
                    "on_complete": { "redirect": format!("task://{}", name((i + 1) % n)) }
                }
            }));
        } else if i % 7 == 0 {
            let allowed: Vec<String> = (1..=3)
                .map(|k| format!("task://{}", name((i + k) % n)))
                .collect();
            actions.push(json!({ "listen": { "tasks": allowed } }));
        } else {
            if i % 11 == 0 {
                actions
                    .push(json!({ "say": format!("You said {{{{form_{}.count}}}}.", i - i % 5) }));
            }
            actions.push(listen_all.clone());
        }
        let task = json!({ "samples": samples, "actions": actions });
        fs::write(
            dir.join("tasks").join(format!("{}.json", name(i))),
            serde_json::to_string_pretty(&task)?,
        )?;
    }
    Ok(())
}

/// A benchmark group for work that takes up to a few hundred milliseconds an iteration (a
/// 1000x20 build or load): criterion's minimum of 10 samples, over 5 seconds.
pub fn slow_group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .measurement_time(std::time::Duration::from_secs(5))
        .warm_up_time(std::time::Duration::from_secs(1))
        .sample_size(10);
    group
}
