"""An acknowledged push is on disk: every push answer leaves the server only after the commit that
holds it has been synced (fsync/fdatasync of the write-ahead log), so it survives a power cut, not
only a crash of the process.

Runs a real `ft serve` under strace, pushes one operation at a time (each waits for its answer),
and reads the trace: between two answers there must be a sync of the `-wal` file, and it must come
before the answer is written. With `PRAGMA synchronous = NORMAL` SQLite syncs the log only at
checkpoints, and this test fails.

    python3 Tests/durability/test_durability.py .build/debug/ft
"""
import base64
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

FT = sys.argv[1] if len(sys.argv) > 1 else ".build/debug/ft"
PUSHES = 20


def call(port, method, path, body=None, token=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    request.add_header("FT-Protocol", "1")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, data=data, timeout=10) as response:
        return json.loads(response.read() or b"null")


def main():
    if shutil.which("strace") is None:
        print("durability: strace is not installed (make deps installs it)")
        print("0 passed, 1 failed")
        sys.exit(1)
    folder = tempfile.mkdtemp(prefix="ft-durability-")
    try:
        data = os.path.join(folder, "data")
        environment = dict(os.environ, FT_DOCUMENT_KEY=base64.b64encode(os.urandom(32)).decode())
        subprocess.run([FT, "seed", "--data-dir", data, "--experts", "5", "--clients", "10"], check=True, stdout=subprocess.DEVNULL, env=environment)
        port = random.randint(20000, 40000)
        trace = os.path.join(folder, "trace.txt")
        server = subprocess.Popen(
            ["strace", "-f", "-y", "-s", "200", "-e", "trace=fsync,fdatasync,write,writev,sendmsg,sendto", "-o", trace,
             FT, "serve", "--data-dir", data, "--port", str(port), "--public", os.path.join(folder, "public"), "--no-rebuild"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment)
        try:
            for _ in range(400):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                    break
                except OSError:
                    time.sleep(0.05)
            token = call(port, "POST", "/api/v1/session", {"email": "client@financialtracker.example", "password": "demo-financialtracker"})["token"]
            dossiers = call(port, "GET", "/api/v1/me/dossiers", token=token)
            items = dossiers["dossiers"] if isinstance(dossiers, dict) else dossiers
            conversation = next(d["conversation"] for d in items if d.get("conversation"))
            accepted = 0
            for n in range(PUSHES):
                hlc = f"{int(time.time() * 1000):016d}-00000-durability"
                answer = call(port, "POST", "/api/v1/sync/push", {"operations": [{
                    "id": f"durable-{n}", "collection": "message", "action": "insert", "record": f"durable-m{n}",
                    "fields": {"conversation": conversation, "body": f"Message {n}"}, "hlc": hlc}]}, token=token)
                accepted += answer["results"][0]["status"] == "accepted"
        finally:
            # SIGTERM to the server itself (strace, its parent, passes nothing on), then strace ends.
            children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
            for child in children:
                subprocess.run(["kill", "-TERM", child])
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

        # Read the trace in order: a sync of the log completes on its line (or on its "resumed"
        # line); an answer is a write to a TCP socket holding "results".
        synced_since_last_answer = False
        answers = 0
        unsynced = []
        with open(trace, encoding="utf-8", errors="replace") as lines:
            for line in lines:
                if re.search(r"f(data)?sync\(\d+<[^>]*-wal>", line) or re.search(r"<\.\.\. f(data)?sync resumed>", line):
                    if "unfinished" not in line:
                        synced_since_last_answer = True
                elif re.search(r"(write|writev|sendmsg|sendto)\(\d+<(TCP|socket)", line) and "results" in line:
                    answers += 1
                    if not synced_since_last_answer:
                        unsynced.append(line.strip()[:160])
                    synced_since_last_answer = False
        failures = []
        if accepted != PUSHES:
            failures.append(f"{accepted} of {PUSHES} pushes accepted")
        if answers != PUSHES:
            failures.append(f"found {answers} push answers in the trace, expected {PUSHES}")
        failures += [f"an answer left before its commit was synced: {line}" for line in unsynced]
        for failure in failures:
            print("FAIL:", failure)
        print(f"durability: {answers} push answers traced, {answers - len(unsynced)} after a sync of the write-ahead log")
        print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
        sys.exit(1 if failures else 0)
    finally:
        if os.environ.get("KEEP_TRACE"): print("kept", folder)
        else: shutil.rmtree(folder, True)


if __name__ == "__main__":
    main()
