"""What the notification benchmarks share (.ci/bench-notify.py by push, .ci/bench-mail.py by
e-mail): a seeded database, the release `ft serve` on it, the wait for the document indexer's
first pass, and one announcement to the clients posted as an admin's browser does."""
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "Tests", "notifications"))
from support import free_port, wait_for  # noqa: E402,F401  (free_port and wait_for are the benchmarks' too)


def get(url):
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.load(answer)


def answers(port, path="/healthz"):
    try:
        return get(f"http://127.0.0.1:{port}{path}") is not None
    except OSError:
        return False


def seeded(ft, prefix, clients):
    """A folder holding a demo database with `clients` clients and 50 experts, under a document key
    of its own: (root, data folder, environment for `ft`, database path)."""
    root = tempfile.mkdtemp(prefix=prefix)
    data = os.path.join(root, "data")
    environment = {**os.environ, "FT_DOCUMENT_KEY": base64.b64encode(os.urandom(32)).decode()}
    subprocess.run([ft, "seed", "--data-dir", data, "--experts", "50", "--clients", str(clients)], check=True, stdout=subprocess.DEVNULL, env=environment)
    return root, data, environment, os.path.join(data, "financialtracker.sqlite")


def serve(ft, root, data, environment, *options):
    """`ft serve` on the data (no site rebuild, no compaction, archiving, alerts or quiet hours)
    with `options`, once it answers: (process, port). FT_PERF=FILE runs it under `perf record`."""
    port = free_port()
    log = os.path.join(root, "serve.log")
    profile = ["perf", "record", "-F", "999", "-o", os.environ["FT_PERF"], "--"] if os.environ.get("FT_PERF") else []
    process = subprocess.Popen([*profile, ft, "serve", "--data-dir", data, "--port", str(port), "--public", os.path.join(root, "public"), "--no-rebuild",
                                "--compact-days", "0", "--archive-every", "0", "--quiet-hours", "none", "--alert-interval", "0", *options],
                               env=environment, stdout=subprocess.DEVNULL, stderr=open(log, "ab"))
    if not wait_for(lambda: process.poll() is None and answers(port), 30, 0.1):
        process.terminate()
        raise SystemExit("ft serve did not start:\n" + open(log, errors="replace").read()[-2000:])
    return process, port


def wait_indexed(db, label):
    """The document indexer's first pass over the seeded versions runs at start: measured beside
    it, the deliveries would share the two cores with it."""
    left = lambda: db.execute("SELECT count(*) FROM documentVersion v WHERE NOT EXISTS (SELECT 1 FROM documentText t WHERE t.versionId = v.id)").fetchone()[0]
    waited = time.time()
    indexed = wait_for(lambda: left() == 0, 900, 1)
    print(f"{label}: waited {time.time() - waited:.0f} s for the seeded documents to be indexed ({'done' if indexed else f'{left()} versions left'})")


def admin_token(port):
    return post_json(port, "/api/v1/session", {"email": "admin@financialtracker.example", "password": "demo-financialtracker"})["token"]


def announce(port, token, channel):
    """Posts an announcement to the clients on `channel` (email or push) to the announcements page
    as an admin's browser does; returns when it was answered (time.time())."""
    form = urllib.parse.urlencode({"title": "Annonce", "body": "Les nouveaux barèmes 2027 sont en ligne.", "role": "client", "channels": channel}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/admin/annonces/envoyer", data=form, method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/x-www-form-urlencoded"})
    try:
        urllib.request.build_opener(NoRedirect).open(request, timeout=60)
    except urllib.error.HTTPError as error:
        if error.code != 303:
            raise SystemExit(f"the announcement was refused: {error.code} {error.read()[:300]}")
    return time.time()


def post_json(port, path, body):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "FT-Protocol": "1"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
