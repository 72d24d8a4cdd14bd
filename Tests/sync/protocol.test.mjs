// node --test: sync/protocol.js and sync/backoff.js with a fake fetch — request shapes (the
// FT-Protocol header, the bearer token), answers, the pull loop and its restarts, push results.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Backoff } from "../../sync/backoff.js";
import { MAXIMUM_BATCH, PROTOCOL_VERSION, pushedForm, settlePush, SyncAPI, SyncError } from "../../sync/protocol.js";

/** A fetch that records requests and answers from a list of `[status, body]` (or a function). */
function fakeFetch(answers) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, init, body: init.body === undefined ? undefined : JSON.parse(init.body) });
    const answer = typeof answers === "function" ? answers(url, init) : answers.shift();
    if (answer instanceof Error) throw answer;
    const [status, body] = answer;
    return { status, text: async () => (body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body)) };
  };
  return { fetch, calls };
}

const operation = { id: "o1", collection: "message", action: "insert", record: "m1", fields: { conversation: 7, body: "Bonjour" }, hlc: "0000000000001000-00000-a", actor: { user: 1, role: "client" } };

test("sign-in: no FT-Protocol, no token; the token is kept for what follows", async () => {
  const session = { token: "t0k", expiresAt: "2030-01-01T00:00:00Z", user: { id: 1, email: "c@x", role: "client", displayName: "C" } };
  const { fetch, calls } = fakeFetch([[201, session], [200, { results: [] }]]);
  const api = new SyncAPI({ baseURL: "http://127.0.0.1:8080/", fetch, token: "stale" });
  assert.deepEqual(await api.signIn("c@x", "pw"), session);
  assert.equal(calls[0].url, "http://127.0.0.1:8080/api/v1/session");
  assert.equal(calls[0].init.method, "POST");
  assert.deepEqual(calls[0].body, { email: "c@x", password: "pw" });
  assert.equal(calls[0].init.headers["FT-Protocol"], undefined);
  assert.equal(calls[0].init.headers.authorization, undefined);
  await api.push([]);
  assert.equal(calls[1].init.headers.authorization, "Bearer t0k");
});

test("push: FT-Protocol 1, the bearer token, operations without their actor", async () => {
  const { fetch, calls } = fakeFetch([[200, { results: [{ operation: "o1", status: "accepted", seq: 12 }] }]]);
  const api = new SyncAPI({ baseURL: "http://h", fetch, token: "tok" });
  const results = await api.push([operation]);
  assert.deepEqual(results, [{ operation: "o1", status: "accepted", seq: 12 }]);
  const [call] = calls;
  assert.equal(call.url, "http://h/api/v1/sync/push");
  assert.equal(call.init.method, "POST");
  assert.equal(call.init.headers["FT-Protocol"], String(PROTOCOL_VERSION));
  assert.equal(call.init.headers["FT-Protocol"], "1");
  assert.equal(call.init.headers.authorization, "Bearer tok");
  assert.equal(call.init.headers["content-type"], "application/json");
  assert.deepEqual(call.body, { operations: [{ id: "o1", collection: "message", action: "insert", record: "m1", fields: { conversation: 7, body: "Bonjour" }, hlc: "0000000000001000-00000-a" }] });
  assert.deepEqual(Object.keys(pushedForm(operation)), ["id", "collection", "action", "record", "fields", "hlc"]);
  assert.equal(MAXIMUM_BATCH, 1_000);
});

test("pull: cursor and limit in the query, FT-Protocol and token in the headers", async () => {
  const { fetch, calls } = fakeFetch([[200, { changes: [], cursor: 5, hasMore: false }]]);
  const api = new SyncAPI({ baseURL: "http://h", fetch, token: "tok" });
  assert.deepEqual(await api.pull(5, 100), { changes: [], cursor: 5, hasMore: false });
  assert.equal(calls[0].url, "http://h/api/v1/sync/pull?cursor=5&limit=100");
  assert.equal(calls[0].init.method, "GET");
  assert.equal(calls[0].init.headers["FT-Protocol"], "1");
  assert.equal(calls[0].init.body, undefined);
});

test("errors carry the server's code and say what to do", async () => {
  const cases = [
    [[401, { error: "unauthorized", message: "sign in first" }], "unauthorized", "signIn"],
    [[426, { error: "update_required", message: "reload" }], "update_required", "update"],
    [[413, { error: "batch_too_large", message: "at most 1000" }], "batch_too_large", "split"],
    [[400, { error: "cursor_from_the_future", message: "start again", field: "cursor" }], "cursor_from_the_future", "restart"],
    [[400, { error: "invalid_body", message: "bad" }], "invalid_body", "fix"],
    [[503, "<html>busy</html>"], "http_503", "retry"],
    [new TypeError("Failed to fetch"), "network", "retry"],
  ];
  for (const [answer, code, remedy] of cases) {
    const api = new SyncAPI({ baseURL: "http://h", fetch: fakeFetch([answer]).fetch, token: "tok" });
    await assert.rejects(api.push([operation]), (error) => error instanceof SyncError && error.code === code && error.remedy === remedy, code);
  }
});

test("sign-out forgets the token even when the server says it was already over", async () => {
  const { fetch, calls } = fakeFetch([[401, { error: "unauthorized", message: "x" }]]);
  const api = new SyncAPI({ baseURL: "http://h", fetch, token: "tok" });
  await api.signOut();
  assert.equal(calls[0].init.method, "DELETE");
  assert.equal(calls[0].init.headers.authorization, "Bearer tok");
  assert.equal(api.token, null);
  await api.signOut();
  assert.equal(calls.length, 1, "nothing to sign out of");
});

test("settling a push: accepted with their seq, rejected with the reason (to undo and show), unanswered to resend", () => {
  const sent = ["a", "b", "c"].map((id) => ({ ...operation, id }));
  const { accepted, rejected, unanswered } = settlePush(sent, [
    { operation: "a", status: "accepted", seq: 3 },
    { operation: "b", status: "rejected", rejection: { code: "forbidden", message: "only its author may change this" } },
  ]);
  assert.deepEqual(accepted.map((entry) => [entry.operation.id, entry.seq]), [["a", 3]]);
  assert.deepEqual(rejected.map((entry) => [entry.operation.id, entry.rejection.code]), [["b", "forbidden"]]);
  assert.deepEqual(unanswered.map((entry) => entry.id), ["c"]);
});

test("the pull loop: snapshot first, pages in order until hasMore is false", async () => {
  const change = (seq) => ({ seq, operation: { ...operation, id: `o${seq}` } });
  const { fetch, calls } = fakeFetch([
    [200, { snapshot: [operation], changes: [change(1), change(2)], cursor: 2, hasMore: true }],
    [200, { changes: [change(3)], cursor: 3, hasMore: false }],
  ]);
  const api = new SyncAPI({ baseURL: "http://h", fetch, token: "tok" });
  const pages = [];
  const cursor = await api.pullAll(0, { apply: (page) => pages.push(page), restart: () => assert.fail("no restart from 0"), limit: 2 });
  assert.equal(cursor, 3);
  assert.deepEqual(calls.map((call) => call.url), ["http://h/api/v1/sync/pull?cursor=0&limit=2", "http://h/api/v1/sync/pull?cursor=2&limit=2"]);
  assert.deepEqual(pages.map((page) => page.changes.map((entry) => entry.seq)), [[1, 2], [3]]);
  assert.equal(pages[0].snapshot.length, 1);
});

test("a compacted cursor is answered with reset: the replica is dropped before the fresh snapshot is applied", async () => {
  const events = [];
  const { fetch } = fakeFetch([[200, { reset: true, snapshot: [operation], changes: [], cursor: 40, hasMore: false }]]);
  const api = new SyncAPI({ baseURL: "http://h", fetch, token: "tok" });
  const cursor = await api.pullAll(3, { apply: (page) => events.push(["apply", page.snapshot.length]), restart: () => events.push(["restart"]) });
  assert.equal(cursor, 40);
  assert.deepEqual(events, [["restart"], ["apply", 1]]);
});

test("a cursor from the future starts again from 0, once", async () => {
  const events = [];
  const { fetch, calls } = fakeFetch([
    [400, { error: "cursor_from_the_future", message: "start again from 0", field: "cursor" }],
    [200, { snapshot: [], changes: [], cursor: 9, hasMore: false }],
  ]);
  const api = new SyncAPI({ baseURL: "http://h", fetch, token: "tok" });
  assert.equal(await api.pullAll(50, { apply: () => events.push("apply"), restart: () => events.push("restart") }), 9);
  assert.deepEqual(events, ["restart", "apply"]);
  assert.match(calls[1].url, /cursor=0&/);
});

test("the backoff schedule: doubling from 500 ms, capped at 30 s, jittered down by at most half, reset by a success", () => {
  const none = new Backoff({ random: () => 0 });
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 20, 1_000].map((attempt) => none.delay(attempt)), [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000, 30_000]);
  const most = new Backoff({ random: () => 1 });
  assert.deepEqual([0, 1, 6].map((attempt) => most.delay(attempt)), [250, 500, 15_000]);
  const counting = new Backoff({ random: () => 0 });
  assert.deepEqual([counting.next(), counting.next(), counting.next()], [500, 1_000, 2_000]);
  counting.reset();
  assert.equal(counting.next(), 500);
});
