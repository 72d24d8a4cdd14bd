// @ts-check
// What every page of the app shares: the engine over the IndexedDB store, the service worker,
// the status line ("N modifications en attente…", online or not), the notices of refused
// changes, the sign-in form, and a few DOM helpers that only ever set text (user content is
// never parsed as HTML). The French strings come from the page (#app-strings, from fr.json).

import { Account } from "./account.js";
import { Engine } from "./engine.js";
import { targetHref } from "./notifications.js";
import { LocalStore } from "./store.js";
import { sendQueuedUploads } from "./uploads.js";
import { SYNC_TAG } from "./worker-sync.js";

/** @typedef {{[key: string]: string | undefined}} Strings */
/** @typedef {{engine: Engine, strings: Strings, account: Account}} App */

/**
 * An element with properties and children; strings become text nodes.
 * @param {string} tag @param {Record<string, any>} [properties] @param {(Node | string | null | undefined | false)[]} children
 * @returns {HTMLElement}
 */
export function el(tag, properties = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(properties)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "dataset") Object.assign(element.dataset, value);
    else if (name === "class") element.className = value;
    else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name in element && name !== "list") /** @type {any} */ (element)[name] = value;
    else element.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return element;
}

/** `{n}` and `{message}` filled in. @param {string | undefined} template @param {Record<string, string | number>} values */
export function fill(template, values) {
  return (template ?? "").replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/**
 * A count in French: `strings[key + "Zero"]` for 0 when there is one, `…One` for 0 and 1 (French
 * puts both in the singular), `…Other` from 2; `{n}` filled in.
 * @param {Record<string, string | undefined>} strings @param {string} key @param {number} n
 * @param {Record<string, string | number>} [values]
 */
export function count(strings, key, n, values = {}) {
  const template = (n === 0 ? strings[`${key}Zero`] : undefined) ?? (n <= 1 ? strings[`${key}One`] : strings[`${key}Other`]);
  return fill(template, { n: n.toLocaleString("fr-FR"), ...values });
}

/** @param {string} id @returns {any} */
export const byId = (id) => document.getElementById(id);

/** A date and time in French. @param {number} milliseconds */
export const formatDate = (milliseconds) => new Date(milliseconds).toLocaleString("fr-FR", { dateStyle: "short", timeStyle: "short" });

/** A byte count in French units. @param {Strings} strings @param {number} bytes */
export function formatBytes(strings, bytes) {
  if (bytes < 1024) return fill(strings.bytes, { n: bytes });
  if (bytes < 1024 * 1024) return fill(strings.kib, { n: (bytes / 1024).toLocaleString("fr-FR", { maximumFractionDigits: 1 }) });
  return fill(strings.mib, { n: (bytes / 1024 / 1024).toLocaleString("fr-FR", { maximumFractionDigits: 1 }) });
}

/** The French sentence for a refusal code. @param {Strings} strings @param {string} code */
function refusalText(strings, code) {
  const key = { forbidden: "codeForbidden", invalidField: "codeInvalidField", missingField: "codeInvalidField", unknownField: "codeInvalidField", unknownRecord: "codeUnknownRecord", clockSkew: "codeClockSkew" }[code] ?? "codeOther";
  return strings[key] ?? code;
}

/**
 * The worker controls the whole site (the server sends `Service-Worker-Allowed: /` for it), so
 * that public pages once visited stay readable offline. A registration of an older app with scope
 * /app/ would win over it for the app's pages: it is removed.
 */
async function registerWorker() {
  if (!("serviceWorker" in navigator)) return null;
  try {
    const registration = await navigator.serviceWorker.register("/app/sw.js", { type: "module", scope: "/" });
    for (const other of await navigator.serviceWorker.getRegistrations()) {
      if (new URL(other.scope).pathname !== "/") await other.unregister();
    }
    return registration;
  } catch {
    // No worker (an old browser, a private window): the app still works online.
    return null;
  }
}

/** How long the network must stay before the page acts on `online`. */
const ONLINE_SETTLE = 400;

/** How often an open page asks whether a new build was deployed (besides `online` and coming back to the tab). */
const UPDATE_CHECK_EVERY = 30 * 60_000;

/**
 * A new deploy: the browser finds a new `sw.js` (on a navigation, or when this page asks — on
 * `online`, when the tab is shown again, every half hour), installs it beside the old one (a new
 * cache, `ft-app-<build>`), and it takes over at once (`skipWaiting` + `clients.claim`, the old
 * caches deleted). This page still runs the old build's code, loaded before: when the worker in
 * control says another build than the page's (`body[data-build]`), the page offers to reload
 * ("Une nouvelle version est disponible") rather than reloading under the user's typing. The
 * outbox and the replica live in IndexedDB, which a deploy does not touch: what is pending is
 * sent by the new build as by the old.
 * @param {Promise<ServiceWorkerRegistration | null>} registered
 */
function watchForUpdates(registered) {
  if (!("serviceWorker" in navigator)) return;
  const container = navigator.serviceWorker;
  const pageBuild = document.body.dataset.build ?? "";
  const offer = (/** @type {unknown} */ build) => {
    if (typeof build !== "string" || build === "" || build === pageBuild) return;
    const banner = byId("update-ready");
    if (!banner) return;
    banner.dataset.build = build;
    banner.hidden = false;
  };
  container.addEventListener("message", (event) => {
    if (event.data?.type === "build") offer(event.data.build);
  });
  const askBuild = () => container.controller?.postMessage({ type: "build" });
  container.addEventListener("controllerchange", askBuild);
  askBuild(); // a page served by an older cache while a newer worker already controls it
  byId("update-reload")?.addEventListener("click", () => location.reload());
  const check = () => {
    registered.then((registration) => registration?.update()).catch(() => {});
  };
  addEventListener("online", () => setTimeout(() => navigator.onLine && check(), ONLINE_SETTLE));
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && navigator.onLine) check();
  });
  setInterval(() => {
    if (navigator.onLine) check();
  }, UPDATE_CHECK_EVERY);
}

/** Asks the service worker to send the outbox when the browser is online again (Background Sync). */
function requestBackgroundSync() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.ready
    .then((registration) => /** @type {any} */ (registration).sync?.register(SYNC_TAG))
    .catch(() => {});
}

/**
 * The notification centre in the header: the unread count on every page, the list (the last one
 * known when offline), mark one or all read.
 * @param {Account} account @param {Strings} strings @param {boolean} signedIn
 */
function renderNotifications(account, strings, signedIn) {
  const state = account.notifications;
  const toggle = byId("notifications-toggle");
  if (!toggle) return;
  toggle.hidden = !signedIn;
  if (!signedIn) byId("notification-centre").hidden = true;
  const badge = byId("unread-count");
  badge.dataset.count = String(state.unread);
  badge.textContent = String(state.unread);
  byId("unread-text").textContent = count(strings, "notificationsUnread", state.unread);
  byId("notifications-stale").hidden = navigator.onLine || state.fetchedAt === 0;
  byId("notifications-read-all").disabled = state.unread === 0;
  byId("notification-list").replaceChildren(...(state.notifications.length ? state.notifications.map((notification) => {
    const href = targetHref(notification.target);
    const unread = !notification.readAt;
    return el("li", { class: unread ? "notification unread" : "notification", dataset: { notification: String(notification.id), kind: notification.kind, read: String(!unread) } },
      el("p", {}, el("strong", {}, notification.title), ` · ${formatDate(Date.parse(notification.createdAt))}`),
      notification.body ? el("p", { class: "body" }, notification.body) : null,
      el("p", { class: "actions" },
        href ? el("a", { href, onclick: () => { if (unread) account.markRead({ ids: [notification.id] }); } }, strings.open ?? "") : null, " ",
        unread ? el("button", { type: "button", class: "link mark-read", onclick: () => account.markRead({ ids: [notification.id] }) }, strings.markRead ?? "") : null));
  }) : [el("li", { class: "muted" }, strings.notificationsNone ?? "")]));
}

/** The status line's count of attachments waiting for the network. @param {App} app */
export async function showQueuedUploads({ engine, strings }) {
  const element = byId("uploads-pending");
  if (!element) return;
  const pending = engine.session ? (await engine.store.uploads()).length : 0;
  element.dataset.count = String(pending);
  element.hidden = pending === 0;
  element.textContent = count(strings, "uploadsPending", pending);
}

/**
 * Sends the attachments chosen offline (uploads.js), progress and failures on the conversation
 * page's attachment line when there is one. @param {App} app
 */
function sendUploads(app) {
  if (!app.engine.session || !navigator.onLine) return;
  const state = byId("attach-state");
  sendQueuedUploads(app, (upload, percent) => {
    if (state) state.textContent = `${upload.name} : ${fill(app.strings.uploading, { n: percent })}`;
  }, (upload, error) => {
    if (state) state.textContent = `${upload.name} : ${fill(app.strings.uploadFailed, { message: error instanceof Error ? error.message : String(error) })}`;
  }).then((sent) => {
    if (sent && state) state.textContent = app.strings.uploaded ?? "";
  }).finally(() => showQueuedUploads(app));
}

/**
 * Starts a page: the engine, the account (dossiers, notifications), the worker, the status line,
 * notices and sign-in. `render` is called when signed in and whenever the replica or the
 * account's dossiers change.
 * @param {{render: (app: App) => unknown, ready?: (app: App) => unknown}} page
 */
export async function boot({ render, ready }) {
  /** @type {Strings} */
  const strings = byId("app-strings")?.dataset ?? {};
  const engine = new Engine({ baseURL: location.origin, store: new LocalStore(), requestBackgroundSync });
  const account = new Account({ api: engine.api, store: engine.store });
  /** @type {App} */
  const app = { engine, strings, account };
  watchForUpdates(registerWorker());

  const renderStatus = () => {
    const status = engine.status();
    const connection = byId("connection");
    const state = !status.online ? "offline" : status.live === "open" ? "online" : "connecting";
    connection.dataset.state = state;
    connection.textContent = !status.signedIn ? "" : state === "offline" ? strings.offline : state === "online" ? strings.online : strings.connecting;
    const pending = byId("pending");
    pending.dataset.count = String(engine.pendingCount);
    pending.hidden = engine.pendingCount === 0;
    pending.textContent = engine.pendingCount === 1 ? strings.pendingOne : fill(strings.pendingMany, { n: engine.pendingCount });
  };
  const renderNotices = () => {
    const list = byId("notice-list");
    list.replaceChildren(...engine.notices.map((notice) => el("li", { class: "notice", dataset: { code: notice.code } },
      el("strong", {}, strings.refused ?? ""), " : ", refusalText(strings, notice.code), " (", notice.message, "). ",
      el("button", { type: "button", class: "link", onclick: () => engine.dismissNotice(notice.id) }, strings.dismiss ?? "×"))));
    byId("notices").hidden = engine.notices.length === 0;
  };

  let signedIn = false;
  const showSession = () => {
    const form = byId("sign-in");
    form.hidden = engine.session !== null;
    byId("sign-out").hidden = engine.session === null;
    const profileLink = byId("profile-link");
    if (profileLink) profileLink.hidden = engine.session?.user.role !== "expert";
    byId("app-loading")?.remove();
    if (engine.session && !signedIn) {
      signedIn = true;
      ready?.(app);
    }
    if (engine.session) render(app);
  };

  engine.addEventListener("status", renderStatus);
  engine.addEventListener("pending", renderStatus);
  engine.addEventListener("notices", renderNotices);
  let scheduled = false;
  engine.addEventListener("change", () => {
    if (scheduled || !engine.session) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      render(app);
    });
  });
  // The account: refreshed on start, sign-in, `online`, and (debounced) when the server's changes
  // arrive — a message from someone else comes with a notification, a step with its dossier's state.
  const showNotifications = () => renderNotifications(account, strings, engine.session !== null);
  account.addEventListener("notifications", showNotifications);
  account.addEventListener("account", () => {
    if (engine.session) render(app);
  });
  /** @type {any} */
  let refreshTimer = null;
  const refreshSoon = () => {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => {
      if (engine.session && navigator.onLine) account.refresh();
    }, 300);
  };
  engine.addEventListener("change", (event) => {
    if (/** @type {CustomEvent} */ (event).detail?.confirmed) refreshSoon();
  });
  byId("notifications-toggle")?.addEventListener("click", (/** @type {MouseEvent} */ event) => {
    event.preventDefault();
    const centre = byId("notification-centre");
    centre.hidden = !centre.hidden;
    if (!centre.hidden) centre.scrollIntoView?.({ block: "nearest" });
  });
  byId("notifications-read-all")?.addEventListener("click", () => account.markRead({ all: true }));

  engine.addEventListener("session", (event) => {
    const detail = /** @type {CustomEvent} */ (event).detail;
    if (detail.session) account.refresh();
    else if (!detail.reason) account.clear();
    const reason = byId("sign-in-reason");
    reason.hidden = !detail.reason;
    reason.textContent = strings.signInAgain ?? "";
    showSession();
    renderStatus();
    showNotifications();
  });

  byId("sign-in").addEventListener("submit", async (/** @type {SubmitEvent} */ event) => {
    event.preventDefault();
    const error = byId("sign-in-error");
    error.hidden = true;
    try {
      await engine.signIn(byId("email").value.trim(), byId("password").value);
      byId("password").value = "";
    } catch (caught) {
      error.hidden = false;
      const status = /** @type {any} */ (caught)?.status;
      // 403 (address not yet confirmed) and 429 (too many tries): the server's own French words.
      error.textContent = status === 401 ? strings.signInFailed
        : status === 403 || status === 429 ? /** @type {any} */ (caught).message : strings.networkFailed;
    }
  });
  byId("sign-out").addEventListener("click", () => engine.signOut());

  // Back online: once the network has stayed for a moment (a flapping network, or a page whose
  // offline state is being set up, sends nothing).
  /** @type {any} */
  let onlineTimer = null;
  addEventListener("online", () => {
    clearTimeout(onlineTimer);
    onlineTimer = setTimeout(() => {
      if (!navigator.onLine) return;
      engine.connect();
      account.refresh();
      sendUploads(app);
    }, ONLINE_SETTLE);
  });
  addEventListener("offline", showNotifications);
  addEventListener("offline", () => engine.disconnect());
  navigator.serviceWorker?.addEventListener("message", (event) => {
    if (event.data?.type === "outbox-flushed") engine.reloadFromStorage();
  });
  // A safety net for a missed `online` event (or a first pull that failed, before which the live
  // channel does not start): what is pending is tried again now and then.
  setInterval(() => {
    if (engine.session && navigator.onLine && (engine.pendingCount > 0 || (engine.live?.state ?? "stopped") === "stopped")) engine.connect();
  }, 10_000);

  await account.load();
  await engine.start();
  if (engine.session && navigator.onLine) account.refresh();
  showSession();
  showNotifications();
  renderStatus();
  renderNotices();
  showQueuedUploads(app);
  sendUploads(app);
  return app;
}
