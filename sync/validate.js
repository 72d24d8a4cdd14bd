// @ts-check
// The server's checks of an operation (FTSync's OperationValidator.swift), so that the browser
// can refuse a change before it is queued, with the same code and sentence the server would answer.
//
// Pure, like the Swift one: what the server looks up in its database (whether the actor may see
// the dossier, whether the record exists, its owner, the step's assignee, the rating's client and
// whether it had this expert) is passed in as `facts`. On a device those come from its replica and
// its session and may be out of date, so the server's answer still decides: a change accepted here
// may yet be rejected on push, and is then undone (see protocol.js).

import { answersFromJSON, decide } from "./eligibility.js";
import { requireHLC } from "./hlc.js";
import { fieldKind } from "./operation.js";
import { canonical, characterCount, characters, compareText, isBlank, sameText } from "./text.js";

/** @typedef {import("./operation.js").SyncOperation} SyncOperation */
/** @typedef {import("./operation.js").FieldValue} FieldValue */

/**
 * Why an operation is refused: a machine-readable code, the field concerned, a sentence.
 * Codes: forbidden, invalidField, unknownField, missingField, unknownRecord, unsupportedAction, clockSkew,
 * invalidRecord.
 */
export class Rejection {
  /** @param {string} code @param {string | undefined} field @param {string} message */
  constructor(code, field, message) {
    this.code = code;
    if (field !== undefined) this.field = field;
    this.message = message;
  }

  toString() {
    return `${this.code}: ${this.message}`;
  }
}

/**
 * What is known about the record an operation touches (`RecordFacts`).
 * @typedef {{
 *   actorSeesDossier: boolean, exists: boolean, owner?: number | null, stepAssignee?: string | null,
 *   ratingClientUser?: number | null, ratingAllowed?: boolean, scheme?: SchemeFacts | null,
 *   offer?: {expertUser: number, pending: boolean} | null, stepWaitsFor?: number[]
 * }} RecordFacts
 * What is known of the scheme a new dossier names (`RecordFacts.scheme`): whether it is open, its
 * questions, and whether the requested expert (if any) works on it. Unknown on a device that has
 * not loaded it (`undefined`): the server still decides.
 * @typedef {{active: boolean, questions: import("./eligibility.js").Question[], expertHoldsScheme?: boolean | null}} SchemeFacts
 */

/** @typedef {{kind: "int" | "string" | "bool", required: boolean}} FieldRule */
const int = (required = true) => /** @type {FieldRule} */ ({ kind: "int", required });
const string = (required = true) => /** @type {FieldRule} */ ({ kind: "string", required });
const bool = (required = true) => /** @type {FieldRule} */ ({ kind: "bool", required });

/** The fields each collection and action accepts, with their types. @type {Record<string, Record<string, Record<string, FieldRule>>>} */
export const FIELD_RULES = {
  message: {
    insert: { conversation: int(), body: string() },
    update: { body: string() },
    delete: {},
  },
  readReceipt: { update: { readUpTo: int() } },
  rating: {
    insert: { score: int(), comment: string(false) },
    update: { score: int(), comment: string(false) },
  },
  document: {
    insert: { dossier: int(), title: string(), category: string() },
    update: { title: string(false), category: string(false) },
  },
  documentVersion: {
    insert: { document: string(), fileName: string(), mediaType: string(), byteCount: int(), sha256: string() },
    update: { validation: string(), reason: string(false) },
  },
  step: {
    update: { status: string(false), progress: int(false), priority: string(false), dueAt: int(false) },
  },
  preference: { update: { enabled: bool() } },
  dossier: { insert: { product: int(), description: string(), amount: int(), answers: string(), expert: int(false) } },
  offer: { update: { answer: string(), reason: string(false) } },
};

/** `Dossier.maximumEstimatedEuros`: an estimate above it is a typing slip, not a claim. */
export const MAXIMUM_ESTIMATED_EUROS = 100_000_000;
/** `Dossier.maximumDescriptionLength`. */
export const MAXIMUM_DESCRIPTION_LENGTH = 5_000;

/** FTModel's enumerations, by raw value. */
export const STEP_STATUSES = Object.freeze(["pending", "in_progress", "completed", "overdue"]);
export const STEP_PRIORITIES = Object.freeze(["low", "normal", "high", "urgent"]);
export const DOCUMENT_CATEGORIES = Object.freeze(["invoice", "contract", "report", "certificate", "other"]);
export const VALIDATION_STATES = Object.freeze(["pending", "validated", "rejected"]);
/** `NotificationKind`'s raw values, in the order a page lists them. */
export const NOTIFICATION_KINDS = Object.freeze(["message", "assignment", "step_due", "step_overdue", "document", "rating", "expert_approved", "new_expert", "system", "report_daily", "report_weekly", "report_monthly", "announcement", "step_changed"]);
/** `NotificationChannel`'s raw values. */
export const NOTIFICATION_CHANNELS = Object.freeze(["in_app", "email", "push"]);
/** `NotificationPolicy.critical`: kinds that are always sent, whatever the preferences say. */
export const CRITICAL_KINDS = Object.freeze(["system"]);
/** `Message.maximumBodyLength`. */
export const MAXIMUM_BODY_LENGTH = 20_000;

/** The step statuses each role may set. @type {Record<string, readonly string[]>} */
export const STEP_STATUSES_BY_ROLE = {
  client: ["in_progress", "completed"],
  expert: ["pending", "in_progress", "completed"],
  admin: ["pending", "in_progress", "completed", "overdue"],
};

/** @param {readonly string[]} list @param {string} value */
const listed = (list, value) => list.some((item) => sameText(item, value));

/** `FieldValue.description`. @param {FieldValue} value */
const describe = (value) => (typeof value === "string" ? `"${value}"` : String(value));

/** @param {Record<string, FieldValue>} fields @param {string} name */
const field = (fields, name) => (Object.hasOwn(fields, name) ? fields[name] : undefined);

/**
 * A name the device sent, as a refusal repeats it: whole up to 64 characters (code points), else
 * its first 64 and "…" (the server keeps refusals; it keeps no megabyte-long name). As in Swift.
 * @param {string} name
 */
function shortened(name) {
  const points = [...name];
  return points.length <= 64 ? name : points.slice(0, 64).join("") + "…";
}

/**
 * `nil` in Swift, `null` here, when the operation may be applied; otherwise why not.
 * @param {SyncOperation} operation
 * @param {RecordFacts} facts
 * @param {number} nowMilliseconds
 * @param {number} [maximumDrift]
 * @returns {Rejection | null}
 */
export function checkOperation(operation, facts, nowMilliseconds, maximumDrift = 60_000) {
  return checkForm(operation, nowMilliseconds, maximumDrift) ?? checkPermission(operation, facts);
}

/** `HLCTimestamp.maximumNodeLength`. */
export const MAXIMUM_NODE_LENGTH = 32;

/** `HLCTimestamp.isNode`: 1 to 32 ASCII letters, digits, "_" or ".". @param {string} node */
export function isNode(node) {
  return /^[A-Za-z0-9_.]{1,32}$/.test(node);
}

/**
 * What can be said without looking anything up (`OperationValidator.checkForm`): timestamp,
 * shape, record id, values.
 * @param {SyncOperation} operation @param {number} nowMilliseconds @param {number} [maximumDrift]
 * @returns {Rejection | null}
 */
export function checkForm(operation, nowMilliseconds, maximumDrift = 60_000) {
  const { milliseconds, node } = requireHLC(operation.hlc);
  if (milliseconds > nowMilliseconds + maximumDrift) {
    return new Rejection("clockSkew", undefined, `the operation's timestamp is ${milliseconds - nowMilliseconds} ms in the future`);
  }
  if (!isNode(node)) {
    return new Rejection("invalidField", "hlc", `an HLC timestamp's node is 1 to ${MAXIMUM_NODE_LENGTH} ASCII letters, digits, '_' or '.'`);
  }
  return checkShape(operation) ?? checkRecord(operation) ?? checkValues(operation);
}

/** A number spelled as `String(Int64)` spells a positive one (`RecordID.number`). */
const NUMBER = "[1-9][0-9]{0,18}";

/** @param {string} text */
function isNumber(text) {
  return new RegExp(`^${NUMBER}$`).test(text) && BigInt(text) <= 9223372036854775807n;
}

/** `RecordID.pair`. @param {string} text */
function isPair(text) {
  const parts = text.split(":");
  return parts.length === 2 && isNumber(parts[0]) && isNumber(parts[1]);
}

/**
 * `RecordID.preference`: the user, kind and channel of `"<user>:<kind>:<channel>"`, or `null`.
 * @param {string} text @returns {{user: number, kind: string, channel: string} | null}
 */
export function preferenceRecord(text) {
  const parts = text.split(":");
  if (parts.length !== 3 || !isNumber(parts[0]) || !NOTIFICATION_KINDS.includes(parts[1]) || !NOTIFICATION_CHANNELS.includes(parts[2])) return null;
  return { user: Number(parts[0]), kind: parts[1], channel: parts[2] };
}

/**
 * The one spelling of the record ids the server names (`OperationValidator.checkRecord`).
 * @param {SyncOperation} operation @returns {Rejection | null}
 */
export function checkRecord(operation) {
  const { collection, record } = operation;
  if (collection === "offer" && !isNumber(record)) {
    return new Rejection("invalidRecord", "record", `an offer's record id is its number, without sign or leading zeros, not '${record}'`);
  }
  if (collection === "step" && !isNumber(record)) {
    return new Rejection("invalidRecord", "record", `a step's record id is its number, without sign or leading zeros, not '${record}'`);
  }
  if (collection === "rating" && !isPair(record)) {
    return new Rejection("invalidRecord", "record", `a rating's record id is '<client>:<expert>', two numbers without sign or leading zeros, not '${record}'`);
  }
  if (collection === "readReceipt" && !isPair(record)) {
    return new Rejection("invalidRecord", "record", `a read receipt's record id is '<conversation>:<user>', two numbers without sign or leading zeros, not '${record}'`);
  }
  if (collection === "preference" && !preferenceRecord(record)) {
    return new Rejection("invalidRecord", "record", `a preference's record id is '<user>:<kind>:<channel>' (a number without sign or leading zeros, a notification kind, a channel: in_app, email or push), not '${record}'`);
  }
  return null;
}

/** @param {SyncOperation} operation @returns {Rejection | null} */
export function checkShape(operation) {
  const { collection, action, fields } = operation;
  // Printable ASCII only, as the server checks (see OperationValidator.isIdentifier).
  const identifier = /^[\x21-\x7e]{1,64}$/;
  if (!identifier.test(operation.id) || !identifier.test(operation.record)) {
    return new Rejection("invalidField", "id", "operation and record ids are 1 to 64 printable ASCII characters (no spaces)");
  }
  const allowed = FIELD_RULES[collection]?.[action];
  if (!allowed) return new Rejection("unsupportedAction", undefined, `${collection} does not support ${action}`);
  const allowedNames = Object.keys(allowed);
  for (const name of Object.keys(fields).sort(compareText)) {
    if (!listed(allowedNames, name)) {
      const shown = shortened(name);
      return new Rejection("unknownField", shown, `${collection} has no field '${shown}' for ${action}`);
    }
  }
  for (const name of allowedNames.sort(compareText)) {
    const rule = allowed[name];
    const value = field(fields, name);
    if (value === undefined) {
      if (rule.required) return new Rejection("missingField", name, `'${name}' is required`);
      continue;
    }
    if (fieldKind(value) !== rule.kind) {
      const wanted = rule.kind === "int" ? "an integer" : rule.kind === "string" ? "a string" : "a boolean";
      return new Rejection("invalidField", name, `'${name}' must be ${wanted}, not ${describe(value)}`);
    }
  }
  // SQLite's C strings end at a NUL: a text holding one would come back cut.
  for (const name of Object.keys(fields).sort(compareText)) {
    const value = field(fields, name);
    if (typeof value === "string" && value.includes("\0")) {
      return new Rejection("invalidField", name, `'${name}' cannot contain the NUL character (U+0000)`);
    }
  }
  if (collection === "step" && Object.keys(fields).length === 0) {
    return new Rejection("missingField", undefined, "a step update sets at least one field");
  }
  return null;
}

/** @param {SyncOperation} operation @returns {Rejection | null} */
export function checkValues(operation) {
  const { fields } = operation;
  /** @param {string} name */
  const text = (name) => {
    const value = field(fields, name);
    return typeof value === "string" ? value : undefined;
  };
  /** @param {string} name */
  const number = (name) => {
    const value = field(fields, name);
    return fieldKind(value) === "int" ? /** @type {number} */ (value) : undefined;
  };

  const body = text("body");
  if (body !== undefined && characterCount(body) > MAXIMUM_BODY_LENGTH) {
    return new Rejection("invalidField", "body", `a message is at most ${MAXIMUM_BODY_LENGTH} characters`);
  }
  if (operation.collection === "message" && operation.action === "insert" && (body === undefined || isBlank(body))) {
    return new Rejection("invalidField", "body", "a message cannot be empty");
  }
  const score = number("score");
  if (score !== undefined && !(score >= 1 && score <= 5)) {
    return new Rejection("invalidField", "score", `a score is 1 to 5, not ${score}`);
  }
  const comment = text("comment");
  if (comment !== undefined && characterCount(comment) > 5_000) {
    return new Rejection("invalidField", "comment", "a comment is at most 5,000 characters");
  }
  const progress = number("progress");
  if (progress !== undefined && !(progress >= 0 && progress <= 100)) {
    return new Rejection("invalidField", "progress", `progress is 0 to 100, not ${progress}`);
  }
  const status = text("status");
  if (status !== undefined && !listed(STEP_STATUSES, status)) {
    return new Rejection("invalidField", "status", `unknown step status '${status}'`);
  }
  const priority = text("priority");
  if (priority !== undefined && !listed(STEP_PRIORITIES, priority)) {
    return new Rejection("invalidField", "priority", `unknown priority '${priority}'`);
  }
  const category = text("category");
  if (operation.collection === "document" && category !== undefined && !listed(DOCUMENT_CATEGORIES, category)) {
    return new Rejection("invalidField", "category", `unknown document category '${category}'`);
  }
  const title = text("title");
  if (title !== undefined && (isBlank(title) || characterCount(title) > 300)) {
    return new Rejection("invalidField", "title", "a title is 1 to 300 characters");
  }
  const validation = text("validation");
  if (validation !== undefined) {
    if (!listed(VALIDATION_STATES, validation)) {
      return new Rejection("invalidField", "validation", `unknown validation state '${validation}'`);
    }
    if (sameText(validation, "rejected") && isBlank(text("reason") ?? "")) {
      return new Rejection("missingField", "reason", "a rejection needs a reason");
    }
  }
  const sha = text("sha256");
  if (sha !== undefined) {
    // Byte by byte, as the server checks: fullwidth digits are not hexadecimal.
    if (!/^[0-9a-f]{64}$/.test(sha)) {
      return new Rejection("invalidField", "sha256", "sha256 is 64 lowercase hexadecimal characters");
    }
  }
  const name = text("fileName");
  if (name !== undefined) {
    // Code point by code point, as the server checks: a "/" carrying a combining mark is still a "/".
    const parts = characters(name);
    if (parts.length === 0 || parts.length > 255 || name.includes("/") || name.includes("\0") || sameText(name, ".") || sameText(name, "..")) {
      return new Rejection("invalidField", "fileName", "a file name is 1 to 255 characters without '/'");
    }
  }
  if (operation.collection === "dossier") {
    const dossier = checkDossierValues(text, number);
    if (dossier) return dossier;
  }
  if (operation.collection === "offer") {
    const answer = text("answer");
    if (answer !== undefined && answer !== "accepted" && answer !== "declined") {
      return new Rejection("invalidField", "answer", `an offer is 'accepted' or 'declined', not '${shortened(answer)}'`);
    }
    const reason = text("reason");
    if (reason !== undefined && characterCount(reason) > 1_000) return new Rejection("invalidField", "reason", "a reason is at most 1,000 characters");
  }
  const byteCount = number("byteCount");
  if (byteCount !== undefined && byteCount < 0) {
    return new Rejection("invalidField", "byteCount", "byteCount cannot be negative");
  }
  return null;
}

/**
 * A new dossier's own values (`OperationValidator.checkDossierValues`).
 * @param {(name: string) => string | undefined} text @param {(name: string) => number | undefined} number
 * @returns {Rejection | null}
 */
function checkDossierValues(text, number) {
  const product = number("product");
  if (product !== undefined && product < 1) return new Rejection("invalidField", "product", `no scheme has the number ${product}`);
  const expert = number("expert");
  if (expert !== undefined && expert < 1) return new Rejection("invalidField", "expert", `no expert has the number ${expert}`);
  const amount = number("amount");
  if (amount !== undefined && amount < 0) return new Rejection("invalidField", "amount", "an estimated amount cannot be negative");
  if (amount !== undefined && amount > MAXIMUM_ESTIMATED_EUROS) {
    return new Rejection("invalidField", "amount", "an estimated amount is at most 100,000,000 euros");
  }
  const description = text("description");
  if (description !== undefined && (isBlank(description) || characterCount(description) > MAXIMUM_DESCRIPTION_LENGTH)) {
    return new Rejection("invalidField", "description", "a description is 1 to 5,000 characters");
  }
  const answers = text("answers");
  if (answers !== undefined && answersFromJSON(answers) === null) {
    return new Rejection("invalidField", "answers", "answers are a JSON object of at most 50 texts of at most 200 bytes");
  }
  return null;
}

/**
 * Who may open a dossier, and whether its scheme, expert and answers hold
 * (`OperationValidator.checkDossier`).
 * @param {SyncOperation} operation @param {RecordFacts} facts @returns {Rejection | null}
 */
function checkDossier(operation, facts) {
  if (operation.actor.role !== "client") return new Rejection("forbidden", undefined, "only a client opens a dossier");
  if (facts.exists) return new Rejection("invalidField", "id", "a record with this id already exists");
  const scheme = facts.scheme;
  if (scheme === undefined) return null;
  if (scheme === null || !scheme.active) {
    return new Rejection("invalidField", "product", "no open scheme has this number");
  }
  if (field(operation.fields, "expert") !== undefined && scheme.expertHoldsScheme === false) {
    return new Rejection("invalidField", "expert", "the requested expert does not take dossiers for this scheme");
  }
  const answers = answersFromJSON(String(field(operation.fields, "answers") ?? "{}")) ?? {};
  const verdict = decide(scheme.questions, answers);
  if ("problem" in verdict) {
    const code = verdict.problem.missing ? "missingField" : "invalidField";
    return new Rejection(code, `answers.${verdict.problem.question}`, verdict.problem.message);
  }
  return null;
}

/** @param {SyncOperation} operation @param {RecordFacts} facts @returns {Rejection | null} */
export function checkPermission(operation, facts) {
  const { actor, collection, action, fields } = operation;
  if (collection === "dossier") return checkDossier(operation, facts);
  if (collection === "preference") {
    // A preference belongs to its user, not to a dossier: only that user changes it (admins too).
    const preference = preferenceRecord(operation.record);
    if (!preference || preference.user !== actor.user) {
      return new Rejection("forbidden", undefined, "a user changes only their own preferences");
    }
    if (CRITICAL_KINDS.includes(preference.kind) && field(fields, "enabled") === false) {
      return new Rejection("forbidden", "enabled", "account and security messages cannot be turned off");
    }
    return null;
  }
  if (!facts.actorSeesDossier && actor.role !== "admin") {
    // Said the same way whether the record exists or not: nothing leaks.
    return new Rejection("forbidden", undefined, "not allowed on this dossier");
  }
  if (action === "insert" && facts.exists && collection !== "rating") {
    return new Rejection("invalidField", "id", "a record with this id already exists");
  }
  const pair = `${collection}.${action}`;
  if (pair === "message.update" || pair === "message.delete" || pair === "document.update") {
    if (!facts.exists) return new Rejection("unknownRecord", undefined, "no such record");
    if (action === "delete" && actor.role === "admin") return null;
    return facts.owner === actor.user ? null : new Rejection("forbidden", undefined, "only its author may change this");
  }
  if (collection === "rating") {
    if (actor.role !== "client" || facts.ratingClientUser !== actor.user) {
      return new Rejection("forbidden", undefined, "only the client may rate its expert");
    }
    return facts.ratingAllowed ? null : new Rejection("forbidden", undefined, "a client rates an expert once the expert has completed a mission for it");
  }
  if (pair === "documentVersion.update") {
    if (!facts.exists) return new Rejection("unknownRecord", undefined, "no such version");
    return actor.role === "expert" || actor.role === "admin" ? null : new Rejection("forbidden", undefined, "only an expert or an admin validates a document");
  }
  if (pair === "step.update") {
    if (!facts.exists) return new Rejection("unknownRecord", undefined, "no such step");
    const status = field(fields, "status");
    if (typeof status === "string" && !listed(STEP_STATUSES_BY_ROLE[actor.role] ?? [], status)) {
      return new Rejection("forbidden", "status", `a ${actor.role} may not set a step to ${status}`);
    }
    if (actor.role === "client" && facts.stepAssignee !== "client") {
      return new Rejection("forbidden", undefined, "this step is not the client's to move");
    }
    const waits = facts.stepWaitsFor ?? [];
    if (typeof status === "string" && sameText(status, "completed") && waits.length > 0) {
      return new Rejection("forbidden", "status", `this step waits for step${waits.length > 1 ? "s" : ""} ${waits.join(", ")} to be completed first`);
    }
    if (field(fields, "dueAt") !== undefined && actor.role === "client") {
      return new Rejection("forbidden", "dueAt", "a client may not move a due date");
    }
    return null;
  }
  if (pair === "offer.update") {
    if (!facts.exists || !facts.offer) return new Rejection("unknownRecord", undefined, "no such offer");
    if (facts.offer.expertUser !== actor.user) return new Rejection("forbidden", undefined, "only the expert a dossier is offered to answers the offer");
    return facts.offer.pending ? null : new Rejection("invalidField", "answer", "this offer has already been answered");
  }
  if (collection === "readReceipt") {
    return hasSuffix(operation.record, `:${actor.user}`) ? null : new Rejection("forbidden", undefined, "a user moves only its own read receipt");
  }
  return null;
}

/** Swift's `hasSuffix`: whole characters, canonically equivalent. @param {string} text @param {string} suffix */
function hasSuffix(text, suffix) {
  const whole = characters(text);
  const end = characters(suffix);
  if (end.length > whole.length) return false;
  return sameText(whole.slice(whole.length - end.length).join(""), canonical(suffix));
}
