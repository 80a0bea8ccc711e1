// What the browser tests (sets.mjs, tenants.mjs) share: their command line, how Chromium is
// started, and the DevTools events they read, by URL.

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

export const executablePath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

export const chromiumArgs = [
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
