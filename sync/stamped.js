// @ts-check
// A value with the operation that wrote it (FTSync's `Stamped`). Registers keep the write with the
// greatest (timestamp, operation id): every replica picks the same winner whatever the order it
// saw them in.

import { compareHLC, sameHLC } from "./hlc.js";
import { compareText } from "./text.js";

/**
 * @template Value
 * @typedef {{value: Value, hlc: import("./hlc.js").HLC, operation: string}} Stamped
 */

/**
 * Whether `a` was written after `b`: a later timestamp, or the same one and a greater operation id.
 * @param {Stamped<any>} a @param {Stamped<any>} b
 */
export function isAfter(a, b) {
  return !sameHLC(a.hlc, b.hlc) ? compareHLC(a.hlc, b.hlc) > 0 : compareText(a.operation, b.operation) > 0;
}

/**
 * Last writer wins.
 * @template Value
 * @param {Stamped<Value> | null} a @param {Stamped<Value> | null} b
 * @returns {Stamped<Value> | null}
 */
export function latest(a, b) {
  if (!a) return b;
  if (!b) return a;
  return isAfter(b, a) ? b : a;
}

/**
 * First writer wins (insert-once).
 * @template Value
 * @param {Stamped<Value> | null} a @param {Stamped<Value> | null} b
 * @returns {Stamped<Value> | null}
 */
export function earliest(a, b) {
  if (!a) return b;
  if (!b) return a;
  return isAfter(b, a) ? a : b;
}
