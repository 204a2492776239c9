//! Tests for the parent module.

use super::*;
use crate::flow::{Assistant, load, load_dir};

fn convert_json(export: &Value) -> Import {
    match convert(
        Path::new("Assistants/Test/schema.json"),
        &export.to_string(),
    ) {
        Ok(import) => import,
        Err(e) => panic!("the export does not convert: {e}"),
    }
}

/// Converts and loads, failing on any load error.
fn loads(export: &Value) -> (Import, Assistant) {
    let import = convert_json(export);
    match load(&import.files) {
        Ok(assistant) => (import, assistant),
        Err(e) => panic!("the converted export does not load: {e}"),
    }
}

/// Converts and loads, allowing only errors for actions the loader does not support yet.
fn loads_or_unsupported(export: &Value) -> Import {
    let import = convert_json(export);
    if let Err(errors) = load(&import.files) {
        for error in &errors.0 {
            assert!(
                error.problem.contains("not supported yet"),
                "the converted export does not load: {errors}"
            );
        }
    }
    import
}

fn file<'a>(import: &'a Import, role: &Role) -> &'a SourceFile {
    import
        .files
        .iter()
        .find(|f| f.role == *role)
        .unwrap_or_else(|| panic!("no file for {role:?}"))
}

fn task(import: &Import, name: &str) -> Value {
    let text = &file(import, &Role::Task(name.to_owned())).text;
    serde_json::from_str(text).expect("task files are JSON")
}

fn settings(import: &Import) -> Value {
    serde_json::from_str(&file(import, &Role::Settings).text).expect("settings are JSON")
}

fn task_names(import: &Import) -> Vec<&str> {
    import
        .files
        .iter()
        .filter_map(|f| match &f.role {
            Role::Task(name) => Some(name.as_str()),
            Role::Settings => None,
        })
        .collect()
}

/// The one warning at `place`, which must say each of `words`.
#[track_caller]
fn warning<'a>(import: &'a Import, place: &str, words: &[&str]) -> &'a FlowError {
    let at: Vec<&FlowError> = import
        .warnings
        .iter()
        .filter(|w| w.place == place)
        .collect();
    let [found] = at.as_slice() else {
        panic!(
            "expected one warning at {place}, got {:#?}",
            import.warnings
        );
    };
    for word in words {
        assert!(found.problem.contains(word), "{word:?} not in {found}");
    }
    assert_eq!(found.file, Path::new("Assistants/Test/schema.json"));
    assert!(!found.fix.is_empty(), "{found} has a fix");
    found
}

/// The task a default names, once loaded (`set`: the loaded assistant has that default).
#[track_caller]
fn default_task(import: &Import, set: bool, key: &str) -> String {
    assert!(set, "the loaded assistant has no {key}");
    let uri = settings(import)["defaults"][key]
        .as_str()
        .map(str::to_owned);
    let uri = uri.unwrap_or_else(|| panic!("no default {key}"));
    uri.strip_prefix("task://").expect("a task").to_owned()
}

fn hello_world() -> Value {
    json!({
        "friendlyName": "Hello",
        "uniqueName": "HelloWorld",
        "logQueries": true,
        "defaults": {"defaults": {
            "assistant_initiation": "task://greeting",
            "fallback": "task://fallback",
            "collect": {"validate_on_failure": "task://fallback"}
        }},
        "styleSheet": {"style_sheet": {
            "voice": {"say_voice": "Polly.Joanna"},
            "collect": {"validate": {
                "on_failure": {"repeat_question": false, "messages": [{"say": "Once more?"}]},
                "on_success": {"say": ""},
                "max_attempts": 2
            }}
        }},
        "fieldTypes": [{
            "uniqueName": "pizza_size",
            "values": [
                {"language": "en-US", "value": "large", "synonymOf": null},
                {"language": "en-US", "value": "big", "synonymOf": "large"},
                {"language": "en-US", "value": "small"},
                {"language": "en-US", "value": "tiny", "synonymOf": "Small"},
                {"language": "en-US", "value": "huge", "synonymOf": "large"}
            ]
        }],
        "tasks": [
            {
                "uniqueName": "order",
                "actions": {"actions": [
                    {"collect": {
                        "name": "pizza",
                        "questions": [{"name": "size", "question": "Which size?", "type": "pizza_size"}],
                        "on_complete": {"redirect": {"method": "POST", "uri": "task://ordered"}}
                    }}
                ]},
                "fields": [{"uniqueName": "size", "fieldType": "pizza_size"}],
                "samples": [
                    {"language": "en-US", "taggedText": "a {size} pizza please"},
                    {"language": "en-US", "taggedText": "order a pizza"},
                    {"language": "en-US", "taggedText": "  "}
                ]
            },
            {
                "uniqueName": "ordered",
                "actions": {"actions": [{"say": "Your {{pizza.size}} pizza is on its way."}]},
                "fields": [],
                "samples": []
            },
            {
                "uniqueName": "greeting",
                "actions": {"actions": [
                    {"say": "Hi! Want a pizza?"},
                    {"listen": {"tasks": ["order", "task://goodbye"]}}
                ]},
                "fields": [],
                "samples": [{"language": "en-US", "taggedText": "hello"}]
            },
            {
                "uniqueName": "goodbye",
                "actions": {"actions": [{"say": "Bye!"}]},
                "fields": [],
                "samples": [{"language": "en-US", "taggedText": "bye"}]
            },
            {
                "uniqueName": "fallback",
                "actions": {"actions": [{"say": "Sorry?"}, {"listen": true}]},
                "fields": [],
                "samples": []
            }
        ],
        "modelBuild": {"uniqueName": "v1"}
    })
}

#[test]
fn recognises_exports() {
    assert!(is_export(&json!({"tasks": []})));
    assert!(is_export(&json!({"intents": [{"uniqueName": "a"}]})));
    assert!(!is_export(&json!({"name": "x", "defaults": {}})));
    assert!(!is_export(&json!({"tasks": {}})));
    assert!(!is_export(&json!([{"tasks": []}])));
}

#[test]
fn refuses_what_is_not_an_export() {
    let path = Path::new("bot.json");
    let errors = convert(path, "{\"tasks\": [").expect_err("not JSON").0;
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].file, path);
    assert!(
        errors[0].place.starts_with("line 1, column"),
        "{}",
        errors[0]
    );
    assert!(errors[0].problem.contains("invalid JSON"));

    let errors = convert(path, r#"{"name": "x"}"#).expect_err("no tasks").0;
    assert_eq!(errors[0].place, "(top level)");
    assert!(
        errors[0].problem.contains("not an Autopilot export"),
        "{}",
        errors[0]
    );
    assert!(errors[0].fix.contains("tasks"), "{}", errors[0]);

    let errors = convert(path, r#"{"tasks": "none"}"#)
        .expect_err("tasks not a list")
        .0;
    assert!(errors[0].problem.contains("not an array"), "{}", errors[0]);
}

#[test]
fn current_format_converts_and_loads() {
    let (import, assistant) = loads(&hello_world());
    assert!(import.warnings.is_empty(), "{:#?}", import.warnings);

    // Settings first, then tasks by file name, as load_dir reads them.
    assert_eq!(import.files[0].role, Role::Settings);
    assert_eq!(
        import.files[0].path,
        Path::new("Assistants/Test/schema.json (settings)")
    );
    assert_eq!(
        task_names(&import),
        ["fallback", "goodbye", "greeting", "order", "ordered"]
    );
    assert_eq!(
        file(&import, &Role::Task("order".into())).path,
        Path::new("Assistants/Test/schema.json (task order)")
    );

    let settings = settings(&import);
    assert_eq!(settings["name"], "Hello");
    assert_eq!(settings["defaults"]["fallback"], "task://fallback");
    assert_eq!(
        settings["style_sheet"]["voice"]["say_voice"],
        "Polly.Joanna"
    );
    assert_eq!(
        settings["field_types"],
        json!([{"name": "pizza_size", "values": [
            {"value": "large", "synonyms": ["big", "huge"]},
            {"value": "small", "synonyms": ["tiny"]}
        ]}])
    );

    let order = task(&import, "order");
    assert_eq!(
        order["samples"],
        json!(["a {size} pizza please", "order a pizza"])
    );
    assert_eq!(
        order["fields"],
        json!([{"name": "size", "type": "pizza_size"}])
    );
    assert_eq!(
        order["actions"][0]["collect"]["on_complete"]["redirect"],
        json!({"method": "POST", "uri": "task://ordered"})
    );
    assert_eq!(
        task(&import, "greeting")["actions"][1],
        json!({"listen": {"tasks": ["order", "task://goodbye"]}})
    );
    // Key order in the file: samples, fields, actions; two-space indent; trailing newline.
    let text = &file(&import, &Role::Task("order".into())).text;
    assert!(
        text.starts_with("{\n  \"samples\": [\n    \"a {size}"),
        "{text}"
    );
    assert!(text.ends_with("]\n}\n"), "{text}");

    assert_eq!(assistant.name, "Hello");
    assert_eq!(assistant.tasks.len(), 5);
    assert_eq!(
        default_task(
            &import,
            assistant.defaults.assistant_initiation.is_some(),
            "assistant_initiation"
        ),
        "greeting"
    );
    assert_eq!(
        default_task(&import, assistant.defaults.fallback.is_some(), "fallback"),
        "fallback"
    );
    assert_eq!(assistant.style.say_voice.as_deref(), Some("Polly.Joanna"));
    assert_eq!(assistant.style.max_attempts, 2);
    let order = assistant.task(assistant.task_id("order").expect("order"));
    assert_eq!(order.samples.len(), 2);
    assert_eq!(order.fields.len(), 1);
}

#[test]
fn single_wrapping_and_bare_arrays_convert_alike() {
    let mut export = hello_world();
    let defaults = export["defaults"]["defaults"].take();
    export["defaults"] = defaults;
    let style = export["styleSheet"]["style_sheet"].take();
    export["styleSheet"] = style;
    for (i, task) in export["tasks"]
        .as_array_mut()
        .expect("tasks")
        .iter_mut()
        .enumerate()
    {
        let actions = task["actions"]["actions"].take();
        task["actions"] = match i % 3 {
            0 => actions,
            1 => json!({ "actions": actions }),
            // Some tools store the actions document as a JSON string.
            _ => json!(json!({ "actions": actions }).to_string()),
        };
    }
    let (single, _) = loads(&export);
    let (double, _) = loads(&hello_world());
    assert!(single.warnings.is_empty(), "{:#?}", single.warnings);
    let texts =
        |import: &Import| -> Vec<String> { import.files.iter().map(|f| f.text.clone()).collect() };
    assert_eq!(texts(&single), texts(&double));
}

#[test]
fn legacy_format_with_fallback_and_initiation_actions() {
    let export = json!({
        "friendlyName": "Old bot",
        "types": [{"uniqueName": "colour", "values": [
            {"value": "red"}, {"value": "crimson", "synonymOf": "red"}
        ]}],
        "intents": [
            {
                "uniqueName": "paint",
                "actions": {"actions": [{"say": "Painting."}, {"listen": true}]},
                "fields": [{"uniqueName": "shade", "fieldType": "colour"}],
                "samples": [{"language": "en-US", "taggedText": "paint it {shade}"}]
            },
            {
                // Taken, so the fallbackActions task needs another name.
                "uniqueName": "fallback",
                "actions": {"actions": [{"say": "I'm the intent called fallback."}]},
                "samples": [{"language": "en-US", "taggedText": "who are you"}]
            }
        ],
        "fallbackActions": {"actions": [{"say": "Come again?"}, {"listen": true}]},
        "initiationActions": {"actions": {"actions": [{"say": "Hello!"}, {"listen": true}]}}
    });
    let (import, assistant) = loads(&export);
    assert!(import.warnings.is_empty(), "{:#?}", import.warnings);
    assert_eq!(
        task_names(&import),
        ["fallback", "fallback_2", "initiation", "paint"]
    );
    assert_eq!(
        task(&import, "fallback_2"),
        json!({"samples": [], "actions": [{"say": "Come again?"}, {"listen": true}]})
    );
    assert_eq!(
        task(&import, "initiation")["actions"][0],
        json!({"say": "Hello!"})
    );
    assert_eq!(
        settings(&import)["field_types"][0]["values"],
        json!([{"value": "red", "synonyms": ["crimson"]}])
    );
    assert_eq!(
        default_task(&import, assistant.defaults.fallback.is_some(), "fallback"),
        "fallback_2"
    );
    assert_eq!(
        default_task(
            &import,
            assistant.defaults.assistant_initiation.is_some(),
            "assistant_initiation"
        ),
        "initiation"
    );
}

#[test]
fn legacy_actions_do_not_override_defaults() {
    let export = json!({
        "defaults": {"fallback": "task://help"},
        "intents": [{"uniqueName": "help", "actions": [{"say": "Help!"}, {"listen": true}]}],
        "fallbackActions": [{"say": "Never said."}]
    });
    let (import, assistant) = loads(&export);
    warning(
        &import,
        "defaults.fallback",
        &["fallbackActions", "`fallback`", "nothing runs"],
    );
    assert_eq!(
        default_task(&import, assistant.defaults.fallback.is_some(), "fallback"),
        "help"
    );
    assert!(task_names(&import).contains(&"fallback"));
}

#[test]
fn missing_tasks_are_generated_with_one_warning_each() {
    let export = json!({
        "defaults": {"defaults": {"fallback": "task://fallback", "assistant_initiation": "task://welcome"}},
        "tasks": [
            {"uniqueName": "fallback", "actions": {"actions": [{"say": "Pardon?"}, {"listen": true}]}},
            {"uniqueName": "menu", "actions": {"actions": [
                {"say": "Sales or support?"},
                {"listen": {"tasks": ["sales", "task://connect_human"]}}
            ]}, "samples": [{"taggedText": "menu"}]},
            {"uniqueName": "sales", "actions": {"actions": [
                {"collect": {
                    "name": "lead",
                    "questions": [{
                        "name": "phone",
                        "question": "Your number?",
                        "type": "Twilio.PHONE_NUMBER",
                        "validate": {"max_attempts": {"num_attempts": 2, "redirect": "task://connect_human"}}
                    }],
                    "on_complete": {"redirect": {"uri": "task://connect_human", "method": "POST"}}
                }}
            ]}, "samples": [{"taggedText": "sales"}]},
            {"uniqueName": "support", "actions": {"actions": [
                {"redirect": "task://connect_human"},
            ]}, "samples": [{"taggedText": "support"}]},
            {"uniqueName": "talk", "actions": [
                {"redirect": {"uri": "task://talk to a human"}}
            ], "samples": [{"taggedText": "talk"}]}
        ]
    });
    let (import, assistant) = loads(&export);
    assert_eq!(
        task_names(&import),
        [
            "connect_human",
            "fallback",
            "menu",
            "sales",
            "support",
            "talk",
            "talk_to_a_human",
            "welcome"
        ]
    );
    let stub = json!({"samples": [], "actions": [
        {"say": "Sorry, that isn't available right now."},
        {"redirect": "task://fallback"}
    ]});
    assert_eq!(task(&import, "connect_human"), stub);
    assert_eq!(task(&import, "welcome"), stub);
    assert_eq!(task(&import, "talk_to_a_human"), stub);
    assert_eq!(
        task(&import, "talk")["actions"][0],
        json!({"redirect": {"uri": "task://talk_to_a_human"}})
    );

    let w = warning(
        &import,
        "tasks[1].actions.actions[1].listen.tasks[1]",
        &["connect_human", "goes on to the fallback task `fallback`"],
    );
    for place in [
        "tasks[2].actions.actions[0].collect.on_complete.redirect.uri",
        "tasks[2].actions.actions[0].collect.questions[0].validate.max_attempts.redirect",
        "tasks[3].actions.actions[0].redirect",
    ] {
        assert!(w.problem.contains(place), "{place} not in {w}");
    }
    warning(
        &import,
        "defaults.defaults.assistant_initiation",
        &["`welcome`"],
    );
    warning(
        &import,
        "tasks[4].actions[0].redirect.uri",
        &["`talk to a human`", "`talk_to_a_human`"],
    );
    assert_eq!(import.warnings.len(), 3, "{:#?}", import.warnings);
    assert_eq!(
        default_task(
            &import,
            assistant.defaults.assistant_initiation.is_some(),
            "assistant_initiation"
        ),
        "welcome"
    );
}

#[test]
fn a_missing_fallback_is_generated_and_listens() {
    // EventBot's case: the fallback itself is missing, so its stand-in cannot go to it.
    let export = json!({
        "defaults": {"defaults": {"fallback": "task://connect_human"}},
        "tasks": [{"uniqueName": "hi", "actions": {"actions": [{"say": "Hi"}, {"listen": true}]},
                   "samples": [{"taggedText": "hi"}]}]
    });
    let (import, assistant) = loads(&export);
    warning(
        &import,
        "defaults.defaults.fallback",
        &["connect_human", "then listens"],
    );
    assert_eq!(
        task(&import, "connect_human")["actions"],
        json!([{"say": "Sorry, that isn't available right now."}, {"listen": true}])
    );
    assert_eq!(
        default_task(&import, assistant.defaults.fallback.is_some(), "fallback"),
        "connect_human"
    );
}

#[test]
fn capitalisation_slips_point_at_the_real_task() {
    let export = json!({"tasks": [
        {"uniqueName": "Goodbye", "actions": [{"say": "Bye"}]},
        {"uniqueName": "hi", "actions": [{"say": "Hi"}, {"redirect": "task://goodbye"}]}
    ]});
    let (import, _) = loads(&export);
    warning(
        &import,
        "tasks[1].actions[1].redirect",
        &["`goodbye`", "`Goodbye`"],
    );
    assert_eq!(
        task(&import, "hi")["actions"][1],
        json!({"redirect": "task://Goodbye"})
    );
    assert_eq!(task_names(&import), ["Goodbye", "hi"]);
}

#[test]
fn empty_addresses_go_to_one_unavailable_task() {
    let export = json!({
        "defaults": {"defaults": {"fallback": "task://fallback"}},
        "tasks": [
            // The preferred name is taken.
            {"uniqueName": "autopilot_unavailable", "actions": [{"say": "Mine."}]},
            {"uniqueName": "fallback", "actions": [{"say": "Pardon?"}, {"listen": true}]},
            {"uniqueName": "book", "actions": {"actions": [{"collect": {
                "name": "trip",
                "questions": [{"name": "when", "question": "When?", "type": "Twilio.DATE"}],
                "on_complete": {"redirect": {"method": "POST", "uri": ""}}
            }}]}, "samples": [{"taggedText": "book"}]},
            {"uniqueName": "next", "actions": [{"say": "Next."}, {"redirect": ""}],
             "samples": [{"taggedText": "next"}]},
            {"uniqueName": "human", "actions": [
                {"say": "Connecting."},
                {"handoff": {"channel": "voice", "uri": "", "method": "POST"}}
            ], "samples": [{"taggedText": "human"}]},
            {"uniqueName": "odd", "actions": [{"redirect": "INSERT URL HERE"}],
             "samples": [{"taggedText": "odd"}]}
        ]
    });
    let (import, _) = loads(&export);
    let to = json!("task://autopilot_unavailable_2");
    assert_eq!(
        task(&import, "book")["actions"][0]["collect"]["on_complete"]["redirect"],
        json!({"method": "POST", "uri": to})
    );
    assert_eq!(task(&import, "next")["actions"][1]["redirect"], to);
    assert_eq!(task(&import, "human")["actions"][1]["redirect"], to);
    assert_eq!(task(&import, "odd")["actions"][0]["redirect"], to);
    assert_eq!(
        task(&import, "autopilot_unavailable_2")["actions"],
        json!([{"say": "Sorry, that isn't available right now."}, {"redirect": "task://fallback"}])
    );
    assert_eq!(
        task(&import, "autopilot_unavailable")["actions"],
        json!([{"say": "Mine."}])
    );
    let unavailable = ["`autopilot_unavailable_2`", "fallback task `fallback`"];
    warning(
        &import,
        "tasks[2].actions.actions[0].collect.on_complete.redirect.uri",
        &[&["address is empty"][..], &unavailable].concat(),
    );
    warning(
        &import,
        "tasks[3].actions[1].redirect",
        &["address is empty"],
    );
    warning(
        &import,
        "tasks[4].actions[1].handoff.uri",
        &["handoff", "empty"],
    );
    warning(
        &import,
        "tasks[5].actions[0].redirect",
        &["`INSERT URL HERE`", "neither"],
    );
    assert_eq!(import.warnings.len(), 4, "{:#?}", import.warnings);
}

#[test]
fn generated_tasks_do_not_loop_through_the_fallback() {
    // Disneyland's case: the fallback hands off to nowhere, which the stand-in replaces.
    let export = json!({
        "defaults": {"defaults": {"fallback": "task://connect_human"}},
        "tasks": [
            {"uniqueName": "connect_human", "actions": {"actions": [
                {"say": "Hold on."},
                {"handoff": {"channel": "voice", "uri": "", "method": "POST"}}
            ]}, "samples": [{"taggedText": "a human please"}]},
            {"uniqueName": "hi", "actions": [{"say": "Hi"}, {"listen": true}],
             "samples": [{"taggedText": "hi"}]}
        ]
    });
    let (import, _) = loads(&export);
    assert_eq!(
        task(&import, "connect_human")["actions"][1],
        json!({"redirect": "task://autopilot_unavailable"})
    );
    assert_eq!(
        task(&import, "autopilot_unavailable")["actions"][1],
        json!({"listen": true})
    );
    warning(
        &import,
        "tasks[0].actions.actions[1].handoff.uri",
        &["then listens"],
    );
}

#[test]
fn placeholder_urls_are_kept_with_a_warning() {
    let export = json!({"tasks": [
        {"uniqueName": "a", "actions": [{"redirect": "https://REPLACE-WITH-YOUR-FUNCTION.twil.io/x"}],
         "samples": [{"taggedText": "a"}]},
        {"uniqueName": "b", "actions": [{"redirect": {"uri": "https://your-domain.com/hook", "method": "GET"}}],
         "samples": [{"taggedText": "b"}]},
        {"uniqueName": "c", "actions": [{"redirect": "https://example.com/actions"}],
         "samples": [{"taggedText": "c"}]},
        {"uniqueName": "d", "actions": [{"redirect": "https://shop.example.org/actions"}],
         "samples": [{"taggedText": "d"}]},
        {"uniqueName": "e", "actions": [{"redirect": "https://bot.acme.io/actions"}],
         "samples": [{"taggedText": "e"}]}
    ]});
    let import = loads_or_unsupported(&export);
    assert_eq!(
        task(&import, "a")["actions"][0]["redirect"],
        "https://REPLACE-WITH-YOUR-FUNCTION.twil.io/x"
    );
    warning(
        &import,
        "tasks[0].actions[0].redirect",
        &["REPLACE-WITH", "placeholder"],
    );
    warning(
        &import,
        "tasks[1].actions[0].redirect.uri",
        &["your-domain.com"],
    );
    warning(&import, "tasks[2].actions[0].redirect", &["example.com"]);
    warning(
        &import,
        "tasks[3].actions[0].redirect",
        &["shop.example.org"],
    );
    assert_eq!(import.warnings.len(), 4, "{:#?}", import.warnings);
}

#[test]
fn what_needs_an_address_and_has_none_is_left_out() {
    let export = json!({"tasks": [{"uniqueName": "map", "actions": [
            {"play": "{INSERT-AUDIO}"},
            {"say": "Here is the map: {INSERT-MAP-URL} and {{map.name}}."},
            {"remember": {"map": {"name": "venue"}}},
            {"show": {"body": "venue", "images": [
                {"label": "a", "url": "{INSERT-MAP-URL-TO-PNG}"},
                {"label": "b", "url": "https://cdn.acme.io/map.png"}
            ]}},
            {"listen": true}
        ], "samples": [{"taggedText": "map"}]}]});
    let import = loads_or_unsupported(&export);
    let actions = &task(&import, "map")["actions"];
    assert_eq!(actions.as_array().map(Vec::len), Some(4), "{actions}");
    assert_eq!(
        actions[2]["show"]["images"],
        json!([{"label": "b", "url": "https://cdn.acme.io/map.png"}])
    );
    warning(
        &import,
        "tasks[0].actions[0].play",
        &["{INSERT-AUDIO}", "left out"],
    );
    warning(
        &import,
        "tasks[0].actions[3].show.images[0].url",
        &["left out"],
    );
    warning(
        &import,
        "tasks[0].actions[1].say",
        &["{INSERT-MAP-URL}", "hear"],
    );
    assert_eq!(import.warnings.len(), 3, "{:#?}", import.warnings);
}

#[test]
fn synonyms_of_nothing_become_values() {
    let export = json!({
        "fieldTypes": [
            {"uniqueName": "drink", "values": [
                {"language": "en-US", "value": "tea", "synonymOf": null},
                {"language": "en-US", "value": "cuppa", "synonymOf": "tea"},
                {"language": "en-US", "value": "joe", "synonymOf": "coffee"},
                {"language": "en-US", "value": "java", "synonymOf": "joe"}
            ]},
            {"uniqueName": "empty", "values": []},
            {"uniqueName": "drink", "values": [{"value": "water"}]}
        ],
        "tasks": [{"uniqueName": "order", "actions": [{"collect": {
            "name": "o",
            "questions": [
                {"name": "drink", "question": "What to drink?", "type": "drink"},
                {"name": "other", "question": "Anything else?", "type": "empty"}
            ],
            "on_complete": {"redirect": "task://order"}
        }}], "fields": [{"uniqueName": "x", "fieldType": "empty"}],
        "samples": [{"taggedText": "order"}]}]
    });
    let (import, _) = loads(&export);
    assert_eq!(
        settings(&import)["field_types"],
        json!([{"name": "drink", "values": [
            {"value": "tea", "synonyms": ["cuppa"]},
            {"value": "joe", "synonyms": ["java"]}
        ]}])
    );
    warning(
        &import,
        "fieldTypes[0].values[2].synonymOf",
        &["`joe`", "`coffee`", "value of its own"],
    );
    warning(&import, "fieldTypes[1].values", &["`empty`", "no values"]);
    warning(
        &import,
        "fieldTypes[2].uniqueName",
        &["`drink`", "already defined"],
    );
    warning(&import, "tasks[0].fields", &["`x`", "`empty`"]);
    warning(
        &import,
        "tasks[0].actions[0].collect.questions[1].type",
        &["`empty`", "any answer"],
    );
    let order = task(&import, "order");
    assert!(order.get("fields").is_none(), "{order}");
    assert!(
        order["actions"][0]["collect"]["questions"][1]
            .get("type")
            .is_none()
    );
    assert_eq!(import.warnings.len(), 5, "{:#?}", import.warnings);
}

#[test]
fn duplicate_and_unusable_task_names_are_repaired() {
    let export = json!({
        "defaults": {"defaults": {"assistant_initiation": "task://say hello"}},
        "tasks": [
            {"uniqueName": "say hello", "actions": [{"say": "Hello"}, {"listen": {"tasks": ["say hello", "order.pizza"]}}],
             "samples": [{"taggedText": "hello"}]},
            {"uniqueName": "order.pizza", "actions": [{"say": "Pizza!"}, {"redirect": "task://say hello"}],
             "samples": [{"taggedText": "pizza"}]},
            {"uniqueName": "say_hello", "actions": [{"say": "The original say_hello."}],
             "samples": [{"taggedText": "hi there"}]},
            {"uniqueName": "Say_Hello", "actions": [{"say": "A duplicate."}],
             "samples": [{"taggedText": "dup"}]},
            {"uniqueName": "say hello", "actions": [{"say": "Another duplicate."}]}
        ]
    });
    let (import, assistant) = loads(&export);
    assert_eq!(
        task_names(&import),
        ["order_pizza", "say_hello", "say_hello_2"]
    );
    assert_eq!(
        task(&import, "say_hello")["actions"][0]["say"],
        "The original say_hello."
    );
    assert_eq!(
        task(&import, "say_hello_2")["actions"][1],
        json!({"listen": {"tasks": ["say_hello_2", "order_pizza"]}})
    );
    assert_eq!(
        task(&import, "order_pizza")["actions"][1],
        json!({"redirect": "task://say_hello_2"})
    );
    assert_eq!(
        settings(&import)["defaults"]["assistant_initiation"],
        "task://say_hello_2"
    );
    warning(
        &import,
        "tasks[0].uniqueName",
        &["`say hello`", "`say_hello_2`"],
    );
    warning(
        &import,
        "tasks[1].uniqueName",
        &["`order.pizza`", "`order_pizza`"],
    );
    warning(&import, "tasks[3].uniqueName", &["`Say_Hello`", "tasks[2]"]);
    warning(&import, "tasks[4].uniqueName", &["`say hello`", "tasks[0]"]);
    assert_eq!(import.warnings.len(), 4, "{:#?}", import.warnings);
    assert_eq!(
        default_task(
            &import,
            assistant.defaults.assistant_initiation.is_some(),
            "assistant_initiation"
        ),
        "say_hello_2"
    );
}

#[test]
fn tasks_without_actions_end_the_dialogue() {
    let export = json!({"tasks": [
        {"uniqueName": "silent", "actions": {"actions": []}, "samples": [{"taggedText": "shh"}]},
        {"uniqueName": "bare", "samples": [{"taggedText": "bare"}]},
        {"uniqueName": "odd", "actions": 7},
        {"uniqueName": "ok", "actions": [{"say": "fine"}]}
    ]});
    let (import, assistant) = loads(&export);
    for name in ["silent", "bare", "odd"] {
        assert_eq!(task(&import, name)["actions"], json!([]), "{name}");
    }
    warning(
        &import,
        "tasks[0].actions.actions",
        &["`silent`", "no actions"],
    );
    warning(&import, "tasks[1].actions", &["`bare`", "no actions"]);
    warning(&import, "tasks[2].actions", &["`odd`", "a number"]);
    assert_eq!(import.warnings.len(), 3, "{:#?}", import.warnings);
    let silent = assistant.task(assistant.task_id("silent").expect("silent"));
    assert!(silent.actions.is_empty());
}

#[test]
fn writes_a_flows_folder_that_loads_the_same() {
    let import = convert_json(&hello_world());
    let dir = tempfile::tempdir().expect("a temporary folder");
    let folder = dir.path().join("flows");
    write_folder(&import, &folder).expect("written");
    let text = fs::read_to_string(folder.join("tasks/order.json")).expect("order.json");
    assert_eq!(text, file(&import, &Role::Task("order".into())).text);
    assert!(text.starts_with("{\n  \"samples\""), "{text}");
    assert!(
        fs::read_to_string(folder.join("assistant.json"))
            .expect("assistant.json")
            .ends_with("}\n")
    );

    let from_disk = load_dir(&folder).expect("the folder loads");
    let in_memory = load(&import.files).expect("the files load");
    let shape = |a: &Assistant| -> Vec<(String, usize)> {
        a.tasks
            .iter()
            .map(|t| (t.name.clone(), t.samples.len()))
            .collect()
    };
    // Same names in the same order, so the same task ids.
    assert_eq!(shape(&from_disk), shape(&in_memory));
}

#[test]
fn never_overwrites_flow_files() {
    let import = convert_json(&hello_world());
    let dir = tempfile::tempdir().expect("a temporary folder");

    fs::write(dir.path().join("assistant.json"), "{}").expect("written");
    let error = write_folder(&import, dir.path()).expect_err("assistant.json exists");
    assert_eq!(error.kind(), io::ErrorKind::AlreadyExists);
    assert!(error.to_string().contains("assistant.json"), "{error}");
    // Refused before anything was written.
    assert!(!dir.path().join("tasks").exists());
    assert_eq!(
        fs::read_to_string(dir.path().join("assistant.json")).expect("kept"),
        "{}"
    );

    let other = tempfile::tempdir().expect("a temporary folder");
    fs::create_dir(other.path().join("tasks")).expect("tasks/");
    fs::write(other.path().join("tasks/greeting.json"), "mine").expect("written");
    let error = write_folder(&import, other.path()).expect_err("a task file exists");
    assert_eq!(error.kind(), io::ErrorKind::AlreadyExists);
    assert!(error.to_string().contains("greeting.json"), "{error}");
    assert!(!other.path().join("assistant.json").exists());
}

#[test]
fn refuses_task_names_that_are_not_file_names() {
    let import = Import {
        files: vec![SourceFile {
            path: PathBuf::from("x"),
            role: Role::Task("../escape".into()),
            text: "{}".into(),
        }],
        warnings: Vec::new(),
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let error = write_folder(&import, dir.path()).expect_err("not a file name");
    assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
}

#[test]
fn spots_placeholders() {
    for url in [
        "https://REPLACE-WITH-YOUR-TWILIO-FUNCTION-URL.twil.io/x",
        "https://your-service.com/x",
        "https://example.com/actions",
        "http://user@api.EXAMPLE.com:8080/x",
        "INSERT YOUR TWIML_URL HERE",
        "{INSERT-MAP-URL}",
    ] {
        assert!(is_placeholder_url(url), "{url}");
    }
    for url in [
        "https://handler.twilio.com/twiml/EH123",
        "https://notexample.com/x",
        "https://api.acme.io/insert_row",
    ] {
        assert!(!is_placeholder_url(url), "{url}");
    }
    assert_eq!(
        template_placeholder("at {insert event schedule URL} now"),
        Some("{insert event schedule URL}")
    );
    assert_eq!(template_placeholder("Hi {{user.name}}, {mood}"), None);
    assert_eq!(
        template_placeholder("{{a.b}} {REPLACE-ME}"),
        Some("{REPLACE-ME}")
    );
    assert!(handoff_address("+1 (415) 555-0123"));
    assert!(handoff_address("taskrouter://WW123"));
    assert!(!handoff_address("INSERT YOUR TWIML_URL HERE"));
    assert!(!handoff_address(""));
}

#[test]
fn a_field_of_an_undefined_type_leaves_with_its_tags() {
    let mut export = hello_world();
    export["fieldTypes"] = json!([]);
    // The question of that type takes any answer; the field goes, and so do its tags, so the
    // samples still load (a tag must name a field).
    let (import, assistant) = loads(&export);
    let order = task(&import, "order");
    assert_eq!(order["samples"], json!(["a pizza please", "order a pizza"]));
    warning(
        &import,
        "tasks[0].fields",
        &["`pizza_size`", "tags taken out"],
    );
    assert!(assistant.task_id("order").is_some());
}
