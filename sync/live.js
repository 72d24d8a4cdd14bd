// @ts-check
// The live channel, `GET /api/v1/sync/live` (a WebSocket of JSON text frames; see
// Sources/FTServer/Controllers/LiveController.swift and Live/LiveMessage.swift):
//
//     → {"type":"hello","protocol":1,"token":"…","cursor":120}
//     ← {"type":"welcome","user":7,"role":"client","cursor":120}
//     ← {"type":"changes","changes":[…],"cursor":131,"hasMore":false}   (what it missed, then each commit)
//     → {"type":"watch","conversation":42}     ← {"type":"presence","conversation":42,"online":[7,9]}
//     → {"type":"typing","conversation":42}    ← {"type":"typing","conversation":42,"user":9}
//     → {"type":"ping"}                        ← {"type":"pong"}
//     ← {"type":"error","code":…,"message":…}  (a fatal code is followed by a close frame)
//
// `LiveChannel` keeps one connection open: it says hello with the newest cursor, hands changes to
// the app in order, watches again the conversations it watched, pings to notice a dead link, and
// reconnects after a backoff. `WebSocket` and the timers are injected, so node's tests drive it.

import { Backoff } from "./backoff.js";
import { PROTOCOL_VERSION } from "./protocol.js";

/** Error codes after which the server closes the channel (LiveController's `fail`). */
export const FATAL_CODES = Object.freeze(["hello_expected", "update_required", "unauthorized", "invalid_cursor", "cursor_compacted", "session_ended"]);

/**
 * What a fatal code asks of the app:
 * - `resync`: the cursor is too old (`cursor_compacted`) or unknown (`invalid_cursor`): pull over
 *   HTTP (which answers a fresh snapshot, or asks to start from 0), then connect again;
 * - `signIn`: the session is missing, expired or ended: stop until the user signs in again;
 * - `update`: the app speaks an old protocol: stop, reload the app;
 * - `reconnect`: anything else (`hello_expected`: the hello was late): connect again after a backoff.
 * @param {string} code
 * @returns {"resync" | "signIn" | "update" | "reconnect"}
 */
export function remedyFor(code) {
  if (code === "cursor_compacted" || code === "invalid_cursor") return "resync";
  if (code === "unauthorized" || code === "session_ended") return "signIn";
  if (code === "update_required") return "update";
  return "reconnect";
}

/** The first frame. @param {string} token @param {number} cursor */
export function helloFrame(token, cursor) {
  return JSON.stringify({ type: "hello", protocol: PROTOCOL_VERSION, token, cursor });
}

/**
 * The WebSocket URL for an HTTP base URL (`https://host` → `wss://host/api/v1/sync/live`).
 * @param {string} baseURL
 */
export function liveURL(baseURL) {
  return baseURL.replace(/\/+$/, "").replace(/^http/, "ws") + "/api/v1/sync/live";
}

/**
 * @typedef {{
 *   welcome?: (frame: {user: number, role: string, cursor: number}) => unknown,
 *   changes: (frame: {changes: import("./protocol.js").PulledChange[], cursor: number, hasMore: boolean}) => unknown,
 *   presence?: (frame: {conversation: number, online: number[]}) => unknown,
 *   typing?: (frame: {conversation: number, user: number}) => unknown,
 *   resync: (code: string) => Promise<number>,
 *   stopped?: (reason: {code: string, message: string, remedy: string}) => unknown,
 *   error?: (frame: {code: string, message: string}) => unknown,
 *   state?: (state: "connecting" | "open" | "waiting" | "stopped") => unknown,
 * }} LiveHandlers
 *   `changes` applies and persists a frame before resolving (the next frame waits for it);
 *   `resync` pulls over HTTP and resolves to the new cursor; `stopped` is told why the channel
 *   gave up (sign in again, update the app); `error` gets the non-fatal errors (`forbidden`,
 *   `invalid_message`).
 */

/**
 * @typedef {{
 *   setTimeout: (callback: () => void, milliseconds: number) => unknown,
 *   clearTimeout: (handle: any) => void,
 * }} Timers
 */

export class LiveChannel {
  /**
   * @param {{
   *   url: string, WebSocket: any, token: () => string | null, cursor: number, handlers: LiveHandlers,
   *   backoff?: Backoff, timers?: Timers, pingInterval?: number, pongTimeout?: number,
   * }} options
   *   `token` is read at each connection (it may change with a new sign-in); `cursor` is the last
   *   sequence number the replica holds; `pingInterval`: how often to ping an idle link (25 s);
   *   `pongTimeout`: how long without any frame after a ping before the link counts as dead (10 s).
   */
  constructor({ url, WebSocket, token, cursor, handlers, backoff = new Backoff(), timers = globalThis, pingInterval = 25_000, pongTimeout = 10_000 }) {
    this.url = url;
    this.WebSocket = WebSocket;
    this.token = token;
    /** The newest sequence number applied. */
    this.cursor = cursor;
    this.handlers = handlers;
    this.backoff = backoff;
    this.timers = timers;
    this.pingInterval = pingInterval;
    this.pongTimeout = pongTimeout;
    /** @type {"connecting" | "open" | "waiting" | "stopped"} */
    this.state = "stopped";
    /** Conversations to watch, again after each reconnection. @type {Set<number>} */
    this.watching = new Set();
    /** @type {any} */
    this.socket = null;
    /** Frames are handled one after the other, each after the previous one's promise. */
    this.queue = Promise.resolve();
    /** @type {unknown} */
    this.timer = null;
    /** Set once a fatal error has decided what happens after the close. */
    this.decided = false;
  }

  /** Opens the channel (and keeps it open until `stop`). */
  start() {
    if (this.state !== "stopped") return;
    this.connect();
  }

  /** Closes the channel for good (sign-out, the page going away). */
  stop() {
    this.setState("stopped");
    this.clearTimer();
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close(1000, "bye");
  }

  /** @param {number} conversation */
  watch(conversation) {
    this.watching.add(conversation);
    this.send({ type: "watch", conversation });
  }

  /** @param {number} conversation */
  unwatch(conversation) {
    this.watching.delete(conversation);
    this.send({ type: "unwatch", conversation });
  }

  /** Tells the others in the conversation that this user is typing (watch it first). @param {number} conversation */
  typing(conversation) {
    this.send({ type: "typing", conversation });
  }

  /** @param {Record<string, unknown>} frame */
  send(frame) {
    if (this.state === "open" && this.socket) this.socket.send(JSON.stringify(frame));
  }

  /** @param {"connecting" | "open" | "waiting" | "stopped"} state */
  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.handlers.state?.(state);
  }

  connect() {
    const token = this.token();
    if (!token) {
      this.giveUp({ code: "unauthorized", message: "sign in first" });
      return;
    }
    this.setState("connecting");
    this.decided = false;
    const socket = new this.WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket === socket) socket.send(helloFrame(token, this.cursor));
    };
    socket.onmessage = (/** @type {{data: unknown}} */ event) => {
      if (this.socket !== socket) return;
      this.armPing();
      const data = event.data;
      this.queue = this.queue.then(() => this.receive(socket, data)).catch((error) => this.fail(socket, error));
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.clearTimer();
      this.queue = this.queue.then(() => this.closed());
    };
    socket.onerror = () => {}; // a close event follows
  }

  /** One frame, after the previous ones. @param {any} socket @param {unknown} data */
  async receive(socket, data) {
    if (this.socket !== socket) return;
    /** @type {any} */
    let frame;
    try {
      frame = JSON.parse(String(data));
    } catch {
      return;
    }
    switch (frame?.type) {
      case "welcome":
        this.backoff.reset();
        this.setState("open");
        for (const conversation of this.watching) socket.send(JSON.stringify({ type: "watch", conversation }));
        await this.handlers.welcome?.(frame);
        break;
      case "changes":
        await this.handlers.changes(frame);
        if (typeof frame.cursor === "number" && frame.cursor > this.cursor) this.cursor = frame.cursor;
        break;
      case "presence":
        await this.handlers.presence?.(frame);
        break;
      case "typing":
        await this.handlers.typing?.(frame);
        break;
      case "pong":
        break;
      case "error":
        if (FATAL_CODES.includes(frame.code)) await this.fatal(frame);
        else await this.handlers.error?.(frame);
        break;
    }
  }

  /** A fatal error frame: the server closes next; decide now what to do then. @param {{code: string, message: string}} frame */
  async fatal(frame) {
    this.decided = true;
    const remedy = remedyFor(frame.code);
    if (remedy === "signIn" || remedy === "update") {
      this.giveUp(frame);
    } else if (remedy === "resync") {
      try {
        this.cursor = await this.handlers.resync(frame.code);
        this.retryAfter(0);
      } catch (error) {
        // Offline, say: the next connection will be told again, and resync again.
        this.handlers.error?.({ code: "resync_failed", message: error instanceof Error ? error.message : String(error) });
        this.retryAfter(this.backoff.next());
      }
    } else {
      this.retryAfter(this.backoff.next());
    }
  }

  /** The socket closed: connect again after a backoff, unless stopped or already decided. */
  closed() {
    if (this.state === "stopped" || this.decided) return;
    this.retryAfter(this.backoff.next());
  }

  /** Something threw while handling a frame (the app's handler): drop the link and retry. @param {any} socket @param {unknown} error */
  fail(socket, error) {
    this.handlers.error?.({ code: "client", message: error instanceof Error ? error.message : String(error) });
    if (this.socket === socket) {
      this.socket = null;
      this.clearTimer();
      socket.close(4000, "client error");
      if (!this.decided) this.retryAfter(this.backoff.next());
    }
  }

  /** @param {{code: string, message: string}} reason */
  giveUp(reason) {
    this.stop();
    this.handlers.stopped?.({ ...reason, remedy: remedyFor(reason.code) });
  }

  /** @param {number} delay */
  retryAfter(delay) {
    if (this.state === "stopped") return;
    if (this.socket) {
      const socket = this.socket;
      this.socket = null;
      socket.close(1000, "reconnecting");
    }
    this.setState("waiting");
    this.clearTimer();
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      if (this.state === "waiting") this.connect();
    }, delay);
  }

  /** After each frame: ping when idle for `pingInterval`, then give the server `pongTimeout` to answer anything. */
  armPing() {
    this.clearTimer();
    const socket = this.socket;
    this.timer = this.timers.setTimeout(() => {
      if (this.socket !== socket || this.state !== "open") return;
      socket.send(JSON.stringify({ type: "ping" }));
      this.timer = this.timers.setTimeout(() => {
        if (this.socket !== socket) return;
        // No answer: the link is dead without a close event (a sleeping laptop, a lost network).
        this.socket = null;
        socket.close(4001, "no pong");
        this.retryAfter(this.backoff.next());
      }, this.pongTimeout);
    }, this.pingInterval);
  }

  clearTimer() {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }
}
