//! `assistant.json`: the assistant's name, defaults, style sheet, messages, limits, escape
//! words and matcher settings, and the custom field types every question may use.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::{Cx, keyword, words};
use crate::flow::json::Node;
use crate::flow::{
    Defaults, HoldSound, Limits, Locale, Messages, SmsSettings, Style, Text, VoiceEscapes,
    WebhookSettings,
};
use serde_json::Value;

use crate::nlu::fields::time::Hours;
use crate::nlu::fields::{BuiltinType, CustomType};
use crate::nlu::lang::Language;
use crate::nlu::matcher::MatcherConfig;

/// What `assistant.json` holds, with defaults for everything.
pub(super) struct Settings {
    pub(super) name: String,
    pub(super) defaults: Defaults,
    pub(super) style: Style,
    pub(super) messages: Messages,
    pub(super) limits: Limits,
    pub(super) time_zone: chrono_tz::Tz,
    pub(super) sms: SmsSettings,
    pub(super) voice: VoiceEscapes,
    pub(super) matcher: MatcherConfig,
    pub(super) field_types: HashMap<String, Arc<CustomType>>,
    /// How a time said without its part of day is read, unless a question says otherwise.
    pub(super) hours: Hours,
    /// How calls wait for slow web services.
    pub(super) webhooks: WebhookSettings,
    /// The language callers speak.
    pub(super) language: &'static Language,
    /// The flow wrote its own hold (`webhooks.hold`) and failure words
    /// (`style_sheet.collect.validate.on_failure.messages`): a call switched to another
    /// language keeps them as written, where it would take that language's built-in lines.
    pub(super) own_hold: bool,
    pub(super) own_on_failure: bool,
}

impl Default for Settings {
    fn default() -> Self {
        let mut settings = Settings {
            name: "Switchboard assistant".into(),
            defaults: Defaults::default(),
            style: Style {
                say_voice: None,
                on_failure: Vec::new(),
                repeat_question: true,
                on_success: None,
                max_attempts: 3,
            },
            messages: Messages {
                not_understood: String::new(),
                no_input_goodbye: String::new(),
                too_many_attempts: String::new(),
                loop_goodbye: String::new(),
                error_goodbye: String::new(),
                webhook_failed: String::new(),
                sms_help: String::new(),
                sms_cancelled: String::new(),
                sms_empty: String::new(),
                sms_handoff: String::new(),
                sms_handoff_number: String::new(),
                voice_help: String::new(),
                voice_cancelled: String::new(),
                voice_no_operator: String::new(),
                am_or_pm: String::new(),
                anything_else: String::new(),
            },
            limits: Limits {
                max_silences: 3,
                max_redirects: 5,
                max_turns: 100,
            },
            time_zone: chrono_tz::UTC,
            sms: SmsSettings {
                idle: chrono::Duration::hours(4),
                stop_words: Vec::new(),
                cancel_words: Vec::new(),
                restart_words: Vec::new(),
                help_words: Vec::new(),
            },
            voice: VoiceEscapes {
                help_words: Vec::new(),
                cancel_words: Vec::new(),
                restart_words: Vec::new(),
                operator_words: Vec::new(),
                operator: None,
            },
            matcher: MatcherConfig::default(),
            field_types: HashMap::new(),
            hours: Hours::Ask,
            webhooks: WebhookSettings {
                hold_after: Some(std::time::Duration::from_millis(2000)),
                budget: std::time::Duration::from_secs(45),
                hold: HoldSound::Say("One moment, please.".into()),
                give_up: None,
            },
            language: crate::nlu::lang::english(),
            own_hold: false,
            own_on_failure: false,
        };
        settings.speak(crate::nlu::lang::english());
        settings
    }
}

impl Settings {
    /// What the engine says and hears in `language`, for calls a task switches to it: its
    /// built-in lines and escape words rather than the flow's (written in the assistant's
    /// language); the operator task, the text idle time and a hold that is not the built-in
    /// message (music, or the flow's own words) stay the assistant's.
    pub(super) fn locale(&self, language: &'static Language) -> Locale {
        let mut own = Settings::default();
        own.speak(language);
        let mut voice = own.voice;
        voice.operator = self.voice.operator.clone();
        let mut sms = own.sms;
        sms.idle = self.sms.idle;
        // The flow's own hold (music, or words) and failure words are kept: only what it left
        // to the built-ins is said in the new language.
        let hold = if self.own_hold {
            self.webhooks.hold.clone()
        } else {
            own.webhooks.hold
        };
        let on_failure = if self.own_on_failure {
            self.style.on_failure.clone()
        } else {
            own.style.on_failure
        };
        Locale {
            language,
            messages: own.messages,
            voice,
            sms,
            on_failure,
            hold,
        }
    }

    /// Takes `language` and its built-in messages and escape words: the defaults that the
    /// flow's own `messages`, `voice` and `sms` blocks, read after it, override.
    pub(super) fn speak(&mut self, language: &'static Language) {
        let b = language.builtins;
        self.language = language;
        self.matcher.lexicon = language.lexicon;
        self.style.on_failure = vec![Text::plain(b.on_failure)];
        self.webhooks.hold = HoldSound::Say(b.hold.to_owned());
        let m = &mut self.messages;
        for (slot, text) in [
            (&mut m.not_understood, b.not_understood),
            (&mut m.no_input_goodbye, b.no_input_goodbye),
            (&mut m.too_many_attempts, b.too_many_attempts),
            (&mut m.loop_goodbye, b.loop_goodbye),
            (&mut m.error_goodbye, b.error_goodbye),
            (&mut m.webhook_failed, b.webhook_failed),
            (&mut m.sms_help, b.sms_help),
            (&mut m.sms_cancelled, b.sms_cancelled),
            (&mut m.sms_empty, b.sms_empty),
            (&mut m.sms_handoff, b.sms_handoff),
            (&mut m.sms_handoff_number, b.sms_handoff_number),
            (&mut m.voice_help, b.voice_help),
            (&mut m.voice_cancelled, b.voice_cancelled),
            (&mut m.voice_no_operator, b.voice_no_operator),
            (&mut m.am_or_pm, b.am_or_pm),
            (&mut m.anything_else, b.anything_else),
        ] {
            *slot = text.to_owned();
        }
        self.sms.stop_words = words(b.sms_stop);
        self.sms.cancel_words = words(b.sms_cancel);
        self.sms.restart_words = words(b.sms_restart);
        self.sms.help_words = words(b.sms_help_words);
        self.voice.help_words = words(b.voice_help_words);
        self.voice.cancel_words = words(b.voice_cancel);
        self.voice.restart_words = words(b.voice_restart);
        self.voice.operator_words = words(b.voice_operator);
    }
}

impl Cx {
    /// A language tag (`"es-MX"`), as `assistant.json` or a task names it; an unknown one is
    /// an error listing those Switchboard speaks.
    pub(super) fn language(&mut self, file: &Path, tag: &Node<'_>) -> Option<&'static Language> {
        let text = self.string(file, tag)?;
        let found = crate::nlu::lang::find(text);
        if found.is_none() {
            let known: Vec<&str> = crate::nlu::lang::LANGUAGES.iter().map(|l| l.tag).collect();
            self.error(
                file,
                tag.path(),
                format!("Switchboard does not speak `{text}` yet"),
                format!("write one of: {}", known.join(", ")),
            );
        }
        found
    }

    pub(super) fn settings(&mut self, file: &Path, root: Node<'_>) -> Settings {
        let mut s = Settings::default();
        if root.as_object().is_none() {
            self.error(
                file,
                root.path(),
                format!("expected an object, found {}", root.kind()),
                "see flows/assistant.json in the repository for the shape",
            );
            return s;
        }
        self.unknown_keys(
            file,
            &root,
            &[
                "name",
                "defaults",
                "style_sheet",
                "field_types",
                "nlu",
                "messages",
                "limits",
                "time_zone",
                "hours",
                "sms",
                "voice",
                "webhooks",
                "language",
            ],
        );
        if let Some(language) = root
            .get("language")
            .and_then(|tag| self.language(file, &tag))
        {
            s.speak(language);
        }
        if let Some(webhooks) = root.get("webhooks") {
            self.webhook_settings(file, &webhooks, &mut s.webhooks);
            s.own_hold = webhooks.get("hold").is_some();
        }
        if let Some(hours) = root.get("hours").and_then(|n| self.hours(file, &n)) {
            s.hours = hours;
        }
        if let Some(name) = root.get("name")
            && let Some(text) = self.string(file, &name)
        {
            s.name = text.to_owned();
        }
        if let Some(zone) = root.get("time_zone")
            && let Some(name) = self.string(file, &zone)
        {
            match name.parse::<chrono_tz::Tz>() {
                Ok(tz) => s.time_zone = tz,
                Err(_) => self.error(
                    file,
                    zone.path(),
                    format!("unknown time zone `{name}`"),
                    "write an IANA time zone name such as America/New_York or Europe/London",
                ),
            }
        }
        // Custom field types first: questions refer to them.
        if let Some(types) = root.get("field_types") {
            self.field_types(file, &types, &mut s.field_types);
        }
        if let Some(defaults) = root.get("defaults") {
            // Autopilot exports wrap the object once more: {"defaults": {"defaults": {…}}}.
            let defaults = defaults.get("defaults").unwrap_or(defaults);
            self.unknown_keys(
                file,
                &defaults,
                &["assistant_initiation", "fallback", "collect"],
            );
            s.defaults.assistant_initiation = defaults
                .get("assistant_initiation")
                .and_then(|n| self.target(file, &n));
            s.defaults.fallback = defaults.get("fallback").and_then(|n| self.target(file, &n));
            if let Some(collect) = defaults.get("collect") {
                self.unknown_keys(file, &collect, &["validate_on_failure"]);
                s.defaults.validate_on_failure = collect
                    .get("validate_on_failure")
                    .and_then(|n| self.target(file, &n));
            }
        }
        if let Some(style) = root.get("style_sheet") {
            let style = style.get("style_sheet").unwrap_or(style);
            self.unknown_keys(file, &style, &["voice", "collect", "name"]);
            if let Some(voice) = style.get("voice") {
                self.unknown_keys(file, &voice, &["say_voice"]);
                s.style.say_voice = voice
                    .get("say_voice")
                    .and_then(|n| self.string(file, &n))
                    .map(str::to_owned);
            }
            if let Some(validate) = style.get("collect").and_then(|c| c.get("validate")) {
                self.unknown_keys(
                    file,
                    &validate,
                    &["on_failure", "on_success", "max_attempts"],
                );
                if let Some(on_failure) = validate.get("on_failure") {
                    self.unknown_keys(file, &on_failure, &["messages", "repeat_question"]);
                    if let Some(messages) = on_failure.get("messages") {
                        let texts = self.messages(file, &messages);
                        if !texts.is_empty() {
                            s.style.on_failure = texts;
                            s.own_on_failure = true;
                        }
                    }
                    if let Some(repeat) = on_failure.get("repeat_question") {
                        s.style.repeat_question = self.boolean(file, &repeat).unwrap_or(true);
                    }
                }
                if let Some(on_success) = validate.get("on_success") {
                    s.style.on_success = self.say_text(file, &on_success).filter(|t| !t.is_empty());
                }
                if let Some(max) = validate.get("max_attempts")
                    && let Some(n) = self.attempts(file, &max)
                {
                    s.style.max_attempts = n;
                }
            }
        }
        if let Some(nlu) = root.get("nlu") {
            if let Some(margin) = nlu.get("margin") {
                // The ratio-margin rule is gone: the runner-up's lead is part of the confidence
                // now. Say so rather than "unknown key", so an older flow is fixed in one step.
                self.error(
                    file,
                    margin.path(),
                    "`nlu.margin` is no longer used",
                    "remove it: the confidence already counts how far ahead the best task is, \
                     and the threshold calibrates itself (set `nlu.threshold` only to override it)",
                );
            }
            self.unknown_keys(file, &nlu, &["threshold", "margin"]);
            if let Some(n) = nlu.get("threshold").and_then(|n| self.fraction(file, &n)) {
                s.matcher.threshold = Some(n);
            }
        }
        if let Some(messages) = root.get("messages") {
            let mut named = s.messages.named_mut();
            let keys: Vec<&str> = named.iter().map(|(key, _)| *key).collect();
            self.unknown_keys(file, &messages, &keys);
            for (key, slot) in &mut named {
                if let Some(text) = messages.get(key).and_then(|n| self.string(file, &n)) {
                    **slot = text.to_owned();
                }
            }
        }
        if let Some(sms) = root.get("sms") {
            self.word_lists(
                file,
                &sms,
                &["idle_minutes"],
                [
                    ("stop_words", &mut s.sms.stop_words),
                    ("cancel_words", &mut s.sms.cancel_words),
                    ("restart_words", &mut s.sms.restart_words),
                    ("help_words", &mut s.sms.help_words),
                ],
            );
            if let Some(n) = sms
                .get("idle_minutes")
                .and_then(|n| self.count(file, &n, 1, 60 * 24 * 365))
            {
                s.sms.idle = chrono::Duration::minutes(i64::from(n));
            }
        }
        if let Some(voice) = root.get("voice") {
            self.word_lists(
                file,
                &voice,
                &["operator"],
                [
                    ("help_words", &mut s.voice.help_words),
                    ("cancel_words", &mut s.voice.cancel_words),
                    ("restart_words", &mut s.voice.restart_words),
                    ("operator_words", &mut s.voice.operator_words),
                ],
            );
            s.voice.operator = voice.get("operator").and_then(|n| self.target(file, &n));
        }
        if let Some(limits) = root.get("limits") {
            self.unknown_keys(
                file,
                &limits,
                &["max_silences", "max_redirects", "max_turns"],
            );
            let l = &mut s.limits;
            for (key, slot) in [
                ("max_silences", &mut l.max_silences),
                ("max_redirects", &mut l.max_redirects),
                ("max_turns", &mut l.max_turns),
            ] {
                if let Some(n) = limits.get(key).and_then(|n| self.count(file, &n, 1, 1000)) {
                    *slot = n;
                }
            }
        }
        s
    }

    pub(super) fn field_types(
        &mut self,
        file: &Path,
        node: &Node<'_>,
        out: &mut HashMap<String, Arc<CustomType>>,
    ) {
        if node.value().as_array().is_none() {
            self.error(
                file,
                node.path(),
                format!("expected an array of field types, found {}", node.kind()),
                r#"write [{"name": "size", "values": [{"value": "large", "synonyms": ["big"]}]}]"#,
            );
            return;
        }
        for ty in node.items() {
            self.unknown_keys(file, &ty, &["name", "values"]);
            let Some(name) = ty.get("name").and_then(|n| self.string(file, &n)) else {
                self.error(
                    file,
                    ty.path_of("name"),
                    "a field type needs a `name`",
                    r#"add "name": "size""#,
                );
                continue;
            };
            if BuiltinType::from_name(name).is_some() || name.starts_with("Twilio.") {
                self.error(
                    file,
                    ty.path_of("name"),
                    format!("`{name}` is a built-in type name"),
                    "custom types need their own name, without the Twilio. prefix",
                );
                continue;
            }
            let mut values = Vec::new();
            for value in ty.get("values").map(|v| v.items()).unwrap_or_default() {
                if let Some(text) = value.as_str() {
                    values.push((text.to_owned(), Vec::new()));
                    continue;
                }
                self.unknown_keys(file, &value, &["value", "synonyms"]);
                let Some(canonical) = value.get("value").and_then(|n| self.string(file, &n)) else {
                    self.error(
                        file,
                        value.path(),
                        "a field value needs a `value`",
                        r#"write {"value": "large", "synonyms": ["big"]}"#,
                    );
                    continue;
                };
                let synonyms = value
                    .get("synonyms")
                    .map(|s| {
                        s.items()
                            .iter()
                            .filter_map(|n| self.string(file, n).map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                values.push((canonical.to_owned(), synonyms));
            }
            if values.is_empty() {
                self.error(
                    file,
                    ty.path_of("values"),
                    format!("field type `{name}` has no values"),
                    r#"add "values": [{"value": "large", "synonyms": ["big"]}]"#,
                );
                continue;
            }
            if out
                .insert(name.to_owned(), Arc::new(CustomType::new(values)))
                .is_some()
            {
                self.error(
                    file,
                    ty.path_of("name"),
                    format!("duplicate field type `{name}`"),
                    "give each field type its own name",
                );
            }
        }
    }

    /// Reads each key of `node` that is present into its slot as a word list (an empty list
    /// turns those words off), and reports any key that is neither a list nor one of `others`,
    /// the block's other settings.
    pub(super) fn word_lists<const N: usize>(
        &mut self,
        file: &Path,
        node: &Node<'_>,
        others: &[&str],
        lists: [(&str, &mut Vec<String>); N],
    ) {
        // Every key the block may hold, named once: the lists and the block's other settings.
        let known: Vec<&str> = others
            .iter()
            .copied()
            .chain(lists.iter().map(|(key, _)| *key))
            .collect();
        self.unknown_keys(file, node, &known);
        for (key, slot) in lists {
            if let Some(words) = node.get(key).and_then(|list| self.word_list(file, &list)) {
                *slot = words;
            }
        }
    }

    /// A list of words or phrases, normalised as [`keyword`] compares them.
    pub(super) fn word_list(&mut self, file: &Path, node: &Node<'_>) -> Option<Vec<String>> {
        if node.value().as_array().is_none() {
            self.error(
                file,
                node.path(),
                format!("expected a list of words, found {}", node.kind()),
                r#"write ["help", "i need help"], or [] to turn it off"#,
            );
            return None;
        }
        Some(
            node.items()
                .iter()
                .filter_map(|n| self.string(file, n))
                .map(keyword)
                .collect(),
        )
    }

    /// `hours`: `"ask"`, `"as said"`, or the hours a time falls in, `["10:00", "23:00"]`.
    pub(super) fn hours(&mut self, file: &Path, node: &Node<'_>) -> Option<Hours> {
        let fix = r#"write "ask" (ask morning or evening), "as said" (a 24-hour clock) or the hours times fall in, ["10:00", "23:00"]"#;
        match node.value() {
            Value::String(s) if s.trim().eq_ignore_ascii_case("ask") => Some(Hours::Ask),
            Value::String(s) if keyword(s) == "as said" => Some(Hours::AsSaid),
            Value::Array(list) if list.len() == 2 => {
                let minutes = |v: &Value| -> Option<u32> {
                    let (h, m) = v.as_str()?.trim().split_once(':')?;
                    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
                    // Checked before multiplying: "99999999:00" is a mistake to report, not
                    // an overflow.
                    (h <= 24 && m < 60 && h * 60 + m <= 24 * 60).then(|| h * 60 + m)
                };
                match (minutes(&list[0]), minutes(&list[1])) {
                    (Some(from), Some(to)) if from != to => Some(Hours::Within { from, to }),
                    _ => {
                        self.error(
                            file,
                            node.path(),
                            "expected two different times, HH:MM",
                            fix,
                        );
                        None
                    }
                }
            }
            _ => {
                self.error(file, node.path(), "not a way to read times", fix);
                None
            }
        }
    }

    /// `webhooks`: `hold_after_ms` (0: no holds), `budget_ms`, `hold` (a text, `{"say": …}`
    /// or `{"play": url}`) and `give_up` (a target).
    fn webhook_settings(&mut self, file: &Path, node: &Node<'_>, w: &mut WebhookSettings) {
        self.unknown_keys(
            file,
            node,
            &["hold_after_ms", "budget_ms", "hold", "give_up"],
        );
        // Twilio gives up on a webhook after 15 s; a hold must come well before.
        if let Some(n) = node.get("hold_after_ms")
            && let Some(ms) = self.count(file, &n, 0, 10_000)
        {
            w.hold_after = (ms > 0).then(|| std::time::Duration::from_millis(u64::from(ms)));
        }
        if let Some(n) = node.get("budget_ms")
            && let Some(ms) = self.count(file, &n, 1_000, 600_000)
        {
            w.budget = std::time::Duration::from_millis(u64::from(ms));
        }
        if let Some(hold) = node.get("hold") {
            match (hold.value(), hold.get("play"), hold.get("say")) {
                (Value::String(text), _, _) if !text.trim().is_empty() => {
                    w.hold = HoldSound::Say(text.trim().to_owned());
                }
                (_, Some(url), None) => {
                    if let Some(url) = self.string(file, &url) {
                        if url.starts_with("https://") || url.starts_with("http://") {
                            w.hold = HoldSound::Play(url.to_owned());
                        } else {
                            self.error(file, hold.path_of("play"), "hold music must be an http(s) URL", r#"write "hold": {"play": "https://example.com/hold.mp3"}"#);
                        }
                    }
                }
                (_, None, Some(text)) => {
                    if let Some(text) = self.string(file, &text).filter(|t| !t.trim().is_empty()) {
                        w.hold = HoldSound::Say(text.trim().to_owned());
                    }
                }
                _ => self.error(
                    file,
                    hold.path(),
                    "expected words to say, or audio to play, while a caller waits",
                    r#"write "hold": "One moment, please." or {"play": "https://example.com/hold.mp3"}"#,
                ),
            }
        }
        if let Some(target) = node.get("give_up") {
            w.give_up = self.target(file, &target);
        }
    }
}
