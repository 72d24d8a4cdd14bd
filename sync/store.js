// @ts-check
// The local replica, persisted in IndexedDB (one database per origin, "financialtracker"):
//   meta     — the session (token and user), the pull cursor, the HLC clock's latest reading and
//              this device's node id;
//   records  — every record the user may see, as merge.js's Replica holds it (state-codec.js),
//              as confirmed by the server (pulled, or acknowledged on push);
//   outbox   — the operations made here and not yet acknowledged (outbox.js), by id;
//   notices  — changes the server refused, to show until the user dismisses them.
// Attachments chosen offline wait in meta under "upload:<id>" (the file as a Blob; uploads.js).
// Shared by the pages and the service worker; only idb.js touches IndexedDB itself.

import { get, getAll, openDatabase, promisifyRequest } from "./idb.js";
import { recordKey } from "./state-codec.js";

/** @typedef {import("./state-codec.js").StoredRecord} StoredRecord */
/** @typedef {import("./operation.js").SyncOperation} SyncOperation */
/** A refused change, under its operation's id (refused twice — by a page and by the worker — it is one notice). @typedef {{id: string, at: number, code: string, message: string, operation: SyncOperation}} Notice */

export const DATABASE_NAME = "financialtracker";
const STORES = ["meta", "records", "outbox", "notices"];

export class LocalStore {
  /** @param {{name?: string, factory?: IDBFactory}} [options] */
  constructor({ name = DATABASE_NAME, factory } = {}) {
    this.use = openDatabase(name, 1, (db) => {
      db.createObjectStore("meta");
      db.createObjectStore("records");
      db.createObjectStore("outbox", { keyPath: "id" });
      db.createObjectStore("notices", { keyPath: "id" });
    }, factory);
  }

  /** @param {string} key @returns {Promise<any>} */
  meta(key) {
    return this.use("meta", "readonly", (tx) => get(tx.objectStore("meta"), key));
  }

  /** Sets several meta keys in one transaction. @param {Record<string, unknown>} values */
  setMeta(values) {
    return this.use("meta", "readwrite", (tx) => {
      const meta = tx.objectStore("meta");
      for (const [key, value] of Object.entries(values)) meta.put(value, key);
    });
  }

  /** @returns {Promise<StoredRecord[]>} */
  records() {
    return this.use("records", "readonly", (tx) => getAll(tx.objectStore("records")));
  }

  /**
   * Stores changed records and the new cursor together, so that a crash never leaves a cursor
   * ahead of the records it stands for.
   * @param {StoredRecord[]} records @param {Record<string, unknown>} [meta]
   */
  saveRecords(records, meta = {}) {
    return this.use(["records", "meta"], "readwrite", (tx) => {
      const store = tx.objectStore("records");
      for (const stored of records) store.put(stored, recordKey(stored.collection, stored.record));
      for (const [key, value] of Object.entries(meta)) tx.objectStore("meta").put(value, key);
    });
  }

  /** Drops the replica (a reset pull): records and cursor; the outbox stays. */
  clearReplica() {
    return this.use(["records", "meta"], "readwrite", (tx) => {
      tx.objectStore("records").clear();
      tx.objectStore("meta").put(0, "cursor");
    });
  }

  /** Forgets everything but the device's node id (another user signs in on this device). */
  async wipe() {
    const node = await this.meta("node");
    await this.use(STORES, "readwrite", (tx) => {
      for (const name of STORES) tx.objectStore(name).clear();
      if (node) tx.objectStore("meta").put(node, "node");
    });
  }

  /** The outbox's storage (outbox.js). @returns {import("./outbox.js").OutboxStorage} */
  get outbox() {
    return {
      all: () => this.use("outbox", "readonly", (tx) => getAll(tx.objectStore("outbox"))),
      put: (operation) => this.use("outbox", "readwrite", (tx) => promisifyRequest(tx.objectStore("outbox").put(operation))),
      remove: (ids) => this.use("outbox", "readwrite", (tx) => {
        for (const id of ids) tx.objectStore("outbox").delete(id);
      }),
    };
  }

  /** Attachments waiting for the network (uploads.js), oldest first. @returns {Promise<import("./uploads.js").QueuedUpload[]>} */
  async uploads() {
    const range = IDBKeyRange.bound("upload:", "upload:\uffff");
    /** @type {import("./uploads.js").QueuedUpload[]} */
    const all = await this.use("meta", "readonly", (tx) => promisifyRequest(tx.objectStore("meta").getAll(range)));
    return all.sort((a, b) => a.at - b.at);
  }

  /** @param {import("./uploads.js").QueuedUpload} upload */
  putUpload(upload) {
    return this.use("meta", "readwrite", (tx) => {
      tx.objectStore("meta").put(upload, `upload:${upload.id}`);
    });
  }

  /** @param {string} id */
  removeUpload(id) {
    return this.use("meta", "readwrite", (tx) => {
      tx.objectStore("meta").delete(`upload:${id}`);
    });
  }

  /** @param {Notice[]} notices */
  addNotices(notices) {
    return this.use("notices", "readwrite", (tx) => {
      for (const notice of notices) tx.objectStore("notices").put(notice);
    });
  }

  /** @returns {Promise<Notice[]>} */
  notices() {
    return this.use("notices", "readonly", (tx) => getAll(tx.objectStore("notices")));
  }

  /** @param {string} id */
  removeNotice(id) {
    return this.use("notices", "readwrite", (tx) => {
      tx.objectStore("notices").delete(id);
    });
  }
}
