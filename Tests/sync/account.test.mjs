// node --test: what the app knows besides sync — the directory built from the account API
// (directory.js), the notification centre's state (notifications.js), the Account's refresh and
// offline reads (account.js) against a fake API and store, and the conversation's search and
// links (views.js).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Account } from "../../sync/account.js";
import { directoryOf, dossierById, dossiersForHome, emptyDirectory, mayRate, participantsOf, ratingKeyOf, withHints } from "../../sync/directory.js";
import { emptyNotifications, markRead, pendingRequest, pendingSent, targetHref, withServerList } from "../../sync/notifications.js";
import { messageSegments, searchable, searchMessages, stepChoices } from "../../sync/views.js";

const dossier = (id, overrides = {}) => ({
  id, status: "in_progress", productCode: "TSB", productName: `Produit ${id}`, clientId: 1, clientUserId: 24, company: "Bertin SARL",
  conversation: id * 10, estimatedCents: 100, createdAt: `2026-0${id}-01T00:00:00Z`,
  experts: [{ id: 7, userId: 4, name: "Anaïs Roux", slug: "anais-roux", assignment: 1, assignmentStatus: "assigned" }],
  steps: [{ id: id * 100 + 2, position: 2, type: "documentation", assigneeRole: "client", status: "pending", progress: 0 },
    { id: id * 100 + 1, position: 1, type: "validation", assigneeRole: "admin", status: "completed", progress: 100 }],
  ...overrides,
});

test("directory: conversations and rating keys from the account; old links' hints only fill gaps", () => {
  const account = { me: { id: 24, email: "c@x", role: "client", displayName: "C", client: 1 }, dossiers: [dossier(1), dossier(2)], total: 2, fetchedAt: 1 };
  const hints = withHints(emptyDirectory(), { conversation: 10, dossier: 99, rating: "9:9" });
  const withOld = withHints(hints, { conversation: 555, dossier: 5, rating: "1:3" });
  const directory = directoryOf(account, withOld);
  assert.equal(directory.conversations[10], 1, "the server's word wins over a link");
  assert.equal(directory.conversations[20], 2);
  assert.equal(directory.conversations[555], 5, "an old link still works for what the account does not know");
  assert.equal(directory.ratings[1], "1:7");
  assert.equal(directory.ratings[5], "1:3");
  assert.deepEqual(directoryOf(null, null), emptyDirectory());
  assert.equal(dossierById(account, 2)?.productName, "Produit 2");
  assert.equal(dossierById(account, 3), null);
  assert.equal(dossierById(account, null), null);
});

test("directory: the rating key is the open assignment's; participants leave out oneself and cancelled experts", () => {
  const two = dossier(1, { experts: [
    { id: 3, userId: 13, name: "Ancien", slug: "a", assignment: 1, assignmentStatus: "cancelled" },
    { id: 8, userId: 14, name: "Nouvelle", slug: "n", assignment: 2, assignmentStatus: "in_progress" }] });
  assert.equal(ratingKeyOf(two), "1:8");
  assert.equal(ratingKeyOf(dossier(1, { experts: [{ id: 3, userId: 13, name: "A", slug: "a", assignment: 1, assignmentStatus: "cancelled" }] })), "1:3");
  assert.equal(ratingKeyOf(dossier(1, { experts: [] })), null);
  assert.deepEqual(participantsOf(two, 24), [{ user: 14, name: "Nouvelle", role: "expert" }]);
  assert.deepEqual(participantsOf(two, 14), [{ user: 24, name: "Bertin SARL", role: "client" }]);
  assert.deepEqual(participantsOf(dossier(1, { experts: [] }), 99).map((p) => p.name), ["Bertin SARL"]);
});

test("directory: open dossiers first, newest first", () => {
  const account = { me: null, total: 3, fetchedAt: 1, dossiers: [dossier(1), dossier(2, { status: "cancelled" }), dossier(3)] };
  assert.deepEqual(dossiersForHome(account).map((d) => d.id), [3, 1, 2]);
  assert.deepEqual(dossiersForHome(undefined), []);
});

const list = (unread, ...ids) => ({ unread, notifications: ids.map((id) => ({ id, kind: "message", title: `T${id}`, body: "", target: `conversation:${id}`, createdAt: "2026-01-01T00:00:00Z" })) });

test("notifications: marking read here, pending until sent, kept over a refreshed list", () => {
  let state = withServerList(emptyNotifications(), list(3, 1, 2, 3), 10, "now");
  assert.equal(state.unread, 3);
  state = markRead(state, { ids: [2] }, "t1");
  assert.equal(state.unread, 2);
  assert.equal(state.notifications.find((n) => n.id === 2)?.readAt, "t1");
  assert.deepEqual(pendingRequest(state), { ids: [2] });
  state = markRead(state, { ids: [2] }, "t2");
  assert.equal(state.unread, 2, "read twice counts once");
  // A refresh before the read reached the server: still read here.
  state = withServerList(state, list(3, 1, 2, 3), 20, "t3");
  assert.equal(state.unread, 2);
  assert.equal(state.notifications.find((n) => n.id === 2)?.readAt, "t3");
  state = pendingSent(state, { ids: [2] });
  assert.equal(pendingRequest(state), null);
  state = markRead(state, { all: true }, "t4");
  assert.equal(state.unread, 0);
  assert.deepEqual(pendingRequest(state), { all: true });
  assert.ok(state.notifications.every((n) => n.readAt));
  state = markRead(state, { ids: [5] }, "t5");
  assert.deepEqual(pendingRequest(state), { all: true }, "all covers later ids");
  assert.equal(pendingRequest(pendingSent(state, { all: true })), null);
});

test("notifications: targets lead into this site only", () => {
  assert.equal(targetHref("conversation:12"), "/app/conversation.html?conversation=12");
  assert.equal(targetHref("dossier:3"), "/app/index.html#dossier-3");
  assert.equal(targetHref("/app/"), "/app/");
  assert.equal(targetHref("/experts/anais-roux/"), "/experts/anais-roux/");
  for (const bad of ["//evil.example/", "/\\evil", "https://evil.example/", "javascript:alert(1)", "conversation:x", "", undefined]) assert.equal(targetHref(bad), null, String(bad));
});

/** A fake API (the answers), store (a Map) and clock; `online` switchable. */
function fixture({ dossiers = [dossier(1), dossier(2), dossier(3)], pageSize } = {}) {
  const calls = [];
  const meta = new Map();
  const state = { online: true, failing: false, unread: 2, notifications: list(2, 1, 2) };
  const api = {
    token: "t",
    async me() {
      calls.push("me");
      if (state.failing) throw new Error("network");
      return { id: 24, email: "c@x", role: "client", displayName: "C", client: 1 };
    },
    async myDossiers(offset, limit) {
      calls.push(`dossiers ${offset}`);
      const size = pageSize ?? limit;
      return { total: dossiers.length, offset, dossiers: dossiers.slice(offset, offset + size) };
    },
    async expertAvailability() {
      calls.push("availability");
      if (state.failing) throw new Error("network");
      return { full: ["marc-petit"] };
    },
    async notifications() {
      calls.push("notifications");
      if (state.failing) throw new Error("network");
      return structuredClone(state.notifications);
    },
    async markNotificationsRead(which) {
      calls.push(`read ${JSON.stringify(which)}`);
      if (state.failing) throw new Error("network");
      return { changed: 1, unread: 0 };
    },
  };
  const store = { meta: async (key) => structuredClone(meta.get(key)), setMeta: async (values) => { for (const [k, v] of Object.entries(values)) meta.set(k, structuredClone(v)); } };
  const account = new Account({ api: /** @type {any} */ (api), store, now: () => 1000, online: () => state.online });
  return { account, calls, meta, state, store, api };
}

test("account: every page of dossiers, kept in the store; a new Account reads it back (offline)", async () => {
  const { account, calls, store, state, api } = fixture({ pageSize: 2 });
  const events = [];
  account.addEventListener("account", () => events.push("account"));
  account.addEventListener("notifications", () => events.push("notifications"));
  assert.equal(await account.refresh(), true);
  assert.deepEqual(account.account.dossiers.map((d) => d.id), [1, 2, 3]);
  assert.ok(calls.includes("dossiers 0") && calls.includes("dossiers 2"));
  assert.equal(account.notifications.unread, 2);
  assert.deepEqual(events.sort(), ["account", "notifications"]);
  assert.equal(account.directory.conversations[30], 3);
  assert.deepEqual(account.account.full, ["marc-petit"], "a client's account knows who has no room, for its recommendations");

  state.online = false;
  const offline = new Account({ api: /** @type {any} */ (api), store, online: () => false });
  await offline.load();
  calls.length = 0;
  assert.equal(await offline.refresh(), false);
  assert.deepEqual(calls, [], "nothing asked offline");
  assert.deepEqual(offline.account.dossiers.map((d) => d.id), [1, 2, 3]);
  assert.equal(offline.notifications.unread, 2);
});

test("account: a read made offline is sent before the next list; a failure keeps the cached state", async () => {
  const { account, calls, state, meta } = fixture();
  await account.refresh();
  state.online = false;
  await account.markRead({ ids: [1] });
  assert.equal(account.notifications.unread, 1);
  assert.deepEqual(meta.get("notifications").pending, { all: false, ids: [1] });
  assert.ok(!calls.some((call) => call.startsWith("read")));
  state.online = true;
  state.failing = true;
  assert.equal(await account.refresh(), false);
  assert.equal(account.account.dossiers.length, 3, "kept");
  assert.equal(account.notifications.unread, 1, "kept");
  state.failing = false;
  calls.length = 0;
  assert.equal(await account.refresh(), true);
  assert.equal(calls.indexOf('read {"ids":[1]}') >= 0 && calls.indexOf('read {"ids":[1]}') < calls.indexOf("notifications"), true);
  assert.deepEqual(account.notifications.pending, { all: false, ids: [] });
});

test("account: one refresh at a time; a call meanwhile runs it once more", async () => {
  const { account, calls } = fixture();
  const first = account.refresh();
  const second = account.refresh();
  const third = account.refresh();
  assert.equal(first, second);
  assert.equal(second, third);
  await first;
  assert.equal(calls.filter((call) => call === "me").length, 2);
});

test("account: old links' hints are remembered", async () => {
  const { account, meta } = fixture();
  await account.addHints({ conversation: 77, dossier: 7, rating: "1:2" });
  await account.addHints({ conversation: null, dossier: 8, rating: null });
  assert.deepEqual(meta.get("directory"), { conversations: { 77: 7 }, ratings: { 7: "1:2" } });
  assert.equal(account.directory.conversations[77], 7);
  account.clear();
  assert.deepEqual(account.directory, emptyDirectory());
});

test("views: the conversation's search ignores accents, case and spacing; deleted messages never match", () => {
  const message = (id, body, deleted = false) => ({ id, conversation: 1, author: 1, body, deleted, edited: false, at: 0, hlc: /** @type {any} */ (null) });
  const messages = [message("a", "Le relevé de décembre"), message("b", "RELEVE  de Janvier"), message("c", "Cœur de l'ÉTÉ"), message("d", "relevé", true),
    message("e", "e\u0301te\u0301 (decomposed)")];
  assert.equal(searchable("  Éléphant\tÇA  cœur "), "elephant ca coeur");
  assert.deepEqual(searchMessages(messages, "releve").map((m) => m.id), ["a", "b"]);
  assert.deepEqual(searchMessages(messages, "  RELEVÉ   janv ").map((m) => m.id), ["b"]);
  assert.deepEqual(searchMessages(messages, "coeur ete").map((m) => m.id), ["c"]);
  assert.deepEqual(searchMessages(messages, "ÉTÉ").map((m) => m.id), ["c", "e"]);
  assert.deepEqual(searchMessages(messages, "  ").map((m) => m.id), ["a", "b", "c", "d", "e"]);
  assert.deepEqual(searchMessages(messages, "absent"), []);
});

test("views: only paths into the app become links in a message", () => {
  assert.deepEqual(messageSegments("Pièce jointe : a.pdf — voir /app/documents.html?dossier=3. Merci"),
    [{ text: "Pièce jointe : a.pdf — voir " }, { text: "/app/documents.html?dossier=3", href: "/app/documents.html?dossier=3" }, { text: ". Merci" }]);
  assert.deepEqual(messageSegments("/app/index.html#dossier-1"), [{ text: "/app/index.html#dossier-1", href: "/app/index.html#dossier-1" }]);
  for (const text of ["https://evil.example/app/documents.html", "x/app/documents.html?dossier=1", "/app/evil.html", "javascript:/app/index.html", "<a href=x>", "//app/index.html"]) {
    assert.ok(messageSegments(text).every((part) => !("href" in part)), text);
  }
  assert.deepEqual(messageSegments(""), []);
});

test("directory: a rating is offered only where the server takes it (SyncLocator's ratingAllowed: a completed mission)", () => {
  const me = { id: 24, email: "c@x", role: "client", displayName: "C", client: 1 };
  const cancelled = dossier(3, { status: "cancelled", experts: [{ id: 9, userId: 19, name: "Partie", slug: "p", assignment: 3, assignmentStatus: "cancelled" }] });
  const done = dossier(2, { status: "done", experts: [{ id: 7, userId: 4, name: "Anaïs Roux", slug: "anais-roux", assignment: 2, assignmentStatus: "completed" }] });
  const account = { me, dossiers: [dossier(1), cancelled, done], total: 3, fetchedAt: 1 };
  assert.equal(mayRate(account, "1:7"), true, "an expert whose mission for this client is completed");
  assert.equal(mayRate({ ...account, dossiers: [dossier(1), cancelled] }, "1:7"), false, "an expert still at work (assigned, in progress): no review yet");
  assert.equal(mayRate(account, ratingKeyOf(cancelled)), false, "the expert of a cancelled assignment only");
  assert.equal(mayRate({ ...account, dossiers: [dossier(1), cancelled, dossier(4, { experts: [{ ...cancelled.experts[0], assignmentStatus: "completed" }] })] }, "1:9"), true,
    "the same expert done on another dossier: the rating is one per client and expert");
  assert.equal(mayRate(account, "2:7"), false, "another client's key");
  assert.equal(mayRate({ ...account, me: { ...me, role: "expert", client: undefined } }, "1:7"), false, "not a client");
  assert.equal(mayRate({ me: null, dossiers: [], total: 0, fetchedAt: 0 }, "1:7"), false, "the account not known yet");
  assert.equal(mayRate(account, null), false);
  assert.equal(mayRate(account, "1:07"), false);
});

test("views: a step's choices are the role's statuses with the current one selected; another current status is shown, not offered", () => {
  assert.deepEqual(stepChoices(["pending", "in_progress", "completed"], "in_progress"),
    [{ status: "pending", selected: false, disabled: false }, { status: "in_progress", selected: true, disabled: false }, { status: "completed", selected: false, disabled: false }]);
  assert.deepEqual(stepChoices(["pending", "in_progress", "completed"], "overdue"),
    [{ status: "overdue", selected: true, disabled: true }, { status: "pending", selected: false, disabled: false },
      { status: "in_progress", selected: false, disabled: false }, { status: "completed", selected: false, disabled: false }]);
  assert.deepEqual(stepChoices(["in_progress", "completed"], "pending").filter((choice) => choice.selected), [{ status: "pending", selected: true, disabled: true }]);
});
