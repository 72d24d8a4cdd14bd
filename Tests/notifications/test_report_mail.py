"""Reports by e-mail end to end: the real `ft serve` (SQLite file, HTTP server, its scheduled
reports, headless Chromium for the PDF) sends to a real SMTP server on loopback (aiosmtpd), and the
e-mails are read with Python's `email` package and the attachments with openpyxl:

- every active admin is told in the app of each scheduled report (daily, weekly, monthly), once,
  even across a restart;
- only the admin who asked for the weekly report by e-mail (a preference pushed through sync, as
  the preferences page does) gets it: French subject, a link to the report's page (which only an
  admin opens), the XLSX (the same cells as the report's CSV) and the PDF (the printed file)
  attached; no other admin and no other period is e-mailed;
- the e-mail's one-click unsubscribe link turns off that admin's weekly report e-mails only.

Usage: python Tests/notifications/test_report_mail.py path/to/ft   (exits 1 on any failure)
"""
import csv
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import time

import openpyxl

from support import call, check, demo, failures, finish, free_port, serving, smtp_sink, wait_for

FT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("FT", ".build/debug/ft"))
TEMPLATES = os.path.join(os.path.dirname(__file__), "..", "..", "site-templates")
ADMIN = "admin@financialtracker.example"
PASSWORD = "demo-financialtracker"
CHROMIUM = next((path for path in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"] if os.access(path, os.X_OK)), None)


def main():
    root, data, environment, database = demo(FT, TEMPLATES, "ft-report-mail-", 6, 12)
    admin_folder = os.path.join(data, "admin")
    # The reports are made by the server, not left by `ft generate`.
    shutil.rmtree(os.path.join(admin_folder, "rapports"), ignore_errors=True)
    sink, controller, smtp_port = smtp_sink()
    port = free_port()
    server = None

    def start(reports_after):
        process = subprocess.Popen([
            FT, "serve", "--data-dir", data, "--port", str(port), "--public", os.path.join(data, "public"), "--templates", TEMPLATES,
            "--smtp", f"smtp://127.0.0.1:{smtp_port}", "--quiet-hours", "none", "--mail-interval", "1", "--alert-interval", "0",
            "--compact-days", "0", "--archive-every", "0", "--reports-after", str(reports_after),
        ], env=environment, stdout=subprocess.DEVNULL, stderr=open(os.path.join(root, "serve.log"), "ab"))
        return serving(process, port, os.path.join(root, "serve.log"))

    def report_notices():
        with sqlite3.connect(database) as db:
            return db.execute("SELECT userId, kind, target FROM notification WHERE kind LIKE 'report_%' ORDER BY 1, 2").fetchall()

    try:
        with sqlite3.connect(database) as db:
            admins = dict(db.execute("SELECT id, email FROM user WHERE role = 'admin' AND active = 1").fetchall())
        check(len(admins) >= 2, f"the demo has several admins: {sorted(admins.values())}")
        server = start(reports_after=8)
        status, session = call(port, "POST", "/api/v1/session", {"email": ADMIN, "password": PASSWORD})
        token, me = session["token"], session["user"]["id"]
        now = int(time.time() * 1000)
        status, answer = call(port, "POST", "/api/v1/sync/push", {"operations": [{
            "id": "want-weekly-report", "collection": "preference", "action": "update", "record": f"{me}:report_weekly:email",
            "fields": {"enabled": True}, "hlc": f"{now:016d}-00000-reporttest"}]}, token=token)
        check(status == 200 and answer["results"][0]["status"] == "accepted", f"the admin asked for the weekly report by e-mail ({status})")

        def weekly_mail():
            return [(to, message) for to, message in sink.parsed() if message["Subject"].startswith("Rapport de la semaine")]
        received = wait_for(weekly_mail, 90, step=0.5)
        check(len(received) == 1, f"one weekly report e-mail: {[(to, m['Subject']) for to, m in sink.parsed()]}")
        if not received:
            raise SystemExit(1)
        to, message = received[0]
        check(to == [ADMIN], f"to the admin who asked only: {to}")
        time.sleep(3)  # a few more rounds: nothing else may come
        others = [(to, m["Subject"]) for to, m in sink.parsed() if m["Subject"] != message["Subject"] or to != [ADMIN]]
        check(others == [], f"no e-mail to the other admins, nor of the other periods: {others}")
        notices = report_notices()
        check(sorted({(user, kind) for user, kind, _ in notices}) == sorted((user, kind) for user in admins for kind in ("report_daily", "report_monthly", "report_weekly")),
              f"every active admin told in the app of each report, once: {len(notices)} notices")
        check(len(notices) == len(admins) * 3, f"no notice twice: {len(notices)}")

        # The e-mail: French, a link to the report's page, the two files attached.
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        check("Votre rapport est prêt" in text and "Votre rapport est prêt" in html, "the e-mail says the report is ready, in both parts")
        link = next((word for word in text.split() if "/admin/rapports/weekly/" in word), "")
        slug = link.rsplit("/", 1)[-1].removesuffix(".html")
        check(link.startswith(f"http://127.0.0.1:{port}/admin/rapports/weekly/") and link.endswith(".html"), f"a link to the report's page: {link!r}")
        path = link.replace(f"http://127.0.0.1:{port}", "")
        status, page = call(port, "GET", path, token=token, raw=True)
        check(status == 200 and slug.encode() in page, f"the link opens the report for the admin ({status})")
        status, _ = call(port, "GET", path, raw=True)
        check(status == 401, f"and not for a visitor ({status})")
        files = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
        expected = [f"rapport-{slug}.xlsx"] + ([f"rapport-{slug}.pdf"] if CHROMIUM else [])
        check(sorted(files) == sorted(expected), f"attached: {sorted(files)} (expected {expected})")
        attached = files.get(f"rapport-{slug}.xlsx", b"")
        with open(os.path.join(admin_folder, "rapports", "weekly", f"{slug}.xlsx"), "rb") as handle:
            check(attached == handle.read(), "the workbook attached is the report's (test_admin checks its cells against the CSV)")
        workbook = openpyxl.load_workbook(io.BytesIO(attached), read_only=True)
        cells = [[("" if value is None else str(value)) for value in row] for row in workbook.active.iter_rows(values_only=True)]
        with open(os.path.join(admin_folder, "rapports", "weekly", f"{slug}.csv"), encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle, delimiter=";"))
        check(len(cells) == len(rows) > 1 and cells[0] == rows[0], f"it opens, with the report's columns and rows: {cells[0][:4] if cells else None}, {len(cells)} rows")
        if CHROMIUM:
            with open(os.path.join(admin_folder, "rapports", "weekly", f"{slug}.pdf"), "rb") as handle:
                printed = handle.read()
            check(files.get(f"rapport-{slug}.pdf", b"").startswith(b"%PDF") and files.get(f"rapport-{slug}.pdf") == printed, "the PDF attached is the printed report")
        else:
            print("note: no Chromium here, so no PDF to attach; the XLSX was checked")

        # A restart tells nobody again.
        server.terminate()
        check(server.wait(timeout=15) == 0, "ft serve ends cleanly on SIGTERM")
        count = len(sink.parsed())
        server = start(reports_after=0)
        time.sleep(4)
        check(len(report_notices()) == len(admins) * 3 and len(sink.parsed()) == count, f"after a restart: {len(report_notices())} notices, {len(sink.parsed()) - count} new e-mails")

        # One-click unsubscribe: that admin's weekly report e-mails only.
        unsubscribe = message["List-Unsubscribe"].strip("<>").replace(f"http://127.0.0.1:{port}", "")
        status, page = call(port, "POST", unsubscribe, raw=True, form="List-Unsubscribe=One-Click")
        check(status == 200 and "le rapport hebdomadaire".encode() in page, f"unsubscribed from the weekly report ({status})")
        with sqlite3.connect(database) as db:
            preferences = db.execute("SELECT userId, kind, channel, enabled FROM notificationPreference WHERE kind LIKE 'report_%'").fetchall()
        check(preferences == [(me, "report_weekly", "email", 0)], f"only that preference changed: {preferences}")
        server.terminate()
        server.wait(timeout=15)
        server = None
    finally:
        finish(server, [controller], root)

if __name__ == "__main__":
    main()
