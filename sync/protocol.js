// @ts-check
// The HTTP side of the sync API (docs/openapi.json): sign-in and sign-out, pushing a batch of
// operations, pulling changes page by page from a cursor. Written against an injected `fetch`, so
// the same code runs in a page, a service worker and node's tests. The live channel is live.js.
//
// Server side: Sources/FTServer/Controllers/SessionController.swift, SyncController.swift, PullJSON.swift.

/** The sync protocol this code speaks: sent as `FT-Protocol` on every sync request and in `hello`. */
export const PROTOCOL_VERSION = 1;
/** The server's default `maximumBatch` (ServerConfiguration): more is answered 413 `batch_too_large`. */
export const MAXIMUM_BATCH = 1_000;

/** @typedef {import("./operation.js").SyncOperation} SyncOperation */
/** @typedef {{id: string, collection: string, action: string, record: string, fields: Record<string, import("./operation.js").FieldValue>, hlc: string}} PushedOperation */
/** @typedef {{code: string, field?: string, message: string}} RejectionJSON */
/** @typedef {{operation: string, status: "accepted" | "rejected", seq?: number, rejection?: RejectionJSON}} PushResult */
/** @typedef {{seq: number, operation: SyncOperation}} PulledChange */
/** @typedef {{reset?: true, snapshot?: SyncOperation[], changes: PulledChange[], cursor: number, hasMore: boolean}} PullPage */
/** @typedef {{token: string, expiresAt: string, user: {id: number, email: string, role: string, displayName: string}}} Session */

/**
 * An HTTP answer other than the expected one: the status, the machine-readable `error` code of the
 * body `{error, message, field?}` (or `network` when no answer came), and what to do about it.
 */
export class SyncError extends Error {
  /** @param {number} status @param {string} code @param {string} message @param {string} [field] */
  constructor(status, code, message, field) {
    super(message);
    this.name = "SyncError";
    this.status = status;
    this.code = code;
    if (field !== undefined) this.field = field;
  }

  /**
   * What the caller should do:
   * - `signIn`: the session is missing or over (401);
   * - `update`: the app speaks an old protocol (426 `update_required`): reload it;
   * - `split`: the batch is too large (413 `batch_too_large`): push fewer at a time;
   * - `restart`: the cursor is unknown (`cursor_from_the_future`, `invalid_cursor`): drop the
   *   local replica and pull from 0;
   * - `retry`: a network failure, 408, 429 or a 5xx: try again after a backoff;
   * - `fix`: anything else (bad input): retrying the same request will not help.
   * @returns {"signIn" | "update" | "split" | "restart" | "retry" | "fix"}
   */
  get remedy() {
    if (this.status === 401) return "signIn";
    if (this.status === 426 || this.code === "update_required") return "update";
    if (this.code === "batch_too_large") return "split";
    if (this.code === "cursor_from_the_future" || this.code === "invalid_cursor") return "restart";
    if (this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500) return "retry";
    return "fix";
  }
}

/**
 * An operation as a device sends it: without `actor` (the server takes it from the session).
 * @param {SyncOperation | PushedOperation} operation
 * @returns {PushedOperation}
 */
export function pushedForm({ id, collection, action, record, fields, hlc }) {
  return { id, collection, action, record, fields, hlc };
}

/**
 * Sorts a push's answers: what was accepted (with its sequence number), what was refused (to undo
 * locally and show, with the server's reason), and what got no answer (to send again).
 * @param {(SyncOperation | PushedOperation)[]} sent @param {PushResult[]} results
 */
export function settlePush(sent, results) {
  const answers = new Map(results.map((result) => [result.operation, result]));
  /** @type {{operation: SyncOperation | PushedOperation, seq: number | undefined}[]} */
  const accepted = [];
  /** @type {{operation: SyncOperation | PushedOperation, rejection: RejectionJSON}[]} */
  const rejected = [];
  /** @type {(SyncOperation | PushedOperation)[]} */
  const unanswered = [];
  for (const operation of sent) {
    const answer = answers.get(operation.id);
    if (!answer) unanswered.push(operation);
    else if (answer.status === "accepted") accepted.push({ operation, seq: answer.seq });
    else rejected.push({ operation, rejection: answer.rejection ?? { code: "invalidField", message: "refused" } });
  }
  return { accepted, rejected, unanswered };
}

/**
 * A client of the HTTP sync API. `fetch` is injected (the global one in a browser); `token` is
 * the session's bearer token, set by `signIn` or given when restored from storage.
 */
export class SyncAPI {
  /** @param {{baseURL: string, fetch: typeof globalThis.fetch, token?: string | null}} options */
  constructor({ baseURL, fetch, token = null }) {
    this.baseURL = baseURL.replace(/\/+$/, "");
    this.fetch = fetch;
    this.token = token;
  }

  /**
   * The request for a call, without sending it: `{url, init}` for `fetch`.
   * @param {string} method @param {string} path
   * @param {{body?: unknown, sync?: boolean, signed?: boolean, query?: Record<string, string | number>}} [options]
   *   `sync`: a sync request, which carries `FT-Protocol` (all but sign-in and sign-out);
   *   `signed`: carries the bearer token (all but sign-in).
   */
  request(method, path, { body, sync = true, signed = true, query } = {}) {
    /** @type {Record<string, string>} */
    const headers = { accept: "application/json" };
    if (sync) headers["FT-Protocol"] = String(PROTOCOL_VERSION);
    if (signed && this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const search = query ? "?" + new URLSearchParams(Object.entries(query).map(([key, value]) => [key, String(value)])).toString() : "";
    /** @type {RequestInit} */
    const init = { method, headers, cache: "no-store" };
    if (body !== undefined) init.body = JSON.stringify(body);
    return { url: `${this.baseURL}${path}${search}`, init };
  }

  /**
   * Sends a request and reads the JSON answer; throws a `SyncError` for another status than
   * `expected`, or when no answer came (status 0, code `network`).
   * @param {{url: string, init: RequestInit}} request @param {number[]} expected
   * @returns {Promise<any>}
   */
  async send({ url, init }, expected) {
    let response;
    try {
      response = await this.fetch(url, init);
    } catch (error) {
      throw new SyncError(0, "network", error instanceof Error ? error.message : String(error));
    }
    const text = await response.text();
    /** @type {any} */
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!expected.includes(response.status)) {
      const code = json && typeof json.error === "string" ? json.error : `http_${response.status}`;
      const message = json && typeof json.message === "string" ? json.message : `HTTP ${response.status}`;
      throw new SyncError(response.status, code, message, json?.field);
    }
    return json;
  }

  /**
   * `POST /api/v1/session`: signs in and keeps the token.
   * @param {string} email @param {string} password @returns {Promise<Session>}
   */
  async signIn(email, password) {
    const session = await this.send(this.request("POST", "/api/v1/session", { body: { email, password }, sync: false, signed: false }), [201]);
    this.token = session.token;
    return session;
  }

  /** `DELETE /api/v1/session`: the token stops working at once. Forgets it even if the server was unreachable. */
  async signOut() {
    if (!this.token) return;
    const request = this.request("DELETE", "/api/v1/session", { sync: false });
    this.token = null;
    await this.send(request, [204, 401]);
  }

  /**
   * `DELETE /api/v1/sessions`: every session of the account ends, this one included; their live
   * connections close. Unlike `signOut`, it needs the server: it throws when offline.
   */
  async signOutEverywhere() {
    await this.send(this.request("DELETE", "/api/v1/sessions", { sync: false }), [204]);
    this.token = null;
  }

  /**
   * `POST /api/v1/me/password`: a new password (the current one checked); the account's other
   * sessions end, this one stays.
   * @param {string} current @param {string} password
   */
  async changePassword(current, password) {
    await this.send(this.request("POST", "/api/v1/me/password", { body: { current, password }, sync: false }), [204]);
  }

  /**
   * `POST /api/v1/me/deletion`: deletes the account for good (the password checked again); the
   * token stops working. Resolves to the server's sentence saying what was done.
   * @param {string} password @returns {Promise<string>}
   */
  async deleteAccount(password) {
    const answer = await this.send(this.request("POST", "/api/v1/me/deletion", { body: { password }, sync: false }), [200]);
    this.token = null;
    return typeof answer?.message === "string" ? answer.message : "";
  }

  /**
   * `GET /api/v1/me/export`: everything the server holds about the user, as the JSON file to save.
   * @returns {Promise<Blob>}
   */
  async personalData() {
    const { url, init } = this.request("GET", "/api/v1/me/export", { sync: false });
    let response;
    try {
      response = await this.fetch(url, init);
    } catch (error) {
      throw new SyncError(0, "network", error instanceof Error ? error.message : String(error));
    }
    if (!response.ok) throw new SyncError(response.status, `http_${response.status}`, `HTTP ${response.status}`);
    return response.blob();
  }

  /**
   * `GET /api/v1/me/expert-profile`: the signed-in expert's profile as they edit it, where the
   * admins' review stands, and the schemes and languages to choose from.
   * @returns {Promise<import("./profile-form.js").ProfileAnswer>}
   */
  async expertProfile() {
    return this.send(this.request("GET", "/api/v1/me/expert-profile", { sync: false }), [200]);
  }

  /**
   * `PUT /api/v1/me/expert-profile`: saves it; the answer is the profile as saved, with `message`.
   * @param {import("./profile-form.js").Profile} profile @returns {Promise<import("./profile-form.js").ProfileAnswer>}
   */
  async saveExpertProfile(profile) {
    return this.send(this.request("PUT", "/api/v1/me/expert-profile", { body: profile, sync: false }), [200]);
  }

  /**
   * `POST /api/v1/sync/push`: one batch, at most `MAXIMUM_BATCH` operations (the caller splits
   * larger outboxes, and splits again on a `split` remedy). Answers one result per operation, in order.
   * @param {(SyncOperation | PushedOperation)[]} operations @returns {Promise<PushResult[]>}
   */
  async push(operations) {
    const answer = await this.send(this.request("POST", "/api/v1/sync/push", { body: { operations: operations.map(pushedForm) } }), [200]);
    return answer.results;
  }

  // What sync records do not say (the account, its dossiers, its notifications): plain reads
  // the app caches in IndexedDB (account.js).

  /** Who is signed in, and the client or expert record naming them. @returns {Promise<{id: number, email: string, role: string, displayName: string, client?: number, expert?: number}>} */
  async me() {
    return this.send(this.request("GET", "/api/v1/me"), [200]);
  }

  /** The experts (slugs) whose dossiers have reached their capacity. @returns {Promise<{full: string[]}>} */
  async expertAvailability() {
    return this.send(this.request("GET", "/api/v1/experts/availability"), [200]);
  }

  /** A page of the user's dossiers. @param {number} [offset] @param {number} [limit] @returns {Promise<{total: number, offset: number, dossiers: any[]}>} */
  async myDossiers(offset = 0, limit = 100) {
    return this.send(this.request("GET", "/api/v1/me/dossiers", { query: { limit, offset } }), [200]);
  }

  /** The latest notifications and the unread count. @param {number} [limit] @returns {Promise<{unread: number, notifications: any[]}>} */
  async notifications(limit = 50) {
    return this.send(this.request("GET", "/api/v1/me/notifications", { query: { limit } }), [200]);
  }

  /** The server's Web Push key (VAPID); 404 when it sends no push. @returns {Promise<{publicKey: string}>} */
  async pushKey() {
    return this.send(this.request("GET", "/api/v1/push/key", { sync: false, signed: false }), [200]);
  }

  /** Gives the server this browser's push subscription (`PushSubscription.toJSON()`). @param {any} subscription @returns {Promise<{id: number}>} */
  async addPushSubscription(subscription) {
    return this.send(this.request("POST", "/api/v1/me/push-subscriptions", { body: subscription, sync: false }), [201]);
  }

  /** The server forgets this browser's push subscription. @param {string} endpoint @returns {Promise<void>} */
  async removePushSubscription(endpoint) {
    await this.send(this.request("DELETE", "/api/v1/me/push-subscriptions", { body: { endpoint }, sync: false }), [204]);
  }

  /** Marks notifications read: some ids, or all. @param {{ids?: number[], all?: boolean}} which @returns {Promise<{changed: number, unread: number}>} */
  async markNotificationsRead(which) {
    return this.send(this.request("POST", "/api/v1/me/notifications/read", { body: which }), [200]);
  }

  /**
   * `GET /api/v1/sync/pull`: one page of changes after `cursor`.
   * @param {number} cursor @param {number} [limit] 1 to 5,000 (the server's default is 500)
   * @returns {Promise<PullPage>}
   */
  async pull(cursor, limit = 500) {
    return this.send(this.request("GET", "/api/v1/sync/pull", { query: { cursor, limit } }), [200]);
  }

  /**
   * Pulls every page after `cursor` and hands each to `apply`, in order, then returns the new
   * cursor. A page with `reset` (the cursor predates a compaction of the log) or an unknown
   * cursor (`cursor_from_the_future`) first calls `restart`: the caller drops its local replica;
   * the page's `snapshot` then holds what to apply before its changes.
   * @param {number} cursor
   * @param {{apply: (page: PullPage) => unknown, restart: () => unknown, limit?: number}} handlers
   *   `apply` persists the page and its cursor before resolving.
   * @returns {Promise<number>}
   */
  async pullAll(cursor, { apply, restart, limit = 500 }) {
    let from = cursor;
    let restarted = false;
    for (;;) {
      let page;
      try {
        page = await this.pull(from, limit);
      } catch (error) {
        if (error instanceof SyncError && error.remedy === "restart" && from !== 0 && !restarted) {
          restarted = true;
          await restart();
          from = 0;
          continue;
        }
        throw error;
      }
      if (page.reset) await restart();
      await apply(page);
      from = page.cursor;
      if (!page.hasMore) return from;
    }
  }
}
