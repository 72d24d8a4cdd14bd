// Web Push in the app (sync/push.js): what the service worker shows and opens, and turning push
// on and off, with the browser's parts given as plain objects.
import assert from "node:assert/strict";
import { test } from "node:test";
import { base64UrlToBytes, clickTarget, disablePush, enablePush, notificationFor, pushState, PushSetupError } from "../../sync/push.js";

test("the server's payload becomes a French notification that opens its page", () => {
  const shown = notificationFor({ id: 42, kind: "message", title: "Nouveau message de Claire", body: "Le devis est prêt", url: "/app/conversation.html?conversation=7", tag: "conversation:7" });
  assert.equal(shown.title, "Nouveau message de Claire");
  assert.equal(shown.options.body, "Le devis est prêt");
  assert.equal(shown.options.lang, "fr");
  assert.equal(shown.options.icon, "/assets/app-icon-192.png");
  assert.equal(shown.options.tag, "conversation:7");
  assert.equal(shown.options.renotify, true);
  assert.deepEqual(shown.options.data, { url: "/app/conversation.html?conversation=7", kind: "message", id: 42 });
});

test("a payload that is not ours still shows something, and never leads elsewhere", () => {
  for (const payload of [null, "texte", 12, {}, { title: 5 }]) {
    const shown = notificationFor(payload);
    assert.equal(shown.title, "FinancialTracker");
    assert.ok(shown.options.body.length > 0);
    assert.equal(shown.options.data.url, "/app/index.html");
  }
  for (const url of ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "/\\evil.example"]) {
    assert.equal(notificationFor({ title: "x", url }).options.data.url, "/app/index.html", url);
    assert.equal(clickTarget({ url }, "https://ft.example"), "https://ft.example/app/index.html", url);
  }
  assert.equal(notificationFor({ title: "x".repeat(500) }).title.length, 120);
});

test("a click opens the notification's page on this site", () => {
  assert.equal(clickTarget({ url: "/app/conversation.html?conversation=7" }, "https://ft.example"), "https://ft.example/app/conversation.html?conversation=7");
  assert.equal(clickTarget(null, "https://ft.example"), "https://ft.example/app/index.html");
});

test("the VAPID key decodes from base64url", () => {
  assert.deepEqual([...base64UrlToBytes("BP8_-w")], [0x04, 0xff, 0x3f, 0xfb]);
});

/** A browser's parts: a push manager holding at most one subscription, a permission. */
function browser({ permission = "default", answer = "granted", subscribeFails = false } = {}) {
  const calls = [];
  let current = null;
  const pushManager = {
    async getSubscription() { return current; },
    async subscribe(options) {
      calls.push(["subscribe", options.userVisibleOnly, options.applicationServerKey.length]);
      if (subscribeFails) throw new Error("Registration failed - push service error");
      current = {
        endpoint: "https://push.example.net/wpush/abc",
        toJSON: () => ({ endpoint: "https://push.example.net/wpush/abc", keys: { p256dh: "BP", auth: "au" } }),
        unsubscribe: async () => { calls.push(["unsubscribe"]); current = null; return true; },
      };
      return current;
    },
  };
  const notification = { permission, async requestPermission() { calls.push(["ask"]); this.permission = answer; return answer; } };
  return { registration: { pushManager }, notification, calls };
}

function server({ keyStatus = 200, addStatus = 201, removeStatus = 204 } = {}) {
  const calls = [];
  const fail = (status) => Object.assign(new Error(`HTTP ${status}`), { status });
  return {
    calls,
    async pushKey() { calls.push(["key"]); if (keyStatus !== 200) throw fail(keyStatus); return { publicKey: "BP8_-w" }; },
    async addPushSubscription(json) { calls.push(["add", json.endpoint]); if (addStatus !== 201) throw fail(addStatus); return { id: 1 }; },
    async removePushSubscription(endpoint) { calls.push(["remove", endpoint]); if (removeStatus !== 204) throw fail(removeStatus); },
  };
}

test("turning push on asks once, subscribes with the server's key and tells the server", async () => {
  const { registration, notification, calls } = browser();
  const api = server();
  assert.equal(await pushState(registration, notification), "off");
  await enablePush({ api, registration, notification });
  assert.deepEqual(calls, [["ask"], ["subscribe", true, 4]]);
  assert.deepEqual(api.calls, [["key"], ["add", "https://push.example.net/wpush/abc"]]);
  assert.equal(await pushState(registration, notification), "on");
  await disablePush({ api, registration });
  assert.deepEqual(api.calls.at(-1), ["remove", "https://push.example.net/wpush/abc"]);
  assert.equal(await pushState(registration, notification), "off");
});

test("each way it can fail says why, and leaves no half-made subscription", async () => {
  const denied = browser({ answer: "denied" });
  await assert.rejects(enablePush({ api: server(), ...denied }), (error) => error instanceof PushSetupError && error.code === "denied");
  assert.equal(await pushState(denied.registration, denied.notification), "denied");

  const off = browser({ permission: "granted" });
  await assert.rejects(enablePush({ api: server({ keyStatus: 404 }), ...off }), (error) => error.code === "serverOff");
  await assert.rejects(enablePush({ api: server({ keyStatus: 0 }), ...off }), (error) => error.code === "offline");

  const noService = browser({ permission: "granted", subscribeFails: true });
  await assert.rejects(enablePush({ api: server(), ...noService }), (error) => error.code === "failed" && /push service error/.test(error.message));

  // The server refuses the subscription: the browser's is undone, the state stays "off".
  const refused = browser({ permission: "granted" });
  await assert.rejects(enablePush({ api: server({ addStatus: 400 }), ...refused }), (error) => error.code === "failed");
  assert.deepEqual(refused.calls.at(-1), ["unsubscribe"]);
  assert.equal(await pushState(refused.registration, refused.notification), "off");

  assert.equal(await pushState(null, undefined), "unsupported");
  await assert.rejects(enablePush({ api: server(), registration: null, notification: undefined }), (error) => error.code === "unsupported");
});

test("turning off what the server already forgot still turns it off here", async () => {
  const { registration, notification } = browser({ permission: "granted" });
  await enablePush({ api: server(), registration, notification });
  await disablePush({ api: server({ removeStatus: 404 }), registration });
  assert.equal(await pushState(registration, notification), "off");
});
