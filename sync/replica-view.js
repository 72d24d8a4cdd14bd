// @ts-check
// What a person would see of each record (FTSync's Replica+View.swift): the form the shared test
// vectors are written in, and byte-identical between replicas that hold the same state.

import { canonicalJSON } from "./canonical-json.js";
import { formatHLC } from "./hlc.js";
import { compareWrites, effectiveFields, isEdited, visibleBody } from "./record-states.js";

/** @typedef {import("./record-states.js").RecordState} RecordState */

/**
 * The view of one record (`Replica.view(_:)`), as plain JSON values; a missing part is `null`.
 * @param {RecordState} state
 * @returns {Record<string, unknown>} (step fields as a Map, whose keys are any strings)
 */
export function recordView(state) {
  switch (state.kind) {
    case "message":
      return {
        conversation: state.content?.value.conversation ?? null,
        author: state.content?.value.author ?? null,
        body: visibleBody(state),
        deleted: state.deletion !== null,
        edited: isEdited(state),
      };
    case "rating":
      return { score: state.value?.value.score ?? null, comment: state.value?.value.comment ?? null, author: state.value?.value.author ?? null };
    case "readReceipt":
      return { readUpTo: state.readUpTo };
    case "document":
      return {
        dossier: state.content?.value.dossier ?? null, createdBy: state.content?.value.createdBy ?? null,
        title: state.title?.value ?? null, category: state.category?.value ?? null,
      };
    case "documentVersion": {
      const content = state.content?.value;
      const validation = state.validation?.value;
      return {
        document: content?.document ?? null, fileName: content?.fileName ?? null, mediaType: content?.mediaType ?? null,
        byteCount: content?.byteCount ?? null, sha256: content?.sha256 ?? null, uploadedBy: content?.uploadedBy ?? null,
        validation: validation?.state ?? "pending", reason: validation?.reason ?? null, validatedBy: validation?.by ?? null,
      };
    }
    case "dossier": {
      const content = state.content?.value;
      return {
        product: content?.product ?? null, description: content?.description ?? null, amount: content?.amount ?? null,
        expert: content?.expert ?? null, answers: content?.answers ?? null, client: content?.client ?? null,
      };
    }
    case "offer":
      return { answer: state.answer?.value.answer ?? null, reason: state.answer?.value.reason ?? null, by: state.answer?.value.by ?? null };
    case "preference":
      return { enabled: state.enabled?.value ?? null };
    case "step":
      return {
        fields: new Map(effectiveFields(state)),
        history: [...state.history.values()].sort(compareWrites).map((write) => [write.field, write.value, formatHLC(write.hlc), write.user]),
      };
  }
}

/**
 * `Replica.canonicalJSON()`: `{collection: {record: view}}` for every record, serialized as
 * Foundation's JSONSerialization does with `.sortedKeys` and `.withoutEscapingSlashes`.
 * @param {Iterable<[string, string, RecordState]>} records
 */
export function replicaJSON(records) {
  /** @type {Map<string, Map<string, unknown>>} */
  const collections = new Map();
  for (const [collection, record, state] of records) {
    let views = collections.get(collection);
    if (!views) collections.set(collection, (views = new Map()));
    views.set(record, recordView(state));
  }
  return canonicalJSON(collections);
}
