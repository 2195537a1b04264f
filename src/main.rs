//! The `pipec` command line.

mod cli;

// The compiler allocates many small, short-lived strings and vectors (syntax
// trees, resolved members, plan steps); mimalloc serves them markedly faster
// than the system allocator (see the `compile` benchmark).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
