""""Supprimer mon compte", end to end (headless Chromium, the real `ft serve` rebuilding the public
pages, the SQLite file, a real SMTP server on loopback), as the demo expert does it:

- in the app's "Mon compte", the section is there and says what goes and what stays; a wrong
  password is refused on its field and deletes nothing;
- with the password and the box ticked, the page says the account is deleted and shows the
  sign-in form; the expert's live channel closes, their token is refused, their password too;
- what was theirs is gone: their messages are deleted on the client's side (a pull brings the
  deletions), no body of theirs is left in SQLite (messages, change log, notifications), the
  file they uploaded answers 410 and its bytes are off the disk, their public page disappears;
- what the law keeps stays without their name: the dossier, its history, the audit line;
- an e-mail confirms it to the old address.

Usage: python Tests/notifications/test_account_deletion.py path/to/ft   (exits 1 on any failure)
"""
import os
import sqlite3
import sys
import time
import urllib.request

from support import call, check, demo, finish, live_socket, serve_with_mail, smtp_sink, status_of, wait_for

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "browser"))
from harness import chromium, settled  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

FT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("FT", ".build/debug/ft"))
TEMPLATES = os.path.join(os.path.dirname(__file__), "..", "..", "site-templates")
EXPERT = "expert@financialtracker.example"
CLIENT = "client@financialtracker.example"
PASSWORD = "demo-financialtracker"
SECRET = "Chiffreconfidentiel4217"


def shown(driver, element_id, seconds=20):
    return settled(driver, seconds).until(lambda d: d.find_element(By.ID, element_id) if d.find_element(By.ID, element_id).is_displayed() else None)


def main():
    root, data, environment, database = demo(FT, TEMPLATES, "ft-account-deletion-", 20, 10)
    sink, controller, smtp_port = smtp_sink()
    server, driver = None, None
    try:
        server, port, base = serve_with_mail(FT, data, os.path.join(data, "public"), TEMPLATES, smtp_port, root, environment)
        with sqlite3.connect(database) as db:
            expert_user, slug = db.execute("SELECT u.id, e.slug FROM user u JOIN expert e ON e.userId = u.id WHERE u.email = ?", (EXPERT,)).fetchone()
        check(status_of(f"{base}/experts/{slug}/") == 200, "the expert's public page is there before")

        # The expert writes into the demo dossier and uploads a file there, as in the app.
        _, expert = call(port, "POST", "/api/v1/session", {"email": EXPERT, "password": PASSWORD})
        _, client = call(port, "POST", "/api/v1/session", {"email": CLIENT, "password": PASSWORD})
        _, pulled = call(port, "GET", "/api/v1/sync/pull?cursor=0", token=expert["token"])
        _, client_pull = call(port, "GET", "/api/v1/sync/pull?cursor=0", token=client["token"])
        shared = {op["record"] for op in client_pull["snapshot"] if op["collection"] == "document"} & {op["record"] for op in pulled["snapshot"] if op["collection"] == "document"}
        document = sorted(shared)[0]
        with sqlite3.connect(database) as db:
            conversation = db.execute("SELECT c.id FROM conversation c JOIN document d ON d.dossierId = c.dossierId WHERE d.id = ?", (document,)).fetchone()[0]
        hlc = f"{int(time.time() * 1000):016d}-00000-phone"
        status, answer = call(port, "POST", "/api/v1/sync/push", {"operations": [
            {"id": "del-op-1", "collection": "message", "action": "insert", "record": "del-msg-1", "fields": {"conversation": conversation, "body": f"Le montant : {SECRET}"}, "hlc": hlc}]}, token=expert["token"])
        check(status == 200 and answer["results"][0]["status"] == "accepted", f"the expert's message is accepted: {status} {answer}")
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/documents/{document}/versions/del-v1?fileName=rapport.pdf&hlc={hlc}",
                                         data=b"%PDF-1.4\n" + os.urandom(3000), method="PUT",
                                         headers={"FT-Protocol": "1", "Authorization": f"Bearer {expert['token']}", "Content-Type": "application/pdf"})
        with urllib.request.urlopen(request, timeout=30) as response:
            check(response.status == 201, "the expert uploads a file into the dossier")
        with sqlite3.connect(database) as db:
            sha = db.execute("SELECT sha256 FROM documentVersion WHERE id = 'del-v1'").fetchone()[0]
        blob = os.path.join(data, "blobs", sha[:2], sha)
        check(os.path.exists(blob), "its bytes are on the disk")
        _, cursor_page = call(port, "GET", "/api/v1/sync/pull?cursor=0", token=client["token"])
        client_cursor = cursor_page["cursor"]
        welcome, closed, closed_at = live_socket(port, expert["token"])

        # In the app: "Mon compte" → "Supprimer mon compte".
        driver = chromium(window="1280,1000")
        driver.get(f"{base}/app/index.html")
        shown(driver, "sign-in")
        driver.find_element(By.ID, "email").send_keys(EXPERT)
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        driver.find_element(By.CSS_SELECTOR, "#sign-in button").click()
        shown(driver, "sign-out")
        driver.get(f"{base}/app/preferences.html")
        form = shown(driver, "delete-account-form")
        driver.execute_script("arguments[0].scrollIntoView()", form)
        if os.environ.get("SHOTS"):
            driver.save_screenshot(os.path.join(os.environ["SHOTS"], "delete-form.png"))
        title = driver.find_element(By.ID, "delete-account-title")
        check(title.is_displayed() and title.text == "Supprimer mon compte" and "définitive" in form.text and "la loi" in form.text,
              f"'Mon compte' offers 'Supprimer mon compte' and says what goes and what stays: {form.text[:160]!r}")
        driver.find_element(By.ID, "delete-password").send_keys("pas le bon mot de passe")
        driver.find_element(By.ID, "delete-confirm").click()
        driver.find_element(By.CSS_SELECTOR, "#delete-account-form button[type=submit]").click()
        state = settled(driver, 20).until(lambda d: d.find_element(By.ID, "delete-state") if d.find_element(By.ID, "delete-state").get_attribute("data-state") == "refused" else None)
        check(state.is_displayed() and "rien n’a été supprimé" in state.text and driver.find_element(By.ID, "delete-password").get_attribute("aria-invalid") == "true",
              f"a wrong password is refused on its field: {state.text!r}")
        check(call(port, "GET", "/api/v1/me", token=expert["token"])[0] == 200, "and nothing was deleted")
        password = driver.find_element(By.ID, "delete-password")
        password.clear()
        password.send_keys(PASSWORD)
        driver.find_element(By.CSS_SELECTOR, "#delete-account-form button[type=submit]").click()
        notice = shown(driver, "account-deleted")
        check("Compte supprimé" in notice.text and EXPERT in notice.text, f"the page says the account is deleted: {notice.text!r}")
        check(shown(driver, "sign-in").is_displayed() and not driver.find_element(By.ID, "account-settings").is_displayed(), "and shows the sign-in form, nothing of the account")
        if os.environ.get("SHOTS"):
            driver.save_screenshot(os.path.join(os.environ["SHOTS"], "deleted.png"))

        # Signed out everywhere, for good.
        check(wait_for(lambda: closed.is_set(), 2), "the expert's live channel closes")
        check(call(port, "GET", "/api/v1/me", token=expert["token"])[0] == 401, "their token is refused")
        check(call(port, "POST", "/api/v1/session", {"email": EXPERT, "password": PASSWORD})[0] == 401, "their password too")

        # What was theirs is gone; the client's device learns of it.
        _, page = call(port, "GET", f"/api/v1/sync/pull?cursor={client_cursor}", token=client["token"])
        check(any(op["collection"] == "message" and op["record"] == "del-msg-1" and op["action"] == "delete" for op in (change["operation"] for change in page["changes"])),
              "the client's pull brings the deletion of the expert's message")
        with sqlite3.connect(database) as db:
            left = sum(db.execute(sql, (SECRET,)).fetchone()[0] for sql in [
                "SELECT count(*) FROM message WHERE instr(body, ?)", "SELECT count(*) FROM syncChange WHERE instr(fields, ?)",
                "SELECT count(*) FROM notification WHERE instr(body, ?)"])
            check(left == 0, f"no body of theirs is left in SQLite ({left} rows)")
            check(db.execute("SELECT count(*) FROM message WHERE authorId = ? AND deletedAt IS NULL", (expert_user,)).fetchone()[0] == 0, "none of their messages is left")
            account = db.execute("SELECT email, displayName, passwordHash, deletedAt FROM user WHERE id = ?", (expert_user,)).fetchone()
            check(account[0].endswith("@financialtracker.invalid") and account[1] == "Compte supprimé" and account[2] is None and account[3],
                  f"the account row stays without their name, address or password: {account}")
            check(db.execute("SELECT count(*) FROM auditLog WHERE instr(detail, ?)", (EXPERT,)).fetchone()[0] == 0
                  and db.execute("SELECT count(*) FROM auditLog WHERE action = 'user.delete' AND entityId = ?", (str(expert_user),)).fetchone()[0] == 1,
                  "the audit log keeps one line saying so, and their address nowhere")
            check(db.execute("SELECT count(*) FROM dossier d JOIN document x ON x.dossierId = d.id WHERE x.id = ?", (document,)).fetchone()[0] == 1, "the dossier stays")
        status, _ = call(port, "GET", "/api/v1/documents/versions/del-v1/content", token=client["token"], raw=True)
        check(status == 410, f"the file they uploaded answers 410: {status}")
        check(not os.path.exists(blob), "its bytes are off the disk")
        check(wait_for(lambda: status_of(f"{base}/experts/{slug}/") == 404, 30), "their public page disappears")
        mail = wait_for(lambda: [m for to, m in sink.parsed() if to == [EXPERT] and m["Subject"] == "Votre compte FinancialTracker est supprimé"], 30)
        check(bool(mail), f"an e-mail confirms it to the old address: {[m['Subject'] for _, m in sink.parsed()][-5:]}")
    finally:
        if driver:
            driver.quit()
        finish(server, [controller], root)


if __name__ == "__main__":
    main()
