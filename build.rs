//! Build script: tells the tests whether Twilio's published Autopilot bots sit beside the
//! checkout (`../shared/autopilot`, where the team's machines keep them). Where they do not —
//! a user's fresh clone — the tests that read them are marked ignored, with the reason, so
//! `cargo test` lists them as `ignored, needs ../shared/autopilot …` instead of passing
//! silently.
//!
//! Decided when the script runs, which is when this file changes (watching a folder that may
//! not exist would rerun it, and rebuild the crate, on every build): after adding or removing
//! `../shared`, `touch build.rs`. The tests still check at run time, and say "skipped", if the
//! folder has gone since.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(no_shared_autopilot)");
    println!("cargo::rerun-if-changed=build.rs");
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default();
    let shared = std::path::Path::new(&manifest).join("../shared/autopilot");
    if !shared.is_dir() {
        println!("cargo::rustc-cfg=no_shared_autopilot");
    }
}
