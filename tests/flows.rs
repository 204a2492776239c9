//! The flow loader's errors, and engine rules that hold whatever a flow says.

mod common;

use std::path::PathBuf;

use chrono::{TimeZone, Utc};
use common::folder;
use switchboard::engine::{self, Caller, Input, Next, Session};
use switchboard::flow::{self, Assistant, FlowError, SourceFile};

fn files(list: &[(&str, &str)]) -> Vec<SourceFile> {
    list.iter()
        .map(|(path, text)| SourceFile::from_path(PathBuf::from(path), (*text).to_owned()))
        .collect()
}

fn errors(list: &[(&str, &str)]) -> Vec<FlowError> {
    match flow::load(&files(list)) {
        Ok(_) => panic!("expected the flows to be refused"),
        Err(e) => e.0,
    }
}

/// Asserts one error names this file, this place, and says these words in problem and fix.
#[track_caller]
fn assert_error(errors: &[FlowError], file: &str, place: &str, problem: &str, fix: &str) {
    let found = errors.iter().any(|e| {
        e.file.as_path() == std::path::Path::new(file)
            && e.place == place
            && e.problem.contains(problem)
            && e.fix.contains(fix)
    });
    assert!(
        found,
        "no error at {file} {place} with {problem:?} / {fix:?} in:\n{}",
        errors
            .iter()
            .map(|e| format!("  {e}\n"))
            .collect::<String>()
    );
}

const GREETING: (&str, &str) = (
    "tasks/greeting.json",
    r#"{"actions": [{"say": "Hi"}, {"listen": true}]}"#,
);

#[test]
fn each_kind_of_mistake_names_file_place_and_fix() {
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        (
            r#"{"actions": [{"say": "Hi"},]}"#,
            "line 1, column 28",
            "invalid JSON",
            "missing comma",
            "",
        ),
        (
            r#"{"actions": [{"handof": {}}]}"#,
            "actions[0].handof",
            "unknown action `handof`",
            "did you mean `handoff`?",
            "",
        ),
        (
            r#"{"actions": [{"say": "a", "listen": true}]}"#,
            "actions[0]",
            "exactly one key",
            "one action per array element",
            "",
        ),
        (
            r#"{"actions": [{"redirect": "task://nowhere"}]}"#,
            "actions[0].redirect",
            "no task named `nowhere`",
            "create tasks/nowhere.json",
            "",
        ),
        (
            r#"{"actions": [{"collect": {"name": "c", "questions": [], "on_complete": {"redirect": "task://greeting"}}}]}"#,
            "actions[0].collect.questions",
            "at least one question",
            "\"questions\"",
            "",
        ),
        (
            r#"{"actions": [{"collect": {"name": "c", "questions": [{"name": "q", "question": "?", "type": "Twilio.PHONE"}], "on_complete": {"redirect": "task://greeting"}}}]}"#,
            "actions[0].collect.questions[0].type",
            "unknown field type `Twilio.PHONE`",
            "Twilio.PHONE_NUMBER",
            "",
        ),
        (
            r#"{"actions": [{"collect": {"name": "c", "questions": [{"name": "q", "question": "?"}]}}]}"#,
            "actions[0].collect.on_complete",
            "needs `on_complete`",
            "task://",
            "",
        ),
        (
            r#"{"actions": [{"collect": {"name": "c", "questions": [{"name": "q", "questoin": "?"}], "on_complete": {"redirect": "task://greeting"}}}]}"#,
            "actions[0].collect.questions[0].questoin",
            "unknown key `questoin`",
            "did you mean `question`?",
            "",
        ),
        (
            r#"{"actions": [{"say": "Hi {{c.missing}}"}]}"#,
            "actions[0].say",
            "names no question",
            "",
            "",
        ),
        (
            r#"{"actions": [{"redirect": "ftp://example.com/x"}]}"#,
            "actions[0].redirect",
            "neither a task reference nor a web address",
            "task://",
            "",
        ),
        (
            r#"{"sample": ["hi"], "actions": []}"#,
            "sample",
            "unknown key `sample`",
            "did you mean `samples`?",
            "",
        ),
        (
            r#"{"samples": ["hi"]}"#,
            "actions",
            "no `actions`",
            "\"actions\"",
            "",
        ),
    ];
    for (task, place, problem, fix, _) in cases {
        let errs = errors(&[GREETING, ("tasks/broken.json", task)]);
        assert_error(&errs, "tasks/broken.json", place, problem, fix);
    }
}

#[test]
fn duplicate_task_names_are_refused() {
    let errs = errors(&[GREETING, ("tasks/Greeting.json", r#"{"actions": []}"#)]);
    assert_error(
        &errs,
        "tasks/Greeting.json",
        "(file name)",
        "duplicate task name",
        "own file name",
    );
}

#[test]
fn voice_escape_settings_are_checked_like_the_rest() {
    let settings = r#"{"voice": {"cancel_word": ["stop it"], "operator": "task://people", "help_words": "help"}}"#;
    let errs = errors(&[("assistant.json", settings), GREETING]);
    assert_error(
        &errs,
        "assistant.json",
        "voice.cancel_word",
        "unknown key",
        "",
    );
    assert_error(
        &errs,
        "assistant.json",
        "voice.operator",
        "no task named `people`",
        "",
    );
    assert_error(
        &errs,
        "assistant.json",
        "voice.help_words",
        "expected a list of words",
        "or [] to turn it off",
    );
}

#[test]
fn the_retired_margin_setting_says_how_to_fix_it() {
    let settings = r#"{"nlu": {"threshold": 0.2, "margin": 0.25}}"#;
    let errs = errors(&[("assistant.json", settings), GREETING]);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_error(
        &errs,
        "assistant.json",
        "nlu.margin",
        "no longer used",
        "threshold calibrates itself",
    );
    // The threshold alone is still an override.
    let settings = r#"{"nlu": {"threshold": 0.2}}"#;
    let assistant = flow::load(&files(&[("assistant.json", settings), GREETING]))
        .unwrap_or_else(|e| panic!("{:?}", e.0));
    assert_eq!(assistant.matcher.threshold(), 0.2);
}

#[test]
fn settings_mistakes_are_found_too() {
    let settings = r#"{"defaults": {"fallback": "task://nope"}, "style_sheet": {"voice": {"say_voice": 3}}, "field_types": [{"name": "size", "values": []}]}"#;
    let errs = errors(&[("assistant.json", settings), GREETING]);
    assert_error(
        &errs,
        "assistant.json",
        "defaults.fallback",
        "no task named `nope`",
        "",
    );
    assert_error(
        &errs,
        "assistant.json",
        "style_sheet.voice.say_voice",
        "expected a string",
        "",
    );
    assert_error(
        &errs,
        "assistant.json",
        "field_types[0].values",
        "has no values",
        "",
    );
}

#[test]
fn each_message_in_assistant_json_replaces_its_own_built_in_line() {
    let keys = [
        "not_understood",
        "no_input_goodbye",
        "too_many_attempts",
        "loop_goodbye",
        "error_goodbye",
        "webhook_failed",
        "sms_help",
        "sms_cancelled",
        "sms_empty",
        "sms_handoff",
        "sms_handoff_number",
        "voice_help",
        "voice_cancelled",
        "voice_no_operator",
        "am_or_pm",
        "anything_else",
    ];
    // Every message set to its own key, so a text put in another's slot shows.
    let messages: serde_json::Map<String, serde_json::Value> = keys
        .iter()
        .map(|k| ((*k).to_owned(), format!("<{k}>").into()))
        .collect();
    let settings = serde_json::json!({"messages": messages}).to_string();
    let m = assistant(&[("assistant.json", &settings), GREETING]).messages;
    let read = [
        &m.not_understood,
        &m.no_input_goodbye,
        &m.too_many_attempts,
        &m.loop_goodbye,
        &m.error_goodbye,
        &m.webhook_failed,
        &m.sms_help,
        &m.sms_cancelled,
        &m.sms_empty,
        &m.sms_handoff,
        &m.sms_handoff_number,
        &m.voice_help,
        &m.voice_cancelled,
        &m.voice_no_operator,
        &m.am_or_pm,
        &m.anything_else,
    ];
    for (key, text) in keys.iter().zip(read) {
        assert_eq!(*text, format!("<{key}>"));
    }
    // One left out keeps the built-in line; a misspelt one is refused with the right name.
    let m = assistant(&[
        (
            "assistant.json",
            r#"{"messages": {"voice_help": "Say a task."}}"#,
        ),
        GREETING,
    ])
    .messages;
    assert_eq!(m.voice_help, "Say a task.");
    assert!(!m.not_understood.is_empty() && m.not_understood != "Say a task.");
    let errs = errors(&[
        (
            "assistant.json",
            r#"{"messages": {"voice_hlep": "Say a task."}}"#,
        ),
        GREETING,
    ]);
    assert_error(
        &errs,
        "assistant.json",
        "messages.voice_hlep",
        "voice_hlep",
        "voice_help",
    );
}

#[test]
fn all_mistakes_are_reported_at_once() {
    let errs = errors(&[
        GREETING,
        ("tasks/a.json", r#"{"actions": [{"sya": "x"}]}"#),
        (
            "tasks/b.json",
            r#"{"actions": [{"redirect": "task://zzz"}]}"#,
        ),
    ]);
    assert_eq!(errs.len(), 2, "{errs:?}");
}

#[test]
fn autopilot_spellings_load_as_they_are() {
    // Double-wrapped actions and defaults, say as {"speech"}, taggedText samples, listen.tasks,
    // string numbers: all as Twilio's own exports wrote them.
    let settings = r#"{"defaults": {"defaults": {"assistant_initiation": "task://greeting", "fallback": "task://greeting"}},
                       "style_sheet": {"style_sheet": {"voice": {"say_voice": "Polly.Matthew"}, "collect": {"validate": {"max_attempts": 4}}}}}"#;
    let task = r#"{"samples": [{"language": "en-US", "taggedText": "book a trip"}],
                   "actions": {"actions": [{"say": {"speech": "Where to?"}},
                   {"collect": {"name": "trip", "questions": [{"question": {"say": "Which city?"}, "name": "city", "type": "Twilio.CITY",
                     "validate": {"allowed_values": {"list": ["New York", "SF"]}, "max_attempts": {"num_attempts": "2", "redirect": "task://greeting"}}}],
                     "on_complete": {"redirect": {"uri": "task://greeting", "method": "POST"}}}}]}}"#;
    let greeting = r#"{"actions": [{"say": "Hi"}, {"listen": {"tasks": ["trip"]}}]}"#;
    let assistant = flow::load(&files(&[
        ("assistant.json", settings),
        ("tasks/greeting.json", greeting),
        ("tasks/trip.json", task),
    ]))
    .expect("loads");
    assert_eq!(assistant.tasks.len(), 2);
    assert_eq!(assistant.style.say_voice.as_deref(), Some("Polly.Matthew"));
    assert_eq!(
        assistant
            .task(assistant.task_id("trip").expect("trip"))
            .samples,
        ["book a trip"]
    );
}

fn assistant(list: &[(&str, &str)]) -> Assistant {
    flow::load(&files(list)).expect("loads")
}

/// Runs inputs through the engine alone, as the store would, and returns the replies.
fn converse(assistant: &Assistant, inputs: Vec<Input>) -> Vec<engine::Reply> {
    let caller = Caller {
        key: "CA1".into(),
        from: Some("+15550001111".into()),
        ..Caller::default()
    };
    let now = Utc
        .with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
        .single()
        .expect("valid time");
    let mut session: Option<Session> = None;
    let mut replies = Vec::new();
    for input in inputs {
        let outcome = engine::step(assistant, session.take(), input, &caller, now);
        session = Some(outcome.session);
        replies.push(outcome.reply);
    }
    replies
}

#[test]
fn a_redirect_circle_is_refused_at_load_and_a_long_chain_cut_off_at_run_time() {
    let settings = r#"{"defaults": {"assistant_initiation": "task://a"}}"#;
    let errs = errors(&[
        ("assistant.json", settings),
        (
            "tasks/a.json",
            r#"{"actions": [{"say": "hi"}, {"redirect": "task://b"}]}"#,
        ),
        ("tasks/b.json", r#"{"actions": [{"redirect": "task://a"}]}"#),
    ]);
    assert_error(
        &errs,
        "tasks/a.json",
        "actions[1].redirect",
        "redirect in a circle before waiting for the caller: a → b → a",
        "put a listen",
    );
    assert_eq!(errs.len(), 1, "one circle, one error: {errs:?}");
    // A circle through a listen is fine: the caller moves it on.
    let _ = assistant(&[
        ("assistant.json", settings),
        (
            "tasks/a.json",
            r#"{"actions": [{"say": "hi"}, {"listen": true}]}"#,
        ),
        (
            "tasks/b.json",
            r#"{"samples": ["b"], "actions": [{"redirect": "task://a"}]}"#,
        ),
    ]);
    // Seven tasks in a row: no circle, but more redirects than one turn allows (5).
    let mut files = vec![("assistant.json".to_owned(), settings.to_owned())];
    let names = ["a", "b", "c", "d", "e", "f", "g"];
    for pair in names.windows(2) {
        files.push((
            format!("tasks/{}.json", pair[0]),
            format!(r#"{{"actions": [{{"redirect": "task://{}"}}]}}"#, pair[1]),
        ));
    }
    files.push((
        "tasks/g.json".into(),
        r#"{"actions": [{"say": "never reached"}]}"#.into(),
    ));
    let list: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let replies = converse(&assistant(&list), vec![Input::Start]);
    assert_eq!(replies[0].next, Next::Hangup);
    let said = format!("{:?}", replies[0].outputs);
    assert!(
        said.contains("something went wrong") && !said.contains("never reached"),
        "{said}"
    );
}

#[test]
fn a_call_has_a_maximum_number_of_turns() {
    let settings = r#"{"defaults": {"assistant_initiation": "task://a", "fallback": "task://a"}, "limits": {"max_turns": 5}}"#;
    let a = assistant(&[
        ("assistant.json", settings),
        (
            "tasks/a.json",
            r#"{"actions": [{"say": "Say something"}, {"listen": true}]}"#,
        ),
    ]);
    let mut inputs = vec![Input::Start];
    inputs.extend((0..10).map(|_| Input::Speech {
        text: "blah".into(),
        confidence: None,
        embedding: None,
    }));
    let replies = converse(&a, inputs);
    let first_hangup = replies
        .iter()
        .position(|r| r.next == Next::Hangup)
        .expect("the call ends");
    assert_eq!(first_hangup, 5, "turn 6 is past the limit of 5");
}

#[test]
fn with_no_fallback_task_the_engine_asks_again_itself() {
    let settings = r#"{"defaults": {"assistant_initiation": "task://a"}}"#;
    let a = assistant(&[
        ("assistant.json", settings),
        (
            "tasks/a.json",
            r#"{"actions": [{"say": "Hello"}, {"listen": true}]}"#,
        ),
        (
            "tasks/b.json",
            r#"{"samples": ["book a table"], "actions": [{"say": "Booked"}]}"#,
        ),
    ]);
    let replies = converse(
        &a,
        vec![
            Input::Start,
            Input::Speech {
                text: "what's the weather on mars".into(),
                confidence: None,
                embedding: None,
            },
            Input::Speech {
                text: "book a table".into(),
                confidence: None,
                embedding: None,
            },
        ],
    );
    assert!(matches!(replies[1].next, Next::Gather(_)));
    assert!(format!("{:?}", replies[1].outputs).contains("didn't catch that"));
    assert!(format!("{:?}", replies[2].outputs).contains("Booked"));
}

#[test]
fn allowed_values_pick_the_listed_value_from_a_sentence() {
    let settings = r#"{"defaults": {"assistant_initiation": "task://a"}}"#;
    let a = r#"{"actions": [{"collect": {"name": "trip", "questions": [{"name": "city", "question": "Which city?",
        "validate": {"allowed_values": {"list": ["New York", "San Francisco"]}, "on_failure": {"messages": [{"say": "New York or San Francisco?"}], "repeat_question": false}}}],
        "on_complete": {"redirect": "task://done"}}}]}"#;
    let done = r#"{"actions": [{"say": "Going to {{trip.city}}."}]}"#;
    let a = assistant(&[
        ("assistant.json", settings),
        ("tasks/a.json", a),
        ("tasks/done.json", done),
    ]);
    let replies = converse(
        &a,
        vec![
            Input::Start,
            Input::Speech {
                text: "Boston".into(),
                confidence: None,
                embedding: None,
            },
            Input::Speech {
                text: "I'd like new york please".into(),
                confidence: None,
                embedding: None,
            },
        ],
    );
    let retry = format!("{:?}", replies[1].outputs);
    assert!(
        retry.contains("New York or San Francisco?") && !retry.contains("Which city?"),
        "repeat_question false: {retry}"
    );
    assert!(
        format!("{:?}", replies[2].outputs).contains("Going to New York."),
        "{:?}",
        replies[2]
    );
}

#[test]
fn dates_are_understood_in_the_assistant_time_zone() {
    let task = r#"{"actions": [{"collect": {"name": "visit", "questions": [{"name": "day", "question": "Which day?", "type": "Twilio.DATE"}],
        "on_complete": {"redirect": "task://done"}}}]}"#;
    let done = r#"{"actions": [{"say": "See you on {{visit.day}}."}]}"#;
    // Said as a date is said aloud; the year is this year's, so it goes unsaid.
    for (zone, expected) in [
        ("UTC", "Thursday, November 26th"),
        ("America/Los_Angeles", "Wednesday, November 25th"),
    ] {
        let settings = format!(
            r#"{{"defaults": {{"assistant_initiation": "task://a"}}, "time_zone": "{zone}"}}"#
        );
        let a = assistant(&[
            ("assistant.json", &settings),
            ("tasks/a.json", task),
            ("tasks/done.json", done),
        ]);
        let caller = Caller {
            key: "CA1".into(),
            from: None,
            ..Caller::default()
        };
        // 03:00 UTC on the 25th is still the evening of the 24th in Los Angeles.
        let now = Utc
            .with_ymd_and_hms(2026, 11, 25, 3, 0, 0)
            .single()
            .expect("valid time");
        let first = engine::step(&a, None, Input::Start, &caller, now);
        let second = engine::step(
            &a,
            Some(first.session),
            Input::Speech {
                text: "tomorrow".into(),
                confidence: None,
                embedding: None,
            },
            &caller,
            now,
        );
        assert!(
            format!("{:?}", second.reply.outputs).contains(&format!("See you on {expected}.")),
            "{zone}: {:?}",
            second.reply
        );
    }
    let errs = errors(&[
        ("assistant.json", r#"{"time_zone": "Mars/Olympus"}"#),
        GREETING,
    ]);
    assert_error(
        &errs,
        "assistant.json",
        "time_zone",
        "unknown time zone `Mars/Olympus`",
        "America/New_York",
    );
}

#[test]
fn a_listen_keypad_menu_routes_keys_to_tasks() {
    let settings = r#"{"defaults": {"assistant_initiation": "task://menu"}}"#;
    let menu = r#"{"actions": [{"say": "Press 1 for sales or 2 for support."},
        {"listen": {"barge": false, "voice_digits": {"num_digits": 1, "redirects": {"1": "task://sales", "2": "task://support"}}}}]}"#;
    let a = assistant(&[
        ("assistant.json", settings),
        ("tasks/menu.json", menu),
        (
            "tasks/sales.json",
            r#"{"samples": ["sales"], "actions": [{"say": "Sales here."}]}"#,
        ),
        (
            "tasks/support.json",
            r#"{"samples": ["support"], "actions": [{"say": "Support here."}]}"#,
        ),
    ]);
    let replies = converse(&a, vec![Input::Start, Input::Digits("2".into())]);
    match &replies[0].next {
        Next::Gather(g) => assert!(g.num_digits == Some(1) && g.no_barge_in, "{g:?}"),
        other => panic!("expected a Gather, got {other:?}"),
    }
    assert!(
        format!("{:?}", replies[1].outputs).contains("Support here."),
        "{:?}",
        replies[1]
    );
    // Speech still works at the same menu.
    let replies = converse(
        &a,
        vec![
            Input::Start,
            Input::Speech {
                text: "sales please".into(),
                confidence: None,
                embedding: None,
            },
        ],
    );
    assert!(
        format!("{:?}", replies[1].outputs).contains("Sales here."),
        "{:?}",
        replies[1]
    );
}

#[test]
fn values_said_with_the_request_prefill_questions_and_reach_web_services() {
    let settings = r#"{"defaults": {"assistant_initiation": "task://hello"}}"#;
    let hello = r#"{"actions": [{"say": "How can I help?"}, {"listen": true}]}"#;
    let book = r#"{"samples": ["book a table for {party_size} people {date}", "table for {party_size}", "I'd like to book a table"],
        "fields": [{"name": "party_size", "type": "Twilio.NUMBER"}, {"name": "date", "type": "Twilio.DATE"}],
        "actions": [{"collect": {"name": "booking", "questions": [
            {"name": "party_size", "question": "For how many?", "type": "Twilio.NUMBER", "prefill": "party_size"},
            {"name": "date", "question": "Which day?", "type": "Twilio.DATE", "prefill": "date"},
            {"name": "time", "question": "What time?", "type": "Twilio.TIME"}],
          "on_complete": {"redirect": "https://example.com/book"}}}]}"#;
    let a = assistant(&[
        ("assistant.json", settings),
        ("tasks/hello.json", hello),
        ("tasks/book.json", book),
    ]);
    let said = |text: &str| Input::Speech {
        text: text.into(),
        confidence: None,
        embedding: None,
    };
    // Speech hints are phrases a caller says: never a sample's `{tags}`.
    assert!(!a.all_task_hints.contains('{'), "{}", a.all_task_hints);
    assert!(
        a.all_task_hints.contains("book a table for, people")
            && a.all_task_hints.contains("I'd like to book a table"),
        "{}",
        a.all_task_hints
    );
    let replies = converse(
        &a,
        vec![
            Input::Start,
            said("I'd like to book a table for four people tomorrow"),
            said("half past seven pm"),
        ],
    );
    let asked = format!("{:?}", replies[1].outputs);
    assert!(
        asked.contains("What time?")
            && !asked.contains("For how many?")
            && !asked.contains("Which day?"),
        "{asked}"
    );
    let Next::Webhook(call) = &replies[2].next else {
        panic!("expected the web service call, got {:?}", replies[2])
    };
    let param = |name: &str| {
        call.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(param("Field_party_size_Value"), Some("4"));
    assert_eq!(param("Field_party_size_Type"), Some("Twilio.NUMBER"));
    assert_eq!(param("Field_date_Value"), Some("2026-11-26"));
    let memory: serde_json::Value =
        serde_json::from_str(param("Memory").expect("Memory")).expect("json");
    let answers = &memory["twilio"]["collected_data"]["booking"]["answers"];
    assert_eq!(
        (
            answers["party_size"]["answer"].as_str(),
            answers["date"]["answer"].as_str(),
            answers["time"]["answer"].as_str()
        ),
        (Some("4"), Some("2026-11-26"), Some("19:30"))
    );
}

#[test]
fn branches_formats_channels_and_hours_are_checked_at_load() {
    let order = r#"{"actions": [{"collect": {"name": "order", "questions": [
        {"name": "who", "question": "Name?", "type": "Twilio.FIRST_NAME"},
        {"name": "size", "question": "Size?", "validate": {"allowed_values": {"list": ["small", "large"]}}},
        {"name": "when", "question": "What time?", "type": "Twilio.TIME"},
        {"name": "ok", "question": {"voice": "Right? Press 1 or 2.", "sms": "Right? YES or NO"}, "type": "Twilio.YES_NO"},
        {"name": "later", "question": "And later?", "type": "Twilio.TIME", "hours": ["25:00", "10:00"]},
        {"name": "note", "question": {"voice": "Press pound."}}],
        "on_complete": [
          {"when": {"order.ok": "Nope"}, "redirect": "task://order"},
          {"when": {"order.who": {">": 3}}, "redirect": "task://order"},
          {"when": {"order.size": ["small", "huge"]}, "redirect": "task://order"},
          {"when": {"order.when": {"<": "tomorrow"}}, "redirect": "task://order"},
          {"when": {"order.colour": "red", "order.later": {">": "x"}, "order.note": "y"}, "redirect": "task://order"},
          {"when": {"order.ok": {"~": "Yes"}}, "redirect": "task://order"}]}}]}"#;
    let done = r#"{"actions": [
        {"say": "At {{order.when | weekday}}."}, {"say": "For {{order.who | loud}}."},
        {"branch": [{"redirect": "task://done"}, {"when": {"order.ok": "Yes"}, "redirect": "task://done"}]}]}"#;
    let errors = errors(&[("tasks/order.json", order), ("tasks/done.json", done)]);
    let on_complete = "actions[0].collect.on_complete";
    let file = "tasks/order.json";
    // A yes/no answer is "Yes" or "No", with a did-you-mean.
    assert_error(
        &errors,
        file,
        &format!("{on_complete}[0].when.order.ok"),
        "`order.ok` is never \"Nope\"",
        "Yes, No",
    );
    // Only numbers, dates and times are ordered, and against a value of their own kind.
    assert_error(
        &errors,
        file,
        &format!("{on_complete}[1].when.order.who"),
        "only numbers, dates and times can be compared",
        "",
    );
    assert_error(
        &errors,
        file,
        &format!("{on_complete}[2].when.order.size"),
        "never \"huge\"",
        "small, large",
    );
    assert_error(
        &errors,
        file,
        &format!("{on_complete}[3].when.order.when"),
        "cannot be compared with \"tomorrow\"",
        "17:30",
    );
    assert_error(
        &errors,
        file,
        &format!("{on_complete}[4].when.order.colour"),
        "names no question or remembered value",
        "order.who",
    );
    assert_error(
        &errors,
        file,
        &format!("{on_complete}[5].when.order.ok.~"),
        "`~` is no test",
        "{\">\": 3}",
    );
    // on_complete must end with a default.
    assert_error(
        &errors,
        file,
        &format!("{on_complete}[5]"),
        "the last choice must be the default",
        "",
    );
    // A question's words must exist on both channels; hours are real times.
    assert_error(
        &errors,
        file,
        "actions[0].collect.questions[5].question",
        "the question says nothing by sms",
        "",
    );
    assert_error(
        &errors,
        file,
        "actions[0].collect.questions[4].hours",
        "expected two different times",
        "as said",
    );
    // A question with a mistake of its own is still known by name: nothing naming it is
    // reported as well.
    assert!(
        !errors
            .iter()
            .any(|e| e.problem.contains("order.later") || e.problem.contains("order.note")),
        "{errors:#?}"
    );
    // Formats must exist and suit the answer.
    assert_error(
        &errors,
        "tasks/done.json",
        "actions[0].say",
        "`| weekday` does not suit `{{order.when}}`, a time answer",
        "spoken, raw",
    );
    assert_error(
        &errors,
        "tasks/done.json",
        "actions[1].say",
        "is no format; formats are spoken, weekday, digits, raw",
        "| spoken",
    );
    // A default before other choices would hide them.
    assert_error(
        &errors,
        "tasks/done.json",
        "actions[2].branch[0]",
        "only the last choice may go without `when`",
        "",
    );
}

#[test]
fn a_branch_chooses_by_the_answers_and_falls_through_without_a_default() {
    let task = r#"{"actions": [{"collect": {"name": "o", "questions": [
        {"name": "n", "question": "How many?", "type": "Twilio.NUMBER"}],
        "on_complete": {"redirect": "task://after"}}}]}"#;
    let after = r#"{"actions": [
        {"branch": [{"when": {"o.n": {">": 10}}, "redirect": "task://big"},
                    {"when": {"o.n": [1, 2]}, "redirect": "task://few"}]},
        {"say": "A normal order."}]}"#;
    let big = r#"{"actions": [{"say": "A big order."}]}"#;
    let few = r#"{"actions": [{"say": "Just a few."}]}"#;
    let settings = r#"{"defaults": {"assistant_initiation": "task://a"}}"#;
    let a = assistant(&[
        ("assistant.json", settings),
        ("tasks/a.json", task),
        ("tasks/after.json", after),
        ("tasks/big.json", big),
        ("tasks/few.json", few),
    ]);
    for (said, expected) in [
        ("twelve", "A big order."),
        ("2", "Just a few."),
        ("five", "A normal order."),
    ] {
        let replies = converse(
            &a,
            vec![
                Input::Start,
                Input::Speech {
                    text: said.into(),
                    confidence: None,
                    embedding: None,
                },
            ],
        );
        let last = format!("{:?}", replies.last().expect("a reply").outputs);
        assert!(last.contains(expected), "{said}: {last}");
    }
}

#[test]
fn a_sample_tag_must_name_a_field_of_its_task() {
    let order = r#"{"fields": [{"name": "size", "type": "Twilio.NUMBER"}],
        "samples": ["a {size} pizza", "a { size } pizza", "{} pizza please", "a {sise} pizza",
                    "a {size pizza", {"taggedText": "a {colour} pizza"}],
        "actions": [{"say": "ok"}]}"#;
    let errs = errors(&[GREETING, ("tasks/order.json", order)]);
    assert_error(
        &errs,
        "tasks/order.json",
        "samples[3]",
        "sample tag `{sise}` names no field of this task",
        "did you mean `{size}`?",
    );
    assert_error(
        &errs,
        "tasks/order.json",
        "samples[5]",
        "sample tag `{colour}` names no field of this task",
        r#"declare it under "fields": [{"name": "colour", "type": "…"}]"#,
    );
    // Tags that name the field (with spaces inside the braces, as the extractor reads them),
    // an empty `{}` and an unclosed `{` are fine.
    assert_eq!(errs.len(), 2, "{errs:#?}");

    // A field whose type is wrong is still declared, and a field list that could not be read
    // leaves tags unchecked: one mistake, one error.
    for (fields, place) in [
        (
            r#"[{"name": "size", "type": "Twilio.NUMBR"}]"#,
            "fields[0].type",
        ),
        (r#"[{"name": "size"}]"#, "fields[0].type"),
        (r#"[{"type": "Twilio.NUMBER"}]"#, "fields[0].name"),
        (r#"{"name": "size", "type": "Twilio.NUMBER"}"#, "fields"),
    ] {
        let order = format!(
            r#"{{"fields": {fields}, "samples": ["a {{size}} pizza"], "actions": [{{"say": "ok"}}]}}"#
        );
        let errs = errors(&[GREETING, ("tasks/order.json", &order)]);
        assert_eq!(errs.len(), 1, "{errs:#?}");
        assert_eq!(errs[0].place, place, "{errs:#?}");
    }
}

#[test]
fn a_folder_that_is_not_a_flows_folder_says_what_is_missing() {
    let empty = folder(&[]);
    let errs = flow::load_dir(empty.path()).expect_err("refused").0;
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert_eq!(errs[0].file, empty.path());
    assert!(
        errs[0]
            .problem
            .contains("not a flows folder: it has no assistant.json and no tasks/ folder"),
        "{errs:#?}"
    );
    assert!(
        errs[0].fix.contains("point --flows at the folder"),
        "{errs:#?}"
    );

    // `--flows .` above a flows folder: the fix names the one inside.
    let above = folder(&[("flows/tasks/greeting.json", GREETING.1)]);
    let inner = above.path().join("flows");
    let errs = flow::load_dir(above.path()).expect_err("refused").0;
    assert!(
        errs[0]
            .fix
            .contains(&format!("did you mean --flows {}?", inner.display())),
        "{errs:#?}"
    );

    let settings_only = folder(&[("assistant.json", r#"{"name": "Pizza"}"#)]);
    let errs = flow::load_dir(settings_only.path()).expect_err("refused").0;
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert_eq!(errs[0].file, settings_only.path().join("tasks"));
    assert!(
        errs[0].problem.contains("the tasks/ folder is missing"),
        "{errs:#?}"
    );
    assert!(errs[0].fix.contains("greeting.json"), "{errs:#?}");
}

#[test]
fn a_folder_without_assistant_json_loads_with_a_warning_naming_it() {
    let dir = folder(&[
        GREETING,
        (
            "tasks/fallback.json",
            r#"{"actions": [{"say": "Sorry?"}, {"listen": true}]}"#,
        ),
    ]);
    let assistant = flow::load_dir(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    // Nothing is inferred from the tasks' names.
    assert!(assistant.defaults.assistant_initiation.is_none());
    assert!(assistant.defaults.fallback.is_none());
    let warning = assistant.warnings.first().expect("a warning");
    assert_eq!(warning.file, dir.path().join("assistant.json"));
    assert!(
        warning.problem.contains("there is no assistant.json")
            && warning
                .problem
                .contains(&format!("named \"{}\"", assistant.name))
            && warning.problem.contains("no task greets a caller")
            && warning.problem.contains(&assistant.messages.not_understood),
        "{warning}"
    );
    assert!(
        warning.fix.contains(
            r#""defaults": {"assistant_initiation": "task://greeting", "fallback": "task://fallback"}"#
        ),
        "{warning}"
    );

    // With assistant.json there is nothing to say.
    let dir = folder(&[GREETING, ("assistant.json", r#"{"name": "Pizza"}"#)]);
    let assistant = flow::load_dir(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert!(assistant.warnings.is_empty(), "{:#?}", assistant.warnings);
}

#[test]
fn advice_on_samples_names_the_file_the_task_came_from() {
    let thin = r#"{"samples": ["order a pizza"], "actions": [{"say": "ok"}]}"#;
    let dir = folder(&[
        ("assistant.json", "{}"),
        GREETING,
        ("tasks/order.json", thin),
    ]);
    let assistant = flow::load_dir(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let order = assistant.task(assistant.task_id("order").expect("order"));
    assert_eq!(order.file, dir.path().join("tasks/order.json"));
    let warnings = flow::lint::lint(&assistant);
    assert!(
        warnings.iter().any(|w| w.file == order.file
            && w.place == "samples"
            && w.problem.contains("only 1 sample")),
        "{warnings:#?}"
    );

    // An Autopilot export has no tasks/ folder: the warning names the export and the task.
    let export = serde_json::json!({
        "uniqueName": "Pizza",
        "tasks": [{
            "uniqueName": "order",
            "actions": {"actions": [{"say": "ok"}]},
            "fields": [],
            "samples": [{"language": "en-US", "taggedText": "order a pizza"}]
        }]
    });
    let dir = folder(&[("schema.json", &export.to_string())]);
    let schema = dir.path().join("schema.json");
    let assistant = flow::load_path(&schema).unwrap_or_else(|e| panic!("{e}"));
    let expected = PathBuf::from(format!("{} (task order)", schema.display()));
    let warnings = flow::lint::lint(&assistant);
    assert!(
        warnings
            .iter()
            .any(|w| w.file == expected && w.problem.contains("only 1 sample")),
        "{warnings:#?}"
    );
}

#[test]
fn a_malformed_placeholder_says_what_a_placeholder_looks_like() {
    for text in ["Hi {{'x' name}}", "Hi {{ name with spaces }}"] {
        let task = serde_json::json!({"actions": [{"say": "ok"}, {"say": text}]}).to_string();
        let errs = errors(&[GREETING, ("tasks/hi.json", &task)]);
        assert_eq!(errs.len(), 1, "{errs:#?}");
        assert_error(
            &errs,
            "tasks/hi.json",
            "actions[1].say",
            "is not a name like `collect_name.question_name`",
            "write placeholders as {{collect_name.question_name}}",
        );
    }
}

#[test]
fn an_hour_too_large_to_count_is_a_load_error_not_a_crash() {
    let ask = r#"{"actions": [{"collect": {"name": "c", "questions": [
        {"name": "t", "question": "What time?", "type": "Twilio.TIME", "hours": ["99999999:00", "10:00"]}],
        "on_complete": {"redirect": "task://ask"}}}]}"#;
    let errors = errors(&[("tasks/ask.json", ask)]);
    assert!(
        errors
            .iter()
            .any(|e| e.place.ends_with("hours")
                && e.problem.contains("expected two different times")),
        "{errors:#?}"
    );
}
