// @ts-check
// The account's side of the app that sync does not carry: who the user is (`GET /api/v1/me`),
// their dossiers (`GET /api/v1/me/dossiers`, every page) and their notifications
// (`GET /api/v1/me/notifications`, `POST …/read`). Each answer is kept in IndexedDB (meta
// "account", "notifications"), so the pages show the last known state offline; `refresh` is
// called on start, sign-in, `online` and when the live channel brings changes. Events:
//   "account"       — the dossiers (or the hints of old links) changed;
//   "notifications" — the notification list or unread count changed.

import { directoryOf, emptyAccount, emptyDirectory, withHints } from "./directory.js";
import { emptyNotifications, markRead, pendingRequest, pendingSent, withServerList } from "./notifications.js";

/** Dossiers per request, and at most this many requests (an admin sees every dossier). */
const PAGE = 100;
const MAXIMUM_PAGES = 10;

export class Account extends EventTarget {
  /**
   * @param {{api: import("./protocol.js").SyncAPI, store: {meta: (key: string) => Promise<any>, setMeta: (values: Record<string, unknown>) => Promise<unknown>},
   *   now?: () => number, online?: () => boolean}} options
   */
  constructor({ api, store, now = () => Date.now(), online = () => globalThis.navigator?.onLine ?? true }) {
    super();
    this.online = online;
    this.api = api;
    this.store = store;
    this.now = now;
    /** @type {import("./directory.js").Account} */
    this.account = emptyAccount();
    /** The old links' hints. @type {import("./directory.js").Directory} */
    this.hints = emptyDirectory();
    /** @type {import("./notifications.js").NotificationState} */
    this.notifications = emptyNotifications();
    /** @type {Promise<boolean> | null} */
    this.running = null;
    this.again = false;
  }

  /** The last known state, from IndexedDB. */
  async load() {
    const [account, hints, notifications] = await Promise.all([this.store.meta("account"), this.store.meta("directory"), this.store.meta("notifications")]);
    this.account = account ?? emptyAccount();
    this.hints = hints ?? emptyDirectory();
    this.notifications = notifications ?? emptyNotifications();
    this.emit("account");
    this.emit("notifications");
    return this;
  }

  /** Forgets it all in memory (signed out: the store is wiped by the engine). */
  clear() {
    this.account = emptyAccount();
    this.hints = emptyDirectory();
    this.notifications = emptyNotifications();
    this.emit("account");
    this.emit("notifications");
  }

  /** @param {string} type */
  emit(type) {
    this.dispatchEvent(new CustomEvent(type));
  }

  /** Conversation → dossier and dossier → rating key: the account's, then the old links'. */
  get directory() {
    return directoryOf(this.account, this.hints);
  }

  /** Remembers what an old link said. @param {ReturnType<typeof import("./directory.js").hintsFromSearch>} hints */
  async addHints(hints) {
    if (hints.conversation === null || hints.dossier === null) return;
    this.hints = withHints(this.hints, hints);
    await this.store.setMeta({ directory: this.hints });
    this.emit("account");
  }

  /**
   * Fetches the account, its dossiers and notifications; one refresh at a time (a call during
   * one runs once more after it). Resolves to whether it reached the server; never throws.
   * Nothing is sent while offline or signed out.
   * @returns {Promise<boolean>}
   */
  refresh() {
    // Offline nothing is asked (the cached state stays); `online` calls this again.
    if (!this.online() || !this.api.token) return Promise.resolve(false);
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      let ok = true;
      do {
        this.again = false;
        const results = await Promise.allSettled([this.refreshDossiers(), this.refreshNotifications()]);
        ok = results.every((result) => result.status === "fulfilled");
      } while (this.again);
      return ok;
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async refreshDossiers() {
    const me = await this.api.me();
    /** @type {import("./directory.js").DossierInfo[]} */
    const dossiers = [];
    let total = 0;
    for (let page = 0; page < MAXIMUM_PAGES; page++) {
      const answer = await this.api.myDossiers(dossiers.length, PAGE);
      total = answer.total;
      dossiers.push(...answer.dossiers);
      if (answer.dossiers.length === 0 || dossiers.length >= total) break;
    }
    // For a client's recommendations: who has no room for another dossier (unknown if it fails).
    const full = me.role === "client" ? await this.api.expertAvailability().then((answer) => answer.full, () => undefined) : undefined;
    this.account = { me, dossiers, total, fetchedAt: this.now(), ...(full ? { full } : {}) };
    await this.store.setMeta({ account: this.account });
    this.emit("account");
  }

  async refreshNotifications() {
    const request = pendingRequest(this.notifications);
    if (request) {
      await this.api.markNotificationsRead(request);
      this.notifications = pendingSent(this.notifications, request);
    }
    const answer = await this.api.notifications();
    this.notifications = withServerList(this.notifications, answer, this.now(), new Date(this.now()).toISOString());
    await this.store.setMeta({ notifications: this.notifications });
    this.emit("notifications");
  }

  /**
   * Marks notifications read: at once here (and in IndexedDB), on the server as soon as it can
   * be reached. @param {{ids?: number[], all?: boolean}} which
   */
  async markRead(which) {
    this.notifications = markRead(this.notifications, which, new Date(this.now()).toISOString());
    await this.store.setMeta({ notifications: this.notifications });
    this.emit("notifications");
    await this.refresh();
  }
}
