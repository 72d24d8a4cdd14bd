// @ts-check
// What every page of the app shares: the engine over the IndexedDB store, the service worker,
// the status line ("N modifications en attente…", online or not), the notices of refused
// changes, the sign-in form, and a few DOM helpers that only ever set text (user content is
// never parsed as HTML). The French strings come from the page (#app-strings, from fr.json).

import { Engine } from "./engine.js";
import { LocalStore } from "./store.js";
import { SYNC_TAG } from "./worker-sync.js";

/** @typedef {{[key: string]: string | undefined}} Strings */

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

async function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  try {
    await navigator.serviceWorker.register("/app/sw.js", { type: "module", scope: "/app/" });
  } catch {
    // No worker (an old browser, a private window): the app still works online.
  }
}

/** Asks the service worker to send the outbox when the browser is online again (Background Sync). */
function requestBackgroundSync() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.ready
    .then((registration) => /** @type {any} */ (registration).sync?.register(SYNC_TAG))
    .catch(() => {});
}

/**
 * Starts a page: the engine, the worker, the status line, notices and sign-in. `render` is called
 * when signed in and whenever the replica changes.
 * @param {{render: (app: {engine: Engine, strings: Strings}) => unknown, ready?: (app: {engine: Engine, strings: Strings}) => unknown}} page
 */
export async function boot({ render, ready }) {
  /** @type {Strings} */
  const strings = byId("app-strings")?.dataset ?? {};
  const engine = new Engine({ baseURL: location.origin, store: new LocalStore(), requestBackgroundSync });
  const app = { engine, strings };
  registerWorker();

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
  engine.addEventListener("session", (event) => {
    const detail = /** @type {CustomEvent} */ (event).detail;
    const reason = byId("sign-in-reason");
    reason.hidden = !detail.reason;
    reason.textContent = strings.signInAgain ?? "";
    showSession();
    renderStatus();
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
      error.textContent = /** @type {any} */ (caught)?.status === 401 ? strings.signInFailed : strings.networkFailed;
    }
  });
  byId("sign-out").addEventListener("click", () => engine.signOut());

  addEventListener("online", () => engine.connect());
  addEventListener("offline", () => engine.disconnect());
  navigator.serviceWorker?.addEventListener("message", (event) => {
    if (event.data?.type === "outbox-flushed") engine.reloadFromStorage();
  });
  // A safety net for a missed `online` event: what is pending is tried again now and then.
  setInterval(() => {
    if (engine.session && navigator.onLine && (engine.pendingCount > 0 || engine.live?.state === "stopped")) engine.connect();
  }, 10_000);

  await engine.start();
  showSession();
  renderStatus();
  renderNotices();
  return app;
}
