// SQLite's floor under a push: the statements the push writer runs for each new message, from C,
// with nothing else around them (no HTTP, no JSON, no Swift), on a copy of the seeded database.
// `ft serve`'s writer is one thread, so its rate can never pass 1 / (this time per operation).
//
//   cc -O2 -o /tmp/push-floor .ci/push-floor.c -lsqlite3
//   /tmp/push-floor DATABASE [operations=100000] [extra SQL run first, e.g. "DROP INDEX …"]
//
// Per transaction: 4 pushes of 100 new messages (what `wrk -c4` with FT_BATCH=100 makes the
// writer group), each push first asking the log which of its ids it has answered before, then per
// operation: the message lookup (is it known?), the log insert (`syncChange`), the message upsert
// (its indexes, foreign keys, triggers and search listing), then the search indexing and the
// commit, as `AppDatabase.push(group:now:)` does (synchronous = FULL, no automatic checkpoint:
// the server's checkpoints run on a thread of their own). The SQL is copied from
// Sources/FTStore/Sync (PushStatements, MessageMergeState.upsert, earlierAnswers,
// DeferredMessageSearch): change it here when it changes there.
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static sqlite3 *db;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void run(const char *sql) {
  char *error = 0;
  if (sqlite3_exec(db, sql, 0, 0, &error) != SQLITE_OK) {
    fprintf(stderr, "push-floor: %s: %s\n", sql, error);
    exit(1);
  }
}

static sqlite3_stmt *prepare(const char *sql) {
  sqlite3_stmt *statement;
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &statement, 0) != SQLITE_OK) {
    fprintf(stderr, "push-floor: %s: %s\n", sql, sqlite3_errmsg(db));
    exit(1);
  }
  return statement;
}

static void step(sqlite3_stmt *statement) {
  int code;
  while ((code = sqlite3_step(statement)) == SQLITE_ROW) {}
  if (code != SQLITE_DONE) {
    fprintf(stderr, "push-floor: %s\n", sqlite3_errmsg(db));
    exit(1);
  }
  sqlite3_reset(statement);
}

static void text(sqlite3_stmt *statement, int index, const char *value) {
  if (value) sqlite3_bind_text(statement, index, value, -1, SQLITE_STATIC);
  else sqlite3_bind_null(statement, index);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: push-floor DATABASE [operations=100000] [SQL run first]\n");
    return 2;
  }
  const int operations = argc > 2 ? atoi(argv[2]) : 100000, perPush = 100, perTransaction = 400;
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);  // as `ft` does (AppDatabase.sqliteTuning)
  if (sqlite3_open(argv[1], &db) != SQLITE_OK) {
    fprintf(stderr, "push-floor: cannot open %s\n", argv[1]);
    return 1;
  }
  run("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 0");
  if (argc > 3) run(argv[3]);

  // The demo client's first conversation, as the benchmark's pushes use.
  sqlite3_stmt *demo = prepare(
      "SELECT c.id, c.dossierId, u.id FROM user u JOIN client cl ON cl.userId = u.id JOIN dossier d ON d.clientId = cl.id "
      "JOIN conversation c ON c.dossierId = d.id WHERE u.email = 'client@financialtracker.example' ORDER BY c.id LIMIT 1");
  if (sqlite3_step(demo) != SQLITE_ROW) {
    fprintf(stderr, "push-floor: no demo client conversation in %s\n", argv[1]);
    return 1;
  }
  const sqlite3_int64 conversation = sqlite3_column_int64(demo, 0), dossier = sqlite3_column_int64(demo, 1), user = sqlite3_column_int64(demo, 2);
  sqlite3_finalize(demo);

  sqlite3_stmt *answered = prepare(
      "SELECT operationId, seq FROM syncChange WHERE operationId IN (SELECT value FROM json_each(?1)) "
      "UNION ALL SELECT operationId, seq FROM syncCompacted WHERE operationId IN (SELECT value FROM json_each(?1))");
  sqlite3_stmt *refused = prepare(
      "SELECT operationId, code, field, message FROM syncRejection WHERE operationId IN (SELECT value FROM json_each(?1)) AND userId IS ?2");
  sqlite3_stmt *find = prepare(
      "SELECT c.dossierId, m.authorId, m.conversationId, m.authorId, m.body, m.createdAt, m.editedAt, m.deletedAt, "
      "m.contentHlc, m.contentOperation, m.bodyHlc, m.bodyOperation, m.deletionHlc, m.deletionOperation "
      "FROM message m JOIN conversation c ON c.id = m.conversationId WHERE m.id = ?");
  sqlite3_stmt *log = prepare(
      "INSERT INTO syncChange (operationId, collection, record, action, fields, hlc, actorId, actorRole, dossierId, receivedAt) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  sqlite3_stmt *upsert = prepare(
      "INSERT INTO message (id, conversationId, authorId, body, createdAt, editedAt, deletedAt, hlc, authorRole, "
      "contentHlc, contentOperation, bodyHlc, bodyOperation, deletionHlc, deletionOperation) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, coalesce(?15, (SELECT role FROM user WHERE id = ?3)), ?9, ?10, ?11, ?12, ?13, ?14) "
      "ON CONFLICT (id) DO UPDATE SET body = excluded.body, editedAt = excluded.editedAt, deletedAt = excluded.deletedAt, "
      "hlc = excluded.hlc, contentHlc = excluded.contentHlc, contentOperation = excluded.contentOperation, "
      "bodyHlc = excluded.bodyHlc, bodyOperation = excluded.bodyOperation, "
      "deletionHlc = excluded.deletionHlc, deletionOperation = excluded.deletionOperation");
  sqlite3_stmt *defer = prepare("INSERT OR IGNORE INTO messageSearchDeferral (id) VALUES (1)");
  sqlite3_stmt *index = prepare(
      "INSERT INTO messageSearch(rowid, body) SELECT m.rowid, m.body FROM messageSearchPending p "
      "CROSS JOIN message m ON m.rowid = p.messageRowid WHERE m.deletedAt IS NULL");
  sqlite3_stmt *clearPending = prepare("DELETE FROM messageSearchPending");
  sqlite3_stmt *clearDeferral = prepare("DELETE FROM messageSearchDeferral");

  enum { EARLIER, FIND, LOG, MESSAGE, SEARCH, COMMIT, PARTS };
  double spent[PARTS] = {0};
  const long runId = (long)time(0);
  char id[64], hlc[64], fields[128], body[64], list[perPush * 40];
  const char *receivedAt = "2026-12-02 06:00:00.000";
  const double start = now();
  for (int done = 0; done < operations; done += perTransaction) {
    run("BEGIN IMMEDIATE");
    step(defer);
    for (int push = 0; push < perTransaction; push += perPush) {
      double t0 = now();
      char *cursor = list;
      *cursor++ = '[';
      for (int i = 0; i < perPush; i++) cursor += sprintf(cursor, "%s\"floor-%ld-%d\"", i ? "," : "", runId, done + push + i);
      strcpy(cursor, "]");
      text(answered, 1, list);
      step(answered);
      text(refused, 1, list);
      sqlite3_bind_int64(refused, 2, user);
      step(refused);
      spent[EARLIER] += now() - t0;
      for (int i = 0; i < perPush; i++) {
        const int n = done + push + i;
        sprintf(id, "floor-%ld-%d", runId, n);
        sprintf(hlc, "%016ld-%05d-floor", runId * 1000, n % 100000);
        sprintf(body, "message de charge %d", i + 1);
        sprintf(fields, "{\"body\":\"%s\",\"conversation\":%lld}", body, (long long)conversation);
        double t1 = now();
        text(find, 1, id);
        if (sqlite3_step(find) == SQLITE_ROW) {
          fprintf(stderr, "push-floor: %s exists already\n", id);
          return 1;
        }
        sqlite3_reset(find);
        double t2 = now();
        text(log, 1, id);
        text(log, 2, "message");
        text(log, 3, id);
        text(log, 4, "insert");
        text(log, 5, fields);
        text(log, 6, hlc);
        sqlite3_bind_int64(log, 7, user);
        text(log, 8, "client");
        sqlite3_bind_int64(log, 9, dossier);
        text(log, 10, receivedAt);
        step(log);
        double t3 = now();
        text(upsert, 1, id);
        sqlite3_bind_int64(upsert, 2, conversation);
        sqlite3_bind_int64(upsert, 3, user);
        text(upsert, 4, body);
        text(upsert, 5, receivedAt);
        text(upsert, 6, 0);
        text(upsert, 7, 0);
        text(upsert, 8, hlc);
        text(upsert, 9, hlc);
        text(upsert, 10, id);
        text(upsert, 11, hlc);
        text(upsert, 12, id);
        text(upsert, 13, 0);
        text(upsert, 14, 0);
        text(upsert, 15, "client");
        step(upsert);
        double t4 = now();
        spent[FIND] += t2 - t1;
        spent[LOG] += t3 - t2;
        spent[MESSAGE] += t4 - t3;
      }
    }
    double t5 = now();
    step(index);
    step(clearPending);
    step(clearDeferral);
    double t6 = now();
    run("COMMIT");
    spent[SEARCH] += t6 - t5;
    spent[COMMIT] += now() - t6;
  }
  const double perOperation = (now() - start) / operations * 1e6;
  printf("push SQL floor (C, one thread, %d operations in transactions of %d): %.1f µs per operation = %.0f ops/s at most; "
         "earlier answers %.1f, message lookup %.1f, log insert %.1f, message write %.1f, search indexing %.1f, commit %.1f µs\n",
         operations, perTransaction, perOperation, 1e6 / perOperation, spent[EARLIER] / operations * 1e6, spent[FIND] / operations * 1e6,
         spent[LOG] / operations * 1e6, spent[MESSAGE] / operations * 1e6, spent[SEARCH] / operations * 1e6, spent[COMMIT] / operations * 1e6);
  sqlite3_close(db);
  return 0;
}
