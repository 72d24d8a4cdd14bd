"""`make bench`: the notifications pipeline under one event to many recipients.

Seeds a database with RECIPIENTS clients (and 50 experts), gives every user one push
subscription whose endpoint is a local push service (.ci/push-sink.mjs, Node), starts the release
`ft serve` (--unsafe-push-endpoints: the sink is on loopback), then sends one announcement to the
clients by push, as an admin does from /admin/annonces.html (one notification per user, written in
one transaction), and measures:
- queued: from the announcement's answer until the fan-out has made every push delivery (target:
  under 1 s for 10,000);
- delivered: the rate at which the push service receives them, encrypted and signed (target:
  1,000/s), beside the floor: the same push service under wrk (4 KB POSTs, 32 connections), which
  no sender can beat on this machine;
- sync pushes beside them: the p99 of 200 one-operation pushes a second, alone, during the
  deliveries (target: within 1.10× alone), and beside one core kept busy by another process (the
  floor: the deliveries take more processor time than that, printed per process).

Usage: python3 .ci/bench-notify.py path/to/ft [RECIPIENTS]
"""
import base64
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.request

from announcement_bench import HERE, admin_token, announce, answers, get, seeded, serve, free_port, wait_for, wait_indexed

FT = os.path.abspath(sys.argv[1])
RECIPIENTS = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000


def cpu_seconds(pid):
    """User and system processor time of a process, all its threads (from /proc)."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    root, data, environment, database = seeded(FT, "ft-bench-notify-", RECIPIENTS)
    processes = []
    try:
        sink_port = free_port()
        processes.append(subprocess.Popen(["node", os.path.join(HERE, "push-sink.mjs"), str(sink_port)]))
        # A browser key (any P-256 point serves: nobody decrypts here), one subscription per user.
        point = base64.urlsafe_b64decode("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4=")
        db = sqlite3.connect(database)
        users = [row[0] for row in db.execute("SELECT id FROM user WHERE role = 'client' AND active = 1 ORDER BY id LIMIT ?", (RECIPIENTS,))]
        db.executemany("INSERT INTO pushSubscription (userId, endpoint, p256dh, auth, createdAt) VALUES (?, ?, ?, ?, '2026-12-01 00:00:00.000')",
                       [(user, f"http://127.0.0.1:{sink_port}/p/{user}", point, os.urandom(16)) for user in users])
        db.commit()
        server, port = serve(FT, root, data, environment, "--no-mail", "--push-interval", "2", "--unsafe-push-endpoints",
                             "--push-concurrency", os.environ.get("FT_PUSH_CONCURRENCY", "32"))
        processes.append(server)
        if not wait_for(lambda: answers(sink_port, "/stats"), 10, 0.1):
            raise SystemExit("the push sink did not start")
        wait_indexed(db, "notifications")

        # The floor: the sink's own pace under wrk.
        floor = subprocess.run(["wrk", "-t2", "-c32", "-d5s", "-s", os.path.join(HERE, "push-sink.lua"), f"http://127.0.0.1:{sink_port}/p/floor"],
                               capture_output=True, text=True).stdout
        floor_rate = next((float(line.split()[1]) for line in floor.splitlines() if line.startswith("Requests/sec:")), 0.0)

        # Sync pushes beside the deliveries: 200 one-operation pushes a second from the demo
        # client (a steady load, not a saturating one), alone, then while the announcement is
        # fanned out and delivered.

        def pushes(seconds):
            # .ci/load.mjs paced: 10 clients × 20 pushes/s, each timed from its request to its answer.
            return subprocess.Popen(["node", os.path.join(HERE, "load.mjs"), str(port), "paced", "10", "20", str(seconds)], stdout=subprocess.PIPE, text=True)

        def p99(process):
            line = process.communicate()[0].strip().splitlines()[-1]
            return line, float(line.split("p99 ")[1].split(" ms")[0])
        quiet_line, quiet_p99 = p99(pushes(8))

        # The floor under "within 10 %": the same paced pushes while one core does work that is
        # not ft's (a busy loop in another process). The deliveries cost at least that much CPU on
        # this machine (measured below), so no sender here can leave the pushes' p99 lower.
        burner = subprocess.Popen([sys.executable, "-c", "import time\nend = time.time() + 9\nwhile time.time() < end: pass"])
        burn_line, burn_p99 = p99(pushes(8))
        burner.wait()

        # One event to every recipient: an admin's announcement to the clients, by push, posted
        # to the announcements page as an admin's browser does.
        token = admin_token(port)
        # Counted from here: the pushes of the announcement only.
        urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{sink_port}/reset", method="POST"), timeout=10).close()
        before = 0
        busy = pushes(8)
        cpu_before = {name: cpu_seconds(process.pid) for name, process in (("ft serve", server), ("push sink", processes[0]))}
        start = time.time()
        written = announce(port, token, "push")
        sent = db.execute("SELECT recipients FROM announcement ORDER BY id DESC LIMIT 1").fetchone()[0]
        if sent != len(users):
            print(f"notifications: the announcement reached {sent:,} users, not {len(users):,}")
        reader = sqlite3.connect(database)
        queued = wait_for(lambda: reader.execute("SELECT count(*) FROM notificationDelivery WHERE channel = 'push'").fetchone()[0] >= len(users) and time.time(), 60, 0.01)
        done = wait_for(lambda: get(f"http://127.0.0.1:{sink_port}/stats")["count"] - before >= len(users) and time.time(), 300, 0.05)
        stats = get(f"http://127.0.0.1:{sink_port}/stats")
        spent = {name: cpu_seconds(process.pid) - cpu_before[name] for name, process in (("ft serve", server), ("push sink", processes[0]))}
        busy_line, busy_p99 = p99(busy)
        print(f"notifications: one announcement to {len(users):,} recipients written and answered in {written - start:.2f} s")
        if queued:
            print(f"notifications: {len(users):,} push deliveries queued {queued - written:.2f} s after the announcement was answered "
                  f"(target 1 s; the commit wakes the push worker; polled every 10 ms)")
        else:
            print("notifications: the push deliveries were not all queued within 60 s")
        if done:
            sending = (stats["last"] - stats["first"]) / 1000 if stats["first"] else 0
            rate = len(users) / max(sending, 1e-6)
            print(f"notifications: {len(users):,} pushes delivered, encrypted and signed, in {done - written:.2f} s after the commit; "
                  f"{rate:,.0f} pushes/s from first to last (target 1,000/s); push service floor (wrk, 4 KB POSTs, 32 connections) "
                  f"{floor_rate:,.0f} requests/s: {rate / floor_rate:.2f}× the floor" if floor_rate else "")
        else:
            print(f"notifications: only {stats['count'] - before:,} of {len(users):,} pushes arrived within 300 s")
        print(f"notifications: sync pushes alone: {quiet_line}")
        print(f"notifications: sync pushes during the first 8 s of the fan-out and delivery: {busy_line}")
        print(f"notifications: sync push p99 {busy_p99:.2f} ms during the deliveries against {quiet_p99:.2f} ms alone: "
              f"{busy_p99 / quiet_p99:.2f}× (target: within 1.10×)")
        if done:
            elapsed = max(done - start, 1e-6)
            print("notifications: processor time during the deliveries: " + ", ".join(f"{name} {seconds:.2f} s ({seconds / elapsed:.2f} of a core)" for name, seconds in spent.items()))
        print(f"notifications: floor, sync pushes while one core runs a busy loop of another process: {burn_line}")
        print(f"notifications: sync push p99 {burn_p99:.2f} ms beside one busy core: {burn_p99 / quiet_p99:.2f}× alone; "
              f"the deliveries: {busy_p99 / burn_p99:.2f}× that floor")
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=15)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
