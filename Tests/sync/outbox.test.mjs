// node --test: sync/outbox.js with a fake storage, push and timers — order, batches, what leaves
// the outbox on each answer, retries after a failure with backoff, splitting, no duplicates.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Backoff } from "../../sync/backoff.js";
import { compareOperations, Outbox } from "../../sync/outbox.js";
import { SyncError } from "../../sync/protocol.js";

function memoryStorage() {
  const map = new Map();
  return {
    map,
    all: async () => [...map.values()].map((operation) => structuredClone(operation)),
    put: async (operation) => void map.set(operation.id, structuredClone(operation)),
    remove: async (ids) => ids.forEach((id) => map.delete(id)),
  };
}

function fakeTimers() {
  const pending = [];
  return {
    pending,
    setTimeout: (callback, milliseconds) => {
      const handle = { callback, milliseconds };
      pending.push(handle);
      return handle;
    },
    clearTimeout: (handle) => {
      const index = pending.indexOf(handle);
      if (index >= 0) pending.splice(index, 1);
    },
    fire() {
      const handle = pending.shift();
      handle.callback();
      return handle.milliseconds;
    },
  };
}

const op = (n, millis = 1000 + n, node = "dev") => ({
  id: `op-${n}`, collection: "message", action: "insert", record: `m-${n}`,
  fields: { conversation: 1, body: `message ${n}` }, hlc: `${String(millis).padStart(16, "0")}-00000-${node}`, actor: { user: 7, role: "client" },
});

/** A server that remembers what it applied (idempotent on ids) and answers each operation. */
function fakeServer({ reject = () => null, failures = [] } = {}) {
  const applied = new Map();
  const calls = [];
  const push = async (operations) => {
    calls.push(operations.map((operation) => operation.id));
    const failure = failures.shift();
    if (failure) throw failure;
    return operations.map((operation) => {
      const refusal = reject(operation);
      if (refusal) return { operation: operation.id, status: "rejected", rejection: refusal };
      if (!applied.has(operation.id)) applied.set(operation.id, applied.size + 1);
      return { operation: operation.id, status: "accepted", seq: applied.get(operation.id) };
    });
  };
  return { push, applied, calls };
}

test("sends oldest first by HLC, whatever the order of storage", async () => {
  const storage = memoryStorage();
  const server = fakeServer();
  const outbox = new Outbox({ storage, push: server.push, timers: fakeTimers() });
  for (const n of [3, 1, 2]) await outbox.add(op(n));
  const report = await outbox.flush();
  assert.deepEqual(server.calls, [["op-1", "op-2", "op-3"]]);
  assert.equal(report.accepted.length, 3);
  assert.equal(report.remaining, 0);
  assert.equal(storage.map.size, 0);
  assert.ok(compareOperations(op(1, 5, "a"), op(2, 5, "b")) < 0);
});

test("batches of batchSize; a rejected operation leaves the outbox and is reported, the others are applied", async () => {
  const storage = memoryStorage();
  const server = fakeServer({ reject: (operation) => (operation.id === "op-2" ? { code: "forbidden", message: "not allowed on this dossier" } : null) });
  const settled = [];
  const outbox = new Outbox({ storage, push: server.push, batchSize: 2, timers: fakeTimers(), onSettled: (s) => settled.push(s) });
  for (const n of [1, 2, 3]) await outbox.add(op(n));
  const report = await outbox.flush();
  assert.deepEqual(server.calls, [["op-1", "op-2"], ["op-3"]]);
  assert.deepEqual(report.rejected.map((r) => [r.operation.id, r.rejection.code]), [["op-2", "forbidden"]]);
  assert.deepEqual([...server.applied.keys()], ["op-1", "op-3"]);
  assert.equal(storage.map.size, 0);
  assert.equal(settled.length, 2);
});

test("a network failure keeps everything and retries after a growing backoff; nothing is applied twice", async () => {
  const storage = memoryStorage();
  const network = new SyncError(0, "network", "offline");
  const server = fakeServer({ failures: [network, network] });
  const timers = fakeTimers();
  const outbox = new Outbox({ storage, push: server.push, timers, backoff: new Backoff({ base: 100, random: () => 0 }) });
  await outbox.add(op(1));
  await outbox.add(op(2));
  let report = await outbox.flush();
  assert.equal(report.error.code, "network");
  assert.equal(storage.map.size, 2);
  assert.equal(timers.pending.length, 1);
  assert.equal(timers.fire(), 100);
  await outbox.running;
  assert.equal(timers.fire(), 200);
  report = await outbox.running;
  assert.equal(report.error, null);
  assert.equal(storage.map.size, 0);
  // A forced retry of the same operations (a lost answer, another tab): acknowledged, not re-applied.
  await storage.put(op(1));
  await storage.put(op(2));
  report = await outbox.flush();
  assert.equal(report.accepted.length, 2);
  assert.equal(server.applied.size, 2);
  assert.deepEqual([...server.applied.values()], [1, 2]);
});

test("the backoff resets after a success", async () => {
  const storage = memoryStorage();
  const network = new SyncError(503, "unavailable", "later");
  const server = fakeServer({ failures: [network] });
  const backoff = new Backoff({ base: 100, random: () => 0 });
  const outbox = new Outbox({ storage, push: server.push, timers: fakeTimers(), backoff });
  await outbox.add(op(1));
  await outbox.flush();
  assert.equal(backoff.attempt, 1);
  await outbox.flush();
  assert.equal(backoff.attempt, 0);
});

test("batch_too_large splits the batch; an unreadable single operation is dropped as rejected", async () => {
  const storage = memoryStorage();
  const calls = [];
  const push = async (operations) => {
    calls.push(operations.length);
    if (operations.length > 2) throw new SyncError(413, "batch_too_large", "too many");
    if (operations.some((operation) => operation.id === "op-4")) throw new SyncError(400, "invalid_body", "bad operation");
    return operations.map((operation) => ({ operation: operation.id, status: "accepted", seq: 1 }));
  };
  const outbox = new Outbox({ storage, push, timers: fakeTimers() });
  for (const n of [1, 2, 3, 4, 5]) await outbox.add(op(n));
  const report = await outbox.flush();
  assert.deepEqual(report.accepted.map((a) => a.operation.id), ["op-1", "op-2", "op-3", "op-5"]);
  assert.deepEqual(report.rejected.map((r) => [r.operation.id, r.rejection.code]), [["op-4", "invalid_body"]]);
  assert.equal(storage.map.size, 0);
  assert.deepEqual(calls, [5, 3, 2, 2, 1, 1, 1]);
});

test("unanswered operations stay and are sent again later", async () => {
  const storage = memoryStorage();
  let first = true;
  const push = async (operations) => {
    const answered = first ? operations.slice(0, 1) : operations;
    first = false;
    return answered.map((operation) => ({ operation: operation.id, status: "accepted", seq: 1 }));
  };
  const timers = fakeTimers();
  const outbox = new Outbox({ storage, push, timers, backoff: new Backoff({ random: () => 0 }) });
  await outbox.add(op(1));
  await outbox.add(op(2));
  const report = await outbox.flush();
  assert.equal(report.remaining, 1);
  assert.equal(timers.pending.length, 1);
  timers.fire();
  assert.equal((await outbox.running).remaining, 0);
});

test("401 stops without retrying (sign in again); the operations stay", async () => {
  const storage = memoryStorage();
  const server = fakeServer({ failures: [new SyncError(401, "unauthorized", "sign in")] });
  const timers = fakeTimers();
  const outbox = new Outbox({ storage, push: server.push, timers });
  await outbox.add(op(1));
  const report = await outbox.flush();
  assert.equal(report.error.remedy, "signIn");
  assert.equal(timers.pending.length, 0);
  assert.equal(storage.map.size, 1);
});

test("one flush at a time: a call during a flush joins it, and what was added meanwhile is sent too", async () => {
  const storage = memoryStorage();
  let release;
  const gate = new Promise((resolve) => (release = resolve));
  const calls = [];
  const push = async (operations) => {
    calls.push(operations.map((operation) => operation.id));
    if (calls.length === 1) await gate;
    return operations.map((operation) => ({ operation: operation.id, status: "accepted", seq: 1 }));
  };
  const outbox = new Outbox({ storage, push, timers: fakeTimers() });
  await outbox.add(op(1));
  const first = outbox.flush();
  await new Promise((resolve) => setImmediate(resolve));
  await outbox.add(op(2));
  const second = outbox.flush();
  release();
  assert.equal(await first, await second);
  assert.deepEqual(calls, [["op-1"], ["op-2"]]);
  assert.equal(storage.map.size, 0);
});
