// Test support: a real `ft serve` for node's tests — a seeded data directory under /tmp, a random
// port (20000–40000, another one on a conflict), the log compacted by `ft compact` beside it or
// with the server stopped, and the SQLite database read with the `sqlite3` command-line tool.
// Uses the binary already built (.build/debug/ft, or FT_BINARY); never builds it.
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const FT_BINARY = process.env.FT_BINARY ?? join(ROOT, ".build/debug/ft");

const sleep = (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** The binary may be replaced by a newer build while we run: wait for it (up to `seconds`). */
export async function waitForBinary(seconds = 120) {
  for (let waited = 0; !existsSync(FT_BINARY); waited += 0.5) {
    if (waited >= seconds) throw new Error(`${FT_BINARY} is missing (build it first; this test never builds)`);
    await sleep(500);
  }
  return FT_BINARY;
}

/**
 * Runs `ft` with arguments; resolves `{code, stdout, stderr}`. A binary missing for a moment
 * (being replaced) is waited for and the command run again.
 * @param {string[]} args @param {Record<string, string>} env
 */
export async function ft(args, env) {
  for (let attempt = 0; ; attempt++) {
    await waitForBinary();
    const result = await new Promise((resolve) => {
      execFile(FT_BINARY, args, { env: { ...process.env, ...env }, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, errno: error?.code, stdout, stderr });
      });
    });
    if ((result.errno === "ENOENT" || result.errno === "ETXTBSY") && attempt < 20) {
      await sleep(500);
      continue;
    }
    return result;
  }
}

/** Whether the `sqlite3` command-line tool is installed. */
export async function hasSqlite3() {
  return new Promise((resolve) => execFile("sqlite3", ["-version"], (error) => resolve(!error)));
}

/**
 * Rows of a query, as `sqlite3 -json` prints them (read-only; the server may be writing: WAL).
 * @param {string} database @param {string} sql @returns {Promise<Record<string, any>[]>}
 */
export function sqliteRows(database, sql) {
  return new Promise((resolve, reject) => {
    execFile("sqlite3", ["-readonly", "-json", "-cmd", ".timeout 10000", database, sql], { maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`sqlite3: ${stderr || error.message}`));
      try {
        resolve(stdout.trim() === "" ? [] : JSON.parse(stdout));
      } catch (parseError) {
        reject(new Error(`sqlite3 printed no JSON: ${stdout.slice(0, 200)}`));
      }
    });
  });
}

/** A database date ("2026-12-06 22:25:33.331", UTC) as milliseconds since 1970, or null. @param {string | null} text */
export function databaseMilliseconds(text) {
  if (text === null || text === undefined) return null;
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?/.exec(text);
  if (!match) throw new Error(`not a database date: ${text}`);
  const [, y, mo, d, h, mi, s, fraction = "0"] = match;
  return Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, Number(fraction.padEnd(3, "0")));
}

/**
 * A fresh data directory seeded by `ft seed`, with its own document key.
 * @param {{experts?: number, clients?: number, today?: string}} [options]
 */
export async function seededDataDir({ experts = 6, clients = 12, today = "2026-11-20" } = {}) {
  const root = mkdtempSync(join(tmpdir(), "ft-convergence-"));
  const dataDir = join(root, "data");
  const env = { FT_DOCUMENT_KEY: randomBytes(32).toString("base64") };
  const seeded = await ft(["seed", "--data-dir", dataDir, "--experts", String(experts), "--clients", String(clients), "--today", today], env);
  if (seeded.code !== 0) throw new Error(`ft seed failed (${seeded.code}): ${seeded.stderr}`);
  return {
    root, dataDir, env, database: join(dataDir, "financialtracker.sqlite"),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** `ft serve` on a data directory: start (random port), stop, restart on the same port. */
export class FTServer {
  /** @param {{dataDir: string, env: Record<string, string>, random?: () => number, options?: string[]}} options `options`: more for `ft serve` */
  constructor({ dataDir, env, random = Math.random, options = [] }) {
    this.dataDir = dataDir;
    this.options = options;
    this.env = env;
    this.random = random;
    /** @type {import("node:child_process").ChildProcess | null} */
    this.child = null;
    this.port = 0;
    this.log = "";
    this.onExit = () => this.child?.kill("SIGKILL");
    process.on("exit", this.onExit);
  }

  get baseURL() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts on a random free port (or `port`, for a restart), answering once /healthz does. @param {number} [port] */
  async start(port) {
    for (let attempt = 0; attempt < 12; attempt++) {
      const chosen = port ?? 20000 + Math.floor(this.random() * 20000);
      if (await this.tryStart(chosen)) return this;
      if (port !== undefined) await sleep(250 * (attempt + 1)); // the old socket may linger a moment
    }
    throw new Error(`ft serve did not start:\n${this.log.slice(-2000)}`);
  }

  /** @param {number} port */
  async tryStart(port) {
    await waitForBinary();
    const publicDir = join(this.dataDir, "public");
    const child = spawn(FT_BINARY, ["serve", "--data-dir", this.dataDir, "--port", String(port), "--public", publicDir, "--no-rebuild", "--compact-days", "0", "--archive-every", "0", ...this.options], {
      env: { ...process.env, ...this.env }, stdio: ["ignore", "pipe", "pipe"],
    });
    let serving = false;
    let exited = false;
    child.on("exit", () => { exited = true; });
    child.on("error", () => { exited = true; });
    const collect = (chunk) => {
      this.log += chunk.toString();
      if (this.log.length > 200_000) this.log = this.log.slice(-100_000);
      if (this.log.includes(`:${port}/`)) serving = true;
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    for (let waited = 0; waited < 15_000 && !exited; waited += 50) {
      if (serving) {
        try {
          const answer = await fetch(`http://127.0.0.1:${port}/healthz`);
          if (answer.ok && !exited) {
            this.child = child;
            this.port = port;
            return true;
          }
        } catch {
          // not listening yet
        }
      }
      await sleep(50);
    }
    child.kill("SIGKILL");
    return false;
  }

  /**
   * Stops the server (SIGTERM, then SIGKILL after 10 s) and waits for it to exit; throws if it
   * did not end cleanly (exit 0) — a crash on the way out is a bug like any other.
   */
  async stop() {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    child.kill("SIGTERM");
    let killed = false;
    const timer = setTimeout(() => { killed = true; child.kill("SIGKILL"); }, 10_000);
    const exit = await exited;
    clearTimeout(timer);
    if (killed) throw new Error(`ft serve was still running 10 s after SIGTERM:\n${this.log.slice(-2000)}`);
    if (exit.code !== 0) throw new Error(`ft serve exited with ${exit.code ?? exit.signal} after SIGTERM:\n${this.log.slice(-3000)}`);
  }

  async restart() {
    await this.stop();
    await this.start(this.port);
  }

  /** Stops the server for good. */
  async close() {
    await this.stop();
    process.off("exit", this.onExit);
  }
}

/**
 * `ft compact` on the data directory (the server may be running: SQLite's WAL lets a second
 * process write). Resolves the command's output; throws if it failed.
 * @param {{dataDir: string, env: Record<string, string>}} data @param {string[]} [extra]
 */
export async function compact({ dataDir, env }, extra = []) {
  const result = await ft(["compact", "--data-dir", dataDir, "--changes-days", "0", ...extra], env);
  if (result.code !== 0) throw new Error(`ft compact failed (${result.code}): ${result.stderr}${result.stdout}`);
  return result.stdout.trim();
}
