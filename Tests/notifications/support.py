"""What the notification tests share: a printed check that remembers failures, a free port,
waiting for a condition, an SMTP sink's handler and a call to the HTTP API."""
import base64
import email
import email.policy
import json
import os
import shutil
import socket
import subprocess
import tempfile
import sys
import threading
import time
import urllib.error
import urllib.request

failures = []


def check(condition, message):
    print(("ok  " if condition else "FAIL") + " " + message)
    if not condition:
        failures.append(message)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def status_of(url):
    """The HTTP status a GET of `url` answers (a public page: 200 or 404)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_for(condition, seconds, step=0.2):
    """The condition's first true value within `seconds`, else its last value."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return condition()


class Sink:
    """An SMTP server's handler: keeps every message and the connection it came on (`peers`, the
    sender's address and port); can refuse every recipient (451) or some (550, `refused`), or
    answer DATA late."""

    def __init__(self):
        self.messages = []
        self.peers = []
        self.refuse = False
        self.refused = set()
        self.data_delay = 0.0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "451 4.3.0 Mailbox temporarily unavailable"
        if address in self.refused:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
            self.peers.append(session.peer)
        if self.data_delay:
            import asyncio
            await asyncio.sleep(self.data_delay)
        return "250 Message accepted"

    def parsed(self):
        with self.lock:
            return [(to, email.message_from_bytes(data, policy=email.policy.default)) for to, data in self.messages]



def call(port, method, path, body=None, token=None, raw=False, form=None):
    headers = {"FT-Protocol": "1"}
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    if form is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        data = form.encode()
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = response.read()
            return response.status, (payload if raw else json.loads(payload or b"null"))
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def serving(process, port, log, seconds=30):
    """`process` (an `ft serve`) once it answers /healthz on `port`; stops the test with the end of
    its log if it exits or stays silent."""
    def ready():
        if process.poll() is not None:
            return None
        try:
            return call(port, "GET", "/healthz")[0] == 200
        except OSError:
            return False
    if not wait_for(ready, seconds):
        raise SystemExit("ft serve did not start:\n" + open(log, errors="replace").read()[-2000:])
    return process


def serve_with_mail(ft, data, public, templates, smtp_port, root, environment, *options):
    """`ft serve` of `data` with e-mail through the SMTP server on `smtp_port` (a round a second, no
    quiet hours, no alerts, compaction or archiving) and `options`, once it answers: (process,
    port, base URL). Its log is `root`/serve.log."""
    port = free_port()
    log = os.path.join(root, "serve.log")
    server = subprocess.Popen([
        ft, "serve", "--data-dir", data, "--port", str(port), "--public", public, "--templates", templates,
        "--smtp", f"smtp://127.0.0.1:{smtp_port}", "--quiet-hours", "none", "--mail-interval", "1", "--alert-interval", "0",
        "--compact-days", "0", "--archive-every", "0", *options,
    ], env=environment, stdout=subprocess.DEVNULL, stderr=open(log, "ab"))
    try:
        serving(server, port, log)
    except SystemExit:
        server.terminate()
        raise
    return server, port, f"http://127.0.0.1:{port}"


def live_socket(port, token):
    """A live channel signed in with `token`: (welcome frame, closed event, [the time it closed])."""
    import websocket
    socket_ = websocket.create_connection(f"ws://127.0.0.1:{port}/api/v1/sync/live", timeout=10)
    socket_.send(json.dumps({"type": "hello", "protocol": 1, "token": token, "cursor": 0}))
    welcome = json.loads(socket_.recv())
    closed, when = threading.Event(), []

    def read():
        try:
            while socket_.recv():
                pass
        except Exception:
            pass
        when.append(time.perf_counter())
        closed.set()
    threading.Thread(target=read, daemon=True).start()
    return welcome, closed, when


def finish(server, controllers, root):
    """After a test: the server killed if it is still up, the SMTP servers stopped, the server's
    log shown if anything failed, the test's folder removed; then the verdict as the exit status.
    Called from a `finally`: an exception that stopped the test is a failure, shown."""
    error = sys.exc_info()
    if error[0] is not None and issubclass(error[0], SystemExit):
        # A test stopped by `SystemExit("why")` (the server did not start, say) has failed.
        if error[1].code not in (None, 0):
            print(error[1].code)
            failures.append(f"the test stopped: {str(error[1].code)[:200]}")
    elif error[0] is not None:
        import traceback
        traceback.print_exception(*error)
        failures.append(f"the test stopped on {error[0].__name__}: {error[1]}")
    if server and server.poll() is None:
        server.kill()
    for controller in controllers:
        controller.stop()
    if failures:
        print("server log:\n" + open(os.path.join(root, "serve.log"), errors="replace").read()[-3000:])
    shutil.rmtree(root, ignore_errors=True)
    print(f"{len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


def demo(ft, templates, prefix, experts, clients, *generate):
    """A test's folder holding a seeded demo database and its generated site, under a document key
    of its own: (root, data folder, environment for `ft`, database path). `generate`: more options
    for `ft generate`."""
    root = tempfile.mkdtemp(prefix=prefix)
    data = os.path.join(root, "data")
    environment = {**os.environ, "FT_DOCUMENT_KEY": base64.b64encode(os.urandom(32)).decode()}
    subprocess.run([ft, "seed", "--data-dir", data, "--experts", str(experts), "--clients", str(clients)], check=True, stdout=subprocess.DEVNULL, env=environment)
    subprocess.run([ft, "generate", "--data-dir", data, "--out", os.path.join(data, "public"), "--templates", templates, *generate],
                   check=True, stdout=subprocess.DEVNULL, env=environment)
    return root, data, environment, os.path.join(data, "financialtracker.sqlite")


def smtp_sink():
    """An SMTP server on loopback keeping what it is sent: (its Sink, its controller, its port)."""
    from aiosmtpd.controller import Controller
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    return sink, controller, port
