//! The log output's guarantees: one event is one line, and the log never holds up a caller.
//!
//! Lines carry text that came from requests (a rejected form's parameter name, say), so the
//! writer itself escapes every control character inside an event ([`OneLine`]): a request
//! cannot end a line early and write a forged `INFO … turn` line after it, whatever a message
//! forgot to quote. The server's log goes through a bounded queue to a thread of its own; when
//! whoever reads standard error stops reading, that queue fills, and from then on lines are
//! dropped rather than waited for, counted, and the count logged every few seconds
//! ([`LogGuard`]). A flood of rejected requests is further held to a few lines a second
//! ([`REJECTED_REQUESTS`]), with one line saying how many were left out.

use std::io::{self, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tracing_appender::non_blocking::{ErrorCounter, WorkerGuard};
use tracing_subscriber::fmt::MakeWriter;

/// Wraps a log writer so that each event it writes stays on one line: control characters inside
/// the event (line breaks, carriage returns, escape codes, the rest of C0, DEL, C1 and the Unicode
/// line separators) are written as `\n`, `\r`, `\x1b`, `\u{85}`…; the event's final newline is
/// kept. With `colours` on, the formatter's own colour codes (`ESC [ … m`) pass through.
///
/// It relies on the formatter handing over each event in one `write`, as `tracing-subscriber`'s
/// does (it formats into a buffer, then writes it whole).
#[derive(Debug, Clone)]
pub struct OneLine<M> {
    inner: M,
    colours: bool,
}

impl<M> OneLine<M> {
    /// `inner`, escaped; `colours` when the formatter writes colour codes.
    pub fn new(inner: M, colours: bool) -> OneLine<M> {
        OneLine { inner, colours }
    }
}

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for OneLine<M> {
    type Writer = OneLineWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        OneLineWriter {
            inner: self.inner.make_writer(),
            colours: self.colours,
        }
    }
}

/// The writer [`OneLine`] makes for one event.
#[derive(Debug)]
pub struct OneLineWriter<W> {
    inner: W,
    colours: bool,
}

impl<W: Write> Write for OneLineWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let (body, end): (&[u8], &[u8]) = match buf.split_last() {
            Some((b'\n', body)) => (body, b"\n"),
            _ => (buf, b""),
        };
        // Almost every line has nothing to escape: it goes out as it is, uncopied.
        if !body.iter().copied().any(maybe_special) {
            self.inner.write_all(buf)?;
        } else {
            let mut out = Vec::with_capacity(buf.len() + 16);
            escape_into(body, self.colours, &mut out);
            out.extend_from_slice(end);
            // One write, so a queued writer keeps the event whole.
            self.inner.write_all(&out)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Whether a byte may start something to escape: a C0 control, DEL, or the first byte of a C1
/// control (U+0080–U+009F) or of U+2028/U+2029.
fn maybe_special(b: u8) -> bool {
    b < 0x20 || b == 0x7f || b == 0xc2 || b == 0xe2
}

/// Appends `text` to `out` with control characters escaped (see [`OneLine`]).
fn escape_into(text: &[u8], colours: bool, out: &mut Vec<u8>) {
    let mut rest = text;
    while let Some(at) = rest.iter().position(|&b| maybe_special(b)) {
        out.extend_from_slice(&rest[..at]);
        rest = &rest[at..];
        let taken = match rest {
            [b'\n', ..] => escaped(out, b"\\n", 1),
            [b'\r', ..] => escaped(out, b"\\r", 1),
            [b'\t', ..] => escaped(out, b"\\t", 1),
            [0x1b, ..] if colours && colour_code_len(rest) > 0 => {
                let len = colour_code_len(rest);
                out.extend_from_slice(&rest[..len]);
                len
            }
            [b @ (0x00..=0x1f | 0x7f), ..] => {
                let _ = write!(out, "\\x{b:02x}");
                1
            }
            [0xc2, b @ 0x80..=0x9f, ..] => {
                let _ = write!(out, "\\u{{{b:x}}}");
                2
            }
            [0xe2, 0x80, b @ (0xa8 | 0xa9), ..] => {
                let _ = write!(out, "\\u{{{:x}}}", 0x2000 | u32::from(b & 0x3f));
                3
            }
            // A lead byte of some other character: nothing to escape.
            _ => {
                out.push(rest[0]);
                1
            }
        };
        rest = &rest[taken..];
    }
    out.extend_from_slice(rest);
}

fn escaped(out: &mut Vec<u8>, with: &[u8], taken: usize) -> usize {
    out.extend_from_slice(with);
    taken
}

/// The length of the colour code (`ESC [ digits and semicolons m`) at the start of `text`, or
/// 0 if it starts with anything else (which then gets escaped).
fn colour_code_len(text: &[u8]) -> usize {
    let Some(params) = text.strip_prefix(b"\x1b[") else {
        return 0;
    };
    let digits = params
        .iter()
        .take(16)
        .take_while(|b| b.is_ascii_digit() || **b == b';')
        .count();
    if params.get(digits) == Some(&b'm') {
        digits + 3
    } else {
        0
    }
}

/// Quotes text that came from a request for an error message or a log line: escaped like a Rust
/// string literal (so it stays on one line) and cut to `max` characters.
pub fn quoted(text: &str, max: usize) -> String {
    let mut shown: String = text.chars().take(max).collect();
    if shown.len() < text.len() {
        shown.push('…');
    }
    format!("{shown:?}")
}

/// How many lines a [`Budget`] lets through per second.
pub const REJECTED_LINES_PER_SECOND: u32 = 5;

/// Lines about rejected requests: at most [`REJECTED_LINES_PER_SECOND`] a second, so a flood of
/// bad requests cannot flood the log (or crowd out the lines about real calls).
pub static REJECTED_REQUESTS: Budget = Budget::new(REJECTED_LINES_PER_SECOND);

/// A rate limit for one kind of log line: so many a second, the rest counted.
#[derive(Debug)]
pub struct Budget {
    per_second: u32,
    state: Mutex<BudgetState>,
}

#[derive(Debug)]
struct BudgetState {
    window: Option<Instant>,
    used: u32,
    suppressed: u64,
}

impl Budget {
    /// A budget of `per_second` lines.
    pub const fn new(per_second: u32) -> Budget {
        Budget {
            per_second,
            state: Mutex::new(BudgetState {
                window: None,
                used: 0,
                suppressed: 0,
            }),
        }
    }

    /// Whether a line may be logged now: `Some(n)` if so, where `n` lines were left out since the
    /// last one logged (say so first); `None` if this one is to be left out (it is counted).
    pub fn admit(&self) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if state
            .window
            .is_none_or(|start| now.duration_since(start) >= Duration::from_secs(1))
        {
            state.window = Some(now);
            state.used = 0;
        }
        if state.used < self.per_second {
            state.used += 1;
            Some(std::mem::take(&mut state.suppressed))
        } else {
            state.suppressed += 1;
            None
        }
    }

    /// Lines left out since the last one logged, now reported (the count starts again).
    pub fn take_suppressed(&self) -> u64 {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut state.suppressed)
    }
}

/// Logs how many rejected-request lines were left out, if any.
pub fn report_suppressed(suppressed: u64) {
    if suppressed > 0 {
        tracing::warn!(
            suppressed,
            "{suppressed} more rejected requests were not logged (at most {REJECTED_LINES_PER_SECOND} a second are)"
        );
    }
}

/// How often dropped and left-out lines are reported.
pub const REPORT_EVERY: Duration = Duration::from_secs(2);

/// Keeps the server's log thread going; dropping it reports what is still unreported and writes
/// out what is queued (waiting a second at most).
pub struct LogGuard {
    worker: Option<WorkerGuard>,
    dropped: ErrorCounter,
    reported: std::sync::Arc<AtomicUsize>,
}

impl std::fmt::Debug for LogGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogGuard")
            .field("dropped", &self.dropped.dropped_lines())
            .finish_non_exhaustive()
    }
}

impl LogGuard {
    /// Watches `dropped` (the queue's count of lines it had no room for) and logs what it counts,
    /// every [`REPORT_EVERY`], from a thread of its own. The report goes through the same queue
    /// and is dropped (and counted, so reported later) if the queue is still full: reporting can
    /// never be what blocks.
    pub fn new(worker: WorkerGuard, dropped: ErrorCounter) -> LogGuard {
        let reported = std::sync::Arc::new(AtomicUsize::new(0));
        let (counter, seen) = (dropped.clone(), reported.clone());
        let spawned = std::thread::Builder::new()
            .name("switchboard-log-report".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(REPORT_EVERY);
                    report_dropped(&counter, &seen);
                    report_suppressed(REJECTED_REQUESTS.take_suppressed());
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "cannot start the thread that reports dropped log lines");
        }
        LogGuard {
            worker: Some(worker),
            dropped,
            reported,
        }
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        report_dropped(&self.dropped, &self.reported);
        report_suppressed(REJECTED_REQUESTS.take_suppressed());
        drop(self.worker.take());
    }
}

/// Logs how many lines were dropped since the last report, if any.
fn report_dropped(counter: &ErrorCounter, reported: &AtomicUsize) {
    let dropped = counter.dropped_lines();
    let before = reported.swap(dropped, Ordering::AcqRel);
    let new = dropped.saturating_sub(before);
    if new > 0 {
        tracing::warn!(
            dropped = new,
            "{new} log lines dropped: the log output could not keep up"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::{Budget, OneLine, quoted};
    use std::io::Write;
    use tracing_subscriber::fmt::MakeWriter;

    fn through(colours: bool, event: &[u8]) -> String {
        let sink = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let writer = OneLine::new(
            {
                let sink = sink.clone();
                move || Sink(sink.clone())
            },
            colours,
        );
        writer.make_writer().write_all(event).expect("writes");
        let bytes = sink.lock().expect("lock").clone();
        String::from_utf8(bytes).expect("utf-8")
    }

    struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn an_event_stays_on_one_line() {
        assert_eq!(through(false, b"plain line\n"), "plain line\n");
        assert_eq!(
            through(false, b"a\nINFO forged\r\x1b[2Jb\x00\x7f\n"),
            "a\\nINFO forged\\r\\x1b[2Jb\\x00\\x7f\n"
        );
        assert_eq!(
            through(false, "c1\u{85}ls\u{2028}ps\u{2029}é…\n".as_bytes()),
            "c1\\u{85}ls\\u{2028}ps\\u{2029}é…\n"
        );
        assert_eq!(through(false, b"no newline"), "no newline");
    }

    #[test]
    fn colour_codes_pass_only_when_colours_are_on() {
        let coloured = b"\x1b[32mINFO\x1b[0m x\x1b]0;title\x07\n";
        assert_eq!(
            through(true, coloured),
            "\x1b[32mINFO\x1b[0m x\\x1b]0;title\\x07\n"
        );
        assert_eq!(
            through(false, coloured),
            "\\x1b[32mINFO\\x1b[0m x\\x1b]0;title\\x07\n"
        );
    }

    #[test]
    fn quoted_text_is_escaped_and_cut() {
        assert_eq!(quoted("x\nINFO", 10), r#""x\nINFO""#);
        assert_eq!(quoted("abcdef", 3), r#""abc…""#);
    }

    #[test]
    fn a_budget_counts_what_it_leaves_out() {
        let budget = Budget::new(2);
        assert_eq!(budget.admit(), Some(0));
        assert_eq!(budget.admit(), Some(0));
        assert_eq!(budget.admit(), None);
        assert_eq!(budget.admit(), None);
        assert_eq!(budget.take_suppressed(), 2);
        assert_eq!(budget.take_suppressed(), 0);
    }
}
