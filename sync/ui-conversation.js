// @ts-check
// One dossier's conversation: send, edit and delete one's own messages, read receipts, the
// other side typing (live channel), older messages page by page, a search over them (accents and
// case ignored, in the local replica, so offline too), attachments (a file picked or dropped
// becomes a new document of the dossier, uploaded with progress, and a message links to it;
// offline, it waits in IndexedDB and is sent once online — uploads.js), an
// export as text, and — for the client — rating the expert. The dossier, its participants and
// the rating key come from the account (account.js); the link only names the conversation
// (older links that also name `dossier` and `note` still work).

import { dossierById, hintsFromSearch, mayRate, participantsOf } from "./directory.js";
import { boot, byId, count, el, fill, formatDate, showQueuedUploads } from "./ui.js";
import { queueUpload, sendAttachment } from "./uploads.js";
import { PROTOCOL_VERSION } from "./protocol.js";
import { conversationFigures, conversationText, documentsOf, frenchDuration, messageSegments, messagesOf, ratingOf, receiptsOf, searchMessages } from "./views.js";

const PAGE = 20;
const hints = hintsFromSearch(location.search);
const conversation = hints.conversation;
let shown = PAGE;
/** The dossier's previewable files by name, for the attachments' messages (worked out per render). @type {Map<string, string>} */
let previewable = new Map();
/** @type {string | null} the message being edited */
let editing = null;
/** What the search box holds. */
let query = "";
/** Who else is in this conversation right now (the live channel's presence frames). @type {number[]} */
let online = [];

/** The conversation's dossier, what the account knows of it, and the rating key. @param {import("./account.js").Account} account */
function context(account) {
  const directory = account.directory;
  const dossier = conversation === null ? null : directory.conversations[conversation] ?? hints.dossier ?? null;
  const info = dossierById(account.account, dossier);
  const ratingKey = dossier !== null ? directory.ratings[dossier] ?? hints.rating : null;
  return { dossier, info, ratingKey };
}

/** @param {import("./ui.js").App} app */
function render({ engine, strings, account }) {
  if (conversation === null || !engine.session) return;
  const me = engine.session.user.id;
  byId("conversation").hidden = false;
  const { dossier, info, ratingKey } = context(account);
  const title = info ? `${fill(strings.conversation, { n: conversation })} — ${info.productName}`
    : fill(strings.conversation, { n: conversation }) + (dossier !== null ? ` — ${fill(strings.dossier, { n: dossier })}` : "");
  byId("conversation-title").textContent = title;
  document.title = `${title} · FinancialTracker`;
  if (dossier !== null) {
    byId("documents-link-wrap").hidden = false;
    byId("documents-link").href = `/app/documents.html?dossier=${dossier}`;
  }
  const people = info ? participantsOf(info, me) : [];
  byId("participants").hidden = people.length === 0;
  byId("participants").textContent = fill(strings.participants, { names: people.map((person) => person.name).join(", ") });
  const names = new Map(people.map((person) => [person.user, person.name]));
  if (info) names.set(info.clientUserId, info.company);
  for (const expert of info?.experts ?? []) names.set(expert.userId, expert.name);
  /** @param {number} user */
  const nameOf = (user) => (user === me ? strings.you ?? "" : names.get(user) ?? strings.other ?? "");

  const replica = engine.shown;
  const messages = messagesOf(replica, conversation);
  // Who is here now, and the conversation's own figures.
  const presence = byId("presence");
  const here = online.filter((user) => user !== me).map((user) => names.get(user) ?? strings.other ?? "");
  presence.hidden = here.length === 0;
  presence.textContent = here.length ? count(presence.dataset, "online", here.length, { names: here.join(", ") }) : "";
  const figures = conversationFigures(messages);
  const figuresLine = byId("figures");
  figuresLine.hidden = figures.messages === 0;
  figuresLine.textContent = count(figuresLine.dataset, "messages", figures.messages)
    + (figures.medianResponseMs === null ? "" : ` · ${count(figuresLine.dataset, "median", figures.responses, { duration: frenchDuration(figures.medianResponseMs) })}`);
  const receipts = receiptsOf(replica, conversation);
  const readByOthers = Math.max(0, ...[...receipts].filter(([user]) => user !== me).map(([, upTo]) => upTo));
  const searching = query.trim() !== "";
  const found = searchMessages(messages, query);
  const visible = searching ? found : messages.slice(-shown);
  byId("search-count").textContent = searching ? count(strings, "searchCount", found.length) : "";
  byId("older").hidden = searching || messages.length <= shown;
  const list = byId("messages");
  const active = document.activeElement;
  const busy = editing !== null && active?.tagName === "TEXTAREA" && list.contains(active); // not under the user's typing
  if (!busy) {
    previewable = previewableByName(replica, dossier);
    list.replaceChildren(...visible.map((message) => messageItem(engine, strings, message, me, readByOthers, nameOf)));
  }

  // Read receipt: up to the newest message from someone else, once (it only moves forward).
  const newest = Math.max(0, ...messages.filter((message) => message.author !== me).map((message) => message.at));
  const mine = receipts.get(me) ?? 0;
  if (newest > mine && document.visibilityState === "visible") {
    engine.change("readReceipt", "update", `${conversation}:${me}`, { readUpTo: newest }).catch(() => {});
  }

  // Only where the server would take it: the client's own rating of an expert it has (had) an
  // assignment with that is not cancelled.
  const section = byId("rating");
  section.hidden = engine.session.user.role !== "client" || !mayRate(account.account, ratingKey);
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
 * @param {(user: number) => string} nameOf
 */
function messageItem(engine, strings, message, me, readByOthers, nameOf) {
  const own = message.author === me;
  const waiting = isPending(engine, message.id);
  const state = own ? (waiting ? strings.waiting : readByOthers >= message.at ? strings.read : strings.sent) : null;
  const meta = el("p", { class: "meta" }, el("strong", {}, nameOf(message.author)), ` · ${formatDate(message.at)}`,
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
      else rerender();
    } }, area, el("button", { type: "submit" }, strings.save ?? ""), " ",
    el("button", { type: "button", class: "secondary", onclick: () => {
      editing = null;
      rerender();
    } }, strings.cancel ?? ""));
    queueMicrotask(() => area.focus());
  } else {
    body = el("p", { class: "body" }, ...messageSegments(message.body).map((part) => ("href" in part ? el("a", { href: part.href }, part.text) : part.text)));
    // An attachment's message: its preview below it.
    const named = attachmentName(strings, message.body);
    const version = named === null ? undefined : previewable.get(named);
    if (named !== null && version) body = el("div", {}, body, attachmentPreview(engine, version, named, strings.previewOf ?? "{name}"));
  }
  const actions = own && !message.deleted && editing !== message.id ? el("p", { class: "actions" },
    el("button", { type: "button", class: "link", onclick: () => {
      editing = message.id;
      rerender();
    } }, strings.edit ?? ""), " ",
    el("button", { type: "button", class: "link", onclick: async () => {
      if (confirm(strings.confirmDelete ?? "")) await engine.change("message", "delete", message.id, {});
    } }, strings.delete ?? "")) : null;
  return el("li", { class: own ? "message own" : "message", dataset: { id: message.id, author: String(message.author), deleted: String(message.deleted) } }, meta, body, actions);
}

/** Previews fetched so far, by version: a blob URL, or null when there is none. @type {Map<string, Promise<string | null>>} */
const previews = new Map();

/** The types the server previews (`PreviewRenderer`). */
const PREVIEWED = ["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"];

/**
 * The current version of each of the dossier's documents that can be previewed, by file name:
 * what an attachment message ("Pièce jointe : facture.pdf — voir …") names.
 * @param {import("./merge.js").Replica} replica @param {number | null} dossier
 */
function previewableByName(replica, dossier) {
  /** @type {Map<string, string>} */
  const found = new Map();
  if (dossier === null) return found;
  for (const document of documentsOf(replica, dossier)) {
    for (const version of document.versions) if (PREVIEWED.includes(version.mediaType)) found.set(version.fileName, version.id);
  }
  return found;
}

/**
 * A preview under an attachment's message: the picture the server draws (an image, a PDF's first
 * page), fetched with the session's token, once per version; nothing when there is none (offline too).
 * @param {import("./engine.js").Engine} engine @param {string} version @param {string} name @param {string} label
 */
function attachmentPreview(engine, version, name, label) {
  if (!previews.has(version)) {
    previews.set(version, fetch(`/api/v1/documents/versions/${encodeURIComponent(version)}/preview`, {
      headers: { authorization: `Bearer ${engine.api.token}`, "FT-Protocol": String(PROTOCOL_VERSION) },
    }).then(async (response) => (response.ok ? URL.createObjectURL(await response.blob()) : null), () => null));
  }
  const image = /** @type {HTMLImageElement} */ (el("img", { class: "attachment-preview", alt: fill(label, { name }), hidden: true, dataset: { version } }));
  /** @type {Promise<string | null>} */ (previews.get(version)).then((url) => {
    if (!url) return;
    image.src = url;
    image.hidden = false;
  });
  return image;
}

/** What `app_attachment_message` names in `body` ("Pièce jointe : {name} — voir …"), or null. @param {import("./ui.js").Strings} strings @param {string} body */
function attachmentName(strings, body) {
  const template = strings.attachmentMessage ?? "";
  const at = template.indexOf("{name}");
  if (at < 0) return null;
  const before = template.slice(0, at);
  const after = template.slice(at + "{name}".length).split("{")[0];
  if (!body.startsWith(before)) return null;
  const end = after ? body.indexOf(after, before.length) : body.length;
  return end > before.length ? body.slice(before.length, end) : null;
}

/** Whether an operation on this message still waits in the outbox. @param {import("./engine.js").Engine} engine @param {string} record */
function isPending(engine, record) {
  for (const operation of engine.pendingOperations) if (operation.record === record) return true;
  return false;
}

/**
 * Opening a conversation reads its notifications (here at once, on the server as soon as it can
 * be reached): those that lead to it (`conversation:<id>`) and are unread, while the page is shown.
 * Called when the page opens, when the notifications change (a message arriving live brings one)
 * and when the tab is shown again.
 * @param {import("./account.js").Account} account
 */
function readConversationNotifications(account) {
  if (conversation === null || document.visibilityState !== "visible") return;
  const target = `conversation:${conversation}`;
  const ids = account.notifications.notifications.filter((notification) => !notification.readAt && notification.target === target).map((notification) => notification.id);
  if (ids.length) account.markRead({ ids }).catch(() => {});
}

/** Renders again (set by `ready`). */
let rerender = () => {};

/**
 * A file as an attachment: a new document of the dossier ("other"), its bytes uploaded with
 * progress, then a message naming it with a link to the dossier's documents.
 * @param {import("./ui.js").App} app @param {File} file
 */
async function attach(app, file) {
  const { engine, strings, account } = app;
  const state = byId("attach-state");
  const bar = byId("attach-progress");
  const { dossier } = context(account);
  if (dossier === null || conversation === null) {
    state.textContent = strings.attachNoDossier ?? "";
    return;
  }
  const message = fill(strings.attachmentMessage, { name: file.name, dossier });
  if (!navigator.onLine) {
    // Kept in IndexedDB (the file as a Blob) and sent once online (uploads.js, from ui.js).
    await queueUpload(engine.store, { dossier, conversation, name: file.name, message, blob: file });
    state.textContent = fill(strings.attachQueued, { name: file.name });
    showQueuedUploads(app);
    return;
  }
  try {
    bar.hidden = false;
    bar.value = 0;
    await sendAttachment(app, { dossier, conversation, file, name: file.name, message }, (percent) => {
      bar.value = percent;
      state.textContent = fill(strings.uploading, { n: percent });
    });
    state.textContent = strings.uploaded ?? "";
  } catch (error) {
    state.textContent = fill(strings.uploadFailed, { message: error instanceof Error ? error.message : String(error) });
  } finally {
    bar.hidden = true;
  }
}

/** @param {import("./ui.js").App} app */
async function ready(app) {
  const { engine, strings, account } = app;
  if (conversation === null) return;
  rerender = () => render(app);
  await account.addHints(hints);
  engine.watch(conversation);
  rerender();
  readConversationNotifications(account);
  account.addEventListener("notifications", () => readConversationNotifications(account));
  document.addEventListener("visibilitychange", () => readConversationNotifications(account));

  const picker = byId("attach-file");
  picker.addEventListener("change", async () => {
    const file = picker.files?.[0];
    if (file) await attach(app, file);
    picker.value = "";
  });
  const area = byId("conversation");
  const zone = byId("attach-zone");
  area.addEventListener("dragover", (/** @type {DragEvent} */ event) => {
    if (!event.dataTransfer?.types.includes("Files")) return;
    event.preventDefault();
    zone.classList.add("over");
  });
  area.addEventListener("dragleave", (/** @type {DragEvent} */ event) => {
    if (!area.contains(/** @type {Node | null} */ (event.relatedTarget))) zone.classList.remove("over");
  });
  area.addEventListener("drop", async (/** @type {DragEvent} */ event) => {
    const file = event.dataTransfer?.files[0];
    if (!file) return;
    event.preventDefault();
    zone.classList.remove("over");
    await attach(app, file);
  });
  byId("message-search").addEventListener("input", () => {
    query = byId("message-search").value;
    rerender();
  });

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
  engine.addEventListener("presence", (event) => {
    const frame = /** @type {CustomEvent} */ (event).detail;
    if (frame.conversation !== conversation) return;
    online = Array.isArray(frame.online) ? frame.online : [];
    rerender();
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
    rerender();
  });
  byId("export").addEventListener("click", () => {
    const me = engine.session?.user.id;
    const info = context(account).info;
    /** @param {number} user */
    const name = (user) => (user === me ? strings.you : user === info?.clientUserId ? info.company : info?.experts.find((expert) => expert.userId === user)?.name) ?? strings.other ?? "";
    const text = conversationText(messagesOf(engine.shown, conversation), (message) => name(message.author), formatDate);
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
  document.addEventListener("visibilitychange", rerender);
}

boot({ render, ready });
