// @ts-check
// One dossier's conversation: send, edit and delete one's own messages, read receipts, the
// other side typing (live channel), older messages page by page, an export as text, and — for
// the client, when the link names the assignment — rating the expert.

import { emptyDirectory, hintsFromSearch, withHints } from "./directory.js";
import { boot, byId, el, fill, formatDate } from "./ui.js";
import { conversationText, messagesOf, ratingOf, receiptsOf } from "./views.js";

const PAGE = 20;
const hints = hintsFromSearch(location.search);
const conversation = hints.conversation;
let shown = PAGE;
/** @type {string | null} the message being edited */
let editing = null;
/** @type {import("./directory.js").Directory} */
let directory = emptyDirectory();

/** @param {{engine: import("./engine.js").Engine, strings: import("./ui.js").Strings}} app */
function render({ engine, strings }) {
  if (conversation === null || !engine.session) return;
  const me = engine.session.user.id;
  byId("conversation").hidden = false;
  const dossier = hints.dossier ?? directory.conversations[conversation] ?? null;
  const title = fill(strings.conversation, { n: conversation }) + (dossier !== null ? ` — ${fill(strings.dossier, { n: dossier })}` : "");
  byId("conversation-title").textContent = title;
  document.title = `${title} · FinancialTracker`;
  if (dossier !== null) {
    byId("documents-link-wrap").hidden = false;
    byId("documents-link").href = `/app/documents.html?dossier=${dossier}`;
  }

  const replica = engine.shown;
  const messages = messagesOf(replica, conversation);
  const receipts = receiptsOf(replica, conversation);
  const readByOthers = Math.max(0, ...[...receipts].filter(([user]) => user !== me).map(([, upTo]) => upTo));
  const visible = messages.slice(-shown);
  byId("older").hidden = messages.length <= shown;
  const list = byId("messages");
  const active = document.activeElement;
  const busy = editing !== null && active?.tagName === "TEXTAREA" && list.contains(active); // not under the user's typing
  if (!busy) {
    list.replaceChildren(...visible.map((message) => messageItem(engine, strings, message, me, readByOthers)));
  }

  // Read receipt: up to the newest message from someone else, once (it only moves forward).
  const newest = Math.max(0, ...messages.filter((message) => message.author !== me).map((message) => message.at));
  const mine = receipts.get(me) ?? 0;
  if (newest > mine && document.visibilityState === "visible") {
    engine.change("readReceipt", "update", `${conversation}:${me}`, { readUpTo: newest }).catch(() => {});
  }

  const ratingKey = dossier !== null ? directory.ratings[dossier] ?? hints.rating : null;
  const section = byId("rating");
  section.hidden = engine.session.user.role !== "client" || !ratingKey;
  if (ratingKey && !section.hidden) {
    const existing = ratingOf(replica, ratingKey);
    const form = byId("rating-form");
    form.dataset.key = ratingKey;
    if (existing && !form.contains(document.activeElement)) {
      for (const input of form.querySelectorAll("input[name=score]")) input.checked = Number(input.value) === existing.score;
      byId("rating-comment").value = existing.comment;
      byId("rating-state").textContent = strings.ratingSaved ?? "";
    }
  }
}

/**
 * @param {import("./engine.js").Engine} engine @param {import("./ui.js").Strings} strings
 * @param {import("./views.js").MessageView} message @param {number} me @param {number} readByOthers
 */
function messageItem(engine, strings, message, me, readByOthers) {
  const own = message.author === me;
  const waiting = isPending(engine, message.id);
  const state = own ? (waiting ? strings.waiting : readByOthers >= message.at ? strings.read : strings.sent) : null;
  const meta = el("p", { class: "meta" }, el("strong", {}, own ? strings.you ?? "" : strings.other ?? ""), ` · ${formatDate(message.at)}`,
    message.edited ? ` · ${strings.edited}` : "", state ? el("span", { class: "receipt" }, ` · ${state}`) : null);
  let body;
  if (message.deleted) {
    body = el("p", { class: "body muted" }, strings.deleted ?? "");
  } else if (editing === message.id) {
    const area = el("textarea", { "aria-label": strings.edit, rows: 3, value: message.body });
    body = el("form", { class: "app-form", onsubmit: async (/** @type {SubmitEvent} */ event) => {
      event.preventDefault();
      editing = null;
      const text = /** @type {HTMLTextAreaElement} */ (area).value;
      if (text.trim() && text !== message.body) await engine.change("message", "update", message.id, { body: text });
      else render({ engine, strings });
    } }, area, el("button", { type: "submit" }, strings.save ?? ""), " ",
    el("button", { type: "button", class: "secondary", onclick: () => {
      editing = null;
      render({ engine, strings });
    } }, strings.cancel ?? ""));
    queueMicrotask(() => area.focus());
  } else {
    body = el("p", { class: "body" }, message.body);
  }
  const actions = own && !message.deleted && editing !== message.id ? el("p", { class: "actions" },
    el("button", { type: "button", class: "link", onclick: () => {
      editing = message.id;
      render({ engine, strings });
    } }, strings.edit ?? ""), " ",
    el("button", { type: "button", class: "link", onclick: async () => {
      if (confirm(strings.confirmDelete ?? "")) await engine.change("message", "delete", message.id, {});
    } }, strings.delete ?? "")) : null;
  return el("li", { class: own ? "message own" : "message", dataset: { id: message.id, author: String(message.author), deleted: String(message.deleted) } }, meta, body, actions);
}

/** Whether an operation on this message still waits in the outbox. @param {import("./engine.js").Engine} engine @param {string} record */
function isPending(engine, record) {
  for (const operation of engine.pendingOperations) if (operation.record === record) return true;
  return false;
}

/** @param {{engine: import("./engine.js").Engine, strings: import("./ui.js").Strings}} app */
async function ready({ engine, strings }) {
  if (conversation === null) return;
  directory = withHints((await engine.store.meta("directory")) ?? emptyDirectory(), hints);
  await engine.store.setMeta({ directory });
  engine.watch(conversation);
  render({ engine, strings });

  byId("composer").addEventListener("submit", async (/** @type {SubmitEvent} */ event) => {
    event.preventDefault();
    const area = byId("body");
    const body = area.value;
    if (!body.trim()) return;
    await engine.change("message", "insert", engine.newRecordId(), { conversation, body });
    area.value = "";
    area.focus();
  });
  let lastTyping = 0;
  byId("body").addEventListener("input", () => {
    if (Date.now() - lastTyping > 2_000) {
      lastTyping = Date.now();
      engine.typing(conversation);
    }
  });
  /** @type {any} */
  let typingTimer = null;
  engine.addEventListener("typing", (event) => {
    const frame = /** @type {CustomEvent} */ (event).detail;
    if (frame.conversation !== conversation || frame.user === engine.session?.user.id) return;
    byId("typing").textContent = strings.typing ?? "";
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => (byId("typing").textContent = ""), 4_000);
  });
  byId("older").addEventListener("click", () => {
    shown += PAGE;
    render({ engine, strings });
  });
  byId("export").addEventListener("click", () => {
    const me = engine.session?.user.id;
    const text = conversationText(messagesOf(engine.shown, conversation), (message) => (message.author === me ? strings.you ?? "" : strings.other ?? ""), formatDate);
    const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
    const link = el("a", { href: url, download: `conversation-${conversation}.txt` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });
  byId("rating-form").addEventListener("submit", async (/** @type {SubmitEvent} */ event) => {
    event.preventDefault();
    const form = byId("rating-form");
    const key = form.dataset.key;
    const score = Number(new FormData(form).get("score"));
    if (!key || !score) return;
    const action = engine.shown.get("rating", key) ? "update" : "insert";
    await engine.change("rating", action, key, { score, comment: byId("rating-comment").value });
    byId("rating-state").textContent = strings.ratingSaved ?? "";
  });
  document.addEventListener("visibilitychange", () => render({ engine, strings }));
}

boot({ render, ready });
