// Two tenants' pages against example servers that mount a policy set, in headless Debian
// Chromium (playwright-core and the DevTools protocol): examples/tests/sets_browser.rs.
//
// The pages are http://app.a.test:PAGE_PORT/ and http://app.b.test:PAGE_PORT/ (a static page,
// served by the Rust test); the APIs are http://api.a.test:PORT and http://api.b.test:PORT of
// each server. `--host-resolver-rules` maps every *.test name to 127.0.0.1, so Chromium connects
// to loopback but sends the name it was given as Host (`api.b.test:PORT`): the set chooses its
// policy by that name, as it would behind real DNS.
//
// For every server, each page fetches:
// - "single": its own API and the other tenant's, a GET and a PUT with a custom header
//   (preflighted), each without and with credentials, one after another;
// - "burst": 50 fetches per page, both pages at once, interleaved over both APIs, GETs and PUTs,
//   with and without credentials (one Promise.all per page);
// - "private": `GET /api/private` (behind the server's authentication layer, inside the CORS
//   layer) of its own API and the other tenant's, with credentials, without and with
//   `Authorization: Bearer secret` (preflighted); the page reads the status and the body (401
//   `unauthorized`, or 200 and the JSON, parsed).
// Every fetch has its own URL (`?k=...`), so that what Chromium saw on the wire (the CORS error
// of `Network.loadingFailed`, preflights, statuses) is matched to it exactly. The script judges
// nothing: it prints `result: {json}` (every fetch, what the page got and what Chromium saw)
// and the Rust test checks it.
//
// usage: node sets.mjs PAGE_PORT NAME=PORT [NAME=PORT...]
import { commandLine, openTenantPages, runInChromium } from "./watch.mjs";

const { pagePort, servers } = commandLine("sets.mjs");
const BURST_PER_PAGE = 50;
const FETCH_TIMEOUT_MS = 10000;

// What one page does: the fetches of `specs`, one after another or all at once. A fetch that
// fails gives its error; one that works gives its status, body and the two headers the
// tenants' policies expose (each its own). Runs in the page.
async function runInPage({ specs, concurrent, timeout }) {
  const one = async (s) => {
    const init = { method: s.method, credentials: s.credentials, cache: "no-store", signal: AbortSignal.timeout(timeout) };
    if (s.headers) init.headers = s.headers;
    try {
      const r = await fetch(s.url, init);
      const exposed = { "x-request-id": r.headers.get("x-request-id"), "x-total-count": r.headers.get("x-total-count") };
      const body = await r.text();
      let json = null;
      try { json = JSON.parse(body); } catch {}
      return { id: s.id, ok: true, status: r.status, body, json, exposed };
    } catch (e) {
      return { id: s.id, ok: false, error: `${e.name}: ${e.message}` };
    }
  };
  if (concurrent) return Promise.all(specs.map(one));
  const out = [];
  for (const s of specs) out.push(await one(s));
  return out;
}

// Waits until Chromium reported a failure for every fetch the page saw fail (the events and
// the page's promise do not arrive in a fixed order), or 3 s, then a little longer for the raw
// answers (`responseReceivedExtraInfo`, which Chromium does not report for every request).
async function settle(results, urlOf, seen) {
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    if (results.every((r) => r.ok || seen.get(urlOf.get(r.id))?.errorText)) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
}

const report = { chromium: null, servers: [] };
// 60 s at most (the watchdog), well within the Rust test's bound.
await runInChromium("sets.mjs", 60000, report, async (context) => {
  const tenants = ["a", "b"];
  const pages = await openTenantPages(context, pagePort, tenants);

  for (const server of servers) {
    const serverStarted = Date.now();
    const fetches = [];
    const urlOf = new Map();
    let n = 0;
    const spec = (phase, page, target, method, credentials, auth = false) => {
      const id = `${server.name}-${phase}-${page}${target}-${n++}`;
      const path = phase === "private" ? "/api/private" : "/api/items";
      const url = `http://api.${target}.test:${server.port}${path}?k=${id}`;
      urlOf.set(id, url);
      const headers = auth ? { Authorization: "Bearer secret" } : method === "PUT" ? { "X-Tenant-Probe": "1" } : null;
      return { id, phase, page, target, method, credentials, url, auth, headers };
    };
    const run = async (page, specs, concurrent) => {
      const results = await pages[page].page.evaluate(runInPage, { specs, concurrent, timeout: FETCH_TIMEOUT_MS });
      await settle(results, urlOf, pages[page].seen);
      for (const s of specs) {
        const r = results.find((x) => x.id === s.id);
        const wire = pages[page].seen.get(s.url) || null;
        const { headers, ...rest } = s;
        fetches.push({ ...rest, ...r, wire });
      }
    };

    // One after another: each page to its own API and to the other tenant's.
    for (const page of tenants) {
      const specs = [];
      for (const target of tenants) {
        specs.push(spec("single", page, target, "GET", "omit"));
        specs.push(spec("single", page, target, "GET", "include"));
        specs.push(spec("single", page, target, "PUT", "omit"));
        specs.push(spec("single", page, target, "PUT", "include"));
      }
      await run(page, specs, false);
    }

    // All at once: both pages, both APIs, interleaved.
    const bursts = tenants.map((page) => {
      const specs = [];
      for (let i = 0; i < BURST_PER_PAGE; i++) {
        const target = tenants[(i + (page === "b" ? 1 : 0)) % 2];
        const method = i % 5 === 4 ? "PUT" : "GET";
        const credentials = i % 4 < 2 ? "include" : "omit";
        specs.push(spec("burst", page, target, method, credentials));
      }
      return run(page, specs, true);
    });
    await Promise.all(bursts);

    // The authenticated route, one after another: without the token, then with it.
    for (const page of tenants) {
      const specs = [];
      for (const target of tenants) {
        specs.push(spec("private", page, target, "GET", "include", false));
        specs.push(spec("private", page, target, "GET", "include", true));
      }
      await run(page, specs, false);
    }

    report.servers.push({ name: server.name, port: server.port, fetches });
    console.log(`${server.name}: ${fetches.length} fetches in ${Date.now() - serverStarted} ms`);
  }
});
