// @ts-check
// Hybrid-logical-clock timestamps and the clock that issues them: FTModel's `HLCTimestamp` and
// FTSync's `HybridLogicalClock`, with the same text form, order and `now`/`receive` rules.

import { characters, compareText, sameText } from "./text.js";

/**
 * Wall-clock milliseconds, a counter for events within the same millisecond, and the node
 * (device) that made it.
 * @typedef {{milliseconds: number, counter: number, node: string}} HLC
 */

/**
 * `0001732492800000-00000-node`: 16 digits of milliseconds, 5 of counter, then the node id
 * (`HLCTimestamp.description`; like it, a longer number is written in full, not cut).
 * @param {HLC} stamp
 */
export function formatHLC(stamp) {
  return String(stamp.milliseconds).padStart(16, "0") + "-" + String(stamp.counter).padStart(5, "0") + "-" + stamp.node;
}

/**
 * Swift's `Int64(text)`/`Int(text)`: an optional sign, then decimal digits.
 * @param {string} text
 */
function parseInteger(text) {
  if (!/^[+-]?[0-9]+$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

/**
 * Parses the text form; `null` when it is malformed (`HLCTimestamp.init?(_:)`).
 *
 * Like Swift it takes ASCII digits only in the 16 and 5 places (no sign), as the API's pattern
 * `^[0-9]{16}-[0-9]{5}-.+$` says. Unlike Swift it refuses milliseconds above 2^53 − 1 (about
 * the year 287,000), which a JavaScript number cannot hold exactly; the server refuses those
 * anyway (`clockSkew`).
 * @param {string} text
 * @returns {HLC | null}
 */
export function parseHLC(text) {
  if (typeof text !== "string") return null;
  // Split on the first two "-" characters; like Swift, a "-" carrying a combining mark is not one.
  const parts = characters(text);
  const first = parts.indexOf("-");
  if (first < 0) return null;
  const second = parts.indexOf("-", first + 1);
  if (second < 0) return null;
  const millisText = parts.slice(0, first).join("");
  const counterText = parts.slice(first + 1, second).join("");
  const node = parts.slice(second + 1).join("");
  if (!/^[0-9]{16}$/.test(millisText) || !/^[0-9]{5}$/.test(counterText) || node === "") return null;
  const milliseconds = parseInteger(millisText);
  const counter = parseInteger(counterText);
  if (milliseconds === null || milliseconds < 0 || counter === null || counter < 0) return null;
  return { milliseconds: milliseconds === 0 ? 0 : milliseconds, counter: counter === 0 ? 0 : counter, node };
}

/** Parses the text form or throws a `TypeError` naming it. @param {string} text @returns {HLC} */
export function requireHLC(text) {
  const stamp = parseHLC(text);
  if (!stamp) throw new TypeError(`'${text}' is not an HLC timestamp (16 digits-5 digits-node)`);
  return stamp;
}

/**
 * The order of timestamps (milliseconds, then counter, then node as Swift orders strings).
 * @param {HLC} a @param {HLC} b
 */
export function compareHLC(a, b) {
  if (a.milliseconds !== b.milliseconds) return a.milliseconds < b.milliseconds ? -1 : 1;
  if (a.counter !== b.counter) return a.counter < b.counter ? -1 : 1;
  return compareText(a.node, b.node);
}

/** @param {HLC} a @param {HLC} b */
export function sameHLC(a, b) {
  return a.milliseconds === b.milliseconds && a.counter === b.counter && sameText(a.node, b.node);
}

/** A received timestamp too far ahead of the local wall clock (`ClockError.tooFarInTheFuture`). */
export class ClockError extends Error {
  /** @param {HLC} stamp @param {number} wall */
  constructor(stamp, wall) {
    super(`timestamp ${formatHLC(stamp)} is ${stamp.milliseconds - wall} ms ahead of the server's clock`);
    this.name = "ClockError";
    this.code = "tooFarInTheFuture";
    this.stamp = stamp;
    this.wall = wall;
  }
}

/**
 * A hybrid logical clock (Kulkarni et al.): timestamps that follow the wall clock, never go
 * backwards, and order every event a node has seen before the events it makes next. Time is
 * injected: `wallMilliseconds` is called for each reading, so tests and replays control it.
 */
export class HybridLogicalClock {
  /**
   * @param {{node: string, wallMilliseconds: () => number, maximumDrift?: number, latest?: HLC}} options
   *   `maximumDrift`: how far ahead of the wall clock a received timestamp may be (60 s).
   *   `latest`: the last timestamp issued or received, when the clock is restored from storage.
   */
  constructor({ node, wallMilliseconds, maximumDrift = 60_000, latest }) {
    if (typeof node !== "string" || node === "" || node.includes("-")) {
      throw new TypeError("an HLC node id is non-empty and has no '-'");
    }
    this.node = node;
    this.maximumDrift = maximumDrift;
    this.wallMilliseconds = wallMilliseconds;
    /** The latest timestamp issued or received. @type {HLC} */
    this.latest = latest ? { ...latest, node } : { milliseconds: 0, counter: 0, node };
  }

  /** A timestamp for a local event (an edit, a send): after everything seen so far. @returns {HLC} */
  now() {
    const wall = this.wallMilliseconds();
    if (wall > this.latest.milliseconds) {
      this.latest = { milliseconds: wall, counter: 0, node: this.node };
    } else {
      this.latest = stamp(this.latest.milliseconds, this.latest.counter + 1, this.node);
    }
    return { ...this.latest };
  }

  /**
   * Takes a timestamp from another node into account. Throws a `ClockError` for one too far in
   * the future (which would otherwise drag every later timestamp along), leaving the clock as it was.
   * @param {HLC} remote
   */
  receive(remote) {
    const wall = this.wallMilliseconds();
    if (!(remote.milliseconds <= wall + this.maximumDrift)) throw new ClockError(remote, wall);
    const latest = this.latest;
    const milliseconds = Math.max(wall, latest.milliseconds, remote.milliseconds);
    let counter;
    if (milliseconds === latest.milliseconds && milliseconds === remote.milliseconds) {
      counter = Math.max(latest.counter, remote.counter) + 1;
    } else if (milliseconds === latest.milliseconds) {
      counter = latest.counter + 1;
    } else if (milliseconds === remote.milliseconds) {
      counter = remote.counter + 1;
    } else {
      counter = 0;
    }
    this.latest = stamp(milliseconds, counter, this.node);
  }
}

/** The largest counter the five-digit text form holds (`HLCTimestamp.maximumCounter`). */
export const MAXIMUM_COUNTER = 99999;

/**
 * A timestamp whose counter stays within its five digits: past 99,999 events in one millisecond,
 * the clock moves to the next millisecond (`HybridLogicalClock.stamp`).
 * @param {number} milliseconds @param {number} counter @param {string} node @returns {HLC}
 */
function stamp(milliseconds, counter, node) {
  return counter > MAXIMUM_COUNTER ? { milliseconds: milliseconds + 1, counter: 0, node } : { milliseconds, counter, node };
}
