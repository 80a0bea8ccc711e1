// Drives the demo page in headless Debian Chromium (through playwright-core and the DevTools
// protocol) and checks every cell of the matrix for every framework:
// - the page's verdict per cell must match what the policy says (computed by the core);
// - a cell counts as blocked only when Chromium reports a CORS error for that request, so a
//   dead server can never pass as "blocked";
// - an allowed preflighted request repeated with cache: 'default' sends one preflight only
//   when the policy has a max_age.
//
// usage: node run.mjs PAGE_URL [SCREENSHOT.png]
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [pageUrl, screenshot] = process.argv.slice(2);
if (!pageUrl) {
  console.error("usage: node run.mjs PAGE_URL [SCREENSHOT.png]");
  process.exit(2);
}
const executablePath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const userDataDir = mkdtempSync(join(tmpdir(), "cors-demo-chromium-"));
const args = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

let failures = 0;
const fail = (msg) => { failures++; console.log("FAIL " + msg); };

const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath, args, headless: true, viewport: { width: 1500, height: 1100 },
});
try {
  const page = context.pages()[0] || (await context.newPage());
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  const requests = new Map(); // requestId -> { url, method, acrm }
  const corsErrors = []; // { url, status }
  const preflights = []; // { url, acrm }
  cdp.on("Network.requestWillBeSent", (e) => {
    const h = Object.fromEntries(Object.entries(e.request.headers).map(([k, v]) => [k.toLowerCase(), v]));
    requests.set(e.requestId, { url: e.request.url, method: e.request.method });
    if (e.request.method === "OPTIONS" && h["access-control-request-method"]) {
      preflights.push({ url: e.request.url, acrm: h["access-control-request-method"] });
    }
  });
  cdp.on("Network.loadingFailed", (e) => {
    const r = requests.get(e.requestId);
    if (e.corsErrorStatus && r) corsErrors.push({ url: r.url, status: e.corsErrorStatus.corsError });
  });

  await page.goto(pageUrl);
  await page.waitForFunction(() => window.__demoDone === true, null, { timeout: 120000 });
  const error = await page.evaluate(() => window.__demoError);
  if (error) throw new Error("the page failed: " + error);
  const results = await page.evaluate(() => window.__demoResults);
  const matrix = await page.evaluate(async () => (await fetch("/matrix.json")).json());
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });

  const servers = matrix.servers;
  const expectedCells = matrix.tests.length * servers.length;
  if (results.length !== expectedCells) fail(`expected ${expectedCells} cells, got ${results.length}`);
  for (const test of matrix.tests) {
    for (const server of servers) {
      const cell = results.find((r) => r.test === test.id && r.server === server.name);
      const where = `[${server.name}] ${test.id}`;
      if (!cell) { fail(`${where}: no result`); continue; }
      if (!cell.match) {
        fail(`${where}: browser ${cell.allowed ? "allowed" : "blocked"} (${cell.error || "status " + cell.status}), ` +
             `policy says ${test.expected.allowed ? "allowed" : "blocked"}: ${test.expected.explanation}; ` +
             `readable ${JSON.stringify(cell.readable)} vs ${JSON.stringify(test.expected.readable)}`);
        continue;
      }
      const urls = test.steps.map((s) => `${server.url}${s.path}?t=${encodeURIComponent(test.id)}`);
      const cors = corsErrors.filter((c) => urls.includes(c.url));
      if (!test.expected.allowed && cors.length === 0) {
        fail(`${where}: blocked, but Chromium reported no CORS error for it (a dead server?)`);
      }
      if (test.expected.allowed && cors.length > 0) {
        fail(`${where}: allowed, yet Chromium reported ${JSON.stringify(cors)}`);
      }
      if (test.repeat > 1 && test.expected.allowed && test.expected.preflighted) {
        const method = test.steps[test.steps.length - 1].init.method;
        const n = preflights.filter((p) => urls.includes(p.url) && p.acrm === method).length;
        const want = matrix.max_age ? 1 : test.repeat;
        if (n !== want) fail(`${where}: ${n} preflights for ${test.repeat} requests, expected ${want} (max_age ${matrix.max_age})`);
      }
      console.log(`ok   ${where}: ${cell.allowed ? "allowed" : "blocked"} as the policy says`);
    }
  }
  // A live edit: a policy that no longer lists this page's origin, applied from the page. The
  // servers reload it without a restart and the cells follow the new policy.
  const allowedBefore = results.filter((r) => r.allowed).length;
  await page.click("#editor summary");
  await page.fill("#policy-text", 'allow_origins = ["https://elsewhere.example"]\n');
  await page.evaluate(() => { window.__demoDone = false; });
  await page.click("#apply");
  await page.waitForFunction(() => window.__demoDone === true, null, { timeout: 120000 });
  const edited = await page.evaluate(() => window.__demoResults);
  const stale = edited.filter((r) => !r.match);
  for (const r of stale) fail(`after the edit: [${r.server}] ${r.test}: browser ${r.allowed ? "allowed" : "blocked"}, the new policy says otherwise`);
  const allowedAfter = edited.filter((r) => r.allowed).length;
  if (allowedAfter >= allowedBefore) fail(`the edit changed nothing: ${allowedBefore} allowed cells before, ${allowedAfter} after`);
  console.log(`live edit: ${allowedBefore} allowed cells before, ${allowedAfter} after, every cell as the new policy says`);
  const passed = expectedCells - failures;
  console.log(`browser: ${passed} passed, ${failures} failed`);
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(failures ? 1 : 0);
