"""Saved searches' new-expert alerts, end to end: a visitor on the public search page (headless
Chromium, the real `ft serve` and SQLite file) asks to be told of new experts for a scheme and a
region; a real SMTP server on loopback (aiosmtpd) receives the confirmation e-mail (double opt-in),
read with Python's `email` package; the visitor confirms from its link; then:

- an expert approved before the confirmation is never sent; one approved after it that meets the
  search is e-mailed (French, both parts, a link to the expert's page, one-click stop), one that
  does not meet it is not;
- the stop link (as a mail client posts it) ends the alert: a later matching expert is not sent;
- the database keeps only the links' token hashes, never a token;
- refusals name the field: a bad address, an unknown scheme, a body that is not JSON, a fourth
  alert waiting for confirmation at one address (429); what the visitor typed is escaped on the
  link's page.

Experts are approved here with SQL: admins approve them in the product only with issue 19.

Usage: python Tests/notifications/test_search_alert.py path/to/ft   (exits 1 on any failure)
"""
import os
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timezone
from html import unescape
from urllib.parse import parse_qs, quote, urlsplit

from support import call, check, demo, finish, free_port, serving, smtp_sink, wait_for

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "browser"))
from harness import chromium, settled  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

FT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("FT", ".build/debug/ft"))
TEMPLATES = os.path.join(os.path.dirname(__file__), "..", "..", "site-templates")
VISITOR = "visiteuse@example.org"


def now_text():
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def main():
    root, data, environment, database = demo(FT, TEMPLATES, "ft-search-alert-", 80, 20)
    sink, controller, smtp_port = smtp_sink()
    port = free_port()
    log = os.path.join(root, "serve.log")
    server = subprocess.Popen([
        FT, "serve", "--data-dir", data, "--port", str(port), "--public", os.path.join(data, "public"), "--templates", TEMPLATES,
        "--smtp", f"smtp://127.0.0.1:{smtp_port}", "--quiet-hours", "none", "--mail-interval", "1", "--alert-interval", "0",
        "--compact-days", "0", "--archive-every", "0", "--no-rebuild",
    ], env=environment, stdout=subprocess.DEVNULL, stderr=open(log, "ab"))
    driver = None
    try:
        serving(server, port, log)
        with sqlite3.connect(database) as db:
            product, region = db.execute("""
                SELECT p.code, e.region FROM eligibleProduct p JOIN expertSpecialty s ON s.productId = p.id JOIN expert e ON e.id = s.expertId
                GROUP BY p.code, e.region ORDER BY count(*) DESC LIMIT 1""").fetchone()
            other_region = db.execute("SELECT region FROM expert WHERE region <> ? LIMIT 1", (region,)).fetchone()[0]
            pending = [row[0] for row in db.execute("SELECT id FROM expert WHERE approval = 'pending' ORDER BY id").fetchall()]
            admin = db.execute("SELECT id FROM user WHERE role = 'admin' ORDER BY id LIMIT 1").fetchone()[0]
        check(len(pending) >= 4, f"the demo has experts waiting for approval: {len(pending)}")

        def approve(expert, in_region, with_product=True):
            """What an admin's approval will do (issue 19): the expert, made to meet the search or not."""
            with sqlite3.connect(database) as db:
                db.execute("UPDATE expert SET region = ?, approval = 'approved', approvedAt = ?, approvedBy = ?, active = 1 WHERE id = ?",
                           (in_region, now_text(), admin, expert))
                if with_product:
                    db.execute("INSERT OR IGNORE INTO expertSpecialty (expertId, productId) SELECT ?, id FROM eligibleProduct WHERE code = ?", (expert, product))
                return db.execute("SELECT slug, firstName || ' ' || lastName FROM expert WHERE id = ?", (expert,)).fetchone()

        # The visitor asks from the search page, with a scheme and a region chosen.
        driver = chromium(window="1280,900")
        driver.get(f"http://127.0.0.1:{port}/recherche/?dispositif={quote(product)}&region={quote(region)}")
        form = settled(driver, 20).until(lambda d: d.find_element(By.ID, "alerte-form") if d.find_element(By.ID, "alerte-form").is_displayed() else None)
        heading = driver.find_element(By.ID, "alerte-titre")
        check(heading.is_displayed() and heading.text == "Alertes de nouveaux experts", f"the search page offers the alerts: {heading.text!r}")
        driver.find_element(By.ID, "alerte-email").send_keys(VISITOR)
        form.find_element(By.TAG_NAME, "button").click()
        status = settled(driver, 20).until(lambda d: d.find_element(By.ID, "alerte-status") if d.find_element(By.ID, "alerte-status").get_attribute("data-state") else None)
        check(status.is_displayed() and status.get_attribute("data-state") == "sent" and VISITOR in status.text and "confirmer" in status.text,
              f"the page says a confirmation e-mail left: {status.text!r}")

        confirmation = wait_for(lambda: [m for to, m in sink.parsed() if to == [VISITOR]], 30)
        check(confirmation and len(confirmation) == 1, f"one confirmation e-mail: {[m['Subject'] for _, m in sink.parsed()]}")
        if not confirmation:
            raise SystemExit(1)
        message = confirmation[0]
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        check(message["Subject"] == "Confirmez votre alerte de nouveaux experts", f"French subject: {message['Subject']!r}")
        check(message["List-Unsubscribe"] is None, "nothing to unsubscribe from before confirming")
        for part, body in (("text", text), ("HTML", unescape(html))):
            check(f"dispositif {product}" in body and region in body, f"the {part} part names the search: {body[-1500:]!r}")
        confirm = next((word for word in text.split() if "/confirm" in word), "")
        check(confirm.startswith(f"http://127.0.0.1:{port}/api/v1/search-alerts/") and confirm in html, f"the confirmation link, in both parts: {confirm!r}")
        token = confirm.rsplit("/", 2)[-2]

        # Not confirmed yet: an expert approved now is not sent, then or later.
        early = approve(pending[0], region)
        time.sleep(3)
        check([m["Subject"] for to, m in sink.parsed() if to == [VISITOR]] == [message["Subject"]], "nothing is sent before the confirmation")

        # Confirming: the link shows a button (mail scanners follow links; a GET changes nothing).
        driver.get(confirm)
        button = driver.find_element(By.CSS_SELECTOR, "form button")
        check(driver.find_element(By.TAG_NAME, "h1").text == "Confirmer l’alerte" and button.is_displayed(), "the link asks to confirm, with a button")
        with sqlite3.connect(database) as db:
            check(db.execute("SELECT confirmedAt FROM searchAlert").fetchall() == [(None,)], "opening the link changed nothing")
        button.click()
        settled(driver, 10).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Alerte confirmée")
        check(driver.find_element(By.TAG_NAME, "p").is_displayed() and product in driver.find_element(By.TAG_NAME, "p").text, "the page says it is confirmed, for that search")

        # After it: one expert that meets the search, one in another region.
        time.sleep(0.01)
        slug, name = approve(pending[1], region)
        _, other = approve(pending[2], other_region)
        alerts = wait_for(lambda: [m for to, m in sink.parsed() if to == [VISITOR] and "expert" in m["Subject"] and m["Subject"] != message["Subject"]], 30)
        check(alerts and len(alerts) == 1, f"one e-mail of new experts: {[m['Subject'] for _, m in sink.parsed()]}")
        if not alerts:
            raise SystemExit(1)
        news = alerts[0]
        text = news.get_body(("plain",)).get_content()
        html = news.get_body(("html",)).get_content()
        check(news["Subject"] == "Un nouvel expert pour votre recherche", f"French subject: {news['Subject']!r}")
        check(name in text and name in html, f"it names the expert who meets the search: {name!r}")
        check(other not in text and early[1] not in text, f"and neither the one elsewhere ({other!r}) nor the one approved before the confirmation ({early[1]!r})")
        check(f"http://127.0.0.1:{port}/experts/{slug}/" in text and f'href="http://127.0.0.1:{port}/experts/{slug}/"' in html, "a link to the expert's page")
        search = next((word for word in text.split() if word.startswith(f"http://127.0.0.1:{port}/recherche/?")), "")
        check(parse_qs(urlsplit(search).query) == {"dispositif": [product], "region": [region]}, f"a link back to the search: {search!r}")
        stop = (news["List-Unsubscribe"] or "").strip("<>")
        check(stop.endswith(f"/api/v1/search-alerts/{token}/cancel") and news["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click",
              f"one-click stop: {news['List-Unsubscribe']!r}")

        with open(database, "rb") as handle:
            stored = handle.read()
        for suffix in ("-wal",):
            if os.path.exists(database + suffix):
                with open(database + suffix, "rb") as handle:
                    stored += handle.read()
        check(token.encode() not in stored, "the database does not hold the link's token")

        # The stop link, as a mail client posts it; a later expert is not sent.
        status, page = call(port, "POST", stop.replace(f"http://127.0.0.1:{port}", ""), raw=True, form="List-Unsubscribe=One-Click")
        check(status == 200 and "Alerte arrêtée".encode() in page, f"stopped ({status})")
        count = len(sink.parsed())
        approve(pending[3], region)
        time.sleep(4)
        check(len(sink.parsed()) == count, f"nothing after the stop: {[m['Subject'] for _, m in sink.parsed()[count:]]}")
        status, _ = call(port, "POST", stop.replace(f"http://127.0.0.1:{port}", ""), raw=True, form="List-Unsubscribe=One-Click")
        check(status == 410, f"the stop link, once more: 410 ({status})")

        # Refusals name the field; nothing is stored.
        with sqlite3.connect(database) as db:
            before = db.execute("SELECT count(*) FROM searchAlert").fetchone()[0]
        status, answer = call(port, "POST", "/api/v1/search-alerts", {"email": "pas-une-adresse", "dispositif": product})
        check(status == 400 and b'"field":"email"' in answer, f"a bad address: {status} {answer!r}")
        status, answer = call(port, "POST", "/api/v1/search-alerts", {"email": VISITOR, "dispositif": "INCONNU"})
        check(status == 400 and b'"field":"dispositif"' in answer and "INCONNU".encode() in answer, f"an unknown scheme: {status} {answer!r}")
        status, answer = call(port, "POST", "/api/v1/search-alerts", {"email": VISITOR, "langue": "xx"})
        check(status == 400 and b'"field":"langue"' in answer, f"an unknown language: {status} {answer!r}")
        status, answer = call(port, "POST", "/api/v1/search-alerts", raw=True, form=f"email={VISITOR}")
        check(status == 415, f"a form that is not JSON (another site's page could post one): {status}")
        with sqlite3.connect(database) as db:
            check(db.execute("SELECT count(*) FROM searchAlert").fetchone()[0] == before, "nothing stored for them")
        answers = [call(port, "POST", "/api/v1/search-alerts", {"email": "flood@example.org", "q": "<script>alert(1)</script> TICPE"})[0] for _ in range(4)]
        check(answers == [202, 202, 202, 429], f"three alerts may wait for confirmation at one address, not four: {answers}")
        def to_flood():
            return [m for to, m in sink.parsed() if to == ["flood@example.org"]]
        flood = wait_for(lambda: len(to_flood()) == 3 and to_flood(), 30)
        check(flood and len(flood) == 3, f"three confirmation e-mails: {len(flood or [])}")
        if flood:
            link = next(word for word in flood[0].get_body(("plain",)).get_content().split() if "/confirm" in word)
            status, page = call(port, "GET", link.replace(f"http://127.0.0.1:{port}", ""), raw=True)
            check(status == 200 and b"&lt;script&gt;alert(1)&lt;/script&gt;" in page and b"<script>alert" not in page, "what the visitor typed is escaped on the link's page")
            check("<script>alert" not in flood[0].get_body(("html",)).get_content(), "and in the e-mail's HTML part")
        status, page = call(port, "GET", "/api/v1/search-alerts/" + "A" * 43 + "/confirm", raw=True)
        check(status == 404 and "Lien inconnu".encode() in page, f"an unknown link: {status}")
        server.terminate()
        check(server.wait(timeout=15) == 0, "ft serve ends cleanly on SIGTERM")
        server = None
    finally:
        if driver:
            driver.quit()
        finish(server, [controller], root)


if __name__ == "__main__":
    main()
