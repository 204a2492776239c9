//! The `switchboard` command line: `serve`, `chat`, `test`, `check`, `collected`, `import` and
//! `nlu match`.
//!
//! Each subcommand is a small function over the library; this module owns argument parsing,
//! exit codes and what is printed. Errors go to stderr as one readable block, never a panic.

mod bench;
mod chat;
mod conversation;
mod serve;

use serve::ServeArgs;

use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};

use crate::engine::Channel;
use crate::flow::{self, Assistant, FlowErrors};
use crate::store::{self, CollectedRow, Db};

/// A self-hosted phone bot engine that runs Twilio Autopilot bots.
#[derive(Debug, Parser)]
#[command(name = "switchboard", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the voice and SMS webhooks (and, with an admin token, the console and metrics).
    Serve(ServeArgs),
    /// Talk to the bot in the terminal: you are the caller (or the texter, with --channel sms).
    Chat {
        #[command(flatten)]
        flows: FlowsArg,
        /// Talk as on a phone call or by text.
        #[arg(long, value_enum, default_value_t = ChannelArg::Voice)]
        channel: ChannelArg,
        /// Where to keep what the chat collects, a SQLite file or postgres:// URL (default: a
        /// temporary SQLite file).
        #[arg(long)]
        db: Option<Db>,
        /// Show which task each thing you say goes to, and how sure the matcher is.
        #[arg(long)]
        explain: bool,
    },
    /// Run conversation tests: the files named, or tests/*.txt in the flows folder.
    Test {
        #[command(flatten)]
        flows: FlowsArg,
        /// Run the conversations as phone calls or by text.
        #[arg(long, value_enum, default_value_t = ChannelArg::Voice)]
        channel: ChannelArg,
        /// Conversation test files.
        files: Vec<PathBuf>,
    },
    /// Validate a flows folder; exits non-zero if it has errors.
    Check {
        #[command(flatten)]
        flows: FlowsArg,
    },
    /// Print what callers' answers were collected.
    Collected {
        /// The SQLite file or postgres:// URL `switchboard serve` uses.
        #[arg(long, env = "SWITCHBOARD_DB", default_value = "switchboard.db")]
        db: Db,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Delete callers' answers and call history older than a number of days.
    Purge {
        /// The SQLite file or postgres:// URL `switchboard serve` uses.
        #[arg(long, env = "SWITCHBOARD_DB", default_value = "switchboard.db")]
        db: Db,
        /// Keep this many days; older answers, history and finished sessions are deleted.
        #[arg(long, value_name = "DAYS")]
        older_than_days: u32,
    },
    /// Convert a bot from another platform into a flows folder.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Load-test a server: simulated callers run whole registration calls over loopback, with
    /// the same server's fixed-TwiML route as the baseline.
    Bench(bench::BenchArgs),
    /// Tools for the intent matcher.
    Nlu {
        #[command(subcommand)]
        command: NluCommand,
    },
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// Turn a Twilio Autopilot assistant export (schema.json) into a flows folder that loads to
    /// the same assistant. (`serve --flows schema.json` also runs an export directly.)
    Autopilot {
        /// The export file.
        export: PathBuf,
        /// The folder to write (created; existing files are never overwritten).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum NluCommand {
    /// Read utterances from stdin, one per line; print one JSON object per line with the task
    /// each goes to (null when the matcher declines) and its confidence.
    Match {
        #[command(flatten)]
        flows: FlowsArg,
    },
    /// Read answers from stdin, one per line; print one JSON object per line with the value
    /// the field type parses each to (null when it is not a value of the type), as a collect
    /// would save it.
    Parse {
        #[command(flatten)]
        flows: FlowsArg,
        /// The field type: a Twilio built-in ("Twilio.DATE", "Twilio.PHONE_NUMBER", …) or a
        /// custom type of the flows.
        #[arg(long = "type", value_name = "TYPE")]
        field_type: String,
        /// The caller's date, for "tomorrow" and "the fifteenth" (default: today in the
        /// assistant's time zone).
        #[arg(long, value_name = "YYYY-MM-DD")]
        today: Option<chrono::NaiveDate>,
        /// Read each line as keys pressed on a keypad rather than as a speech transcript.
        #[arg(long)]
        keypad: bool,
        /// The language the answers are in (en-US, es-US, es-MX, zh-CN; default: the flows'
        /// `language`).
        #[arg(long, value_name = "TAG")]
        language: Option<String>,
    },
    /// Score the matcher on labelled utterances: a JSON Lines file of
    /// {"text": "…", "task": "name" or null (should decline)}.
    Eval {
        #[command(flatten)]
        flows: FlowsArg,
        /// The labelled utterances.
        #[arg(long)]
        cases: PathBuf,
    },
}

#[derive(Debug, clap::Args)]
struct FlowsArg {
    /// Flows folder. Default: ./flows, or the flows built into the binary if there is none.
    #[arg(long, env = "SWITCHBOARD_FLOWS")]
    flows: Option<PathBuf>,
    /// A sentence-transformers model folder (such as all-MiniLM-L6-v2) whose sentence
    /// embeddings the matcher fuses with its string scores, to understand paraphrases. See the
    /// README, "Semantic matching".
    #[arg(long, env = "SWITCHBOARD_NLU_MODEL", value_name = "DIR")]
    nlu_model: Option<PathBuf>,
}

impl FlowsArg {
    /// Where the flows are read from: `--flows`, else `./flows` when there is one; None for
    /// the flows built into the binary. One answer for loading them and for watching them.
    fn folder(&self) -> Option<PathBuf> {
        match &self.flows {
            Some(path) => Some(path.clone()),
            None if Path::new("flows").is_dir() => Some(PathBuf::from("flows")),
            None => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ChannelArg {
    Voice,
    Sms,
}

impl From<ChannelArg> for Channel {
    fn from(arg: ChannelArg) -> Channel {
        match arg {
            ChannelArg::Voice => Channel::Voice,
            ChannelArg::Sms => Channel::Sms,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
}

pub use conversation::saved_answers;

/// Runs the command line and returns the process's exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Held to the end of `main`: dropping it writes out the log lines still queued.
    let _log = init_tracing(matches!(cli.command, Command::Serve(_)));
    let result = match cli.command {
        Command::Serve(args) => serve::serve(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Check { flows } => check(&flows),
        Command::Chat {
            flows,
            channel,
            db,
            explain,
        } => load_flows(&flows)
            .and_then(|(assistant, _)| chat::run(assistant, channel.into(), db.as_ref(), explain)),
        Command::Test {
            flows,
            channel,
            files,
        } => test(&flows, channel.into(), files),
        Command::Collected { db, format } => collected(&db, format),
        Command::Purge {
            db,
            older_than_days,
        } => purge(&db, older_than_days),
        Command::Import {
            command: ImportCommand::Autopilot { export, out },
        } => import_autopilot(&export, &out),
        Command::Nlu {
            command: NluCommand::Match { flows },
        } => nlu_match(&flows),
        Command::Nlu {
            command: NluCommand::Eval { flows, cases },
        } => nlu_eval(&flows, &cases),
        Command::Nlu {
            command:
                NluCommand::Parse {
                    flows,
                    field_type,
                    today,
                    keypad,
                    language,
                },
        } => nlu_parse(&flows, &field_type, today, keypad, language.as_deref()),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {}", message.trim_end());
            ExitCode::FAILURE
        }
    }
}

/// Log lines the server may have queued for writing; more are dropped (and counted).
const LOG_QUEUE_LINES: usize = 4096;

/// Logs to standard error, in colour only on a terminal (escape codes in a log file are noise),
/// each event on one line whatever it quotes (see [`crate::log`]).
///
/// The server hands its lines to a thread of their own, which writes whatever has queued up in
/// one go: a `write` per turn on the thread that answers the caller was a tenth of that
/// thread's time under load. When the queue is full (whoever reads standard error has stopped)
/// lines are dropped rather than waited for, so callers are never held up by the log; the
/// returned guard reports how many every few seconds and writes out what is still queued when
/// dropped. Other commands write each line as it comes, so their log lines keep their place
/// among what they print.
fn init_tracing(background: bool) -> Option<crate::log::LogGuard> {
    use crate::log::{LogGuard, OneLine};
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = io::stderr().is_terminal();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi);
    if background {
        let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
            .lossy(true)
            // The default queue holds 128,000 lines (tens of megabytes should the disk stall);
            // a short one keeps memory flat.
            .buffered_lines_limit(LOG_QUEUE_LINES)
            .thread_name("switchboard-log")
            .finish(io::BufWriter::new(io::stderr()));
        let dropped = writer.error_counter();
        let _ = builder.with_writer(OneLine::new(writer, ansi)).try_init();
        Some(LogGuard::new(guard, dropped))
    } else {
        let _ = builder
            .with_writer(OneLine::new(io::stderr, ansi))
            .try_init();
        None
    }
}

/// Loads the flows named by `--flows`, or `./flows`, or the built-in copy. Returns the assistant
/// and a description of where it came from.
fn load_flows(arg: &FlowsArg) -> Result<(Assistant, String), String> {
    let render = |e: FlowErrors| e.to_string();
    let model = match &arg.nlu_model {
        Some(dir) => Some(Arc::new(
            crate::nlu::embedding::Model::load(dir).map_err(|e| e.to_string())?,
        )),
        None => None,
    };
    let model = model.as_ref();
    let Some(path) = arg.folder() else {
        return flow::load_with(&flow::source::embedded(), model)
            .map(|a| (a, "the built-in flows".into()))
            .map_err(render);
    };
    let label = match arg.flows {
        Some(_) => path.display().to_string(),
        None => "flows/".into(),
    };
    flow::load_path_with(&path, model)
        .map(|a| (a, label))
        .map_err(render)
}

fn test(flows: &FlowsArg, channel: Channel, files: Vec<PathBuf>) -> Result<ExitCode, String> {
    let (assistant, _) = load_flows(flows)?;
    let files = if files.is_empty() {
        let dir = flows
            .flows
            .clone()
            .unwrap_or_else(|| PathBuf::from("flows"));
        conversation::default_files(&dir)?
    } else {
        files
    };
    conversation::run(assistant, channel, &files)
}

fn check(flows: &FlowsArg) -> Result<ExitCode, String> {
    let (assistant, source) = load_flows(flows)?;
    let samples: usize = assistant.tasks.iter().map(|t| t.samples.len()).sum();
    let names: Vec<&str> = assistant.tasks.iter().map(|t| t.name.as_str()).collect();
    let mut warnings = assistant.warnings.clone();
    warnings.extend(flow::lint::lint(&assistant));
    for warning in &warnings {
        println!("warning: {warning}");
    }
    let warnings = match warnings.len() {
        0 => String::new(),
        1 => ", 1 warning".to_owned(),
        n => format!(", {n} warnings"),
    };
    println!(
        "{source}: ok — {} tasks ({}), {samples} samples{warnings}",
        names.len(),
        names.join(", ")
    );
    // The id `serve` logs and /health shows for these flows, and the call history keeps.
    println!("version {}", assistant.version);
    println!(
        "matcher: declines below confidence {:.3} ({})",
        assistant.matcher.threshold(),
        assistant.matcher.threshold_origin()
    );
    if let Some(semantics) = assistant.matcher.semantics() {
        println!(
            "matcher: semantic matching with the model in {}",
            semantics.model().dir().display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn import_autopilot(export: &Path, out: &Path) -> Result<ExitCode, String> {
    let text = std::fs::read_to_string(export)
        .map_err(|e| format!("cannot read {}: {e}", export.display()))?;
    let import = flow::autopilot::convert(export, &text).map_err(|e| e.to_string())?;
    // Refuse to write a folder that would not load: the import is only done when it runs.
    let assistant = flow::load(&import.files).map_err(|e| e.to_string())?;
    flow::autopilot::write_folder(&import, out)
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    for warning in import.warnings.iter().chain(&assistant.warnings) {
        println!("warning: {warning}");
    }
    println!(
        "wrote {} ({} tasks); check it with: switchboard check --flows {}",
        out.display(),
        assistant.tasks.len(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn nlu_match(flows: &FlowsArg) -> Result<ExitCode, String> {
    let (assistant, _) = load_flows(flows)?;
    let stdin = io::stdin();
    let mut out = io::BufWriter::new(io::stdout().lock());
    for line in stdin.lock().lines() {
        let text = line.map_err(|e| format!("reading stdin: {e}"))?;
        let class = assistant.matcher.classify(&text, None);
        let name = |i: usize| assistant.tasks.get(i).map(|t| t.name.clone());
        let row = serde_json::json!({
            "text": text,
            "task": class.task.and_then(name),
            "confidence": round(class.confidence),
            "best": class.best.and_then(|(i, _)| name(i)),
            "next_best": class.next_best.and_then(|(i, _)| name(i)),
            "next_best_confidence": class.next_best.map(|(_, c)| round(c)),
            "decision": format!("{:?}", class.decision).to_lowercase(),
            "threshold": round(assistant.matcher.threshold()),
        });
        let mut row = row;
        if let (Some(parts), Some((_, fused))) = (class.parts, class.best) {
            row["string"] = round(parts.string).into();
            row["semantic"] = round(parts.semantic).into();
            row["fused"] = round(fused).into();
        }
        writeln!(out, "{row}").map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

fn nlu_parse(
    flows: &FlowsArg,
    field_type: &str,
    today: Option<chrono::NaiveDate>,
    keypad: bool,
    language: Option<&str>,
) -> Result<ExitCode, String> {
    use crate::flow::Field;
    use crate::nlu::fields::{self, Answer, BuiltinType, Context};
    let (assistant, source) = load_flows(flows)?;
    let field = match BuiltinType::from_name(field_type) {
        Some(ty) => Field::Builtin(ty),
        None => match assistant.field_types.get(field_type) {
            Some(custom) => Field::Custom(field_type.to_owned(), Arc::clone(custom)),
            None => {
                let mut customs: Vec<&str> =
                    assistant.field_types.keys().map(String::as_str).collect();
                customs.sort_unstable();
                let customs = if customs.is_empty() {
                    "none".to_owned()
                } else {
                    customs.join(", ")
                };
                return Err(format!(
                    "unknown field type {field_type:?}: give a Twilio built-in type such as \
                     Twilio.DATE or Twilio.PHONE_NUMBER, or a custom type (custom types in \
                     {source}: {customs})"
                ));
            }
        },
    };
    let today = today.unwrap_or_else(|| {
        chrono::Utc::now()
            .with_timezone(&assistant.time_zone)
            .date_naive()
    });
    let context = Context { today };
    let language = match language {
        None => assistant.language,
        Some(tag) => crate::nlu::lang::find(tag).ok_or_else(|| {
            let known: Vec<&str> = crate::nlu::lang::LANGUAGES.iter().map(|l| l.tag).collect();
            format!(
                "--language {tag:?}: not a language Switchboard speaks ({})",
                known.join(", ")
            )
        })?,
    };
    let stdin = io::stdin();
    let mut out = io::BufWriter::new(io::stdout().lock());
    for line in stdin.lock().lines() {
        let text = line.map_err(|e| format!("reading stdin: {e}"))?;
        let answer = if keypad {
            Answer::Digits(&text)
        } else {
            Answer::Speech(&text)
        };
        let value = match &field {
            Field::Builtin(ty) => fields::parse_in(*ty, answer, &context, language),
            Field::Custom(_, custom) => custom.parse(answer),
            Field::FreeText => fields::parse_free_text(answer),
        };
        // A number is a JSON number, as Autopilot's Memory carries it; every other type's
        // value is the string a collect saves.
        let value = match value {
            Some(v) if matches!(field, Field::Builtin(BuiltinType::Number)) => v
                .parse::<serde_json::Number>()
                .map_or(serde_json::Value::String(v), serde_json::Value::Number),
            Some(v) => serde_json::Value::String(v),
            None => serde_json::Value::Null,
        };
        let row = serde_json::json!({ "text": text, "value": value });
        writeln!(out, "{row}").map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

fn nlu_eval(flows: &FlowsArg, cases: &Path) -> Result<ExitCode, String> {
    let (assistant, _) = load_flows(flows)?;
    let text = std::fs::read_to_string(cases)
        .map_err(|e| format!("cannot read {}: {e}", cases.display()))?;
    let mut parsed = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = || {
            format!(
                r#"{}:{}: expected {{"text": "…", "task": "name" or null}}"#,
                cases.display(),
                n + 1
            )
        };
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("{} ({e})", bad()))?;
        let text = value.get("text").and_then(|t| t.as_str()).ok_or_else(bad)?;
        let task = match value.get("task") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(bad()),
        };
        parsed.push(crate::nlu::eval::Case {
            text: text.to_owned(),
            task,
        });
    }
    let names: Vec<String> = assistant.tasks.iter().map(|t| t.name.clone()).collect();
    let report = crate::nlu::eval::evaluate(&assistant.matcher, &names, &parsed);
    let mut out = io::stdout().lock();
    match write!(out, "{report}").and_then(|()| out.flush()) {
        // A reader that stopped early (`| head`) has what it wanted: no panic, no error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        written => written.map_err(|e| e.to_string())?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Confidence to 4 decimals: f32 noise like 0.8299999833106995 helps nobody reading the output.
fn round(x: f32) -> f64 {
    (f64::from(x) * 10_000.0).round() / 10_000.0
}

fn purge(db: &Db, days: u32) -> Result<ExitCode, String> {
    no_file_there(db)?;
    let cutoff = chrono::Utc::now() - chrono::Duration::days(i64::from(days));
    let purged = block_on(store::purge_in(db, cutoff))?;
    println!(
        "deleted {} collected rows, {} calls with {} history lines and {} finished sessions older than {days} days",
        purged.collected, purged.calls, purged.events, purged.sessions
    );
    Ok(ExitCode::SUCCESS)
}

/// A mistyped SQLite path is named as such, rather than read as an empty database.
fn no_file_there(db: &Db) -> Result<(), String> {
    match db.sqlite_path() {
        Some(path) if !path.exists() => Err(format!(
            "no database at {}: pass --db with the file `switchboard serve` wrote",
            path.display()
        )),
        _ => Ok(()),
    }
}

/// Runs one store command to its end on a runtime of its own.
fn block_on<T>(
    work: impl std::future::Future<Output = Result<T, store::StoreError>>,
) -> Result<T, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?
        .block_on(work)
        .map_err(|e| e.to_string())
}

fn collected(db: &Db, format: Format) -> Result<ExitCode, String> {
    no_file_there(db)?;
    let rows = block_on(store::collected_in(db))?;
    let mut out = io::stdout().lock();
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&rows).map_err(|e| e.to_string())? + "\n",
        Format::Csv => crate::store::export::to_csv(&rows),
        Format::Table => to_table(&rows),
    };
    out.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

fn answers_line(row: &CollectedRow) -> String {
    row.answers
        .iter()
        .map(|a| format!("{}={}", a.question, a.value))
        .collect::<Vec<_>>()
        .join("; ")
}

fn to_table(rows: &[CollectedRow]) -> String {
    if rows.is_empty() {
        return "nothing collected yet\n".into();
    }
    let header = [
        "id", "started", "call", "caller", "collect", "status", "answers",
    ];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            [
                r.id.to_string(),
                r.started_at
                    .chars()
                    .take(19)
                    .collect::<String>()
                    .replace('T', " "),
                r.session.clone(),
                r.caller.clone().unwrap_or_default(),
                r.collect.clone(),
                r.status.clone(),
                answers_line(r),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cols: Vec<&str>| {
        let padded: Vec<String> = cols
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(padded.join("  ").trim_end());
        out.push('\n');
    };
    line(header.to_vec());
    for row in &cells {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serve_says_it_serves_texts_too() {
        use clap::CommandFactory;
        let help = Cli::command().render_help().to_string();
        assert!(help.contains("voice and SMS webhooks"), "{help}");
    }
}
