// @ts-check
// Every record a replica holds, and the operations it has applied: FTSync's `Replica`. The
// server's merge, each Swift device's and this one follow the same rules, checked by the shared
// vectors in Tests/vectors/merge.json, so they agree on every record.

import { requireHLC } from "./hlc.js";
import { decodeOperation, intValue, stringValue } from "./operation.js";
import { describeState, mergeStates, writeIdentity } from "./record-states.js";
import { replicaJSON } from "./replica-view.js";
import { compareText, sameText, TextMap } from "./text.js";

/** @typedef {import("./operation.js").SyncOperation} SyncOperation */
/** @typedef {import("./record-states.js").RecordState} RecordState */
/** @typedef {import("./record-states.js").DocumentVersionState} DocumentVersionState */

/**
 * The state an operation brings, to be merged into what the replica holds (`Replica.delta(of:)`);
 * `null` for an operation that brings nothing (a shape the merge does not know).
 * @param {SyncOperation} operation
 * @returns {RecordState | null}
 */
export function delta(operation) {
  const fields = operation.fields;
  const hlc = requireHLC(operation.hlc);
  const id = operation.id;
  const user = operation.actor.user;
  /** @template Value @param {Value} value */
  const stamp = (value) => ({ value, hlc, operation: id });
  /** @param {string} name */
  const int = (name) => intValue(Object.hasOwn(fields, name) ? fields[name] : undefined);
  /** @param {string} name */
  const string = (name) => stringValue(Object.hasOwn(fields, name) ? fields[name] : undefined);
  /** @param {string} name */
  const optionalString = (name) => {
    const value = string(name);
    return value === undefined ? null : stamp(value);
  };

  switch (`${operation.collection}.${operation.action}`) {
    case "message.insert": {
      const conversation = int("conversation");
      const body = string("body");
      if (conversation === undefined || body === undefined) return null;
      return { kind: "message", content: stamp({ conversation, author: user }), body: stamp(body), deletion: null };
    }
    case "message.update": {
      const body = string("body");
      if (body === undefined) return null;
      return { kind: "message", content: null, body: stamp(body), deletion: null };
    }
    case "message.delete":
      return { kind: "message", content: null, body: null, deletion: stamp(true) };
    case "readReceipt.insert":
    case "readReceipt.update":
    case "readReceipt.delete": {
      const readUpTo = int("readUpTo");
      if (readUpTo === undefined) return null;
      return { kind: "readReceipt", readUpTo };
    }
    case "rating.insert":
    case "rating.update": {
      const score = int("score");
      if (score === undefined) return null;
      return { kind: "rating", value: stamp({ score, comment: string("comment") ?? "", author: user }) };
    }
    case "document.insert": {
      const dossier = int("dossier");
      if (dossier === undefined) return null;
      return { kind: "document", content: stamp({ dossier, createdBy: user }), title: optionalString("title"), category: optionalString("category") };
    }
    case "document.update":
      return { kind: "document", content: null, title: optionalString("title"), category: optionalString("category") };
    case "documentVersion.insert": {
      const document = string("document");
      const fileName = string("fileName");
      const mediaType = string("mediaType");
      const byteCount = int("byteCount");
      const sha256 = string("sha256");
      if (document === undefined || fileName === undefined || mediaType === undefined || byteCount === undefined || sha256 === undefined) return null;
      return { kind: "documentVersion", content: stamp({ document, fileName, mediaType, byteCount, sha256, uploadedBy: user }), validation: null };
    }
    case "documentVersion.update": {
      const state = string("validation");
      if (state === undefined) return null;
      return { kind: "documentVersion", content: null, validation: stamp({ state, reason: string("reason") ?? "", by: user }) };
    }
    case "step.update": {
      /** @type {import("./record-states.js").StepState} */
      const step = { kind: "step", fields: new TextMap(), history: new Map() };
      for (const [name, value] of Object.entries(fields)) {
        step.fields.set(name, stamp(value));
        const write = { field: name, value, hlc, operation: id, user };
        step.history.set(writeIdentity(write), write);
      }
      return step;
    }
    case "dossier.insert": {
      const product = int("product");
      const description = string("description");
      const amount = int("amount");
      const answers = string("answers");
      if (product === undefined || description === undefined || amount === undefined || answers === undefined) return null;
      return { kind: "dossier", content: stamp({ product, description, amount, expert: int("expert") ?? null, answers, client: user }) };
    }
    case "offer.update": {
      const answer = string("answer");
      if (answer === undefined) return null;
      return { kind: "offer", answer: stamp({ answer, reason: string("reason") ?? "", by: user }) };
    }
    case "preference.update": {
      const enabled = Object.hasOwn(fields, "enabled") ? fields.enabled : undefined;
      if (typeof enabled !== "boolean") return null;
      return { kind: "preference", enabled: stamp(enabled) };
    }
    default:
      return null;
  }
}

/**
 * A set of records built by applying operations. `apply` is idempotent (an operation id seen
 * before changes nothing) and order-independent (any order of the same operations gives the same
 * records): the merge rules are those of FTSync's Replica.swift, record by record.
 */
export class Replica {
  constructor() {
    /** collection → record id → state. @type {Map<string, TextMap<RecordState>>} */
    this.collections = new Map();
    /** Ids of the operations applied: a second copy of one changes nothing. @type {TextMap<true>} */
    this.applied = new TextMap();
  }

  /**
   * Applies a validated operation (JSON form, as pulled or pushed). Returns false when it was
   * already applied. Throws a `TypeError` for JSON that is not an operation, before changing anything.
   * @param {SyncOperation} operation
   */
  apply(operation) {
    decodeOperation(operation);
    if (this.applied.has(operation.id)) return false;
    this.applied.set(operation.id, true);
    const change = delta(operation);
    if (!change) return true;
    let records = this.collections.get(operation.collection);
    if (!records) {
      records = new TextMap();
      this.collections.set(operation.collection, records);
    }
    const current = records.get(operation.record);
    records.set(operation.record, current ? mergeStates(current, change) : change);
    return true;
  }

  /** The state of a record, or `undefined`. @param {string} collection @param {string} record */
  get(collection, record) {
    return this.collections.get(collection)?.get(record);
  }

  /** Every record, as `[collection, record, state]`. @returns {Generator<[string, string, RecordState]>} */
  *records() {
    for (const [collection, records] of this.collections) {
      for (const [record, state] of records) yield [collection, record, state];
    }
  }

  /**
   * The versions of a document, oldest first; the last is current (`Replica.versions(ofDocument:)`).
   * @param {string} document
   * @returns {{id: string, state: DocumentVersionState}[]}
   */
  versionsOfDocument(document) {
    /** @type {{id: string, state: DocumentVersionState}[]} */
    const versions = [];
    for (const [id, state] of this.collections.get("documentVersion") ?? []) {
      if (state.kind === "documentVersion" && state.content && sameText(state.content.value.document, document)) versions.push({ id, state });
    }
    return versions.sort((a, b) => {
      const left = /** @type {NonNullable<DocumentVersionState["content"]>} */ (a.state.content).hlc;
      const right = /** @type {NonNullable<DocumentVersionState["content"]>} */ (b.state.content).hlc;
      if (left.milliseconds !== right.milliseconds || left.counter !== right.counter || !sameText(left.node, right.node)) {
        return left.milliseconds - right.milliseconds || left.counter - right.counter || compareText(left.node, right.node);
      }
      return compareText(a.id, b.id);
    });
  }

  /**
   * What a person would see of every record, as JSON with sorted keys: byte for byte what
   * `Replica.canonicalJSON()` writes for the same records.
   */
  canonicalJSON() {
    return replicaJSON(this.records());
  }

  /**
   * Every record with every stamp, as one string: equal for replicas Swift's `==` would call
   * equal (records only, not the applied ids). For tests and debugging.
   */
  describe() {
    return [...this.records()]
      .map(([collection, record, state]) => `${collection} ${JSON.stringify(record.normalize("NFC"))} ${describeState(state)}`)
      .sort()
      .join("\n");
  }
}
