// The compiler, off the page's thread: answers {id, op, request} with
// {id, result} (the module's JSON answer, parsed) or {id, error}. A trap
// in the module (which would be a bug: the core does not panic on any
// input) is reported, and the module is loaded afresh for the next
// request.
import init, { check, compile, explain, simulate } from "../pkg/pipec_wasm.js";
import { SAMPLE, checkRequest, todayHere } from "./first.js";

const operations = { check, compile, simulate };
const moduleUrl = new URL("./pipec_wasm_bg.wasm", import.meta.url);
let ready = init({ module_or_path: moduleUrl });

// The page's first request is almost always the sample's check: it is
// answered here as soon as the module is ready, while the page's script
// still loads, and kept for the one request it answers. The module's
// first call is its slowest (its tables are built then), so this is what
// the first diagnostics wait for. Any other request is checked as usual.
let early = ready.then(() => {
  const request = JSON.stringify(checkRequest(SAMPLE.files, todayHere(), null));
  return { request, answer: check(request) };
});

async function earlyAnswer(request) {
  const found = await early.catch(() => null);
  early = Promise.resolve(null);
  return found && found.request === request ? found.answer : null;
}

self.onmessage = async (event) => {
  const { id, op, request } = event.data;
  try {
    await ready;
    let result;
    if (op === "explain") {
      result = explain(String(request));
    } else if (operations[op]) {
      const json = JSON.stringify(request);
      const answer = (op === "check" && (await earlyAnswer(json))) || operations[op](json);
      result = JSON.parse(answer);
    } else {
      throw new Error(`unknown operation ${op}`);
    }
    self.postMessage({ id, result });
  } catch (error) {
    ready = init({ module_or_path: moduleUrl });
    self.postMessage({ id, error: String(error && error.message ? error.message : error) });
  }
};
