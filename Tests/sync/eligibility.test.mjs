// node --test: sync/eligibility.js against the shared vectors (Tests/vectors/eligibility.json),
// which Tests/FTModelTests/EligibilityTests.swift reads too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { answersFromJSON, asked, decide } from "../../sync/eligibility.js";

const vectors = JSON.parse(readFileSync(new URL("../vectors/eligibility.json", import.meta.url), "utf8"));

for (const vector of vectors.cases) {
  test(vector.name, () => {
    const verdict = decide(vectors.questions, vector.answers);
    if (vector.expected.problem) {
      assert.ok("problem" in verdict, JSON.stringify(verdict));
      assert.equal(verdict.problem.question, vector.expected.problem);
      assert.equal(verdict.problem.missing, vector.expected.missing);
    } else {
      assert.deepEqual(verdict, vector.expected.eligible ? { eligible: true } : { eligible: false, reasons: vector.expected.reasons });
    }
  });
}

test("a question is asked only once the answer it depends on says so", () => {
  assert.deepEqual(asked(vectors.questions, {}).map((q) => q.key), ["transport", "flotte"]);
  assert.deepEqual(asked(vectors.questions, { transport: "oui" }).map((q) => q.key), ["transport", "poids", "flotte"]);
  assert.deepEqual(asked(vectors.questions, { transport: "oui", poids: "oui" }).map((q) => q.key), ["transport", "poids", "litres", "flotte"]);
});

test("answers are a JSON object of short texts", () => {
  assert.deepEqual(answersFromJSON('{"a":"oui"}'), { a: "oui" });
  assert.equal(answersFromJSON("[]"), null);
  assert.equal(answersFromJSON('{"a":1}'), null);
  assert.equal(answersFromJSON("not json"), null);
  assert.equal(answersFromJSON(JSON.stringify({ a: "x".repeat(201) })), null);
  assert.equal(answersFromJSON(JSON.stringify(Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "x"])))), null);
});
