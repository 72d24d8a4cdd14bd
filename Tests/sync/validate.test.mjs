// node --test: sync/validate.js against the tables of Tests/FTSyncTests/ValidatorTests.swift.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkOperation } from "../../sync/validate.js";
import { formatHLC } from "../../sync/hlc.js";

const now = 10_000_000;
const client = { user: 1, role: "client" };
const expert = { user: 2, role: "expert" };
const admin = { user: 3, role: "admin" };
const seen = { actorSeesDossier: true, exists: true, owner: 1, stepAssignee: "client", ratingClientUser: 1, ratingAllowed: true };
const fresh = { actorSeesDossier: true, exists: false };

/** The record ids the server names have one spelling; the others are made by devices. */
const recordOf = { step: "7", rating: "1:2", readReceipt: "4:1", preference: "1:message:email" };
/** Preferences belong to a user, not a dossier: what is known of a dossier does not matter. */
const nowhere = { actorSeesDossier: false, exists: false };

function op(collection, action, fields, { actor = client, record = recordOf[collection] ?? "r1", at = now } = {}) {
  return { id: "op", collection, action, record, fields, hlc: formatHLC({ milliseconds: at, counter: 0, node: "d" }), actor };
}

/** A new dossier's fields, and what the server knows of its scheme (two questions, the second asked after a "oui"). */
function dossierFields(overrides = {}) {
  return { product: 3, description: "Flotte de 12 camions", amount: 24_000, answers: JSON.stringify({ transport: "oui", poids: "oui" }), ...overrides };
}
function scheme(overrides = {}) {
  const questions = [
    { key: "transport", text: "Transport ?", kind: "yes_no", requirement: { anyOf: ["oui"] }, refusal: "Transport seulement." },
    { key: "poids", text: "7,5 t ?", kind: "yes_no", askedWhen: { question: "transport", condition: { anyOf: ["oui"] } } },
  ];
  return { ...fresh, scheme: { active: true, questions, expertHoldsScheme: true, ...overrides } };
}

/** What the server knows of offer 41, made to the expert (user 2) and not answered yet. */
function offered(overrides = {}) {
  return { actorSeesDossier: true, exists: true, offer: { expertUser: 2, pending: true, ...overrides } };
}

const version = (fileName, sha256) => ({ document: "d", fileName, mediaType: "text/plain", byteCount: 3, sha256 });

const refusals = [
  ["an accented id (two normal forms would be two records in SQLite)", { ...op("message", "update", { body: "x" }), id: "e\u0301" }, seen, "invalidField"],
  ["a space in a record id", { ...op("message", "update", { body: "x" }), record: "m 1" }, seen, "invalidField"],
  ["a slash carrying a combining mark in a file name", op("documentVersion", "insert", version("a/\u0301b.pdf", "0123456789abcdef".repeat(4))), fresh, "invalidField"],
  ["fullwidth digits in a hash", op("documentVersion", "insert", version("a.pdf", "\uff11".repeat(64))), fresh, "invalidField"],
  ["unknown field", op("message", "update", { body: "x", author: 9 }), seen, "unknownField"],
  ["wrong type", op("message", "update", { body: 5 }), seen, "invalidField"],
  ["missing field", op("message", "insert", { body: "x" }), fresh, "missingField"],
  ["empty message", op("message", "insert", { conversation: 1, body: "   " }), fresh, "invalidField"],
  ["huge message", op("message", "update", { body: "a".repeat(20_001) }), seen, "invalidField"],
  ["someone else's message", op("message", "update", { body: "x" }, { actor: expert }), seen, "forbidden"],
  ["another dossier", op("message", "insert", { conversation: 1, body: "x" }), { actorSeesDossier: false, exists: false }, "forbidden"],
  ["score 6", op("rating", "update", { score: 6 }), seen, "invalidField"],
  ["an expert rating", op("rating", "update", { score: 5 }, { actor: expert }), seen, "forbidden"],
  ["rating for another client", op("rating", "update", { score: 5 }), { actorSeesDossier: true, exists: true, ratingClientUser: 7, ratingAllowed: true }, "forbidden"],
  ["rating without an assignment", op("rating", "insert", { score: 5 }), { actorSeesDossier: true, exists: false, ratingClientUser: 1, ratingAllowed: false }, "forbidden"],
  ["progress 101", op("step", "update", { progress: 101 }), seen, "invalidField"],
  ["unknown status", op("step", "update", { status: "done" }), seen, "invalidField"],
  ["client sets overdue", op("step", "update", { status: "overdue" }), seen, "forbidden"],
  ["client moves the expert's step", op("step", "update", { progress: 50 }), { actorSeesDossier: true, exists: true, stepAssignee: "expert" }, "forbidden"],
  ["client moves a due date", op("step", "update", { dueAt: 5 }), seen, "forbidden"],
  ["empty step update", op("step", "update", {}), seen, "missingField"],
  ["unknown step", op("step", "update", { progress: 5 }, { actor: expert }), fresh, "unknownRecord"],
  ["client validates", op("documentVersion", "update", { validation: "validated" }), seen, "forbidden"],
  ["rejection without reason", op("documentVersion", "update", { validation: "rejected" }, { actor: expert }), seen, "missingField"],
  ["bad hash", op("documentVersion", "insert", { ...version("a.pdf", "XYZ"), mediaType: "application/pdf" }), fresh, "invalidField"],
  ["path in a file name", op("documentVersion", "insert", version("../../etc/passwd", "a".repeat(64))), fresh, "invalidField"],
  ["someone else's read receipt", op("readReceipt", "update", { readUpTo: 5 }, { record: "4:9" }), seen, "forbidden"],
  ["deleting a step", op("step", "delete", {}), seen, "unsupportedAction"],
  ["from the future", op("message", "update", { body: "x" }, { at: now + 3_600_000 }), seen, "clockSkew"],
  ["re-inserting an existing message", op("message", "insert", { conversation: 1, body: "x" }), seen, "invalidField"],
  // Beyond the Swift table: how Swift counts and compares characters.
  ["an upper-case hash", op("documentVersion", "insert", version("a.pdf", "A".repeat(64))), fresh, "invalidField"],
  ["an id of 65 characters", { ...op("message", "update", { body: "x" }), id: "é".repeat(65) }, seen, "invalidField"],
  ["a title of spaces and a line break", op("document", "update", { title: " \u00a0\r\n" }), seen, "invalidField"],
  ["a fraction", op("step", "update", { progress: 1.5 }), seen, "invalidField"],
  // One spelling per record id; a clean node; no NUL in text.
  ["a step id with a leading zero", op("step", "update", { progress: 5 }, { record: "05" }), seen, "invalidRecord"],
  ["a step id with a sign", op("step", "update", { progress: 5 }, { record: "+5" }), seen, "invalidRecord"],
  ["step zero", op("step", "update", { progress: 5 }, { record: "0" }), seen, "invalidRecord"],
  ["a step id past Int64", op("step", "update", { progress: 5 }, { record: "9223372036854775808" }), seen, "invalidRecord"],
  ["a rating id with a leading zero", op("rating", "update", { score: 5 }, { record: "01:1" }), seen, "invalidRecord"],
  ["a read receipt id with a sign", op("readReceipt", "update", { readUpTo: 5 }, { record: "+3:204" }), seen, "invalidRecord"],
  ["a read receipt id with two colons", op("readReceipt", "update", { readUpTo: 5 }, { record: "3::204" }), seen, "invalidRecord"],
  ["a read receipt id with three parts", op("readReceipt", "update", { readUpTo: 5 }, { record: "3:204:1" }), seen, "invalidRecord"],
  ["a NUL in an HLC node", { ...op("message", "update", { body: "x" }), hlc: "0000000010000000-00000-\u0000x" }, seen, "invalidField"],
  ["a dash in an HLC node", { ...op("message", "update", { body: "x" }), hlc: "0000000010000000-00000-a-b" }, seen, "invalidField"],
  ["an accented HLC node", { ...op("message", "update", { body: "x" }), hlc: "0000000010000000-00000-é" }, seen, "invalidField"],
  ["an HLC node of 33 characters", { ...op("message", "update", { body: "x" }), hlc: "0000000010000000-00000-" + "a".repeat(33) }, seen, "invalidField"],
  ["a NUL in a body", op("message", "update", { body: "before\u0000after" }), seen, "invalidField"],
  ["a NUL in a rating comment", op("rating", "update", { score: 5, comment: "a\u0000" }), seen, "invalidField"],
  ["a boolean for an integer", op("step", "update", { progress: true }), seen, "invalidField"],
  // Notification preferences: `<user>:<kind>:<channel>`, `enabled` only, one's own, never `system` off.
  ["a preference's user with a leading zero", op("preference", "update", { enabled: false }, { record: "012:message:email" }), nowhere, "invalidRecord"],
  ["a preference without a channel", op("preference", "update", { enabled: false }, { record: "12:message" }), nowhere, "invalidRecord"],
  ["a preference of an unknown kind", op("preference", "update", { enabled: false }, { record: "12:unknown:email" }), nowhere, "invalidRecord"],
  ["a preference for an unknown channel", op("preference", "update", { enabled: false }, { record: "12:message:sms" }), nowhere, "invalidRecord"],
  ["a preference's user with a sign", op("preference", "update", { enabled: false }, { record: "+12:message:email" }), nowhere, "invalidRecord"],
  ["a preference of user zero", op("preference", "update", { enabled: false }, { record: "0:message:email" }), nowhere, "invalidRecord"],
  ["a preference's user past Int64", op("preference", "update", { enabled: false }, { record: "9223372036854775808:message:email" }), nowhere, "invalidRecord"],
  ["another user's preference, the largest id there is", op("preference", "update", { enabled: false }, { record: "9223372036854775807:message:email" }), nowhere, "forbidden"],
  ["a preference with four parts", op("preference", "update", { enabled: false }, { record: "12:message:email:x" }), nowhere, "invalidRecord"],
  ["a preference's kind in another case", op("preference", "update", { enabled: false }, { record: "12:Message:email" }), nowhere, "invalidRecord"],
  ["a preference's kind spelled as in Swift", op("preference", "update", { enabled: false }, { record: "12:stepDue:email" }), nowhere, "invalidRecord"],
  ["a preference without enabled", op("preference", "update", {}), nowhere, "missingField"],
  ["a preference enabled as a number", op("preference", "update", { enabled: 0 }), nowhere, "invalidField"],
  ["a preference enabled as a string", op("preference", "update", { enabled: "true" }), nowhere, "invalidField"],
  ["a preference enabled as null", op("preference", "update", { enabled: null }), nowhere, "invalidField"],
  ["a preference with another field", op("preference", "update", { enabled: true, quiet: true }), nowhere, "unknownField"],
  ["inserting a preference", op("preference", "insert", { enabled: true }), nowhere, "unsupportedAction"],
  ["deleting a preference", op("preference", "delete", {}), nowhere, "unsupportedAction"],
  ["someone else's preference", op("preference", "update", { enabled: false }, { record: "2:message:email" }), seen, "forbidden"],
  ["an admin changes someone else's preference", op("preference", "update", { enabled: true }, { actor: admin, record: "1:message:email" }), seen, "forbidden"],
  ["account and security messages turned off", op("preference", "update", { enabled: false }, { record: "1:system:email" }), nowhere, "forbidden"],
  ["account and security messages turned off in the app", op("preference", "update", { enabled: false }, { actor: admin, record: "3:system:in_app" }), nowhere, "forbidden"],
  // A new dossier: a client's, for an open scheme its requested expert holds, with complete answers.
  ["an expert opens a dossier", op("dossier", "insert", dossierFields(), { actor: expert }), scheme(), "forbidden"],
  ["a dossier for a closed scheme", op("dossier", "insert", dossierFields()), scheme({ active: false }), "invalidField"],
  ["a dossier for no scheme", op("dossier", "insert", dossierFields()), { ...fresh, scheme: null }, "invalidField"],
  ["a dossier asking for an expert who does not hold the scheme", op("dossier", "insert", dossierFields({ expert: 9 })), scheme({ expertHoldsScheme: false }), "invalidField"],
  ["a negative amount", op("dossier", "insert", dossierFields({ amount: -1 })), scheme(), "invalidField"],
  ["an absurd amount", op("dossier", "insert", dossierFields({ amount: 100_000_001 })), scheme(), "invalidField"],
  ["a blank description", op("dossier", "insert", dossierFields({ description: " \n " })), scheme(), "invalidField"],
  ["answers that are not an object", op("dossier", "insert", dossierFields({ answers: "[]" })), scheme(), "invalidField"],
  ["a missing answer", op("dossier", "insert", dossierFields({ answers: "{}" })), scheme(), "missingField"],
  ["contradictory answers", op("dossier", "insert", dossierFields({ answers: JSON.stringify({ transport: "non", poids: "oui" }) })), scheme(), "invalidField"],
  ["a dossier without a scheme", op("dossier", "insert", { description: "x", amount: 1, answers: "{}" }), scheme(), "missingField"],
  ["a dossier request inserted again", op("dossier", "insert", dossierFields()), { ...scheme(), exists: true }, "invalidField"],
  ["changing a dossier request", op("dossier", "update", { amount: 5 }), scheme(), "unsupportedAction"],
  // An offer: answered once, by the expert it is made to, "accepted" or "declined".
  ["an offer answered by another expert", op("offer", "update", { answer: "accepted" }, { actor: expert, record: "41" }), offered({ expertUser: 9 }), "forbidden"],
  ["an offer answered by its client", op("offer", "update", { answer: "accepted" }, { record: "41" }), offered(), "forbidden"],
  ["an offer answered twice", op("offer", "update", { answer: "declined" }, { actor: expert, record: "41" }), offered({ pending: false }), "invalidField"],
  ["an offer answered 'maybe'", op("offer", "update", { answer: "maybe" }, { actor: expert, record: "41" }), offered(), "invalidField"],
  ["an offer's id with a leading zero", op("offer", "update", { answer: "accepted" }, { actor: expert, record: "041" }), offered(), "invalidRecord"],
  ["an unknown offer", op("offer", "update", { answer: "accepted" }, { actor: expert, record: "41" }), fresh, "unknownRecord"],
  ["completing a step before the one it waits for", op("step", "update", { status: "completed" }, { actor: expert }), { ...seen, stepWaitsFor: [1, 2] }, "forbidden"],
  ["a reason of 1,001 characters", op("offer", "update", { answer: "declined", reason: "x".repeat(1_001) }, { actor: expert, record: "41" }), offered(), "invalidField"],
];

for (const [name, operation, facts, code] of refusals) {
  test(`refused: ${name}`, () => {
    const rejection = checkOperation(operation, facts, now);
    assert.equal(rejection?.code, code, `${name}: ${rejection}`);
    assert.ok(rejection.message.length > 0);
  });
}

const acceptances = [
  ["new message", op("message", "insert", { conversation: 1, body: "Bonjour" }), fresh],
  ["own edit", op("message", "update", { body: "Bonjour !" }), seen],
  ["admin deletes", op("message", "delete", {}, { actor: admin }), { actorSeesDossier: false, exists: true, owner: 1 }],
  ["client rates", op("rating", "insert", { score: 4, comment: "Bien" }), { actorSeesDossier: true, exists: false, ratingClientUser: 1, ratingAllowed: true }],
  ["client moves its step", op("step", "update", { status: "in_progress", progress: 20 }), seen],
  ["expert sets a due date", op("step", "update", { dueAt: 99 }, { actor: expert }), seen],
  ["expert validates", op("documentVersion", "update", { validation: "validated" }, { actor: expert }), seen],
  ["own read receipt", op("readReceipt", "update", { readUpTo: 5 }, { record: "4:1" }), seen],
  // Beyond the Swift table.
  ["64 printable ASCII characters in an id", { ...op("message", "update", { body: "x" }), id: "a:b-c_d.".repeat(8) }, seen],
  ["a body of 20,000 characters, some of them emoji", op("message", "update", { body: "😀".repeat(10_000) + "a".repeat(10_000) }), seen],
  ["a new version", op("documentVersion", "insert", version("facture.pdf", "0123456789abcdef".repeat(4))), fresh],
  ["own preference turned off", op("preference", "update", { enabled: false }, { record: "1:message:email" }), nowhere],
  ["own preference turned on, with nothing known of a dossier", op("preference", "update", { enabled: true }, { record: "1:new_expert:push" }), nowhere],
  ["an expert's preference of a two-word kind", op("preference", "update", { enabled: false }, { actor: expert, record: "2:step_overdue:in_app" }), nowhere],
  ["an admin's own preference", op("preference", "update", { enabled: false }, { actor: admin, record: "3:expert_approved:email" }), nowhere],
  ["account and security messages turned on", op("preference", "update", { enabled: true }, { record: "1:system:push" }), nowhere],
  ["a client opens a dossier with its expert", op("dossier", "insert", dossierFields({ expert: 9 })), scheme()],
  ["a client opens a dossier it is not eligible for (the dossier says why; not a refusal)", op("dossier", "insert", dossierFields({ answers: JSON.stringify({ transport: "non" }) })), scheme()],
  ["a device that does not know the scheme yet leaves it to the server", op("dossier", "insert", dossierFields()), fresh],
  ["moving a waiting step short of completing it", op("step", "update", { status: "in_progress", progress: 30 }, { actor: expert }), { ...seen, stepWaitsFor: [1] }],
  ["the expert accepts its offer", op("offer", "update", { answer: "accepted" }, { actor: expert, record: "41" }), offered()],
  ["the expert declines its offer, saying why", op("offer", "update", { answer: "declined", reason: "Pas disponible" }, { actor: expert, record: "41" }), offered()],
];

for (const [name, operation, facts] of acceptances) {
  test(`accepted: ${name}`, () => {
    assert.equal(checkOperation(operation, facts, now), null);
  });
}

test("the sentences are the server's", () => {
  assert.equal(String(checkOperation(op("rating", "update", { score: 6 }), seen, now)), "invalidField: a score is 1 to 5, not 6");
  assert.deepEqual({ ...checkOperation(op("message", "update", { body: 5 }), seen, now) }, { code: "invalidField", field: "body", message: "'body' must be a string, not 5" });
  assert.equal(checkOperation(op("step", "update", { status: "overdue" }), seen, now)?.message, "a client may not set a step to overdue");
  assert.equal(checkOperation(op("step", "update", { status: "completed" }), { ...seen, stepWaitsFor: [1, 3] }, now)?.message, "this step waits for steps 1, 3 to be completed first");
});

test("the preferences' sentences are the server's", () => {
  for (const record of ["012:message:email", "12:message", "12:unknown:email", "12:message:sms", "+12:message:email"]) {
    assert.deepEqual({ ...checkOperation(op("preference", "update", { enabled: false }, { record }), nowhere, now) }, {
      code: "invalidRecord", field: "record",
      message: `a preference's record id is '<user>:<kind>:<channel>' (a number without sign or leading zeros, a notification kind, a channel: in_app, email or push), not '${record}'`,
    });
  }
  assert.deepEqual({ ...checkOperation(op("preference", "insert", { enabled: true }), nowhere, now) }, { code: "unsupportedAction", message: "preference does not support insert" });
  assert.deepEqual({ ...checkOperation(op("preference", "update", { enabled: 1 }), nowhere, now) }, { code: "invalidField", field: "enabled", message: "'enabled' must be a boolean, not 1" });
  assert.deepEqual({ ...checkOperation(op("preference", "update", {}), nowhere, now) }, { code: "missingField", field: "enabled", message: "'enabled' is required" });
  assert.deepEqual({ ...checkOperation(op("preference", "update", { enabled: true }, { record: "2:message:email" }), seen, now) }, { code: "forbidden", message: "a user changes only their own preferences" });
  assert.deepEqual({ ...checkOperation(op("preference", "update", { enabled: false }, { record: "1:system:email" }), nowhere, now) }, { code: "forbidden", field: "enabled", message: "account and security messages cannot be turned off" });
});
