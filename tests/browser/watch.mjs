// What the browser scripts (sets.mjs, tenants.mjs, guard.mjs) share: their command line, how
// Chromium is started and stopped, the watchdog, the result line, the pages they open and the
// DevTools events they read, by URL.
import { chromium } from "playwright-core";

// `node SCRIPT PAGE_PORT NAME=PORT [NAME=PORT...]`: the pages' port and each server's.
export function commandLine(script) {
  const [pagePort, ...serverArgs] = process.argv.slice(2);
  if (!pagePort || serverArgs.length === 0) {
    console.error(`usage: node ${script} PAGE_PORT NAME=PORT [NAME=PORT...]`);
    process.exit(2);
  }
  const servers = serverArgs.map((s) => {
    const [name, port] = s.split("=");
    return { name, port };
  });
  return { pagePort, servers };
}

const executablePath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

const chromiumArgs = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  // Connect directly, even when the environment names a proxy.
  "--no-proxy-server",
  // Every `*.test` name is this machine, while the browser sends the name as the Host.
  "--host-resolver-rules=MAP *.test 127.0.0.1",
];

// What Chromium saw for one page, by URL: the CORS error of the request, the preflights sent
// and the statuses of the answers (a preflight's and the request's).
export function watch(cdp) {
  const byId = new Map(); // requestId -> { url, preflight }
  const byUrl = new Map(); // url -> { corsError, errorText, preflights, preflightStatus, status }
  const entry = (url) => {
    if (!byUrl.has(url)) byUrl.set(url, {
      corsError: null, errorText: null, preflights: 0, preflightStatus: null, status: null,
      rawStatus: null, rawAllowOrigin: null,
    });
    return byUrl.get(url);
  };
  cdp.on("Network.requestWillBeSent", (e) => {
    const h = Object.fromEntries(Object.entries(e.request.headers).map(([k, v]) => [k.toLowerCase(), v]));
    const preflight = e.request.method === "OPTIONS" && !!h["access-control-request-method"];
    byId.set(e.requestId, { url: e.request.url, preflight });
    if (preflight) entry(e.request.url).preflights++;
  });
  const status = (requestId, code) => {
    const r = byId.get(requestId);
    if (!r || typeof code !== "number") return;
    if (r.preflight) entry(r.url).preflightStatus = code;
    else entry(r.url).status = code;
  };
  cdp.on("Network.responseReceived", (e) => status(e.requestId, e.response.status));
  // The raw answer, reported even when CORS then refuses it: its status and Allow-Origin.
  cdp.on("Network.responseReceivedExtraInfo", (e) => {
    const r = byId.get(e.requestId);
    if (!r || r.preflight) return;
    const w = entry(r.url);
    w.rawStatus = e.statusCode;
    const acao = Object.entries(e.headers).find(([k]) => k.toLowerCase() === "access-control-allow-origin");
    w.rawAllowOrigin = acao ? acao[1] : null;
  });
  cdp.on("Network.loadingFailed", (e) => {
    const r = byId.get(e.requestId);
    if (!r) return;
    const w = entry(r.url);
    if (e.corsErrorStatus) w.corsError = e.corsErrorStatus.corsError;
    if (!r.preflight || !w.errorText) w.errorText = e.errorText;
  });
  return byUrl;
}

// A page with its DevTools session, the network watched (`seen`, see `watch`) and the browser's
// cache off, so that every request reaches the server (repeated ones too; no-store as well).
export async function openPage(context) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  return { page, cdp, seen: watch(cdp) };
}

// The tenants' pages, http://app.TENANT.test:PAGE_PORT/, each opened (see `openPage`) and
// checked to have that origin: by tenant, { page, seen, origin }.
export async function openTenantPages(context, pagePort, tenants) {
  const pages = {};
  for (const t of tenants) {
    const { page, seen } = await openPage(context);
    const origin = `http://app.${t}.test:${pagePort}`;
    await page.goto(`${origin}/`, { timeout: 15000 });
    const actual = await page.evaluate(() => location.origin);
    if (actual !== origin) throw new Error(`the page of tenant ${t} has origin ${actual}, not ${origin}`);
    pages[t] = { page, seen, origin };
  }
  return pages;
}

// Runs `body(context)` in a fresh context of headless Chromium, then prints
// `result: {json}` of `report` (its `chromium` version filled in, and `error` when anything
// threw) and exits: 0, or 1 after an error. A watchdog stops the browser and exits 3 after
// `limitMs`, a last resort: the whole run must end well within the Rust test's own bound.
export async function runInChromium(script, limitMs, report, body) {
  let browser;
  const watchdog = setTimeout(async () => {
    console.error(`${script}: timed out after ${limitMs / 1000} s`);
    try { await browser?.close(); } catch {}
    process.exit(3);
  }, limitMs);
  try {
    browser = await chromium.launch({ executablePath, args: chromiumArgs, headless: true });
    report.chromium = browser.version();
    const context = await browser.newContext();
    await body(context);
    await context.close();
  } catch (e) {
    report.error = String(e && e.stack || e);
  } finally {
    await browser?.close().catch(() => {});
    clearTimeout(watchdog);
  }
  // Exit once the report is written: stdout is a pipe, and exit() would cut it at 64 KiB.
  process.stdout.write("result: " + JSON.stringify(report) + "\n", () => process.exit(report.error ? 1 : 0));
}
