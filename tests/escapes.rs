//! Escape words during a question, by voice: help, cancel, start over and asking for a person
//! are never taken as wrong answers, and a word the question lists as a value stays an answer.

mod common;

use common::{TestApp, write_flow};
use serde_json::json;

/// A bot that asks for a first name and then a pizza size (a custom type that lists "cancel",
/// as a size of nothing), with `voice` settings merged into its assistant.json.
fn bot(dir: &std::path::Path, voice: serde_json::Value) {
    write_flow(
        dir,
        "assistant",
        &json!({
            "defaults": {"assistant_initiation": "task://greeting", "fallback": "task://greeting"},
            "field_types": [{"name": "size", "values": ["small", "large", "cancel"]}],
            "voice": voice
        }),
    );
    write_flow(
        dir,
        "greeting",
        &json!({"actions": [{"say": "Hello. Say order to order."}, {"listen": true}]}),
    );
    write_flow(
        dir,
        "order",
        &json!({
            "samples": ["order", "I want to order"],
            "actions": [{"collect": {"name": "order", "questions": [
                {"name": "first_name", "question": "Your first name?", "type": "Twilio.FIRST_NAME"},
                {"name": "size", "question": "Which size?", "type": "size",
                 "help": "We have small and large, {{order.first_name}}."}
            ], "on_complete": {"redirect": "task://greeting"}}}]
        }),
    );
    write_flow(
        dir,
        "people",
        &json!({"actions": [{"say": "Putting you through."}, {"handoff": {"channel": "voice", "uri": "+14155550000"}}]}),
    );
}

async fn ordering(voice: serde_json::Value) -> (TestApp, tempfile::TempDir) {
    let flows = tempfile::tempdir().expect("temp dir");
    bot(flows.path(), voice);
    let app = TestApp::with_flows(flows.path());
    app.call("CA1").await.expect_prompt("Say order");
    app.say("CA1", "order")
        .await
        .expect_prompt("Your first name?");
    (app, flows)
}

#[tokio::test]
async fn help_repeats_the_question_without_counting_an_attempt() {
    let (app, _flows) = ordering(json!({})).await;
    for _ in 0..3 {
        app.say("CA1", "Help.")
            .await
            .expect_prompt("You can answer the question")
            .expect_prompt("Your first name?");
    }
    // Three helps later the caller still has every attempt: two wrong answers are asked again.
    app.say("CA1", "12345").await;
    app.say("CA1", "12345")
        .await
        .expect_prompt("Your first name?");
    app.say("CA1", "Priya").await.expect_prompt("Which size?");
}

#[tokio::test]
async fn a_question_with_help_of_its_own_says_it() {
    let (app, _flows) = ordering(json!({})).await;
    app.say("CA1", "Priya").await.expect_prompt("Which size?");
    let reply = app.say("CA1", "help").await;
    reply
        .expect_prompt("We have small and large, Priya.")
        .expect_prompt("Which size?");
    assert!(
        !reply.text().contains("You can answer the question"),
        "{}",
        reply.xml
    );
    app.say("CA1", "large").await.expect_prompt("Say order");
}

#[tokio::test]
async fn goodbye_ends_the_call_politely_and_keeps_what_was_said() {
    let (app, _flows) = ordering(json!({})).await;
    app.say("CA1", "Priya").await.expect_prompt("Which size?");
    app.say("CA1", "goodbye")
        .await
        .expect_goodbye("Okay, I've stopped. Goodbye.");
    let rows = app.collected();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].status, "incomplete");
    assert!(
        rows[0].answers.iter().any(|a| a.value == "Priya"),
        "{rows:?}"
    );
}

#[tokio::test]
async fn a_word_the_question_lists_stays_an_answer() {
    let (app, _flows) = ordering(json!({})).await;
    app.say("CA1", "Priya").await.expect_prompt("Which size?");
    // "cancel" is one of this custom type's values, so it is the answer, not an escape.
    app.say("CA1", "cancel").await.expect_prompt("Say order");
    let rows = app.collected();
    assert_eq!(rows[0].status, "complete", "{rows:?}");
    assert!(
        rows[0]
            .answers
            .iter()
            .any(|a| a.question == "size" && a.value == "cancel"),
        "{rows:?}"
    );
}

#[tokio::test]
async fn asking_for_a_person_goes_where_the_flows_say() {
    let (app, _flows) = ordering(json!({"operator": "task://people"})).await;
    app.say("CA1", "Priya").await.expect_prompt("Which size?");
    let reply = app.say("CA1", "agent").await;
    assert!(
        reply.text().contains("Putting you through.") && reply.gather.is_none(),
        "{}",
        reply.xml
    );
    assert!(
        reply.xml.contains("<Dial>+14155550000</Dial>"),
        "{}",
        reply.xml
    );
    assert_eq!(app.collected()[0].status, "incomplete");
}

#[tokio::test]
async fn asking_for_a_person_with_nowhere_to_go_is_told_so_and_asked_again() {
    let (app, _flows) = ordering(json!({})).await;
    app.say("CA1", "operator")
        .await
        .expect_prompt("nobody I can put you through to")
        .expect_prompt("Your first name?");
}

#[tokio::test]
async fn an_assistant_can_change_or_turn_off_its_escape_words() {
    let (app, _flows) = ordering(json!({"cancel_words": ["stop it"], "help_words": []})).await;
    // "help" is now just a wrong answer, and "cancel" no longer cancels.
    app.say("CA1", "help")
        .await
        .expect_prompt("Your first name?");
    let reply = app.say("CA1", "stop it").await;
    reply.expect_goodbye("Okay, I've stopped.");
}

#[tokio::test]
async fn by_text_too_a_word_the_question_lists_stays_an_answer_but_stop_always_stops() {
    let flows = tempfile::tempdir().expect("temp dir");
    bot(flows.path(), json!({}));
    let app = TestApp::with_flows(flows.path());
    const ME: &str = "+15550001111";
    app.text(ME, "order").await.expect("Your first name?");
    app.text(ME, "Priya").await.expect("Which size?");
    app.text(ME, "cancel").await.expect("Say order");
    let rows = app.collected();
    assert_eq!(rows[0].status, "complete", "{rows:?}");
    // STOP is the carrier's opt-out: it ends the conversation whatever is being asked.
    app.text(ME, "order").await;
    app.text(ME, "Maria").await.expect("Which size?");
    let stop = app.text(ME, "STOP").await;
    assert!(stop.messages.is_empty(), "{}", stop.xml);
}
