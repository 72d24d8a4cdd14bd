// node --test: "No user can stall another" (issue 17), against a real `ft serve` on a seeded data
// directory. While one signed-in client (the attacker, client@) sends 1,000 malformed requests of
// every shape we could think of (support/no-stall-attack.mjs, from a worker thread so that building
// large bodies never delays the measurements here):
//   - every one must be refused: a 4xx with the JSON error body {"error", "message", "field"?}
//     naming the problem, or a 200 with each operation rejected with its code (and field); no 5xx,
//     nothing malformed accepted (checked in the answers, on every live channel and in SQLite);
//   - 50 live channels of the other users (client2, expert, admin; several sessions each) stay
//     open, and each of their own valid changes, pushed during the attack, reaches every one of
//     their channels within 1 s;
//   - GET /healthz, polled every 100 ms, answers within 1 s;
// and at the end the server, sent SIGTERM with those channels still open, exits within 5 s.
//
//   node --experimental-websocket --test Tests/sync/no-stall.test.mjs
//   SEED=7 ATTACKS=1000 CONCURRENCY=8 KEEP=1 node --experimental-websocket --test Tests/sync/no-stall.test.mjs
//
// Without --experimental-websocket (node 20 has no global WebSocket otherwise) the file runs
// itself again with it. Needs the built binary (.build/debug/ft or FT_BINARY; never built here);
// the SQLite checks are skipped when the `sqlite3` tool is missing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { Worker } from "node:worker_threads";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { compact, FTServer, hasSqlite3, seededDataDir, sqliteRows } from "./support/ft-server.mjs";
import http from "node:http";
import { hlc, httpRequest } from "./support/no-stall-attack.mjs";

const SEED = Number(process.env.SEED ?? 17);
const ATTACKS = Number(process.env.ATTACKS ?? 1000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 8);
const PASSWORD = "demo-financialtracker";
const ATTACKER = "client@financialtracker.example";
const DELIVERY_LIMIT = 1_000;
const HEALTH_LIMIT = 1_000;
const EXIT_LIMIT = 5_000;
const sleep = (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds));
const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))] : NaN);
const ms = (value) => (Number.isFinite(value) ? `${value.toFixed(1)} ms` : "n/a");

if (typeof WebSocket === "undefined") {
  test("no user can stall another (run again with --experimental-websocket)", { timeout: 240_000 }, async () => {
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT; // the child reports as a plain run (TAP text), not to this runner
    const child = spawn(process.execPath, ["--experimental-websocket", fileURLToPath(import.meta.url)], { stdio: ["ignore", "pipe", "pipe"], env });
    let output = "";
    child.stdout.on("data", (chunk) => { output += chunk; });
    child.stderr.on("data", (chunk) => { output += chunk; });
    const code = await new Promise((resolve) => child.on("exit", resolve));
    console.log(output);
    assert.equal(code, 0, "the run with --experimental-websocket failed (its output is above)");
  });
} else {
  test("no user can stall another: 1,000 malformed requests beside 50 live channels", { timeout: 240_000 }, run);
}

/** Kept-alive connections for the calls here (node:http, not fetch: see httpRequest). */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** A JSON call to the server: `{status, body}`. */
async function call(baseURL, method, path, body, token) {
  const headers = { "Content-Type": "application/json", "FT-Protocol": "1" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const { status, text } = await httpRequest(`${baseURL}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), timeout: 20_000, agent });
  return { status, body: text ? JSON.parse(text) : null };
}

async function run() {
  const began = performance.now();
  const data = await seededDataDir({ experts: 20, clients: 60, today: "2026-11-20" });
  const server = new FTServer({ dataDir: data.dataDir, env: data.env });
  /** @type {WebSocket[]} */
  const sockets = [];
  const violations = [];
  const violate = (text) => { if (violations.length < 500) violations.push(text); };
  let shuttingDown = false;
  try {
    await server.start();
    // FTServer.start asked /healthz with fetch: undici keeps that connection for 4 s and would send
    // a WebSocket's upgrade on it, which Hummingbird answers 307 + close (it upgrades only a
    // connection's first request), leaving that socket never open. The channels open after it.
    const fetchIdleUntil = performance.now() + 4_500;
    const base = server.baseURL;
    const api = (method, path, body, token) => call(base, method, path, body, token);

    // --- Accounts: the attacker, and several sessions of each other demo user --------------------
    const signIn = async (email) => {
      const { status, body } = await api("POST", "/api/v1/session", { email, password: PASSWORD });
      assert.equal(status, 201, `sign-in of ${email}: ${status} ${JSON.stringify(body)}`);
      return body.token;
    };
    const emails = { client2: "client2@financialtracker.example", expert: "expert@financialtracker.example", admin: "admin@financialtracker.example" };
    const sessionCounts = { client2: 3, expert: 3, admin: 2 };
    const [attackerToken, ...victimTokens] = await Promise.all([
      signIn(ATTACKER),
      ...Object.entries(sessionCounts).flatMap(([who, count]) => Array.from({ length: count }, () => signIn(emails[who]))),
    ]);
    const tokens = {};
    let offset = 0;
    for (const [who, count] of Object.entries(sessionCounts)) { tokens[who] = victimTokens.slice(offset, offset + count); offset += count; }
    const me = async (token) => (await api("GET", "/api/v1/me", undefined, token)).body;
    const dossiers = async (token) => (await api("GET", "/api/v1/me/dossiers?limit=500", undefined, token)).body.dossiers;
    const snapshot = async (token) => (await api("GET", "/api/v1/sync/pull?cursor=0&limit=1", undefined, token)).body.snapshot;
    const users = { attacker: await me(attackerToken), client2: await me(tokens.client2[0]), expert: await me(tokens.expert[0]), admin: await me(tokens.admin[0]) };

    // What each one may write: conversations and steps from GET /me/dossiers.
    const attackerDossiers = await dossiers(attackerToken);
    const shared = attackerDossiers.find((d) => d.conversation && d.experts.some((e) => e.userId === users.expert.id));
    assert.ok(shared, "the demo client shares no dossier with the demo expert");
    const client2Dossier = (await dossiers(tokens.client2[0])).find((d) => d.conversation && d.steps.some((s) => s.assigneeRole === "client"));
    assert.ok(client2Dossier, "client2 has no dossier with a conversation and a client step");
    const attackerConversations = new Set(attackerDossiers.map((d) => d.conversation));
    const expertDossier = (await dossiers(tokens.expert[0])).find((d) => d.conversation && !attackerConversations.has(d.conversation) && d.steps.some((s) => s.assigneeRole === "expert"));
    assert.ok(expertDossier, "the demo expert has no dossier of its own (not the attacker's)");
    const adminDossier = (await dossiers(tokens.admin[0])).find((d) => d.conversation && ![users.attacker.id, users.client2.id].includes(d.clientUserId)
      && !d.experts.some((e) => e.userId === users.expert.id) && d.steps.some((s) => s.assigneeRole === "admin"));
    assert.ok(adminDossier, "no dossier for the admin's own changes");
    const attackerSnapshot = await snapshot(attackerToken);
    const client2Snapshot = await snapshot(tokens.client2[0]);
    const ownDocument = attackerSnapshot.find((o) => o.collection === "document" && o.fields.dossier === shared.id) ?? attackerSnapshot.find((o) => o.collection === "document");
    const ownVersion = attackerSnapshot.find((o) => o.collection === "documentVersion");
    const ownMessage = attackerSnapshot.find((o) => o.collection === "message" && o.actor.user === users.attacker.id);
    const foreignMessage = client2Snapshot.find((o) => o.collection === "message");
    const foreignDocument = client2Snapshot.find((o) => o.collection === "document");
    assert.ok(ownDocument && ownVersion && ownMessage && foreignMessage && foreignDocument, "the seeded snapshots lack a message, document or version");

    // --- Valid changes of the others: the log gets ids to steal, then is compacted ----------------
    let counter = 0;
    const pushValid = async (token, operation) => {
      const { status, body } = await api("POST", "/api/v1/sync/push", { operations: [operation] }, token);
      assert.equal(status, 200, `push ${operation.id}: ${status} ${JSON.stringify(body)}`);
      return body.results[0];
    };
    const message = (id, conversation, text, node) => ({ id, collection: "message", action: "insert", record: id, fields: { conversation, body: text }, hlc: hlc(node, 0, ++counter) });
    const expertMessage = `ex-setup-shared-${SEED}`;
    const taken = { compacted: [], log: [], refused: [] };
    for (let k = 0; k < 3; k++) {
      const id = `c2-setup-${k}`;
      assert.equal((await pushValid(tokens.client2[0], message(id, client2Dossier.conversation, `préparation ${k}`, "c2setup"))).status, "accepted");
      taken.compacted.push(id);
    }
    const lastCompacted = await pushValid(tokens.expert[0], message(expertMessage, shared.conversation, "Bonjour, je suis votre expert.", "exsetup"));
    assert.equal(lastCompacted.status, "accepted");
    taken.compacted.push(expertMessage);
    await compact(data);
    const afterCompaction = await api("GET", "/api/v1/sync/pull?cursor=1&limit=1", undefined, attackerToken);
    assert.equal(afterCompaction.body?.reset, true, `the log was not compacted: pull from 1 answered ${JSON.stringify(afterCompaction.body).slice(0, 200)}`);
    let latest = 0;
    for (let k = 0; k < 2; k++) {
      const id = `c2-log-${k}`;
      const result = await pushValid(tokens.client2[0], message(id, client2Dossier.conversation, `dans le journal ${k}`, "c2log"));
      assert.equal(result.status, "accepted");
      latest = Math.max(latest, result.seq);
      taken.log.push(id);
      const expertId = `ex-log-${k}`;
      const expertResult = await pushValid(tokens.expert[0], message(expertId, expertDossier.conversation, `journal expert ${k}`, "exlog"));
      latest = Math.max(latest, expertResult.seq);
      taken.log.push(expertId);
    }
    const refused = await pushValid(tokens.client2[0], message("c2-refused-0", shared.conversation, "pas chez moi", "c2log"));
    assert.equal(refused.status, "rejected", "client2 wrote in the attacker's conversation");
    taken.refused.push("c2-refused-0");
    const horizon = lastCompacted.seq; // the compacted part of the log ends there
    assert.ok(horizon > 1, `the compaction horizon (${horizon}) leaves no compacted cursor to try`);

    // --- 50 live channels of the other users, and one of the attacker's ----------------------------
    const plan = [...Array(17).fill("client2"), ...Array(17).fill("expert"), ...Array(16).fill("admin")];
    const perUser = { client2: [], expert: [], admin: [], attacker: [] };
    /** opId → {who, sentAt, arrivals: Map<socketIndex, time>} */
    const watched = new Map();
    const foreignConversations = [client2Dossier.conversation, expertDossier.conversation, adminDossier.conversation];
    const openSocket = (who, token, index) => new Promise((resolve, reject) => {
      const socket = new WebSocket(`${base.replace(/^http/, "ws")}/api/v1/sync/live`);
      socket.who = who;
      socket.index = index;
      socket.lastCursor = latest;
      socket.closedAt = null;
      const timer = setTimeout(() => reject(new Error(`live channel ${index} (${who}): no welcome within 10 s`)), 10_000);
      socket.onopen = () => socket.send(JSON.stringify({ type: "hello", protocol: 1, token, cursor: latest }));
      socket.onmessage = (event) => {
        const now = performance.now();
        const frame = JSON.parse(event.data);
        if (frame.type === "welcome") {
          clearTimeout(timer);
          resolve(socket);
        } else if (frame.type === "changes") {
          if (frame.cursor < socket.lastCursor) violate(`live channel ${index} (${who}): cursor went back from ${socket.lastCursor} to ${frame.cursor}`);
          socket.lastCursor = Math.max(socket.lastCursor, frame.cursor);
          for (const change of frame.changes) {
            const operation = change.operation;
            if (operation.id.startsWith("atk-") && !operation.id.startsWith("atk-ok-")) violate(`live channel ${index} (${who}) received the attacker's operation ${operation.id}: a malformed operation was accepted (${JSON.stringify(operation).slice(0, 300)})`);
            if (operation.actor?.user === users.attacker.id && !operation.id.startsWith("atk-ok-")) violate(`live channel ${index} (${who}) received an unexpected change by the attacker: ${JSON.stringify(operation).slice(0, 300)}`);
            if (who === "attacker" && foreignConversations.includes(operation.fields?.conversation)) violate(`the attacker's live channel received another user's message: ${operation.id}`);
            const entry = watched.get(operation.id);
            if (entry && entry.who === who && !entry.arrivals.has(index)) entry.arrivals.set(index, now);
          }
        } else if (frame.type === "error") {
          violate(`live channel ${index} (${who}) got an error: ${JSON.stringify(frame)}`);
        }
      };
      socket.onclose = (event) => {
        socket.closedAt = performance.now();
        clearTimeout(timer);
        if (!shuttingDown) violate(`live channel ${index} (${who}) closed during the test (${event.code} ${event.reason})`);
        reject(new Error(`live channel ${index} (${who}) closed before its welcome`));
      };
      socket.onerror = () => {};
    });
    await sleep(Math.max(0, fetchIdleUntil - performance.now()));
    const opened = await Promise.all(plan.map((who, index) => openSocket(who, tokens[who][index % tokens[who].length], index)));
    opened.push(await openSocket("attacker", attackerToken, plan.length));
    for (const socket of opened) { sockets.push(socket); perUser[socket.who].push(socket.index); }
    assert.equal(sockets.length, 51);

    // --- The attack, with the others' changes and /healthz measured meanwhile ----------------------
    const ctx = {
      baseURL: base, token: attackerToken, seed: SEED, count: ATTACKS, concurrency: CONCURRENCY, latest, horizon,
      attackerEmail: ATTACKER, attackerUser: users.attacker.id, clientId: users.attacker.client, expertId: users.expert.expert, expertUser: users.expert.id,
      foreignUser: users.client2.id, foreignClientId: users.client2.client,
      ownConversation: shared.conversation, ownDossier: shared.id,
      ownStep: shared.steps.find((s) => s.assigneeRole === "client").id, expertStepOfOwnDossier: shared.steps.find((s) => s.assigneeRole === "expert").id,
      ownMessage: ownMessage.record, ownDocument: ownDocument.record, ownVersion: ownVersion.record, expertMessage,
      foreignConversation: client2Dossier.conversation, foreignDossier: client2Dossier.id, foreignStep: client2Dossier.steps.find((s) => s.assigneeRole === "client").id,
      foreignMessage: foreignMessage.record, foreignDocument: foreignDocument.record, foreignConversations,
      takenIds: taken,
    };
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    let attacking = true;
    const attackStarted = performance.now();
    const worker = new Worker(new URL("./support/no-stall-attack.mjs", import.meta.url), { workerData: { noStallAttack: ctx } });
    const attackDone = new Promise((resolve, reject) => {
      worker.on("message", (message) => (message.type === "done" ? resolve(message.outcome) : reject(new Error(message.error))));
      worker.on("error", reject);
      worker.on("exit", (code) => reject(new Error(`the attack worker exited (${code}) without results`)));
    });

    const health = { times: [], failures: 0 };
    const healthAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const healthLoop = (async () => {
      while (attacking) {
        const due = performance.now() + 100;
        const started = performance.now();
        try {
          const response = await httpRequest(`${base}/healthz`, { timeout: 10_000, agent: healthAgent });
          const text = response.text;
          const elapsed = performance.now() - started;
          health.times.push(elapsed);
          if (response.status !== 200 || JSON.parse(text).status !== "ok") { health.failures++; violate(`/healthz answered ${response.status} ${text.slice(0, 100)}`); }
          if (elapsed > HEALTH_LIMIT) violate(`/healthz took ${elapsed.toFixed(0)} ms (at ${((started - attackStarted) / 1000).toFixed(1)} s into the attack)`);
        } catch (error) {
          health.failures++;
          violate(`/healthz failed after ${(performance.now() - started).toFixed(0)} ms: ${error}`);
        }
        await sleep(Math.max(0, due - performance.now()));
      }
    })();

    const victims = [
      ["client2", (n) => message(`c2-live-${n}`, client2Dossier.conversation, `message ${n} de client2`, "c2live")],
      ["expert", (n) => message(`ex-live-${n}`, expertDossier.conversation, `message ${n} de l'expert`, "exlive")],
      ["admin", (n) => ({ id: `ad-live-${n}`, collection: "step", action: "update", record: String(adminDossier.steps.find((s) => s.assigneeRole === "admin").id), fields: { progress: n % 101 }, hlc: hlc("adlive", 0, n) })],
      ["client2", (n) => ({ id: `c2-step-${n}`, collection: "step", action: "update", record: String(ctx.foreignStep), fields: { progress: n % 101 }, hlc: hlc("c2live", 0, n) })],
      ["expert", (n) => ({ id: `ex-step-${n}`, collection: "step", action: "update", record: String(expertDossier.steps.find((s) => s.assigneeRole === "expert").id), fields: { progress: n % 101 }, hlc: hlc("exlive", 0, n) })],
      ["admin", (n) => message(`ad-live-msg-${n}`, adminDossier.conversation, `message ${n} de l'admin`, "adlive")],
    ];
    const pushTimes = [];
    const victimPushes = [];
    const victimLoop = (async () => {
      for (let n = 0; attacking || n < 30; n++) {
        const [who, make] = victims[n % victims.length];
        const operation = make(n);
        const token = tokens[who][n % tokens[who].length];
        const entry = { who, sentAt: performance.now(), arrivals: new Map(), answered: null };
        watched.set(operation.id, entry);
        victimPushes.push((async () => {
          try {
            const { status, body } = await api("POST", "/api/v1/sync/push", { operations: [operation] }, token);
            entry.answered = performance.now();
            pushTimes.push(entry.answered - entry.sentAt);
            if (status !== 200 || body.results[0].status !== "accepted") violate(`${who}'s valid push ${operation.id} was not accepted: ${status} ${JSON.stringify(body).slice(0, 300)}`);
          } catch (error) {
            violate(`${who}'s valid push ${operation.id} failed: ${error}`);
          }
        })());
        await sleep(150);
      }
    })();

    let outcome;
    try {
      outcome = await attackDone;
    } finally {
      attacking = false;
      await worker.terminate();
    }
    const attackSeconds = (performance.now() - attackStarted) / 1000;
    await victimLoop;
    await Promise.all(victimPushes);
    await healthLoop;
    healthAgent.destroy();
    await sleep(DELIVERY_LIMIT + 200); // the last changes' deadline
    loopDelay.disable();

    // --- Judge ----------------------------------------------------------------------------------
    const lines = [];
    let sent = 0;
    let refusedAsExpected = 0;
    lines.push(`no-stall: seed ${SEED}, ${ATTACKS} malformed requests from ${ATTACKER} (${CONCURRENCY} at a time) in ${outcome.seconds.toFixed(1)} s, ${Object.keys(outcome.results).length} shapes:`);
    for (const [name, result] of Object.entries(outcome.results)) {
      sent += result.sent;
      refusedAsExpected += result.refused;
      const statuses = Object.entries(result.statuses).map(([status, count]) => `${status}×${count}`).join(" ");
      lines.push(`  ${result.problems.length ? "FAIL" : "ok  "} ${name.padEnd(52)} ${String(result.refused).padStart(3)}/${String(result.sent).padEnd(3)} ${statuses}${result.slowest > 1000 ? `  slowest ${result.slowest.toFixed(0)} ms` : ""}`);
      for (const problem of result.problems.slice(0, 3)) violate(`${name} ${problem}`);
      if (result.problems.length > 3) violate(`${name}: ${result.problems.length - 3} more like these`);
    }
    lines.push(`  refused as expected: ${refusedAsExpected}/${sent}`);
    lines.push(`  control (an edit before its insert in one batch, documented as applied in HLC order; an edit older than its insert, refused, then sent again): ${outcome.control.sent} pushes, ${outcome.control.accepted.length} operations accepted, ${outcome.control.problems.length} problems`);
    for (const problem of outcome.control.problems.slice(0, 5)) violate(`control: ${problem}`);
    assert.equal(sent, ATTACKS);

    const latencies = [];
    const perWho = { client2: [], expert: [], admin: [] };
    for (const [id, entry] of watched) {
      const late = [];
      const missing = [];
      for (const index of perUser[entry.who]) {
        const arrived = entry.arrivals.get(index);
        if (arrived === undefined) { missing.push(index); continue; }
        const latency = arrived - entry.sentAt;
        latencies.push(latency);
        perWho[entry.who].push(latency);
        if (latency > DELIVERY_LIMIT) late.push(latency);
      }
      const when = `sent ${((entry.sentAt - attackStarted) / 1000).toFixed(1)} s into the attack, push answered after ${entry.answered === null ? "never" : `${(entry.answered - entry.sentAt).toFixed(0)} ms`}`;
      if (missing.length) violate(`${id} (${entry.who}) never reached ${missing.length} of its ${perUser[entry.who].length} live channels (${when})`);
      if (late.length) violate(`${id} (${entry.who}) reached ${late.length} of its ${perUser[entry.who].length} live channels after more than ${DELIVERY_LIMIT} ms (${Math.min(...late).toFixed(0)}–${Math.max(...late).toFixed(0)} ms; ${when})`);
    }
    latencies.sort((a, b) => a - b);
    pushTimes.sort((a, b) => a - b);
    const sortedHealth = [...health.times].sort((a, b) => a - b);
    lines.push(`live delivery of the others' ${watched.size} valid changes to their own channels (${perUser.client2.length} client2, ${perUser.expert.length} expert, ${perUser.admin.length} admin; from the push's start): ${latencies.length} deliveries, p50 ${ms(percentile(latencies, 0.5))}, p99 ${ms(percentile(latencies, 0.99))}, max ${ms(latencies.at(-1))}`);
    for (const [who, values] of Object.entries(perWho)) {
      values.sort((a, b) => a - b);
      lines.push(`  ${who}: ${values.length} deliveries, p50 ${ms(percentile(values, 0.5))}, max ${ms(values.at(-1))}`);
    }
    lines.push(`their pushes: ${pushTimes.length}, p50 ${ms(percentile(pushTimes, 0.5))}, max ${ms(pushTimes.at(-1))}`);
    lines.push(`/healthz every 100 ms during the attack (${attackSeconds.toFixed(1)} s): ${health.times.length} answers, ${health.failures} failures, p50 ${ms(percentile(sortedHealth, 0.5))}, max ${ms(sortedHealth.at(-1))}`);
    lines.push(`this process's event-loop delay (the measurer's own lag): max ${ms(loopDelay.max / 1e6)}`);

    // Nothing malformed stored: the attacker's only changes are the control batches' operations.
    if (await hasSqlite3()) {
      const attackerChanges = await sqliteRows(data.database, `SELECT operationId FROM syncChange WHERE actorId = ${users.attacker.id}`);
      const unexpected = attackerChanges.filter((row) => !row.operationId.startsWith("atk-ok-"));
      if (unexpected.length) violate(`the log holds ${unexpected.length} changes of the attacker that are not the control batches': ${unexpected.slice(0, 5).map((row) => row.operationId).join(", ")}`);
      const expected = new Set(outcome.control.accepted);
      if (attackerChanges.length !== expected.size) violate(`the log holds ${attackerChanges.length} changes of the attacker, ${expected.size} were answered accepted`);
      const messages = await sqliteRows(data.database, `SELECT id FROM message WHERE id LIKE 'atk-%' AND id NOT LIKE 'atk-ok-%' OR instr(body, char(0)) > 0`);
      if (messages.length) violate(`messages stored from malformed operations: ${messages.slice(0, 5).map((row) => row.id).join(", ")}`);
      const documents = await sqliteRows(data.database, `SELECT count(*) AS n FROM document WHERE id LIKE 'atk-%'`);
      if (documents[0].n) violate(`${documents[0].n} documents stored from malformed operations`);
      lines.push(`SQLite: ${attackerChanges.length} changes by the attacker in the log (the control batches' accepted operations: ${expected.size}), no malformed message or document stored`);
    } else {
      lines.push("SQLite: not checked (no sqlite3 tool)");
    }

    // --- SIGTERM with the channels open ------------------------------------------------------------
    shuttingDown = true;
    const child = server.child;
    assert.ok(child && child.exitCode === null, "the server is no longer running");
    const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    const termAt = performance.now();
    child.kill("SIGTERM");
    const exit = await Promise.race([exited, sleep(EXIT_LIMIT).then(() => null)]);
    const exitMilliseconds = performance.now() - termAt;
    if (exit === null) violate(`the server did not exit within ${EXIT_LIMIT / 1000} s of SIGTERM (with ${sockets.length} live channels open)`);
    else if (exit.code !== 0) violate(`the server exited with ${exit.code ?? exit.signal} after SIGTERM`);
    await sleep(200);
    const stillOpen = sockets.filter((socket) => socket.closedAt === null).length;
    lines.push(exit === null ? `SIGTERM: still running after ${EXIT_LIMIT / 1000} s` : `SIGTERM with ${sockets.length} live channels open: exited (${exit.code ?? exit.signal}) in ${exitMilliseconds.toFixed(0)} ms; ${sockets.length - stillOpen} channels saw the close`);
    lines.push(`total ${((performance.now() - began) / 1000).toFixed(1)} s; ${violations.length} violations`);
    console.log(lines.join("\n"));
    if (violations.length) console.log(`VIOLATIONS:\n  ${violations.join("\n  ")}\nserver log (end):\n${server.log.slice(-3000)}`);
    assert.equal(violations.length, 0, `${violations.length} violations (listed above), first: ${violations[0]}`);
  } finally {
    shuttingDown = true;
    for (const socket of sockets) try { socket.close(); } catch {}
    agent.destroy();
    await server.close();
    if (process.env.KEEP) console.log(`kept ${data.root}`);
    else data.remove();
  }
}
