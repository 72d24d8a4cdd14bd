"""An SMTP server for `make bench` (.ci/bench-mail.py): aiosmtpd on loopback, takes every e-mail
with 250, counts them, their distinct recipients and bytes, and when the first and last came.
Its statistics on a second port, over HTTP: GET /stats answers {"count", "recipients", "bytes",
"first", "last"} (ms); POST /reset starts the count again. E-mails to floor@bench.invalid (the
floor, .ci/smtp-floor.c) are taken the same and not counted.

Usage: python .ci/smtp-sink.py SMTP_PORT STATS_PORT
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

FLOOR = "floor@bench.invalid"


class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.count, self.bytes, self.first, self.last = 0, 0, 0.0, 0.0
        self.recipients = set()

    async def handle_DATA(self, server, session, envelope):
        if envelope.rcpt_tos != [FLOOR]:
            now = time.time() * 1000
            with self.lock:
                if self.count == 0:
                    self.first = now
                self.last = now
                self.count += 1
                self.bytes += len(envelope.original_content or b"")
                self.recipients.update(envelope.rcpt_tos)
        return "250 OK"

    def stats(self):
        with self.lock:
            return {"count": self.count, "recipients": len(self.recipients), "bytes": self.bytes, "first": self.first, "last": self.last}


counter = Counter()


class Stats(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps(counter.stats()).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        with counter.lock:
            counter.reset()
        self.send_response(204)
        self.end_headers()

    def log_message(self, *arguments):
        pass


if __name__ == "__main__":
    controller = Controller(counter, hostname="127.0.0.1", port=int(sys.argv[1]))
    controller.start()
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), Stats).serve_forever()
