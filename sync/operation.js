// @ts-check
// The unit of sync, as FTSync's `SyncOperation`, `SyncCollection`, `SyncAction`, `SyncActor` and
// `FieldValue` define it, in its JSON form (the form of pull pages, the shared vectors and the
// outbox): `{id, collection, action, record, fields, hlc, actor: {user, role}}`.

import { parseHLC } from "./hlc.js";

/** The collections a device may change offline. */
export const COLLECTIONS = Object.freeze(["message", "readReceipt", "rating", "document", "documentVersion", "step", "preference", "dossier", "offer"]);
export const ACTIONS = Object.freeze(["insert", "update", "delete"]);
export const ROLES = Object.freeze(["client", "expert", "admin"]);

/**
 * A field's value: what JSON carries minus floating point (amounts are cents, times
 * milliseconds), so that every replica compares values exactly. Integers are JavaScript numbers:
 * exact up to 2^53 − 1, where Swift's `Int64` goes to 2^63 − 1.
 * @typedef {null | boolean | number | string} FieldValue
 */

/**
 * @typedef {{user: number, role: string}} SyncActor
 * @typedef {{
 *   id: string, collection: string, action: string, record: string,
 *   fields: Record<string, FieldValue>, hlc: string, actor: SyncActor
 * }} SyncOperation
 */

/** The kind of a field value, or `null` when JSON holds something FieldValue cannot. @param {unknown} value */
export function fieldKind(value) {
  if (value === null) return "null";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isSafeInteger(value) ? "int" : null;
  if (typeof value === "string") return "string";
  return null;
}

/** `FieldValue.int`. @param {FieldValue | undefined} value @returns {number | undefined} */
export const intValue = (value) => (fieldKind(value) === "int" ? /** @type {number} */ (value) : undefined);
/** `FieldValue.string`. @param {FieldValue | undefined} value @returns {string | undefined} */
export const stringValue = (value) => (typeof value === "string" ? value : undefined);

/** @param {unknown} value @returns {value is Record<string, unknown>} */
const isObject = (value) => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Checks that JSON has the shape Swift's `Codable` decoding of a `SyncOperation` requires, and
 * returns it (extra keys are ignored, as `JSONDecoder` ignores them). Throws a `TypeError` naming
 * the first problem. With `pushed`, the operation is one a device sends: no `actor` (the server
 * takes it from the session).
 * @param {unknown} json @param {{pushed?: boolean}} [options]
 * @returns {SyncOperation}
 */
export function decodeOperation(json, { pushed = false } = {}) {
  if (!isObject(json)) throw new TypeError("an operation is a JSON object");
  for (const key of ["id", "record"]) {
    if (typeof json[key] !== "string") throw new TypeError(`'${key}' is a string`);
  }
  if (!COLLECTIONS.includes(/** @type {string} */ (json.collection))) throw new TypeError(`unknown collection '${json.collection}'`);
  if (!ACTIONS.includes(/** @type {string} */ (json.action))) throw new TypeError(`unknown action '${json.action}'`);
  if (!isObject(json.fields)) throw new TypeError("'fields' is an object");
  for (const [name, value] of Object.entries(json.fields)) {
    if (fieldKind(value) === null) throw new TypeError(`field '${name}' is null, a boolean, an integer or a string`);
  }
  if (typeof json.hlc !== "string" || !parseHLC(json.hlc)) {
    throw new TypeError(`'${json.hlc}' is not an HLC timestamp (16 digits-5 digits-node)`);
  }
  if (!pushed) {
    const actor = json.actor;
    if (!isObject(actor) || fieldKind(actor.user) !== "int" || !ROLES.includes(/** @type {string} */ (actor.role))) {
      throw new TypeError("'actor' is {user: integer, role: client|expert|admin}");
    }
  }
  return /** @type {SyncOperation} */ (/** @type {unknown} */ (json));
}
