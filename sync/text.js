// @ts-check
// Swift's String semantics, where JavaScript's differ and the merge depends on them.
//
// Swift compares strings by canonical equivalence ("é" precomposed equals "e" + U+0301) and
// orders them by the Unicode scalars of their NFC form; JavaScript's `===` and `<` compare UTF-16
// code units. Swift's `count` counts characters (grapheme clusters), JavaScript's `length` UTF-16
// units. For ASCII all of these agree, which is what well-behaved devices send; these helpers make
// the other cases agree too (up to the Unicode version of each runtime's tables).

/** @param {string} text */
const isASCII = (text) => /^[\x00-\x7f]*$/.test(text);

/** The NFC form, the one Swift compares. @param {string} text */
export function canonical(text) {
  return isASCII(text) ? text : text.normalize("NFC");
}

/** Swift's `==` on strings: canonical equivalence. @param {string} a @param {string} b */
export function sameText(a, b) {
  return a === b || canonical(a) === canonical(b);
}

/**
 * Swift's `<` on strings as a comparator (negative, 0, positive): the NFC forms compared scalar by
 * scalar (which is also their UTF-8 byte order).
 * @param {string} a @param {string} b
 */
export function compareText(a, b) {
  if (a === b) return 0;
  const left = canonical(a);
  const right = canonical(b);
  if (left === right) return 0;
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index++) {
    const x = left.charCodeAt(index);
    const y = right.charCodeAt(index);
    if (x === y) continue;
    // UTF-16 order differs from scalar order only when a surrogate meets U+E000…U+FFFF.
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return left.length - right.length;
}

const segmenter = typeof Intl !== "undefined" && "Segmenter" in Intl ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;

/**
 * The characters of a string (grapheme clusters), as Swift iterates them. Falls back to code
 * points where `Intl.Segmenter` is missing.
 * @param {string} text
 * @returns {string[]}
 */
export function characters(text) {
  if (isASCII(text) && !text.includes("\r\n")) return text.split("");
  if (segmenter) return Array.from(segmenter.segment(text), (part) => part.segment);
  return Array.from(text);
}

/** Swift's `String.count`. @param {string} text */
export function characterCount(text) {
  if (isASCII(text) && !text.includes("\r\n")) return text.length;
  return characters(text).length;
}

const whitespace = /^\p{White_Space}/u;

/**
 * Whether nothing is left once whitespace is trimmed from both ends (FTSync's
 * `trimmingWhitespace.isEmpty`): every character's first scalar is White_Space, as Swift's
 * `Character.isWhitespace` decides.
 * @param {string} text
 */
export function isBlank(text) {
  return characters(text).every((character) => whitespace.test(character));
}

/**
 * A map whose keys are compared like Swift's `Dictionary<String, …>`: canonically equivalent
 * strings are the same key, and the key keeps the form it was first stored with.
 * @template Value
 */
export class TextMap {
  constructor() {
    /** @type {Map<string, {key: string, value: Value}>} */
    this.entries = new Map();
  }

  get size() {
    return this.entries.size;
  }

  /** @param {string} key @returns {Value | undefined} */
  get(key) {
    return this.entries.get(canonical(key))?.value;
  }

  /** @param {string} key */
  has(key) {
    return this.entries.has(canonical(key));
  }

  /** Sets the value; an existing key keeps its first form. @param {string} key @param {Value} value */
  set(key, value) {
    const id = canonical(key);
    const entry = this.entries.get(id);
    if (entry) entry.value = value;
    else this.entries.set(id, { key, value });
    return this;
  }

  /** @returns {IterableIterator<[string, Value]>} */
  *[Symbol.iterator]() {
    for (const { key, value } of this.entries.values()) yield [key, value];
  }
}
