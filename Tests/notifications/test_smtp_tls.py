"""E-mail over TLS end to end: the real `ft serve` sends through real SMTP servers on loopback
(aiosmtpd) that speak TLS with a certificate from a test authority made here:

- `smtp://user:password@…` to a server that offers STARTTLS and takes the password only over TLS:
  the e-mail arrives, over TLS, after AUTH;
- `smtps://…` (TLS from the first byte): the e-mail arrives, over TLS;
- a server whose certificate the sender does not trust (no `--smtp-ca`): nothing is sent, the
  delivery waits for a retry with the certificate error as its reason.

The e-mails are announcements an admin sends to the admins, posted to `/admin/annonces/envoyer`.

Usage: python Tests/notifications/test_smtp_tls.py path/to/ft   (exits 1 on any failure)
"""
import datetime
import ipaddress
import os
import sqlite3
import ssl
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from support import Sink, call, check, demo, failures, finish, free_port, serving, wait_for

FT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("FT", ".build/debug/ft"))
TEMPLATES = os.path.join(os.path.dirname(__file__), "..", "..", "site-templates")
PASSWORD = "demo-financialtracker"
# aiosmtpd reads its own deprecated attribute when a login succeeds.
warnings.filterwarnings("ignore", message="Session.login_data")


def certificates(folder):
    """A test authority and a certificate it signs for 127.0.0.1 and localhost; their PEM paths."""
    now = datetime.datetime.now(datetime.timezone.utc)
    authority_key = ec.generate_private_key(ec.SECP256R1())
    authority_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "FinancialTracker test authority")])
    authority = (x509.CertificateBuilder().subject_name(authority_name).issuer_name(authority_name)
                 .public_key(authority_key.public_key()).serial_number(x509.random_serial_number())
                 .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=7))
                 .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                 .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                              key_encipherment=False, data_encipherment=False, key_agreement=False,
                                              encipher_only=False, decipher_only=False), critical=True)
                 .sign(authority_key, hashes.SHA256()))
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
              .issuer_name(authority_name).public_key(server_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=7))
              .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]), critical=False)
              .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
              .sign(authority_key, hashes.SHA256()))
    paths = {name: os.path.join(folder, name + ".pem") for name in ("authority", "server", "key")}
    with open(paths["authority"], "wb") as handle:
        handle.write(authority.public_bytes(serialization.Encoding.PEM))
    with open(paths["server"], "wb") as handle:
        handle.write(server.public_bytes(serialization.Encoding.PEM))
    with open(paths["key"], "wb") as handle:
        handle.write(server_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return paths


class TLSSink(Sink):
    """Keeps, beside each message, whether it came over TLS and after which login."""

    def __init__(self):
        super().__init__()
        self.sessions = []

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            # The connection's own TLS state (STARTTLS or from the first byte).
            encrypted = server.transport.get_extra_info("ssl_object") is not None
            credentials = getattr(session, "auth_data", None)
            self.sessions.append((encrypted, bool(session.authenticated), credentials.login.decode() if isinstance(credentials, LoginPassword) else None))
        return await super().handle_DATA(server, session, envelope)


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"postier" and auth_data.password == "s3cret ét long".encode()
    return AuthResult(success=ok, auth_data=auth_data)


def main():
    root, data, environment, database = demo(FT, TEMPLATES, "ft-smtp-tls-", 4, 6, "--no-admin")
    paths = certificates(root)
    with sqlite3.connect(database) as db:
        admins = sorted(row[0] for row in db.execute("SELECT email FROM user WHERE role = 'admin' AND active = 1"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(paths["server"], paths["key"])
    port = free_port()
    controllers, server = [], None

    def serve(url, *extra):
        process = subprocess.Popen([
            FT, "serve", "--data-dir", data, "--port", str(port), "--public", os.path.join(data, "public"), "--templates", TEMPLATES,
            "--no-rebuild", "--compact-days", "0", "--archive-every", "0", "--alert-interval", "0", "--smtp", url,
            "--quiet-hours", "none", "--mail-interval", "1", "--mail-retry-delay", "30", *extra,
        ], env=environment, stdout=subprocess.DEVNULL, stderr=open(os.path.join(root, "serve.log"), "ab"))
        return serving(process, port, os.path.join(root, "serve.log"))

    def announce(title):
        token = call(port, "POST", "/api/v1/session", {"email": "admin@financialtracker.example", "password": PASSWORD})[1]["token"]
        request = urllib.request.Request(f"http://127.0.0.1:{port}/admin/annonces/envoyer", method="POST", data=urllib.parse.urlencode(
            {"title": title, "body": "Essai d’envoi chiffré.", "role": "admin", "channels": "email"}).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/x-www-form-urlencoded"})
        opener = urllib.request.build_opener(type("NoRedirect", (urllib.request.HTTPRedirectHandler,), {"redirect_request": lambda *a, **k: None}))
        try:
            status = opener.open(request, timeout=30).status
        except urllib.error.HTTPError as error:
            status = error.code
        check(status == 303, f"the announcement '{title}' was sent ({status})")

    def stop():
        server.terminate()
        check(server.wait(timeout=15) == 0, "ft serve ends cleanly")

    try:
        # STARTTLS, with a password the server takes only over TLS.
        sink = TLSSink()
        smtp_port = free_port()
        controller = Controller(sink, hostname="127.0.0.1", port=smtp_port, tls_context=context, require_starttls=True,
                                authenticator=authenticator, auth_required=True, auth_require_tls=True)
        controller.start()
        controllers.append(controller)
        server = serve(f"smtp://postier:{urllib.parse.quote('s3cret ét long')}@127.0.0.1:{smtp_port}", "--smtp-ca", paths["authority"])
        announce("Par STARTTLS")
        received = wait_for(lambda: len(sink.parsed()) >= len(admins) and sink.parsed(), 30)
        check(sorted(to[0] for to, _ in received or []) == admins, f"STARTTLS: one e-mail to each admin: {[to for to, _ in received or []]}")
        check(bool(sink.sessions) and all(session == (True, True, "postier") for session in sink.sessions), f"each over TLS after AUTH: {sink.sessions}")
        check(all(message["Subject"] == "Par STARTTLS" for _, message in received or []), "the subject as sent")
        stop()

        # Implicit TLS (smtps://).
        sink = TLSSink()
        smtp_port = free_port()
        controller = Controller(sink, hostname="127.0.0.1", port=smtp_port, ssl_context=context)
        controller.start()
        controllers.append(controller)
        server = serve(f"smtps://127.0.0.1:{smtp_port}", "--smtp-ca", paths["authority"])
        announce("Par SMTPS")
        received = wait_for(lambda: len(sink.parsed()) >= len(admins) and sink.parsed(), 30)
        check(sorted(to[0] for to, _ in received or []) == admins, f"SMTPS: one e-mail to each admin: {[to for to, _ in received or []]}")
        check(bool(sink.sessions) and all(session[0] for session in sink.sessions), f"each over TLS: {sink.sessions}")
        stop()

        # Not trusted: nothing sent, the reason kept for the retry.
        count = len(sink.parsed())
        server = serve(f"smtps://127.0.0.1:{smtp_port}")
        announce("Sans confiance")
        def failing():
            with sqlite3.connect(database) as db:
                return db.execute("""SELECT d.attempts, d.lastError, d.status FROM notificationDelivery d JOIN notification n ON n.id = d.notificationId
                    WHERE n.title = 'Sans confiance' AND d.attempts > 0""").fetchall()
        rows = wait_for(failing, 30)
        check(len(sink.parsed()) == count, "nothing reached a server the sender does not trust")
        check(bool(rows) and all(status == "pending" and ("certificate" in error.lower() or "handshake" in error.lower() or "ssl" in error.lower())
                                 for _, error, status in rows), f"the deliveries wait for a retry, saying why: {rows[:1]}")
        stop()
        server = None
    finally:
        finish(server, controllers, root)

if __name__ == "__main__":
    main()
