// node --test: sync/engine.js's start of syncing on a device with no replica yet, against a fake
// server (fetch), a fake live channel (WebSocket) and a store in memory. The live channel's
// catch-up carries the log's changes and never the snapshot: if its frame is applied before the
// first pull, the cursor moves past 0 and the pull skips the snapshot (issue 17, defect 7).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "../../sync/engine.js";
import { recordKey } from "../../sync/state-codec.js";
import { messagesOf, documentsOf } from "../../sync/views.js";

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** The store's interface (store.js) over Maps. */
class MemoryStore {
  constructor(meta = {}) {
    this.metaMap = new Map(Object.entries(meta));
    this.recordMap = new Map();
    this.outboxMap = new Map();
  }
  async meta(key) { return this.metaMap.get(key); }
  async setMeta(values) { for (const [key, value] of Object.entries(values)) this.metaMap.set(key, value); }
  async records() { return [...this.recordMap.values()]; }
  async saveRecords(records, meta = {}) {
    for (const stored of records) this.recordMap.set(recordKey(stored.collection, stored.record), stored);
    await this.setMeta(meta);
  }
  async clearReplica() { this.recordMap.clear(); this.metaMap.set("cursor", 0); }
  async wipe() {
    const node = this.metaMap.get("node");
    this.metaMap.clear();
    this.recordMap.clear();
    this.outboxMap.clear();
    if (node) this.metaMap.set("node", node);
  }
  get outbox() {
    return {
      all: async () => [...this.outboxMap.values()],
      put: async (operation) => { this.outboxMap.set(operation.id, operation); },
      remove: async (ids) => { for (const id of ids) this.outboxMap.delete(id); },
    };
  }
  async uploads() { return []; }
  async addNotices() {}
  async notices() { return []; }
  async removeNotice() {}
}

const actor = { user: 7, role: "client" };
const hlc = (milliseconds) => `${String(milliseconds).padStart(16, "0")}-00000-server`;
/** What `ft seed` leaves: older than the log, so only in the snapshot. */
const snapshot = [
  { id: "s1", collection: "message", action: "insert", record: "m1", fields: { conversation: 1, body: "Bonjour" }, hlc: hlc(1_000), actor },
  { id: "s2", collection: "message", action: "insert", record: "m2", fields: { conversation: 2, body: "Autre dossier" }, hlc: hlc(1_001), actor },
  { id: "s3", collection: "document", action: "insert", record: "d1", fields: { dossier: 1, title: "Facture", category: "invoice" }, hlc: hlc(1_002), actor },
];
/** One change in the log after the seed (a message sent from another device). */
const change = { seq: 1, operation: { id: "c1", collection: "message", action: "insert", record: "m3", fields: { conversation: 1, body: "Nouveau" }, hlc: hlc(2_000), actor } };

/** The server: a pull from 0 answers the snapshot and the change; from 1, nothing. Pulls answer after the live frame. */
function fakeServer() {
  const pulls = [];
  let releasePull;
  const pullGate = new Promise((resolve) => (releasePull = resolve));
  const fetch = async (url) => {
    const { pathname, searchParams } = new URL(url);
    assert.equal(pathname, "/api/v1/sync/pull");
    const cursor = Number(searchParams.get("cursor"));
    pulls.push(cursor);
    await pullGate;
    const page = cursor === 0 ? { snapshot, changes: [change], cursor: 1, hasMore: false } : { changes: [], cursor: Math.max(cursor, 1), hasMore: false };
    return { status: 200, text: async () => JSON.stringify(page) };
  };
  return { fetch, pulls, releasePull };
}

/** A WebSocket that opens at once and, after the hello, answers welcome and the catch-up from the hello's cursor. */
function fakeSocketClass() {
  const hellos = [];
  class FakeSocket {
    constructor(url) {
      this.url = url;
      setImmediate(() => this.onopen?.());
    }
    send(text) {
      const frame = JSON.parse(text);
      if (frame.type !== "hello") return;
      hellos.push(frame.cursor);
      const reply = (object) => setImmediate(() => this.onmessage?.({ data: JSON.stringify(object) }));
      reply({ type: "welcome", user: 7, role: "client", cursor: frame.cursor });
      reply({ type: "changes", changes: frame.cursor < 1 ? [change] : [], cursor: 1, hasMore: false });
    }
    close() {}
  }
  return { FakeSocket, hellos };
}

const timers = { setTimeout: (callback, milliseconds) => setTimeout(callback, milliseconds), clearTimeout: (handle) => clearTimeout(handle) };

async function engineOn(store, server, socket) {
  const engine = new Engine({ baseURL: "http://ft.example", store, fetch: server.fetch, WebSocket: socket.FakeSocket, timers, online: () => true });
  return engine;
}

test("a fresh device: the first pull applies the snapshot even when the live channel would answer first", async () => {
  const server = fakeServer();
  const socket = fakeSocketClass();
  const store = new MemoryStore({ session: { token: "tok", expiresAt: "2099-01-01T00:00:00Z", user: { id: 7, email: "c@example", role: "client", displayName: "C" } } });
  const engine = await engineOn(store, server, socket);
  await engine.start();
  // The live channel has had every chance to say hello and apply its catch-up before the pull answers.
  for (let i = 0; i < 20; i++) await settle();
  server.releasePull();
  for (let i = 0; i < 40; i++) await settle();
  try {
    assert.deepEqual(server.pulls, [0], "the first pull asks from cursor 0");
    assert.deepEqual(messagesOf(engine.shown, 1).map((message) => message.body), ["Bonjour", "Nouveau"], "conversation 1: the seeded message and the new one");
    assert.deepEqual(messagesOf(engine.shown, 2).map((message) => message.body), ["Autre dossier"], "conversation 2: the seeded message");
    assert.deepEqual(documentsOf(engine.shown, 1).map((document) => document.title), ["Facture"], "dossier 1's document");
    assert.equal(store.recordMap.size, 4, "all four records stored");
    assert.equal(store.metaMap.get("cursor"), 1);
    assert.deepEqual(socket.hellos, [1], "the live channel starts after the pull, from its cursor");
  } finally {
    engine.live?.stop();
  }
});

test("a device with a replica starts the live channel at once, from its stored cursor", async () => {
  const server = fakeServer();
  const socket = fakeSocketClass();
  const store = new MemoryStore({ cursor: 1, session: { token: "tok", expiresAt: "2099-01-01T00:00:00Z", user: { id: 7, email: "c@example", role: "client", displayName: "C" } } });
  const engine = await engineOn(store, server, socket);
  await engine.start();
  for (let i = 0; i < 20; i++) await settle();
  try {
    assert.deepEqual(socket.hellos, [1], "hello sent before the pull answered");
    server.releasePull();
    for (let i = 0; i < 20; i++) await settle();
    assert.deepEqual(server.pulls, [1]);
  } finally {
    engine.live?.stop();
  }
});

test("a failed first pull leaves the live channel unstarted; the next connect pulls from 0 again", async () => {
  let fail = true;
  const pulls = [];
  const fetch = async (url) => {
    const cursor = Number(new URL(url).searchParams.get("cursor"));
    pulls.push(cursor);
    if (fail) throw new TypeError("Failed to fetch");
    return { status: 200, text: async () => JSON.stringify({ snapshot, changes: [change], cursor: 1, hasMore: false }) };
  };
  const socket = fakeSocketClass();
  const store = new MemoryStore({ session: { token: "tok", expiresAt: "2099-01-01T00:00:00Z", user: { id: 7, email: "c@example", role: "client", displayName: "C" } } });
  const engine = new Engine({ baseURL: "http://ft.example", store, fetch, WebSocket: socket.FakeSocket, timers, online: () => true });
  await engine.start();
  for (let i = 0; i < 20; i++) await settle();
  try {
    assert.equal(engine.live, null, "no live channel without a snapshot");
    assert.deepEqual(socket.hellos, []);
    fail = false;
    engine.connect();
    for (let i = 0; i < 40; i++) await settle();
    assert.deepEqual(pulls, [0, 0]);
    assert.deepEqual(messagesOf(engine.shown, 1).map((message) => message.body), ["Bonjour", "Nouveau"]);
    assert.deepEqual(socket.hellos, [1]);
  } finally {
    engine.live?.stop();
  }
});
