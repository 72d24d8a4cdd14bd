// node --test: convergence through the real server, at random (issue 17). Several devices run the
// app's own sync code (sync/engine.js's `Engine`: outbox, push, pull, rejections undone) in node
// against a real `ft serve` on a seeded database, with random clock skews (up to an hour behind,
// up to 50 s ahead — accepted — or 2 min to an hour ahead — refused as `clockSkew`), offline
// periods, every collection and action (document versions through the upload PUT), duplicates
// (lost answers, operations sent again, copies inside a batch), reordered and split batches,
// small pull pages, page reloads, a compaction of the log in the middle (beside the running
// server, or with the server stopped and restarted), and fresh devices pulling from cursor 0 at
// random moments. Once everyone has synced, for each user: every device (its confirmed and its
// shown replica), a fresh device (pull from 0) and the server's database must agree.
//
//   node --test Tests/sync/server-convergence.test.mjs                 200 schedules (seeds 1…200)
//   SEED=57 node --test Tests/sync/server-convergence.test.mjs         one schedule, on a fresh server
//   SEED=1 SCHEDULES=57 node --test …                                  seeds 1…57 on one server
//
// Needs the built binary (.build/debug/ft, or FT_BINARY; never built here) and the `sqlite3` tool.
// Skipped when either is missing. Live channel: not used (node 20 has no WebSocket).
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Engine } from "../../sync/engine.js";
import { compareHLC, formatHLC, parseHLC } from "../../sync/hlc.js";
import { SyncAPI, SyncError } from "../../sync/protocol.js";
import { recordKey } from "../../sync/state-codec.js";
import { compact, databaseMilliseconds, FT_BINARY, FTServer, hasSqlite3, seededDataDir, sqliteRows } from "./support/ft-server.mjs";
import { SplitMix64 } from "./support/schedules.mjs";

const FIRST_SEED = process.env.SEED !== undefined ? Number(process.env.SEED) : 1;
const SCHEDULES = process.env.SCHEDULES !== undefined ? Number(process.env.SCHEDULES) : process.env.SEED !== undefined ? 1 : 200;
const FILE = "Tests/sync/server-convergence.test.mjs";
const PASSWORD = "demo-financialtracker";
/** The server refuses a timestamp more than 60 s ahead of its clock. */
const ACCEPTED_AHEAD = 50_000;
const REFUSED_AHEAD = 120_000;

// ---------------------------------------------------------------------------------------------
// A device's surroundings: storage in memory (store.js's interface), timers run by the schedule.

class MemoryStore {
  /** @param {Record<string, unknown>} meta */
  constructor(meta = {}) {
    this.metaMap = new Map(Object.entries(meta));
    this.recordMap = new Map();
    this.outboxMap = new Map();
    this.noticeMap = new Map();
  }
  async meta(key) { return structuredClone(this.metaMap.get(key)); }
  async setMeta(values) { for (const [key, value] of Object.entries(values)) this.metaMap.set(key, structuredClone(value)); }
  async records() { return [...this.recordMap.values()].map((stored) => structuredClone(stored)); }
  async saveRecords(records, meta = {}) {
    for (const stored of records) this.recordMap.set(recordKey(stored.collection, stored.record), structuredClone(stored));
    await this.setMeta(meta);
  }
  async clearReplica() { this.recordMap.clear(); this.metaMap.set("cursor", 0); }
  async wipe() {
    const node = this.metaMap.get("node");
    this.metaMap.clear(); this.recordMap.clear(); this.outboxMap.clear(); this.noticeMap.clear();
    if (node) this.metaMap.set("node", node);
  }
  get outbox() {
    return {
      all: async () => [...this.outboxMap.values()].map((operation) => structuredClone(operation)),
      put: async (operation) => { this.outboxMap.set(operation.id, structuredClone(operation)); },
      remove: async (ids) => { for (const id of ids) this.outboxMap.delete(id); },
    };
  }
  async uploads() { return []; }
  async addNotices(notices) { for (const notice of notices) this.noticeMap.set(notice.id, structuredClone(notice)); }
  async notices() { return [...this.noticeMap.values()].map((notice) => structuredClone(notice)); }
  async removeNotice(id) { this.noticeMap.delete(id); }
}

/** Timers that fire only when the schedule says so (`runAll`): a flush after an edit, a retry after a failure. */
class ManualTimers {
  constructor() {
    this.next = 1;
    /** @type {Map<number, () => unknown>} */
    this.pending = new Map();
  }
  setTimeout(callback) {
    const id = this.next++;
    this.pending.set(id, callback);
    return id;
  }
  clearTimeout(id) { this.pending.delete(id); }
  setInterval() { return 0; }
  clearInterval() {}
  async runAll() {
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const callback of due) await callback();
  }
}

/** The live channel is not used: a socket constructed would be a mistake of this test. */
function NoSocket() {
  throw new Error("the live channel is not used in this test");
}

// ---------------------------------------------------------------------------------------------
// Random material.

const BODIES = [
  "Bonjour, voici les pièces demandées.", "Merci !", "Pouvez-vous vérifier l'avis de 2023 ?", "Réponse: \"oui\" / non\nsuite",
  "Relevé d'été", "Rele\u0301ve\u0301 d'e\u0301te\u0301", "Facture n° 42 — 1 250,00 €", "👍 reçu", "<b>gras</b> & co", "a",
];
const TITLES = ["Facture 2024", "Contrat signé", "Rapport d'analyse", "Attestation URSSAF", "Pièce jointe", "Re\u0301sume\u0301", "Bilan / annexe"];
const CATEGORIES = ["invoice", "contract", "report", "certificate", "other"];

/** A skew: most within a few seconds, many up to an hour behind, some ahead (accepted up to 50 s, refused from 2 min). @param {SplitMix64} random */
function randomSkew(random) {
  switch (random.int(0, 9)) {
    case 0: case 1: case 2: return random.int(-5_000, 5_000);
    case 3: case 4: return random.int(0, ACCEPTED_AHEAD);
    case 5: case 6: return random.int(-3_600_000, 0);
    case 7: return random.int(-60_000, -1);
    case 8: return random.int(REFUSED_AHEAD, 3_600_000);
    default: return random.int(-3_600_000, ACCEPTED_AHEAD);
  }
}

// ---------------------------------------------------------------------------------------------
// A device: an Engine with its store, clock skew, timers, network switch and a push path that
// misbehaves on purpose (reordered, split, duplicated, answers lost, "batch too large").

class Device {
  /**
   * @param {Run} run @param {Schedule} schedule @param {string} name @param {"client" | "expert"} role
   * @param {number} skew
   */
  constructor(run, schedule, name, role, skew) {
    this.run = run;
    this.schedule = schedule;
    this.name = name;
    this.role = role;
    this.skew = skew;
    this.session = run.sessions[role];
    this.user = this.session.user.id;
    this.random = new SplitMix64(BigInt(schedule.seed) * 1000n + BigInt(++schedule.deviceCount));
    this.online = false;
    this.faults = true;
    this.counter = 0;
    this.store = new MemoryStore({ session: this.session, node: `${name}s${schedule.seed}` });
    /** Every operation made here, by id. @type {Map<string, any>} */
    this.made = new Map();
    /** The server's latest answer to each operation id sent from here. @type {Map<string, {status: string, code?: string}>} */
    this.answers = new Map();
    this.reloaded = false;
    this.resets = 0;
    this.restarts = 0;
    this.racedCompaction = false;
    this.createEngine();
  }

  createEngine() {
    this.timers = new ManualTimers();
    const engine = new Engine({
      baseURL: this.run.server.baseURL, store: this.store, fetch: (url, init) => this.fetch(url, init), WebSocket: NoSocket,
      now: () => Date.now() + this.skew, timers: this.timers, online: () => this.online,
      newId: () => `s${this.schedule.seed}-${this.name}-${++this.counter}`,
    });
    // Pages of random sizes: a snapshot's first page, a compaction between two pages.
    const pull = engine.api.pull.bind(engine.api);
    engine.api.pull = async (cursor, limit) => {
      let page;
      try {
        page = await pull(cursor, this.faults ? this.random.pick([500, 500, 500, 1, 3, 20]) : limit);
      } catch (error) {
        if (error instanceof SyncError && error.remedy === "restart") this.restarts++;
        this.log(`pull from ${cursor}: ${error instanceof SyncError ? `${error.status} ${error.code}` : error}`);
        throw error;
      }
      if (page.reset) this.resets++;
      this.log(`pull from ${cursor}: ${page.reset ? "reset, " : ""}${page.snapshot ? `snapshot of ${page.snapshot.length}, ` : ""}${page.changes.length} changes → ${page.cursor}${page.hasMore ? " (more)" : ""}`, [...(page.snapshot ?? []), ...page.changes.map((change) => change.operation)]);
      this.run.stats.pulls++;
      return page;
    };
    engine.outbox.push = (operations) => this.push(operations);
    this.engine = engine;
  }

  /** A line of the schedule's log; `operations` are listed with it (for DEBUG). @param {string} text @param {any[]} [operations] */
  log(text, operations = []) {
    this.schedule.log.push(`[${this.name}] ${text}`);
    for (const operation of operations) this.schedule.log.push(`    ${operation.id} ${operation.collection}.${operation.action} ${operation.record} ${JSON.stringify(operation.fields)} ${operation.hlc}${operation.actor ? ` by ${operation.actor.user}` : ""}`);
  }

  /** node's fetch, to the server's current port (it may have been restarted). @param {string} url @param {RequestInit} init */
  fetch(url, init) {
    this.run.stats.requests++;
    return fetch(url.replace(/^http:\/\/127\.0\.0\.1:\d+/, this.run.server.baseURL), init);
  }

  /** Signs in (the session is stored), restores, and pulls from 0. */
  async boot() {
    await this.engine.start(); // offline: no sync, no live channel
    this.online = true;
    const compacting = this.schedule.compacting > 0;
    await this.engine.sync();
    // Its pull from 0 ran while `ft compact` did (see KNOWN_BUGS.snapshotRace).
    this.racedCompaction = compacting || this.schedule.compacting > 0;
  }

  /** A page reload: a new Engine on the same storage. */
  async reload() {
    await this.engine.queue;
    await this.engine.outbox.running;
    this.online = false;
    this.reloaded = true;
    this.createEngine();
    await this.engine.start();
    this.online = true;
    await this.engine.sync();
  }

  /** The misbehaving network under the outbox. @param {any[]} batch */
  async push(batch) {
    const stats = this.run.stats;
    const mode = this.faults ? this.random.pick(["plain", "plain", "plain", "reorder", "split", "duplicate", "lost", "tooLarge", "refused"]) : "plain";
    const record = (results) => {
      for (const result of results) this.answers.set(result.operation, { status: result.status, code: result.rejection?.code });
      this.log(`pushed (${mode}): ${results.map((result) => `${result.operation} ${result.status === "accepted" ? `#${result.seq}` : result.rejection?.code}`).join(", ")}`);
      return results;
    };
    const send = async (operations) => record(await this.engine.api.push(operations));
    switch (mode) {
      case "reorder":
        stats.reordered++;
        return send(this.random.shuffled(batch));
      case "split": {
        stats.split++;
        const pieces = [];
        let rest = this.random.shuffled(batch);
        while (rest.length > 0) {
          const size = this.random.int(1, rest.length);
          pieces.push(rest.slice(0, size));
          rest = rest.slice(size);
        }
        if (this.random.int(0, 1) === 0) return (await Promise.all(pieces.map(send))).flat();
        const results = [];
        for (const piece of pieces) results.push(...(await send(piece)));
        return results;
      }
      case "duplicate": {
        stats.duplicated++;
        const sentBefore = [...this.made.values()].filter((operation) => this.answers.has(operation.id));
        const extra = [...batch.filter(() => this.random.int(0, 2) === 0)];
        if (sentBefore.length > 0) extra.push(this.random.pick(sentBefore));
        const all = [...batch, ...extra];
        return send(this.random.shuffled(all).slice(0, 1000));
      }
      case "lost":
        stats.lostAnswers++;
        await send(batch);
        throw new SyncError(0, "network", "the answer was lost");
      case "tooLarge":
        if (batch.length < 2) return send(batch);
        stats.tooLarge++;
        throw new SyncError(413, "batch_too_large", "pretend: at most fewer operations per push");
      case "refused":
        stats.networkDown++;
        throw new SyncError(0, "network", "pretend: no network");
      default:
        return send(batch);
    }
  }

  /** A local edit, through `Engine.change`. @param {{collection: string, action: string, record: string, fields: any}} edit */
  async change(edit) {
    const operation = await this.engine.change(edit.collection, edit.action, edit.record, edit.fields);
    this.made.set(operation.id, { ...operation, realTime: Date.now() });
    this.log(`change (${this.online ? "online" : "offline"}, skew ${this.skew})`, [operation]);
    const key = `${edit.collection}.${edit.action}`;
    this.run.stats.operations[key] = (this.run.stats.operations[key] ?? 0) + 1;
    return operation;
  }

  /** Records of a collection in the shown replica. @param {string} collection */
  shownRecords(collection) {
    return [...(this.engine.shown.collections.get(collection) ?? [])];
  }
}

// ---------------------------------------------------------------------------------------------
// What a schedule does.

/** @typedef {{seed: number, random: SplitMix64, devices: Device[], background: Promise<unknown>[], uploads: any[], log: string[], compacted: boolean}} Schedule */
/** @typedef {{server: FTServer, data: any, sessions: Record<string, any>, world: any, stats: any, warnings: string[]}} Run */

/** An edit a device might make now: mostly allowed, sometimes one the server refuses. @param {Device} device @param {Run} run */
function randomEdit(device, run) {
  const random = device.random;
  const world = run.world;
  const mine = device.role === "client";
  // The client in a conversation it does not see is refused; the expert's other one is its own.
  const conversation = random.int(0, mine ? 14 : 5) === 0 ? world.expertConversation : world.conversation;
  const messages = device.shownRecords("message").filter(([, state]) => state.content);
  const ownMessages = messages.filter(([, state]) => state.content.value.author === device.user);
  const body = () => random.pick(BODIES) + (random.int(0, 1) ? ` ${device.name}.${device.counter}` : "");
  switch (random.int(0, 20)) {
    case 0: case 1: case 2: case 3:
      return { collection: "message", action: "insert", record: device.engine.newRecordId(), fields: { conversation, body: body() } };
    case 4: case 5: {
      const pool = random.int(0, 5) === 0 ? messages : ownMessages;
      if (pool.length === 0) return null;
      return { collection: "message", action: "update", record: random.pick(pool)[0], fields: { body: body() } };
    }
    case 6: {
      const pool = random.int(0, 4) === 0 ? messages : ownMessages;
      if (pool.length === 0) return null;
      return { collection: "message", action: "delete", record: random.pick(pool)[0], fields: {} };
    }
    case 7: case 8: {
      const others = messages.filter(([, state]) => state.content.value.author !== device.user && state.content.value.conversation === world.conversation);
      const newest = Math.max(0, ...others.map(([, state]) => state.content.hlc.milliseconds));
      const readUpTo = random.int(0, 2) === 0 ? Date.now() + device.skew - random.int(0, 600_000) : newest;
      const user = random.int(0, 15) === 0 ? (mine ? world.expertUser : world.clientUser) : device.user;
      return { collection: "readReceipt", action: "update", record: `${world.conversation}:${user}`, fields: { readUpTo } };
    }
    case 9: case 10: {
      if (!mine && random.int(0, 3) !== 0) return null;
      const fields = random.int(0, 2) === 0 ? { score: random.int(1, 5) } : { score: random.int(1, 5), comment: random.pick(["Très bien", "Correct", "", "Réactif ✔", `note ${device.name}`]) };
      return { collection: "rating", action: device.engine.shown.get("rating", world.ratingKey) ? "update" : random.pick(["insert", "update"]), record: world.ratingKey, fields };
    }
    case 11: case 12: case 13: case 14:
      return randomStepEdit(device, run);
    case 15: {
      const dossier = mine && random.int(0, 6) === 0 ? world.clientOnlyDossier : !mine && random.int(0, 6) === 0 ? world.expertOnlyDossier : world.dossier;
      return { collection: "document", action: "insert", record: device.engine.newRecordId(), fields: { dossier, title: random.pick(TITLES), category: random.pick(CATEGORIES) } };
    }
    case 16: {
      const documents = device.shownRecords("document").filter(([, state]) => state.content);
      const own = documents.filter(([, state]) => state.content.value.createdBy === device.user);
      const pool = random.int(0, 5) === 0 ? documents : own;
      if (pool.length === 0) return null;
      const fields = {};
      if (random.int(0, 2) !== 0) fields.title = random.pick(TITLES);
      if (random.int(0, 2) !== 0) fields.category = random.pick(CATEGORIES);
      return { collection: "document", action: "update", record: random.pick(pool)[0], fields };
    }
    case 17: case 18: {
      if (mine && random.int(0, 3) !== 0) return null;
      const versions = device.shownRecords("documentVersion").filter(([, state]) => state.content);
      if (versions.length === 0) return null;
      const state = random.pick(["validated", "rejected", "pending"]);
      const fields = state === "rejected" ? { validation: state, reason: random.pick(["Illisible", "Pas la bonne année", "Signature manquante"]) } : random.int(0, 1) ? { validation: state } : { validation: state, reason: "" };
      return { collection: "documentVersion", action: "update", record: random.pick(versions)[0], fields };
    }
    case 19: {
      // A version through sync: the server takes versions only with their bytes (PUT); refused.
      if (random.int(0, 3) !== 0) return null;
      const documents = device.shownRecords("document");
      if (documents.length === 0) return null;
      return { collection: "documentVersion", action: "insert", record: device.engine.newRecordId(), fields: { document: random.pick(documents)[0], fileName: "sans-contenu.pdf", mediaType: "application/pdf", byteCount: 3, sha256: "0".repeat(64) } };
    }
    default:
      return randomStepEdit(device, run);
  }
}

/** @param {Device} device @param {Run} run */
function randomStepEdit(device, run) {
  const random = device.random;
  const world = run.world;
  const fields = {};
  if (device.role === "client") {
    const own = world.steps.filter((step) => step.assigneeRole === "client");
    const forbidden = random.int(0, 7) === 0;
    const step = forbidden ? random.pick(world.steps) : random.int(0, 6) === 0 ? random.pick(world.clientOnlySteps.filter((s) => s.assigneeRole === "client")) : random.pick(own);
    if (random.int(0, 2) !== 0 || forbidden) fields.status = forbidden && random.int(0, 1) ? "pending" : random.pick(["in_progress", "completed"]);
    if (random.int(0, 1) || Object.keys(fields).length === 0) fields.progress = random.int(0, 100);
    if (forbidden && random.int(0, 2) === 0) fields.dueAt = Date.now() + random.int(1, 30) * 86_400_000;
    return { collection: "step", action: "update", record: String(step.id), fields };
  }
  const step = random.int(0, 6) === 0 ? random.pick(world.expertOnlySteps) : random.pick(world.steps);
  if (random.int(0, 1)) fields.status = random.int(0, 15) === 0 ? "overdue" : random.pick(["pending", "in_progress", "completed"]);
  if (random.int(0, 1)) fields.progress = random.int(0, 100);
  if (random.int(0, 3) === 0) fields.priority = random.pick(["low", "normal", "high", "urgent"]);
  if (random.int(0, 3) === 0 || Object.keys(fields).length === 0) fields.dueAt = Date.parse("2026-12-01T00:00:00Z") + random.int(0, 60) * 86_400_000;
  return { collection: "step", action: "update", record: String(step.id), fields };
}

/** A new version of a document the device knows, uploaded as the app does (PUT with the bytes). @param {Device} device @param {Run} run @param {Schedule} schedule */
async function upload(device, run, schedule) {
  const random = device.random;
  if (!device.online) return;
  // A retry of an earlier upload of this device (a lost answer): answered 200, nothing new.
  const earlier = schedule.uploads.filter((entry) => entry.device === device && entry.status === 201);
  if (earlier.length > 0 && random.int(0, 4) === 0) {
    const entry = random.pick(earlier);
    const answer = await device.fetch(entry.url, entry.init);
    await answer.text();
    run.stats.uploads[`retry ${answer.status}`] = (run.stats.uploads[`retry ${answer.status}`] ?? 0) + 1;
    if (answer.status !== 200) schedule.failures.push(`upload retry of ${entry.version} by ${device.name}: HTTP ${answer.status}, expected 200`);
    return;
  }
  const documents = [...(device.engine.confirmed.collections.get("document") ?? [])].filter(([, state]) => state.content);
  let document;
  let expected;
  if (device.role === "client" && random.int(0, 12) === 0 && run.world.expertOnlyDocument) {
    document = run.world.expertOnlyDocument; // another client's dossier: answered as if it did not exist
    expected = 404;
  } else {
    if (documents.length === 0) return;
    document = random.pick(documents)[0];
  }
  const version = device.engine.newRecordId();
  const stamp = device.engine.clock.now();
  const ahead = stamp.milliseconds - Date.now();
  // The clock is checked first, before the document is looked up.
  expected = ahead >= REFUSED_AHEAD - 10_000 ? 400 : expected ?? (ahead <= ACCEPTED_AHEAD + 5_000 ? 201 : undefined);
  const fileName = random.pick(["releve.pdf", "facture-été.txt", "scan 2024.txt", `piece-${version}.txt`]);
  const bytes = random.int(0, 3) === 0 ? "même contenu\n" : `contenu ${version} ${"x".repeat(random.int(0, 2000))}\n`;
  const url = `${run.server.baseURL}/api/v1/documents/${encodeURIComponent(document)}/versions/${encodeURIComponent(version)}?${new URLSearchParams({ fileName, hlc: formatHLC(stamp) })}`;
  const init = { method: "PUT", headers: { authorization: `Bearer ${device.engine.api.token}`, "FT-Protocol": "1", "content-type": "application/octet-stream" }, body: bytes };
  const answer = await device.fetch(url, init);
  const text = await answer.text();
  run.stats.uploads[answer.status] = (run.stats.uploads[answer.status] ?? 0) + 1;
  const entry = { device, version, document, url, init, status: answer.status, bytes, fileName, stamp: formatHLC(stamp) };
  device.log(`uploads ${version} of ${document} at ${formatHLC(stamp)}: HTTP ${answer.status}`);
  schedule.uploads.push(entry);
  if (expected !== undefined && answer.status !== expected) {
    schedule.failures.push(`upload ${version} of ${document} by ${device.name} (clock ${ahead} ms ahead): HTTP ${answer.status} ${text}, expected ${expected}`);
  }
  if (answer.status === 400 && !/clock_skew/.test(text)) schedule.failures.push(`upload ${version} refused, but not for the clock: ${text}`);
}

/** Catches what a failed request throws (the server stopped, a lost network): the engine says it in its status. @param {Promise<unknown>} promise */
async function quietly(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return null;
}

/** One random step of a schedule. @param {Run} run @param {Schedule} schedule */
async function randomAction(run, schedule) {
  const random = schedule.random;
  const device = random.pick(schedule.devices);
  const roll = random.int(0, 99);
  if (roll < 40) {
    const edit = randomEdit(device, run);
    if (edit) {
      const error = await quietly(device.change(edit));
      // A clock set back leaves the device's HLC ahead of its wall clock: the engine refuses, as the server would.
      const ahead = (device.engine.clock?.latest.milliseconds ?? 0) - (Date.now() + device.skew);
      if (error && /** @type {any} */ (error).code === "clockSkew" && ahead > 60_000) {
        run.stats.refusedLocally++;
        device.log(`Engine.change refused locally: ${error}`);
      } else if (error) {
        schedule.failures.push(`${device.name}: Engine.change refused a well-formed edit ${JSON.stringify(edit)}: ${error}`);
      }
    }
  } else if (roll < 52) {
    device.engine.outbox.batchSize = random.pick([1000, 1000, 1, 2, 3]);
    await quietly(device.timers.runAll());
  } else if (roll < 62) {
    if (device.online) await quietly(device.engine.pull());
  } else if (roll < 68) {
    if (device.online) await quietly(device.engine.sync());
  } else if (roll < 74) {
    // Offline for a while, or back online (the app's `online`: push, then pull).
    if (device.online) {
      device.online = false;
      device.engine.disconnect();
      device.log("offline");
      run.stats.offline++;
    } else {
      device.online = true;
      device.log("online");
      await quietly(device.engine.sync());
    }
  } else if (roll < 78) {
    // An operation sent again (another tab, the service worker): acknowledged as before.
    const sent = [...device.made.values()].filter((operation) => device.answers.has(operation.id));
    if (sent.length > 0) {
      const { realTime, ...operation } = random.pick(sent);
      await device.store.outbox.put(operation);
      device.log(`sends ${operation.id} again`);
      run.stats.resent++;
    }
  } else if (roll < 84) {
    await quietly(upload(device, run, schedule));
  } else if (roll < 87) {
    if (schedule.devices.length < 7) {
      const joiner = new Device(run, schedule, `j${schedule.devices.length}`, random.pick(["client", "expert"]), randomSkew(random));
      schedule.devices.push(joiner);
      joiner.log(`joins (${joiner.role}, skew ${joiner.skew})`);
      run.stats.joiners++;
      await quietly(joiner.boot());
    }
  } else if (roll < 91) {
    // Several devices at once: their requests interleave on the server.
    const chosen = random.shuffled(schedule.devices).slice(0, random.int(2, 3));
    await Promise.all(chosen.map((other) => quietly(other.online ? (random.int(0, 1) ? other.engine.sync() : other.timers.runAll()) : Promise.resolve())));
  } else if (roll < 93) {
    device.log("reloads");
    await quietly(device.reload());
    run.stats.reloads++;
  } else if (roll < 95) {
    device.skew = randomSkew(random); // the clock is set again
    device.log(`clock set: skew ${device.skew}`);
  } else {
    const edit = randomEdit(device, run);
    if (edit) await quietly(device.change(edit));
  }
}

/** The log compacted in the middle: beside the running server, or with it stopped (requests meanwhile fail). @param {Run} run @param {Schedule} schedule */
async function compaction(run, schedule) {
  const random = schedule.random;
  schedule.compacted = true;
  if (random.int(0, 3) !== 0) {
    run.stats.compactions.concurrent++;
    schedule.log.push("-- compaction beside the server");
    schedule.compacting++;
    schedule.background.push(compact(run.data, run.compactArguments).finally(() => schedule.compacting--).then((output) => schedule.log.push(`-- ${output}`)).catch((error) => schedule.failures.push(`compaction beside the server: ${error.message}`)));
    return;
  }
  run.stats.compactions.stopped++;
  schedule.log.push("-- server stopped");
  await run.server.stop();
  for (let index = random.int(0, 3); index > 0; index--) await randomAction(run, schedule);
  try {
    await compact(run.data, run.compactArguments);
  } catch (error) {
    schedule.failures.push(`compaction with the server stopped: ${error.message}`);
  }
  await run.server.start(run.server.port);
  schedule.log.push("-- compacted, server restarted");
}

// ---------------------------------------------------------------------------------------------
// Comparisons.

/** Where two canonical JSON replicas differ, a few records. @param {string} left @param {string} right */
function differences(left, right, limit = 4) {
  const a = JSON.parse(left);
  const b = JSON.parse(right);
  const found = [];
  for (const collection of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[collection] ?? {};
    const y = b[collection] ?? {};
    for (const record of new Set([...Object.keys(x), ...Object.keys(y)])) {
      const one = JSON.stringify(x[record] ?? null);
      const two = JSON.stringify(y[record] ?? null);
      if (one !== two) found.push(`  ${collection} ${record}:\n    ${one}\n    ${two}`);
      if (found.length >= limit) return found.join("\n");
    }
  }
  return found.join("\n");
}

/**
 * Which known server bug explains every difference between a device's replica and a fresh one,
 * or null: a message shown as edited only where its original insert was merged over the
 * snapshot's made-up stamps (snapshotStamps), a read receipt a millisecond behind in the snapshot
 * (snapshotRounding).
 * @param {string} device @param {string} fresh
 */
function knownDifference(device, fresh) {
  const a = JSON.parse(device);
  const b = JSON.parse(fresh);
  const bugs = new Set();
  for (const collection of new Set([...Object.keys(a), ...Object.keys(b)])) {
    for (const record of new Set([...Object.keys(a[collection] ?? {}), ...Object.keys(b[collection] ?? {})])) {
      const x = a[collection]?.[record];
      const y = b[collection]?.[record];
      if (JSON.stringify(x) === JSON.stringify(y)) continue;
      if (collection === "message" && x && y && x.edited === true && y.edited === false && JSON.stringify({ ...x, edited: false }) === JSON.stringify(y)) bugs.add("snapshotStamps");
      else if (collection === "readReceipt" && x && y && x.readUpTo - y.readUpTo === 1) bugs.add("snapshotRounding");
      else return null;
    }
  }
  return bugs.size > 0 ? [...bugs] : null;
}

/** Whether a replica differs from another only by lacking records. @param {string} device @param {string} fresh */
function onlyMissing(device, fresh) {
  const a = JSON.parse(device);
  const b = JSON.parse(fresh);
  for (const collection of new Set([...Object.keys(a), ...Object.keys(b)])) {
    for (const record of new Set([...Object.keys(a[collection] ?? {}), ...Object.keys(b[collection] ?? {})])) {
      const x = a[collection]?.[record];
      const y = b[collection]?.[record];
      if (JSON.stringify(x) !== JSON.stringify(y) && x !== undefined) return false;
    }
  }
  return true;
}

/** Waits for every device to have pushed and pulled everything, faults off, all online. @param {Schedule} schedule */
async function settleAll(schedule) {
  await Promise.allSettled(schedule.background);
  schedule.log.push("-- everyone syncs");
  for (const device of schedule.devices) {
    device.faults = false;
    device.online = true;
    device.engine.outbox.batchSize = 1000;
    await device.engine.queue;
  }
  for (let round = 0; round < 4; round++) {
    for (const device of schedule.devices) {
      await quietly(device.timers.runAll());
      await quietly(device.engine.flush());
    }
    for (const device of schedule.devices) await quietly(device.engine.pull());
    let pending = 0;
    for (const device of schedule.devices) pending += (await device.store.outbox.all()).length;
    if (pending === 0) break;
  }
  for (const device of schedule.devices) {
    await device.engine.outbox.running;
    await device.engine.queue;
  }
}

/** @param {Run} run @param {Schedule} schedule @param {Record<string, Device>} fresh */
async function checkAgainstDatabase(run, schedule, fresh) {
  const views = { client: JSON.parse(fresh.client.engine.confirmed.canonicalJSON()), expert: JSON.parse(fresh.expert.engine.confirmed.canonicalJSON()) };
  const [row] = await sqliteRows(run.data.database, `SELECT
    (SELECT json_group_array(json_object('id', id, 'conversation', conversationId, 'author', authorId, 'body', body, 'bodyHlc', bodyHlc, 'edited', editedAt IS NOT NULL, 'deleted', deletedAt IS NOT NULL)) FROM message) AS messages,
    (SELECT json_group_array(json_object('id', id, 'status', status, 'progress', progress, 'priority', priority, 'dueAt', dueAt)) FROM dossierStep) AS steps,
    (SELECT json_group_array(json_object('client', clientId, 'expert', expertId, 'score', score, 'comment', comment)) FROM rating) AS ratings,
    (SELECT json_group_array(json_object('id', id, 'dossier', dossierId, 'title', title, 'category', category, 'createdBy', createdBy)) FROM document) AS documents,
    (SELECT json_group_array(json_object('id', id, 'document', documentId, 'fileName', fileName, 'byteCount', byteCount, 'sha256', sha256, 'uploadedBy', uploadedBy, 'validation', validation, 'reason', validationReason, 'validatedBy', validatedBy)) FROM documentVersion) AS versions,
    (SELECT json_group_array(json_object('conversation', conversationId, 'user', userId, 'readUpTo', readUpTo)) FROM readReceipt) AS receipts,
    (SELECT json_group_array(json_object('record', userId || ':' || kind || ':' || channel, 'enabled', enabled = 1)) FROM notificationPreference) AS preferences`);
  const table = (name, key) => new Map(JSON.parse(row[name]).map((entry) => [key(entry), entry]));
  const database = {
    message: table("messages", (entry) => entry.id),
    step: table("steps", (entry) => String(entry.id)),
    rating: table("ratings", (entry) => `${entry.client}:${entry.expert}`),
    document: table("documents", (entry) => entry.id),
    documentVersion: table("versions", (entry) => entry.id),
    readReceipt: table("receipts", (entry) => `${entry.conversation}:${entry.user}`),
    preference: table("preferences", (entry) => entry.record),
  };
  const problems = [];
  const differ = (who, collection, record, field, database, replica) => {
    const text = `  ${who} ${collection} ${record}: ${field} is ${JSON.stringify(database)} in the database, ${JSON.stringify(replica)} in a fresh replica`;
    if (collection === "readReceipt" && database - replica === 1) schedule.known.push({ bug: "snapshotRounding", text: `the database and a fresh replica disagree:\n${text}` });
    else if (problems.length < 8) problems.push(text);
  };
  let compared = 0;
  for (const [who, view] of Object.entries(views)) {
    for (const [collection, records] of Object.entries(view)) {
      for (const [record, shown] of Object.entries(records)) {
        const stored = database[collection]?.get(record);
        if (!stored && collection === "preference") {
          // No row: the role's default, which only the server's snapshot gives (never a change).
          const operation = fresh[who].engine.confirmed.get("preference", record)?.enabled?.operation ?? "";
          if (!operation.startsWith("snapshot:p:")) differ(who, collection, record, "the default's operation", "snapshot:p:…", operation);
          compared++;
          continue;
        }
        if (!stored) {
          differ(who, collection, record, "the row", null, "present");
          continue;
        }
        compared++;
        const same = (field, databaseValue, replicaValue) => {
          if (JSON.stringify(databaseValue) !== JSON.stringify(replicaValue)) differ(who, collection, record, field, databaseValue, replicaValue);
        };
        switch (collection) {
          case "message": {
            // The server merged with the stamp it stored; a snapshot device with a made-up, earlier one (snapshotStamps).
            const state = fresh[who].engine.confirmed.get("message", record);
            const stamp = stored.bodyHlc ? parseHLC(stored.bodyHlc) : null;
            if (stored.body !== shown.body && stamp && state?.body && compareHLC(state.body.hlc, stamp) < 0 && !stored.deleted) {
              schedule.known.push({ bug: "snapshotStamps", text: `the database and a fresh replica disagree: message ${record}'s body is ${JSON.stringify(stored.body)} (stamp ${stored.bodyHlc}) in the database, ${JSON.stringify(shown.body)} (stamp ${formatHLC(state.body.hlc)}) in a fresh replica` });
              break;
            }
            same("body", stored.body, shown.body);
            same("deleted", Boolean(stored.deleted), shown.deleted);
            same("edited", Boolean(stored.edited), shown.edited);
            same("author", stored.author, shown.author);
            same("conversation", stored.conversation, shown.conversation);
            break;
          }
          case "step": {
            const fields = shown.fields;
            if ("status" in fields) same("status", stored.status, fields.status);
            if ("progress" in fields) same("progress", stored.progress, fields.progress);
            if ("priority" in fields) same("priority", stored.priority, fields.priority);
            if ("dueAt" in fields) same("dueAt", databaseMilliseconds(stored.dueAt), fields.dueAt);
            break;
          }
          case "rating":
            same("score", stored.score, shown.score);
            same("comment", stored.comment ?? "", shown.comment);
            break;
          case "document":
            same("title", stored.title, shown.title);
            same("category", stored.category, shown.category);
            same("dossier", stored.dossier, shown.dossier);
            same("createdBy", stored.createdBy, shown.createdBy);
            break;
          case "documentVersion":
            same("document", stored.document, shown.document);
            same("fileName", stored.fileName, shown.fileName);
            same("byteCount", stored.byteCount, shown.byteCount);
            same("sha256", stored.sha256, shown.sha256);
            same("uploadedBy", stored.uploadedBy, shown.uploadedBy);
            same("validation", stored.validation ?? "pending", shown.validation);
            break;
          case "readReceipt":
            same("readUpTo", databaseMilliseconds(stored.readUpTo), shown.readUpTo);
            break;
          case "preference":
            same("enabled", Boolean(stored.enabled), shown.enabled);
            break;
        }
      }
    }
  }
  // Every message of the shared conversation in the database is in the client's replica.
  for (const [id, stored] of database.message) {
    if (stored.conversation === run.world.conversation && !views.client.message?.[id]) differ("client", "message", id, "the record", "present", null);
  }
  // Every upload the server took is a version in the database, with its bytes' size.
  for (const entry of schedule.uploads) {
    const stored = database.documentVersion.get(entry.version);
    if (entry.status === 201 && (!stored || stored.byteCount !== Buffer.byteLength(entry.bytes) || stored.uploadedBy !== entry.device.user)) {
      differ(entry.device.name, "documentVersion", entry.version, "the uploaded version", stored ?? null, { byteCount: Buffer.byteLength(entry.bytes), uploadedBy: entry.device.user });
    }
    if (entry.status !== 201 && entry.status !== 200 && stored && stored.uploadedBy === entry.device.user && !schedule.uploads.some((other) => other.version === entry.version && other.status === 201)) {
      differ(entry.device.name, "documentVersion", entry.version, "a refused upload", stored, null);
    }
  }
  run.stats.databaseFields += compared;
  if (problems.length > 0) schedule.failures.push(`the database and the fresh replicas disagree:\n${problems.join("\n")}`);
}

/** @param {Run} run @param {Schedule} schedule */
async function checkSchedule(run, schedule) {
  await settleAll(schedule);
  // The server's own state, as a new device gets it: snapshot and changes from cursor 0.
  const fresh = {};
  for (const role of ["client", "expert"]) {
    const device = new Device(run, schedule, `f${role[0]}`, role, 0);
    device.faults = false;
    await device.boot();
    fresh[role] = device;
  }
  for (const role of ["client", "expert"]) {
    const reference = fresh[role].engine.confirmed.canonicalJSON();
    for (const device of schedule.devices.filter((candidate) => candidate.role === role)) {
      const pending = (await device.store.outbox.all()).length;
      if (pending > 0) schedule.failures.push(`${device.name}: ${pending} operations still in the outbox after syncing`);
      const confirmed = device.engine.confirmed.canonicalJSON();
      const shown = device.engine.shown.canonicalJSON();
      const who = `${role} ${device.name} (skew ${device.skew} ms${device.resets ? `, ${device.resets} resets` : ""}${device.restarts ? `, ${device.restarts} restarts (cursor_from_the_future)` : ""}${device.reloaded ? ", reloaded" : ""})`;
      if (confirmed !== reference) {
        const text = `${who}: its confirmed replica differs from a fresh device's:\n${differences(confirmed, reference)}`;
        const bugs = knownDifference(confirmed, reference);
        if (bugs) for (const bug of bugs) schedule.known.push({ bug, text });
        else if (device.racedCompaction && onlyMissing(confirmed, reference)) schedule.known.push({ bug: "snapshotRace", text });
        else schedule.failures.push(text);
      }
      if (shown !== reference) {
        const text = `${who}: its shown replica differs from a fresh device's:\n${differences(shown, reference)}`;
        // The engine's known bug: after a pull from 0 (reset or restart), shown is not rebuilt.
        const bugs = knownDifference(shown, reference);
        if (confirmed === reference && device.resets + device.restarts > 0) schedule.known.push({ bug: "shownAfterReset", text });
        else if (confirmed !== reference && bugs) for (const bug of bugs) schedule.known.push({ bug, text });
        else schedule.failures.push(text);
      }
      if (device.restarts > 0) schedule.known.push({ bug: "emptyLogCursor", text: `${device.name}: ${device.restarts} pulls refused with cursor_from_the_future after a compaction` });
      if (device.engine.cursor !== fresh[role].engine.cursor) schedule.failures.push(`${device.name}: cursor ${device.engine.cursor}, a fresh device's ${fresh[role].engine.cursor}`);
      checkAnswers(run, schedule, device);
    }
  }
  // What both users see of the shared dossier is the same.
  const client = JSON.parse(fresh.client.engine.confirmed.canonicalJSON());
  const expert = JSON.parse(fresh.expert.engine.confirmed.canonicalJSON());
  for (const collection of Object.keys(client)) {
    for (const [record, view] of Object.entries(client[collection])) {
      const other = expert[collection]?.[record];
      if (other !== undefined && JSON.stringify(other) !== JSON.stringify(view)) schedule.failures.push(`${collection} ${record}: the client sees ${JSON.stringify(view)}, the expert ${JSON.stringify(other)}`);
    }
  }
  // Nothing of a dossier the other may not see.
  const leaks = [
    ...Object.values(client.message ?? {}).filter((message) => message.conversation === run.world.expertConversation).map(() => "a message of the expert's other conversation reached the client"),
    ...Object.keys(client.step ?? {}).filter((step) => run.world.expertOnlySteps.some((other) => String(other.id) === step)).map((step) => `step ${step} of another client's dossier reached the client`),
    ...Object.values(expert.document ?? {}).filter((document) => document.dossier === run.world.clientOnlyDossier).map(() => "a document of the client's other dossier reached the expert"),
  ];
  if (leaks.length > 0) schedule.failures.push(`visibility: ${[...new Set(leaks)].join("; ")}`);
  await checkAgainstDatabase(run, schedule, fresh);
}

/** Every operation made was answered; refused ones are undone and shown as notices; the clock rule held. @param {Run} run @param {Schedule} schedule @param {Device} device */
function checkAnswers(run, schedule, device) {
  const notices = new Set(device.engine.notices.map((notice) => notice.id));
  for (const [id, operation] of device.made) {
    const answer = device.answers.get(id);
    if (!answer) {
      schedule.failures.push(`${device.name}: operation ${id} (${operation.collection}.${operation.action}) never answered`);
      continue;
    }
    // (A version pushed through sync is refused before its clock is looked at.)
    const ahead = operation.collection === "documentVersion" && operation.action === "insert" ? 0 : /** @type {{milliseconds: number}} */ (parseHLC(operation.hlc)).milliseconds - operation.realTime;
    if (answer.status === "accepted") {
      run.stats.accepted++;
      if (ahead >= REFUSED_AHEAD - 10_000) schedule.failures.push(`${device.name}: operation ${id} stamped ${ahead} ms ahead was accepted`);
      continue;
    }
    run.stats.rejected[answer.code] = (run.stats.rejected[answer.code] ?? 0) + 1;
    if (ahead >= REFUSED_AHEAD - 10_000 && answer.code !== "clockSkew") schedule.failures.push(`${device.name}: operation ${id} stamped ${ahead} ms ahead was refused with ${answer.code}, not clockSkew`);
    if (ahead <= ACCEPTED_AHEAD + 5_000 && answer.code === "clockSkew") schedule.failures.push(`${device.name}: operation ${id} stamped only ${ahead} ms ahead was refused as clockSkew`);
    if (!notices.has(id)) schedule.failures.push(`${device.name}: refused operation ${id} (${answer.code}) is not among the notices`);
    if (!device.reloaded && (device.engine.shown.applied.has(id) || device.engine.confirmed.applied.has(id))) {
      schedule.failures.push(`${device.name}: refused operation ${id} (${answer.code}) is still applied`);
    }
  }
}

/** @param {Run} run @param {number} seed */
async function runSchedule(run, seed) {
  /** @type {Schedule & {failures: string[]}} */
  const schedule = { seed, random: new SplitMix64(seed), deviceCount: 0, devices: [], background: [], uploads: [], log: [], compacted: false, failures: [], known: [], compacting: 0 };
  const random = schedule.random;
  for (const [name, role] of [["c1", "client"], ["c2", "client"], ["e", "expert"]]) {
    schedule.devices.push(new Device(run, schedule, name, /** @type {any} */ (role), randomSkew(random)));
  }
  for (const device of schedule.devices) {
    device.log(`boots (${device.role}, skew ${device.skew})`);
    await quietly(device.boot());
  }
  const steps = random.int(20, 45);
  const compactAt = random.int(0, 1) ? random.int(3, steps - 3) : -1;
  for (let step = 0; step < steps; step++) {
    if (step === compactAt) await compaction(run, schedule);
    await randomAction(run, schedule);
  }
  await checkSchedule(run, schedule);
  if (schedule.compacted) run.stats.compactedSchedules++;
  run.stats.resets += schedule.devices.reduce((sum, device) => sum + device.resets, 0);
  run.stats.restarts += schedule.devices.reduce((sum, device) => sum + device.restarts, 0);
  return schedule;
}

// ---------------------------------------------------------------------------------------------

/** The demo client's dossier shared with the demo expert, and one dossier each that the other may not see. @param {Run} run */
async function discoverWorld(run, clientAPI, expertAPI) {
  const clientMe = await clientAPI.me();
  const expertMe = await expertAPI.me();
  const clientDossiers = (await clientAPI.myDossiers()).dossiers;
  const expertDossiers = (await expertAPI.myDossiers()).dossiers;
  const shared = clientDossiers.find((dossier) => dossier.conversation && dossier.experts.some((expert) => expert.userId === expertMe.id));
  assert.ok(shared, "the demo client has a dossier with the demo expert and a conversation");
  const expertEntry = shared.experts.find((expert) => expert.userId === expertMe.id);
  const clientOnly = clientDossiers.find((dossier) => dossier.id !== shared.id && !dossier.experts.some((expert) => expert.userId === expertMe.id));
  const expertOnly = expertDossiers.find((dossier) => dossier.clientUserId !== clientMe.id && dossier.conversation);
  assert.ok(clientOnly && expertOnly, "one dossier each that the other does not see");
  const expertPull = await expertAPI.pull(0, 5000);
  const expertOnlyDocument = (expertPull.snapshot ?? []).find((operation) => operation.collection === "document" && operation.fields.dossier === expertOnly.id)?.record ?? null;
  return {
    dossier: shared.id, conversation: shared.conversation, steps: shared.steps.map(({ id, assigneeRole }) => ({ id, assigneeRole })),
    clientOnlyDossier: clientOnly.id, clientOnlySteps: clientOnly.steps.map(({ id, assigneeRole }) => ({ id, assigneeRole })),
    expertOnlyDossier: expertOnly.id, expertConversation: expertOnly.conversation, expertOnlySteps: expertOnly.steps.map(({ id, assigneeRole }) => ({ id, assigneeRole })),
    expertOnlyDocument,
    clientUser: clientMe.id, expertUser: expertMe.id, ratingKey: `${clientMe.client}:${expertEntry.id}`,
  };
}

const ready = existsSync(FT_BINARY) && (await hasSqlite3());

/**
 * Bugs this test found, all fixed since (engine: the shown replica is rebuilt after a restart;
 * server: snapshot stamps from the merge state, milliseconds rounded to the nearest, one read
 * transaction per pull, the log's counter as the latest change). Each is still recognised so that
 * a regression is named; every one fails the run unless TOLERATE_KNOWN=1.
 */
const KNOWN_BUGS = {
  shownAfterReset: "sync/engine.js: a pull that starts again from 0 (a `reset` page, or `cursor_from_the_future`) drops the confirmed replica but not the shown one: the snapshot is merged into the old shown state, whose message stamps differ from the snapshot's (the server writes a message's snapshot stamps from its row's dates — node 'server', counter 0, and a millisecond less when the date does not round-trip through a Double — not from its stored contentHlc/bodyHlc), so messages show as edited until the next rebuild",
  snapshotStamps: "server: a pull's snapshot writes each message's stamps from its row's dates (op ids snapshot:m:/me:/md:, node 'server', counter 0) instead of the stamps stored with it (contentHlc/contentOperation, bodyHlc/bodyOperation): a device that merges the message's original insert after such a snapshot (its own insert acknowledged or pulled again after a reset, e.g. a lost answer sent again) shows it as edited for good, while the server and new devices do not; a later edit stamped between the two stamps would be taken by snapshot devices and refused by the server's merge",
  snapshotRounding: "server: a snapshot's read receipt (and a message's snapshot stamp) is the row's date converted back to milliseconds through a Double and rounded down, which loses a millisecond for many values (readUpTo 1796593532673 comes back as …672): after a compaction, a new device's receipt is 1 ms behind the database and the devices that synced incrementally",
  snapshotRace: "server: GET /sync/pull?cursor=0 reads the snapshot and the changes in two separate read transactions (SyncController.pull: database.snapshot, then database.storedChanges); a compaction committing in between moves the horizon, so the records created by the changes it removed are in neither (the snapshot left them to the log) and a new device never gets them (its cursor is past the horizon: no reset)",
  emptyLogCursor: "server: once a compaction has emptied the log, `latestSequence()` (max(seq) of syncChange) is 0, so every pull from a cursor > 0 is refused with cursor_from_the_future and every device downloads the whole snapshot again — until someone pushes a change",
};
const STRICT = process.env.TOLERATE_KNOWN !== "1";
/** Schedules per fresh copy of the seeded database (the records every schedule shares grow). */
const SEGMENT = Number(process.env.SEGMENT ?? 25);

test(`${SCHEDULES} random schedules converge through ft serve (seeds ${FIRST_SEED}…${FIRST_SEED + SCHEDULES - 1})`, { skip: ready ? false : `needs ${FT_BINARY} and the sqlite3 tool` }, async (t) => {
  const started = Date.now();
  const data = await seededDataDir();
  const pristine = join(data.root, "pristine");
  cpSync(data.dataDir, pristine, { recursive: true });
  // No watcher (`--alert-interval 0`): the seeded due dates are in the past of the real clock,
  // so it marked steps overdue at any moment, also between the last sync and the checks (a fresh
  // device or the database a change ahead). Server-made markers converge in OverdueStepTests.
  const server = new FTServer({ dataDir: data.dataDir, env: data.env, options: ["--alert-interval", "0"] });
  /** @type {string[]} */
  const warnings = [];
  const warn = console.warn;
  console.warn = (...args) => warnings.push(args.map(String).join(" "));
  try {
    /** @type {Run} */
    const run = {
      server, data, sessions: {}, warnings, world: null,
      // Tombstones stay: purging deleted messages (by design) would drop them from new devices only.
      compactArguments: ["--tombstones-days", "36500"],
      stats: {
        operations: {}, accepted: 0, rejected: {}, uploads: {}, requests: 0, pulls: 0, resets: 0, restarts: 0, refusedLocally: 0, joiners: 0, reloads: 0, offline: 0, resent: 0,
        reordered: 0, split: 0, duplicated: 0, lostAnswers: 0, tooLarge: 0, networkDown: 0, compactions: { concurrent: 0, stopped: 0 }, compactedSchedules: 0, databaseFields: 0,
      },
    };
    const failed = [];
    /** @type {Map<string, number[]>} */
    const known = new Map();
    let segmentStart = FIRST_SEED;
    for (let index = 0; index < SCHEDULES; index++) {
      const seed = FIRST_SEED + index;
      if (index % SEGMENT === 0) {
        // A fresh copy of the seeded database, the server restarted on it, everyone signed in again.
        segmentStart = seed;
        await server.stop();
        rmSync(data.dataDir, { recursive: true, force: true });
        cpSync(pristine, data.dataDir, { recursive: true });
        await server.start(server.port || undefined);
        const clientAPI = new SyncAPI({ baseURL: server.baseURL, fetch });
        const expertAPI = new SyncAPI({ baseURL: server.baseURL, fetch });
        run.sessions = {
          client: await clientAPI.signIn("client@financialtracker.example", PASSWORD),
          expert: await expertAPI.signIn("expert@financialtracker.example", PASSWORD),
        };
        run.world = await discoverWorld(run, clientAPI, expertAPI);
      }
      const schedule = await runSchedule(run, seed);
      if (warnings.length > 0) schedule.failures.push(`the engine warned: ${warnings.splice(0).slice(0, 3).join(" | ")}`);
      const replay = [`replay alone: SEED=${seed} node --test ${FILE}`, `replay the run up to it: SEED=${segmentStart} SCHEDULES=${seed - segmentStart + 1} node --test ${FILE}`];
      for (const bug of new Set(schedule.known.map((entry) => entry.bug))) known.set(bug, [...(known.get(bug) ?? []), seed]);
      const problems = STRICT ? [...schedule.failures, ...schedule.known.map((entry) => `[known: ${entry.bug}] ${entry.text}`)] : schedule.failures;
      if (problems.length > 0 || (schedule.known.length > 0 && !known.has(`${schedule.known[0].bug}:shown`))) {
        const logFile = join(tmpdir(), `ft-convergence-seed${seed}.log`);
        writeFileSync(logFile, schedule.log.join("\n") + "\n");
        if (problems.length > 0) {
          failed.push(seed);
          for (const line of [`seed ${seed} FAILED (${problems.length} problems):`, ...problems.slice(0, 6), ...replay, `what the devices did: ${logFile}`].join("\n").split("\n")) t.diagnostic(line);
        } else {
          // The first schedule showing a known bug, in full, once per run.
          known.set(`${schedule.known[0].bug}:shown`, []);
          for (const line of [`seed ${seed}: known bug ${schedule.known[0].bug}:`, schedule.known[0].text, ...replay, `what the devices did: ${logFile}`].join("\n").split("\n")) t.diagnostic(line);
        }
      }
    }
    const { stats } = run;
    t.diagnostic(`${SCHEDULES} schedules (${Math.ceil(SCHEDULES / SEGMENT)} fresh databases) in ${((Date.now() - started) / 1000).toFixed(1)} s; ${stats.requests} requests, ${stats.pulls} pull pages, ${stats.resets} snapshot resets and ${stats.restarts} restarts from 0 (cursor_from_the_future) after ${stats.compactions.concurrent} compactions beside the server and ${stats.compactions.stopped} with it stopped`);
    t.diagnostic(`operations: ${JSON.stringify(stats.operations)}; accepted ${stats.accepted}; refused ${JSON.stringify(stats.rejected)}; uploads ${JSON.stringify(stats.uploads)}`);
    t.diagnostic(`faults: ${stats.reordered} reordered, ${stats.split} split, ${stats.duplicated} with copies, ${stats.lostAnswers} answers lost, ${stats.tooLarge} "too large", ${stats.networkDown} network failures, ${stats.resent} sent again, ${stats.offline} offline periods, ${stats.reloads} reloads, ${stats.refusedLocally} edits refused by the engine (clock set back), ${stats.joiners} devices joining; ${stats.databaseFields} records checked against SQLite`);
    for (const [bug, seeds] of known) {
      if (bug.endsWith(":shown")) continue;
      t.diagnostic(`KNOWN BUG ${bug} (${STRICT ? "failing" : "tolerated: TOLERATE_KNOWN=1"}) in ${seeds.length} schedules, e.g. SEED=${seeds[0]}: ${KNOWN_BUGS[bug]}`);
    }
    assert.deepEqual(failed, [], `schedules that did not converge: ${failed.join(", ")} (see the diagnostics; replay with SEED=<seed> node --test ${FILE})`);
  } finally {
    console.warn = warn;
    await server.close();
    if (!process.env.KEEP_DATA) data.remove();
    else t.diagnostic(`data kept in ${data.root}`);
  }
});
