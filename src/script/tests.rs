//! Tests for the parent module.

use super::*;

fn path() -> PathBuf {
    PathBuf::from("tests/register.txt")
}

fn step(line: usize, kind: StepKind) -> Step {
    Step {
        line,
        kind,
        only: None,
    }
}

fn say(text: &str) -> StepKind {
    StepKind::Input(ScriptInput::Say(text.to_string()))
}

fn bot(text: &str) -> StepKind {
    StepKind::BotSays(text.to_string())
}

fn reply(text: &str) -> BotReply {
    BotReply {
        text: text.to_string(),
        ended: false,
        task: None,
    }
}

fn answer(collect: &str, question: &str, value: &str, status: &str) -> SavedAnswer {
    SavedAnswer {
        collect: collect.to_string(),
        question: question.to_string(),
        value: value.to_string(),
        status: status.to_string(),
    }
}

fn error_of(text: &str) -> ScriptError {
    parse(&path(), text).expect_err("the script should not parse")
}

/// Runs `text` against replies handed out in order, recording the inputs sent.
fn run_with(
    text: &str,
    first: BotReply,
    replies: Vec<Result<BotReply, String>>,
    answers: Result<Vec<SavedAnswer>, String>,
) -> (Report, Vec<ScriptInput>) {
    let script = parse(&path(), text).expect("test script parses");
    let mut sent = Vec::new();
    let mut replies = replies.into_iter();
    let report = run(
        &script,
        || Ok(first),
        |input| {
            sent.push(input.clone());
            replies
                .next()
                .unwrap_or_else(|| Err("the fake engine ran out of replies".to_string()))
        },
        || answers,
    );
    (report, sent)
}

#[test]
fn parses_every_kind_of_step() {
    let text = "\u{feff}# A registration by voice.\r\n\
            \r\n\
            bot: What would you like to do?\r\n\
            Caller: I'd like to register\r\n\
            TASK: register\r\n\
            \x20   bot: What is your name?\n\
            caller:my name is Jason\n\
            \t# an indented comment\n\
            bot : phone number\n\
            keys: 415 555 0123#\n\
            Bot Exactly:   Thank you,   Jason.  \n\
            bot exactly:\n\
            silence\n\
            caller: #1\n\
            task: None\n\
            BOT CONTINUES\n\
            bot ends:\n\
            hangup\n\
            Hang Up\n\
            saved user_information.user_name: Jason\n\
            SAVED user_information: complete\n\
            saved booking.time: 10:30 am\n";
    let script = parse(&path(), text).expect("parses");
    assert_eq!(
        script,
        Script {
            path: path(),
            steps: vec![
                step(3, bot("What would you like to do?")),
                step(4, say("I'd like to register")),
                step(5, StepKind::Task(Some("register".to_string()))),
                step(6, bot("What is your name?")),
                step(7, say("my name is Jason")),
                step(9, bot("phone number")),
                step(
                    10,
                    StepKind::Input(ScriptInput::Keys("4155550123#".to_string()))
                ),
                step(
                    11,
                    StepKind::BotSaysExactly("Thank you,   Jason.".to_string())
                ),
                step(12, StepKind::BotSaysExactly(String::new())),
                step(13, StepKind::Input(ScriptInput::Silence)),
                step(14, say("#1")),
                step(15, StepKind::Task(None)),
                step(16, StepKind::BotEnds(false)),
                step(17, StepKind::BotEnds(true)),
                step(18, StepKind::Input(ScriptInput::Hangup)),
                step(19, StepKind::Input(ScriptInput::Hangup)),
            ],
            saved: vec![
                SavedCheck {
                    line: 20,
                    collect: "user_information".to_string(),
                    question: Some("user_name".to_string()),
                    expected: "Jason".to_string(),
                },
                SavedCheck {
                    line: 21,
                    collect: "user_information".to_string(),
                    question: None,
                    expected: "complete".to_string(),
                },
                SavedCheck {
                    line: 22,
                    collect: "booking".to_string(),
                    question: Some("time".to_string()),
                    expected: "10:30 am".to_string(),
                },
            ],
        }
    );
}

#[test]
fn a_hash_after_a_keyword_is_text_not_a_comment() {
    let script = parse(&path(), "caller: press # now # really\nbot: #1 choice").unwrap();
    assert_eq!(
        script.steps,
        vec![
            step(1, say("press # now # really")),
            step(2, bot("#1 choice"))
        ]
    );
}

#[test]
fn steps_display_as_written() {
    let text = "caller: hi\nkeys: 1#\nsilence\nhang up\nbot: x\nbot exactly: y\n\
                    bot exactly:\nbot ends\nbot continues\ntask: t\ntask: none\n\
                    saved a.b: c\nsaved a: complete";
    let script = parse(&path(), text).unwrap();
    let mut lines: Vec<String> = script.steps.iter().map(|s| s.kind.to_string()).collect();
    lines.extend(script.saved.iter().map(ToString::to_string));
    assert_eq!(
        lines.join("\n"),
        text.replace("hang up", "hangup"),
        "rendering a parsed step gives its line back"
    );
}

#[test]
fn unknown_step_names_file_line_and_the_choices() {
    let error = error_of("bot: hello\n\n  calller: hi  \n");
    assert_eq!(
        error.to_string(),
        "tests/register.txt:3: unknown step \"calller: hi\"; write caller:, keys:, silence, \
             hangup, bot:, bot exactly:, bot ends, bot continues, task:, or saved …"
    );
    assert_eq!(error.line, 3);
    for text in [
        "bot says: hi",
        "bot",
        "hang on",
        "botexactly: hi",
        "silently",
    ] {
        assert_eq!(
            error_of(text).message,
            format!("unknown step \"{text}\"; {STEP_FORMS}"),
            "{text}"
        );
    }
}

#[test]
fn empty_caller_is_an_error() {
    let error = error_of("bot: hi\ncaller:   \n");
    assert_eq!(error.line, 2);
    assert_eq!(
        error.message,
        "caller: needs what the caller says, e.g. \"caller: I'd like to register\"; for a \
             caller who says nothing write silence"
    );
}

#[test]
fn keys_must_be_keypad_keys() {
    let error = error_of("# menu\nkeys: 12a4\n");
    assert_eq!(
        error.to_string(),
        "tests/register.txt:2: keys: \"12a4\" has 'a', which is not on a keypad; write \
             digits 0-9, * and # (to say words, write caller:)"
    );
    assert_eq!(
        error_of("keys:").message,
        "keys: needs the keypad keys pressed, e.g. \"keys: 1234#\""
    );
}

#[test]
fn saved_needs_a_colon_and_names() {
    let error = error_of("caller: hi\nsaved user_information.user_name Jason\n");
    assert_eq!(error.line, 2);
    assert_eq!(
        error.message,
        "saved needs a colon; write saved collect.question: value, or saved collect: status"
    );
    assert_eq!(
        error_of("saved user info: complete").message,
        "saved needs a collect name, not \"user info\"; write saved collect.question: \
             value, or saved collect: status"
    );
    assert_eq!(
        error_of("saved user_information.: Jason").message,
        "saved needs both names around the dot, not \"user_information.\"; write saved \
             collect.question: value, or saved collect: status"
    );
    assert_eq!(
        error_of("saved a.b:").message,
        "saved a.b: needs the expected value after the colon, e.g. \"saved a.b: Jason\""
    );
    assert_eq!(
        error_of("saved a:  ").message,
        "saved a: needs a status after the colon: complete, incomplete or in_progress"
    );
}

#[test]
fn a_file_without_steps_is_an_error() {
    let message = "no steps; a test needs at least one caller:, keys:, silence, hangup or \
                       bot: line (saved lines are only checked after the conversation)";
    for text in ["", "# only a comment\n\n", "saved a.b: c\n"] {
        let error = error_of(text);
        assert_eq!(
            (error.line, error.message.as_str()),
            (1, message),
            "{text:?}"
        );
    }
}

#[test]
fn other_mistakes_say_what_to_write() {
    let cases = [
        (
            "caller hi there",
            "caller needs a colon; write \"caller: hi there\"",
        ),
        (
            "bot exactly hi",
            "bot exactly needs a colon; write \"bot exactly: hi\"",
        ),
        ("task", "task needs a colon; write \"task: …\""),
        (
            "bot:",
            "bot: needs the text the reply should contain; to check that the bot said \
                 nothing write bot exactly: with nothing after it",
        ),
        (
            "task:",
            "task: needs a task name, or none when no task should match, e.g. \
                 \"task: register\"",
        ),
        (
            "silence # the caller says nothing",
            "silence takes nothing after it; comments go on their own line, starting \
                 with #",
        ),
        (
            "bot ends # then: hangs up",
            "bot ends takes nothing after it; comments go on their own line, starting \
                 with #",
        ),
        (
            "hangup now",
            "hangup takes nothing after it, but the line goes on with \"now\"",
        ),
    ];
    for (text, message) in cases {
        let error = error_of(text);
        assert_eq!((error.line, error.message.as_str()), (1, message), "{text}");
    }
}

const REGISTER: &str = "\
bot: what would you like to do
caller: I'd like to register
task: register
bot: What is your name?
caller: my name is Jason
bot: phone number
bot continues
keys: 4155550123
bot: you're ON the list
bot exactly: Thank you, Jason. You’re on the list.
silence
bot: WHAT WOULD   YOU LIKE
caller: goodbye
task: none
bot ends
hangup
saved user_information.user_name: jason
saved user_information.user_phone_number: 4155550123
saved user_information: COMPLETE
";

fn register_replies() -> Vec<Result<BotReply, String>> {
    vec![
        Ok(BotReply {
            task: Some("Register".to_string()),
            ..reply("What is your name?")
        }),
        Ok(reply("Thanks. What is your phone\nnumber?")),
        Ok(reply("Thank you,  Jason.\nYou\u{2019}re on the list.")),
        Ok(reply("What would you like to do?")),
        Ok(BotReply {
            ended: true,
            ..reply("Goodbye!")
        }),
        Ok(BotReply::default()),
    ]
}

fn register_answers() -> Vec<SavedAnswer> {
    vec![
        answer("user_information", "user_name", "Jason", "complete"),
        answer(
            "user_information",
            "user_phone_number",
            "4155550123",
            "complete",
        ),
    ]
}

#[test]
fn a_passing_script() {
    let (report, sent) = run_with(
        REGISTER,
        reply("Hello! What would you like to do?"),
        register_replies(),
        Ok(register_answers()),
    );
    assert_eq!(
        report,
        Report {
            path: path(),
            failures: vec![],
            steps_run: 19,
        }
    );
    assert!(report.passed());
    assert_eq!(report.to_string(), "19 steps, 0 failed");
    assert_eq!(
        sent,
        vec![
            ScriptInput::Say("I'd like to register".to_string()),
            ScriptInput::Say("my name is Jason".to_string()),
            ScriptInput::Keys("4155550123".to_string()),
            ScriptInput::Silence,
            ScriptInput::Say("goodbye".to_string()),
            ScriptInput::Hangup,
        ]
    );
}

#[test]
fn bot_exactly_is_case_and_quote_sensitive() {
    let (report, _) = run_with(
        "caller: hi\nbot exactly: you're IN",
        BotReply::default(),
        vec![Ok(reply("you\u{2019}re in"))],
        Ok(vec![]),
    );
    assert_eq!(
        report.failures,
        vec![Failure {
            line: 2,
            step: "bot exactly: you're IN".to_string(),
            expected: "the reply: you're IN".to_string(),
            actual: "the bot said: you\u{2019}re in".to_string(),
        }]
    );
}

#[test]
fn a_failing_script_reports_every_mismatch() {
    let text = "\
# greeting
bot: welcome
caller: I'd like to register
task: register
bot: What is your name?
caller: Jason
bot: phone number
bot ends
keys: 12
bot exactly: Thanks.
task: none
bot continues
saved user_information.user_name: Jason
saved user_information.user_phone: 12
saved user_information: complete
saved booking: complete
";
    let (report, sent) = run_with(
        text,
        reply("Hello!"),
        vec![
            Ok(reply(
                "Sorry, I didn't get that. What would you like to do?",
            )),
            Ok(reply("Sorry, I didn't get that.\nWhat is your name?")),
            Ok(BotReply {
                ended: true,
                task: Some("goodbye".to_string()),
                ..reply("Goodbye!")
            }),
        ],
        Ok(vec![
            answer("user_information", "user_name", "Jay", "in_progress"),
            answer("user_information", "user_name", "J", "in_progress"),
        ]),
    );
    assert_eq!(sent.len(), 3);
    assert!(!report.passed());
    assert_eq!(
        report.to_string(),
        "\
tests/register.txt:2: bot: welcome
  expected a reply containing: welcome
  the bot said:                Hello!
tests/register.txt:4: task: register
  expected routing to task: register
  it was routed to:         no task
tests/register.txt:5: bot: What is your name?
  expected a reply containing: What is your name?
  the bot said:                Sorry, I didn't get that. What would you like to do?
tests/register.txt:7: bot: phone number
  expected a reply containing: phone number
  the bot said:                Sorry, I didn't get that. What is your name?
tests/register.txt:8: bot ends
  expected a reply that ends the call
  the bot said, and waited: Sorry, I didn't get that. What is your name?
tests/register.txt:10: bot exactly: Thanks.
  expected the reply: Thanks.
  the bot said:       Goodbye!
tests/register.txt:11: task: none
  expected routing to: no task
  it was routed to:    goodbye
tests/register.txt:12: bot continues
  expected a reply that waits for the caller
  the bot said, and ended the call: Goodbye!
tests/register.txt:13: saved user_information.user_name: Jason
  expected a saved value: Jason
  saved:                  Jay, J
tests/register.txt:14: saved user_information.user_phone: 12
  expected a saved value: 12
  saved:                  nothing for user_information.user_phone (user_information has user_name)
tests/register.txt:15: saved user_information: complete
  expected a status: complete
  saved with status: in_progress
tests/register.txt:16: saved booking: complete
  expected a status: complete
  saved:             nothing for booking (saved: user_information)
15 steps, 12 failed"
    );
    assert_eq!(report.steps_run, 15);
    assert_eq!(
        report.failures[0],
        Failure {
            line: 2,
            step: "bot: welcome".to_string(),
            expected: "a reply containing: welcome".to_string(),
            actual: "the bot said: Hello!".to_string(),
        }
    );
}

#[test]
fn multi_line_values_stay_in_their_column() {
    let report = Report {
        path: path(),
        failures: vec![Failure {
            line: 3,
            step: "bot: x".to_string(),
            expected: "a reply containing: x".to_string(),
            actual: "the bot said: one\ntwo".to_string(),
        }],
        steps_run: 1,
    };
    assert_eq!(
        report.to_string(),
        "\
tests/register.txt:3: bot: x
  expected a reply containing: x
  the bot said:                one
                               two
1 step, 1 failed"
    );
}

#[test]
fn an_engine_error_stops_the_run_on_its_line() {
    let text = "bot: hi\ncaller: one\ncaller: two\nbot: never checked\n\
                    saved a.b: c\n";
    let script = parse(&path(), text).unwrap();
    let mut sent = Vec::new();
    let mut saved_called = false;
    let report = run(
        &script,
        || Ok(reply("hi there")),
        |input| {
            sent.push(input.clone());
            if sent.len() == 2 {
                Err("database is locked".to_string())
            } else {
                Ok(reply("ok"))
            }
        },
        || {
            saved_called = true;
            Ok(vec![])
        },
    );
    assert_eq!(sent.len(), 2);
    assert!(
        !saved_called,
        "saved() is not consulted after an engine error"
    );
    assert_eq!(report.steps_run, 3);
    assert_eq!(
        report.to_string(),
        "\
tests/register.txt:3: caller: two
  expected a reply
  the engine failed: database is locked; the rest of the script was not run
3 steps, 1 failed"
    );
}

#[test]
fn a_start_error_runs_nothing() {
    let script = parse(&path(), "bot: hi\ncaller: one\n").unwrap();
    let mut turns = 0;
    let report = run(
        &script,
        || Err("no flows loaded".to_string()),
        |_| {
            turns += 1;
            Ok(BotReply::default())
        },
        || Ok(vec![]),
    );
    assert_eq!(turns, 0);
    assert_eq!(
        report.to_string(),
        "\
tests/register.txt: (the start of the call)
  expected a first reply
  the engine failed: no flows loaded; the script was not run
0 steps, 1 failed"
    );
}

#[test]
fn a_saved_error_is_reported_on_the_first_saved_line() {
    let (report, _) = run_with(
        "saved a: complete\ncaller: hi\nsaved a.b: c",
        BotReply::default(),
        vec![Ok(reply("ok"))],
        Err("no such table".to_string()),
    );
    assert_eq!(
        report,
        Report {
            path: path(),
            failures: vec![Failure {
                line: 1,
                step: "saved a: complete".to_string(),
                expected: "the saved answers".to_string(),
                actual: "reading them failed: no such table".to_string(),
            }],
            steps_run: 1,
        }
    );
}

#[test]
fn saved_checks_match_any_answer_loosely() {
    let text = "caller: hi\n\
                    saved Contacts.Name: mary  ann\n\
                    saved contacts.name: bob\n\
                    saved contacts: incomplete\n\
                    saved contacts: complete\n";
    let answers = vec![
        answer("contacts", "name", "Bob", "complete"),
        answer("contacts", "name", "Mary Ann", "incomplete"),
    ];
    let (report, _) = run_with(text, reply(""), vec![Ok(reply(""))], Ok(answers));
    assert_eq!(report.failures, vec![]);
    assert_eq!(report.steps_run, 5);

    let (report, _) = run_with(text, reply(""), vec![Ok(reply(""))], Ok(vec![]));
    assert_eq!(
        report
            .failures
            .iter()
            .map(|f| (f.line, f.expected.as_str(), f.actual.as_str()))
            .collect::<Vec<_>>(),
        vec![
            (2, "a saved value: mary  ann", "saved: nothing at all"),
            (3, "a saved value: bob", "saved: nothing at all"),
            (4, "a status: incomplete", "saved: nothing at all"),
            (5, "a status: complete", "saved: nothing at all"),
        ]
    );
}

#[test]
fn task_none_passes_only_when_nothing_was_routed() {
    let text = "caller: blah\ntask: none\ncaller: register\ntask: none";
    let (report, _) = run_with(
        text,
        BotReply::default(),
        vec![
            Ok(reply("Sorry?")),
            Ok(BotReply {
                task: Some("register".to_string()),
                ..reply("Name?")
            }),
        ],
        Ok(vec![]),
    );
    assert_eq!(
        report.failures,
        vec![Failure {
            line: 4,
            step: "task: none".to_string(),
            expected: "routing to: no task".to_string(),
            actual: "it was routed to: register".to_string(),
        }]
    );
    assert_eq!(report.steps_run, 4);
}

#[test]
fn checks_before_any_input_look_at_the_greeting_and_inputs_after_the_end_are_sent() {
    let (report, sent) = run_with(
        "bot: welcome\nbot ends\ncaller: hello?\nbot exactly:",
        BotReply {
            ended: true,
            ..reply("Welcome, goodbye.")
        },
        vec![Ok(BotReply::default())],
        Ok(vec![]),
    );
    assert!(report.passed(), "{report}");
    assert_eq!(sent, vec![ScriptInput::Say("hello?".to_string())]);
}

#[test]
fn a_step_may_belong_to_one_channel() {
    let script = parse(
        Path::new("t.txt"),
        "caller: hi\nvoice bot: press pound\nSMS bot exactly: reply with it\nbot: both\n",
    )
    .expect("parses");
    assert_eq!(script.steps[1].only, Some(Channel::Voice));
    assert_eq!(script.steps[2].only, Some(Channel::Sms));
    assert_eq!(script.steps[3].only, None);
    let voice: Vec<String> = script
        .on(Channel::Voice)
        .steps
        .iter()
        .map(|s| s.kind.to_string())
        .collect();
    assert_eq!(voice, ["caller: hi", "bot: press pound", "bot: both"]);
    let sms: Vec<String> = script
        .on(Channel::Sms)
        .steps
        .iter()
        .map(|s| s.kind.to_string())
        .collect();
    assert_eq!(
        sms,
        ["caller: hi", "bot exactly: reply with it", "bot: both"]
    );
    for bad in [
        "voice saved a.b: c",
        "voice sms bot: x",
        "sms",
        "voice hello",
    ] {
        assert!(
            parse(Path::new("t.txt"), bad).is_err(),
            "{bad} should be refused"
        );
    }
}
