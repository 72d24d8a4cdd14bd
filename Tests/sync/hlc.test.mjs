// node --test: sync/hlc.js, mirroring Tests/FTSyncTests/ClockTests.swift, plus the text form.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ClockError, compareHLC, formatHLC, HybridLogicalClock, parseHLC } from "../../sync/hlc.js";

/** A wall clock the test moves by hand. */
function manualClock(start = 1_000) {
  const wall = { milliseconds: start, read: () => wall.milliseconds };
  return wall;
}

test("timestamps follow the wall clock and never go back", () => {
  const wall = manualClock();
  const clock = new HybridLogicalClock({ node: "a", wallMilliseconds: wall.read });
  const first = clock.now();
  assert.deepEqual(first, { milliseconds: 1_000, counter: 0, node: "a" });
  const second = clock.now();
  assert.deepEqual(second, { milliseconds: 1_000, counter: 1, node: "a" });
  wall.milliseconds = 500; // the wall clock jumps back
  const third = clock.now();
  assert.ok(compareHLC(third, second) > 0);
  assert.equal(third.milliseconds, 1_000);
  wall.milliseconds = 2_000;
  assert.deepEqual(clock.now(), { milliseconds: 2_000, counter: 0, node: "a" });
});

test("a received timestamp orders what follows", () => {
  const clock = new HybridLogicalClock({ node: "a", wallMilliseconds: manualClock().read });
  const remote = { milliseconds: 1_500, counter: 4, node: "b" };
  clock.receive(remote);
  const next = clock.now();
  assert.ok(compareHLC(next, remote) > 0);
  assert.equal(next.milliseconds, 1_500);
  assert.deepEqual(next, { milliseconds: 1_500, counter: 6, node: "a" });
});

test("a timestamp far in the future is refused and does not move the clock", () => {
  const clock = new HybridLogicalClock({ node: "a", maximumDrift: 60_000, wallMilliseconds: manualClock().read });
  const future = { milliseconds: 1_000 + 3_600_000, counter: 0, node: "b" };
  assert.throws(() => clock.receive(future), (error) => error instanceof ClockError && error.wall === 1_000 && error.stamp === future);
  assert.equal(clock.now().milliseconds, 1_000, "a refused timestamp does not move the clock");
});

test("receive takes the greatest of wall, latest and remote, as HybridLogicalClock.receive", () => {
  const wall = manualClock(1_000);
  const clock = new HybridLogicalClock({ node: "a", wallMilliseconds: wall.read });
  clock.now(); // 1000/0
  clock.receive({ milliseconds: 1_000, counter: 7, node: "b" }); // all equal: max(0, 7) + 1
  assert.deepEqual(clock.latest, { milliseconds: 1_000, counter: 8, node: "a" });
  clock.receive({ milliseconds: 900, counter: 50, node: "b" }); // latest wins: counter + 1
  assert.deepEqual(clock.latest, { milliseconds: 1_000, counter: 9, node: "a" });
  wall.milliseconds = 5_000;
  clock.receive({ milliseconds: 4_000, counter: 3, node: "b" }); // the wall wins: counter 0
  assert.deepEqual(clock.latest, { milliseconds: 5_000, counter: 0, node: "a" });
  clock.receive({ milliseconds: 5_000 + 60_000, counter: 3, node: "b" }); // exactly the drift: accepted
  assert.deepEqual(clock.latest, { milliseconds: 65_000, counter: 4, node: "a" });
});

test("a node id is non-empty and has no '-'", () => {
  assert.throws(() => new HybridLogicalClock({ node: "", wallMilliseconds: () => 0 }), TypeError);
  assert.throws(() => new HybridLogicalClock({ node: "a-b", wallMilliseconds: () => 0 }), TypeError);
});

test("a clock restored from storage continues after its latest timestamp", () => {
  const clock = new HybridLogicalClock({ node: "a", wallMilliseconds: () => 10, latest: { milliseconds: 20, counter: 3, node: "a" } });
  assert.deepEqual(clock.now(), { milliseconds: 20, counter: 4, node: "a" });
});

test("the text form: 16 digits, 5 digits, node; it parses back", () => {
  const stamp = { milliseconds: 1_732_492_800_000, counter: 7, node: "device-42" };
  assert.equal(formatHLC(stamp), "0001732492800000-00007-device-42");
  assert.deepEqual(parseHLC("0001732492800000-00007-device-42"), stamp, "the node keeps its own '-'");
  assert.equal(formatHLC({ milliseconds: 1, counter: 123_456, node: "a" }), "0000000000000001-123456-a", "a long counter is written in full");
});

test("malformed text forms are refused, as HLCTimestamp.init? refuses them", () => {
  for (const text of ["", "1000-0-a", "0000000000001000-00000-", "0000000000001000-00000", "000000000000100x-00000-a", "0000000000001000-0000-a",
    "-000000000000000-00000-a", "0000000000001000--0001-a", " 000000000001000-00000-a", "0000000000001000-00000\u0301-a",
    "+000000000001000-+0001-a", "+000000000001000-00000-a"]) {
    assert.equal(parseHLC(text), null, JSON.stringify(text));
  }
});

test("the order: milliseconds, then counter, then node as Swift orders strings", () => {
  const sorted = [
    "0000000000001000-00000-a", "0000000000001000-00000-b", "0000000000001000-00001-a", "0000000000001001-00000-a",
  ].map(parseHLC);
  for (let i = 0; i < sorted.length; i++) {
    for (let j = 0; j < sorted.length; j++) assert.equal(Math.sign(compareHLC(sorted[i], sorted[j])), Math.sign(i - j));
  }
  const node = (name) => ({ milliseconds: 1, counter: 0, node: name });
  assert.ok(compareHLC(node("B"), node("a")) < 0, "by scalar, not case-insensitively");
  assert.ok(compareHLC(node("\uff61"), node("😀")) < 0, "U+FF61 before U+1F600, unlike UTF-16 order");
  assert.equal(compareHLC(node("\u00e9"), node("e\u0301")), 0, "canonically equivalent nodes are equal");
});

test("past 99,999 events in one millisecond the clock moves to the next millisecond", () => {
  const clock = new HybridLogicalClock({ node: "n", wallMilliseconds: () => 1_000 });
  let last;
  for (let i = 0; i <= 100_000; i++) last = clock.now();
  assert.deepEqual(last, { milliseconds: 1_001, counter: 0, node: "n" });
  assert.deepEqual(parseHLC(formatHLC(last)), last);
  clock.receive({ milliseconds: 1_001, counter: 99_999, node: "m" });
  assert.deepEqual(clock.latest, { milliseconds: 1_002, counter: 0, node: "n" });
});
