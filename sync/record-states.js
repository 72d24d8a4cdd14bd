// @ts-check
// The state of one record of each collection (FTSync's RecordStates.swift), as a
// join-semilattice: `mergeStates` is commutative, associative and idempotent, so replicas that have
// seen the same operations, in any order and any number of times, hold the same state. States are
// never changed in place: merging makes a new one.

import { compareHLC, formatHLC } from "./hlc.js";
import { fieldKind } from "./operation.js";
import { earliest, isAfter, latest } from "./stamped.js";
import { canonical, compareText, sameText, TextMap } from "./text.js";

/**
 * @template Value
 * @typedef {import("./stamped.js").Stamped<Value>} Stamped
 */
/** @typedef {import("./operation.js").FieldValue} FieldValue */

/**
 * A chat message: inserted once, body last-writer-wins, deletion a tombstone nothing undoes.
 * @typedef {{kind: "message", content: Stamped<{conversation: number, author: number}> | null,
 *   body: Stamped<string> | null, deletion: Stamped<boolean> | null}} MessageState
 * A client's rating of an expert: one last-writer-wins register.
 * @typedef {{kind: "rating", value: Stamped<{score: number, comment: string, author: number}> | null}} RatingState
 * How far a user has read a conversation: only ever moves forward.
 * @typedef {{kind: "readReceipt", readUpTo: number}} ReadReceiptState
 * A document: created once; title and category last-writer-wins.
 * @typedef {{kind: "document", content: Stamped<{dossier: number, createdBy: number}> | null,
 *   title: Stamped<string> | null, category: Stamped<string> | null}} DocumentState
 * One version of a document: content never changes, validation last-writer-wins.
 * @typedef {{kind: "documentVersion", content: Stamped<{document: string, fileName: string, mediaType: string,
 *   byteCount: number, sha256: string, uploadedBy: number}> | null,
 *   validation: Stamped<{state: string, reason: string, by: number}> | null}} DocumentVersionState
 * One write to a step's field, kept in its history.
 * @typedef {{field: string, value: FieldValue, hlc: import("./hlc.js").HLC, operation: string, user: number}} StepWrite
 * A workflow step: each field last-writer-wins on its own; every write stays in the history.
 * @typedef {{kind: "step", fields: TextMap<Stamped<FieldValue>>, history: Map<string, StepWrite>}} StepState
 * A user's notification preference for one kind on one channel: one last-writer-wins register.
 * @typedef {{kind: "preference", enabled: Stamped<boolean> | null}} PreferenceState
 * A client's request for a new dossier: made once, never changed (the server opens the dossier).
 * @typedef {{kind: "dossier", content: Stamped<{product: number, description: string, amount: number,
 *   expert: number | null, answers: string, client: number}> | null}} DossierState
 * An expert's answer to an offer: the first answer stands.
 * @typedef {{kind: "offer", answer: Stamped<{answer: string, reason: string, by: number}> | null}} OfferState
 * @typedef {MessageState | RatingState | ReadReceiptState | DocumentState | DocumentVersionState | StepState | PreferenceState | DossierState | OfferState} RecordState
 */

/** Whether a message's body was changed after it was sent (`MessageState.isEdited`). @param {MessageState} message */
export function isEdited(message) {
  if (!message.body || !message.content) return false;
  return isAfter(message.body, message.content) && message.deletion === null;
}

/** The body to show: empty once deleted (`MessageState.visibleBody`). @param {MessageState} message */
export function visibleBody(message) {
  return message.deletion !== null ? "" : message.body?.value ?? "";
}

/**
 * Swift's `FieldValue ==`: same kind, same value (strings by canonical equivalence).
 * @param {FieldValue} a @param {FieldValue} b
 */
export function sameFieldValue(a, b) {
  if (typeof a === "string" && typeof b === "string") return sameText(a, b);
  return fieldKind(a) === fieldKind(b) && a === b;
}

/** A write's identity, as Swift's `Set<Write>` hashes it: every property. @param {StepWrite} write */
export function writeIdentity(write) {
  const value = typeof write.value === "string" ? canonical(write.value) : write.value;
  return JSON.stringify([canonical(write.field), fieldKind(write.value), value, formatHLC({ ...write.hlc, node: canonical(write.hlc.node) }), canonical(write.operation), write.user]);
}

/** `Write <`: by (timestamp, operation, field). @param {StepWrite} a @param {StepWrite} b */
export function compareWrites(a, b) {
  return compareHLC(a.hlc, b.hlc) || compareText(a.operation, b.operation) || compareText(a.field, b.field);
}

/** The field only the server writes, when it finds a step past its due date (`StepState.overdueMarker`). */
export const OVERDUE_MARKER = "overdue";

/**
 * The step's fields as shown: a completed step is at 100 %, whatever progress a concurrent write
 * left; a step the server found past its due date is "overdue" until it is completed or its due
 * date moves (`StepState.effectiveFields`).
 * @param {StepState} step
 */
export function effectiveFields(step) {
  /** @type {TextMap<FieldValue>} */
  const values = new TextMap();
  /** @type {FieldValue | undefined} */
  let marker;
  for (const [name, stamped] of step.fields) {
    if (sameText(name, OVERDUE_MARKER)) marker = stamped.value;
    else values.set(name, stamped.value);
  }
  const status = values.get("status");
  const due = values.get("dueAt");
  if (typeof status === "string" && sameText(status, "completed")) values.set("progress", 100);
  else if (marker !== undefined && due !== undefined && sameFieldValue(marker, due)) values.set("status", "overdue");
  return values;
}

/**
 * Writes that another write to the same field, with a different value, won over
 * (`StepState.overridden`), oldest first.
 * @param {StepState} step
 */
export function overriddenWrites(step) {
  return [...step.history.values()].sort(compareWrites).filter((write) => {
    const winner = step.fields.get(write.field);
    if (!winner || sameText(write.field, OVERDUE_MARKER)) return false;
    return !sameText(winner.operation, write.operation) && !sameFieldValue(winner.value, write.value);
  });
}

/**
 * Merges two states of the same record (`RecordState.merged(with:)`); states of different kinds
 * keep `a`, as Swift's `default: self` does.
 * @param {RecordState} a @param {RecordState} b
 * @returns {RecordState}
 */
export function mergeStates(a, b) {
  if (a.kind === "message" && b.kind === "message") {
    return { kind: "message", content: earliest(a.content, b.content), body: latest(a.body, b.body), deletion: earliest(a.deletion, b.deletion) };
  }
  if (a.kind === "rating" && b.kind === "rating") {
    return { kind: "rating", value: latest(a.value, b.value) };
  }
  if (a.kind === "readReceipt" && b.kind === "readReceipt") {
    return { kind: "readReceipt", readUpTo: Math.max(a.readUpTo, b.readUpTo) };
  }
  if (a.kind === "document" && b.kind === "document") {
    return { kind: "document", content: earliest(a.content, b.content), title: latest(a.title, b.title), category: latest(a.category, b.category) };
  }
  if (a.kind === "documentVersion" && b.kind === "documentVersion") {
    return { kind: "documentVersion", content: earliest(a.content, b.content), validation: latest(a.validation, b.validation) };
  }
  if (a.kind === "step" && b.kind === "step") {
    /** @type {TextMap<Stamped<FieldValue>>} */
    const fields = new TextMap();
    for (const [name, stamped] of a.fields) fields.set(name, stamped);
    for (const [name, stamped] of b.fields) fields.set(name, /** @type {Stamped<FieldValue>} */ (latest(fields.get(name) ?? null, stamped)));
    const history = new Map(a.history);
    for (const [identity, write] of b.history) if (!history.has(identity)) history.set(identity, write);
    return { kind: "step", fields, history };
  }
  if (a.kind === "dossier" && b.kind === "dossier") {
    return { kind: "dossier", content: earliest(a.content, b.content) };
  }
  if (a.kind === "offer" && b.kind === "offer") {
    return { kind: "offer", answer: earliest(a.answer, b.answer) };
  }
  if (a.kind === "preference" && b.kind === "preference") {
    return { kind: "preference", enabled: latest(a.enabled, b.enabled) };
  }
  return a;
}

/**
 * Every property of a state, stamps included, as one string: equal strings for equal states
 * (Swift's `==` on `RecordState`). For tests and debugging.
 * @param {RecordState} state
 */
export function describeState(state) {
  /** @param {any} value */
  const plain = (value) => JSON.stringify(value, (key, inner) => (key === "hlc" && inner && typeof inner === "object" ? formatHLC(inner) : inner));
  if (state.kind === "step") {
    const fields = [...state.fields].map(([name, stamped]) => [canonical(name), plain(stamped)]).sort((x, y) => compareText(x[0], y[0]));
    const history = [...state.history.keys()].sort();
    return JSON.stringify({ kind: "step", fields, history });
  }
  return plain(state);
}
