// node --test: sync/canonical-json.js and Replica.canonicalJSON() against text written by Swift
// (Foundation's JSONSerialization on Linux, and the Swift merge core itself: fixtures/).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { canonicalJSON, compareKeys } from "../../sync/canonical-json.js";
import { Replica } from "../../sync/merge.js";

test("every case of fixtures/swift-replicas.json gives Swift's bytes", () => {
  const fixture = JSON.parse(readFileSync(new URL("fixtures/swift-replicas.json", import.meta.url), "utf8"));
  assert.ok(fixture.cases.length >= 30);
  for (const [index, { operations, canonical }] of fixture.cases.entries()) {
    const replica = new Replica();
    for (const operation of operations) replica.apply(operation);
    assert.equal(replica.canonicalJSON(), canonical, `case ${index}`);
  }
});

test("keys in Foundation's order: punctuation, digits, letters; numbers by value; case last", () => {
  // Swift 6.3.1 on Linux: JSONSerialization.data(withJSONObject:options: [.sortedKeys, .withoutEscapingSlashes]).
  const swift = ["_x", "[", "{", "@", "`", "^", "~", "1:9", "1:10", "1a", "1A", "01a", "3", "7", "07", "007", "9a", "10a", "12",
    "a", "A", "a b", "a-b", "a9b", "a10b", "ab", "aB", "Ab", "AB", "b", "B", "e", "E", "é", "f", "m1", "m2", "M3", "m10",
    "v-1", "v0", "v00", "x_1", "x-1", "x.1", "x1", "z", "Z"];
  const shuffled = swift.slice().reverse();
  assert.deepEqual(shuffled.sort(compareKeys), swift);
  assert.equal(canonicalJSON(Object.fromEntries(swift.map((key, index) => [key, index]))), "{" + swift.map((key, index) => `${JSON.stringify(key)}:${index}`).join(",") + "}");
});

test("values as Foundation writes them: no escaped slash, controls in lowercase hex, the rest as is", () => {
  const value = { s: "a/b\"c\\d\u0001\u001f\u007f\n\r\t\b\fé😀\u2028", n: null, t: true, f: false, i: -5, arr: [1, "x", null, true], big: 9223372036854775807n };
  const swift = '{"arr":[1,"x",null,true],"big":9223372036854775807,"f":false,"i":-5,"n":null,"s":"a/b\\"c\\\\d\\u0001\\u001f\u007f\\n\\r\\t\\b\\fé😀\u2028","t":true}';
  assert.equal(canonicalJSON(value), swift);
});

test("what JSONSerialization would not write exactly is refused", () => {
  assert.throws(() => canonicalJSON({ x: 1.5 }), TypeError);
  assert.throws(() => canonicalJSON({ x: 2 ** 53 }), TypeError);
  assert.throws(() => canonicalJSON({ x: undefined }), TypeError);
});
