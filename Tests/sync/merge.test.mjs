// node --test: the shared merge vectors (Tests/vectors/merge.json), read by the Swift tests too.
// Every order of each case's operations, each applied twice, gives exactly the expected records.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { canonicalJSON } from "../../sync/canonical-json.js";
import { delta, Replica } from "../../sync/merge.js";
import { describeState, mergeStates } from "../../sync/record-states.js";
import { permutations, SplitMix64 } from "./support/schedules.mjs";

const vectors = JSON.parse(readFileSync(new URL("../vectors/merge.json", import.meta.url), "utf8"));

test("the vectors have at least the seven cases the Swift test counts", () => {
  assert.ok(vectors.cases.length >= 7);
});

for (const vector of vectors.cases) {
  test(`vector: ${vector.name}`, () => {
    const want = canonicalJSON(vector.expected);
    let orders = 0;
    for (const order of permutations(vector.operations)) {
      const replica = new Replica();
      for (const operation of [...order, ...order.slice().reverse()]) replica.apply(operation);
      assert.equal(replica.canonicalJSON(), want, `order ${order.map((operation) => operation.id).join(" ")}`);
      orders++;
    }
    assert.ok(orders >= 1);
  });
}

test("a second copy of an operation is reported and changes nothing", () => {
  const [operation] = vectors.cases[0].operations;
  const replica = new Replica();
  assert.equal(replica.apply(operation), true);
  const once = replica.canonicalJSON();
  assert.equal(replica.apply(structuredClone(operation)), false);
  assert.equal(replica.canonicalJSON(), once);
});

test("JSON that is not an operation is refused before anything changes", () => {
  const replica = new Replica();
  const operation = { ...vectors.cases[0].operations[0], hlc: "1000-0-a" };
  assert.throws(() => replica.apply(operation), TypeError);
  assert.equal(replica.apply({ ...operation, hlc: "0000000000001000-00000-a" }), true, "the refused copy was not recorded as applied");
  assert.throws(() => replica.apply({ ...operation, id: "x", fields: { conversation: 1.5, body: "x" } }), TypeError);
});

test("an operation the merge does not know is applied (recorded) but makes no record", () => {
  const replica = new Replica();
  const operation = { id: "s1", collection: "step", action: "delete", record: "1", fields: {}, hlc: "0000000000001000-00000-a", actor: { user: 1, role: "admin" } };
  assert.equal(replica.apply(operation), true);
  assert.equal(replica.apply(operation), false);
  assert.equal(replica.canonicalJSON(), "{}");
});

test("versions of a document: oldest first by timestamp, then id; the last is current", () => {
  const replica = new Replica();
  const version = (id, hlc, document = "d1") => ({
    id: `op-${id}`, collection: "documentVersion", action: "insert", record: id, hlc, actor: { user: 1, role: "client" },
    fields: { document, fileName: `${id}.pdf`, mediaType: "application/pdf", byteCount: 1, sha256: "a".repeat(64) },
  });
  replica.apply(version("v3", "0000000000003000-00000-a"));
  replica.apply(version("v2", "0000000000001000-00000-b"));
  replica.apply(version("v1", "0000000000001000-00000-b"));
  replica.apply(version("v0", "0000000000000500-00000-a", "other"));
  replica.apply({ id: "val", collection: "documentVersion", action: "update", record: "v9", fields: { validation: "validated" }, hlc: "0000000000000001-00000-a", actor: { user: 2, role: "expert" } });
  assert.deepEqual(replica.versionsOfDocument("d1").map((entry) => entry.id), ["v1", "v2", "v3"]);
});

test("a completed step shows 100 %, and the writes a concurrent edit replaced stay visible", async () => {
  const { overriddenWrites } = await import("../../sync/record-states.js");
  const replica = new Replica();
  const step = (id, fields, hlc, user) => ({ id, collection: "step", action: "update", record: "5", fields, hlc, actor: { user, role: user === 1 ? "client" : "expert" } });
  replica.apply(step("a", { progress: 40 }, "0000000000002000-00000-b", 2));
  replica.apply(step("b", { status: "completed", progress: 30 }, "0000000000001000-00000-a", 1));
  const view = JSON.parse(replica.canonicalJSON()).step["5"];
  assert.deepEqual(view.fields, { progress: 100, status: "completed" });
  assert.deepEqual(overriddenWrites(replica.get("step", "5")).map((write) => [write.operation, write.field, write.value]), [["b", "progress", 30]]);
});

/** A preference change of user 12. */
const preference = (id, record, fields, hlc, action = "update") => ({ id, collection: "preference", action, record, fields, hlc, actor: { user: 12, role: "client" } });

test("a preference's update with a boolean brings a stamped register; anything else brings nothing", () => {
  const hlc = "0000000000001000-00000-a";
  assert.deepEqual(delta(preference("p", "12:message:email", { enabled: false }, hlc)), {
    kind: "preference", enabled: { value: false, hlc: { milliseconds: 1000, counter: 0, node: "a" }, operation: "p" },
  });
  assert.equal(delta(preference("p", "12:message:email", {}, hlc)), null);
  assert.equal(delta(preference("p", "12:message:email", { enabled: 1 }, hlc)), null);
  assert.equal(delta(preference("p", "12:message:email", { enabled: "false" }, hlc)), null);
  assert.equal(delta(preference("p", "12:message:email", { enabled: null }, hlc)), null);
  assert.equal(delta(preference("p", "12:message:email", { enabled: true }, hlc, "insert")), null);
  assert.equal(delta(preference("p", "12:message:email", {}, hlc, "delete")), null);
  const replica = new Replica();
  replica.apply(preference("p", "12:message:email", { enabled: true }, hlc, "insert"));
  assert.equal(replica.canonicalJSON(), "{}");
  replica.apply(preference("q", "12:message:email", { enabled: true }, "0000000000000500-00000-a"));
  assert.equal(replica.canonicalJSON(), '{"preference":{"12:message:email":{"enabled":true}}}');
});

test("preferences: merging is commutative, associative and idempotent, and any delivery converges", () => {
  for (let seed = 0; seed < 40; seed++) {
    const random = new SplitMix64(seed + 4_242);
    const operations = Array.from({ length: random.int(2, 16) }, (_, index) => preference(
      `p${random.int(0, 9)}${index}`, random.pick(["12:message:email", "12:message:push", "12:system:in_app"]), { enabled: random.int(0, 1) === 1 },
      `${String(random.int(1_000, 1_003)).padStart(16, "0")}-0000${random.int(0, 1)}-${random.pick(["a", "b"])}`,
    ));
    const reference = new Replica();
    for (const operation of operations) reference.apply(operation);
    for (let schedule = 0; schedule < 6; schedule++) {
      const replica = new Replica();
      const order = random.shuffled(operations);
      for (const operation of [...order, ...random.shuffled(operations)]) replica.apply(operation);
      assert.equal(replica.describe(), reference.describe(), `seed ${seed}, schedule ${schedule}`);
    }
    const deltas = operations.filter((operation) => operation.record === "12:message:email").map(delta);
    const same = (x, y) => assert.equal(describeState(x), describeState(y), `seed ${seed}`);
    for (const a of deltas) {
      same(mergeStates(a, a), a);
      for (const b of deltas) {
        same(mergeStates(a, b), mergeStates(b, a));
        for (const c of deltas.slice(0, 4)) same(mergeStates(mergeStates(a, b), c), mergeStates(a, mergeStates(b, c)));
      }
    }
  }
});
