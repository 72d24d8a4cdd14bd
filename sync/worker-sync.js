// @ts-check
// The outbox flushed from the service worker (Background Sync, tag "ft-outbox"): the same outbox
// and storage the pages use, with the session's token from IndexedDB. Refused changes become
// notices there; the pages are told to reload their view of the outbox and the notices.

import { Outbox } from "./outbox.js";
import { SyncAPI } from "./protocol.js";
import { LocalStore } from "./store.js";

export const SYNC_TAG = "ft-outbox";

/**
 * Sends what the outbox holds. Rejects when the network failed, so that the browser schedules the
 * Background Sync again.
 * @param {{origin: string, fetch?: typeof globalThis.fetch, store?: LocalStore, now?: () => number}} options
 */
export async function flushOutbox({ origin, fetch = globalThis.fetch.bind(globalThis), store = new LocalStore(), now = () => Date.now() }) {
  const session = await store.meta("session");
  if (!session?.token) return null;
  const api = new SyncAPI({ baseURL: origin, fetch, token: session.token });
  const outbox = new Outbox({
    storage: store.outbox,
    push: (operations) => api.push(operations),
    onSettled: async ({ rejected }) => {
      if (rejected.length > 0) await store.addNotices(rejected.map(({ operation, rejection }) => ({ id: operation.id, at: now(), code: rejection.code, message: rejection.message, operation })));
    },
    timers: { setTimeout: () => null, clearTimeout: () => {} }, // the browser retries the sync event itself
  });
  const report = await outbox.flush();
  if (report.error && report.error.remedy === "retry") throw report.error;
  return report;
}
