//! The `switchboard` binary: parses the command line and hands over to the library.

/// mimalloc instead of the system allocator: a turn allocates on an HTTP worker and frees on
/// the database thread (and back), the pattern glibc's malloc handles worst; see BENCHMARKS.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    switchboard::cli::main()
}
