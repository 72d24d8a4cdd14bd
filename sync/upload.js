// @ts-check
// Sending a file as a new version of a dossier's document (the documents page and the
// conversation's attachments): the document, when new, is created through sync (collection
// "document", insert {dossier, title, category}) and sent at once; then the bytes are PUT to
// `/api/v1/documents/{document}/versions/{version}?fileName&hlc`, with progress (XMLHttpRequest:
// fetch has no upload progress), and the server creates the version through sync.

import { formatHLC } from "./hlc.js";
import { PROTOCOL_VERSION } from "./protocol.js";

/**
 * PUTs the bytes of a new version. @param {import("./engine.js").Engine} engine @param {string} document
 * @param {File} file @param {(percent: number) => void} progress @returns {Promise<string>} the version's id
 */
export function uploadVersion(engine, document, file, progress) {
  return new Promise((resolve, reject) => {
    if (!engine.clock) return reject(new Error("no clock"));
    const version = engine.newRecordId();
    const query = new URLSearchParams({ fileName: file.name, hlc: formatHLC(engine.clock.now()) });
    const request = new XMLHttpRequest();
    request.open("PUT", `/api/v1/documents/${encodeURIComponent(document)}/versions/${encodeURIComponent(version)}?${query}`);
    request.setRequestHeader("authorization", `Bearer ${engine.api.token}`);
    request.setRequestHeader("FT-Protocol", String(PROTOCOL_VERSION));
    request.setRequestHeader("content-type", "application/octet-stream");
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) progress(Math.round((event.loaded / event.total) * 100));
    };
    request.onload = () => {
      if (request.status === 200 || request.status === 201) resolve(version);
      else {
        let message = `HTTP ${request.status}`;
        try {
          message = JSON.parse(request.responseText).message ?? message;
        } catch {}
        reject(new Error(message));
      }
    };
    request.onerror = () => reject(new Error("réseau"));
    request.send(file);
  });
}

/**
 * Creates a document of a dossier through sync and waits until the server has accepted it.
 * @param {import("./engine.js").Engine} engine @param {{dossier: number, title: string, category: string}} fields
 * @param {string} refusedText the error's message when the server refuses it @returns {Promise<string>} the document's id
 */
export async function createDocument(engine, fields, refusedText) {
  const document = engine.newRecordId();
  await engine.change("document", "insert", document, fields);
  const report = await engine.flush();
  if (report?.rejected.some(({ operation }) => operation.record === document)) throw new Error(refusedText);
  if (engine.pendingIds.size && engine.pendingOperations.some((operation) => operation.record === document)) throw new Error(refusedText);
  return document;
}
