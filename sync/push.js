// @ts-check
// Web Push in the app: turning it on and off in this browser (the preferences page's button is
// the only place that asks the browser's permission), and what the service worker shows for a
// push and opens on a click. The server encrypts each push for this browser (RFC 8291) and signs
// it (VAPID); the browser decrypts it before the worker's `push` event.

import { targetHref } from "./notifications.js";

/** base64url (the server's VAPID key) → bytes, as `applicationServerKey` takes it. @param {string} text */
export function base64UrlToBytes(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  return Uint8Array.from(atob(base64), (character) => character.charCodeAt(0));
}

const ICON = "/assets/app-icon-192.png";

/**
 * What the worker shows for a push: the server's payload `{id, kind, title, body, url, tag}`
 * becomes a French notification that opens `url` (a path of this site only). A payload that is
 * not ours still shows something: the browser requires a visible notification for each push.
 * @param {unknown} payload
 * @returns {{title: string, options: NotificationOptions & {data: {url: string}}}}
 */
export function notificationFor(payload) {
  const data = /** @type {Record<string, unknown>} */ (payload && typeof payload === "object" ? payload : {});
  const text = (/** @type {unknown} */ value, /** @type {number} */ limit) => (typeof value === "string" ? value.slice(0, limit) : "");
  const title = text(data.title, 120) || "FinancialTracker";
  const url = (typeof data.url === "string" && targetHref(data.url)) || "/app/index.html";
  const tag = text(data.tag, 100) || undefined;
  return {
    title,
    options: {
      body: text(data.body, 400) || "Nouvelle notification dans votre espace.",
      icon: ICON,
      badge: ICON,
      lang: "fr",
      tag,
      // A later notification of the same conversation replaces the one shown, and still rings.
      ...(tag ? { renotify: true } : {}),
      data: { url, kind: text(data.kind, 40), id: typeof data.id === "number" ? data.id : null },
    },
  };
}

/**
 * The page a click on a notification opens: its `url` if it is a path of this site, else the app's
 * home. Never another origin. @param {unknown} data @param {string} origin
 */
export function clickTarget(data, origin) {
  const url = data && typeof data === "object" ? /** @type {any} */ (data).url : null;
  const path = (typeof url === "string" && targetHref(url)) || "/app/index.html";
  return new URL(path, origin).href;
}

/** Why push could not be turned on. */
export class PushSetupError extends Error {
  /** @param {"unsupported" | "denied" | "serverOff" | "offline" | "failed"} code @param {string} [detail] */
  constructor(code, detail = "") {
    super(detail || code);
    this.code = code;
  }
}

/**
 * @typedef {{
 *   pushKey(): Promise<{publicKey: string}>,
 *   addPushSubscription(subscription: any): Promise<{id: number}>,
 *   removePushSubscription(endpoint: string): Promise<void>,
 * }} PushAPI
 * @typedef {{permission: string, requestPermission(): Promise<string>}} NotificationPermissionAPI
 */

/**
 * Push in this browser: `unsupported`, `denied` (the user blocked the site), `on` (a subscription
 * exists) or `off`. @param {ServiceWorkerRegistration | null} registration
 * @param {NotificationPermissionAPI | undefined} notification
 */
export async function pushState(registration, notification) {
  if (!registration || !("pushManager" in registration) || !notification) return "unsupported";
  if (notification.permission === "denied") return "denied";
  return (await registration.pushManager.getSubscription()) ? "on" : "off";
}

/**
 * Turns push on: asks the permission (this is called from a button only), subscribes with the
 * server's key, and gives the subscription to the server. A subscription the server refuses is
 * undone here, so that the state shown stays true.
 * @param {{api: PushAPI, registration: ServiceWorkerRegistration | null, notification: NotificationPermissionAPI | undefined}} parts
 */
export async function enablePush({ api, registration, notification }) {
  if (!registration || !("pushManager" in registration) || !notification) throw new PushSetupError("unsupported");
  const permission = notification.permission === "granted" ? "granted" : await notification.requestPermission();
  if (permission !== "granted") throw new PushSetupError("denied");
  let key;
  try {
    key = (await api.pushKey()).publicKey;
  } catch (error) {
    const status = /** @type {any} */ (error)?.status;
    throw new PushSetupError(status === 404 ? "serverOff" : status === 0 ? "offline" : "failed", error instanceof Error ? error.message : String(error));
  }
  let subscription;
  try {
    subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64UrlToBytes(key) });
  } catch (error) {
    throw new PushSetupError("failed", error instanceof Error ? error.message : String(error));
  }
  try {
    await api.addPushSubscription(subscription.toJSON());
  } catch (error) {
    await subscription.unsubscribe().catch(() => false);
    const status = /** @type {any} */ (error)?.status;
    throw new PushSetupError(status === 0 ? "offline" : "failed", error instanceof Error ? error.message : String(error));
  }
}

/**
 * Turns push off in this browser: the server forgets the subscription, then the browser drops it.
 * @param {{api: PushAPI, registration: ServiceWorkerRegistration | null}} parts
 */
export async function disablePush({ api, registration }) {
  const subscription = await registration?.pushManager.getSubscription();
  if (!subscription) return;
  try {
    await api.removePushSubscription(subscription.endpoint);
  } catch (error) {
    // Already gone on the server: dropping it here is all that is left.
    if (/** @type {any} */ (error)?.status !== 404) {
      throw new PushSetupError(/** @type {any} */ (error)?.status === 0 ? "offline" : "failed", error instanceof Error ? error.message : String(error));
    }
  }
  await subscription.unsubscribe();
}
