#!/usr/bin/env bash
# Runs every test of the project. This is the command the README gives and
# the one CI runs: whatever a test needs is installed from here, pinned,
# into .cache/ (nothing yet beyond the Rust toolchain and crates).
set -euo pipefail
cd "$(dirname "$0")/.."

# Snapshots are compared, never written, when run from here.
export INSTA_UPDATE=no

# Unit, integration and doc tests. (The benchmark is built by CI's clippy
# run and run on demand with `cargo bench`.)
cargo test --locked
