"""E-mail notifications end to end: the real `ft serve` (SQLite file, HTTP server) sends to a real
SMTP server on loopback (aiosmtpd), and the e-mails are read with Python's own `email` package:

- a client's message makes one e-mail to each other participant of the dossier (never to its
  author): French subject and both parts (text and HTML, the message's text in each, HTML
  escaped), a link that opens the conversation's page, Message-ID, one-click List-Unsubscribe;
- the unsubscribe link: GET only asks; POST turns off that user's e-mails for messages and
  nothing else; the same link again is a 410, a made-up one a 404; the next message sends that
  user nothing;
- a server answering 451 gets retries, then a dead letter in the database;
- `kill -9` while the SMTP server holds the message (DATA answered late): after a restart the
  e-mail is sent again, with the same Message-ID.

Usage: python Tests/notifications/test_mail.py path/to/ft   (exits 1 on any failure)
"""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse

from support import call, check, demo, failures, finish, free_port, serving, smtp_sink, wait_for

FT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("FT", ".build/debug/ft"))
TEMPLATES = os.path.join(os.path.dirname(__file__), "..", "..", "site-templates")
CLIENT = "client@financialtracker.example"
PASSWORD = "demo-financialtracker"


def main():
    root, data, environment, database = demo(FT, TEMPLATES, "ft-mail-", 6, 12)
    sink, controller, smtp_port = smtp_sink()
    port = free_port()
    server = None

    def start():
        process = subprocess.Popen([
            FT, "serve", "--data-dir", data, "--port", str(port), "--public", os.path.join(data, "public"), "--templates", TEMPLATES,
            "--no-rebuild", "--compact-days", "0", "--archive-every", "0", "--smtp", f"smtp://127.0.0.1:{smtp_port}",
            "--quiet-hours", "none", "--mail-digest", "1", "--mail-interval", "1", "--mail-retry-delay", "1", "--mail-tries", "3",
            # Messages' e-mails only: a seeded step falling due between the seed's midnight and now
            # would add its alert to the digest (the alert rules are tested in AlertTests).
            "--alert-interval", "0",
        ], env=environment, stdout=subprocess.DEVNULL, stderr=open(os.path.join(root, "serve.log"), "ab"))
        return serving(process, port, os.path.join(root, "serve.log"))

    try:
        server = start()
        status, session = call(port, "POST", "/api/v1/session", {"email": CLIENT, "password": PASSWORD})
        token = session["token"]
        _, pull = call(port, "GET", "/api/v1/sync/pull?cursor=0&limit=1", token=token)
        conversation = next(op["fields"]["conversation"] for op in pull["snapshot"] if op["collection"] == "message")
        db = sqlite3.connect(database)
        participants = {row[0] for row in db.execute("""
            SELECT u.email FROM conversation c JOIN dossier d ON d.id = c.dossierId JOIN expertAssignment a ON a.dossierId = d.id
            JOIN expert e ON e.id = a.expertId JOIN user u ON u.id = e.userId WHERE c.id = ? AND a.status <> 'cancelled'""", (conversation,))}
        dossier = db.execute("SELECT dossierId FROM conversation WHERE id = ?", (conversation,)).fetchone()[0]
        db.close()

        def push_message(record, body, as_token=None):
            now = int(time.time() * 1000)
            status, answer = call(port, "POST", "/api/v1/sync/push", {"operations": [{
                "id": record, "collection": "message", "action": "insert", "record": record,
                "fields": {"conversation": conversation, "body": body}, "hlc": f"{now:016d}-00000-mailtest"}]}, token=as_token or token)
            check(status == 200 and answer["results"][0]["status"] == "accepted", f"push {record} accepted ({status})")

        body = "Bonjour, voici le relevé d’électricité <b>2026</b> & la facture."
        push_message("mail-1", body)
        received = wait_for(lambda: len(sink.parsed()) >= len(participants) and sink.parsed(), 20)
        check(bool(participants), f"the dossier has experts to notify ({sorted(participants)})")
        recipients = sorted(to[0] for to, _ in received or [])
        check(recipients == sorted(participants), f"one e-mail to each participant but the author: {recipients} vs {sorted(participants)}")
        check(CLIENT not in recipients, "none to the author")
        to, message = received[0]
        check(message["Subject"].startswith("Nouveau message de "), f"French subject: {message['Subject']!r}")
        check(message["From"].addresses[0].addr_spec == "notifications@financialtracker.example", f"From: {message['From']}")
        check(message["To"].addresses[0].addr_spec == to[0], "To matches the envelope")
        check(message["Message-ID"].startswith("<ft-") and message["Message-ID"].endswith("@financialtracker.example>"), f"Message-ID {message['Message-ID']}")
        check(message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click", "one-click unsubscribe offered (RFC 8058)")
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        check(body in text, "the text part holds the message as written")
        check("relevé d’électricité &lt;b&gt;2026&lt;/b&gt; &amp; la facture" in html and "<b>2026</b>" not in html, "the HTML part holds it, escaped")
        check(f"/app/conversation.html?conversation={conversation}" in text, "the text part links to the conversation")
        link = next(line.split(" — ")[-1].strip() for line in text.splitlines() if "/app/conversation.html" in line)
        status, page = call(port, "GET", link.replace(f"http://127.0.0.1:{port}", ""), raw=True)
        check(status == 200 and b"<html" in page, f"the link opens the conversation page ({status})")

        # Unsubscribe: GET asks, POST does, once, for that user and kind only.
        unsubscribe = message["List-Unsubscribe"].strip("<>")
        check(unsubscribe in text, "the text part shows the unsubscribe link")
        path = unsubscribe.replace(f"http://127.0.0.1:{port}", "")
        db = sqlite3.connect(database)
        before = db.execute("SELECT userId, kind, channel, enabled FROM notificationPreference ORDER BY 1, 2, 3").fetchall()
        db.close()
        status, page = call(port, "GET", path, raw=True)
        check(status == 200 and "Ne plus recevoir les nouveaux messages par e-mail".encode() in page, f"GET shows what the link turns off ({status})")
        status, page = call(port, "POST", path, raw=True, form="List-Unsubscribe=One-Click")
        check(status == 200 and "C’est fait".encode() in page, f"POST unsubscribes ({status})")
        status, _ = call(port, "POST", path, raw=True, form="List-Unsubscribe=One-Click")
        check(status == 410, f"the same link again: 410 ({status})")
        status, _ = call(port, "POST", path[:-4] + "AAAA", raw=True)
        check(status == 404, f"a made-up link: 404 ({status})")
        db = sqlite3.connect(database)
        user = db.execute("SELECT id FROM user WHERE email = ?", (to[0],)).fetchone()[0]
        after = db.execute("SELECT userId, kind, channel, enabled FROM notificationPreference ORDER BY 1, 2, 3").fetchall()
        db.close()
        changed = sorted(set(after) - set(before))
        check(changed == [(user, "message", "email", 0)], f"only that user's e-mails for messages changed: {changed}")
        count = len(sink.parsed())
        push_message("mail-2", "Un deuxième message")
        time.sleep(4)  # the digest window (1 s) and a few rounds (1 s each): nothing may come
        later = [to for to, _ in sink.parsed()[count:]]
        check([to[0]] not in later, f"no more e-mail for messages to {to[0]} (later: {later})")

        # From here on the expert writes, and the client is e-mailed.
        expert_token = call(port, "POST", "/api/v1/session", {"email": to[0], "password": PASSWORD})[1]["token"]

        # A server that answers 451: retries, then a dead letter.
        sink.refuse = True
        push_message("mail-3", "Refusé par le serveur", expert_token)
        def dead():
            db = sqlite3.connect(database)
            rows = db.execute("SELECT attempts, lastError FROM notificationDelivery WHERE status = 'dead'").fetchall()
            db.close()
            return rows
        rows = wait_for(dead, 25)
        check(bool(rows) and all(attempts == 3 and "451" in error for attempts, error in rows), f"dead letters after 3 tries with the 451: {rows}")
        sink.refuse = False

        # An announcement to every client: their e-mails share a few SMTP sessions (ft serve holds
        # at most 4 at once), and one refused recipient (550, RSET) stops nobody else's.
        db = sqlite3.connect(database)
        clients = sorted(row[0] for row in db.execute("""
            SELECT u.email FROM user u WHERE u.role = 'client' AND u.active = 1 AND NOT EXISTS (SELECT 1 FROM notificationPreference p
              WHERE p.userId = u.id AND p.kind = 'announcement' AND p.channel = 'email' AND p.enabled = 0)"""))
        db.close()
        refused = clients[len(clients) // 2]
        sink.refused = {refused}
        count = len(sink.parsed())
        admin_token = call(port, "POST", "/api/v1/session", {"email": "admin@financialtracker.example", "password": PASSWORD})[1]["token"]
        status, _ = call(port, "POST", "/admin/annonces/envoyer", token=admin_token, raw=True,
                         form=urllib.parse.urlencode({"title": "Par lots", "body": "Une annonce à tous les clients.", "role": "client", "channels": "email"}))
        check(status in (200, 303), f"the announcement was sent ({status})")
        wait_for(lambda: len(sink.parsed()) >= count + len(clients) - 1, 20)
        received = sink.parsed()[count:]
        peers = sink.peers[count:]
        check(sorted(to[0] for to, _ in received) == [c for c in clients if c != refused],
              f"one e-mail to each of the {len(clients)} clients but the refused one: {sorted(to[0] for to, _ in received)}")
        check(1 <= len(set(peers)) <= 4 < len(received), f"{len(received)} e-mails over {len(set(peers))} SMTP sessions")
        def refused_dead():
            db = sqlite3.connect(database)
            rows = db.execute("SELECT d.attempts, d.lastError FROM notificationDelivery d JOIN user u ON u.id = d.userId "
                              "WHERE u.email = ? AND d.status = 'dead' AND d.lastError LIKE '550%'", (refused,)).fetchall()
            db.close()
            return rows
        check(bool(wait_for(refused_dead, 25)), f"the refused recipient's e-mail is a dead letter after 3 tries with the 550: {refused_dead()}")
        sink.refused = set()

        # kill -9 while the SMTP server holds the message: sent again after restart, same Message-ID.
        sink.data_delay = 4.0
        count = len(sink.parsed())
        push_message("mail-4", "Avant la panne", expert_token)
        wait_for(lambda: len(sink.parsed()) > count, 15)
        server.send_signal(signal.SIGKILL)
        server.wait()
        sink.data_delay = 0.0
        server = start()
        wait_for(lambda: len(sink.parsed()) > count + 1, 20)
        ids = [message["Message-ID"] for _, message in sink.parsed()[count:]]
        check(len(ids) >= 2 and ids[0] in ids[1:], f"the e-mail cut by kill -9 was sent again with the same Message-ID: {ids}")
        server.send_signal(signal.SIGTERM)
        check(server.wait(timeout=10) == 0, "ft serve ends cleanly on SIGTERM")
        server = None
    finally:
        finish(server, [controller], root)

if __name__ == "__main__":
    main()
