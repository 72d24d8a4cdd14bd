// node --test: sync/live.js against a fake WebSocket and fake timers — hello, welcome, changes in
// order, watches again after a reconnection, pings, backoff, and what each fatal error leads to.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Backoff } from "../../sync/backoff.js";
import { helloFrame, LiveChannel, liveURL, remedyFor } from "../../sync/live.js";

/** Lets queued promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

class FakeSocket {
  static opened = [];
  constructor(url) {
    this.url = url;
    this.sent = [];
    this.closed = null;
    FakeSocket.opened.push(this);
  }
  send(text) { this.sent.push(JSON.parse(text)); }
  close(code, reason) { this.closed = { code, reason }; }
  // Server side:
  open() { this.onopen?.(); }
  frame(object) { this.onmessage?.({ data: JSON.stringify(object) }); }
  drop() { this.onclose?.({ code: 1006 }); }
}

function fakeTimers() {
  const pending = new Map();
  let next = 1;
  return {
    pending,
    setTimeout: (callback, milliseconds) => { pending.set(next, { callback, milliseconds }); return next++; },
    clearTimeout: (handle) => { pending.delete(handle); },
    /** Runs the one timer of that delay (the test knows which it expects). */
    fire(milliseconds) {
      const entry = [...pending].find(([, timer]) => timer.milliseconds === milliseconds);
      assert.ok(entry, `a timer of ${milliseconds} ms is pending (have ${[...pending.values()].map((timer) => timer.milliseconds)})`);
      pending.delete(entry[0]);
      entry[1].callback();
    },
  };
}

function channel({ token = () => "tok", cursor = 10, handlers = {} } = {}) {
  FakeSocket.opened = [];
  const timers = fakeTimers();
  const log = [];
  const live = new LiveChannel({
    url: liveURL("https://ft.example/"), WebSocket: FakeSocket, token, cursor, timers, backoff: new Backoff({ random: () => 0 }),
    handlers: {
      changes: async (frame) => { await settle(); log.push(["changes", frame.cursor]); },
      welcome: (frame) => log.push(["welcome", frame.cursor]),
      presence: (frame) => log.push(["presence", frame.online]),
      stopped: (reason) => log.push(["stopped", reason.code, reason.remedy]),
      resync: async (code) => { log.push(["resync", code]); return 99; },
      error: (frame) => log.push(["error", frame.code]),
      ...handlers,
    },
  });
  return { live, timers, log, socket: (index = -1) => FakeSocket.opened.at(index) };
}

test("the URL and the hello frame", () => {
  assert.equal(liveURL("http://127.0.0.1:8080"), "ws://127.0.0.1:8080/api/v1/sync/live");
  assert.equal(liveURL("https://ft.example/"), "wss://ft.example/api/v1/sync/live");
  assert.deepEqual(JSON.parse(helloFrame("tok", 120)), { type: "hello", protocol: 1, token: "tok", cursor: 120 });
});

test("hello with the cursor, welcome, then changes handled in order, each after the previous one", async () => {
  const { live, log, socket } = channel();
  live.start();
  assert.equal(socket().url, "wss://ft.example/api/v1/sync/live");
  socket().open();
  assert.deepEqual(socket().sent, [{ type: "hello", protocol: 1, token: "tok", cursor: 10 }]);
  socket().frame({ type: "welcome", user: 7, role: "client", cursor: 10 });
  socket().frame({ type: "changes", changes: [], cursor: 11, hasMore: true });
  socket().frame({ type: "changes", changes: [], cursor: 12, hasMore: false });
  await settle(); await settle(); await settle();
  assert.deepEqual(log, [["welcome", 10], ["changes", 11], ["changes", 12]]);
  assert.equal(live.cursor, 12);
  assert.equal(live.state, "open");
});

test("a dropped link reconnects after the backoff, with the newest cursor, and watches again", async () => {
  const { live, timers, socket } = channel();
  live.start();
  socket().open();
  socket().frame({ type: "welcome", user: 7, role: "client", cursor: 10 });
  await settle();
  live.watch(42);
  assert.deepEqual(socket().sent.at(-1), { type: "watch", conversation: 42 });
  socket().frame({ type: "changes", changes: [], cursor: 15, hasMore: false });
  await settle(); await settle();
  socket().drop();
  await settle();
  assert.equal(live.state, "waiting");
  timers.fire(500);
  socket().open();
  assert.deepEqual(socket().sent, [{ type: "hello", protocol: 1, token: "tok", cursor: 15 }]);
  socket().drop(); // before any welcome: the wait doubles
  await settle();
  timers.fire(1_000);
  socket().open();
  socket().frame({ type: "welcome", user: 7, role: "client", cursor: 15 });
  await settle();
  assert.deepEqual(socket().sent.at(-1), { type: "watch", conversation: 42 });
  socket().drop(); // after a welcome: back to the shortest wait
  await settle();
  timers.fire(500);
  assert.equal(FakeSocket.opened.length, 4);
});

test("an idle link is pinged, and one that does not answer is dropped and reopened", async () => {
  const { live, timers, socket } = channel();
  live.start();
  socket().open();
  socket().frame({ type: "welcome", user: 7, role: "client", cursor: 10 });
  await settle();
  timers.fire(25_000);
  assert.deepEqual(socket().sent.at(-1), { type: "ping" });
  socket().frame({ type: "pong" });
  await settle();
  timers.fire(25_000);
  const silent = socket();
  timers.fire(10_000);
  assert.equal(silent.closed.code, 4001);
  timers.fire(500);
  assert.equal(FakeSocket.opened.length, 2);
});

test("cursor_compacted: pull a fresh snapshot over HTTP, then connect again at once with its cursor", async () => {
  const { live, timers, log, socket } = channel();
  live.start();
  socket().open();
  socket().frame({ type: "error", code: "cursor_compacted", message: "pull from your cursor" });
  await settle();
  socket(0).drop(); // the server's close frame
  await settle();
  assert.deepEqual(log, [["resync", "cursor_compacted"]]);
  timers.fire(0);
  socket().open();
  assert.deepEqual(socket().sent, [{ type: "hello", protocol: 1, token: "tok", cursor: 99 }]);
});

test("session_ended and update_required stop the channel and say why; no reconnection", async () => {
  for (const [code, remedy] of [["session_ended", "signIn"], ["unauthorized", "signIn"], ["update_required", "update"]]) {
    const { live, timers, log, socket } = channel();
    live.start();
    socket().open();
    socket().frame({ type: "error", code, message: "…" });
    await settle();
    socket(0).drop();
    await settle();
    assert.deepEqual(log, [["stopped", code, remedy]]);
    assert.equal(live.state, "stopped");
    assert.equal(timers.pending.size, 0, "nothing scheduled");
  }
  assert.equal(remedyFor("hello_expected"), "reconnect");
  assert.equal(remedyFor("invalid_cursor"), "resync");
});

test("a non-fatal error is reported and the channel stays open", async () => {
  const { live, log, socket } = channel();
  live.start();
  socket().open();
  socket().frame({ type: "welcome", user: 7, role: "client", cursor: 10 });
  socket().frame({ type: "error", code: "forbidden", message: "not allowed on conversation 3" });
  socket().frame({ type: "presence", conversation: 42, online: [7, 9] });
  await settle(); await settle();
  assert.deepEqual(log, [["welcome", 10], ["error", "forbidden"], ["presence", [7, 9]]]);
  assert.equal(live.state, "open");
});

test("without a token the channel does not connect", () => {
  const { live, log } = channel({ token: () => null });
  live.start();
  assert.equal(FakeSocket.opened.length, 0);
  assert.deepEqual(log, [["stopped", "unauthorized", "signIn"]]);
});

test("stop closes the link and nothing reopens it", async () => {
  const { live, timers, socket } = channel();
  live.start();
  socket().open();
  live.stop();
  assert.equal(socket().closed.code, 1000);
  socket().drop();
  await settle();
  assert.equal(timers.pending.size, 0);
  assert.equal(live.state, "stopped");
});
