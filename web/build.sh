#!/usr/bin/env bash
# Builds the playground into web/dist/, a static site that works from any
# file server and offline: the compiler core for wasm32-unknown-unknown
# (web/wasm/), its JavaScript bindings by wasm-bindgen, and the page
# bundled by esbuild (web/build.mjs) from the npm packages pinned by
# web/package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

# The bindings generator must be the very version of the wasm-bindgen
# crate the module links: it is read from Cargo.lock. It is built from
# crates.io once per machine into the user's cache directory, and again
# only for another version (`cargo install` leaves the binary only after a
# complete build, so an interrupted one is redone).
wasm_bindgen_version="$(sed -n '/^name = "wasm-bindgen"$/{n;s/^version = "\(.*\)"$/\1/p}' Cargo.lock)"
if [ -z "$wasm_bindgen_version" ]; then
    echo "web/build.sh: no wasm-bindgen in Cargo.lock" >&2
    exit 1
fi
wasm_bindgen_root="${XDG_CACHE_HOME:-$HOME/.cache}/pipec/wasm-bindgen-cli-$wasm_bindgen_version"
if [ ! -x "$wasm_bindgen_root/bin/wasm-bindgen" ]; then
    echo "building wasm-bindgen-cli $wasm_bindgen_version into $wasm_bindgen_root" >&2
    cargo install --locked --quiet wasm-bindgen-cli --version "$wasm_bindgen_version" --root "$wasm_bindgen_root"
fi

if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
fi
cargo build --locked --quiet -p pipec-wasm --target wasm32-unknown-unknown --profile wasm
# The module is where cargo put it: target/ unless CARGO_TARGET_DIR (or
# build.target-dir in a cargo configuration) says otherwise.
target_dir="$(cargo metadata --locked --format-version 1 --no-deps |
    node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).target_directory))')"
rm -rf web/pkg
"$wasm_bindgen_root/bin/wasm-bindgen" --target web --no-typescript --out-dir web/pkg \
    "$target_dir/wasm32-unknown-unknown/wasm/pipec_wasm.wasm"

# esbuild and CodeMirror, installed into web/node_modules/ again only when
# the lock file changes: a stamp written after a complete install tells
# which lock file that was. Install scripts are skipped: esbuild's only
# checks the binary its platform package already brings.
if ! cmp -s web/package-lock.json web/node_modules/.installed.lock.json; then
    echo "installing the playground's packages into web/node_modules" >&2
    rm -rf web/node_modules
    npm ci --prefix web --ignore-scripts --no-audit --no-fund --loglevel=error
    cp web/package-lock.json web/node_modules/.installed.lock.json
fi
node web/build.mjs
