// Bundles the client and vscode-languageclient into one file, out/extension.js,
// which is all the packaged extension runs (`vscode` is provided by the editor).
import { build } from "esbuild";

await build({
  entryPoints: ["src/extension.ts"],
  outfile: "out/extension.js",
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node18",
  external: ["vscode"],
  sourcemap: false,
  minify: process.argv.includes("--minify"),
  logLevel: "warning",
});
