//! Editing a live bot: `serve` watches its flows and loads an edit while calls go on.
//!
//! The flows folder (or Autopilot export) is looked at every [`POLL`]: the names, sizes and
//! modification times of `assistant.json` and `tasks/*.json`. An editor saves a file in several
//! writes, and a change of several files is several saves, so an edit is loaded once the
//! folder has stayed the same for one more look. A SIGHUP loads at once (`kill -HUP`, as for
//! nginx). Polling rather than file-system events: it works the same on every platform and
//! every file system (a bind mount, NFS, a container volume), and a few `stat`s a second cost
//! nothing next to a call.
//!
//! An edit is loaded and checked whole, as `switchboard check` would. With errors, the running
//! version goes on serving, the errors are logged, and `/health` and the console's overview
//! show them until a good edit loads. Without, new conversations start on it while the ones in
//! progress finish on the version they started with (see [`crate::versions`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::flow::{self, Assistant};
use crate::nlu::embedding::Model;
use crate::versions::Versions;

/// How often the flows are looked at.
pub const POLL: Duration = Duration::from_secs(1);

/// What `serve` reloads: where the flows come from, and the model the matcher uses with them.
#[derive(Clone)]
pub struct Source {
    /// A flows folder, or an Autopilot export file.
    pub path: PathBuf,
    /// The sentence-embedding model, when `serve` has one.
    pub model: Option<Arc<Model>>,
}

/// The state of the flows on disk as cheaply seen: each file's name, size and modification time.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen(Vec<(PathBuf, u64, Option<SystemTime>)>);

fn look(path: &Path) -> Seen {
    let mut seen = Vec::new();
    let mut note = |file: PathBuf| {
        if let Ok(meta) = std::fs::metadata(&file) {
            seen.push((file, meta.len(), meta.modified().ok()));
        }
    };
    if path.is_dir() {
        note(path.join("assistant.json"));
        if let Ok(entries) = std::fs::read_dir(path.join("tasks")) {
            for entry in entries.flatten() {
                let file = entry.path();
                if file.extension().is_some_and(|e| e == "json") {
                    note(file);
                }
            }
        }
    } else {
        note(path.to_path_buf());
    }
    seen.sort();
    Seen(seen)
}

/// Loads the flows again and installs them, or notes why not. Runs the load (which trains the
/// matcher: a moment for a big bot) on a blocking thread.
pub async fn reload(source: &Source, versions: &Versions, why: &str) {
    let path = source.path.clone();
    let model = source.model.clone();
    let loaded =
        tokio::task::spawn_blocking(move || flow::load_path_with(&path, model.as_ref())).await;
    let loaded = match loaded {
        Ok(loaded) => loaded,
        Err(e) => {
            tracing::error!(error = %e, "reloading the flows failed; still serving the running version");
            return;
        }
    };
    let running = versions.current().version.clone();
    match loaded {
        Ok(assistant) => {
            let assistant: Arc<Assistant> = Arc::new(assistant);
            for warning in &assistant.warnings {
                tracing::warn!("{warning}");
            }
            let (id, tasks) = (assistant.version.clone(), assistant.tasks.len());
            match versions.install(assistant) {
                Some(was) => tracing::info!(
                    version = %id,
                    was = %was,
                    tasks,
                    "flows reloaded ({why}): new conversations use version {id}; those in progress finish on the one they started with"
                ),
                None => tracing::info!(version = %id, "flows looked at ({why}): unchanged"),
            }
        }
        Err(errors) => {
            for error in &errors.0 {
                tracing::error!("{error}");
            }
            tracing::error!(
                errors = errors.0.len(),
                version = %running,
                "flows not reloaded ({why}): the edit has errors; still serving version {running}"
            );
            versions.refuse(&errors, chrono::Utc::now());
        }
    }
}

/// Watches the flows until the process ends: loads an edit once the files have stopped
/// changing, on SIGHUP at once, and drops older versions no call uses any more.
pub async fn watch(source: Source, versions: Arc<Versions>, mut hangup: Hangups) {
    let mut loaded = look(&source.path);
    let mut last = loaded.clone();
    let mut ticks = tokio::time::interval(POLL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {
                let path = source.path.clone();
                let now = match tokio::task::spawn_blocking(move || look(&path)).await {
                    Ok(now) => now,
                    Err(_) => continue,
                };
                // Changed since the last load, and the same as a second ago: the edit is saved.
                if now != loaded && now == last {
                    reload(&source, &versions, "the files changed").await;
                    loaded = now.clone();
                }
                last = now;
                for version in versions.prune(versions.keep_for()) {
                    tracing::info!(version = %version, "flows version dropped: no call has used it for a while");
                }
            }
            Some(()) = hangup.recv() => {
                // The files as they are before loading: one saved while the load runs (training
                // the matcher takes a while on a big bot) is then seen as changed, and loaded.
                let path = source.path.clone();
                let before = tokio::task::spawn_blocking(move || look(&path)).await.ok();
                reload(&source, &versions, "SIGHUP").await;
                if let Some(before) = before {
                    loaded = before.clone();
                    last = before;
                }
            }
        }
    }
}

/// SIGHUPs as they arrive (see [`hangups`]).
pub type Hangups = tokio::sync::mpsc::Receiver<()>;

/// With flows that cannot be reloaded (built into the binary), a SIGHUP only says so: it must
/// not end the server, as it would a process that does not handle it.
pub async fn ignore_hangups(mut hangup: Hangups) {
    while hangup.recv().await.is_some() {
        tracing::info!("SIGHUP: the flows are built in, so there is nothing to reload");
    }
}

/// SIGHUPs, as a channel, handled from this call on; on a platform without them, a channel
/// that never yields. Call it before the server listens, so that no SIGHUP finds it unhandled.
pub fn hangups() -> Hangups {
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::hangup()) {
            Ok(mut hup) => {
                tokio::spawn(async move {
                    while hup.recv().await.is_some() {
                        // A HUP while one is pending is the same request.
                        let _ = tx.try_send(());
                    }
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGHUP; edits still load when the files change")
            }
        }
    }
    // Without SIGHUP the sender goes, and `watch` only looks at the files.
    #[cfg(not(unix))]
    drop(tx);
    rx
}
