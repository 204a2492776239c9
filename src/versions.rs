//! The flows a server runs: the current version, and the older ones that calls in progress
//! started on and finish on.
//!
//! An edit to a live bot must not change a call under the caller's feet — a question renamed
//! between two turns, a task gone mid-collect. So each session records the version of the flows
//! it started on ([`Assistant::version`]), and every turn runs on that version while it is held
//! here. New conversations start on the current one.
//!
//! An older version is kept while a conversation on it may still be going: it is dropped once
//! no turn has used it for [`Versions::keep_for`] (the longest a conversation stays open between
//! turns: a text conversation's idle time, and never under an hour, so a call always finishes),
//! and at most [`MAX_OLDER`] are kept (a bot edited every few seconds would otherwise pile them
//! up). A session whose version is gone — dropped, or from before a restart — goes on with the
//! current flows, as it always did after a restart: the engine copes with a task or question
//! that has disappeared by starting the caller over politely.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::flow::{Assistant, FlowErrors};

/// Older versions kept at most; past this the least recently used goes.
pub const MAX_OLDER: usize = 8;

/// The version in force and the ones still in use.
#[derive(Debug)]
pub struct Versions {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    current: Arc<Assistant>,
    older: Vec<Older>,
    refused: Option<Refused>,
}

#[derive(Debug)]
struct Older {
    assistant: Arc<Assistant>,
    last_used: Instant,
}

/// An edit that was not taken because the flows had errors: the running version goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// When the edit was tried.
    pub at: DateTime<Utc>,
    /// The errors, one per line, as `switchboard check` prints them.
    pub errors: Vec<String>,
}

impl Versions {
    /// Versions starting with `assistant` alone.
    pub fn new(assistant: Arc<Assistant>) -> Versions {
        Versions {
            state: Mutex::new(State {
                current: assistant,
                older: Vec::new(),
                refused: None,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere while holding the lock leaves the state whole (every change below
        // is one assignment), so carry on with it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The version new conversations start on.
    pub fn current(&self) -> Arc<Assistant> {
        Arc::clone(&self.state().current)
    }

    /// The version a conversation started on, if still held; else the current one.
    pub fn for_session(&self, version: Option<&str>) -> Arc<Assistant> {
        let mut state = self.state();
        let Some(version) = version else {
            return Arc::clone(&state.current);
        };
        if state.current.version == version {
            return Arc::clone(&state.current);
        }
        match state
            .older
            .iter_mut()
            .find(|o| o.assistant.version == version)
        {
            Some(older) => {
                older.last_used = Instant::now();
                Arc::clone(&older.assistant)
            }
            None => Arc::clone(&state.current),
        }
    }

    /// Makes `assistant` the current version; the one it replaces stays for the calls on it.
    /// Returns the replaced version's id, or None when `assistant` is that same version (an
    /// edit that changed nothing, or was undone). Clears a refused edit either way: the flows
    /// on disk load again.
    pub fn install(&self, assistant: Arc<Assistant>) -> Option<String> {
        let mut state = self.state();
        state.refused = None;
        if state.current.version == assistant.version {
            return None;
        }
        // A version coming back (an edit undone) is current again, not also an older one.
        state
            .older
            .retain(|o| o.assistant.version != assistant.version);
        let replaced = std::mem::replace(&mut state.current, assistant);
        let id = replaced.version.clone();
        state.older.push(Older {
            assistant: replaced,
            last_used: Instant::now(),
        });
        if state.older.len() > MAX_OLDER
            && let Some(oldest) = (0..state.older.len()).min_by_key(|&i| state.older[i].last_used)
        {
            let dropped = state.older.remove(oldest);
            tracing::info!(
                version = %dropped.assistant.version,
                "flows version dropped: more than {MAX_OLDER} older versions held; calls still on it go on with the current flows"
            );
        }
        Some(id)
    }

    /// Notes an edit that did not load; the current version goes on.
    pub fn refuse(&self, errors: &FlowErrors, at: DateTime<Utc>) {
        self.state().refused = Some(Refused {
            at,
            errors: errors.0.iter().map(ToString::to_string).collect(),
        });
    }

    /// The last edit that was refused, unless a good one has loaded since.
    pub fn refused(&self) -> Option<Refused> {
        self.state().refused.clone()
    }

    /// Ids of the older versions still held, most recently used first.
    pub fn older(&self) -> Vec<String> {
        let state = self.state();
        let mut older: Vec<&Older> = state.older.iter().collect();
        older.sort_by_key(|o| std::cmp::Reverse(o.last_used));
        older.iter().map(|o| o.assistant.version.clone()).collect()
    }

    /// How long an older version is kept after its last turn: the current flows' text idle
    /// time, and at least an hour.
    pub fn keep_for(&self) -> Duration {
        let idle = self.state().current.sms.idle.to_std().unwrap_or_default();
        idle.max(Duration::from_secs(3600))
    }

    /// Drops older versions no turn has used for `keep_for`; returns their ids.
    pub fn prune(&self, keep_for: Duration) -> Vec<String> {
        let mut state = self.state();
        let now = Instant::now();
        let mut dropped = Vec::new();
        state.older.retain(|o| {
            let keep = now.duration_since(o.last_used) < keep_for;
            if !keep {
                dropped.push(o.assistant.version.clone());
            }
            keep
        });
        dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{SourceFile, load};

    fn bot(greeting: &str) -> Arc<Assistant> {
        let files = vec![
            SourceFile::from_path(
                "flows/assistant.json".into(),
                r#"{"defaults": {"assistant_initiation": "task://hi"}}"#.into(),
            ),
            SourceFile::from_path(
                "flows/tasks/hi.json".into(),
                format!(r#"{{"actions": [{{"say": "{greeting}"}}]}}"#),
            ),
        ];
        Arc::new(load(&files).expect("loads"))
    }

    #[test]
    fn a_version_is_the_flows_content_wherever_it_was_read_from() {
        let a = bot("Hello");
        assert_eq!(a.version.len(), 12);
        assert_eq!(a.version, bot("Hello").version);
        assert_ne!(a.version, bot("Hello!").version);
        let elsewhere = load(&[
            SourceFile::from_path(
                "(built in) flows/assistant.json".into(),
                r#"{"defaults": {"assistant_initiation": "task://hi"}}"#.into(),
            ),
            SourceFile::from_path(
                "(built in) flows/tasks/hi.json".into(),
                r#"{"actions": [{"say": "Hello"}]}"#.into(),
            ),
        ])
        .expect("loads");
        assert_eq!(elsewhere.version, a.version);
    }

    #[test]
    fn sessions_keep_their_version_until_it_is_dropped() {
        let (one, two, three) = (bot("one"), bot("two"), bot("three"));
        let versions = Versions::new(Arc::clone(&one));
        assert_eq!(versions.install(Arc::clone(&one)), None, "the same flows");
        assert_eq!(
            versions.install(Arc::clone(&two)),
            Some(one.version.clone())
        );
        assert_eq!(versions.current().version, two.version);
        assert_eq!(
            versions.for_session(Some(&one.version)).version,
            one.version
        );
        assert_eq!(versions.for_session(None).version, two.version);
        assert_eq!(versions.for_session(Some("gone")).version, two.version);
        versions.install(Arc::clone(&three));
        assert_eq!(versions.older(), [two.version.clone(), one.version.clone()]);
        // An edit undone: the version is current again, and not also an older one.
        versions.install(Arc::clone(&one));
        assert_eq!(versions.current().version, one.version);
        assert!(!versions.older().contains(&one.version));
        // Unused for the keeping time: dropped, and its sessions go on with the current flows.
        assert!(versions.prune(Duration::from_secs(3600)).is_empty());
        let dropped = versions.prune(Duration::ZERO);
        assert_eq!(dropped.len(), 2, "{dropped:?}");
        assert_eq!(
            versions.for_session(Some(&two.version)).version,
            one.version
        );
    }

    #[test]
    fn older_versions_are_capped_and_a_refused_edit_is_kept_until_a_good_one() {
        let versions = Versions::new(bot("v0"));
        for i in 1..=MAX_OLDER + 3 {
            versions.install(bot(&format!("v{i}")));
        }
        assert_eq!(versions.older().len(), MAX_OLDER);
        let errors = FlowErrors(vec![crate::flow::FlowError::new(
            std::path::Path::new("tasks/x.json"),
            "actions",
            "broken",
            "fix it",
        )]);
        versions.refuse(&errors, Utc::now());
        let refused = versions.refused().expect("noted");
        assert_eq!(
            refused.errors,
            ["tasks/x.json: actions: broken (fix: fix it)"]
        );
        versions.install(bot("good"));
        assert_eq!(versions.refused(), None);
    }
}
