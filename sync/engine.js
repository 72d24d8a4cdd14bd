// @ts-check
// The app's sync engine: the one object a page talks to. It restores the local replica from
// IndexedDB (store.js), applies local edits to it at once and queues them in the outbox
// (outbox.js), pushes them, pulls what changed (protocol.js), listens on the live channel
// (live.js), and tells the page through events:
//   "change"   — the replica shown changed (detail: {collections: string[], confirmed?: true} —
//                `confirmed` when the server's changes arrived: pulled, live or acknowledged);
//   "pending"  — the number of changes waiting to be sent (detail: {count});
//   "notices"  — the list of refused changes changed (detail: {notices});
//   "status"   — online/offline, live channel state, last error (detail: status());
//   "session"  — signed in or out, or the session ended (detail: {session, reason?});
//   "typing", "presence" — the live channel's frames.
//
// Two replicas: `confirmed` (what the server acknowledged or sent: persisted) and `shown`
// (confirmed plus the outbox). A refused change leaves the outbox and `shown` is rebuilt from
// `confirmed` and what remains: merges are order-independent, so the replay is exact.

import { Backoff } from "./backoff.js";
import { copyReplica, encodeState, replicaFromRecords } from "./state-codec.js";
import { formatHLC, HybridLogicalClock, parseHLC } from "./hlc.js";
import { LiveChannel, liveURL } from "./live.js";
import { Replica } from "./merge.js";
import { Outbox } from "./outbox.js";
import { SyncAPI, SyncError } from "./protocol.js";
import { checkForm } from "./validate.js";

/** @typedef {import("./operation.js").SyncOperation} SyncOperation */
/** @typedef {import("./protocol.js").Session} Session */
/** @typedef {import("./store.js").Notice} Notice */

/** A fresh node id for this device's clock: 12 lowercase letters and digits (no "-"). @param {() => number} random */
export function newNodeId(random = Math.random) {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  let node = "";
  for (let i = 0; i < 12; i++) node += alphabet[Math.floor(random() * alphabet.length)];
  return node;
}

/**
 * The WebSocket constructor for the live channel, except that while the device is offline it
 * answers a socket that closes at once instead of dialing: the channel then waits out its backoff,
 * and `connect` (on \`online\`) starts it again. Without this a reconnection timer would open a
 * WebSocket while the browser says it is offline (DevTools' offline emulation lets those through).
 * @param {any} WebSocket @param {() => boolean} online @param {import("./live.js").Timers} timers
 */
export function offlineAwareSocket(WebSocket, online, timers) {
  return function LiveSocket(/** @type {string} */ url) {
    if (online()) return new WebSocket(url);
    /** @type {any} */
    const socket = { send() {}, close() {}, onopen: null, onmessage: null, onclose: null, onerror: null };
    timers.setTimeout(() => socket.onclose?.({ code: 1006 }), 0);
    return socket;
  };
}

export class Engine extends EventTarget {
  /**
   * @param {{
   *   baseURL: string, store: import("./store.js").LocalStore, fetch?: typeof globalThis.fetch,
   *   WebSocket?: any, now?: () => number, timers?: import("./live.js").Timers,
   *   online?: () => boolean, newId?: () => string, requestBackgroundSync?: () => unknown,
   * }} options
   */
  constructor({ baseURL, store, fetch = globalThis.fetch.bind(globalThis), WebSocket = globalThis.WebSocket, now = () => Date.now(), timers = globalThis, online = () => globalThis.navigator?.onLine ?? true, newId = () => crypto.randomUUID(), requestBackgroundSync = () => {} }) {
    super();
    this.baseURL = baseURL;
    this.store = store;
    this.api = new SyncAPI({ baseURL, fetch });
    this.WebSocket = WebSocket;
    this.now = now;
    this.timers = timers;
    this.online = online;
    this.newId = newId;
    this.requestBackgroundSync = requestBackgroundSync;
    /** @type {Session | null} */
    this.session = null;
    this.cursor = 0;
    /** Whether the confirmed replica holds a pulled snapshot (a cursor above 0, or a pull applied since the last reset). */
    this.hasBase = false;
    this.confirmed = new Replica();
    this.shown = new Replica();
    /** @type {HybridLogicalClock | null} */
    this.clock = null;
    this.pendingCount = 0;
    /** Ids of the operations still in the outbox (what the page marks "waiting"). @type {Set<string>} */
    this.pendingIds = new Set();
    /** The operations still in the outbox. @type {SyncOperation[]} */
    this.pendingOperations = [];
    /** @type {Notice[]} */
    this.notices = [];
    /** @type {string | null} */
    this.lastError = null;
    /** @type {LiveChannel | null} */
    this.live = null;
    /** Conversations whose typing and presence frames the page wants. @type {Set<number>} */
    this.watching = new Set();
    /** Replica writes, one after the other (pull pages, live frames, push answers). */
    this.queue = Promise.resolve();
    this.outbox = new Outbox({
      storage: store.outbox,
      push: (operations) => this.api.push(operations),
      onSettled: (settled) => this.settled(settled),
      backoff: new Backoff({ base: 1_000, maximum: 60_000 }),
      timers,
    });
  }

  /** Restores the replica, clock and session from IndexedDB, then syncs if signed in. */
  async start() {
    const [session, node, latest, cursor, records, notices] = await Promise.all([
      this.store.meta("session"), this.store.meta("node"), this.store.meta("clock"), this.store.meta("cursor"),
      this.store.records(), this.store.notices(),
    ]);
    let nodeId = node;
    if (!nodeId) {
      nodeId = newNodeId();
      await this.store.setMeta({ node: nodeId });
    }
    this.clock = new HybridLogicalClock({ node: nodeId, wallMilliseconds: this.now, latest: latest ?? undefined });
    this.session = session ?? null;
    this.api.token = this.session?.token ?? null;
    this.cursor = cursor ?? 0;
    this.hasBase = this.cursor > 0;
    this.confirmed = replicaFromRecords(records);
    this.notices = notices;
    await this.rebuild();
    this.emit("notices", { notices: this.notices });
    if (this.session) this.connect();
    return this;
  }

  /** What the status line shows. */
  status() {
    return { online: this.online(), live: this.live?.state ?? "stopped", pending: this.pendingCount, error: this.lastError, signedIn: this.session !== null };
  }

  /** @param {string} type @param {unknown} [detail] */
  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  // Session

  /** @param {string} email @param {string} password */
  async signIn(email, password) {
    const session = await this.api.signIn(email, password);
    if (this.session?.user.id !== session.user.id) {
      // Another person on this device: nothing of the previous one stays.
      await this.resetLocal();
    }
    this.session = session;
    await this.store.setMeta({ session });
    this.emit("session", { session });
    this.connect();
    return session;
  }

  async signOut() {
    this.live?.stop();
    this.live = null;
    try {
      await this.api.signOut();
    } catch {
      // Offline: the token is forgotten here; it expires on the server.
    }
    this.session = null;
    await this.resetLocal();
    this.emit("session", { session: null });
  }

  /** Ends every session of the account on the server (throws offline), then this device's as `signOut` does. */
  async signOutEverywhere() {
    await this.api.signOutEverywhere();
    this.live?.stop();
    this.live = null;
    this.session = null;
    await this.resetLocal();
    this.emit("session", { session: null });
  }

  /**
   * Deletes the account on the server (throws offline or on a wrong password, deleting nothing),
   * then forgets everything of it on this device. Resolves to the server's sentence.
   * @param {string} password @returns {Promise<string>}
   */
  async deleteAccount(password) {
    const said = await this.api.deleteAccount(password);
    this.live?.stop();
    this.live = null;
    this.session = null;
    await this.resetLocal();
    this.emit("session", { session: null });
    return said;
  }

  async resetLocal() {
    await this.store.wipe();
    this.cursor = 0;
    this.hasBase = false;
    this.confirmed = new Replica();
    this.notices = [];
    await this.rebuild();
    this.emit("notices", { notices: this.notices });
  }

  /** The session is over (401, or the live channel says so): keep the data, ask to sign in. @param {string} reason */
  async sessionEnded(reason) {
    this.live?.stop();
    this.live = null;
    this.session = null;
    this.api.token = null;
    await this.store.setMeta({ session: null });
    this.emit("session", { session: null, reason });
  }

  // Connection

  /**
   * Starts syncing: push, pull, then the live channel. Called on start, sign-in and `online`.
   * The live channel starts at once only when the replica already holds a pulled snapshot
   * (`hasBase`): its catch-up carries the log's changes and never the snapshot, so on a fresh
   * device (or after another user's sign-in) a frame applied before the first pull would move the
   * cursor past 0 and that pull would skip the snapshot — every record older than the log's
   * changes would be missing. Without a base, the channel starts once the first pull is applied.
   */
  connect() {
    if (!this.session || !this.online()) {
      this.emit("status", this.status());
      return;
    }
    const synced = this.sync();
    if (this.hasBase) this.startLive();
    else synced.then(() => this.startLive());
  }

  /** The live channel, from the replica's cursor (nothing until the first pull has applied a snapshot). */
  startLive() {
    if (!this.session || !this.online() || !this.hasBase) return;
    if (!this.live) {
      this.live = new LiveChannel({
        url: liveURL(this.baseURL),
        WebSocket: offlineAwareSocket(this.WebSocket, this.online, this.timers),
        token: () => this.api.token,
        cursor: this.cursor,
        timers: this.timers,
        handlers: {
          changes: (frame) => this.enqueue(() => this.applyOperations(frame.changes.map((change) => change.operation), frame.cursor)),
          resync: async () => {
            await this.pull();
            return this.cursor;
          },
          typing: (frame) => this.emit("typing", frame),
          presence: (frame) => this.emit("presence", frame),
          stopped: (reason) => {
            if (reason.remedy === "signIn") this.sessionEnded(reason.code);
            else this.fail(reason.message);
          },
          state: () => this.emit("status", this.status()),
        },
      });
      for (const conversation of this.watching) this.live.watching.add(conversation);
    }
    this.live.cursor = Math.max(this.live.cursor, this.cursor);
    if (this.live.state === "waiting") this.live.stop(); // back online: no need to wait out the backoff
    this.live.start();
  }

  /** The device went offline: stop the live channel (it reconnects on `online`). */
  disconnect() {
    this.live?.stop();
    this.outbox.cancelRetry();
    this.emit("status", this.status());
  }

  /** Push what is pending, then pull. Errors end up in the status, never thrown. */
  async sync() {
    await this.flush();
    try {
      await this.pull();
    } catch (error) {
      await this.handleError(error);
    }
  }

  /** Sends the outbox now (unless offline or signed out). */
  async flush() {
    if (!this.session || !this.online()) return null;
    const report = await this.outbox.flush();
    await this.refreshPending();
    if (report.error?.remedy === "retry") this.requestBackgroundSync();
    if (report.error) await this.handleError(report.error);
    else this.lastError = null;
    this.emit("status", this.status());
    return report;
  }

  /** Pulls every page after the cursor into the replica. */
  async pull() {
    if (!this.session) return;
    await this.enqueue(async () => {
      let restarted = false;
      await this.api.pullAll(this.cursor, {
        apply: (page) => this.applyOperations([...(page.snapshot ?? []), ...page.changes.map((change) => change.operation)], page.cursor),
        restart: async () => {
          restarted = true;
          await this.store.clearReplica();
          this.confirmed = new Replica();
          this.cursor = 0;
        },
      });
      // The shown replica was the dropped one plus the outbox, with the snapshot merged into it:
      // made again from the new confirmed replica and the outbox.
      if (restarted) await this.rebuild();
    });
    this.hasBase = true;
    if (this.live) this.live.cursor = Math.max(this.live.cursor, this.cursor);
    this.lastError = null;
    this.emit("status", this.status());
  }

  /** @param {unknown} error */
  async handleError(error) {
    if (error instanceof SyncError && error.remedy === "signIn") {
      await this.sessionEnded(error.code);
      return;
    }
    this.fail(error instanceof Error ? error.message : String(error));
  }

  /** @param {string} message */
  fail(message) {
    this.lastError = message;
    this.emit("status", this.status());
  }

  /** @template T @param {() => Promise<T>} work @returns {Promise<T>} */
  enqueue(work) {
    const next = this.queue.then(work);
    this.queue = next.catch(() => {});
    return next;
  }

  // The replica

  /**
   * Server-confirmed operations (pulled, sent live, or acknowledged): into both replicas, into
   * storage with the new cursor; an operation of ours that comes back leaves the outbox.
   * @param {SyncOperation[]} operations @param {number} [cursor]
   */
  async applyOperations(operations, cursor) {
    /** @type {Map<string, {collection: string, record: string}>} */
    const touched = new Map();
    /** @type {Set<string>} */
    const collections = new Set();
    for (const operation of operations) {
      try {
        if (!this.confirmed.apply(operation)) continue;
      } catch (error) {
        // A change this app cannot read (written before the server's current checks): skipped,
        // the cursor moves past it all the same, so one bad change never stops this device.
        console.warn("change skipped", operation?.id, error);
        continue;
      }
      this.shown.apply(operation);
      touched.set(`${operation.collection}\u0000${operation.record}`, { collection: operation.collection, record: operation.record });
      collections.add(operation.collection);
      const stamp = parseHLC(operation.hlc);
      try {
        if (stamp && this.clock) this.clock.receive(stamp);
      } catch {
        // A timestamp far ahead (another device's clock): merged all the same, not followed.
      }
    }
    const records = [...touched.values()].flatMap(({ collection, record }) => {
      const state = this.confirmed.get(collection, record);
      return state ? [{ collection, record, state: encodeState(state) }] : [];
    });
    /** @type {Record<string, unknown>} */
    const meta = { clock: this.clock?.latest };
    if (cursor !== undefined && cursor > this.cursor) {
      this.cursor = cursor;
      meta.cursor = cursor;
    }
    await this.store.saveRecords(records, meta);
    // Ours, confirmed some other way than a push answer (a lost answer, another tab's push).
    const mine = new Set(operations.map((operation) => operation.id));
    const pending = await this.store.outbox.all();
    const done = pending.filter((operation) => mine.has(operation.id)).map((operation) => operation.id);
    if (done.length > 0) {
      await this.store.outbox.remove(done);
      await this.refreshPending();
    }
    if (collections.size > 0) this.emit("change", { collections: [...collections], confirmed: true });
  }

  /** @param {{accepted: {operation: SyncOperation}[], rejected: {operation: SyncOperation, rejection: import("./protocol.js").RejectionJSON}[]}} settled */
  async settled({ accepted, rejected }) {
    if (accepted.length > 0) await this.enqueue(() => this.applyOperations(accepted.map(({ operation }) => operation)));
    if (rejected.length > 0) {
      const notices = rejected.map(({ operation, rejection }) => ({ id: operation.id, at: this.now(), code: rejection.code, message: rejection.message, operation }));
      await this.store.addNotices(notices);
      this.notices = await this.store.notices();
      await this.rebuild();
      this.emit("notices", { notices: this.notices });
    }
    await this.refreshPending();
  }

  /** `shown` = `confirmed` + the outbox, replayed. */
  async rebuild() {
    const shown = copyReplica(this.confirmed);
    const pending = await this.store.outbox.all();
    for (const operation of pending) shown.apply(operation);
    this.shown = shown;
    this.pendingIds = new Set(pending.map((operation) => operation.id));
    this.pendingOperations = pending;
    this.pendingCount = pending.length;
    this.emit("change", { collections: ["*"] });
    this.emit("pending", { count: this.pendingCount });
  }

  async refreshPending() {
    const pending = await this.store.outbox.all();
    const count = pending.length;
    const changed = pending.some((operation) => !this.pendingIds.has(operation.id)) || count !== this.pendingIds.size;
    this.pendingIds = new Set(pending.map((operation) => operation.id));
    this.pendingOperations = pending;
    if (changed) this.emit("change", { collections: [] });
    if (count !== this.pendingCount) {
      this.pendingCount = count;
      this.emit("pending", { count });
      this.emit("status", this.status());
    }
  }

  /** Another context (the service worker's Background Sync, another tab) changed the outbox or the notices. */
  async reloadFromStorage() {
    // What the worker sent left the outbox: pull it back first, or it would vanish from the page
    // until the live channel brings it.
    if (this.session && this.online()) {
      try {
        await this.pull();
      } catch {
        // Shown as it is; the next sync catches up.
      }
    }
    this.confirmed = replicaFromRecords(await this.store.records());
    this.notices = await this.store.notices();
    await this.rebuild();
    this.emit("notices", { notices: this.notices });
    this.emit("status", this.status());
  }

  /** @param {string} id */
  async dismissNotice(id) {
    await this.store.removeNotice(id);
    this.notices = await this.store.notices();
    this.emit("notices", { notices: this.notices });
  }

  // Local edits

  /**
   * A change made here: stamped, checked as the server would (shape and values; permissions the
   * server decides), shown at once, queued durably, sent when possible.
   * @param {string} collection @param {string} action @param {string} record
   * @param {Record<string, import("./operation.js").FieldValue>} fields
   * @returns {Promise<SyncOperation>}
   */
  async change(collection, action, record, fields) {
    if (!this.session || !this.clock) throw new Error("Connectez-vous d'abord.");
    /** @type {SyncOperation} */
    const operation = {
      id: this.newId(), collection, action, record, fields,
      hlc: formatHLC(this.clock.now()),
      actor: { user: this.session.user.id, role: this.session.user.role },
    };
    const refusal = checkForm(operation, this.now());
    if (refusal) throw refusal;
    await this.outbox.add(operation);
    await this.store.setMeta({ clock: this.clock.latest });
    this.shown.apply(operation);
    this.pendingIds.add(operation.id);
    this.pendingOperations = [...this.pendingOperations, operation];
    this.pendingCount += 1;
    this.emit("change", { collections: [collection] });
    this.emit("pending", { count: this.pendingCount });
    this.emit("status", this.status());
    // Offline, the browser is asked to send it once back online, even if every tab is closed by
    // then (Background Sync); online, the page sends it now.
    if (!this.online()) this.requestBackgroundSync();
    else this.timers.setTimeout(() => this.flush(), 0);
    return operation;
  }

  /** A new record id (for a message, a document, a version). */
  newRecordId() {
    return this.newId();
  }

  /** Live typing and presence for a conversation (kept across reconnections). @param {number} conversation */
  watch(conversation) {
    this.watching.add(conversation);
    this.live?.watch(conversation);
  }

  /** @param {number} conversation */
  typing(conversation) {
    this.live?.typing(conversation);
  }
}

