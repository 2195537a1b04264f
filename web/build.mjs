// Bundles the playground into web/dist/ (run by web/build.sh, after the
// wasm module is in web/pkg/): the page and its worker by esbuild, the
// module, the HTML and the CSS copied, and the sample workspace
// (examples/sample/) built into the page. Same inputs, same bytes.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const web = dirname(fileURLToPath(import.meta.url));
const dist = join(web, "dist");
const sampleRoot = join(web, "..", "examples", "sample");

/** Every `.pipe` file and `pipec.toml` of the sample, by name. */
function sampleFiles() {
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        walk(path);
      } else if (name.endsWith(".pipe") || name === "pipec.toml") {
        files.push({ name: relative(sampleRoot, path).split(sep).join("/"), text: readFileSync(path, "utf8") });
      }
    }
  };
  walk(sampleRoot);
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return files;
}

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
const common = {
  bundle: true,
  format: "esm",
  minify: true,
  target: "es2022",
  legalComments: "none",
  logLevel: "warning",
};
await build({
  ...common,
  entryPoints: [join(web, "src", "main.js")],
  outfile: join(dist, "main.js"),
  define: { PIPEC_SAMPLE: JSON.stringify(JSON.stringify(sampleFiles())) },
});
await build({
  ...common,
  entryPoints: [join(web, "src", "worker.js")],
  outfile: join(dist, "worker.js"),
  define: { PIPEC_SAMPLE: JSON.stringify(JSON.stringify(sampleFiles())) },
});
for (const [from, to] of [
  [join(web, "src", "index.html"), "index.html"],
  [join(web, "src", "style.css"), "style.css"],
  [join(web, "pkg", "pipec_wasm_bg.wasm"), "pipec_wasm_bg.wasm"],
]) {
  copyFileSync(from, join(dist, to));
}
