//! Advice on an assistant that loads: things that make callers misunderstood.
//!
//! Kept out of loading because it runs the matcher over every sample — cheap for one `check`,
//! too slow for every start-up of a thousand-task assistant.

use std::collections::HashMap;
use std::path::Path;

use super::{Action, Assistant, FlowError, Target};
use crate::nlu::text::normalize;

/// Fewer samples than this and a task is hard to reach by what callers actually say.
pub const FEW_SAMPLES: usize = 5;

/// A sample whose runner-up task scores this close is all but the same as that task's samples.
const COLLISION: f32 = 0.85;

/// Warnings about samples: too few, the same sample in two tasks, samples that another task
/// matches almost as well, and tasks that nothing reaches.
pub fn lint(assistant: &Assistant) -> Vec<FlowError> {
    let mut warnings = Vec::new();
    // Each warning names the file the task came from, as the loader was given it: the folder's
    // own path, or an Autopilot export's `schema.json (task …)`, never a file that does not exist.
    let warn =
        |warnings: &mut Vec<FlowError>, file: &Path, place: String, problem: String, fix: &str| {
            warnings.push(FlowError::new(file, place, problem, fix));
        };
    let reached = reached_by_name(assistant);
    let mut seen: HashMap<String, (String, usize)> = HashMap::new();
    for (id, task) in assistant.tasks.iter().enumerate() {
        let n = task.samples.len();
        if n == 0 && !reached.contains(&task.name.as_str()) {
            warn(&mut warnings, &task.file, "samples".into(), "nothing reaches this task: it has no samples and no redirect, listen or default names it".into(), "add samples, or redirect to it from another task");
        } else if (1..FEW_SAMPLES).contains(&n) {
            warn(
                &mut warnings,
                &task.file,
                "samples".into(),
                format!(
                    "only {n} sample{}; callers phrase things in many ways",
                    if n == 1 { "" } else { "s" }
                ),
                "add at least 5 (10 is better) different ways a caller might ask",
            );
        }
        for (i, sample) in task.samples.iter().enumerate() {
            let key = normalize(&sample.replace(['{', '}'], ""));
            if key.is_empty() {
                continue;
            }
            // Twilio transcribes a caller in the bot's language: a sample in another script
            // is never what a caller's words look like. A bilingual bot (a task switches the
            // call's language) hears both, so a sample fits if it fits either.
            let language = assistant.language;
            let han = sample.chars().any(crate::nlu::lang::is_han);
            let latin = sample.chars().any(|c| c.is_ascii_alphabetic());
            let fits = |han_script: bool| if han_script { han || !latin } else { !han };
            let foreign =
                !fits(language.han) && !assistant.locales.iter().any(|l| fits(l.language.han));
            if foreign {
                warn(
                    &mut warnings,
                    &task.file,
                    format!("samples[{i}]"),
                    format!(
                        "\"{sample}\" is not written as a {} caller's words are transcribed ({})",
                        language.name,
                        if language.han {
                            "in Chinese characters"
                        } else {
                            "in the Latin alphabet"
                        }
                    ),
                    &format!(
                        "write the sample in {}, or set \"language\" in assistant.json to the language it is in",
                        language.name
                    ),
                );
            }
            if let Some((other, _)) = seen.get(&key).filter(|(other, _)| *other != task.name) {
                warn(
                    &mut warnings,
                    &task.file,
                    format!("samples[{i}]"),
                    format!(
                        "\"{sample}\" is also a sample of task `{other}`; the matcher cannot tell them apart"
                    ),
                    "keep it in one task only",
                );
                continue;
            }
            seen.insert(key, (task.name.clone(), i));
            let embedding = assistant.matcher.sample_embedding(id, i);
            let class = assistant.matcher.classify_with(sample, embedding, None);
            if let Some((other, confidence)) = class
                .next_best
                .filter(|(other, c)| *other != id && *c >= COLLISION)
            {
                let other = assistant.tasks.get(other).map_or("?", |t| t.name.as_str());
                warn(
                    &mut warnings,
                    &task.file,
                    format!("samples[{i}]"),
                    format!(
                        "\"{sample}\" is nearly as close to task `{other}` (confidence {confidence:.2}); callers who say it may be asked again"
                    ),
                    "make the two tasks' samples more different, or merge the tasks",
                );
            }
        }
    }
    warnings
}

/// Names of tasks something points at: redirects, listens, keypad menus, defaults.
fn reached_by_name(assistant: &Assistant) -> Vec<&str> {
    let mut names = Vec::new();
    let mut target = |t: &Target| {
        if let Target::Task(id) = t {
            names.push(assistant.task(*id).name.as_str());
        }
    };
    let d = &assistant.defaults;
    for t in [
        &d.assistant_initiation,
        &d.fallback,
        &d.validate_on_failure,
        &assistant.webhooks.give_up,
        &assistant.voice.operator,
    ]
    .into_iter()
    .flatten()
    {
        target(t);
    }
    for task in &assistant.tasks {
        for action in &task.actions {
            match action {
                Action::Redirect(t) => target(t),
                Action::Branch(branch) => branch.targets().for_each(&mut target),
                Action::Collect(c) => {
                    c.on_complete.targets().for_each(&mut target);
                    for q in &c.questions {
                        if let Some(t) = &q.validate.on_max_attempts {
                            target(t);
                        }
                    }
                }
                Action::Listen(listen) => {
                    for id in listen.tasks.iter().flatten() {
                        target(&Target::Task(*id));
                    }
                    for (_, id) in listen.keypad.iter().flat_map(|k| k.redirects.iter()) {
                        target(&Target::Task(*id));
                    }
                }
                _ => {}
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{SourceFile, load};
    use std::path::PathBuf;

    fn assistant(files: &[(&str, &str)]) -> Assistant {
        let files: Vec<SourceFile> = files
            .iter()
            .map(|(p, t)| SourceFile::from_path(PathBuf::from(p), (*t).to_owned()))
            .collect();
        load(&files).expect("loads")
    }

    #[test]
    fn warns_about_thin_colliding_and_unreachable_tasks() {
        let a = assistant(&[
            (
                "tasks/book.json",
                r#"{"samples": ["book a table", "reserve a table", "table for two", "make a booking", "I want a reservation"], "actions": [{"say": "ok"}]}"#,
            ),
            (
                "tasks/cancel.json",
                r#"{"samples": ["cancel my booking", "Book a table!"], "actions": [{"say": "ok"}]}"#,
            ),
            (
                "tasks/orphan.json",
                r#"{"actions": [{"say": "nobody gets here"}]}"#,
            ),
        ]);
        let warnings: Vec<String> = lint(&a).iter().map(ToString::to_string).collect();
        let has = |words: &str| warnings.iter().any(|w| w.contains(words));
        assert!(
            has("tasks/cancel.json: samples: only 2 samples"),
            "{warnings:#?}"
        );
        assert!(
            has("tasks/cancel.json: samples[1]: \"Book a table!\" is also a sample of task `book`"),
            "{warnings:#?}"
        );
        assert!(
            has("tasks/orphan.json: samples: nothing reaches this task"),
            "{warnings:#?}"
        );
        assert!(
            !warnings
                .iter()
                .any(|w| w.contains("tasks/book.json: samples:")),
            "book has enough samples: {warnings:#?}"
        );
    }

    #[test]
    fn the_repository_flows_have_nothing_to_warn_about() {
        let a =
            crate::flow::load_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("flows"))
                .expect("loads");
        let warnings: Vec<String> = lint(&a).iter().map(ToString::to_string).collect();
        assert!(warnings.is_empty(), "{warnings:#?}");
    }
}
