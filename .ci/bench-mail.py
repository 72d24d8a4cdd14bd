"""`make bench`: e-mail delivery of one announcement to many recipients.

Seeds a database with RECIPIENTS clients (and 50 experts), starts the release `ft serve` with
`--smtp smtp://127.0.0.1:PORT` to a local SMTP server that takes and counts every e-mail
(.ci/smtp-sink.py, aiosmtpd), sends one announcement to the clients by e-mail, as an admin does
from /admin/annonces.html, and measures the rate at which the SMTP server receives them, first to
last (target: 500/s), beside the floor: the same SMTP server fed by .ci/smtp-floor.c, a C sender
that does no work (4 connections, one SMTP session each, e-mails of the announcement's size),
which no sender can beat on this machine; and the same sender with an SMTP session per e-mail.
Every e-mail is counted: the run says so when the server did not get one per recipient who takes
announcements by e-mail (the default), or got more.

Usage: python .ci/bench-mail.py path/to/ft [RECIPIENTS [RUNS]]  (needs aiosmtpd and a C compiler)
"""
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request

from announcement_bench import HERE, admin_token, announce, answers, free_port, get, seeded, serve, wait_for, wait_indexed

FT = os.path.abspath(sys.argv[1])
RECIPIENTS = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
RUNS = int(sys.argv[3]) if len(sys.argv) > 3 else 3


def main():
    root, data, environment, database = seeded(FT, "ft-bench-mail-", RECIPIENTS)
    processes = []
    try:
        floor_binary = os.path.join(root, "smtp-floor")
        subprocess.run([os.environ.get("CC", "cc"), "-O2", "-o", floor_binary, os.path.join(HERE, "smtp-floor.c")], check=True)
        smtp_port, stats_port = free_port(), free_port()
        processes.append(subprocess.Popen([sys.executable, os.path.join(HERE, "smtp-sink.py"), str(smtp_port), str(stats_port)]))
        if not wait_for(lambda: answers(stats_port, "/stats"), 10, 0.1):
            raise SystemExit("the SMTP server did not start (is aiosmtpd installed?)")
        stats = lambda: get(f"http://127.0.0.1:{stats_port}/stats")
        reset = lambda: urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{stats_port}/reset", method="POST"), timeout=10).close()

        server, port = serve(FT, root, data, environment, "--smtp", f"smtp://127.0.0.1:{smtp_port}", "--no-push")
        processes.append(server)
        db = sqlite3.connect(database)
        wait_indexed(db, "e-mail")
        # Who takes announcements by e-mail: every active client but those who turned them off.
        expected = db.execute("""
            SELECT count(*) FROM user u WHERE u.role = 'client' AND u.active = 1 AND NOT EXISTS (
              SELECT 1 FROM notificationPreference p WHERE p.userId = u.id AND p.kind = 'announcement' AND p.channel = 'email' AND p.enabled = 0)
            """).fetchone()[0]
        token = admin_token(port)

        rates, floors, each_floors = [], [], []
        for run in range(1, RUNS + 1):
            # Whatever the server still had to send (nothing, after the seed) is over.
            wait_for(lambda: _quiet(stats), 30, 0.5)
            reset()
            written = announce(port, token, "email")
            sent = db.execute("SELECT recipients FROM announcement ORDER BY id DESC LIMIT 1").fetchone()[0]
            done = wait_for(lambda: stats()["count"] >= expected and time.time(), 600, 0.05)
            time.sleep(1)  # Anything more would show now.
            received = stats()
            if not done or received["count"] != expected or received["recipients"] != expected:
                print(f"e-mail run {run}: the SMTP server got {received['count']:,} e-mails to {received['recipients']:,} recipients, "
                      f"not one to each of the {expected:,} clients who take announcements by e-mail ({sent:,} in the segment)")
                continue
            sending = max((received["last"] - received["first"]) / 1000, 1e-6)
            rate = expected / sending
            size = received["bytes"] // expected
            # The floor: the same SMTP server, at once, fed by a sender that does no work.
            floor = _floor(floor_binary, smtp_port, 4, expected, size, "session")
            each = _floor(floor_binary, smtp_port, 4, expected, size, "each")
            rates.append(rate)
            floors.append(floor)
            each_floors.append(each)
            print(f"e-mail run {run}: {expected:,} e-mails of {size:,} bytes received in {done - written:.2f} s after the announcement "
                  f"was answered; {rate:,.0f}/s first to last; floor {floor:,.0f}/s (one session per connection), "
                  f"{each:,.0f}/s (one session per e-mail)")
        if rates:
            rate, floor, each = statistics.median(rates), statistics.median(floors), statistics.median(each_floors)
            print(f"e-mail: one announcement to {expected:,} clients through SMTP: median {rate:,.0f} e-mails/s first to last over {len(rates)} runs "
                  f"(target 500/s: {rate / 500:.2f}×); SMTP server floor (aiosmtpd fed by .ci/smtp-floor.c, 4 connections) {floor:,.0f}/s "
                  f"with one SMTP session per connection: {rate / floor:.2f}× the floor; {each:,.0f}/s with a session per e-mail: {rate / each:.2f}×")
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=15)
        shutil.rmtree(root, ignore_errors=True)


def _quiet(stats):
    """True once the SMTP server got nothing for a second."""
    before = stats()["count"]
    time.sleep(1)
    return stats()["count"] == before


def _floor(binary, port, connections, messages, size, mode):
    line = subprocess.run([binary, str(port), str(connections), str(messages), str(size), mode], capture_output=True, text=True, check=True).stdout
    return float(line.rsplit(": ", 1)[1].split()[0])


if __name__ == "__main__":
    main()
