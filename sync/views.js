// @ts-check
// What the app's pages show, read from a replica (merge.js): a conversation's messages in order,
// read receipts, the steps, the documents of a dossier with their versions, the ratings, the
// notification preferences. Pure, so node's tests check it; the pages only turn these into DOM.
//
// The sync API carries the seven synced collections and nothing about dossiers themselves (their
// product, which conversation and steps belong to which dossier, who the expert is): what can be
// known is derived here — dossiers from their documents, conversations from their messages and
// read receipts — and `Hints` (directory.js) adds what the links into the app say.

import { compareHLC } from "./hlc.js";
import { effectiveFields, isEdited, overriddenWrites, visibleBody } from "./record-states.js";
import { NOTIFICATION_CHANNELS, preferenceRecord } from "./validate.js";

/** @typedef {import("./merge.js").Replica} Replica */
/**
 * @typedef {{id: string, conversation: number, author: number, body: string, deleted: boolean,
 *   edited: boolean, at: number, hlc: import("./hlc.js").HLC}} MessageView
 */

/** Every message of a conversation, oldest first (by the HLC of its sending, then id). @param {Replica} replica @param {number} conversation @returns {MessageView[]} */
export function messagesOf(replica, conversation) {
  /** @type {MessageView[]} */
  const messages = [];
  for (const [id, state] of replica.collections.get("message") ?? []) {
    if (state.kind !== "message" || !state.content || state.content.value.conversation !== conversation) continue;
    messages.push({
      id, conversation, author: state.content.value.author, body: visibleBody(state), deleted: state.deletion !== null,
      edited: isEdited(state), at: state.content.hlc.milliseconds, hlc: state.content.hlc,
    });
  }
  return messages.sort((a, b) => compareHLC(a.hlc, b.hlc) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * A conversation's own figures: its messages (deleted ones left out) and how long an answer
 * took — each message written after another participant's, timed from that one — as a median.
 * @param {MessageView[]} messages in order
 * @returns {{messages: number, responses: number, medianResponseMs: number | null}}
 */
export function conversationFigures(messages) {
  const kept = messages.filter((message) => !message.deleted);
  /** @type {number[]} */
  const waits = [];
  for (let index = 1; index < kept.length; index += 1) {
    if (kept[index].author !== kept[index - 1].author) waits.push(Math.max(0, kept[index].at - kept[index - 1].at));
  }
  waits.sort((a, b) => a - b);
  const middle = Math.floor(waits.length / 2);
  const median = waits.length === 0 ? null : waits.length % 2 ? waits[middle] : (waits[middle - 1] + waits[middle]) / 2;
  return { messages: kept.length, responses: waits.length, medianResponseMs: median };
}

/** A duration in French words: "12 min", "3 h", "2 jours". @param {number} milliseconds */
export function frenchDuration(milliseconds) {
  const minutes = Math.round(milliseconds / 60_000);
  if (minutes < 60) return `${Math.max(1, minutes)} min`;
  const hours = Math.round(milliseconds / 3_600_000);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(milliseconds / 86_400_000)} jours`;
}

/** Conversations the replica knows of (from messages and read receipts), ascending. @param {Replica} replica @returns {number[]} */
export function conversationsOf(replica) {
  const found = new Set();
  for (const [, state] of replica.collections.get("message") ?? []) {
    if (state.kind === "message" && state.content) found.add(state.content.value.conversation);
  }
  for (const [record] of replica.collections.get("readReceipt") ?? []) {
    const conversation = Number(record.split(":")[0]);
    if (Number.isSafeInteger(conversation)) found.add(conversation);
  }
  return [...found].sort((a, b) => a - b);
}

/** `{user → readUpTo}` for a conversation. @param {Replica} replica @param {number} conversation */
export function receiptsOf(replica, conversation) {
  /** @type {Map<number, number>} */
  const receipts = new Map();
  for (const [record, state] of replica.collections.get("readReceipt") ?? []) {
    const [left, right] = record.split(":");
    if (Number(left) === conversation && state.kind === "readReceipt") receipts.set(Number(right), state.readUpTo);
  }
  return receipts;
}

/**
 * @typedef {{id: string, status: string, progress: number, priority: string, dueAt: number | null,
 *   conflicts: {field: string, value: unknown, user: number}[]}} StepView
 */

/** Every step the user may see, by id (numeric order). @param {Replica} replica @returns {StepView[]} */
export function stepsOf(replica) {
  /** @type {StepView[]} */
  const steps = [];
  for (const [id, state] of replica.collections.get("step") ?? []) {
    if (state.kind !== "step") continue;
    const fields = effectiveFields(state);
    steps.push({
      id,
      status: String(fields.get("status") ?? "pending"),
      progress: Number(fields.get("progress") ?? 0),
      priority: String(fields.get("priority") ?? "normal"),
      dueAt: typeof fields.get("dueAt") === "number" ? /** @type {number} */ (fields.get("dueAt")) : null,
      conflicts: overriddenWrites(state).map((write) => ({ field: write.field, value: write.value, user: write.user })),
    });
  }
  return steps.sort((a, b) => Number(a.id) - Number(b.id) || (a.id < b.id ? -1 : 1));
}

/**
 * The statuses a step's form offers: those the role may set (`STEP_STATUSES_BY_ROLE`), the
 * current one selected. A current status the role may not set ("overdue" for an expert, "pending"
 * for a client) is shown first, selected and disabled: the form says what the step is without
 * offering it as a move.
 * @param {readonly string[]} allowed @param {string} current
 * @returns {{status: string, selected: boolean, disabled: boolean}[]}
 */
export function stepChoices(allowed, current) {
  const choices = allowed.map((status) => ({ status, selected: status === current, disabled: false }));
  if (!allowed.includes(current)) choices.unshift({ status: current, selected: true, disabled: true });
  return choices;
}

/** Dossier statuses whose workflow is over: their steps are not moved from the app. */
export const CLOSED_DOSSIER_STATUSES = Object.freeze(["done", "ineligible", "cancelled"]);

/**
 * @typedef {{id: string, dossier: number, title: string, category: string, createdBy: number | null,
 *   versions: {id: string, fileName: string, mediaType: string, byteCount: number, uploadedBy: number,
 *   at: number, validation: string, reason: string | null, current: boolean}[]}} DocumentView
 */

/** The documents of a dossier with their versions (oldest first, the last current), by title. @param {Replica} replica @param {number} dossier @returns {DocumentView[]} */
export function documentsOf(replica, dossier) {
  /** @type {DocumentView[]} */
  const documents = [];
  for (const [id, state] of replica.collections.get("document") ?? []) {
    if (state.kind !== "document" || state.content?.value.dossier !== dossier) continue;
    const versions = replica.versionsOfDocument(id).map(({ id: version, state: v }, index, all) => ({
      id: version,
      fileName: v.content?.value.fileName ?? "",
      mediaType: v.content?.value.mediaType ?? "",
      byteCount: v.content?.value.byteCount ?? 0,
      uploadedBy: v.content?.value.uploadedBy ?? 0,
      at: v.content?.hlc.milliseconds ?? 0,
      validation: v.validation?.value.state ?? "pending",
      reason: v.validation?.value.reason || null,
      current: index === all.length - 1,
    }));
    documents.push({ id, dossier, title: state.title?.value ?? "", category: state.category?.value ?? "other", createdBy: state.content.value.createdBy, versions });
  }
  return documents.sort((a, b) => a.title.localeCompare(b.title, "fr") || (a.id < b.id ? -1 : 1));
}

/**
 * A client's request for a new dossier (a `dossier` record), as the list shows it until the
 * account lists the dossier opened from it.
 * @typedef {{id: string, product: number, amount: number, description: string, expert: number | null, at: number}} DossierRequestView
 */

/**
 * The dossier requests the replica holds that `listed` (the request ids of the dossiers the
 * account lists) does not name, newest first.
 * @param {Replica} replica @param {Set<string>} listed @returns {DossierRequestView[]}
 */
export function dossierRequestsOf(replica, listed) {
  /** @type {DossierRequestView[]} */
  const requests = [];
  for (const [id, state] of replica.collections.get("dossier") ?? []) {
    if (state.kind !== "dossier" || !state.content || listed.has(id)) continue;
    const { product, amount, description, expert } = state.content.value;
    requests.push({ id, product, amount, description, expert, at: state.content.hlc.milliseconds });
  }
  return requests.sort((a, b) => b.at - a.at || (a.id < b.id ? -1 : 1));
}

/**
 * What each step that needs documents has of them: per category, the best of the dossier's
 * documents of that category by their current version — `validated`, then `pending` (sent, not
 * checked yet), then `rejected` — or `missing`.
 * @param {{position: number, title?: string, type: string, status: string, documents?: string[]}[]} steps
 * @param {DocumentView[]} documents
 * @returns {{position: number, title: string | null, type: string, completed: boolean, needs: {category: string, state: string}[]}[]}
 */
export function documentNeeds(steps, documents) {
  const rank = { validated: 3, pending: 2, rejected: 1 };
  /** @type {Map<string, string>} */
  const best = new Map();
  for (const document of documents) {
    const current = document.versions.at(-1);
    if (!current) continue;
    const state = current.validation;
    const known = best.get(document.category);
    if (!known || (rank[/** @type {keyof typeof rank} */ (state)] ?? 0) > (rank[/** @type {keyof typeof rank} */ (known)] ?? 0)) best.set(document.category, state);
  }
  return [...steps].filter((step) => step.documents?.length).sort((a, b) => a.position - b.position).map((step) => ({
    position: step.position, title: step.title ?? null, type: step.type, completed: step.status === "completed",
    needs: (step.documents ?? []).map((category) => ({ category, state: best.get(category) ?? "missing" })),
  }));
}

/** Dossiers the replica knows of (those with documents), ascending. @param {Replica} replica @returns {number[]} */
export function dossiersOf(replica) {
  const found = new Set();
  for (const [, state] of replica.collections.get("document") ?? []) {
    if (state.kind === "document" && state.content) found.add(state.content.value.dossier);
  }
  return [...found].sort((a, b) => a - b);
}

/** A rating by its record id `<client>:<expert>`, or null. @param {Replica} replica @param {string} key */
export function ratingOf(replica, key) {
  const state = replica.get("rating", key);
  if (!state || state.kind !== "rating" || !state.value) return null;
  return { score: state.value.value.score, comment: state.value.value.comment };
}

/** The notification kinds in the order the preferences page lists them (account and security last). */
export const PREFERENCE_KINDS = Object.freeze(["message", "assignment", "step_due", "step_overdue", "step_changed", "document", "rating", "expert_approved",
  "new_expert", "announcement", "report_daily", "report_weekly", "report_monthly", "system"]);
/** The channels, in the order of the preferences table's columns. */
export const PREFERENCE_CHANNELS = NOTIFICATION_CHANNELS;

/** @typedef {{in_app?: boolean, email?: boolean, push?: boolean}} ChannelPreferences */

/**
 * A user's notification preferences: kind → channel → enabled, for the kinds of which the replica
 * holds at least one record `<user>:<kind>:<channel>`, in `PREFERENCE_KINDS` order; a channel
 * without a record (or whose record holds no value) is absent.
 * @param {Replica} replica @param {number} user @returns {Map<string, ChannelPreferences>}
 */
export function preferencesOf(replica, user) {
  /** @type {Map<string, ChannelPreferences>} */
  const found = new Map();
  for (const [record, state] of replica.collections.get("preference") ?? []) {
    const key = preferenceRecord(record);
    if (!key || key.user !== user || state.kind !== "preference") continue;
    const channels = found.get(key.kind) ?? {};
    if (state.enabled) channels[/** @type {keyof ChannelPreferences} */ (key.channel)] = state.enabled.value;
    found.set(key.kind, channels);
  }
  return new Map(PREFERENCE_KINDS.filter((kind) => found.has(kind)).map((kind) => [kind, /** @type {ChannelPreferences} */ (found.get(kind))]));
}

/**
 * The conversation as text (the "export" button): one line per message, deleted ones marked.
 * @param {MessageView[]} messages @param {(message: MessageView) => string} author
 * @param {(milliseconds: number) => string} date
 */
export function conversationText(messages, author, date) {
  return messages
    .map((message) => `[${date(message.at)}] ${author(message)} : ${message.deleted ? "(message supprimé)" : message.body}${message.edited ? " (modifié)" : ""}`)
    .join("\n") + "\n";
}

/**
 * Text as the conversation's search compares it: canonical decomposition without the combining
 * marks (é → e, ç → c; œ and æ spelled out), lower case, runs of white space as one space.
 * @param {string} text
 */
export function searchable(text) {
  return text.normalize("NFKD").replace(/\p{M}+/gu, "").replace(/œ/giu, "oe").replace(/æ/giu, "ae").replace(/ß/gu, "ss")
    .toLocaleLowerCase("fr").replace(/\s+/gu, " ").trim();
}

/**
 * The messages whose text holds every word of `query` (accents and case ignored); deleted ones
 * never match. An empty query keeps them all.
 * @param {MessageView[]} messages @param {string} query @returns {MessageView[]}
 */
export function searchMessages(messages, query) {
  const words = searchable(query).split(" ").filter(Boolean);
  if (words.length === 0) return messages;
  return messages.filter((message) => {
    if (message.deleted) return false;
    const text = searchable(message.body);
    return words.every((word) => text.includes(word));
  });
}

/** A path into the app that a message may link to (the documents or a conversation of a dossier). */
const APP_LINK = /(^|\s)(\/app\/(?:documents|conversation|index)\.html(?:\?[A-Za-z0-9=&%_:-]*)?(?:#[A-Za-z0-9_-]*)?)(?=$|[\s.,;!?)])/g;

/**
 * A message's text cut into plain parts and links to the app's own pages (nothing else is ever a
 * link: the page renders `text` as text and `href` only from this pattern).
 * @param {string} body @returns {({text: string} | {text: string, href: string})[]}
 */
export function messageSegments(body) {
  /** @type {({text: string} | {text: string, href: string})[]} */
  const parts = [];
  let last = 0;
  for (const match of body.matchAll(APP_LINK)) {
    const start = /** @type {number} */ (match.index) + match[1].length;
    if (start > last) parts.push({ text: body.slice(last, start) });
    parts.push({ text: match[2], href: match[2] });
    last = start + match[2].length;
  }
  if (last < body.length) parts.push({ text: body.slice(last) });
  return parts;
}
