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
  no sender can beat on this machine.

Usage: python3 .ci/bench-notify.py path/to/ft [RECIPIENTS]
"""
import base64
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

FT = os.path.abspath(sys.argv[1])
RECIPIENTS = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "Tests", "notifications"))
from support import free_port, wait_for  # noqa: E402


def get(url):
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.load(answer)


def main():
    root = tempfile.mkdtemp(prefix="ft-bench-notify-")
    data = os.path.join(root, "data")
    environment = {**os.environ, "FT_DOCUMENT_KEY": base64.b64encode(os.urandom(32)).decode()}
    processes = []
    try:
        subprocess.run([FT, "seed", "--data-dir", data, "--experts", "50", "--clients", str(RECIPIENTS)], check=True, stdout=subprocess.DEVNULL, env=environment)
        sink_port = free_port()
        processes.append(subprocess.Popen(["node", os.path.join(HERE, "push-sink.mjs"), str(sink_port)]))
        database = os.path.join(data, "financialtracker.sqlite")
        # A browser key (any P-256 point serves: nobody decrypts here), one subscription per user.
        point = base64.urlsafe_b64decode("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4=")
        db = sqlite3.connect(database)
        users = [row[0] for row in db.execute("SELECT id FROM user WHERE role = 'client' AND active = 1 ORDER BY id LIMIT ?", (RECIPIENTS,))]
        db.executemany("INSERT INTO pushSubscription (userId, endpoint, p256dh, auth, createdAt) VALUES (?, ?, ?, ?, '2026-12-01 00:00:00.000')",
                       [(user, f"http://127.0.0.1:{sink_port}/p/{user}", point, os.urandom(16)) for user in users])
        db.commit()
        port = free_port()
        profile = ["perf", "record", "-F", "999", "-o", os.environ["FT_PERF"], "--"] if os.environ.get("FT_PERF") else []
        processes.append(subprocess.Popen([*profile, FT, "serve", "--data-dir", data, "--port", str(port), "--public", os.path.join(root, "public"), "--no-rebuild", "--no-mail",
                                           "--compact-days", "0", "--archive-every", "0", "--quiet-hours", "none", "--push-interval", "2", "--alert-interval", "0",
                                           "--unsafe-push-endpoints"], env=environment, stdout=subprocess.DEVNULL, stderr=open(os.path.join(root, "serve.log"), "ab")))
        if not wait_for(lambda: _answers(port), 30, 0.1) or not wait_for(lambda: _answers(sink_port, "/stats"), 10, 0.1):
            raise SystemExit("ft serve or the push sink did not start:\n" + open(os.path.join(root, "serve.log")).read()[-2000:])

        # The document indexer's first pass over the seeded versions runs at start: measured
        # beside it, the pushes would share the two cores with it.
        left = lambda: db.execute("SELECT count(*) FROM documentVersion v WHERE NOT EXISTS (SELECT 1 FROM documentText t WHERE t.versionId = v.id)").fetchone()[0]
        waited = time.time()
        indexed = wait_for(lambda: left() == 0, 900, 1)
        print(f"notifications: waited {time.time() - waited:.0f} s for the seeded documents to be indexed ({'done' if indexed else f'{left()} versions left'})")

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

        # One event to every recipient: an admin's announcement to the clients, by push, posted
        # to the announcements page as an admin's browser does.
        token = post_json(port, "/api/v1/session", {"email": "admin@financialtracker.example", "password": "demo-financialtracker"})["token"]
        form = urllib.parse.urlencode({"title": "Annonce", "body": "Les nouveaux barèmes 2027 sont en ligne.", "role": "client", "channels": "push"}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/admin/annonces/envoyer", data=form, method="POST",
                                         headers={"Authorization": f"Bearer {token}", "Content-Type": "application/x-www-form-urlencoded"})
        # Counted from here: the pushes of the announcement only.
        urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{sink_port}/reset", method="POST"), timeout=10).close()
        before = 0
        busy = pushes(8)
        start = time.time()
        try:
            urllib.request.build_opener(NoRedirect).open(request, timeout=60)
        except urllib.error.HTTPError as error:
            if error.code != 303:
                raise SystemExit(f"the announcement was refused: {error.code} {error.read()[:300]}")
        written = time.time()
        sent = db.execute("SELECT recipients FROM announcement ORDER BY id DESC LIMIT 1").fetchone()[0]
        if sent != len(users):
            print(f"notifications: the announcement reached {sent:,} users, not {len(users):,}")
        reader = sqlite3.connect(database)
        queued = wait_for(lambda: reader.execute("SELECT count(*) FROM notificationDelivery WHERE channel = 'push'").fetchone()[0] >= len(users) and time.time(), 60, 0.01)
        done = wait_for(lambda: get(f"http://127.0.0.1:{sink_port}/stats")["count"] - before >= len(users) and time.time(), 300, 0.05)
        stats = get(f"http://127.0.0.1:{sink_port}/stats")
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
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=15)
        shutil.rmtree(root, ignore_errors=True)


def post_json(port, path, body):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "FT-Protocol": "1"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _answers(port, path="/healthz"):
    try:
        return get(f"http://127.0.0.1:{port}{path}") is not None
    except OSError:
        return False


if __name__ == "__main__":
    main()
