// Runs one scenario of page.js in headless Debian Chromium (through playwright-core) against a
// protocol server, from a page on another origin, and prints what happened as one JSON line,
// `result: {"steps": [...], "network": [...]}`, for the Rust test to judge:
// - steps: what the page's client returned or threw, step by step;
// - network: what Chromium itself saw on the wire to the server (method, status, the request
//   headers the page set, the CORS error Chromium reported), preflights included, so that a
//   failure can be told apart from a dead server.
//
// It builds the page first: protoc with protoc-gen-es generates the demo service's code from
// examples/proto, esbuild bundles it with page.js and the npm clients (all pinned in
// package-lock.json), in a folder of its own.
//
// usage: node run.mjs SCENARIO SERVER_URL PAGE_PORT
//   SCENARIO: grpcWeb | connect | mcp | mcpSimplePost (see page.js)
import { chromium } from "playwright-core";
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const [scenario, serverUrl, pagePort] = process.argv.slice(2);
if (!scenario || !serverUrl || !pagePort) {
  console.error("usage: node run.mjs SCENARIO SERVER_URL PAGE_PORT");
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "cors-protocols-"));

function bundle() {
  const protoDir = join(here, "../../examples/proto");
  execFileSync(process.env.PROTOC || "protoc", [
    `--plugin=protoc-gen-es=${join(here, "node_modules/.bin/protoc-gen-es")}`,
    `--es_out=${scratch}`, "--es_opt=target=js", `-I${protoDir}`, "cors/demo/v1/demo.proto",
  ]);
  return build({
    entryPoints: [join(here, "page.js")],
    bundle: true, write: false, format: "esm", platform: "browser", target: "chrome120",
    alias: { demo_pb: join(scratch, "cors/demo/v1/demo_pb.js") },
    nodePaths: [join(here, "node_modules")],
    logLevel: "error",
  }).then((r) => r.outputFiles[0].text);
}

// The page's own origin: http://127.0.0.1:PAGE_PORT, a loopback port the server's is not.
function servePage(script) {
  const html = `<!doctype html><meta charset="utf-8"><title>protocols</title><script type="module" src="/page.js"></script>`;
  const server = createServer((req, res) => {
    if (req.url === "/page.js") {
      res.writeHead(200, { "content-type": "text/javascript" }).end(script);
    } else if (req.url === "/") {
      res.writeHead(200, { "content-type": "text/html" }).end(html);
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(Number(pagePort), "127.0.0.1", () => resolve(server));
  });
}

const script = await bundle();
const pageServer = await servePage(script);
const executablePath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const userDataDir = join(scratch, "chromium");
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath, headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let exitCode = 0;
try {
  const page = context.pages()[0] || (await context.newPage());
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  const network = new Map(); // requestId -> what Chromium saw, for the server's requests only
  // The request's headers, less the browser's own identification.
  const lower = (headers) => Object.fromEntries(Object.entries(headers || {})
    .map(([k, v]) => [k.toLowerCase(), v])
    .filter(([k]) => !k.startsWith("sec-ch-") && k !== "user-agent" && k !== "referer"));
  cdp.on("Network.requestWillBeSent", (e) => {
    if (!e.request.url.startsWith(serverUrl)) return;
    const h = lower(e.request.headers);
    network.set(e.requestId, {
      method: e.request.method,
      path: new URL(e.request.url).pathname,
      preflight: e.request.method === "OPTIONS" && "access-control-request-method" in h,
      headers: h,
    });
  });
  cdp.on("Network.responseReceived", (e) => {
    const r = network.get(e.requestId);
    if (r) r.status = e.response.status;
  });
  cdp.on("Network.loadingFailed", (e) => {
    const r = network.get(e.requestId);
    if (r && e.corsErrorStatus) r.corsError = e.corsErrorStatus.corsError;
    else if (r) r.failed = e.errorText;
  });
  await page.goto(`http://127.0.0.1:${pagePort}/`);
  await page.waitForFunction(() => window.scenarios !== undefined, null, { timeout: 30000 });
  const steps = await page.evaluate(([s, url]) => window.scenarios[s](url), [scenario, serverUrl]);
  // Requests still in flight (an event stream) settle before the report.
  await new Promise((r) => setTimeout(r, 200));
  console.log("result: " + JSON.stringify({ steps, network: [...network.values()] }));
} catch (e) {
  console.error("run.mjs: " + (e.stack || e));
  exitCode = 1;
} finally {
  await context.close();
  pageServer.close();
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(exitCode);
