#!/usr/bin/env bash
# Draws editors/sample.png: examples/sample/services/orders_api.pipe as
# headless Neovim highlights it with the parser and queries of this
# repository, rendered by headless Chromium. Needs nvim, cc, chromium, and
# the tree-sitter CLI as PIPEC_TREE_SITTER (./scripts/test.sh builds it).
set -euo pipefail
cd "$(dirname "$0")/../../.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Neovim 0.7 reads ABI 14 parsers; the committed one is ABI 15.
cp editors/tree-sitter-pipe/grammar.js editors/tree-sitter-pipe/tree-sitter.json "$work/"
(cd "$work" && "$PIPEC_TREE_SITTER" generate --abi 14)
cc -shared -fPIC -O1 -I "$work/src" "$work/src/parser.c" -o "$work/pipe.so"
PIPEC_NVIM_PARSER="$work/pipe.so" PIPEC_NVIM_RUNTIME="$PWD/editors/neovim" \
PIPEC_HTML_OUT="$work/sample.html" \
    nvim --headless --clean -n -c "luafile editors/neovim/tools/to_html.lua" \
    examples/sample/services/orders_api.pipe
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --window-size=780,616 --screenshot="$work/sample.png" "file://$work/sample.html"
if command -v pngquant >/dev/null; then
    pngquant --force --quality=60-90 --output editors/sample.png "$work/sample.png"
else
    cp "$work/sample.png" editors/sample.png
fi
if command -v optipng >/dev/null; then
    optipng -quiet -o5 editors/sample.png
fi
ls -l editors/sample.png
