// @ts-check
// The durable outbox: operations made on this device that the server has not yet acknowledged.
// They live in storage (IndexedDB in the app, a Map in tests), so they survive reloads and closed
// tabs, and every flush reads them back from there: any tab, or the service worker's Background
// Sync, may send what another tab queued. An operation keeps its id for life, so a retry — after a
// lost answer, from two tabs at once — is acknowledged again by the server and never applied twice.
//
// A flush sends the oldest first (by HLC), in batches of at most MAXIMUM_BATCH, and sorts each
// answer (settlePush): accepted and rejected leave the outbox; the rejected ones go to `onSettled`
// so the app undoes them and says why; unanswered ones stay for the next try. A failure asks
// `SyncError.remedy`: retry after a backoff, split the batch, or stop until the user signs in.

import { Backoff } from "./backoff.js";
import { compareHLC, requireHLC } from "./hlc.js";
import { MAXIMUM_BATCH, settlePush, SyncError } from "./protocol.js";

/** @typedef {import("./operation.js").SyncOperation} SyncOperation */
/** @typedef {import("./protocol.js").RejectionJSON} RejectionJSON */
/**
 * Where the outbox is kept: every operation by id.
 * @typedef {{all: () => Promise<SyncOperation[]>, put: (operation: SyncOperation) => Promise<unknown>, remove: (ids: string[]) => Promise<unknown>}} OutboxStorage
 */
/**
 * What a flush did.
 * @typedef {{sent: number, accepted: {operation: SyncOperation, seq: number | undefined}[],
 *   rejected: {operation: SyncOperation, rejection: RejectionJSON}[], error: SyncError | null, remaining: number}} FlushReport
 */

/** Oldest first: by HLC, then id (two tabs may share a clock reading). @param {SyncOperation} a @param {SyncOperation} b */
export function compareOperations(a, b) {
  return compareHLC(requireHLC(a.hlc), requireHLC(b.hlc)) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export class Outbox {
  /**
   * @param {{
   *   storage: OutboxStorage,
   *   push: (operations: SyncOperation[]) => Promise<import("./protocol.js").PushResult[]>,
   *   onSettled?: (settled: {accepted: FlushReport["accepted"], rejected: FlushReport["rejected"]}) => unknown,
   *   backoff?: Backoff, timers?: import("./live.js").Timers, batchSize?: number,
   * }} options
   *   `onSettled` is awaited after each batch's answers have left storage.
   */
  constructor({ storage, push, onSettled = () => {}, backoff = new Backoff(), timers = globalThis, batchSize = MAXIMUM_BATCH }) {
    this.storage = storage;
    this.push = push;
    this.onSettled = onSettled;
    this.backoff = backoff;
    this.timers = timers;
    this.batchSize = batchSize;
    /** The flush under way. @type {Promise<FlushReport> | null} */
    this.running = null;
    /** Whether something was added (or asked for) during the flush under way. */
    this.again = false;
    /** @type {unknown} */
    this.timer = null;
  }

  /** Queues an operation (durably: resolved once stored). @param {SyncOperation} operation */
  async add(operation) {
    await this.storage.put(operation);
    if (this.running) this.again = true;
  }

  /** Every pending operation, oldest first. */
  async pending() {
    return (await this.storage.all()).sort(compareOperations);
  }

  /**
   * Sends everything pending. One flush at a time: a call during a flush waits for it and then
   * flushes again if something was added meanwhile.
   * @returns {Promise<FlushReport>}
   */
  flush() {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.cancelRetry();
    this.running = (async () => {
      /** @type {FlushReport} */
      let report;
      try {
        do {
          this.again = false;
          report = await this.send();
        } while (this.again && !report.error);
      } finally {
        this.running = null;
      }
      return report;
    })();
    return this.running;
  }

  /** One pass over what storage holds. @returns {Promise<FlushReport>} */
  async send() {
    let queue = await this.pending();
    /** @type {FlushReport} */
    const report = { sent: 0, accepted: [], rejected: [], error: null, remaining: queue.length };
    let size = this.batchSize;
    while (queue.length > 0) {
      const batch = queue.slice(0, size);
      let results;
      try {
        results = await this.push(batch);
      } catch (caught) {
        const error = caught instanceof SyncError ? caught : new SyncError(0, "network", String(caught));
        const remedy = error.remedy;
        if ((remedy === "split" || remedy === "fix") && batch.length > 1) {
          size = Math.ceil(batch.length / 2); // find the culprit, or a size the server takes
          continue;
        }
        if (remedy === "fix") {
          // One operation the server cannot read at all: it would block the queue for ever.
          const rejected = [{ operation: batch[0], rejection: { code: error.code, message: error.message } }];
          await this.storage.remove([batch[0].id]);
          report.rejected.push(...rejected);
          await this.onSettled({ accepted: [], rejected });
          queue = queue.slice(1);
          continue;
        }
        report.error = error;
        if (remedy === "retry") this.retryAfter(this.backoff.next());
        break;
      }
      report.sent += batch.length;
      const { accepted, rejected, unanswered } = settlePush(batch, results);
      const settled = {
        accepted: accepted.map(({ operation, seq }) => ({ operation: /** @type {SyncOperation} */ (operation), seq })),
        rejected: rejected.map(({ operation, rejection }) => ({ operation: /** @type {SyncOperation} */ (operation), rejection })),
      };
      await this.storage.remove([...settled.accepted, ...settled.rejected].map(({ operation }) => operation.id));
      report.accepted.push(...settled.accepted);
      report.rejected.push(...settled.rejected);
      await this.onSettled(settled);
      if (unanswered.length > 0) {
        this.retryAfter(this.backoff.next());
        break;
      }
      queue = queue.slice(batch.length);
    }
    if (!report.error) this.backoff.reset();
    report.remaining = (await this.storage.all()).length;
    return report;
  }

  /** Flushes again after `delay` ms (an earlier pending retry wins). @param {number} delay */
  retryAfter(delay) {
    if (this.timer !== null) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.flush();
    }, delay);
  }

  cancelRetry() {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }
}
