// The DevTools events the browser tests read, by URL (sets.mjs, tenants.mjs).

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
