"""`make bench`: sign-ins beside sync (issue 19: "50 sign-ins at once do not raise the
one-operation push p99 by more than 2×").

Seeds a small database, starts the release `ft serve`, and measures the p99 of 200 one-operation
pushes a second (.ci/load.mjs paced, 10 clients × 20/s) alone, then while 50 sign-ins arrive at
once (each a PBKDF2 check of 600,000 rounds, which the server runs one at a time on a thread at
nice 10), and prints both with their ratio and how long the 50 sign-ins took.

Usage: python3 .ci/bench-signin.py path/to/ft
"""
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request

from announcement_bench import HERE, seeded, serve, wait_indexed
import sqlite3

FT = os.path.abspath(sys.argv[1])


def sign_in(port, results):
    started = time.perf_counter()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/session", method="POST", headers={"Content-Type": "application/json"},
                                     data=json.dumps({"email": "expert@financialtracker.example", "password": "demo-financialtracker"}).encode())
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            results.append((answer.status, time.perf_counter() - started))
    except urllib.error.HTTPError as error:
        results.append((error.code, time.perf_counter() - started))


def main():
    root, data, environment, database = seeded(FT, "ft-bench-signin-", 200)
    server = None
    try:
        server, port = serve(FT, root, data, environment, "--no-mail", "--no-push")
        wait_indexed(sqlite3.connect(database), "sign-ins")

        def pushes(seconds):
            return subprocess.Popen(["node", os.path.join(HERE, "load.mjs"), str(port), "paced", "10", "20", str(seconds)], stdout=subprocess.PIPE, text=True)

        def p99(process):
            line = process.communicate()[0].strip().splitlines()[-1]
            return line, float(line.split("p99 ")[1].split(" ms")[0])
        p99(pushes(3))  # warm-up
        quiet_line, quiet = p99(pushes(8))
        busy = pushes(8)
        time.sleep(0.5)
        results = []
        threads = [threading.Thread(target=sign_in, args=(port, results)) for _ in range(50)]
        for thread in threads:
            thread.start()
        busy_line, during = p99(busy)
        for thread in threads:
            thread.join()
        statuses = sorted({status for status, _ in results})
        print(f"sign-ins: 50 at once, answered {statuses}, the last after {max(s for _, s in results):.1f} s (checked one at a time on the heavy-work thread, nice 10)")
        print(f"sign-ins: sync pushes alone: {quiet_line}")
        print(f"sign-ins: sync pushes during the 50 sign-ins: {busy_line}")
        print(f"sign-ins: sync push p99 {during:.2f} ms during the sign-ins against {quiet:.2f} ms alone: {during / quiet:.2f}× (target: at most 2×)")
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
