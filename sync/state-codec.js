// @ts-check
// A record's merge state (record-states.js) as plain data that IndexedDB's structured clone and
// JSON both keep, and back: what the local replica persists per record. Only a step's state holds
// maps (its fields by name, its history by write); every other state is plain already.

import { Replica } from "./merge.js";
import { TextMap } from "./text.js";

/** @typedef {import("./record-states.js").RecordState} RecordState */
/** @typedef {{collection: string, record: string, state: any}} StoredRecord */

/** @param {RecordState} state @returns {any} */
export function encodeState(state) {
  if (state.kind !== "step") return state;
  return { kind: "step", fields: [...state.fields], history: [...state.history] };
}

/** @param {any} data @returns {RecordState} */
export function decodeState(data) {
  if (data.kind !== "step") return data;
  /** @type {TextMap<any>} */
  const fields = new TextMap();
  for (const [name, stamped] of data.fields) fields.set(name, stamped);
  return { kind: "step", fields, history: new Map(data.history) };
}

/** The key a record is stored under. @param {string} collection @param {string} record */
export const recordKey = (collection, record) => `${collection}\u0000${record}`;

/** A replica holding stored records. @param {Iterable<StoredRecord>} stored */
export function replicaFromRecords(stored) {
  const replica = new Replica();
  for (const { collection, record, state } of stored) {
    let records = replica.collections.get(collection);
    if (!records) replica.collections.set(collection, (records = new TextMap()));
    records.set(record, decodeState(state));
  }
  return replica;
}

/** Every record of a replica, as stored. @param {Replica} replica @returns {StoredRecord[]} */
export function recordsOfReplica(replica) {
  return [...replica.records()].map(([collection, record, state]) => ({ collection, record, state: encodeState(state) }));
}

/** A copy that later merges into either leave the other alone (states are never changed in place). @param {Replica} replica */
export function copyReplica(replica) {
  const copy = new Replica();
  for (const [collection, records] of replica.collections) {
    /** @type {TextMap<RecordState>} */
    const inner = new TextMap();
    for (const [record, state] of records) inner.set(record, state);
    copy.collections.set(collection, inner);
  }
  for (const [id] of replica.applied) copy.applied.set(id, true);
  return copy;
}
