// Tenant routes keyed by the host, in headless Debian Chromium, while the store changes:
// examples/tests/tenants_browser.rs.
//
// The pages are http://app.a.test:PAGE_PORT/ and http://app.b.test:PAGE_PORT/ (served by the
// Rust test); each server's APIs are http://a.api.test:PORT and http://b.api.test:PORT, one
// tenant each (the tenant key is the host without its port). `--host-resolver-rules` maps every
// *.test name to 127.0.0.1, so Chromium connects to loopback but sends the name as Host.
//
// Phases, every server each time:
// - "before": each page, one fetch after another, to both tenants' APIs: a GET and a PUT with a
//   custom header (preflighted), each without and with credentials;
// - "load": both pages fire fetches continuously (a few workers each, round-robin over the
//   servers, interleaved over both tenants, GETs and PUTs, with and without credentials) from
//   the line `event: load` on stdout until the line `stop` on stdin; meanwhile the Rust test
//   moves page A's origin from one tenant to the other in the store;
// - "after": as "before".
// Every fetch has its own URL (`?k=...`), so that what Chromium saw on the wire (the CORS error
// of `Network.loadingFailed`, preflights, statuses) is matched to it exactly, and its start and
// end times (Date.now(), the same clock as the Rust test's). The script judges nothing: it
// prints `result: {json}` and the Rust test checks it.
//
// usage: node tenants.mjs PAGE_PORT NAME=PORT [NAME=PORT...]
import { commandLine, openTenantPages, runInChromium } from "./watch.mjs";
import { createInterface } from "node:readline";

const { pagePort, servers } = commandLine("tenants.mjs");
const FETCH_TIMEOUT_MS = 10000;
// The load: workers per page, and the pause of each between two fetches.
const WORKERS = 3;
const PAUSE_MS = 15;

// Stops at the line `stop` on stdin, or when stdin ends (the Rust test is gone).
let stopRequested;
const stopped = new Promise((resolve) => { stopRequested = resolve; });
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => { if (line.trim() === "stop") stopRequested(); });
lines.on("close", () => stopRequested());

// One fetch, in the page: what the page got (or its error), with its start and end times.
// Shared by both phases' page functions (passed as source text).
const ONE = `async (s, timeout) => {
  const init = { method: s.method, credentials: s.credentials, cache: "no-store", signal: AbortSignal.timeout(timeout) };
  if (s.method === "PUT") init.headers = { "X-Probe": "1" };
  const start = Date.now();
  try {
    const r = await fetch(s.url, init);
    const body = await r.text();
    return { ...s, ok: true, status: r.status, body, start, end: Date.now() };
  } catch (e) {
    return { ...s, ok: false, error: e.name + ": " + e.message, start, end: Date.now() };
  }
}`;

// The fetches of `specs`, one after another. Runs in the page.
async function runInPage({ specs, timeout, one }) {
  const fetchOne = eval(one);
  const out = [];
  for (const s of specs) out.push(await fetchOne(s, timeout));
  return out;
}

// The load of one page until `window.__stop`: `workers` loops, each fetching, pausing and
// fetching again. Runs in the page.
async function loadInPage({ page, servers, timeout, workers, pause, one }) {
  const fetchOne = eval(one);
  window.__stop = false;
  const out = [];
  let n = 0;
  const worker = async () => {
    while (!window.__stop) {
      const i = n++;
      const server = servers[i % servers.length];
      const target = ["a", "b"][Math.floor(i / servers.length) % 2];
      const method = i % 5 === 4 ? "PUT" : "GET";
      const credentials = Math.floor(i / 3) % 2 === 0 ? "include" : "omit";
      const id = `${server.name}-load-${page}${target}-${i}`;
      const url = `http://${target}.api.test:${server.port}/api/items?k=${id}`;
      out.push(await fetchOne({ id, phase: "load", server: server.name, page, target, method, credentials, url }, timeout));
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return out;
}

// Waits until Chromium reported a failure for every fetch the page saw fail (the events and
// the page's promise do not arrive in a fixed order), or 3 s, then a little longer for the raw
// answers.
async function settle(results, seen) {
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    if (results.every((r) => r.ok || seen.get(r.url)?.errorText)) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
}

const report = { chromium: null, fetches: [], loadStarted: null, loadStopped: null };
// 60 s at most (the watchdog), well within the Rust test's bound.
await runInChromium("tenants.mjs", 60000, report, async (context) => {
  const tenants = ["a", "b"];
  const pages = await openTenantPages(context, pagePort, tenants);
  const keep = (page, results) => {
    for (const r of results) report.fetches.push({ ...r, wire: pages[page].seen.get(r.url) || null });
  };

  // One after another, every server: each page to both tenants' APIs.
  const singles = async (phase) => {
    let n = 0;
    for (const server of servers) {
      for (const page of tenants) {
        const specs = [];
        for (const target of tenants) {
          for (const [method, credentials] of [["GET", "omit"], ["GET", "include"], ["PUT", "omit"], ["PUT", "include"]]) {
            const id = `${server.name}-${phase}-${page}${target}-${n++}`;
            const url = `http://${target}.api.test:${server.port}/api/items?k=${id}`;
            specs.push({ id, phase, server: server.name, page, target, method, credentials, url });
          }
        }
        const results = await pages[page].page.evaluate(runInPage, { specs, timeout: FETCH_TIMEOUT_MS, one: ONE });
        await settle(results, pages[page].seen);
        keep(page, results);
      }
    }
  };

  let started = Date.now();
  await singles("before");
  console.log(`before: ${report.fetches.length} fetches in ${Date.now() - started} ms`);

  // The load, both pages at once, until told to stop.
  const loads = tenants.map((page) => pages[page].page.evaluate(loadInPage, {
    page, servers, timeout: FETCH_TIMEOUT_MS, workers: WORKERS, pause: PAUSE_MS, one: ONE,
  }));
  report.loadStarted = Date.now();
  console.log(`event: load ${report.loadStarted}`);
  await stopped;
  await Promise.all(tenants.map((page) => pages[page].page.evaluate(() => { window.__stop = true; })));
  const loaded = await Promise.all(loads);
  report.loadStopped = Date.now();
  for (const [i, page] of tenants.entries()) {
    await settle(loaded[i], pages[page].seen);
    keep(page, loaded[i]);
  }
  console.log(`load: ${loaded.flat().length} fetches in ${report.loadStopped - report.loadStarted} ms`);

  started = Date.now();
  const count = report.fetches.length;
  await singles("after");
  console.log(`after: ${report.fetches.length - count} fetches in ${Date.now() - started} ms`);
});
// The result is written: stdin is read no more.
lines.close();
