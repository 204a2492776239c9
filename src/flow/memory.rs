//! Bounds on Memory, the per-session key/value store: how big and how deeply nested a Memory
//! may arrive (a channel's `Memory` parameter, a `remember` action) and how big a session's
//! Memory may grow.
//!
//! Why bound it at all: Memory is kept in the session, which is written with every turn and
//! held in memory while the call lasts, so an unbounded one lets a single request cost megabytes
//! (a 63 KB Memory per new call grew a server to 5 GB). Why bound the depth: the session state is
//! read back with `serde_json`, whose recursion limit (128) a Memory nested near it would pass
//! once it sits inside the session, making the call unreadable after a restart.

use serde_json::Value;

/// Largest `Memory` parameter, and largest `remember` object, in bytes of JSON: 16 KiB.
///
/// Autopilot flows put a handful of identifiers in Memory (a customer id, a plan, a campaign):
/// tens to hundreds of bytes. 16 KiB is a hundred times that, and a quarter of the 64 KiB
/// request body limit, so a Memory can never be most of what a session costs.
pub const MAX_MEMORY_BYTES: usize = 16 * 1024;

/// Deepest nesting of objects and arrays in a Memory (`{"a": 1}` is 1 deep): 32.
///
/// Real Memory is two or three levels deep. The session stores Memory one level inside its own
/// state, so 32 stays far below `serde_json`'s recursion limit of 128 when the state is read
/// back: any accepted Memory round-trips through the database.
pub const MAX_MEMORY_DEPTH: usize = 32;

/// Largest a session's whole Memory may grow to, in bytes of JSON, when a web service's answer
/// `remember`s more: 64 KiB (four full-size `Memory` parameters). The entry `Memory` and the
/// flow's own `remember`s are bounded on their own; this stops a web service from growing a
/// session without end by remembering new keys turn after turn.
pub const MAX_SESSION_MEMORY_BYTES: usize = 64 * 1024;

/// Which bound a Memory broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MemoryLimit {
    /// More than [`MAX_MEMORY_BYTES`].
    #[error("over the {MAX_MEMORY_BYTES}-byte limit")]
    TooLarge,
    /// Nested deeper than [`MAX_MEMORY_DEPTH`].
    #[error("nested deeper than the {MAX_MEMORY_DEPTH}-level limit")]
    TooDeep,
}

/// Checks Memory as it arrives in a request, *before* it is parsed: its length, then how deeply
/// its brackets nest (outside strings), so an oversized or deep document costs one pass and no
/// allocation.
///
/// # Errors
/// Which limit the text breaks; it may still be invalid JSON when it passes.
pub fn check_text(json: &str) -> Result<(), MemoryLimit> {
    if json.len() > MAX_MEMORY_BYTES {
        return Err(MemoryLimit::TooLarge);
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for byte in json.bytes() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_MEMORY_DEPTH {
                    return Err(MemoryLimit::TooDeep);
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Checks a parsed Memory (a `remember` object): its depth, then its size as JSON.
///
/// # Errors
/// Which limit the value breaks.
pub fn check_value(value: &Value) -> Result<(), MemoryLimit> {
    if depth(value) > MAX_MEMORY_DEPTH {
        return Err(MemoryLimit::TooDeep);
    }
    if json_len(value) > MAX_MEMORY_BYTES {
        return Err(MemoryLimit::TooLarge);
    }
    Ok(())
}

/// How deeply objects and arrays nest in `value` (a scalar is 0 deep), without recursion.
pub fn depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 0usize)];
    while let Some((value, above)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Object(map) => Box::new(map.values()),
            Value::Array(items) => Box::new(items.iter()),
            _ => continue,
        };
        deepest = deepest.max(above + 1);
        stack.extend(children.map(|child| (child, above + 1)));
    }
    deepest
}

/// The length of `value` written as compact JSON, counted without building the string.
pub fn json_len(value: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing a Value to a sink that never fails cannot fail.
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `{"a":{"a":…1…}}`, `levels` objects deep.
    fn nested(levels: usize) -> String {
        format!("{}1{}", r#"{"a":"#.repeat(levels), "}".repeat(levels))
    }

    #[test]
    fn memory_at_the_depth_limit_passes_and_one_level_more_does_not() {
        assert_eq!(check_text(&nested(MAX_MEMORY_DEPTH)), Ok(()));
        assert_eq!(
            check_text(&nested(MAX_MEMORY_DEPTH + 1)),
            Err(MemoryLimit::TooDeep)
        );
        let value: Value = serde_json::from_str(&nested(MAX_MEMORY_DEPTH)).expect("json");
        assert_eq!(depth(&value), MAX_MEMORY_DEPTH);
        assert_eq!(check_value(&value), Ok(()));
        let deeper: Value = serde_json::from_str(&nested(MAX_MEMORY_DEPTH + 1)).expect("json");
        assert_eq!(check_value(&deeper), Err(MemoryLimit::TooDeep));
    }

    #[test]
    fn brackets_inside_strings_do_not_count_as_nesting() {
        let text = format!(r#"{{"a":"{}\"{}"}}"#, "[".repeat(100), "{".repeat(100));
        assert_eq!(check_text(&text), Ok(()));
    }

    #[test]
    fn memory_over_the_size_limit_is_refused_as_text_and_as_a_value() {
        let big = format!(r#"{{"a":"{}"}}"#, "x".repeat(MAX_MEMORY_BYTES));
        assert_eq!(check_text(&big), Err(MemoryLimit::TooLarge));
        let value: Value = serde_json::from_str(&big).expect("json");
        assert_eq!(check_value(&value), Err(MemoryLimit::TooLarge));
        assert_eq!(json_len(&value), big.len());
    }
}
