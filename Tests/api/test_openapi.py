"""docs/openapi.json is a valid OpenAPI 3.1 document and tells the truth: a real `ft serve` on a
real SQLite file answers every documented operation with every documented status, and each JSON
body matches the documented schema. Exits non-zero on any failure.

Usage: python Tests/api/test_openapi.py [path/to/ft]   (default .build/debug/ft)
"""
import atexit
import base64
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_spec

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/debug/ft"))
SPEC = json.load(open(os.path.join(ROOT, "docs/openapi.json"), encoding="utf-8"))
failures = []
covered = set()


def deref(node):
    """Inlines every local $ref, so a schema can be checked on its own."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = SPEC
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return deref(target)
        return {key: deref(value) for key, value in node.items()}
    if isinstance(node, list):
        return [deref(item) for item in node]
    return node


def check(method, path, status, body, expected):
    """Records a failure unless `status` is `expected` and documented, and `body` fits its schema."""
    label = f"{method.upper()} {path} → {status}"
    if status != expected:
        failures.append(f"{label}: expected {expected}, body {body!r}")
        return
    operation = SPEC["paths"].get(path, {}).get(method)
    response = deref(operation["responses"].get(str(status))) if operation else None
    if response is None:
        failures.append(f"{label}: not documented")
        return
    covered.add((path, method, str(status)))
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        if response.get("content"):
            return  # documented as another type (an HTML page): not a JSON schema to check
        if body not in (None, b"", ""):
            failures.append(f"{label}: documented without a body, got {body!r}")
        return
    errors = sorted(OAS31Validator(schema).iter_errors(body), key=str)
    for error in errors[:3]:
        failures.append(f"{label}: {error.message} at {list(error.absolute_path)}")


def call(port, method, path, body=None, token=None, protocol="1", raw=None, headers=None, binary=False):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method.upper())
    request.add_header("Content-Type", "application/json")
    if protocol is not None:
        request.add_header("FT-Protocol", protocol)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(request, data=data, timeout=10) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read()
    if binary:
        return status, text
    return status, (json.loads(text) if text else None)


def main():
    validate_spec(SPEC)
    folder = tempfile.mkdtemp(prefix="ft-openapi-")
    atexit.register(shutil.rmtree, folder, True)
    data = os.path.join(folder, "data")
    environment = dict(os.environ, FT_DOCUMENT_KEY=base64.b64encode(os.urandom(32)).decode())
    subprocess.run([FT, "seed", "--data-dir", data, "--experts", "5", "--clients", "10", "--today", "2026-11-20"], check=True, stdout=subprocess.DEVNULL, env=environment)
    port = random.randint(20000, 40000)
    # --unsafe-push-endpoints: a push endpoint on this machine is accepted (none is called here).
    server = subprocess.Popen([FT, "serve", "--data-dir", data, "--port", str(port), "--public", os.path.join(folder, "public"), "--no-rebuild", "--max-upload", "1",
                               "--unsafe-push-endpoints"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment)
    try:
        wait_for(port)
        run(port, data)
        dossiers(port, data)
        unsubscribe(port, data)
        search_alerts(port, data)
        accounts(port, data)
        expert_profiles(port, data)
        push_subscriptions(port)
        account_deletion(port, data)
    finally:
        server.terminate()
        server.wait(timeout=10)
    # The same server without push: its push endpoints say so.
    server = subprocess.Popen([FT, "serve", "--data-dir", data, "--port", str(port + 1), "--public", os.path.join(folder, "public"), "--no-rebuild", "--no-push"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment)
    try:
        wait_for(port + 1)
        without_push(port + 1)
    finally:
        server.terminate()
        server.wait(timeout=10)

    documented = {(path, method, status) for path, item in SPEC["paths"].items() for method, operation in item.items() for status in operation["responses"]}
    for missing in sorted(documented - covered):
        failures.append(f"documented but not exercised: {missing[1].upper()} {missing[0]} → {missing[2]}")
    for failure in failures:
        print("FAIL", failure)
    print(f"openapi: {len(covered)} documented responses checked against a real server, {len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


def wait_for(port):
    for _ in range(200):
        try:
            if call(port, "get", "/healthz")[0] == 200:
                return
        except OSError:
            time.sleep(0.05)


def browser_keys():
    """A browser's push keys, as pushManager.subscribe makes them (base64url)."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    point = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    encode = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    return {"p256dh": encode(point), "auth": encode(os.urandom(16))}


def push_subscriptions(port):
    status, body = call(port, "get", "/api/v1/push/key", protocol=None)
    check("get", "/api/v1/push/key", status, body, 200)
    _, session = call(port, "post", "/api/v1/session", {"email": "expert@financialtracker.example", "password": "demo-financialtracker"})
    token = session["token"]
    path = "/api/v1/me/push-subscriptions"
    subscription = {"endpoint": f"http://127.0.0.1:{port}/push-service/openapi", "expirationTime": None, "keys": browser_keys()}
    status, body = call(port, "post", path, subscription, token=token)
    check("post", path, status, body, 201)
    # Server-side request forgery: a private address is refused, even with the test switch.
    status, body = call(port, "post", path, dict(subscription, endpoint="http://10.0.0.1/push"), token=token)
    check("post", path, status, body, 400)
    if status == 400 and body.get("field") != "endpoint":
        failures.append(f"a private endpoint's refusal names {body.get('field')!r}, not 'endpoint'")
    status, body = call(port, "post", path, dict(subscription, keys={"p256dh": "AAAA", "auth": "AAAA"}), token=token)
    check("post", path, status, body, 400)
    if status == 400 and body.get("field") != "keys.p256dh":
        failures.append(f"a malformed key's refusal names {body.get('field')!r}, not 'keys.p256dh'")
    status, body = call(port, "post", path, subscription)
    check("post", path, status, body, 401)
    status, body = call(port, "post", path, dict(subscription, padding="x" * 5_000), token=token)
    check("post", path, status, body, 413)
    status, body = call(port, "delete", path, {"endpoint": subscription["endpoint"]}, token=token)
    check("delete", path, status, body, 204)
    status, body = call(port, "delete", path, {"endpoint": subscription["endpoint"]}, token=token)
    check("delete", path, status, body, 404)
    status, body = call(port, "delete", path, raw=b"{oops", token=token)
    check("delete", path, status, body, 400)
    status, body = call(port, "delete", path, {"endpoint": subscription["endpoint"]})
    check("delete", path, status, body, 401)


def without_push(port):
    status, body = call(port, "get", "/api/v1/push/key", protocol=None)
    check("get", "/api/v1/push/key", status, body, 404)
    _, session = call(port, "post", "/api/v1/session", {"email": "expert@financialtracker.example", "password": "demo-financialtracker"})
    status, body = call(port, "post", "/api/v1/me/push-subscriptions", {"endpoint": "https://push.example.net/x", "keys": browser_keys()}, token=session["token"])
    check("post", "/api/v1/me/push-subscriptions", status, body, 404)


def metrics(port, client_token):
    """/metrics: open on loopback; through a proxy (X-Forwarded-For), admins only."""
    status, text = call(port, "get", "/metrics", binary=True)
    check("get", "/metrics", status, None, 200)
    page = text.decode()
    if "ft_http_request_duration_seconds_bucket" not in page or 'route="/api/v1/session"' not in page:
        failures.append(f"GET /metrics: no request histogram for POST /api/v1/session in {page[:300]!r}")
    proxied = {"X-Forwarded-For": "203.0.113.9"}
    status, body = call(port, "get", "/metrics", headers=proxied)
    check("get", "/metrics", status, body, 401)
    status, body = call(port, "get", "/metrics", token=client_token, headers=proxied)
    check("get", "/metrics", status, body, 403)
    _, session = call(port, "post", "/api/v1/session", {"email": "admin@financialtracker.example", "password": "demo-financialtracker"})
    status, text = call(port, "get", "/metrics", token=session["token"], headers=proxied, binary=True)
    check("get", "/metrics", status, None, 200)


def dossiers(port, data):
    """A client opens a dossier through sync: the push's answers, then the dossier in /me/dossiers
    (validated against the schema with its steps' titles, its history and its request id)."""
    import sqlite3
    db = sqlite3.connect(os.path.join(data, "financialtracker.sqlite"))
    product = db.execute("SELECT id FROM eligibleProduct WHERE code = 'BPI'").fetchone()[0]
    db.close()
    _, session = call(port, "post", "/api/v1/session", {"email": "client@financialtracker.example", "password": "demo-financialtracker"})
    token = session["token"]
    now = int(time.time() * 1000)
    fields = {"product": product, "description": "Un atelier neuf", "amount": 40000, "answers": '{"france":"oui"}'}
    operations = [
        {"id": "oa-dossier-1", "collection": "dossier", "action": "insert", "record": "oa-request-1", "fields": fields, "hlc": f"{now:016d}-00000-oa"},
        {"id": "oa-dossier-2", "collection": "dossier", "action": "insert", "record": "oa-request-2", "fields": dict(fields, answers="{}"), "hlc": f"{now:016d}-00001-oa"},
        {"id": "oa-dossier-3", "collection": "dossier", "action": "insert", "record": "oa-request-3", "fields": dict(fields, amount=-1), "hlc": f"{now:016d}-00002-oa"},
    ]
    status, body = call(port, "post", "/api/v1/sync/push", {"operations": operations}, token=token)
    check("post", "/api/v1/sync/push", status, body, 200)
    answers = [(r["status"], (r.get("rejection") or {}).get("field")) for r in body.get("results", [])]
    if answers != [("accepted", None), ("rejected", "answers.france"), ("rejected", "amount")]:
        failures.append(f"push dossier: expected accepted, then refusals naming answers.france and amount, got {body}")
    status, body = call(port, "get", "/api/v1/me/dossiers?limit=100", token=token)
    check("get", "/api/v1/me/dossiers", status, body, 200)
    opened = [d for d in body.get("dossiers", []) if d.get("request") == "oa-request-1"]
    if not opened or not opened[0]["steps"] or opened[0]["events"][0]["kind"] != "opened":
        failures.append(f"me/dossiers: the dossier opened through sync, with its steps and history, is not listed: {opened}")


def run(port, data):
    status, body = call(port, "get", "/healthz")
    check("get", "/healthz", status, body, 200)

    status, body = call(port, "post", "/api/v1/session", {"email": "client@financialtracker.example", "password": "demo-financialtracker"})
    check("post", "/api/v1/session", status, body, 201)
    token = body["token"]
    status, body = call(port, "post", "/api/v1/session", {"email": "client@financialtracker.example", "password": "wrong"})
    check("post", "/api/v1/session", status, body, 401)
    status, body = call(port, "post", "/api/v1/session", raw=b"{not json")
    check("post", "/api/v1/session", status, body, 400)

    metrics(port, token)

    status, body = call(port, "get", "/api/v1/sync/pull?cursor=0", token=token)
    check("get", "/api/v1/sync/pull", status, body, 200)
    conversation = next(op["fields"]["conversation"] for op in body["snapshot"] if op["collection"] == "message")
    now = int(time.time() * 1000)
    operations = [
        {"id": "oa-1", "collection": "message", "action": "insert", "record": "oa-msg-1", "fields": {"conversation": conversation, "body": "Bonjour"}, "hlc": f"{now:016d}-00000-oa"},
        {"id": "oa-2", "collection": "message", "action": "insert", "record": "oa-msg-2", "fields": {"conversation": 999999, "body": "Ailleurs"}, "hlc": f"{now:016d}-00001-oa"},
    ]
    status, body = call(port, "post", "/api/v1/sync/push", {"operations": operations}, token=token)
    check("post", "/api/v1/sync/push", status, body, 200)
    if status == 200 and [r["status"] for r in body["results"]] != ["accepted", "rejected"]:
        failures.append(f"push: expected accepted then rejected, got {body}")
    status, body = call(port, "post", "/api/v1/sync/push", {"operations": [{"id": "x"}]}, token=token)
    check("post", "/api/v1/sync/push", status, body, 400)
    status, body = call(port, "post", "/api/v1/sync/push", {"operations": operations})
    check("post", "/api/v1/sync/push", status, body, 401)
    many = [dict(operations[0], id=f"oa-many-{i}", record=f"oa-many-{i}") for i in range(1001)]
    status, body = call(port, "post", "/api/v1/sync/push", {"operations": many}, token=token)
    check("post", "/api/v1/sync/push", status, body, 413)
    status, body = call(port, "post", "/api/v1/sync/push", {"operations": operations}, token=token, protocol="0")
    check("post", "/api/v1/sync/push", status, body, 426)
    # Another user's operation id: a clash, not a retry.
    status, body = call(port, "post", "/api/v1/session", {"email": "expert@financialtracker.example", "password": "demo-financialtracker"})
    expert = body["token"]
    clash = [dict(operations[0], record="oa-msg-expert")]
    status, body = call(port, "post", "/api/v1/sync/push", {"operations": clash}, token=expert)
    check("post", "/api/v1/sync/push", status, body, 409)
    if status == 409 and body.get("error") != "operation_id_taken":
        failures.append(f"push: expected operation_id_taken, got {body}")

    status, body = call(port, "get", "/api/v1/sync/pull?cursor=0&limit=10", token=token)
    check("get", "/api/v1/sync/pull", status, body, 200)
    # Beside it, the server's own changes: the client's steps it found past their due date.
    if status == 200 and [c["operation"]["id"] for c in body["changes"] if not c["operation"]["id"].startswith("server:overdue:")] != ["oa-1"]:
        failures.append(f"pull: expected the accepted operation back, got {body['changes']}")
    if status == 200 and any(c["operation"]["actor"] != {"user": 0, "role": "admin"} or list(c["operation"]["fields"]) != ["overdue"]
                             for c in body["changes"] if c["operation"]["id"].startswith("server:overdue:")):
        failures.append(f"pull: the server's changes are made by user 0 and set 'overdue' only: {body['changes']}")
    status, body = call(port, "get", "/api/v1/sync/pull?cursor=1&limit=10", token=token)
    check("get", "/api/v1/sync/pull", status, body, 200)
    status, body = call(port, "get", "/api/v1/sync/pull?cursor=-3", token=token)
    check("get", "/api/v1/sync/pull", status, body, 400)
    status, body = call(port, "get", "/api/v1/sync/pull?cursor=0", token="garbage")
    check("get", "/api/v1/sync/pull", status, body, 401)
    status, body = call(port, "get", "/api/v1/sync/pull?cursor=0", token=token, protocol=None)
    check("get", "/api/v1/sync/pull", status, body, 426)

    # The live channel: a real upgrade handshake.
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall((f"GET /api/v1/sync/live HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = connection.recv(1024).decode(errors="replace")
        status = int(head.split(" ")[1]) if head.startswith("HTTP/1.1 ") else 0
        check("get", "/api/v1/sync/live", status, None, 101)

    documents(port, token, data)
    me(port, token)

    status, body = call(port, "delete", "/api/v1/session", token=token)
    check("delete", "/api/v1/session", status, body, 204)
    status, body = call(port, "delete", "/api/v1/session", token=token)
    check("delete", "/api/v1/session", status, body, 401)


def documents(port, token, data_dir):
    up = "/api/v1/documents/{document}/versions/{version}"
    content = "/api/v1/documents/versions/{version}/content"
    _, pulled = call(port, "get", "/api/v1/sync/pull?cursor=0", token=token)
    document = next(op["record"] for op in pulled["snapshot"] if op["collection"] == "document")
    hlc = f"{int(time.time() * 1000):016d}-00000-oa"
    pdf = b"%PDF-1.4\n" + os.urandom(5000)
    path = f"/api/v1/documents/{document}/versions/oa-v1?fileName=facture.pdf&hlc={hlc}"
    status, body = call(port, "put", path, token=token, raw=pdf)
    check("put", up, status, body, 201)
    if status == 201 and (body["mediaType"] != "application/pdf" or body["byteCount"] != len(pdf)):
        failures.append(f"upload: unexpected answer {body}")
    status, body = call(port, "put", path, token=token, raw=pdf)
    check("put", up, status, body, 200)
    _, session = call(port, "post", "/api/v1/session", {"email": "expert@financialtracker.example", "password": "demo-financialtracker"})
    status, body = call(port, "put", path.replace("facture.pdf", "autre.pdf"), token=session["token"], raw=b"%PDF-1.4\nautre")
    check("put", up, status, body, 409)
    status, body = call(port, "put", f"/api/v1/documents/{document}/versions/oa-v2?fileName=../x&hlc={hlc}", token=token, raw=b"x")
    check("put", up, status, body, 400)
    status, body = call(port, "put", path.replace("oa-v1", "oa-v3"), raw=b"x")
    check("put", up, status, body, 401)
    status, body = call(port, "put", f"/api/v1/documents/nope/versions/oa-v4?fileName=a.txt&hlc={hlc}", token=token, raw=b"x")
    check("put", up, status, body, 404)
    status, body = call(port, "put", path.replace("oa-v1", "oa-v5"), token=token, raw=os.urandom(2 * 1024 * 1024 + 1))
    check("put", up, status, body, 413)
    status, body = call(port, "put", path.replace("oa-v1", "oa-v6"), token=token, raw=b"x", protocol="0")
    check("put", up, status, body, 426)

    # Previews: a PNG (as it is), a text file (none), another's version, no token, another protocol.
    preview = "/api/v1/documents/versions/{version}/preview"
    png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==")
    status, body = call(port, "put", f"/api/v1/documents/{document}/versions/oa-png?fileName=photo.png&hlc={hlc}", token=token, raw=png)
    check("put", up, status, body, 201)
    status, body = call(port, "put", f"/api/v1/documents/{document}/versions/oa-notes?fileName=notes.txt&hlc={hlc}", token=token, raw=b"notes")
    status, body = call(port, "get", "/api/v1/documents/versions/oa-png/preview", token=token, binary=True)
    check("get", preview, status, None, 200)
    status, body = call(port, "get", "/api/v1/documents/versions/oa-notes/preview", token=token)
    check("get", preview, status, body, 415)
    status, body = call(port, "get", "/api/v1/documents/versions/no-such-version/preview", token=token)
    check("get", preview, status, body, 404)
    status, body = call(port, "get", "/api/v1/documents/versions/oa-png/preview")
    check("get", preview, status, body, 401)
    status, body = call(port, "get", "/api/v1/documents/versions/oa-png/preview", token=token, protocol="0")
    check("get", preview, status, body, 426)

    status, data = call(port, "get", "/api/v1/documents/versions/oa-v1/content", token=token, binary=True)
    check("get", content, status, None, 200)
    if data != pdf:
        failures.append("download: the bytes differ from the upload")
    status, data = call(port, "get", "/api/v1/documents/versions/oa-v1/content", token=token, binary=True, headers={"Range": "bytes=10-19"})
    check("get", content, status, None, 206)
    if data != pdf[10:20]:
        failures.append("range: wrong bytes")
    status, _ = call(port, "get", "/api/v1/documents/versions/oa-v1/content", token=token, binary=True, headers={"Range": "bytes=99999-"})
    check("get", content, status, None, 416)
    status, body = call(port, "get", "/api/v1/documents/versions/oa-v1/content")
    check("get", content, status, body, 401)
    status, body = call(port, "get", "/api/v1/documents/versions/nope/content", token=token)
    check("get", content, status, body, 404)
    status, body = call(port, "get", "/api/v1/documents/versions/oa-v1/content", token=token, protocol=None)
    check("get", content, status, body, 426)

    # Stored content damaged on disk: a clear 500, not wrong bytes.
    status, body = call(port, "put", path.replace("oa-v1", "oa-bad").replace("facture.pdf", "note.txt"), token=token, raw=b"Contenu qui sera abime sur le disque")
    blob = os.path.join(data_dir, "blobs", body["sha256"][:2], body["sha256"])
    with open(blob, "r+b") as handle:
        handle.seek(-3, os.SEEK_END)
        handle.write(b"\x00\x00\x00")
    status, body = call(port, "get", "/api/v1/documents/versions/oa-bad/content", token=token)
    check("get", content, status, body, 500)
    if status == 500 and body.get("error") != "content_damaged":
        failures.append(f"damaged content: unexpected answer {body}")

    # Search in documents: a text upload is indexed in the background.
    search = "/api/v1/documents/search"
    status, body = call(port, "put", path.replace("oa-v1", "oa-txt").replace("facture.pdf", "convention.txt"), token=token, raw="Convention de subvention régionale".encode())
    for _ in range(100):
        status, body = call(port, "get", "/api/v1/documents/search?q=subvention%20regionale", token=token)
        if status != 200 or body["results"]:
            break
        time.sleep(0.1)
    check("get", search, status, body, 200)
    if status == 200 and [r["version"] for r in body["results"]] != ["oa-txt"]:
        failures.append(f"search: expected oa-txt, got {body}")
    status, body = call(port, "get", "/api/v1/documents/search?q=%21%21", token=token)
    check("get", search, status, body, 400)
    status, body = call(port, "get", "/api/v1/documents/search?q=subvention")
    check("get", search, status, body, 401)
    status, body = call(port, "get", "/api/v1/documents/search?q=subvention", token=token, protocol=None)
    check("get", search, status, body, 426)

    export = "/api/v1/dossiers/{dossier}/export.zip"
    dossier = next(op["fields"]["dossier"] for op in pulled["snapshot"] if op["collection"] == "document" and op["record"] == document)
    status, data = call(port, "get", f"/api/v1/dossiers/{dossier}/export.zip", token=token, binary=True)
    check("get", export, status, None, 200)
    import io, zipfile
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        if "manifest.json" not in names:
            failures.append(f"export: no manifest in {names}")
    except zipfile.BadZipFile as error:
        failures.append(f"export: not a zip ({error})")
    status, body = call(port, "get", f"/api/v1/dossiers/{dossier}/export.zip")
    check("get", export, status, body, 401)
    status, body = call(port, "get", "/api/v1/dossiers/999999/export.zip", token=token)
    check("get", export, status, body, 404)
    status, body = call(port, "get", f"/api/v1/dossiers/{dossier}/export.zip", token=token, protocol=None)
    check("get", export, status, body, 426)
    _, expert = call(port, "post", "/api/v1/session", {"email": "expert@financialtracker.example", "password": "demo-financialtracker"})
    _, expert_pull = call(port, "get", "/api/v1/sync/pull?cursor=0", token=expert["token"])
    expert_dossier = next(op["fields"]["dossier"] for op in expert_pull["snapshot"] if op["collection"] == "document")
    status, body = call(port, "get", f"/api/v1/dossiers/{expert_dossier}/export.zip", token=expert["token"])
    check("get", export, status, body, 403)


def me(port, token):
    # Reads a signed-in user makes: answered, refused without a session, refused without the protocol header.
    for path in ["/api/v1/me", "/api/v1/experts/availability", "/api/v1/me/notifications"]:
        status, body = call(port, "get", path, token=token)
        check("get", path, status, body, 200)
        status, body = call(port, "get", path)
        check("get", path, status, body, 401)
        status, body = call(port, "get", path, token=token, protocol=None)
        check("get", path, status, body, 426)
    path = "/api/v1/me/dossiers"
    status, body = call(port, "get", path + "?limit=5", token=token)
    check("get", path, status, body, 200)
    if status == 200 and not body["dossiers"]:
        failures.append("me/dossiers: the demo client has no dossier")
    status, body = call(port, "get", path + "?limit=0", token=token)
    check("get", path, status, body, 400)
    status, body = call(port, "get", path)
    check("get", path, status, body, 401)
    status, body = call(port, "get", path, token=token, protocol="0")
    check("get", path, status, body, 426)
    path = "/api/v1/me/notifications/read"
    status, body = call(port, "post", path, {"all": True}, token=token)
    check("post", path, status, body, 200)
    status, body = call(port, "post", path, {"ids": []}, token=token)
    check("post", path, status, body, 400)
    status, body = call(port, "post", path, {"all": True})
    check("post", path, status, body, 401)
    status, body = call(port, "post", path, {"all": True}, token=token, protocol=None)
    check("post", path, status, body, 426)


def unsubscribe(port, data):
    """One-click unsubscribe: a link as an e-mail carries it (its hash stored, as the mailer does)."""
    import hashlib
    import sqlite3
    link = "openapi-unsubscribe-token-0123456789abcdef"
    db = sqlite3.connect(os.path.join(data, "financialtracker.sqlite"))
    user = db.execute("SELECT id FROM user WHERE email = 'client@financialtracker.example'").fetchone()[0]
    db.execute("INSERT INTO unsubscribeToken (tokenHash, userId, kind, channel, createdAt) VALUES (?, ?, 'message', 'email', '2026-11-20 00:00:00.000')",
               (hashlib.sha256(link.encode()).digest(), user))
    db.commit()
    db.close()
    path = "/api/v1/unsubscribe/{token}"
    for method, expected in [("get", 200), ("post", 200), ("get", 410), ("post", 410)]:
        status, body = call(port, method, f"/api/v1/unsubscribe/{link}", protocol=None, binary=True, raw=b"List-Unsubscribe=One-Click" if method == "post" else None)
        check(method, path, status, body, expected)
    for method in ["get", "post"]:
        status, body = call(port, method, "/api/v1/unsubscribe/no-such-link-000000000000000000", protocol=None, binary=True)
        check(method, path, status, body, 404)


def search_alerts(port, data):
    """Saved searches: made from the API (as the search page does), and links as their e-mails
    carry them (a token whose hash is stored, as the mailer's would be)."""
    import hashlib
    import sqlite3
    path = "/api/v1/search-alerts"
    for body, expected in [({"email": "alerte@example.org", "q": "TICPE"}, 202), ({"email": "alerte"}, 400), ({"email": "alerte@example.org", "categorie": "cuisine"}, 400),
                           ({"email": "alerte@example.org", "q": "x" * 5_000}, 413)]:
        status, answer = call(port, "post", path, body, protocol=None)
        check("post", path, status, answer, expected)
    status, answer = call(port, "post", path, raw=b"email=alerte@example.org", headers={"Content-Type": "application/x-www-form-urlencoded"}, protocol=None)
    check("post", path, status, answer, 415)
    for _ in range(4):  # the fourth waiting for confirmation at one address
        status, answer = call(port, "post", path, {"email": "flood@example.org"}, protocol=None)
    check("post", path, status, answer, 429)
    links = {"fresh": "openapi-alert-token-0123456789abcdef-fresh", "old": "openapi-alert-token-0123456789abcdef-old"}
    db = sqlite3.connect(os.path.join(data, "financialtracker.sqlite"))
    for name, link in links.items():
        created = "2026-01-01 00:00:00.000" if name == "old" else time.strftime("%Y-%m-%d %H:%M:%S.000", time.gmtime())
        db.execute("INSERT INTO searchAlert (email, criteria, nonce, tokenHash, createdAt, notBefore) VALUES ('lien@example.org', '{\"words\":\"\"}', ?, ?, ?, ?)",
                   (("0" * 31) + name[0], hashlib.sha256(link.encode()).digest(), created, created))
    db.commit()
    db.close()
    confirm, cancel = "/api/v1/search-alerts/{token}/confirm", "/api/v1/search-alerts/{token}/cancel"
    for template, method, link, expected in [
        (confirm, "get", links["fresh"], 200), (confirm, "post", links["fresh"], 200), (confirm, "get", links["old"], 410), (confirm, "post", links["old"], 410),
        (cancel, "get", links["fresh"], 200), (cancel, "post", links["fresh"], 200), (cancel, "get", links["fresh"], 410), (cancel, "post", links["fresh"], 410),
        (confirm, "get", links["fresh"], 410),
    ]:
        status, body = call(port, method, template.replace("{token}", link), protocol=None, binary=True, raw=b"List-Unsubscribe=One-Click" if method == "post" else None)
        check(method, template, status, body, expected)
    for template in (confirm, cancel):
        for method in ("get", "post"):
            status, body = call(port, method, template.replace("{token}", "no-such-alert-link-000000000000000"), protocol=None, binary=True)
            check(method, template, status, body, 404)


def accounts(port, data):
    """Accounts: sign-up, its verification link, resets, a password change, the limits; links as
    their e-mails carry them (tokens whose hashes are stored, as the server's would be)."""
    import hashlib
    import sqlite3
    with sqlite3.connect(os.path.join(data, "financialtracker.sqlite")) as db:
        clients = [row[0] for row in db.execute("SELECT email FROM user WHERE role = 'client' AND email NOT LIKE 'client@%' AND email NOT LIKE 'client2@%' ORDER BY id LIMIT 2")]
    path = "/api/v1/accounts"
    form = {"company": "Boulangerie Martin", "siren": "732829320", "postcode": "69003", "contactName": "Jeanne Martin",
            "email": "jeanne@boulangerie.example", "password": "farine et levain chaque matin"}
    for body, expected in [(form, 202), ({**form, "siren": "732829321"}, 400), ({**form, "company": "x" * 9_000}, 413)]:
        status, answer = call(port, "post", path, body, protocol=None)
        check("post", path, status, answer, expected)
    status, answer = call(port, "post", path, raw=b"email=x", headers={"Content-Type": "application/x-www-form-urlencoded"}, protocol=None)
    check("post", path, status, answer, 415)
    for _ in range(4):  # a fourth e-mail to one address within a quarter of an hour
        status, answer = call(port, "post", path, {**form, "email": "flood@boulangerie.example"}, protocol=None)
    check("post", path, status, answer, 429)

    session = "/api/v1/session"
    status, answer = call(port, "post", session, {"email": form["email"], "password": form["password"]}, protocol=None)
    check("post", session, status, answer, 403)  # not confirmed yet
    for _ in range(11):
        status, answer = call(port, "post", session, {"email": "limite@exemple.fr", "password": "pas le bon mot de passe"}, protocol=None)
    check("post", session, status, answer, 429)

    resets = "/api/v1/password-resets"
    for body, expected in [({"email": "personne@exemple.fr"}, 202), ({"email": "pas une adresse"}, 400)]:
        status, answer = call(port, "post", resets, body, protocol=None)
        check("post", resets, status, answer, expected)
    status, answer = call(port, "post", resets, raw=b"email=x", headers={"Content-Type": "application/x-www-form-urlencoded"}, protocol=None)
    check("post", resets, status, answer, 415)
    for _ in range(4):
        status, answer = call(port, "post", resets, {"email": clients[0]}, protocol=None)
    check("post", resets, status, answer, 429)

    db = sqlite3.connect(os.path.join(data, "financialtracker.sqlite"))
    user = db.execute("SELECT id FROM user WHERE email = ?", (form["email"],)).fetchone()[0]
    client = db.execute("SELECT id FROM user WHERE email = ?", (clients[1],)).fetchone()[0]
    now = time.strftime("%Y-%m-%d %H:%M:%S.000", time.gmtime())
    later = time.strftime("%Y-%m-%d %H:%M:%S.000", time.gmtime(time.time() + 1_800))
    links = {}
    for name, kind, owner, created, expires in [("verify", "verify", user, now, later), ("old-verify", "verify", user, "2026-01-01 00:00:00.000", "2026-01-08 00:00:00.000"),
                                                ("reset", "reset", client, now, later), ("old-reset", "reset", client, "2026-01-01 00:00:00.000", "2026-01-01 00:30:00.000")]:
        links[name] = f"openapi-account-token-0123456789-{name}"
        db.execute("INSERT INTO accountMail (kind, email, userId, nonce, tokenHash, createdAt, expiresAt, notBefore, sentAt) VALUES (?, 'x@example.org', ?, ?, ?, ?, ?, ?, ?)",
                   (kind, owner, f"{name:0>32}"[-32:], hashlib.sha256(links[name].encode()).digest(), created, expires, created, created))
    db.commit()
    db.close()
    verify = "/api/v1/accounts/verify/{token}"
    for method, link, expected in [("get", links["verify"], 200), ("post", links["verify"], 200), ("post", links["old-verify"], 410),
                                   ("post", "no-such-account-link-000000000000", 404)]:
        status, body = call(port, method, verify.replace("{token}", link), protocol=None, binary=True)
        check(method, verify, status, body, expected)

    check_path, confirm = "/api/v1/password-resets/check", "/api/v1/password-resets/confirm"
    for body, expected in [({"token": links["reset"]}, 200), ({"token": links["old-reset"]}, 410), ({"token": "no-such-reset-link-0000000000"}, 404), ({}, 400)]:
        status, answer = call(port, "post", check_path, body, protocol=None)
        check("post", check_path, status, answer, expected)
    for body, expected in [({"token": links["reset"], "password": "motdepasse123"}, 400), ({"token": links["reset"], "password": "une phrase pour client quatre"}, 200),
                           ({"token": links["reset"], "password": "une phrase pour client quatre"}, 410), ({"token": "no-such-reset-link-0000000000", "password": "x" * 12}, 404)]:
        status, answer = call(port, "post", confirm, body, protocol=None)
        check("post", confirm, status, answer, expected)

    change = "/api/v1/me/password"
    status, answer = call(port, "post", change, {"current": "x", "password": "une phrase assez longue"}, protocol=None)
    check("post", change, status, answer, 401)
    _, signed = call(port, "post", session, {"email": "client2@financialtracker.example", "password": "demo-financialtracker"}, protocol=None)
    if "token" not in signed:
        raise SystemExit(f"sign-in of client2: {signed!r}")
    token = signed["token"]
    status, answer = call(port, "post", change, {"current": "demo-financialtracker", "password": "une phrase assez longue"}, token=token, protocol=None)
    check("post", change, status, answer, 204)
    for _ in range(11):
        status, answer = call(port, "post", change, {"current": "pas le bon", "password": "une phrase assez longue"}, token=token, protocol=None)
        if status == 400:
            check("post", change, status, answer, 400)
    check("post", change, status, answer, 429)

    everywhere = "/api/v1/sessions"
    status, answer = call(port, "delete", everywhere, token=token, protocol=None, binary=True)
    check("delete", everywhere, status, answer or None, 204)
    status, answer = call(port, "delete", everywhere, token=token, protocol=None)
    check("delete", everywhere, status, answer, 401)


def account_deletion(port, data):
    """"Supprimer mon compte", last: it deletes the demo client. A file the client uploaded answers
    410 afterwards; the last active admin cannot delete their account."""
    import sqlite3
    path = "/api/v1/me/deletion"
    status, answer = call(port, "post", path, {"password": "x"}, protocol=None)
    check("post", path, status, answer, 401)
    _, client = call(port, "post", "/api/v1/session", {"email": "client@financialtracker.example", "password": "demo-financialtracker"}, protocol=None)
    _, admin = call(port, "post", "/api/v1/session", {"email": "admin@financialtracker.example", "password": "demo-financialtracker"}, protocol=None)
    status, answer = call(port, "post", path, raw=b"password=x", headers={"Content-Type": "application/x-www-form-urlencoded"}, token=client["token"], protocol=None)
    check("post", path, status, answer, 415)
    status, answer = call(port, "post", path, {"password": "x" * 10_000}, token=client["token"], protocol=None)
    check("post", path, status, answer, 413)
    status, answer = call(port, "post", path, {"password": "pas le bon mot de passe"}, token=client["token"], protocol=None)
    check("post", path, status, answer, 400)
    if status == 400 and answer.get("field") != "password":
        failures.append(f"POST {path}: a wrong password names {answer.get('field')!r}, not 'password'")
    # The file the client uploads, erased with the account.
    _, pulled = call(port, "get", "/api/v1/sync/pull?cursor=0", token=client["token"])
    document = next(op["record"] for op in pulled["snapshot"] if op["collection"] == "document")
    hlc = f"{int(time.time() * 1000):016d}-00000-oa"
    status, _ = call(port, "put", f"/api/v1/documents/{document}/versions/oa-erased?fileName=releve.pdf&hlc={hlc}", token=client["token"], raw=b"%PDF-1.4\n" + os.urandom(2000))
    if status != 201:
        failures.append(f"upload before the deletion: {status}")
    status, answer = call(port, "post", path, {"password": "demo-financialtracker"}, token=client["token"], protocol=None)
    check("post", path, status, answer, 200)
    if status == 200 and (answer["filesErased"] < 1 or "supprimé" not in answer["message"]):
        failures.append(f"POST {path}: {answer}")
    status, answer = call(port, "get", "/api/v1/me", token=client["token"], protocol=None)
    if status != 401:
        failures.append(f"the deleted account's token still works: GET /api/v1/me → {status}")
    status, answer = call(port, "get", "/api/v1/documents/versions/oa-erased/content", token=admin["token"])
    check("get", "/api/v1/documents/versions/{version}/content", status, answer, 410)
    # The last active admin stays.
    with sqlite3.connect(os.path.join(data, "financialtracker.sqlite")) as db:
        db.execute("UPDATE user SET active = 0 WHERE role = 'admin' AND email <> 'admin@financialtracker.example'")
    status, answer = call(port, "post", path, {"password": "demo-financialtracker"}, token=admin["token"], protocol=None)
    check("post", path, status, answer, 409)
    # Past ten wrong passwords a minute, a 429 unchecked.
    for _ in range(11):
        status, answer = call(port, "post", path, {"password": "toujours pas le bon"}, token=admin["token"], protocol=None)
        if status == 429:
            break
    check("post", path, status, answer, 429)


def expert_profiles(port, data):
    """An expert's application, profile and bio preview. Runs after `accounts`: the e-mails it
    asked for from this address leave room for one application before the per-address limit."""
    import sqlite3
    with sqlite3.connect(os.path.join(data, "financialtracker.sqlite")) as db:
        scheme = db.execute("SELECT code FROM eligibleProduct WHERE active = 1 ORDER BY id LIMIT 1").fetchone()[0]
    profile = {"firstName": "Anaïs", "lastName": "Rousseau", "company": "Cabinet Rousseau", "siret": "73282932000074", "postcode": "33000",
               "headline": "Le CIR des PME", "schemes": [scheme], "dayRate": 900, "successFeePercent": None, "languages": ["fr"],
               "certifications": [], "portfolio": [{"title": "Atelier", "summary": "CIR", "amountRecovered": 1000, "year": 2024}],
               "yearsOfExperience": 12, "bio": "## Méthode\n\nTexte **gras**."}
    path = "/api/v1/expert-applications"
    application = {**profile, "email": "anais@cabinet.example", "password": "les dossiers avancent au printemps"}
    for body, expected in [(application, 202), ({**application, "siret": "73282932000075"}, 400), ({**application, "bio": "x" * 300_000}, 413)]:
        status, answer = call(port, "post", path, body, protocol=None)
        check("post", path, status, answer, expected)
    status, answer = call(port, "post", path, raw=b"email=x", headers={"Content-Type": "application/x-www-form-urlencoded"}, protocol=None)
    check("post", path, status, answer, 415)
    for _ in range(12):
        status, answer = call(port, "post", path, application, protocol=None)
        if status != 202:
            break
    check("post", path, status, answer, 429)

    mine = "/api/v1/me/expert-profile"
    for method in ["get", "put"]:
        status, answer = call(port, method, mine, profile if method == "put" else None, protocol=None)
        check(method, mine, status, answer, 401)
    _, client = call(port, "post", "/api/v1/session", {"email": "client@financialtracker.example", "password": "demo-financialtracker"}, protocol=None)
    _, expert = call(port, "post", "/api/v1/session", {"email": "expert@financialtracker.example", "password": "demo-financialtracker"}, protocol=None)
    for method in ["get", "put"]:
        status, answer = call(port, method, mine, profile if method == "put" else None, token=client["token"], protocol=None)
        check(method, mine, status, answer, 403)
    status, answer = call(port, "get", mine, token=expert["token"], protocol=None)
    check("get", mine, status, answer, 200)
    status, answer = call(port, "put", mine, {**answer["profile"], "bio": "Une présentation nouvelle."}, token=expert["token"], protocol=None)
    check("put", mine, status, answer, 200)
    status, answer = call(port, "put", mine, {**profile, "postcode": "99999"}, token=expert["token"], protocol=None)
    check("put", mine, status, answer, 400)
    not_json = {"Content-Type": "application/x-www-form-urlencoded"}
    status, answer = call(port, "put", mine, raw=b"bio=x", headers=not_json, token=expert["token"], protocol=None)
    check("put", mine, status, answer, 415)
    status, answer = call(port, "put", mine, {**profile, "bio": "x" * 300_000}, token=expert["token"], protocol=None)
    check("put", mine, status, answer, 413)
    # The account forms' other refusals: not JSON, too large.
    for path in ["/api/v1/password-resets/check", "/api/v1/password-resets/confirm", "/api/v1/me/password"]:
        status, answer = call(port, "post", path, raw=b"token=x", headers=not_json, token=expert["token"], protocol=None)
        check("post", path, status, answer, 415)
        status, answer = call(port, "post", path, {"token": "x" * 9_000, "current": "x", "password": "x"}, token=expert["token"], protocol=None)
        check("post", path, status, answer, 413)

    export = "/api/v1/me/export"
    status, answer = call(port, "get", export, protocol=None)
    check("get", export, status, answer, 401)
    status, answer = call(port, "get", export, token=expert["token"], protocol=None)
    check("get", export, status, answer, 200)
    if status == 200 and (answer["account"]["email"] != "expert@financialtracker.example" or "passwordHash" in answer["account"] or not answer["expert"]):
        failures.append(f"GET {export}: not the expert's own data, or a secret in it: {json.dumps(answer)[:300]}")

    preview = "/api/v1/markdown-preview"
    for body, expected in [({"markdown": "**gras** <script>x</script>"}, 200), ({"markdown": "x" * 20_001}, 400), ({"markdown": "x" * 300_000}, 413)]:
        status, answer = call(port, "post", preview, body, protocol=None)
        check("post", preview, status, answer, expected)
    status, answer = call(port, "post", preview, raw=b"markdown=x", headers={"Content-Type": "application/x-www-form-urlencoded"}, protocol=None)
    check("post", preview, status, answer, 415)
    for _ in range(130):
        status, answer = call(port, "post", preview, {"markdown": "*x*"}, protocol=None)
        if status != 200:
            break
    check("post", preview, status, answer, 429)


if __name__ == "__main__":
    main()
