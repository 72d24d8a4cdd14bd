// Test support: random operations of every collection, shaped like ConvergenceTests.swift's, with
// few distinct timestamps, nodes and records so that ties and conflicts happen.
import { formatHLC } from "../../../sync/hlc.js";

const actors = [{ user: 1, role: "client" }, { user: 2, role: "expert" }, { user: 3, role: "admin" }];

/**
 * @param {number} count
 * @param {import("./schedules.mjs").SplitMix64} random
 */
export function randomOperations(count, random) {
  const operations = [];
  for (let index = 0; index < count; index++) {
    const actor = random.pick(actors);
    const hlc = formatHLC({ milliseconds: random.int(1_000, 1_010), counter: random.int(0, 2), node: random.pick(["a", "b", "c", "B", "é"]) });
    const record = String(random.pick([1, 2, 3, 4, 10, 12]));
    const id = `op${index}`;
    const base = { id, hlc, actor };
    switch (random.int(0, 12)) {
      case 0: operations.push({ ...base, collection: "message", action: "insert", record: "m" + record, fields: { conversation: 1, body: `corps ${index}` } }); break;
      case 1: operations.push({ ...base, collection: "message", action: "update", record: "m" + record, fields: { body: `édité ${index} "/\\\n` } }); break;
      case 2: operations.push({ ...base, collection: "message", action: "delete", record: "m" + record, fields: {} }); break;
      case 3: operations.push({ ...base, collection: "readReceipt", action: "update", record: `1:${record}`, fields: { readUpTo: random.int(0, 100) } }); break;
      case 4: operations.push({ ...base, collection: "rating", action: random.pick(["insert", "update"]), record: `1:${record}`, fields: random.int(0, 1) ? { score: random.int(1, 5), comment: `c${index}` } : { score: random.int(1, 5) } }); break;
      case 5: operations.push({ ...base, collection: "step", action: "update", record, fields: { progress: random.int(0, 100), status: random.pick(["pending", "in_progress", "completed"]) } }); break;
      case 6: operations.push({ ...base, collection: "step", action: "update", record, fields: random.pick([{ priority: random.pick(["low", "urgent"]) }, { dueAt: random.int(0, 5), progress: random.int(0, 100) }, { overdue: random.int(0, 5) }]) }); break;
      case 7: operations.push({ ...base, collection: "document", action: "update", record: "d" + record, fields: random.int(0, 1) ? { title: `titre ${index}` } : { category: "report" } }); break;
      case 8: operations.push({ ...base, collection: "document", action: "insert", record: "d" + record, fields: { dossier: random.int(1, 3), title: `T${index}`, category: "invoice" } }); break;
      case 9: operations.push({ ...base, collection: "documentVersion", action: "insert", record: `v${index}`, fields: { document: "d" + record, fileName: `f${index}.pdf`, mediaType: "application/pdf", byteCount: index, sha256: "a".repeat(64) } }); break;
      case 10: operations.push({ ...base, collection: "documentVersion", action: "update", record: `v${random.int(0, Math.max(0, index))}`, fields: random.int(0, 1) ? { validation: random.pick(["validated", "rejected"]), reason: `r${index}` } : { validation: "validated" } }); break;
      case 11: operations.push({ ...base, collection: "message", action: "insert", record: "M" + record, fields: { body: "no conversation" } }); break;
      default: operations.push({ ...base, collection: "rating", action: "delete", record: `1:${record}`, fields: {} }); break;
    }
  }
  return operations;
}

/**
 * A delivery of the operations: shuffled, some delivered more than once.
 * @template T @param {T[]} operations @param {import("./schedules.mjs").SplitMix64} random
 */
export function randomDelivery(operations, random) {
  const delivery = random.shuffled(operations);
  const extras = random.int(0, operations.length);
  for (let count = 0; count < extras; count++) delivery.splice(random.int(0, delivery.length), 0, random.pick(operations));
  return delivery;
}
