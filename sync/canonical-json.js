// @ts-check
// JSON text as Foundation's `JSONSerialization.data(withJSONObject:options: [.sortedKeys,
// .withoutEscapingSlashes])` writes it on Linux (swift-corelibs-foundation), which is what
// `Replica.canonicalJSON()` and the Swift vector test use:
// - no whitespace; integers in decimal; `true`/`false`/`null`;
// - strings: `"` and `\` escaped, `\b \f \n \r \t`, other controls as `\u00xx` (lowercase hex),
//   everything else (`/`, DEL, non-ASCII) as is — exactly what `JSON.stringify` does for a string;
// - object keys sorted by `String.compare(_:options: [.numeric, .caseInsensitive, .forcedOrdering],
//   locale: NSLocale.system)`: the collation order of the root locale (punctuation, then digits,
//   then letters), runs of digits compared by value ("m2" < "m10"), case ignored, then ties broken
//   by the first difference ("a" < "A", "7" < "07").
//
// The key order is checked against Swift for ASCII keys (Tests/sync/canonical-json.test.mjs);
// for other keys it relies on `Intl.Collator("und")` (ICU, like Foundation), which may differ in
// details between ICU versions.

const collator = new Intl.Collator("und", { numeric: true, sensitivity: "accent", usage: "sort" });
const tertiary = new Intl.Collator("und", { numeric: true, sensitivity: "variant", usage: "sort", caseFirst: "lower" });

/** @param {number} unit */
const isDigit = (unit) => unit >= 0x30 && unit <= 0x39;

/**
 * Breaks a tie between keys equal but for case, leading zeros or ignorable characters: the first
 * difference scanning from the start decides (a lowercase letter before its capital, a shorter run
 * of digits before a longer one, a string before its extensions).
 * @param {string} a @param {string} b
 */
function forcedOrder(a, b) {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(j);
    if (isDigit(x) && isDigit(y)) {
      let endA = i;
      while (endA < a.length && isDigit(a.charCodeAt(endA))) endA++;
      let endB = j;
      while (endB < b.length && isDigit(b.charCodeAt(endB))) endB++;
      const runA = a.slice(i, endA);
      const runB = b.slice(j, endB);
      if (runA !== runB) return runA.length !== runB.length ? runA.length - runB.length : runA < runB ? -1 : 1;
      i = endA;
      j = endB;
      continue;
    }
    if (x !== y) {
      const order = tertiary.compare(a[i], b[j]);
      if (order !== 0) return order;
      return x - y;
    }
    i++;
    j++;
  }
  return (a.length - i) - (b.length - j);
}

/**
 * Foundation's key order for `.sortedKeys` (see above), as a comparator.
 * @param {string} a @param {string} b
 */
export function compareKeys(a, b) {
  if (a === b) return 0;
  return collator.compare(a, b) || forcedOrder(a, b) || (a < b ? -1 : 1);
}

/**
 * Writes a JSON value: `null`, booleans, safe integers, strings, arrays, and objects as plain
 * objects or `Map`s with string keys. Throws a `TypeError` for anything else (a fraction, a
 * function, `undefined`): the merge never makes one.
 * @param {unknown} value
 * @returns {string}
 */
export function canonicalJSON(value) {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isSafeInteger(value)) throw new TypeError(`not an integer JSONSerialization writes exactly: ${value}`);
      return String(value);
    case "bigint":
      return value.toString();
    case "string":
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) return "[" + value.map(canonicalJSON).join(",") + "]";
      const entries = value instanceof Map ? [...value] : Object.entries(value);
      entries.sort((x, y) => compareKeys(x[0], y[0]));
      return "{" + entries.map(([key, inner]) => JSON.stringify(String(key)) + ":" + canonicalJSON(inner)).join(",") + "}";
    }
    default:
      throw new TypeError(`JSONSerialization cannot write ${typeof value}`);
  }
}
