// node --test: random operations, delivered in random orders with random duplicates, leave every
// replica with byte-identical state (ConvergenceTests.swift's properties, for sync/merge.js).
import { test } from "node:test";
import assert from "node:assert/strict";
import { delta, Replica } from "../../sync/merge.js";
import { describeState, mergeStates } from "../../sync/record-states.js";
import { SplitMix64 } from "./support/schedules.mjs";
import { randomDelivery, randomOperations } from "./support/operations.mjs";

test("replicas that saw the same operations agree, whatever the order and the duplicates", () => {
  for (let seed = 0; seed < 60; seed++) {
    const random = new SplitMix64(BigInt(seed) * 7_919n + 1n);
    const operations = randomOperations(random.int(5, 60), random);
    const reference = new Replica();
    for (const operation of operations) reference.apply(operation);
    const expected = reference.canonicalJSON();
    const state = reference.describe();
    for (let schedule = 0; schedule < 8; schedule++) {
      const replica = new Replica();
      for (const operation of randomDelivery(operations, random)) replica.apply(operation);
      assert.equal(replica.canonicalJSON(), expected, `seed ${seed}, schedule ${schedule}`);
      assert.equal(replica.describe(), state, `seed ${seed}, schedule ${schedule}: stamps too`);
    }
  }
});

test("two replicas that exchange what each saw end equal (a partition that heals)", () => {
  for (let seed = 0; seed < 30; seed++) {
    const random = new SplitMix64(seed + 5_000);
    const operations = randomOperations(40, random);
    const left = new Replica();
    const right = new Replica();
    for (const operation of operations) (random.int(0, 1) ? left : right).apply(operation);
    for (const operation of random.shuffled(operations)) left.apply(operation);
    for (const operation of random.shuffled(operations)) right.apply(operation);
    assert.equal(left.canonicalJSON(), right.canonicalJSON(), `seed ${seed}`);
  }
});

test("merging is associative, commutative and idempotent", () => {
  for (let seed = 0; seed < 20; seed++) {
    const random = new SplitMix64(seed + 99);
    const operations = randomOperations(30, random);
    const parts = [["0", "3"], ["1", "4"], ["2", "5"]].map((ends) => operations.filter((operation) => ends.some((end) => operation.id.endsWith(end))));
    for (const part of parts) {
      const deltas = part.map(delta).filter((state) => state !== null);
      const same = (x, y) => assert.equal(describeState(x), describeState(y), `seed ${seed}`);
      for (const a of deltas) {
        same(mergeStates(a, a), a);
        for (const b of deltas.filter((other) => other.kind === a.kind)) {
          same(mergeStates(a, b), mergeStates(b, a));
          for (const c of deltas.filter((other) => other.kind === a.kind).slice(0, 5)) {
            same(mergeStates(mergeStates(a, b), c), mergeStates(a, mergeStates(b, c)));
          }
        }
      }
    }
  }
});
