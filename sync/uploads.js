// @ts-check
// Attachments chosen while offline: the file is kept in IndexedDB as a Blob (meta keys
// "upload:<id>", beside the outbox; no new object store, so an open tab of the previous build
// keeps its database) and sent when the network is back — from whichever app page opens or comes
// online first — as online: a new document of the dossier ("other"), its bytes PUT, then the
// message naming it. An entry leaves the queue only once its message is in the outbox; a failed
// upload stays queued for the next try (a refusal is said and dropped).

import { createDocument, uploadVersion } from "./upload.js";

/** @typedef {{id: string, at: number, dossier: number, conversation: number, name: string, message: string, blob: Blob}} QueuedUpload */

/**
 * A file as an attachment of a conversation: the document, the upload (with progress), the message.
 * @param {import("./ui.js").App} app @param {{dossier: number, conversation: number, file: Blob, name: string, message: string}} attachment
 * @param {(percent: number) => void} progress
 */
export async function sendAttachment({ engine, strings }, { dossier, conversation, file, name, message }, progress) {
  const document = await createDocument(engine, { dossier, title: name, category: "other" }, strings.refused ?? "");
  await uploadVersion(engine, document, file instanceof File ? file : new File([file], name, { type: file.type }), progress);
  await engine.change("message", "insert", engine.newRecordId(), { conversation, body: message });
}

/** Keeps a file to send once online. @param {import("./store.js").LocalStore} store @param {Omit<QueuedUpload, "id" | "at">} upload */
export async function queueUpload(store, upload) {
  const entry = { ...upload, id: crypto.randomUUID(), at: Date.now() };
  await store.putUpload(entry);
  return entry;
}

/** @type {Promise<number> | null} */
let sending = null;

/**
 * Sends the queued attachments, oldest first, one run at a time; answers how many were sent.
 * Stops at the first network failure (the rest wait for the next `online` or start).
 * @param {import("./ui.js").App} app @param {(upload: QueuedUpload, percent: number) => void} [progress]
 * @param {(upload: QueuedUpload, error: unknown) => void} [failed]
 */
export function sendQueuedUploads(app, progress = () => {}, failed = () => {}) {
  if (sending) return sending;
  sending = (async () => {
    const { engine } = app;
    let sent = 0;
    for (const upload of await engine.store.uploads()) {
      if (!engine.session || !engine.online()) break;
      try {
        await sendAttachment(app, { ...upload, file: upload.blob }, (percent) => progress(upload, percent));
        await engine.store.removeUpload(upload.id);
        sent += 1;
      } catch (error) {
        failed(upload, error);
        if (error instanceof Error && error.message === app.strings.refused) await engine.store.removeUpload(upload.id);
        else break;
      }
    }
    return sent;
  })().finally(() => {
    sending = null;
  });
  return sending;
}
