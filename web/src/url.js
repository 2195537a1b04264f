// The workspace kept in the address: JSON, deflated, in base64url.

async function pipe(bytes, stream) {
  const out = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

function toBase64Url(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text) {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** `state` as the value of `#w=`. */
export async function encodeState(state) {
  const json = new TextEncoder().encode(JSON.stringify(state));
  return toBase64Url(await pipe(json, new CompressionStream("deflate-raw")));
}

/** The state in `#w=...`, or null when the address holds none (or a broken one). */
export async function decodeState(hash) {
  const match = /^#w=([A-Za-z0-9_-]+)$/.exec(hash);
  if (!match) return null;
  try {
    const bytes = await pipe(fromBase64Url(match[1]), new DecompressionStream("deflate-raw"));
    const state = JSON.parse(new TextDecoder().decode(bytes));
    if (!state || !Array.isArray(state.files)) return null;
    // Only what the page itself writes: names and texts as strings.
    const text = (value) => (typeof value === "string" ? value : "");
    return {
      files: state.files.filter((f) => f && typeof f.name === "string" && f.name && typeof f.text === "string"),
      current: text(state.current),
      pipeline: text(state.pipeline) || null,
      today: /^\d{4}-\d{2}-\d{2}$/.test(state.today) ? state.today : "",
      profile: text(state.profile),
      start: text(state.start),
    };
  } catch {
    return null;
  }
}
