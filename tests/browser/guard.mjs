// The request guard in headless Debian Chromium (playwright-core and the DevTools protocol):
// examples/tests/guard_browser.rs.
//
// The pages are the disallowed site http://evil.test:PAGE_PORT/ and the allowed
// http://app.test:PAGE_PORT/ (a static page, served by the Rust test); each server is
// http://api.test:PORT. `--host-resolver-rules` maps every *.test name to 127.0.0.1, so Chromium
// connects to loopback and sends the names it was given (Host, Origin, Sec-Fetch-Site).
//
// For every server, one step after another:
// - a: from the disallowed page, a real <form method=post> submitted by a click (a top-level
//   navigation), then a `fetch` POST with `mode: "no-cors"`;
// - b: the same from the allowed page;
// - c: from the server's own origin (its /health page), a same-origin form post and fetch POST;
// - d: from the disallowed page, a link clicked to GET /api/items (a top-level navigation) and
//   a `no-cors` GET fetch.
// Around each, the server's write counter (`GET /api/writes`) is read with Node's own fetch
// (no Origin, no Sec-Fetch-Site: not a browser's request). Every request has its own URL
// (`?k=...`), so that what Chromium saw (statuses, request headers, failures) is matched to it
// exactly. The script judges nothing: it prints `result: {json}` and the Rust test checks it.
//
// usage: node guard.mjs PAGE_PORT NAME=PORT [NAME=PORT...]
import { commandLine, openPage, runInChromium } from "./watch.mjs";

const { pagePort, servers } = commandLine("guard.mjs");
const STEP_TIMEOUT_MS = 10000;

// The server's write counter, or the error that kept it from being read.
async function writes(port) {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/api/writes`, { signal: AbortSignal.timeout(5000) });
    const body = await r.text();
    if (r.status !== 200) return { writes: null, error: `status ${r.status}: ${body}` };
    return { writes: JSON.parse(body).writes ?? null };
  } catch (e) {
    return { writes: null, error: String(e) };
  }
}

// What each request carried, by URL, as Chromium sent it (`Sec-Fetch-*` are added below the
// page, so only the DevTools' extra info has them): Origin, Sec-Fetch-Site, Sec-Fetch-Mode.
function sentHeaders(cdp) {
  const urlOf = new Map(); // requestId -> url
  const headersOf = new Map(); // requestId -> headers, lower-cased names
  const byUrl = new Map();
  const join = (id) => {
    const url = urlOf.get(id);
    const h = headersOf.get(id);
    if (!url || !h) return;
    byUrl.set(url, { origin: h["origin"] ?? null, secFetchSite: h["sec-fetch-site"] ?? null, secFetchMode: h["sec-fetch-mode"] ?? null });
  };
  cdp.on("Network.requestWillBeSent", (e) => { urlOf.set(e.requestId, e.request.url); join(e.requestId); });
  cdp.on("Network.requestWillBeSentExtraInfo", (e) => {
    const h = Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [k.toLowerCase(), v]));
    headersOf.set(e.requestId, h);
    join(e.requestId);
  });
  return byUrl;
}

// At most the start of a body: a refused navigation's is Chromium's own error page.
const clip = (body) => (typeof body === "string" && body.length > 200 ? body.slice(0, 200) + "..." : body);

// Puts a form (`method=post`, `action` = `target`, one text input) or a link to `target` on
// the page and clicks it: a top-level navigation the user started, as a real page's would be.
// Resolves with the answer to that navigation (to `url`, `target` resolved): status and body.
async function clickThrough(page, kind, target, url) {
  const answered = page.waitForResponse((r) => r.url() === url && r.request().isNavigationRequest(), { timeout: STEP_TIMEOUT_MS });
  await page.evaluate(({ kind, target }) => {
    let go;
    if (kind === "link") {
      go = document.createElement("a");
      go.href = target;
      go.textContent = "items";
    } else {
      go = document.createElement("form");
      go.method = "post";
      go.action = target;
      const input = document.createElement("input");
      input.name = "name";
      input.value = "four";
      const button = document.createElement("button");
      button.type = "submit";
      button.textContent = "add";
      go.append(input, button);
    }
    go.id = "go";
    document.body.append(go);
  }, { kind, target });
  await page.click(kind === "link" ? "#go" : "#go button");
  const response = await answered;
  let body = null;
  try { body = clip(await response.text()); } catch {}
  return { status: response.status(), body };
}

// A fetch from the page: what the page got (an opaque response's type and status 0, or a
// readable one's status and body, or the error).
async function fetchFromPage(page, url, init) {
  return page.evaluate(async ({ url, init, timeout }) => {
    try {
      const r = await fetch(url, { ...init, cache: "no-store", signal: AbortSignal.timeout(timeout) });
      const body = r.type === "opaque" ? null : await r.text();
      return { ok: true, type: r.type, status: r.status, body };
    } catch (e) {
      return { ok: false, error: `${e.name}: ${e.message}` };
    }
  }, { url, init, timeout: STEP_TIMEOUT_MS });
}

// One step: the counter before, the action, the counter after; what Chromium saw on the wire
// for the URL (its status even for an opaque answer, or its failure) and the headers it sent,
// from the page's DevTools, once they arrived (they may come after the page's promise) or 3 s.
async function step(record, server, tab, what, action) {
  const before = await writes(server.port);
  let result;
  try {
    result = await action();
  } catch (e) {
    result = { error: String(e && e.message || e) };
  }
  const after = await writes(server.port);
  const deadline = Date.now() + 3000;
  const arrived = () => tab.sent.has(what.url) && (tab.seen.get(what.url)?.status || tab.seen.get(what.url)?.errorText);
  while (!arrived() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
  record.push({ ...what, before, after, ...result, sent: tab.sent.get(what.url) || null, wire: tab.seen.get(what.url) || null });
}

// A page with its DevTools view of the network (see `openPage`) and of the headers it sent.
async function openTab(context) {
  const { page, cdp, seen } = await openPage(context);
  return { page, seen, sent: sentHeaders(cdp) };
}

// Each server's steps, in order: [step, the page it starts from, what it does, the fetch's init].
const PLAN = [
  ["a", "evil", "form"],
  ["a", "evil", "fetch", { method: "POST", mode: "no-cors", body: "x" }],
  ["b", "app", "form"],
  ["b", "app", "fetch", { method: "POST", mode: "no-cors", body: "x" }],
  ["c", "own", "form"],
  ["c", "own", "fetch", { method: "POST" }],
  ["d", "evil", "link"],
  ["d", "evil", "fetch", { method: "GET", mode: "no-cors" }],
];

// The names each server is reached by: `api.test`, to which Chromium sends no Sec-Fetch-*
// (only a potentially trustworthy URL gets them), so the guard compares Origin with Host; and
// 127.0.0.1, which is trustworthy, so the guard decides by Sec-Fetch-Site.
const API_HOSTS = ["api.test", "127.0.0.1"];

// The steps of one server; `tabs` are the disallowed, allowed and own-origin pages. The own
// origin's page is the server's /health, whose form and fetch name the API by its path alone.
async function runServer(server, tabs) {
  const steps = [];
  for (const host of API_HOSTS) {
    const api = `http://${host}:${server.port}`;
    for (const [i, [name, from, kind, init]] of PLAN.entries()) {
      const tab = tabs[from];
      const url = `${api}/api/items?k=${server.name}-${name}-${kind}-${i}`;
      const target = from === "own" ? url.slice(api.length) : url;
      const start = from === "own" ? `${api}/health` : `http://${from}.test:${pagePort}/`;
      await tab.page.goto(start, { timeout: STEP_TIMEOUT_MS });
      const action = kind === "fetch"
        ? () => fetchFromPage(tab.page, target, init)
        : () => clickThrough(tab.page, kind, target, url);
      await step(steps, server, tab, { host, step: name, from, kind, url }, action);
    }
  }
  return steps;
}

const report = { chromium: null, pagePort, servers: [] };
// 90 s at most (the watchdog), well within the Rust test's bound.
await runInChromium("guard.mjs", 90000, report, async (context) => {
  const tabs = { evil: await openTab(context), app: await openTab(context), own: await openTab(context) };
  for (const server of servers) {
    const started = Date.now();
    const steps = await runServer(server, tabs);
    report.servers.push({ name: server.name, port: server.port, steps });
    console.log(`${server.name}: ${steps.length} steps in ${Date.now() - started} ms`);
  }
});
