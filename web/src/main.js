// The playground page: a workspace of `.pipe` files in tabs, diagnostics
// as one types (computed in a Web Worker), and the chosen pipeline's
// plan, graph, timeline and exports. The compiler is web/wasm/, compiled
// to WebAssembly; this file only asks it and draws what it answers.
import { EditorState } from "@codemirror/state";
import { EditorView, drawSelection, highlightActiveLine, keymap, lineNumbers } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { bracketMatching, defaultHighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { lintGutter, setDiagnostics } from "@codemirror/lint";
import { pipeLanguage } from "./language.js";
import { renderPlan } from "./plan.js";
import { renderGraph } from "./graph.js";
import { renderTimeline } from "./timeline.js";
import { decodeState, encodeState } from "./url.js";
import { SAMPLE, checkRequest, todayHere } from "./first.js";

const $ = (id) => document.getElementById(id);
const timings = (window.__pipecTimings = { scriptStartMs: performance.now() });
// What the browser tests read (web/tests/): the workspace as the page
// holds it.
window.__pipec = {
  files: () => workspaceFiles(),
  current: () => state.current,
  edits: () => editCount,
};

// ---- the worker ------------------------------------------------------

// Started by index.html, before this script loads.
const worker = window.pipecWorker ?? new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
const pending = new Map();
let nextId = 0;
worker.onmessage = ({ data }) => {
  const waiting = pending.get(data.id);
  if (!waiting) return;
  pending.delete(data.id);
  if (data.error !== undefined) waiting.reject(new Error(data.error));
  else waiting.resolve(data.result);
};
worker.onerror = (event) => {
  event.preventDefault();
  setStatus("error", `the compiler could not start: ${event.message ?? "unknown error"}`);
};
function ask(op, request) {
  return new Promise((resolve, reject) => {
    nextId += 1;
    pending.set(nextId, { resolve, reject });
    worker.postMessage({ id: nextId, op, request });
  });
}

// ---- state -----------------------------------------------------------

const state = { files: new Map(), current: null, pipeline: null, today: "", profile: "", start: "" };
let lastCheck = null;
let generation = 0;

function workspaceFiles() {
  return [...state.files].map(([name, editorState]) => ({ name, text: editorState.doc.toString() }));
}

function baseRequest() {
  return checkRequest(workspaceFiles(), state.today, state.profile);
}

function setStatus(kind, text) {
  const status = $("status");
  status.dataset.state = kind;
  document.body.dataset.state = kind;
  status.textContent = text;
}

// ---- the editor ------------------------------------------------------

const view = new EditorView({ parent: $("editor") });

function editorState(text) {
  return EditorState.create({
    doc: text,
    extensions: [
      lineNumbers(),
      history(),
      drawSelection(),
      highlightActiveLine(),
      bracketMatching(),
      pipeLanguage,
      syntaxHighlighting(defaultHighlightStyle),
      lintGutter(),
      // Tab indents, as in any code editor; Escape then Tab leaves the editor.
      keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) {
          state.files.set(state.current, update.state);
          edited();
        }
      }),
    ],
  });
}

// The file whose state the editor shows (none before the first).
let shown = null;

function openFile(name, select) {
  // Kept with its selection and undo history for when it is shown again.
  if (shown !== null && state.files.has(shown)) state.files.set(shown, view.state);
  shown = name;
  state.current = name;
  view.setState(state.files.get(name));
  if (select) {
    view.dispatch({ selection: { anchor: Math.min(select, view.state.doc.length) }, scrollIntoView: true });
  }
  drawTabs();
  showDiagnostics();
  view.focus();
}

function drawTabs() {
  const counts = new Map();
  for (const d of lastCheck?.diagnostics ?? []) {
    if (d.severity === "error") counts.set(d.file, (counts.get(d.file) ?? 0) + 1);
  }
  const tabs = [...state.files.keys()].map((name) => {
    const tab = document.createElement("button");
    tab.type = "button";
    tab.className = "file-tab";
    tab.role = "tab";
    tab.dataset.file = name;
    tab.setAttribute("aria-selected", String(name === state.current));
    tab.textContent = name;
    if (counts.get(name)) {
      const count = document.createElement("span");
      count.className = "count";
      count.textContent = `●${counts.get(name)}`;
      tab.append(count);
    }
    tab.onclick = () => {
      openFile(name);
      saveToAddressSoon();
    };
    return tab;
  });
  $("file-tabs").replaceChildren(...tabs);
}

// ---- diagnostics -----------------------------------------------------

let checking = false;
let checkWanted = false;
let lastEditAt = null;
// Edits so far; the address says which it holds (`data-saved-edits`).
let editCount = 0;

function edited() {
  editCount += 1;
  lastEditAt = performance.now();
  requestCheck();
  saveToAddressSoon();
}

function requestCheck() {
  checkWanted = true;
  if (!checking) runCheck();
}

// Edits made while a check runs are checked together as soon as it ends:
// typing never waits for the compiler, and the compiler never falls behind.
async function runCheck() {
  checking = true;
  checkWanted = false;
  const editAt = lastEditAt;
  lastEditAt = null;
  setStatus("busy", "checking…");
  try {
    const result = await ask("check", baseRequest());
    applyCheck(result, editAt);
  } catch (error) {
    setStatus("error", String(error.message ?? error));
  }
  checking = false;
  if (checkWanted) {
    runCheck();
  } else {
    if (document.body.dataset.state === "busy") setStatus("idle", statusLine());
    refreshViewsSoon();
  }
}

function statusLine() {
  return lastCheck?.summary ?? "";
}

function applyCheck(result, editAt) {
  if (result.ok === false && !Array.isArray(result.diagnostics)) {
    $("check-text").textContent = result.text;
    return;
  }
  lastCheck = result;
  generation += 1;
  const now = performance.now();
  if (timings.firstDiagnosticsMs === undefined) timings.firstDiagnosticsMs = now;
  if (editAt !== null && editAt !== undefined) timings.lastKeystrokeToDiagnosticsMs = now - editAt;
  showDiagnostics();
  drawProblems();
  drawTabs();
  choosePipeline(result.pipelines, result.ok);
  chooseProfiles(result.profiles);
  $("check-text").textContent = `${result.text}${result.summary}\n`;
  const status = $("status");
  status.dataset.generation = String(generation);
  setStatus("idle", statusLine());
}

function explainAction(code) {
  return { name: `Explain ${code}`, apply: () => explain(code) };
}

function showDiagnostics() {
  const length = view.state.doc.length;
  const mine = (lastCheck?.diagnostics ?? []).filter((d) => d.file === state.current);
  const diagnostics = mine.map((d) => {
    const from = Math.min(d.from, length);
    const to = Math.min(Math.max(d.to, d.from), length);
    const help = d.help.length ? `\nhelp: ${d.help.join("\nhelp: ")}` : "";
    return {
      from,
      to,
      severity: d.severity === "note" ? "info" : d.severity,
      source: d.code,
      message: `${d.message}${help}`,
      actions: [explainAction(d.code)],
    };
  });
  view.dispatch(setDiagnostics(view.state, diagnostics));
}

function drawProblems() {
  const diagnostics = lastCheck?.diagnostics ?? [];
  const items = diagnostics.map((d) => {
    const li = document.createElement("li");
    li.className = `diagnostic ${d.severity}`;
    li.dataset.code = d.code;
    li.dataset.file = d.file ?? "";
    li.dataset.line = String(d.line);
    const severity = document.createElement("span");
    severity.className = "severity";
    severity.textContent = d.severity;
    const code = document.createElement("a");
    code.className = "code";
    code.href = `#explain-${d.code}`;
    code.textContent = d.code;
    code.title = `What ${d.code} means`;
    code.onclick = (event) => {
      event.preventDefault();
      event.stopPropagation();
      explain(d.code);
    };
    const where = document.createElement("span");
    where.className = "place";
    where.textContent = d.file ? `${d.file}:${d.line}:${d.column}` : "";
    li.append(severity, code, where, d.message);
    for (const help of d.help) {
      const line = document.createElement("span");
      line.className = "help";
      line.textContent = `help: ${help}`;
      li.append(line);
    }
    li.onclick = () => {
      if (d.file && state.files.has(d.file)) openFile(d.file, d.from);
    };
    return li;
  });
  $("problems").replaceChildren(...items);
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  $("problem-count").textContent = diagnostics.length ? `(${errors} errors, ${diagnostics.length - errors} others)` : "(none)";
}

async function explain(code) {
  let text;
  try {
    text = await ask("explain", code);
  } catch (error) {
    text = `${code}: no explanation (${error.message ?? error})`;
  }
  $("explain-text").textContent = text;
  $("explain").dataset.code = code;
  $("explain").showModal();
}

// ---- controls --------------------------------------------------------

// The chosen pipeline stays chosen while an edit in progress hides it
// (its file does not parse for a moment): the panels say it is missing,
// and it comes back with the fix. Once the workspace has no errors, a
// name no longer declared gives way to the first pipeline.
function choosePipeline(pipelines, clean) {
  const select = $("pipeline");
  const names = pipelines.map((p) => p.name);
  // Without errors, a pipeline no longer declared was renamed or removed.
  if (state.pipeline === null || (clean && !names.includes(state.pipeline))) state.pipeline = names[0] ?? null;
  const option = (value, text) => {
    const element = document.createElement("option");
    element.value = value;
    element.textContent = text;
    return element;
  };
  const options = pipelines.map((p) => option(p.name, `${p.name} (${p.file})`));
  if (state.pipeline !== null && !names.includes(state.pipeline)) {
    options.unshift(option(state.pipeline, `${state.pipeline} (not declared now)`));
  }
  const same = select.options.length === options.length
    && [...select.options].every((o, i) => o.textContent === options[i].textContent);
  if (!same) select.replaceChildren(...options);
  select.value = state.pipeline ?? "";
}

function chooseProfiles(profiles) {
  const select = $("profile");
  const wanted = ["", ...profiles];
  const have = [...select.options].map((o) => o.value);
  if (wanted.join("\n") !== have.join("\n")) {
    select.replaceChildren(...wanted.map((name) => {
      const option = document.createElement("option");
      option.value = name;
      option.textContent = name || "(none)";
      return option;
    }));
  }
  select.value = profiles.includes(state.profile) ? state.profile : "";
}

$("pipeline").onchange = (event) => {
  state.pipeline = event.target.value;
  state.start = "";
  refreshViews();
  saveToAddressSoon();
};
$("today").onchange = (event) => {
  state.today = event.target.value || todayHere();
  state.start = "";
  requestCheck();
  saveToAddressSoon();
};
$("profile").onchange = (event) => {
  state.profile = event.target.value;
  requestCheck();
  saveToAddressSoon();
};
$("start").onchange = (event) => {
  state.start = event.target.value;
  refreshViews();
  saveToAddressSoon();
};

$("add-file").onclick = () => {
  const name = prompt("Name of the new file (relative to the workspace root)", "services/new.pipe");
  if (!name || state.files.has(name)) return;
  state.files.set(name, editorState(""));
  openFile(name);
  edited();
};
$("rename-file").onclick = () => {
  const old = state.current;
  const name = prompt(`Rename ${old} to`, old);
  if (!name || name === old || state.files.has(name)) return;
  state.files.set(old, view.state);
  const renamed = new Map([...state.files].map(([key, value]) => [key === old ? name : key, value]));
  state.files = renamed;
  state.current = name;
  shown = name;
  drawTabs();
  edited();
};
$("delete-file").onclick = () => {
  if (state.files.size <= 1 || !confirm(`Delete ${state.current}?`)) return;
  state.files.delete(state.current);
  state.current = null;
  shown = null;
  openFile(state.files.keys().next().value);
  edited();
};

// ---- panels ----------------------------------------------------------

for (const tab of document.querySelectorAll("nav button")) {
  tab.onclick = () => showPanel(tab.dataset.panel);
}
function showPanel(id) {
  for (const tab of document.querySelectorAll("nav button")) {
    tab.setAttribute("aria-selected", String(tab.dataset.panel === id));
    $(tab.dataset.panel).hidden = tab.dataset.panel !== id;
  }
  if (id === "panel-timeline" && lastTimeline) renderTimeline($("timeline"), lastTimeline);
}

let viewsTimer = null;
let viewGeneration = 0;
let lastCompiled = null;
let lastTimeline = null;

function refreshViewsSoon() {
  clearTimeout(viewsTimer);
  viewsTimer = setTimeout(refreshViews, 120);
}

function pipelineFile() {
  return lastCheck?.pipelines.find((p) => p.name === state.pipeline)?.file ?? null;
}

async function refreshViews() {
  const mine = ++viewGeneration;
  const file = pipelineFile();
  if (!file) {
    showCompileError(
      state.pipeline === null
        ? "No pipeline is declared yet: write `pipeline NAME extends ... { ... }` in a file."
        : `No pipeline \`${state.pipeline}\` is declared now: the file that declared it has an error, or it was renamed.`,
    );
    return;
  }
  const request = { ...baseRequest(), file, pipeline: state.pipeline };
  try {
    const compiled = await ask("compile", request);
    if (mine !== viewGeneration) return;
    if (!compiled.ok) {
      showCompileError(compiled.text);
      return;
    }
    $("compile-error").hidden = true;
    $("views").classList.remove("stale");
    lastCompiled = compiled;
    renderPlan($("plan-tree"), compiled.plan);
    renderGraph($("graph"), compiled.graph);
    drawExport("codepipeline", compiled.exports.codepipeline);
    drawExport("github-actions", compiled.exports.github_actions);
    const timeline = await ask("simulate", { ...request, start: state.start || null });
    if (mine !== viewGeneration) return;
    if (!timeline.ok) {
      $("timeline").textContent = timeline.text;
      $("lead-time").textContent = "";
    } else {
      lastTimeline = timeline;
      renderTimeline($("timeline"), timeline);
      $("start").value = timeline.start_local;
      $("zone").textContent = timeline.zone;
      const leadTime = $("lead-time");
      leadTime.textContent = `Lead time ${timeline.lead_time} — ${timeline.outcome}`;
      leadTime.dataset.end = timeline.end;
      leadTime.dataset.totalSeconds = String(timeline.total_seconds);
    }
    document.body.dataset.views = String(mine);
  } catch (error) {
    showCompileError(String(error.message ?? error));
  }
}

function showCompileError(text) {
  const box = $("compile-error");
  box.textContent = text;
  box.hidden = false;
  $("views").classList.add("stale");
}

function drawExport(id, exported) {
  $(`${id}-json`).textContent = exported.json || exported.text;
  $(`${id}-findings`).replaceChildren(...exported.findings.map((f) => {
    const li = document.createElement("li");
    li.className = f.severity;
    li.textContent = `${f.code} ${f.message}${f.file ? ` (${f.file}:${f.line})` : ""}`;
    return li;
  }));
  $(`download-${id}`).disabled = !exported.json;
}

function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
$("download-plan").onclick = () => {
  if (lastCompiled) download(`${lastCompiled.pipeline}.plan.json`, lastCompiled.plan, "application/json");
};
$("download-codepipeline").onclick = () => {
  const e = lastCompiled?.exports.codepipeline;
  if (e?.json) download(e.file, e.json, "application/json");
};
$("download-github-actions").onclick = () => {
  const e = lastCompiled?.exports.github_actions;
  if (e?.json) download(e.file, e.json, "application/yaml");
};

// ---- the address -----------------------------------------------------

let addressTimer = null;
function saveToAddressSoon() {
  clearTimeout(addressTimer);
  addressTimer = setTimeout(async () => {
    const edits = editCount;
    const encoded = await encodeState({
      files: workspaceFiles(),
      current: state.current,
      pipeline: state.pipeline,
      today: state.today,
      profile: state.profile,
      start: state.start,
    });
    window.history.replaceState(null, "", `#w=${encoded}`);
    document.body.dataset.savedEdits = String(edits);
  }, 300);
}

// ---- start -----------------------------------------------------------

async function start() {
  const saved = (await decodeState(location.hash)) ?? SAMPLE;
  for (const file of saved.files) state.files.set(file.name, editorState(file.text));
  if (state.files.size === 0) state.files.set("main.pipe", editorState(""));
  state.pipeline = saved.pipeline ?? null;
  state.today = saved.today || todayHere();
  state.profile = saved.profile ?? "";
  state.start = saved.start ?? "";
  $("today").value = state.today;
  state.current = state.files.has(saved.current) ? saved.current : state.files.keys().next().value;
  // The compiler checks while the editor is drawn.
  timings.firstRequestMs = performance.now();
  requestCheck();
  showPanel("panel-plan");
  openFile(state.current);
}

start();
