// The plan JSON as a tree that folds; an object with a `provenance`
// index shows, on hover, the source place the plan's provenance table
// gives for it.

function place(provenance) {
  if (!provenance) return "";
  const parts = [`${provenance.file}:${provenance.line}:${provenance.column}`];
  if (provenance.how) parts.push(provenance.how);
  if (provenance.profile) parts.push(`profile ${provenance.profile}`);
  if (Array.isArray(provenance.overrides) && provenance.overrides.length > 0) {
    const overridden = provenance.overrides.map((o) => `${o.file}:${o.line}:${o.column}`);
    parts.push(`overrides ${overridden.join(", ")}`);
  }
  // Whatever else the entry says (an origin, say), as it says it.
  const known = new Set(["file", "line", "column", "how", "profile", "overrides"]);
  for (const [key, value] of Object.entries(provenance)) {
    if (known.has(key) || value === null || value === undefined) continue;
    parts.push(`${key} ${typeof value === "string" ? value : JSON.stringify(value)}`);
  }
  return parts.join(" · ");
}

function scalar(value) {
  const span = document.createElement("span");
  if (typeof value === "string") {
    span.className = "string";
    span.textContent = JSON.stringify(value);
  } else if (typeof value === "number") {
    span.className = "number";
    span.textContent = String(value);
  } else {
    span.className = "literal";
    span.textContent = String(value);
  }
  return span;
}

function summaryText(value) {
  if (Array.isArray(value)) return `[${value.length}]`;
  if (value && typeof value.id === "string") return `{ ${value.id} }`;
  if (value && typeof value.code === "string") return `{ ${value.code} }`;
  return "{…}";
}

/** The `key: ` before a value in the tree. */
function keyLabel(key) {
  const label = document.createElement("span");
  label.className = "key";
  label.textContent = `${key}: `;
  return label;
}

/**
 * The table entry a step's field names by number (format 1.3: its
 * parameters in `parameters.KIND`, its gates in `gate_lists`, its field
 * provenance in `field_provenances`), with the entry's name, or null when
 * the field holds its value itself.
 */
function tableEntry(plan, step, key, value) {
  if (!Number.isInteger(value) || value < 0 || !step || typeof step.kind !== "string") return null;
  const tables = {
    [step.kind]: [plan.parameters?.[step.kind], `parameters.${step.kind}`],
    gates: [plan.gate_lists, "gate_lists"],
    field_provenance: [plan.field_provenances, "field_provenances"],
  };
  const [table, name] = Object.hasOwn(tables, key) ? tables[key] : [];
  if (!Array.isArray(table) || value >= table.length) return null;
  return { entry: table[value], name: `${name}[${value}]` };
}

function node(key, value, context, depth) {
  const { plan, provenances } = context;
  if (value === null || typeof value !== "object") {
    const line = document.createElement("div");
    line.className = "entry";
    if (key !== null) line.append(keyLabel(key));
    line.append(scalar(value));
    return line;
  }
  const details = document.createElement("details");
  details.open = depth < 1;
  const summary = document.createElement("summary");
  if (key !== null) summary.append(keyLabel(key));
  summary.append(summaryText(value));
  if (!Array.isArray(value) && typeof value.provenance === "number") {
    const where = place(provenances[value.provenance]);
    details.dataset.provenance = where;
    summary.title = where;
    const hint = document.createElement("span");
    hint.className = "prov";
    hint.textContent = where.split(" · ")[0];
    summary.append(hint);
  }
  details.append(summary);
  // Children are built when first opened: a plan has thousands of values.
  const fill = () => {
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    for (const [childKey, child] of entries) {
      // A step's numbered field is drawn as the entry it names, so that a
      // step reads whole.
      const named = Array.isArray(value) ? null : tableEntry(plan, value, childKey, child);
      if (named) {
        details.append(node(`${childKey} = ${named.name}`, named.entry, context, depth + 1));
      } else {
        details.append(node(childKey, child, context, depth + 1));
      }
    }
  };
  if (details.open) {
    fill();
  } else {
    details.addEventListener("toggle", fill, { once: true });
  }
  return details;
}

/** Draws `text` (the plan JSON) into `container`. */
export function renderPlan(container, text) {
  const plan = JSON.parse(text);
  const provenances = Array.isArray(plan.provenances) ? plan.provenances : [];
  container.replaceChildren(node(null, plan, { plan, provenances }, 0));
}
