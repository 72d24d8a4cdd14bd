// SIGTERM while the server works in the background: `ft serve` starts indexing the documents'
// text at once (the seed leaves every version unindexed); a SIGTERM in the middle must end the
// server cleanly (exit 0, within 5 s), never with a crash. Before the fix, the database closed
// under the indexer's read and the server died of a bad pointer (exit 139) on every try.
//
//   node --test Tests/sync/shutdown.test.mjs
//
// Needs the built binary (.build/debug/ft or FT_BINARY; never built here) and the sqlite3 tool.
import { test } from "node:test";
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { FTServer, hasSqlite3, seededDataDir, sqliteRows } from "./support/ft-server.mjs";
import { execFileSync } from "node:child_process";

const ROUNDS = 4;

test("SIGTERM during document indexing ends the server cleanly", { timeout: 300_000 }, async (t) => {
  if (!(await hasSqlite3())) return t.skip("no sqlite3 tool");
  const data = await seededDataDir({ experts: 12, clients: 40 });
  const server = new FTServer(data);
  try {
    const [{ versions }] = await sqliteRows(data.database, "SELECT count(*) AS versions FROM documentVersion");
    assert.ok(versions >= 50, `the seed made only ${versions} document versions`);
    for (let round = 1; round <= ROUNDS; round++) {
      // Everything to index again, so that the indexer is at work when the signal comes.
      execFileSync("sqlite3", [data.database, "DELETE FROM documentTerm; DELETE FROM documentText;"]);
      await server.start();
      const child = server.child;
      const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
      await new Promise((resolve) => setTimeout(resolve, 30 * round));
      const [{ indexed }] = await sqliteRows(data.database, "SELECT count(*) AS indexed FROM documentText");
      const termAt = performance.now();
      child.kill("SIGTERM");
      const exit = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve(null), 5_000))]);
      const milliseconds = performance.now() - termAt;
      server.child = null;
      if (exit === null) child.kill("SIGKILL");
      assert.notEqual(exit, null, `round ${round}: still running 5 s after SIGTERM\n${server.log.slice(-2000)}`);
      assert.deepEqual(exit, { code: 0, signal: null }, `round ${round}: exit ${exit.code ?? exit.signal} after SIGTERM with ${indexed} of ${versions} versions indexed\n${server.log.slice(-3000)}`);
      assert.doesNotMatch(server.log, /crashed/i, `round ${round}: the server reported a crash`);
      console.log(`round ${round}: SIGTERM with ${indexed} of ${versions} versions indexed: exit 0 in ${milliseconds.toFixed(0)} ms`);
      server.log = "";
    }
  } finally {
    await server.close();
    data.remove();
  }
});
