// The compiler, off the page's thread: answers {id, op, request} with
// {id, result} (the module's JSON answer, parsed) or {id, error}. A trap
// in the module (which would be a bug: the core does not panic on any
// input) is reported, and the module is loaded afresh for the next
// request.
import init, { check, compile, explain, simulate } from "../pkg/pipec_wasm.js";

const operations = { check, compile, simulate };
const moduleUrl = new URL("./pipec_wasm_bg.wasm", import.meta.url);
let ready = init({ module_or_path: moduleUrl });

self.onmessage = async (event) => {
  const { id, op, request } = event.data;
  try {
    await ready;
    let result;
    if (op === "explain") {
      result = explain(String(request));
    } else if (operations[op]) {
      result = JSON.parse(operations[op](JSON.stringify(request)));
    } else {
      throw new Error(`unknown operation ${op}`);
    }
    self.postMessage({ id, result });
  } catch (error) {
    ready = init({ module_or_path: moduleUrl });
    self.postMessage({ id, error: String(error && error.message ? error.message : error) });
  }
};
