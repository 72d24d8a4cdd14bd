// Test support for no-stall.test.mjs (issue 17, "No user can stall another"): the attacker's
// malformed requests, each with the refusal it must get, and a worker thread that sends them.
//
// Run as a worker (`new Worker(URL, {workerData})`), so that building and sending large bodies
// never delays the main thread's measurements (live delivery, /healthz). The worker posts
// `{type: "done", results}`: per shape, how many were sent and every deviation.
//
// A shape is `{name, make(rng, n) → request, expect}`:
//   request: {kind: "http", method, path, headers?, body?, auth?: false, protocol?: null | string}
//            or {kind: "live", frames: [...], afterWelcome?: bool}
//   expect:  {status, error, field}        a 4xx with the JSON error body {"error", "message", "field"?}
//                                         (field: a name, null = no field, undefined = not checked)
//            {status: 200, reject: [{code, field}]}  every operation rejected, in order
//            {status: 200, accept: [...]}   the documented exceptions (control shapes), checked as given
//            {live: code, fatal: bool}      an error frame with that code (then closed if fatal)
import http from "node:http";
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import { SplitMix64 } from "./schedules.mjs";

export const REJECTION_CODES = ["forbidden", "invalidField", "unknownField", "missingField", "unknownRecord", "unsupportedAction", "clockSkew", "invalidRecord"];

const pad = (value, width) => String(value).padStart(width, "0");
/** An HLC string: milliseconds from now (`offset`), counter and node. */
export const hlc = (node = "atk", offset = 0, counter = 0) => `${pad(Date.now() + offset, 16)}-${pad(counter % 100000, 5)}-${node}`;

/**
 * Every malformed shape, given what the attacker knows (`ctx`, see no-stall.test.mjs).
 * @param {any} ctx
 */
export function shapes(ctx) {
  const list = [];
  const add = (name, make, expect) => list.push({ name, make, expect });
  let serial = 0;
  const id = (n) => `atk-${n}-${++serial}`;
  /** One operation, defaults a valid message insert in the attacker's own conversation. */
  const op = (n, patch = {}) => ({
    id: id(n), collection: "message", action: "insert", record: `atk-rec-${n}-${serial}`,
    fields: { conversation: ctx.ownConversation, body: "attaque" }, hlc: hlc("atk", 0, n), ...patch,
  });
  const push = (body, extra = {}) => ({ kind: "http", method: "POST", path: "/api/v1/sync/push", body, ...extra });
  const pushOps = (operations, extra) => push(JSON.stringify({ operations }), extra);
  /** One operation whose single rejection is expected. */
  const rejectOne = (name, patch, code, field = null) =>
    add(name, (rng, n) => pushOps([op(n, typeof patch === "function" ? patch(rng, n) : patch)]), { status: 200, reject: [{ code, field }] });
  /** A body whose push is answered 4xx. */
  const refuseBody = (name, body, status, error, field) =>
    add(name, (rng, n) => push(typeof body === "function" ? body(rng, n) : body), { status, error, field });
  const refuseOp = (name, patch, field, status = 400, error = "invalid_body") =>
    add(name, (rng, n) => pushOps([op(n, typeof patch === "function" ? patch(rng, n) : patch)]), { status, error, field });

  // --- HLC -------------------------------------------------------------------------------------
  refuseOp("hlc/NUL in node", { hlc: "0001796591342318-00000-\u0000x" }, "hlc");
  refuseOp("hlc/NUL in node (now)", (rng, n) => ({ hlc: hlc("\u0000", 0, n) }), "hlc");
  rejectOne("hlc/control char in node", (rng, n) => ({ hlc: hlc("\u0001x", 0, n) }), "invalidField", "hlc");
  rejectOne("hlc/DEL in node", (rng, n) => ({ hlc: hlc("x\u007f", 0, n) }), "invalidField", "hlc");
  rejectOne("hlc/tab in node", (rng, n) => ({ hlc: hlc("a\tb", 0, n) }), "invalidField", "hlc");
  rejectOne("hlc/non-ASCII node", (rng, n) => ({ hlc: hlc(rng.pick(["é", "nœud", "😀", "ｘ", "e\u0301"]), 0, n) }), "invalidField", "hlc");
  rejectOne("hlc/space, dash or colon in node", (rng, n) => ({ hlc: hlc(rng.pick(["a b", "a-b", "a:b", "a/b"]), 0, n) }), "invalidField", "hlc");
  rejectOne("hlc/node 33 chars", (rng, n) => ({ hlc: hlc("a".repeat(33), 0, n) }), "invalidField", "hlc");
  rejectOne("hlc/node 100,000 chars", (rng, n) => ({ hlc: hlc("n".repeat(100_000), 0, n) }), "invalidField", "hlc");
  rejectOne("hlc/an hour ahead", (rng, n) => ({ hlc: hlc("atk", 3_600_000, n) }), "clockSkew");
  rejectOne("hlc/year 2286", { hlc: "9999999999999999-00000-atk" }, "clockSkew");
  refuseOp("hlc/malformed", (rng, n) => ({
    hlc: rng.pick(["123-00000-atk", "0001796591342318-0000-atk", "+001796591342318-00000-atk", "0001796591342318-00000-", "",
      "0001796591342318_00000_atk", " 001796591342318-00000-atk", "-001796591342318-00000-atk", "0001796591342318-+0000-atk", "１７９６５９１３４２３１８"]),
  }), "hlc");
  refuseOp("hlc/not a string", (rng, n) => ({ hlc: rng.pick([1796591342318, null, { ms: 1 }, ["x"], true]) }), "hlc");

  // --- NUL and other text -------------------------------------------------------------------------
  refuseOp("nul/message body", { fields: { conversation: ctx.ownConversation, body: "before\u0000after" } }, "body");
  refuseOp("nul/message update body", { action: "update", record: ctx.ownMessage, fields: { body: "before\u0000after" } }, "body");
  refuseOp("nul/document title", { collection: "document", action: "update", record: ctx.ownDocument, fields: { title: "a\u0000b" } }, "title");
  refuseOp("nul/rating comment", { collection: "rating", action: "insert", record: `${ctx.clientId}:${ctx.expertId}`, fields: { score: 5, comment: "\u0000" } }, "comment");
  refuseOp("nul/operation id", (rng, n) => ({ id: `atk-${n}\u0000x` }), "id");
  refuseOp("nul/record id", (rng, n) => ({ record: `r${n}\u0000` }), "record");
  refuseOp("nul/collection", { collection: "message\u0000" }, "collection");
  // A field's name is not a value: the server answers that it has no such field.
  add("nul/field name", (rng, n) => push(`{"operations":[{"id":"${id(n)}","collection":"message","action":"insert","record":"atk-nulkey-${n}","fields":{"conversation":${ctx.ownConversation},"body":"x","bo\\u0000dy":"y"},"hlc":"${hlc("atk", 0, n)}"}]}`),
    { status: 200, reject: [{ code: "unknownField", field: "bo\u0000dy" }], orStatus: { status: 400, error: "invalid_body" } });
  refuseBody("json/lone surrogate", (rng, n) => `{"operations":[{"id":"${id(n)}","collection":"message","action":"insert","record":"r${n}","fields":{"conversation":1,"body":"\\ud800"},"hlc":"${hlc("atk", 0, n)}"}]}`, 400, "invalid_body", null);
  refuseBody("json/invalid UTF-8", (rng, n) => Buffer.concat([Buffer.from(`{"operations":[{"id":"${id(n)}","collection":"message","action":"insert","record":"r${n}","fields":{"conversation":1,"body":"`), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from(`"},"hlc":"${hlc("atk", 0, n)}"}]}`)]), 400, "invalid_body", null);
  refuseBody("json/raw control char in string", (rng, n) => `{"operations":[{"id":"${id(n)}","collection":"message","action":"insert","record":"r${n}","fields":{"conversation":1,"body":"a\u0001b"},"hlc":"${hlc("atk", 0, n)}"}]}`, 400, "invalid_body", null);

  // --- Ids ----------------------------------------------------------------------------------------
  rejectOne("id/non-ASCII operation id", (rng, n) => ({ id: `atk-é-${n}` }), "invalidField", "id");
  rejectOne("id/space in operation id", (rng, n) => ({ id: `atk ${n}` }), "invalidField", "id");
  rejectOne("id/operation id 65 chars", (rng, n) => ({ id: `atk-${n}-`.padEnd(65, "x") }), "invalidField", "id");
  rejectOne("id/operation id 1 MB", (rng, n) => ({ id: `atk-${n}-`.padEnd(1 << 20, "x") }), "invalidField", "id");
  rejectOne("id/empty operation id", { id: "" }, "invalidField", "id");
  add("id/bad record id", (rng, n) => pushOps([op(n, { record: rng.pick([`é${n}`, `r ${n}`, "".padEnd(65, "r"), "", `r${n}\n`]) })]),
    { status: 200, reject: [{ code: "invalidField", field: ["record", "id"] }] });

  // --- Record-id aliases: another spelling of a record the server names ---------------------------
  const step = (record, fields = { progress: 40 }) => ({ collection: "step", action: "update", record, fields });
  rejectOne("alias/step \"05\"", step("05"), "invalidRecord", "record");
  rejectOne("alias/step \"+5\"", step("+5"), "invalidRecord", "record");
  rejectOne("alias/own step with leading zero", step(`0${ctx.ownStep}`), "invalidRecord", "record");
  rejectOne("alias/own step signed", step(`+${ctx.ownStep}`), "invalidRecord", "record");
  rejectOne("alias/step other spellings", (rng) => step(rng.pick([`${ctx.ownStep}.0`, "0", "-2", "00", "1e1", "0x2", "99999999999999999999", `${ctx.ownStep}:`])), "invalidRecord", "record");
  const rating = (record) => ({ collection: "rating", action: "insert", record, fields: { score: 4 } });
  rejectOne("alias/rating \"01:1\"", rating("01:1"), "invalidRecord", "record");
  rejectOne("alias/rating other spellings", (rng) => rating(rng.pick([`${ctx.clientId}:0${ctx.expertId}`, `${ctx.clientId}::${ctx.expertId}`, `+${ctx.clientId}:${ctx.expertId}`, `${ctx.clientId}:`, `:${ctx.expertId}`, `${ctx.clientId}:${ctx.expertId}:1`, `${ctx.clientId}`, `-1:${ctx.expertId}`])), "invalidRecord", "record");
  const receipt = (record) => ({ collection: "readReceipt", action: "update", record, fields: { readUpTo: 5 } });
  rejectOne("alias/readReceipt \"+3:204\"", receipt("+3:204"), "invalidRecord", "record");
  rejectOne("alias/readReceipt \"3::204\"", receipt("3::204"), "invalidRecord", "record");
  rejectOne("alias/own readReceipt other spellings", (rng) => receipt(rng.pick([`0${ctx.ownConversation}:${ctx.attackerUser}`, `${ctx.ownConversation}:0${ctx.attackerUser}`, `+${ctx.ownConversation}:${ctx.attackerUser}`, `${ctx.ownConversation}:+${ctx.attackerUser}`, `${ctx.ownConversation}:${ctx.attackerUser}:`, `${ctx.ownConversation}`])), "invalidRecord", "record");

  // --- Collections, actions, fields ----------------------------------------------------------------
  refuseOp("shape/unknown collection", (rng) => ({ collection: rng.pick(["messages", "Message", "user", "session", "", "__proto__", "syncChange"]) }), "collection");
  refuseOp("shape/unknown action", (rng) => ({ action: rng.pick(["upsert", "INSERT", "", "drop", "replace"]) }), "action");
  rejectOne("action/readReceipt insert", { collection: "readReceipt", action: "insert", record: `${ctx.ownConversation}:${ctx.attackerUser}`, fields: { readUpTo: 1 } }, "unsupportedAction");
  rejectOne("action/step insert or delete", (rng) => ({ collection: "step", action: rng.pick(["insert", "delete"]), record: String(ctx.ownStep), fields: {} }), "unsupportedAction");
  rejectOne("action/rating delete", { collection: "rating", action: "delete", record: `${ctx.clientId}:${ctx.expertId}`, fields: {} }, "unsupportedAction");
  rejectOne("action/document delete", { collection: "document", action: "delete", record: ctx.ownDocument, fields: {} }, "unsupportedAction");
  rejectOne("action/documentVersion insert through sync", (rng, n) => ({ collection: "documentVersion", action: "insert", record: `atk-v-${n}`, fields: { document: ctx.ownDocument, fileName: "x.pdf", mediaType: "application/pdf", byteCount: 3, sha256: "a".repeat(64) } }), "unsupportedAction");
  rejectOne("field/unknown field on message", { fields: { conversation: ctx.ownConversation, body: "x", author: 7 } }, "unknownField", "author");
  rejectOne("field/unknown field on step", step(String(ctx.ownStep), { progress: 10, dossier: 3 }), "unknownField", "dossier");
  rejectOne("field/unknown field on readReceipt", { ...receipt(`${ctx.ownConversation}:${ctx.attackerUser}`), fields: { readUpTo: 1, user: 4 } }, "unknownField", "user");
  add("field/__proto__ field", (rng, n) => push(`{"operations":[{"id":"${id(n)}","collection":"message","action":"insert","record":"atk-proto-${n}","fields":{"conversation":${ctx.ownConversation},"body":"x","__proto__":{"admin":true}},"hlc":"${hlc("atk", 0, n)}"}]}`),
    { status: 400, error: "invalid_body", field: "__proto__" });
  add("field/__proto__ scalar field", (rng, n) => push(`{"operations":[{"id":"${id(n)}","collection":"message","action":"insert","record":"atk-proto-${n}","fields":{"conversation":${ctx.ownConversation},"body":"x","__proto__":1},"hlc":"${hlc("atk", 0, n)}"}]}`),
    { status: 200, reject: [{ code: "unknownField", field: "__proto__" }] });
  // Named by its first 64 characters: the refusal is kept, and a kept megabyte was read whole at
  // every look-up passing it (every push of every user waited a second).
  rejectOne("field/1 MB field name", (rng, n) => ({ fields: { conversation: ctx.ownConversation, body: "x", ["k".repeat(1 << 20)]: 1 } }), "unknownField", "k".repeat(64) + "…");
  rejectOne("field/missing body", { fields: { conversation: ctx.ownConversation } }, "missingField", "body");
  rejectOne("field/missing conversation", { fields: { body: "x" } }, "missingField", "conversation");
  rejectOne("field/empty step update", step(String(ctx.ownStep), {}), "missingField");
  rejectOne("field/missing readUpTo", { ...receipt(`${ctx.ownConversation}:${ctx.attackerUser}`), fields: {} }, "missingField", "readUpTo");
  rejectOne("field/missing score", { ...rating(`${ctx.clientId}:${ctx.expertId}`), fields: {} }, "missingField", "score");
  rejectOne("field/missing document title", (rng, n) => ({ collection: "document", action: "insert", record: `atk-d-${n}`, fields: { dossier: ctx.ownDossier, category: "invoice" } }), "missingField", "title");
  rejectOne("field/rejection without reason", { collection: "documentVersion", action: "update", record: ctx.ownVersion, fields: { validation: "rejected" } }, "missingField", "reason");

  // --- Wrong types and values ----------------------------------------------------------------------
  rejectOne("type/conversation as string", { fields: { conversation: String(ctx.ownConversation), body: "x" } }, "invalidField", "conversation");
  rejectOne("type/body as number", { fields: { conversation: ctx.ownConversation, body: 42 } }, "invalidField", "body");
  rejectOne("type/body null", { fields: { conversation: ctx.ownConversation, body: null } }, "invalidField", "body");
  rejectOne("type/progress as string", step(String(ctx.ownStep), { progress: "50" }), "invalidField", "progress");
  rejectOne("type/score as boolean", { ...rating(`${ctx.clientId}:${ctx.expertId}`), fields: { score: true } }, "invalidField", "score");
  rejectOne("type/readUpTo null", { ...receipt(`${ctx.ownConversation}:${ctx.attackerUser}`), fields: { readUpTo: null } }, "invalidField", "readUpTo");
  rejectOne("type/dueAt as string", step(String(ctx.ownStep), { dueAt: "tomorrow" }), "invalidField", "dueAt");
  refuseOp("type/float field", { fields: { conversation: 1.5, body: "x" } }, "conversation");
  refuseOp("type/exponent field", { fields: { conversation: 1e21, body: "x" } }, "conversation");
  add("type/integer beyond 64 bits", (rng, n) => push(`{"operations":[{"id":"${id(n)}","collection":"message","action":"insert","record":"atk-big-${n}","fields":{"conversation":99999999999999999999,"body":"x"},"hlc":"${hlc("atk", 0, n)}"}]}`), { status: 400, error: "invalid_body", field: "conversation" });
  add("type/leading-zero number", (rng, n) => push(`{"operations":[{"id":"${id(n)}","collection":"message","action":"insert","record":"atk-lz-${n}","fields":{"conversation":01,"body":"x"},"hlc":"${hlc("atk", 0, n)}"}]}`), { status: 400, error: "invalid_body" });
  refuseOp("type/object field value", { fields: { conversation: ctx.ownConversation, body: { text: "x" } } }, "body");
  refuseOp("type/array field value", { fields: { conversation: [ctx.ownConversation], body: "x" } }, "conversation");
  refuseOp("type/fields not an object", (rng) => ({ fields: rng.pick([[], "x", 1, null, true]) }), "fields");
  refuseOp("type/id not a string", (rng) => ({ id: rng.pick([1, null, true, [], {}]) }), "id");
  refuseOp("type/record not a string", (rng) => ({ record: rng.pick([5, null, false, ["5"]]) }), "record");
  refuseOp("type/collection not a string", { collection: 1 }, "collection");
  refuseOp("type/action not a string", { action: true }, "action");
  for (const key of ["id", "collection", "action", "record", "fields", "hlc"]) {
    refuseOp(`shape/missing ${key}`, { [key]: undefined }, key); // JSON.stringify leaves it out
  }
  rejectOne("value/progress 101 or -1", (rng) => step(String(ctx.ownStep), { progress: rng.pick([101, -1, 1_000_000]) }), "invalidField", "progress");
  rejectOne("value/unknown step status", step(String(ctx.ownStep), { status: "done" }), "invalidField", "status");
  rejectOne("value/unknown priority", step(String(ctx.ownStep), { priority: "critical!" }), "invalidField", "priority");
  rejectOne("value/blank message", (rng) => ({ fields: { conversation: ctx.ownConversation, body: rng.pick(["", "   ", "\n\t", "\u00a0\u2003"]) } }), "invalidField", "body");
  rejectOne("value/message 20,001 chars", { fields: { conversation: ctx.ownConversation, body: "x".repeat(20_001) } }, "invalidField", "body");
  rejectOne("value/score 0 or 6", (rng) => ({ ...rating(`${ctx.clientId}:${ctx.expertId}`), fields: { score: rng.pick([0, 6, -1]) } }), "invalidField", "score");
  rejectOne("value/comment 5,001 chars", { ...rating(`${ctx.clientId}:${ctx.expertId}`), fields: { score: 3, comment: "c".repeat(5_001) } }, "invalidField", "comment");
  rejectOne("value/title 301 chars", { collection: "document", action: "update", record: ctx.ownDocument, fields: { title: "t".repeat(301) } }, "invalidField", "title");
  rejectOne("value/blank title", { collection: "document", action: "update", record: ctx.ownDocument, fields: { title: "  " } }, "invalidField", "title");
  rejectOne("value/unknown category", { collection: "document", action: "update", record: ctx.ownDocument, fields: { category: "secret" } }, "invalidField", "category");
  rejectOne("value/unknown validation", { collection: "documentVersion", action: "update", record: ctx.ownVersion, fields: { validation: "maybe" } }, "invalidField", "validation");

  // --- Permission ----------------------------------------------------------------------------------
  rejectOne("forbidden/message in another client's conversation", { fields: { conversation: ctx.foreignConversation, body: "intrusion" } }, "forbidden");
  rejectOne("forbidden/message in a conversation that does not exist", { fields: { conversation: 987654321, body: "x" } }, "forbidden");
  rejectOne("forbidden/another client's step", step(String(ctx.foreignStep)), "forbidden");
  rejectOne("forbidden/the expert's step", step(String(ctx.expertStepOfOwnDossier)), "forbidden");
  rejectOne("forbidden/own step set pending", step(String(ctx.ownStep), { status: "pending" }), "forbidden", "status");
  rejectOne("forbidden/own step due date", step(String(ctx.ownStep), { dueAt: 1 }), "forbidden", "dueAt");
  rejectOne("forbidden/another client's read receipt", receipt(`${ctx.foreignConversation}:${ctx.foreignUser}`), "forbidden");
  rejectOne("forbidden/the expert's read receipt", receipt(`${ctx.ownConversation}:${ctx.expertUser}`), "forbidden");
  rejectOne("forbidden/rating for another client", rating(`${ctx.foreignClientId}:${ctx.expertId}`), "forbidden");
  rejectOne("forbidden/edit the expert's message", { action: "update", record: ctx.expertMessage, fields: { body: "réécrit" } }, "forbidden");
  rejectOne("forbidden/delete the expert's message", { action: "delete", record: ctx.expertMessage, fields: {} }, "forbidden");
  rejectOne("forbidden/edit another client's message", { action: "update", record: ctx.foreignMessage, fields: { body: "réécrit" } }, "forbidden");
  rejectOne("forbidden/edit another client's document", { collection: "document", action: "update", record: ctx.foreignDocument, fields: { title: "volé" } }, "forbidden");
  rejectOne("forbidden/client validates a document", { collection: "documentVersion", action: "update", record: ctx.ownVersion, fields: { validation: "validated" } }, "forbidden");
  rejectOne("forbidden/document in another client's dossier", (rng, n) => ({ collection: "document", action: "insert", record: `atk-d-${n}`, fields: { dossier: ctx.foreignDossier, title: "x", category: "invoice" } }), "forbidden");
  rejectOne("exists/insert over the expert's message", { record: ctx.expertMessage }, "invalidField", "id");
  add("exists/insert over another client's message", (rng, n) => pushOps([op(n, { record: ctx.foreignMessage })]), { status: 200, reject: [{ code: ["invalidField", "forbidden"] }] });
  add("unknown/edit a message that does not exist", (rng, n) => pushOps([op(n, { action: "update", record: `atk-none-${n}`, fields: { body: "x" } })]),
    { status: 200, reject: [{ code: ["unknownRecord", "forbidden"], field: null }] });

  // --- Operation ids of another user: the whole push is refused ------------------------------------
  add("taken/another user's operation id (in the log)", (rng) => pushOps([op(0, { id: rng.pick(ctx.takenIds.log) })]), { status: 409, error: "operation_id_taken", field: "id" });
  add("taken/another user's operation id (compacted)", (rng) => pushOps([op(0, { id: rng.pick(ctx.takenIds.compacted) })]), { status: 409, error: "operation_id_taken", field: "id" });
  add("taken/another user's refused operation id", (rng) => pushOps([op(0, { id: rng.pick(ctx.takenIds.refused) })]), { status: 409, error: "operation_id_taken", field: "id" });
  add("taken/valid operation batched with a taken id", (rng, n) => pushOps([op(n, { id: `atk-mixed-${n}`, record: `atk-mixed-${n}`, fields: { conversation: ctx.ownConversation, body: "must not be stored" } }), op(n, { id: rng.pick(ctx.takenIds.log) })]),
    { status: 409, error: "operation_id_taken", field: "id" });

  // --- Bodies ---------------------------------------------------------------------------------------
  refuseBody("json/invalid JSON", (rng, n) => rng.pick(["{\"operations\": [", "{\"operations\": [],}", "{'operations': []}", "{operations: []}", "{\"operations\": [NaN]}", "{\"operations\": []} x", "", " ", "/* */{\"operations\": []}", "{\"operations\": [] ", "\u0000", "{\"operations\":[{\"id\":\"a\",}]}"]), 400, "invalid_body", null);
  refuseBody("json/not an object", (rng) => rng.pick(["[]", "null", "42", "\"operations\"", "true"]), 400, "invalid_body");
  refuseBody("json/operations not an array", (rng) => rng.pick(["{\"operations\": {}}", "{\"operations\": null}", "{\"operations\": \"[]\"}", "{\"operations\": 1}"]), 400, "invalid_body", "operations");
  refuseBody("json/no operations", (rng) => rng.pick(["{}", "{\"Operations\": []}", "{\"operation\": []}"]), 400, "invalid_body", "operations");
  refuseBody("json/operation not an object", (rng) => rng.pick(["{\"operations\": [1]}", "{\"operations\": [null]}", "{\"operations\": [[]]}", "{\"operations\": [\"op\"]}"]), 400, "invalid_body", null);
  refuseBody("json/repeated key, last one wrong", "{\"operations\": [], \"operations\": \"x\"}", 400, "invalid_body", "operations");
  const deep = (depth) => "[".repeat(depth) + "]".repeat(depth);
  refuseBody("nesting/100,000 deep beside operations", (rng) => `{"x": ${deep(100_000)}, "operations": []}`, 400, "invalid_body", null);
  refuseBody("nesting/100,000 deep objects", (rng) => `{"x": ${"{\"a\":".repeat(100_000)}1${"}".repeat(100_000)}, "operations": []}`, 400, "invalid_body", null);
  add("nesting/deep in a field value", (rng, n) => push(`{"operations":[{"id":"${id(n)}","collection":"message","action":"insert","record":"r${n}","fields":{"conversation":1,"body":${deep(50_000)}},"hlc":"${hlc("atk", 0, n)}"}]}`), { status: 400, error: "invalid_body" });
  add("nesting/deep in an operation", (rng, n) => push(`{"operations":[{"id":"${id(n)}","junk":${deep(50_000)},"collection":"message","action":"insert","record":"r${n}","fields":{"conversation":1,"body":"x"},"hlc":"${hlc("atk", 0, n)}"}]}`), { status: 400, error: "invalid_body" });
  add("size/1,001 operations", (rng, n) => pushOps(Array.from({ length: 1_001 }, (_, k) => op(n, { id: `atk-${n}-b${k}`, fields: { conversation: ctx.foreignConversation, body: "x" } }))), { status: 413, error: "batch_too_large", field: null });
  add("size/5,000 operations", (rng, n) => pushOps(Array.from({ length: 5_000 }, (_, k) => op(n, { id: `atk-${n}-c${k}`, fields: { conversation: ctx.foreignConversation, body: "x" } }))), { status: 413, error: "batch_too_large", field: null });
  add("size/body over 4 MiB", (rng, n) => pushOps([op(n, { fields: { conversation: ctx.ownConversation, body: "x".repeat(4.5 * 1024 * 1024) } })]), { status: 413, error: "body_too_large", field: null });
  rejectOne("size/3 MiB message", { fields: { conversation: ctx.ownConversation, body: "é".repeat(1.5 * 1024 * 1024) } }, "invalidField", "body");
  add("size/1,000 malformed operations", (rng, n) => pushOps(Array.from({ length: 1_000 }, (_, k) => op(n, { id: `atk-${n}-d${k}`, record: String(k % 7 === 0 ? "05" : "+5"), collection: "step", action: "update", fields: { progress: 5 } }))),
    { status: 200, reject: Array.from({ length: 1_000 }, () => ({ code: "invalidRecord", field: "record" })) });

  // --- Protocol and authentication -----------------------------------------------------------------
  add("protocol/missing FT-Protocol", (rng, n) => pushOps([op(n)], { protocol: null }), { status: 426, error: "update_required", field: null });
  add("protocol/wrong FT-Protocol", (rng, n) => pushOps([op(n)], { protocol: rng.pick(["0", "2", "abc", "1.0", "11"]) }), { status: 426, error: "update_required", field: null });
  add("auth/no token", (rng, n) => pushOps([op(n)], { auth: false }), { status: 401, error: "unauthorized" });
  add("auth/bad token", (rng, n) => pushOps([op(n)], { auth: rng.pick(["Bearer x", "Bearer ", "Basic YTpi", `Bearer ${"t".repeat(10_000)}`, `Bearer ${ctx.token}x`, ctx.token]) }), { status: 401, error: "unauthorized" });

  // --- Pull ----------------------------------------------------------------------------------------
  const pull = (query, extra = {}) => ({ kind: "http", method: "GET", path: `/api/v1/sync/pull?${query}`, ...extra });
  add("pull/cursor not a number", (rng) => pull(`cursor=${rng.pick(["-1", "abc", "1.5", "", "99999999999999999999", "0x10", "1e3", "%00", "-9223372036854775808"])}`), { status: 400, error: "invalid_cursor", field: "cursor" });
  add("pull/cursor from the future", (rng) => pull(`cursor=${rng.pick([String(ctx.latest + 1_000_000), "9223372036854775807"])}`), { status: 400, error: "cursor_from_the_future", field: "cursor" });
  add("pull/bad limit", (rng) => pull(`cursor=0&limit=${rng.pick(["0", "5001", "-5", "x", "99999999999999999999", ""])}`), { status: 400, error: "invalid_limit", field: "limit" });
  add("pull/missing FT-Protocol", () => pull("cursor=0", { protocol: null }), { status: 426, error: "update_required", field: null });
  add("pull/bad token", () => pull("cursor=0", { auth: "Bearer nope" }), { status: 401, error: "unauthorized" });

  // --- Sign-in ---------------------------------------------------------------------------------------
  const session = (body) => ({ kind: "http", method: "POST", path: "/api/v1/session", body, auth: false, protocol: null });
  add("session/invalid JSON", (rng) => session(rng.pick(["{", "{\"email\": }", "", "[]"])), { status: 400, error: "invalid_body" });
  // 200 kB: a sign-in body is at most 64 KiB.
  add("session/100,000 deep", () => session(`{"email": ${deep(100_000)}, "password": "x"}`), { status: 413, error: "body_too_large" });
  add("session/1,000 deep", () => session(`{"email": ${deep(1_000)}, "password": "x"}`), { status: 400, error: "invalid_body" });
  add("session/wrong types", (rng) => session(rng.pick([`{"email": 1, "password": "x"}`, `{"email": "a@b", "password": null}`, `{"email": ["a"], "password": "x"}`])), { status: 400, error: "invalid_body" });
  add("session/missing password", () => session(`{"email": "client@financialtracker.example"}`), { status: 400, error: "invalid_body", field: "password" });
  add("session/email 300 chars", () => session(JSON.stringify({ email: "e".repeat(300), password: "x" })), { status: 400, error: "invalid_body" });
  add("session/NUL in email", () => session(JSON.stringify({ email: "client@financialtracker.example\u0000", password: "demo-financialtracker" })), { status: [400, 401] });
  // Past ten wrong passwords a minute for the account (thirty for the address), a 429 unchecked.
  add("session/wrong password", (rng, n) => session(JSON.stringify({ email: ctx.attackerEmail, password: `wrong-${n}` })),
    { status: [401, 429], error: ["invalid_credentials", "too_many_attempts"] });

  // --- Live channel: broken hellos, then bad frames on a signed-in channel ---------------------------
  const hello = (patch = {}) => JSON.stringify({ type: "hello", protocol: 1, token: ctx.token, cursor: ctx.latest, ...patch });
  const live = (frames, extra = {}) => ({ kind: "live", frames, ...extra });
  add("live/hello not JSON", (rng) => live([rng.pick(["{not json", "", "hello", "\u0000"])]), { live: "hello_expected", fatal: true });
  add("live/binary hello", () => live([Buffer.from(hello())]), { live: "hello_expected", fatal: true });
  add("live/first frame not a hello", (rng) => live([rng.pick([JSON.stringify({ type: "ping" }), JSON.stringify({ type: "watch", conversation: 1 }), JSON.stringify({ type: "nope" }), "[]", "null"])]), { live: "hello_expected", fatal: true });
  add("live/hello with wrong types", (rng) => live([rng.pick([hello({ cursor: "5" }), hello({ cursor: 1.5 }), hello({ cursor: 1e30 }), hello({ token: 5 }), hello({ protocol: "1" })])]), { live: "hello_expected", fatal: true });
  add("live/hello with another protocol", (rng) => live([rng.pick([hello({ protocol: 2 }), hello({ protocol: 0 }), hello({ protocol: undefined })])]), { live: "update_required", fatal: true });
  add("live/hello with a bad token", (rng) => live([rng.pick([hello({ token: "nope" }), hello({ token: undefined }), hello({ token: "" }), hello({ token: "t".repeat(300) }), hello({ token: `${ctx.token}\u0000` })])]), { live: "unauthorized", fatal: true });
  add("live/cursor from the future", () => live([hello({ cursor: ctx.latest + 1_000_000 })]), { live: "invalid_cursor", fatal: true });
  add("live/negative cursor", () => live([hello({ cursor: -1 })]), { live: "invalid_cursor", fatal: true });
  add("live/cursor before the compaction", (rng) => live([hello({ cursor: rng.int(1, ctx.horizon - 1) })]), { live: "cursor_compacted", fatal: true });
  add("live/100 KiB first frame", () => live(["x".repeat(100 * 1024)]), { live: "closed", fatal: true });
  add("live/binary frame after welcome", () => live([hello(), Buffer.from([0, 1, 2, 255])], { afterWelcome: true }), { live: "invalid_message", fatal: false });
  add("live/bad JSON after welcome", (rng) => live([hello(), rng.pick(["{", "null", JSON.stringify({ type: "nope" }), JSON.stringify({ type: "watch", conversation: "3" })])], { afterWelcome: true }), { live: "invalid_message", fatal: false });
  add("live/second hello", () => live([hello(), hello()], { afterWelcome: true }), { live: "invalid_message", fatal: false });
  add("live/watch without conversation", () => live([hello(), JSON.stringify({ type: "watch" })], { afterWelcome: true }), { live: "invalid_message", fatal: false });
  add("live/watch another client's conversation", () => live([hello(), JSON.stringify({ type: "watch", conversation: ctx.foreignConversation })], { afterWelcome: true }), { live: "forbidden", fatal: false });
  add("live/typing in another client's conversation", () => live([hello(), JSON.stringify({ type: "typing", conversation: ctx.foreignConversation })], { afterWelcome: true }), { live: "forbidden", fatal: false });

  return list;
}

/**
 * The update-before-insert batch the API documents as accepted (applied in HLC order): the
 * attacker's only operations that may be accepted. Their ids start with `atk-ok-`.
 */
export function controlBatches(ctx, n) {
  const record = `atk-ok-rec-${n}`;
  const insertHLC = hlc("atk", -2_000, n);
  const updateHLC = hlc("atk", -1_000, n);
  return {
    // The edit comes first in the batch but is later by HLC: both accepted.
    later: [
      { id: `atk-ok-${n}-u`, collection: "message", action: "update", record, fields: { body: "édité" }, hlc: updateHLC },
      { id: `atk-ok-${n}-i`, collection: "message", action: "insert", record, fields: { conversation: ctx.ownConversation, body: "original" }, hlc: insertHLC },
    ],
    // An edit older than the insert: applied first, it finds no record (not kept), the insert is accepted.
    earlier: [
      { id: `atk-ok-${n}-e`, collection: "message", action: "update", record: `${record}-b`, fields: { body: "trop tôt" }, hlc: hlc("atk", -3_000, n) },
      { id: `atk-ok-${n}-j`, collection: "message", action: "insert", record: `${record}-b`, fields: { conversation: ctx.ownConversation, body: "original" }, hlc: insertHLC },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Sending and judging.

/** Whether a parsed error body is `{"error", "message", "field"?}` and nothing else. */
function errorBodyProblem(body) {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return "the body is not a JSON object";
  const extra = Object.keys(body).filter((key) => !["error", "message", "field"].includes(key));
  if (extra.length) return `unexpected keys ${extra.join(", ")}`;
  if (typeof body.error !== "string" || body.error === "") return "no \"error\" code";
  if (typeof body.message !== "string" || body.message === "") return "no \"message\"";
  if ("field" in body && typeof body.field !== "string") return "\"field\" is not a string";
  return null;
}

const matches = (expected, actual) => (Array.isArray(expected) ? expected.includes(actual) : expected === actual);

/** `null` when the answer is the refusal expected, else what is wrong. */
export function judgeHTTP(expect, status, text, operationCount) {
  if (status >= 500) return `HTTP ${status} (a server error): ${text.slice(0, 300)}`;
  let body;
  try {
    body = text === "" ? null : JSON.parse(text);
  } catch {
    return `HTTP ${status} with a body that is not JSON: ${JSON.stringify(text.slice(0, 200))}`;
  }
  if (status === 200 && expect.accept) return null; // judged by the caller
  if (status === 200 || status === 201) {
    if (!expect.reject && !(expect.orStatus?.status === status)) {
      return `HTTP ${status} where ${expect.status} ${expect.error ?? ""} was expected: ${text.slice(0, 300)}`;
    }
    if (!body || !Array.isArray(body.results)) return `HTTP ${status} without results: ${text.slice(0, 300)}`;
    if (body.results.length !== operationCount) return `${body.results.length} results for ${operationCount} operations`;
    for (const [index, result] of body.results.entries()) {
      if (result.status !== "rejected") return `operation ${index} ${result.status}${result.seq !== undefined ? ` (seq ${result.seq})` : ""}: a malformed operation was ACCEPTED`;
      const rejection = result.rejection;
      if (!rejection || !REJECTION_CODES.includes(rejection.code) || typeof rejection.message !== "string" || rejection.message === "") {
        return `operation ${index}: rejection without a known code and a message: ${JSON.stringify(rejection)}`;
      }
      const want = expect.reject?.[index];
      if (!want) continue;
      if (!matches(want.code, rejection.code)) return `operation ${index}: rejected ${rejection.code} (${rejection.message}), expected ${want.code}`;
      if (want.field === null && rejection.field !== undefined) return `operation ${index}: rejection names field ${JSON.stringify(rejection.field)}, expected none`;
      if (want.field !== null && want.field !== undefined && !matches(want.field, rejection.field)) {
        return `operation ${index}: rejection ${rejection.code} names field ${JSON.stringify(rejection.field?.slice?.(0, 40))}, expected ${JSON.stringify(typeof want.field === "string" ? want.field.slice(0, 40) : want.field)}`;
      }
    }
    return null;
  }
  if (status < 400) return `HTTP ${status}: ${text.slice(0, 200)}`;
  const shapeProblem = errorBodyProblem(body);
  if (shapeProblem) return `HTTP ${status}: ${shapeProblem}: ${text.slice(0, 200)}`;
  const wanted = expect.reject ? expect.orStatus : expect;
  if (!wanted) return `HTTP ${status} ${body.error} (${body.message}) where every operation should be answered rejected`;
  if (!matches(wanted.status, status)) return `HTTP ${status} ${body.error} (${body.message}), expected ${wanted.status} ${wanted.error ?? ""}`;
  if (wanted.error !== undefined && !matches(wanted.error, body.error)) return `HTTP ${status} ${body.error} (${body.message}), expected ${wanted.error}`;
  if (wanted.field === null && body.field !== undefined) return `HTTP ${status} ${body.error} names field ${JSON.stringify(body.field)}, expected none`;
  if (wanted.field !== null && wanted.field !== undefined && !matches(wanted.field, body.field)) {
    return `HTTP ${status} ${body.error} (${body.message.slice(0, 120)}) names field ${JSON.stringify(body.field)}, expected ${JSON.stringify(wanted.field)}`;
  }
  return null;
}

/**
 * One HTTP request through node:http, `{status, text}`. Not `fetch`: undici's WebSocket takes a
 * connection from the same pool as fetch, and Hummingbird upgrades only a connection's first
 * request (a later one is answered 307 + close, and undici's socket then never opens). So HTTP
 * here goes on its own connections (a new one each time unless an `agent` is given).
 * @param {string} url @param {{method?: string, headers?: Record<string, string>, body?: string | Buffer, timeout?: number, agent?: http.Agent | false}} [options]
 */
export function httpRequest(url, { method = "GET", headers = {}, body, timeout = 30_000, agent = false } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
    const request = http.request(url, { method, headers: data ? { ...headers, "Content-Length": data.length } : headers, agent }, (response) => {
      const chunks = [];
      response.on("data", (chunk) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode, text: Buffer.concat(chunks).toString() }));
      response.on("error", reject);
    });
    request.setTimeout(timeout, () => request.destroy(new Error(`no answer within ${timeout} ms`)));
    request.on("error", reject);
    request.end(data);
  });
}

/** Sends one HTTP request; `{status, text, milliseconds}` (status 0: the connection failed). */
async function sendHTTP(ctx, request) {
  const headers = { "Content-Type": "application/json" };
  if (request.protocol !== null) headers["FT-Protocol"] = request.protocol ?? "1";
  if (request.auth !== false) headers.Authorization = typeof request.auth === "string" ? request.auth : `Bearer ${ctx.token}`;
  const started = performance.now();
  try {
    const { status, text } = await httpRequest(`${ctx.baseURL}${request.path}`, { method: request.method, headers, body: request.body });
    return { status, text, milliseconds: performance.now() - started };
  } catch (error) {
    return { status: 0, text: String(error?.code ?? error), milliseconds: performance.now() - started };
  }
}

/** Opens a socket, sends the frames (the rest after a welcome), judges what comes back. */
function sendLive(ctx, request, expect) {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${ctx.baseURL.replace(/^http/, "ws")}/api/v1/sync/live`);
    const received = [];
    let welcomed = false;
    let finished = false;
    const finish = (problem) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      try { socket.close(); } catch {}
      resolve({ problem, received });
    };
    const timer = setTimeout(() => finish(`no answer within 8 s (received ${JSON.stringify(received).slice(0, 300)})`), 8_000);
    socket.onopen = () => {
      if (request.afterWelcome) socket.send(request.frames[0]);
      else for (const frame of request.frames) socket.send(frame);
    };
    socket.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(typeof event.data === "string" ? event.data : "");
      } catch {
        return finish(`a frame that is not JSON: ${String(event.data).slice(0, 100)}`);
      }
      received.push(message.type === "error" ? message : { type: message.type });
      if (message.type === "welcome") {
        welcomed = true;
        if (!request.afterWelcome) return finish(`welcomed (a broken hello was accepted): ${JSON.stringify(message)}`);
        for (const frame of request.frames.slice(1)) socket.send(frame);
        return;
      }
      if (message.type === "changes") {
        for (const change of message.changes ?? []) {
          if (ctx.foreignConversations.includes(change.operation?.fields?.conversation)) finish(`the attacker's channel received a change of another client: ${JSON.stringify(change).slice(0, 200)}`);
        }
        return;
      }
      if (message.type === "error") {
        if (typeof message.code !== "string" || typeof message.message !== "string") return finish(`an error frame without code and message: ${JSON.stringify(message)}`);
        if (expect.live === "closed") return; // any error, then the close
        if (message.code !== expect.live) return finish(`error ${message.code} (${message.message}), expected ${expect.live}`);
        if (!expect.fatal) {
          // Not fatal: the channel goes on (a ping is answered).
          socket.send(JSON.stringify({ type: "ping" }));
        }
        return;
      }
      if (message.type === "pong" && !expect.fatal && received.some((m) => m.type === "error")) return finish(null);
    };
    socket.onclose = (event) => {
      if (finished) return;
      if (!expect.fatal) return finish(`closed (${event.code}) after a non-fatal error; received ${JSON.stringify(received).slice(0, 300)}`);
      if (welcomed) return finish("welcomed before closing");
      if (expect.live === "closed") return finish(null);
      if (!received.some((m) => m.type === "error" && m.code === expect.live)) return finish(`closed (${event.code}) without the error ${expect.live}; received ${JSON.stringify(received).slice(0, 300)}`);
      finish(null);
    };
    socket.onerror = () => {};
  });
}

/** Runs `count` requests, `concurrency` at a time, shapes in a seeded order; per-shape results. */
export async function attack(ctx) {
  const rng = new SplitMix64(ctx.seed);
  const list = shapes(ctx);
  const order = [];
  while (order.length < ctx.count) order.push(...rng.shuffled(list.map((_, index) => index)));
  order.length = ctx.count;
  const results = Object.fromEntries(list.map((shape) => [shape.name, { sent: 0, refused: 0, statuses: {}, problems: [], slowest: 0 }]));
  const control = { sent: 0, problems: [], accepted: [] };
  let next = 0;
  const started = performance.now();
  // The control batches: two per 100 requests.
  const controlEvery = 50;
  const worker = async () => {
    while (next < order.length) {
      const n = next++;
      const shape = list[order[n]];
      const shapeRandom = new SplitMix64(BigInt(ctx.seed) * 100_000n + BigInt(n));
      const request = shape.make(shapeRandom, n);
      const result = results[shape.name];
      result.sent++;
      if (request.kind === "live") {
        const answer = await sendLive(ctx, request, shape.expect);
        const key = answer.received.find((m) => m.type === "error")?.code ?? (answer.problem ? "?" : "closed");
        result.statuses[key] = (result.statuses[key] ?? 0) + 1;
        if (answer.problem) result.problems.push(`#${n}: ${answer.problem}`);
        else result.refused++;
      } else {
        const operationCount = request.body && request.path.endsWith("/push") ? countOperations(request.body) : 0;
        const answer = await sendHTTP(ctx, request);
        result.slowest = Math.max(result.slowest, answer.milliseconds);
        result.statuses[answer.status] = (result.statuses[answer.status] ?? 0) + 1;
        const problem = answer.status === 0 ? `no answer: ${answer.text}` : judgeHTTP(shape.expect, answer.status, answer.text, operationCount);
        if (problem) result.problems.push(`#${n}: ${problem}`);
        else result.refused++;
      }
      if (n % controlEvery === 0) await sendControl(n);
    }
  };
  const sendControl = async (n) => {
    const batches = controlBatches(ctx, n);
    for (const [kind, operations] of Object.entries(batches)) {
      control.sent++;
      const answer = await sendHTTP(ctx, { kind: "http", method: "POST", path: "/api/v1/sync/push", body: JSON.stringify({ operations }) });
      let body;
      try { body = JSON.parse(answer.text); } catch {}
      const statuses = body?.results?.map((r) => r.status).join(",");
      if (answer.status !== 200 || !body?.results) { control.problems.push(`${kind} #${n}: HTTP ${answer.status} ${answer.text.slice(0, 200)}`); continue; }
      const want = kind === "later" ? "accepted,accepted" : "rejected,accepted";
      if (statuses !== want) control.problems.push(`${kind} #${n}: ${statuses} (expected ${want}): ${answer.text.slice(0, 300)}`);
      for (const result of body.results) if (result.status === "accepted") control.accepted.push(result.operation);
      if (kind !== "earlier") continue;
      // Unknown and invisible are answered alike (forbidden) for a non-admin; such a refusal is not
      // kept, so the same edit sent again once the record exists is applied (it loses to the newer insert).
      if (!["unknownRecord", "forbidden"].includes(body.results[0].rejection?.code)) control.problems.push(`${kind} #${n}: the early edit was ${JSON.stringify(body.results[0])}, expected unknownRecord or forbidden`);
      control.sent++;
      const retry = await sendHTTP(ctx, { kind: "http", method: "POST", path: "/api/v1/sync/push", body: JSON.stringify({ operations: [operations[0]] }) });
      let again;
      try { again = JSON.parse(retry.text); } catch {}
      if (retry.status !== 200 || again?.results?.[0]?.status !== "accepted") control.problems.push(`${kind} #${n}: the early edit sent again after its insert: HTTP ${retry.status} ${retry.text.slice(0, 200)} (expected accepted: that refusal is not kept)`);
      else control.accepted.push(operations[0].id);
    }
  };
  await Promise.all(Array.from({ length: ctx.concurrency }, worker));
  return { results, control, seconds: (performance.now() - started) / 1000 };
}

function countOperations(body) {
  try {
    const parsed = JSON.parse(typeof body === "string" ? body : body.toString());
    return Array.isArray(parsed?.operations) ? parsed.operations.length : 0;
  } catch {
    return 0;
  }
}

if (!isMainThread && workerData?.noStallAttack) {
  attack(workerData.noStallAttack).then(
    (outcome) => parentPort.postMessage({ type: "done", outcome }),
    (error) => parentPort.postMessage({ type: "error", error: String(error?.stack ?? error) }),
  );
}
