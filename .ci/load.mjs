// Load tool for a running `ft serve` (Node ≥ 20.10, run with --experimental-websocket on Node 20).
// Prints one line per measure; every figure is measured from this process, over loopback.
//
//   node --experimental-websocket .ci/load.mjs PORT push      [clients=4] [seconds=10]
//   node --experimental-websocket .ci/load.mjs PORT latency   [clients=50] [seconds=10]
//   node --experimental-websocket .ci/load.mjs PORT paced     [clients=50] [pushes per client per second=20] [seconds=10]
//   node --experimental-websocket .ci/load.mjs PORT live      [connections=500] [messages=200]
//   node --experimental-websocket .ci/load.mjs PORT pull      [changes=100000]
//   node --experimental-websocket .ci/load.mjs PORT versions  [documents=100] [versions=13]
import http from "node:http";
import { performance } from "node:perf_hooks";

const [port, mode, a, b, c] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

function call(method, path, body, token) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers = { "Content-Type": "application/json", "FT-Protocol": "1" };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (data) headers["Content-Length"] = data.length;
    const request = http.request({ host: "127.0.0.1", port, method, path, headers, agent }, (response) => {
      const chunks = [];
      response.on("data", (chunk) => chunks.push(chunk));
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: response.statusCode, body: text ? JSON.parse(text) : null });
      });
    });
    request.on("error", reject);
    if (data) request.write(data);
    request.end();
  });
}

async function signIn(email) {
  const { status, body } = await call("POST", "/api/v1/session", { email, password: "demo-financialtracker" });
  if (status !== 201) throw new Error(`sign-in of ${email}: ${status} ${JSON.stringify(body)}`);
  return body.token;
}

/** The demo client's conversation with the demo expert, from the client's snapshot. */
async function demoConversation(token) {
  const { body } = await call("GET", "/api/v1/sync/pull?cursor=0&limit=1", undefined, token);
  const message = body.snapshot.find((op) => op.collection === "message");
  if (!message) throw new Error("the demo client has no conversation");
  return message.fields.conversation;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))];
const ms = (value) => value.toFixed(2);
let counter = 0;
const stamp = Date.now();
function message(conversation, body) {
  counter += 1;
  const id = `load-${stamp}-${process.pid}-${counter}`;
  return {
    id, collection: "message", action: "insert", record: id,
    fields: { conversation, body }, hlc: `${String(Date.now()).padStart(16, "0")}-${String(counter % 100000).padStart(5, "0")}-load`,
  };
}

async function push(token, operations) {
  const { status, body } = await call("POST", "/api/v1/sync/push", { operations }, token);
  if (status !== 200) throw new Error(`push: ${status} ${JSON.stringify(body)}`);
  const refused = body.results.filter((r) => r.status !== "accepted");
  if (refused.length) throw new Error(`push refused: ${JSON.stringify(refused[0])}`);
  return body.results;
}

async function pushThroughput(clients = 4, seconds = 10) {
  const token = await signIn("client@financialtracker.example");
  const conversation = await demoConversation(token);
  const deadline = performance.now() + seconds * 1000;
  let operations = 0;
  const batchTimes = [];
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < deadline) {
      const batch = Array.from({ length: 100 }, (_, i) => message(conversation, `message de charge ${i}`));
      const t0 = performance.now();
      await push(token, batch);
      batchTimes.push(performance.now() - t0);
      operations += batch.length;
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  batchTimes.sort((x, y) => x - y);
  console.log(`push: ${operations} operations in batches of 100 from ${clients} clients in ${elapsed.toFixed(2)} s = ${Math.round(operations / elapsed).toLocaleString("en")} ops/s committed; batch p50 ${ms(percentile(batchTimes, 0.5))} ms, p99 ${ms(percentile(batchTimes, 0.99))} ms`);
}

async function pushLatency(clients = 50, seconds = 10) {
  const token = await signIn("client@financialtracker.example");
  const conversation = await demoConversation(token);
  const deadline = performance.now() + seconds * 1000;
  const times = [];
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      await push(token, [message(conversation, "un message")]);
      times.push(performance.now() - t0);
    }
  }));
  times.sort((x, y) => x - y);
  console.log(`one-operation push, ${clients} concurrent clients: ${times.length} pushes, ${Math.round(times.length / seconds)} /s; p50 ${ms(percentile(times, 0.5))} ms, p99 ${ms(percentile(times, 0.99))} ms, max ${ms(times[times.length - 1])} ms`);
}

/**
 * One-operation pushes at a set pace (an open loop): each client sends one push every
 * 1000 / perSecond ms whether or not its previous one was answered, as many phones each sending
 * now and then do. `latency` above is the closed loop at saturation: each client sends again the
 * moment it is answered, so its times are mostly the queue of the others (50 / throughput).
 */
async function pushPaced(clients = 50, perSecond = 20, seconds = 10) {
  const token = await signIn("client@financialtracker.example");
  const conversation = await demoConversation(token);
  const interval = 1000 / perSecond;
  const times = [];
  const trace = [];
  let failed = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, async (_, client) => {
    const pending = [];
    // Clients start spread over one interval, not all at once.
    for (let due = started + (interval * client) / clients; due < started + seconds * 1000; due += interval) {
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const t0 = performance.now();
      pending.push(push(token, [message(conversation, "un message")]).then(() => {
        times.push(performance.now() - t0);
        trace.push([Date.now() - (performance.now() - t0), performance.now() - t0]);
      }, () => { failed += 1; }));
    }
    await Promise.all(pending);
  }));
  // FT_LOAD_TRACE=file: each push's start (ms since the epoch) and time to its answer, to see when the slow ones happened.
  if (process.env.FT_LOAD_TRACE) (await import("node:fs")).writeFileSync(process.env.FT_LOAD_TRACE, JSON.stringify(trace));
  times.sort((x, y) => x - y);
  console.log(`one-operation push at a set pace, ${clients} clients × ${perSecond}/s = ${clients * perSecond} pushes/s: ${times.length} pushes; p50 ${ms(percentile(times, 0.5))} ms, p99 ${ms(percentile(times, 0.99))} ms, max ${ms(times[times.length - 1])} ms; ${failed} failed`);
  if (failed) process.exitCode = 1;
}

async function liveDelivery(connections = 500, messages = 200) {
  if (typeof WebSocket === "undefined") throw new Error("no WebSocket in this Node: run with --experimental-websocket (Node ≥ 20.10)");
  const clientToken = await signIn("client@financialtracker.example");
  const expertToken = await signIn("expert@financialtracker.example");
  // A conversation both see: the demo client's dossier with the demo expert.
  const conversations = async (token) => new Set((await call("GET", "/api/v1/sync/pull?cursor=0&limit=1", undefined, token)).body.snapshot
    .filter((op) => op.collection === "message").map((op) => op.fields.conversation));
  const expertSees = await conversations(expertToken);
  const conversation = [...await conversations(clientToken)].find((c) => expertSees.has(c));
  if (conversation === undefined) throw new Error("the demo client and the demo expert share no conversation");
  // Devices that are up to date: their cursor is the newest change.
  const [{ seq: cursor }] = await push(clientToken, [message(conversation, "début de la mesure")]);
  const sentAt = new Map();
  const latencies = [];
  let ready = 0;
  const sockets = [];
  await new Promise((resolve, reject) => {
    for (let i = 0; i < connections; i += 1) {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/api/v1/sync/live`);
      const token = i % 2 ? expertToken : clientToken;
      socket.onopen = () => socket.send(JSON.stringify({ type: "hello", protocol: 1, token, cursor }));
      socket.onerror = (event) => reject(new Error(`WebSocket error: ${event.message ?? event}`));
      let welcomed = false;
      socket.onmessage = (event) => {
        const now = performance.now();
        const frame = JSON.parse(event.data);
        if (frame.type === "welcome" && !welcomed) {
          welcomed = true;
          ready += 1;
          if (ready === connections) resolve();
        } else if (frame.type === "changes") {
          for (const change of frame.changes) {
            const sent = sentAt.get(change.operation.id);
            if (sent !== undefined) latencies.push(now - sent);
          }
        } else if (frame.type === "error") {
          reject(new Error(`live channel: ${frame.code} ${frame.message}`));
        }
      };
      sockets.push(socket);
    }
  });
  // Let each connection finish its catch-up.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  latencies.length = 0;
  for (let i = 0; i < messages; i += 1) {
    const operation = message(conversation, `en direct ${i}`);
    sentAt.set(operation.id, performance.now());
    await push(clientToken, [operation]);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  for (const socket of sockets) socket.close();
  const expected = connections * messages;
  latencies.sort((x, y) => x - y);
  console.log(`live delivery to ${connections} connections, ${messages} messages: ${latencies.length}/${expected} received; from push sent to receipt p50 ${ms(percentile(latencies, 0.5))} ms, p99 ${ms(percentile(latencies, 0.99))} ms, max ${ms(latencies[latencies.length - 1])} ms`);
  if (latencies.length !== expected) process.exitCode = 1;
}

async function pullReplica(wanted = 100000) {
  const token = await signIn("client@financialtracker.example");
  const conversation = await demoConversation(token);
  // Make sure the log holds at least `wanted` changes the client sees.
  const { body: head } = await call("GET", "/api/v1/sync/pull?cursor=0&limit=1", undefined, token);
  let visible = 0;
  for (let cursor = 0; ;) {
    const { body } = await call("GET", `/api/v1/sync/pull?cursor=${cursor}&limit=5000`, undefined, token);
    visible += body.changes.length;
    cursor = body.cursor;
    if (!body.hasMore) break;
  }
  while (visible < wanted) {
    const batch = Array.from({ length: Math.min(1000, wanted - visible) }, (_, i) => message(conversation, `historique ${i}`));
    for (let i = 0; i < batch.length; i += 100) await push(token, batch.slice(i, i + 100));
    visible += batch.length;
  }
  const runs = [];
  let count = 0;
  for (let run = 0; run < 3; run += 1) {
    const t0 = performance.now();
    count = head.snapshot.length * 0;
    let snapshot = 0;
    for (let cursor = 0; ;) {
      const { body } = await call("GET", `/api/v1/sync/pull?cursor=${cursor}&limit=5000`, undefined, token);
      if (body.snapshot) snapshot = body.snapshot.length;
      count += body.changes.length;
      cursor = body.cursor;
      if (!body.hasMore) break;
    }
    runs.push(performance.now() - t0);
    count += snapshot;
  }
  runs.sort((x, y) => x - y);
  console.log(`pull: a new device's replica of ${count.toLocaleString("en")} operations (snapshot + changes, pages of 5,000): median ${ms(runs[1])} ms of 3 runs (${runs.map(ms).join(", ")})`);
}

/** Raw bytes PUT to the server (a document upload). */
function put(path, bytes, token) {
  return new Promise((resolve, reject) => {
    const headers = { "Content-Type": "application/octet-stream", "FT-Protocol": "1", Authorization: `Bearer ${token}`, "Content-Length": bytes.length };
    const request = http.request({ host: "127.0.0.1", port, method: "PUT", path, headers, agent }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode));
    });
    request.on("error", reject);
    request.end(bytes);
  });
}

/** Sets up the archiving benchmark: DOCUMENTS new documents in the demo client's dossier, each
 * with VERSIONS uploaded versions of about 32 KB of invoice-like text (distinct, compressible). */
async function versionsSetup(documents = 100, versions = 13) {
  const token = await signIn("client@financialtracker.example");
  const { body } = await call("GET", "/api/v1/sync/pull?cursor=0&limit=1", undefined, token);
  const existing = body.snapshot.find((op) => op.collection === "document");
  if (!existing) throw new Error("the demo client has no document");
  const dossier = existing.fields.dossier;
  const hlc = (n) => `${String(Date.now()).padStart(16, "0")}-${String(n % 100000).padStart(5, "0")}-bench`;
  const ids = Array.from({ length: documents }, (_, d) => `bench-doc-${stamp}-${d}`);
  for (let start = 0; start < ids.length; start += 100) {
    const operations = ids.slice(start, start + 100).map((id, i) => ({
      id: `op-${id}`, collection: "document", action: "insert", record: id,
      fields: { dossier, title: `Facture ${start + i}`, category: "invoice" }, hlc: hlc(start + i),
    }));
    const answer = await call("POST", "/api/v1/sync/push", { operations }, token);
    if (answer.status !== 200) throw new Error(`creating documents: ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const t0 = performance.now();
  let bytes = 0;
  const jobs = [];
  for (let v = 0; v < versions; v += 1) for (const id of ids) jobs.push([id, v]);
  let next = 0;
  async function worker() {
    while (next < jobs.length) {
      const [id, v] = jobs[next++];
      const lines = [];
      for (let line = 0; line < 400; line += 1) {
        lines.push(`Ligne ${line} ; ${id} ; version ${v} ; montant ${(random() * 100000).toFixed(2)} EUR ; TVA ${(random() * 20).toFixed(1)} %`);
      }
      const content = Buffer.from(lines.join("\n"));
      bytes += content.length;
      const status = await put(`/api/v1/documents/${id}/versions/${id}-v${v}?fileName=facture-${v}.txt&hlc=${hlc(v)}`, content, token);
      if (status !== 201) throw new Error(`upload of ${id} v${v}: ${status}`);
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker));
  console.log(`versions: uploaded ${jobs.length} versions of ${documents} documents (${(bytes / 1048576).toFixed(1)} MiB) in ${ms((performance.now() - t0) / 1000)} s`);
}

const modes = { push: pushThroughput, latency: pushLatency, paced: pushPaced, live: liveDelivery, pull: pullReplica, versions: versionsSetup };
if (!modes[mode]) {
  console.error("usage: node --experimental-websocket .ci/load.mjs PORT push|latency|paced|live|pull|versions [args]");
  process.exit(2);
}
await modes[mode](...[a, b, c].filter((x) => x !== undefined).map(Number));
agent.destroy();
