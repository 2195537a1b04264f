//! The `pipec` command line.

/// Writes a line to standard error, as `eprintln!` does but without
/// panicking when standard error is closed (`pipec run ... 2>&1 | head`):
/// a message no one reads is no reason to fail the work that wrote it.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

mod cli;

// The compiler allocates many small, short-lived strings and vectors (syntax
// trees, resolved members, plan steps); mimalloc serves them markedly faster
// than the system allocator (see the `compile` benchmark).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::exit_status_even_on_a_bug(cli::main)
}
