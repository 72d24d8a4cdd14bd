// node --test: the app's pure parts — record states stored and restored (state-codec.js), what
// pages show (views.js), the links' hints (directory.js), and the service worker's shell listing
// every module of sync/ (a module missing there would break the app offline).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { copyReplica, recordsOfReplica, replicaFromRecords } from "../../sync/state-codec.js";
import { emptyDirectory, hintsFromSearch, withHints } from "../../sync/directory.js";
import { Replica } from "../../sync/merge.js";
import { conversationText, conversationsOf, documentsOf, dossiersOf, messagesOf, PREFERENCE_KINDS, preferencesOf, ratingOf, receiptsOf, stepsOf } from "../../sync/views.js";
import { newNodeId } from "../../sync/engine.js";
import { NOTIFICATION_KINDS } from "../../sync/validate.js";

const hlc = (ms, node = "a") => `${String(ms).padStart(16, "0")}-00000-${node}`;
const client = { user: 24, role: "client" };
const expert = { user: 4, role: "expert" };
const operations = [
  { id: "o1", collection: "message", action: "insert", record: "m1", fields: { conversation: 1, body: "Bonjour" }, hlc: hlc(1000), actor: client },
  { id: "o2", collection: "message", action: "insert", record: "m2", fields: { conversation: 1, body: "Réponse" }, hlc: hlc(2000, "b"), actor: expert },
  { id: "o3", collection: "message", action: "update", record: "m1", fields: { body: "Bonjour <b>!</b>" }, hlc: hlc(3000), actor: client },
  { id: "o4", collection: "message", action: "delete", record: "m2", fields: {}, hlc: hlc(4000, "b"), actor: expert },
  { id: "o5", collection: "readReceipt", action: "update", record: "1:4", fields: { readUpTo: 1000 }, hlc: hlc(4500, "b"), actor: expert },
  { id: "o6", collection: "step", action: "update", record: "7", fields: { status: "pending", progress: 10 }, hlc: hlc(5000, "server"), actor: { user: 0, role: "admin" } },
  { id: "o7", collection: "step", action: "update", record: "7", fields: { status: "in_progress" }, hlc: hlc(6000), actor: client },
  { id: "o8", collection: "step", action: "update", record: "7", fields: { status: "completed" }, hlc: hlc(6000, "b"), actor: expert },
  { id: "o9", collection: "document", action: "insert", record: "d1", fields: { dossier: 3, title: "Facture", category: "invoice" }, hlc: hlc(7000), actor: client },
  { id: "o10", collection: "documentVersion", action: "insert", record: "v1", fields: { document: "d1", fileName: "a.pdf", mediaType: "application/pdf", byteCount: 10, sha256: "0".repeat(64) }, hlc: hlc(7100), actor: client },
  { id: "o11", collection: "documentVersion", action: "insert", record: "v2", fields: { document: "d1", fileName: "b.pdf", mediaType: "application/pdf", byteCount: 20, sha256: "1".repeat(64) }, hlc: hlc(7200), actor: client },
  { id: "o12", collection: "documentVersion", action: "update", record: "v1", fields: { validation: "rejected", reason: "illisible" }, hlc: hlc(7300, "b"), actor: expert },
  { id: "o13", collection: "rating", action: "insert", record: "1:1", fields: { score: 4, comment: "Bien" }, hlc: hlc(8000), actor: client },
  { id: "o14", collection: "preference", action: "update", record: "24:message:email", fields: { enabled: true }, hlc: hlc(8100, "server"), actor: client },
  { id: "o15", collection: "preference", action: "update", record: "24:message:email", fields: { enabled: false }, hlc: hlc(8200), actor: client },
  { id: "o16", collection: "preference", action: "update", record: "24:system:in_app", fields: { enabled: true }, hlc: hlc(8100, "server"), actor: client },
  { id: "o17", collection: "preference", action: "update", record: "24:message:push", fields: { enabled: true }, hlc: hlc(8100, "server"), actor: client },
  { id: "o18", collection: "preference", action: "update", record: "4:message:email", fields: { enabled: true }, hlc: hlc(8100, "server"), actor: expert },
];

const build = () => {
  const replica = new Replica();
  for (const operation of operations) replica.apply(operation);
  return replica;
};

test("state-codec: stored records (through JSON, as structured clone keeps them) give back the same replica", () => {
  const replica = build();
  const stored = JSON.parse(JSON.stringify(recordsOfReplica(replica)));
  const restored = replicaFromRecords(stored);
  assert.equal(restored.canonicalJSON(), replica.canonicalJSON());
  assert.equal(restored.describe(), replica.describe());
  // Merging into the restored replica goes on as in the original (an op seen again changes nothing).
  for (const operation of operations) restored.apply(operation);
  assert.equal(restored.describe(), replica.describe());
});

test("state-codec: a preference's state is stored as it is and comes back the same, stamp included", () => {
  const replica = build();
  const stored = JSON.parse(JSON.stringify(recordsOfReplica(replica)));
  const preference = stored.find((entry) => entry.collection === "preference" && entry.record === "24:message:email");
  assert.deepEqual(preference.state, { kind: "preference", enabled: { value: false, hlc: { milliseconds: 8200, counter: 0, node: "a" }, operation: "o15" } });
  const restored = replicaFromRecords(stored);
  assert.deepEqual(restored.get("preference", "24:message:email"), replica.get("preference", "24:message:email"));
  // A change stamped between the two is still older than the stored winner: the stamp came back.
  restored.apply({ id: "o19", collection: "preference", action: "update", record: "24:message:email", fields: { enabled: true }, hlc: hlc(8150), actor: client });
  assert.deepEqual(preferencesOf(restored, 24).get("message"), { email: false, push: true });
});

test("state-codec: a copy is independent of its original", () => {
  const replica = build();
  const copy = copyReplica(replica);
  copy.apply({ id: "x", collection: "message", action: "insert", record: "m9", fields: { conversation: 1, body: "copie" }, hlc: hlc(9000), actor: client });
  assert.equal(messagesOf(replica, 1).length, 2);
  assert.equal(messagesOf(copy, 1).length, 3);
});

test("views: messages in HLC order with edits and deletions; receipts; conversations", () => {
  const replica = build();
  const messages = messagesOf(replica, 1);
  assert.deepEqual(messages.map((m) => [m.id, m.body, m.edited, m.deleted]), [["m1", "Bonjour <b>!</b>", true, false], ["m2", "", false, true]]);
  assert.deepEqual([...receiptsOf(replica, 1)], [[4, 1000]]);
  assert.deepEqual(conversationsOf(replica), [1]);
  const text = conversationText(messages, (m) => (m.author === 24 ? "Vous" : "Expert"), () => "date");
  assert.equal(text, "[date] Vous : Bonjour <b>!</b> (modifié)\n[date] Expert : (message supprimé)\n");
});

test("views: steps merge field by field, a completed step is at 100 %, the losing write is kept as a conflict", () => {
  const [step] = stepsOf(build());
  assert.equal(step.id, "7");
  assert.equal(step.status, "completed"); // same millisecond: node "b" wins over "a"
  assert.equal(step.progress, 100);
  assert.deepEqual(step.conflicts.map((c) => [c.field, c.value]), [["status", "pending"], ["status", "in_progress"]]);
});

test("views: documents with versions (newest current), dossiers, ratings", () => {
  const replica = build();
  assert.deepEqual(dossiersOf(replica), [3]);
  const [document] = documentsOf(replica, 3);
  assert.equal(document.title, "Facture");
  assert.deepEqual(document.versions.map((v) => [v.id, v.current, v.validation, v.reason]), [["v1", false, "rejected", "illisible"], ["v2", true, "pending", null]]);
  assert.deepEqual(ratingOf(replica, "1:1"), { score: 4, comment: "Bien" });
  assert.equal(ratingOf(replica, "9:9"), null);
});

test("views: a user's preferences by kind (display order) and channel; others' are left out", () => {
  const replica = build();
  const mine = preferencesOf(replica, 24);
  assert.deepEqual([...mine.keys()], ["message", "system"], "only the kinds with a record, in display order");
  assert.deepEqual(mine.get("message"), { email: false, push: true }, "a channel without a record is absent");
  assert.equal(mine.get("message")?.in_app, undefined);
  assert.deepEqual(mine.get("system"), { in_app: true });
  assert.deepEqual([...preferencesOf(replica, 4)], [["message", { email: true }]]);
  assert.deepEqual([...preferencesOf(replica, 99)], []);
  assert.deepEqual([...preferencesOf(new Replica(), 24)], []);
  // The server's snapshot: every kind of the role, three channels each, in any order.
  const snapshot = new Replica();
  let index = 0;
  for (const kind of [...PREFERENCE_KINDS].reverse()) {
    for (const channel of ["push", "in_app", "email"]) {
      snapshot.apply({ id: `s${index++}`, collection: "preference", action: "update", record: `24:${kind}:${channel}`, fields: { enabled: channel !== "email" }, hlc: hlc(100, "server"), actor: client });
    }
  }
  const all = preferencesOf(snapshot, 24);
  assert.deepEqual([...all.keys()], ["message", "assignment", "step_due", "step_overdue", "step_changed", "document", "rating", "expert_approved", "new_expert",
    "announcement", "report_daily", "report_weekly", "report_monthly", "system"]);
  assert.deepEqual([...PREFERENCE_KINDS].sort(), [...NOTIFICATION_KINDS].sort(), "every kind has its place on the page");
  assert.deepEqual(all.get("step_due"), { in_app: true, email: false, push: true });
});

test("directory: hints from a link, only well-formed ids", () => {
  assert.deepEqual(hintsFromSearch("?conversation=1&dossier=2&note=3:4"), { dossier: 2, conversation: 1, rating: "3:4" });
  assert.deepEqual(hintsFromSearch("?conversation=x&dossier=-1&note=3:4:5"), { dossier: null, conversation: null, rating: null });
  const directory = withHints(emptyDirectory(), hintsFromSearch("?conversation=1&dossier=2&note=3:4"));
  assert.deepEqual(directory, { conversations: { 1: 2 }, ratings: { 2: "3:4" } });
});

test("engine: node ids are 12 characters without '-'", () => {
  const node = newNodeId();
  assert.match(node, /^[a-z0-9]{12}$/);
});

test("the service worker precaches every module of sync/ and every app page", () => {
  const worker = readFileSync(new URL("../../site-templates/app/sw.js.mustache", import.meta.url), "utf8");
  const modules = readdirSync(new URL("../../sync/", import.meta.url)).filter((name) => name.endsWith(".js"));
  const missing = modules.filter((name) => !worker.includes(`"/app/sync/${name}"`));
  assert.deepEqual(missing, []);
  const pages = readdirSync(new URL("../../site-templates/app/", import.meta.url)).filter((name) => name.endsWith(".html.mustache"));
  for (const page of pages) {
    const path = `/app/${page.replace(".mustache", "")}`;
    assert.ok(worker.includes(`"${path}"`) || worker.includes(`OFFLINE_PAGE`) && path === "/app/offline.html", `${path} precached`);
  }
});

test("views: what each step needs of the dossier's documents, by category, best first", async () => {
  const { documentNeeds, dossierRequestsOf } = await import("../../sync/views.js");
  const replica = build();
  // d1 (an invoice) has two versions: v2, current, waits; v1 was refused.
  const documents = documentsOf(replica, 3);
  const steps = [
    { position: 2, title: "Factures", type: "documentation", status: "pending", documents: ["invoice", "certificate"] },
    { position: 1, type: "validation", status: "completed", documents: [] },
    { position: 3, title: "Rapport", type: "expertise", status: "pending", documents: ["report"] },
  ];
  assert.deepEqual(documentNeeds(steps, documents), [
    { position: 2, title: "Factures", type: "documentation", completed: false, needs: [{ category: "invoice", state: "pending" }, { category: "certificate", state: "missing" }] },
    { position: 3, title: "Rapport", type: "expertise", completed: false, needs: [{ category: "report", state: "missing" }] },
  ]);
  // The current version refused: the category shows as refused, not as sent.
  replica.apply({ id: "o19", collection: "documentVersion", action: "update", record: "v2", fields: { validation: "rejected", reason: "floue" }, hlc: hlc(9000, "b"), actor: expert });
  assert.equal(documentNeeds(steps, documentsOf(replica, 3))[0].needs[0].state, "rejected");
  // Requests for new dossiers, until the account lists the dossier opened from them.
  replica.apply({ id: "o20", collection: "dossier", action: "insert", record: "r1", fields: { product: 2, description: "x", amount: 5, answers: "{}" }, hlc: hlc(9100), actor: client });
  assert.deepEqual(dossierRequestsOf(replica, new Set()).map((request) => request.id), ["r1"]);
  assert.deepEqual(dossierRequestsOf(replica, new Set(["r1"])), []);
});

test("views: a conversation's figures: messages, and the median time an answer took", async () => {
  const { conversationFigures, frenchDuration } = await import("../../sync/views.js");
  const at = (minutes) => minutes * 60_000;
  const message = (author, minutes, deleted = false) => ({ author, at: at(minutes), deleted });
  // 1 asks at 0; 2 answers at 30 (30 min); 2 again at 40 (no answer: the same author); 1 answers
  // at 160 (120 min, from 40); a deleted message counts for nothing.
  const figures = conversationFigures([message(1, 0), message(2, 30), message(2, 40), message(1, 160), message(2, 170, true)]);
  assert.deepEqual(figures, { messages: 4, responses: 2, medianResponseMs: at(75) });
  assert.deepEqual(conversationFigures([]), { messages: 0, responses: 0, medianResponseMs: null });
  assert.deepEqual([frenchDuration(at(0.2)), frenchDuration(at(75)), frenchDuration(at(60 * 30)), frenchDuration(at(60 * 72))], ["1 min", "1 h", "30 h", "3 jours"]);
});
