// What the page asks first, known to both the page and the worker: the
// sample workspace and today's date where the page runs. The worker checks
// that request while the page's script is still loading, so that the page's
// first check is answered as soon as it is asked.
/* global PIPEC_SAMPLE */
export const SAMPLE = {
  files: JSON.parse(PIPEC_SAMPLE),
  current: "services/orders_api.pipe",
  pipeline: "orders_api",
};

export function todayHere() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** The check request of a workspace, as the page sends it. */
export function checkRequest(files, today, profile) {
  return { files, today, profile: profile || null };
}
