//! Bots in other languages (issue 19, first increment): `"language"` in `assistant.json` sets
//! how Twilio listens (`<Gather language>`), the default voice, and how spoken values are read,
//! through the real router and a real SQLite file. The matcher's own work on Spanish and
//! Mandarin, and the example bots' conversations, are tested elsewhere (`flows/examples/`).

mod common;

use common::{TestApp, repo_flows, write_flow};
use switchboard::flow;

/// A flows folder from (name, JSON text) pairs: `assistant` for `assistant.json`, else a task.
fn flows(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, json) in files {
        let value: serde_json::Value = serde_json::from_str(json).expect("valid JSON");
        write_flow(dir.path(), name, &value);
    }
    dir
}

#[tokio::test]
async fn a_spanish_bot_listens_in_spanish_speaks_with_a_spanish_voice_and_reads_spanish_answers() {
    let app = TestApp::with_flows(&repo_flows().join("examples/registro"));
    let greeting = app.call("CA1").await;
    greeting.expect_language(Some("es-MX"));
    assert!(
        greeting.xml.contains(r#"<Say voice="Polly.Mia">"#),
        "{}",
        greeting.xml
    );
    app.say("CA1", "quiero registrarme")
        .await
        .expect_prompt("¿Cuál es su nombre?");
    app.say("CA1", "mi nombre es Ana").await;
    app.say(
        "CA1",
        "cinco cinco uno dos tres cuatro cinco seis siete ocho",
    )
    .await
    .expect_prompt("¿A qué hora le llamamos?");
    app.say("CA1", "a las diez y cuarto de la mañana")
        .await
        .expect_prompt("a las 10:15 de la mañana");
    app.say("CA1", "claro que sí")
        .await
        .expect_prompt("Gracias, Ana.");
    let rows = app.collected();
    let answers: Vec<(&str, &str)> = rows[0]
        .answers
        .iter()
        .map(|a| (a.question.as_str(), a.value.as_str()))
        .collect();
    assert_eq!(
        answers,
        [
            ("nombre", "Ana"),
            ("telefono", "+525512345678"),
            ("hora", "10:15"),
            ("correcto", "Yes")
        ]
    );
}

#[tokio::test]
async fn a_mandarin_bot_reads_numbers_times_and_yes_or_no_as_they_are_said_in_mandarin() {
    let dir = flows(&[
        (
            "assistant",
            r#"{"language": "zh-CN", "defaults": {"assistant_initiation": "task://book"}}"#,
        ),
        (
            "book",
            r#"{"actions": [{"collect": {"name": "booking", "questions": [
            {"name": "people", "question": "几位？", "type": "Twilio.NUMBER"},
            {"name": "time", "question": "几点？", "type": "Twilio.TIME", "hours": "ask"},
            {"name": "phone", "question": "您的电话号码是多少？", "type": "Twilio.PHONE_NUMBER"},
            {"name": "ok", "question": "对吗？", "type": "Twilio.YES_NO"}],
          "on_complete": {"redirect": "task://done"}}}]}"#,
        ),
        (
            "done",
            r#"{"actions": [{"say": "好的，{{booking.people}}位，{{booking.time}}。"}]}"#,
        ),
    ]);
    let app = TestApp::with_flows(dir.path());
    let first = app.call("CA2").await;
    first.expect_language(Some("cmn-Hans-CN"));
    assert!(
        first
            .xml
            .contains(r#"<Say voice="Polly.Zhiyu">几位？</Say>"#),
        "{}",
        first.xml
    );
    app.say("CA2", "三个人").await.expect_prompt("几点？");
    // No part of the day: asked which, as in English, in Mandarin words.
    app.say("CA2", "七点半")
        .await
        .expect_prompt("请问是上午7点半还是晚上7点半？");
    app.say("CA2", "晚上")
        .await
        .expect_prompt("您的电话号码是多少？");
    app.say("CA2", "幺三八 零零一三 八零零零")
        .await
        .expect_prompt("对吗？");
    app.say("CA2", "对的")
        .await
        .expect_goodbye("好的，3位，晚上7点半。");
    let rows = app.collected();
    let answers: Vec<&str> = rows[0].answers.iter().map(|a| a.value.as_str()).collect();
    assert_eq!(answers, ["3", "19:30", "+8613800138000", "Yes"]);
}

#[test]
fn an_unknown_language_is_a_load_error_that_lists_the_known_ones() {
    let files = [
        flow::SourceFile::from_path(
            "flows/assistant.json".into(),
            r#"{"language": "fr-FR"}"#.into(),
        ),
        flow::SourceFile::from_path(
            "flows/tasks/hi.json".into(),
            r#"{"samples": ["bonjour"], "actions": [{"say": "Bonjour"}]}"#.into(),
        ),
    ];
    let errors = flow::load(&files).expect_err("refused").0;
    assert!(
        errors.iter().any(|e| e.place == "language"
            && e.problem.contains("fr-FR")
            && e.fix.contains("es-MX")
            && e.fix.contains("zh-CN")),
        "{errors:#?}"
    );
}

#[test]
fn check_warns_about_samples_not_in_the_bots_language() {
    let load = |language: &str, sample: &str| {
        let files = [
            flow::SourceFile::from_path(
                "flows/assistant.json".into(),
                format!(r#"{{"language": "{language}"}}"#),
            ),
            flow::SourceFile::from_path(
                "flows/tasks/order.json".into(),
                format!(r#"{{"samples": ["{sample}", "12345"], "actions": [{{"say": "ok"}}]}}"#),
            ),
        ];
        let assistant = flow::load(&files).expect("loads");
        flow::lint::lint(&assistant)
            .into_iter()
            .filter(|w| w.problem.contains("is not written as"))
            .map(|w| format!("{}: {}", w.place, w.problem))
            .collect::<Vec<_>>()
    };
    let warned = load("zh-CN", "I want to order");
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(
        warned[0].starts_with("samples[0]") && warned[0].contains("Chinese characters"),
        "{warned:?}"
    );
    assert!(load("zh-CN", "我要订餐").is_empty());
    let warned = load("es-MX", "我要订餐");
    assert!(
        warned.len() == 1 && warned[0].contains("Latin alphabet"),
        "{warned:?}"
    );
    assert!(load("es-MX", "quiero pedir").is_empty());
}

#[tokio::test]
async fn a_bot_says_its_built_in_lines_and_hears_escape_words_in_its_language() {
    // The Spanish example sets no messages or escape words of its own.
    let app = TestApp::with_flows(&repo_flows().join("examples/registro"));
    app.call("CA3").await;
    app.say("CA3", "quiero registrarme").await;
    app.say("CA3", "Ana").await;
    app.say("CA3", "banana")
        .await
        .expect_prompt("Perdón, no le entendí.");
    app.say("CA3", "ayuda")
        .await
        .expect_prompt("Puede responder la pregunta");
    // Capitals with accents are the same words.
    app.say("CA3", "¡AYÚDEME!")
        .await
        .expect_prompt("Puede responder la pregunta");
    app.say("CA3", "cancelar")
        .await
        .expect_goodbye("De acuerdo, cancelado. Adiós.");

    let dir = flows(&[
        (
            "assistant",
            r#"{"language": "zh-CN", "defaults": {"assistant_initiation": "task://ask"}}"#,
        ),
        (
            "ask",
            r#"{"actions": [{"collect": {"name": "c", "questions": [
            {"name": "n", "question": "几位？", "type": "Twilio.NUMBER"}],
          "on_complete": {"redirect": "task://ask"}}}]}"#,
        ),
    ]);
    let app = TestApp::with_flows(dir.path());
    app.call("CA4").await;
    app.say("CA4", "不知道")
        .await
        .expect_prompt("抱歉，我没听明白。");
    app.say("CA4", "取消")
        .await
        .expect_goodbye("好的，已为您取消。再见。");
}

/// A bilingual line: an English bot whose `espanol` task switches the call to Spanish.
fn bilingual_bot() -> tempfile::TempDir {
    flows(&[
        (
            "assistant",
            r#"{"defaults": {"assistant_initiation": "task://greeting", "fallback": "task://fallback"},
                "style_sheet": {"voice": {"say_voice": "Polly.Joanna"}}}"#,
        ),
        (
            "greeting",
            r#"{"actions": [{"say": "Welcome. Para español, diga español."}, {"listen": true}]}"#,
        ),
        (
            "fallback",
            r#"{"actions": [{"say": "Say that again?"}, {"listen": true}]}"#,
        ),
        (
            "espanol",
            r#"{"language": "es-US", "samples": ["español", "en español", "spanish"],
                "actions": [{"say": "Bienvenido."}, {"redirect": "task://party"}]}"#,
        ),
        (
            "party",
            r#"{"samples": ["a table", "una mesa"], "actions": [{"collect": {"name": "booking",
                "questions": [{"name": "people", "question": "¿Para cuántas personas?", "type": "Twilio.NUMBER"},
                              {"name": "time", "question": "¿A qué hora?", "type": "Twilio.TIME"}],
                "on_complete": {"redirect": "task://done"}}}]}"#,
        ),
        (
            "done",
            r#"{"actions": [{"say": "Mesa para {{booking.people}} a las {{booking.time}}."}]}"#,
        ),
    ])
}

#[tokio::test]
async fn a_task_switches_the_rest_of_the_call_to_its_language() {
    let dir = bilingual_bot();
    let app = TestApp::with_flows(dir.path());
    let greeting = app.call("CA5").await;
    // English first: Twilio's default recogniser, the style sheet's voice.
    greeting.expect_language(None);
    greeting.expect_voice("Polly.Joanna");

    let spanish = app.say("CA5", "español").await;
    spanish.expect_prompt("¿Para cuántas personas?");
    assert!(spanish.text().contains("Bienvenido."), "{}", spanish.xml);
    spanish.expect_language(Some("es-US"));
    spanish.expect_voice("Polly.Lupe");

    // From here the engine's own words and the answers' parsers are Spanish, and so is the
    // way a time is said back; the flow's own texts are said as written.
    app.say("CA5", "no sé")
        .await
        .expect_prompt("Perdón, no le entendí.");
    app.say("CA5", "ayuda")
        .await
        .expect_prompt("Puede responder la pregunta");
    app.say("CA5", "somos cuatro")
        .await
        .expect_prompt("¿A qué hora?");
    // "AM or PM?" is the switched language's own line, with both times in its words.
    app.say("CA5", "a las nueve")
        .await
        .expect_prompt("¿A las 9 de la mañana o a las 9 de la noche?");
    let done = app.say("CA5", "de la noche").await;
    assert!(
        done.text().contains("Mesa para 4 a las 9 de la noche."),
        "{}",
        done.xml
    );
    let rows = app.collected();
    let answers: Vec<(&str, &str)> = rows[0]
        .answers
        .iter()
        .map(|a| (a.question.as_str(), a.value.as_str()))
        .collect();
    assert_eq!(answers, [("people", "4"), ("time", "21:00")]);

    // Another call starts in English again.
    let other = app.call("CA6").await;
    other.expect_language(None);
}

#[tokio::test]
async fn a_text_conversation_switches_language_too() {
    let dir = bilingual_bot();
    let app = TestApp::with_flows(dir.path());
    app.text("+15550001111", "en español")
        .await
        .expect("¿Para cuántas personas?");
    app.text("+15550001111", "AYUDA")
        .await
        .expect("Este es un asistente automático.");
    app.text("+15550001111", "cinco")
        .await
        .expect("¿A qué hora?");
    app.text("+15550001111", "a las ocho y media de la mañana")
        .await
        .expect("Mesa para 5 a las 8:30 de la mañana.");
}

#[test]
fn a_switched_call_keeps_the_flows_own_hold_and_failure_words_even_when_they_read_like_the_built_ins()
 {
    use switchboard::flow::{HoldSound, Text};
    let dir = bilingual_bot();
    let spanish = |dir: &tempfile::TempDir| {
        let assistant = flow::load_dir(dir.path()).expect("loads");
        let locale = assistant.locale("es-US").expect("a task switches to es-US");
        (locale.hold.clone(), locale.on_failure.clone())
    };
    // Left to the built-ins: the switched call hears Spanish ones.
    assert_eq!(
        spanish(&dir),
        (
            HoldSound::Say("Un momento, por favor.".into()),
            vec![Text::plain("Perdón, no le entendí.")]
        )
    );
    // Written in the flow, in the very words of the English built-ins: kept as written.
    write_flow(
        dir.path(),
        "assistant",
        &serde_json::json!({
            "defaults": {"assistant_initiation": "task://greeting", "fallback": "task://fallback"},
            "webhooks": {"hold": "One moment, please."},
            "style_sheet": {"collect": {"validate": {"on_failure": {"messages": [{"say": "Sorry, I didn't get that."}]}}}},
        }),
    );
    assert_eq!(
        spanish(&dir),
        (
            HoldSound::Say("One moment, please.".into()),
            vec![Text::plain("Sorry, I didn't get that.")]
        )
    );
}

#[test]
fn a_tasks_language_must_be_one_switchboard_speaks() {
    let dir = bilingual_bot();
    write_flow(
        dir.path(),
        "espanol",
        &serde_json::json!({"language": "pt-BR", "samples": ["português"], "actions": [{"say": "Olá."}]}),
    );
    let err = flow::load_dir(dir.path()).expect_err("unknown language");
    let text = err.to_string();
    assert!(text.contains("espanol.json"), "{text}");
    assert!(text.contains("does not speak `pt-BR`"), "{text}");
    assert!(text.contains("es-MX"), "{text}");
}

#[tokio::test]
async fn a_value_said_in_the_first_sentence_is_read_in_the_bots_language_and_not_asked_again() {
    let dir = flows(&[
        (
            "assistant",
            r#"{"language": "zh-CN", "defaults": {"assistant_initiation": "task://hello"}}"#,
        ),
        (
            "hello",
            r#"{"actions": [{"say": "您好，请问有什么可以帮您？"}, {"listen": true}]}"#,
        ),
        (
            "send",
            r#"{"fields": [{"name": "boxes", "type": "Twilio.NUMBER"}],
            "samples": ["我要寄{boxes}个箱子", "寄快递", "我想寄东西"],
            "actions": [{"collect": {"name": "parcel", "questions": [
                {"name": "boxes", "question": "一共几个箱子？", "type": "Twilio.NUMBER", "prefill": "boxes"},
                {"name": "city", "question": "寄到哪个城市？"}],
              "on_complete": {"redirect": "task://hello"}}}]}"#,
        ),
    ]);
    let app = TestApp::with_flows(dir.path());
    app.call("CA7").await;
    // 三 is read by the Mandarin parsers, found between the sample's characters.
    app.say("CA7", "你好我要寄三个箱子")
        .await
        .expect_prompt("寄到哪个城市？");
    app.say("CA7", "上海").await;
    let rows = app.collected();
    let answers: Vec<(&str, &str)> = rows[0]
        .answers
        .iter()
        .map(|a| (a.question.as_str(), a.value.as_str()))
        .collect();
    assert_eq!(answers, [("boxes", "3"), ("city", "上海")]);
}
