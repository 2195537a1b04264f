// Answers requests with the playground's WebAssembly module under Node,
// for tests/playground.rs: reads `[{"op": "check" | "compile" |
// "simulate" | "explain", "request": ...}, ...]` on standard input and
// writes the module's answers, parsed, as one JSON array.
// Usage: node wasm_answers.mjs PKG_DIR
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const pkg = resolve(process.argv[2] ?? "web/pkg");
const bindings = await import(pathToFileURL(join(pkg, "pipec_wasm.js")).href);
bindings.initSync({ module: readFileSync(join(pkg, "pipec_wasm_bg.wasm")) });

const jobs = JSON.parse(readFileSync(0, "utf8"));
const answers = jobs.map(({ op, request }) => {
  if (op === "explain") {
    return bindings.explain(request);
  }
  return JSON.parse(bindings[op](JSON.stringify(request)));
});
process.stdout.write(JSON.stringify(answers));
