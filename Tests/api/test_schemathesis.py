"""Schemathesis against a running `ft serve` (debug build, a small seeded SQLite file) on the
endpoints people reach from outside the app: accounts, password resets, account deletion, expert applications and
profiles, the bio preview; and the sync push (every collection, dossiers and offers included) and the
attachments' preview. It generates bodies from `docs/openapi.json` — valid, invalid, edge
cases — and fails on any server error (5xx) or any answer that does not match the document
(status, schema, content type).

Signed in as the demo expert (their token on every request: the profile endpoints answer for
them; the anonymous ones ignore it). Reproducible: a fixed seed and example count.

Usage: python Tests/api/test_schemathesis.py path/to/ft   (exits non-zero on any failure)
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/debug/ft")
SCHEMATHESIS = os.path.join(os.path.dirname(sys.executable), "schemathesis")
PATHS = r"^/api/v1/(accounts|password-resets|expert-applications|markdown-preview|me/expert-profile|me/password|me/deletion|sync/push|documents/versions/[^/]+/preview)"


def free_port():
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main():
    folder = tempfile.mkdtemp(prefix="ft-schemathesis-")
    data = os.path.join(folder, "data")
    environment = dict(os.environ, FT_DOCUMENT_KEY=base64.b64encode(os.urandom(32)).decode())
    subprocess.run([FT, "seed", "--data-dir", data, "--experts", "5", "--clients", "5"], check=True, stdout=subprocess.DEVNULL, env=environment)
    port = free_port()
    log = os.path.join(folder, "serve.log")
    server = subprocess.Popen([FT, "serve", "--data-dir", data, "--port", str(port), "--public", os.path.join(folder, "public"), "--no-rebuild", "--no-mail",
                               "--templates", os.path.join(ROOT, "site-templates")], stdout=subprocess.DEVNULL, stderr=open(log, "ab"), env=environment)
    code = 1
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/session", method="POST", headers={"Content-Type": "application/json"},
                                         data=json.dumps({"email": "expert@financialtracker.example", "password": "demo-financialtracker"}).encode())
        token = json.load(urllib.request.urlopen(request, timeout=30))["token"]
        command = [SCHEMATHESIS, "run", os.path.join(ROOT, "docs", "openapi.json"), "--url", f"http://127.0.0.1:{port}",
                   "--include-path-regex", PATHS,
                   "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
                   "--phases", "examples,coverage,fuzzing", "--max-examples", "40", "--seed", "19", "--workers", "1",
                   "--header", f"Authorization: Bearer {token}", "--no-color", "--request-timeout", "30"]
        started = time.time()
        code = subprocess.run(command, cwd=folder).returncode
        print(f"schemathesis: exit {code} after {time.time() - started:.0f} s")
        if server.poll() is not None:
            print("ft serve stopped during the run:\n" + open(log, errors="replace").read()[-2000:])
            code = code or 1
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
