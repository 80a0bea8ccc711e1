// The page the protocol browser tests load, bundled by run.mjs with esbuild: each scenario
// calls a server on another origin with the protocol's own browser client and reports every
// step, `{ step, ok, value }` or `{ step, ok: false, error }`, so that the test sees what the
// page could read and what failed.
import { createClient, ConnectError } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
// Generated from examples/proto/cors/demo/v1/demo.proto by protoc-gen-es (run.mjs).
import { DemoService } from "demo_pb";

const describe = (e) =>
  e instanceof ConnectError
    ? { code: e.code, message: e.rawMessage, text: String(e) }
    : { text: String((e && e.stack) || e) };

async function step(steps, name, run) {
  try {
    steps.push({ step: name, ok: true, value: await run() });
  } catch (e) {
    steps.push({ step: name, ok: false, error: describe(e) });
  }
}

// A unary call, its headers and trailers as the page can read them.
async function greet(client, name) {
  let header = {};
  let trailer = {};
  const response = await client.greet(
    { name },
    {
      onHeader: (h) => (header = Object.fromEntries(h)),
      onTrailer: (t) => (trailer = Object.fromEntries(t)),
    },
  );
  return { greeting: response.greeting, header, trailer };
}

async function count(client, upTo) {
  const numbers = [];
  for await (const message of client.count({ upTo })) numbers.push(message.number);
  return numbers;
}

// connect-web's gRPC-Web transport: a unary call, a server stream, an error.
async function grpcWeb(baseUrl) {
  const client = createClient(DemoService, createGrpcWebTransport({ baseUrl }));
  const steps = [];
  await step(steps, "greet", () => greet(client, "ada"));
  await step(steps, "count", () => count(client, 3));
  await step(steps, "greet fail", () => greet(client, "fail"));
  return steps;
}

// connect-web's Connect transport: a unary POST, a server stream, then the same unary call
// as a GET (Greet has no side effects), each unary one with its trailer.
async function connect(baseUrl) {
  const steps = [];
  const post = createClient(DemoService, createConnectTransport({ baseUrl }));
  await step(steps, "greet POST", () => greet(post, "ada"));
  await step(steps, "count", () => count(post, 3));
  await step(steps, "greet fail", () => greet(post, "fail"));
  const get = createClient(DemoService, createConnectTransport({ baseUrl, useHttpGet: true }));
  await step(steps, "greet GET", () => greet(get, "grace"));
  return steps;
}

// The MCP SDK's Streamable HTTP client: initialize (the session id read from the answer),
// list the tools, call echo (the session id sent back), end the session.
async function mcp(baseUrl) {
  const steps = [];
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", baseUrl));
  const client = new Client({ name: "cors-toolkit-browser-test", version: "1.0.0" });
  await step(steps, "initialize", async () => {
    await client.connect(transport);
    return { sessionId: transport.sessionId ?? null, server: client.getServerVersion() };
  });
  await step(steps, "list tools", async () => (await client.listTools()).tools.map((t) => t.name));
  await step(steps, "call echo", async () => {
    const result = await client.callTool({ name: "echo", arguments: { text: "hi from the page" } });
    return result.content.map((c) => c.text);
  });
  await step(steps, "end session", async () => {
    await transport.terminateSession();
    return transport.sessionId ?? null;
  });
  await client.close().catch(() => {});
  return steps;
}

// A request a page may send to any origin without asking (a simple POST, no preflight): a
// tool call, to show what the server does with a disallowed origin's request that arrives.
async function mcpSimplePost(baseUrl) {
  const steps = [];
  await step(steps, "simple POST", async () => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text: "x" } } });
    const response = await fetch(new URL("/mcp", baseUrl), { method: "POST", mode: "no-cors", headers: { "content-type": "text/plain" }, body });
    return response.type;
  });
  return steps.concat(await mcp(baseUrl));
}

window.scenarios = { grpcWeb, connect, mcp, mcpSimplePost };
