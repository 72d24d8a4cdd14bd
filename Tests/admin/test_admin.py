"""The admin dashboard and reports, end to end, with the real `ft`, a real SQLite file, a real
server and a real browser:

- every figure of the dashboard equals an independent SQL count on the seeded database;
- a report's XLSX (read with openpyxl) holds exactly the cells of its CSV, and the CSV round-trips;
- a period without activity says so; a bad --period or --date is a clear error;
- /admin/ gives nothing to a visitor, a client or an expert (pages, reports, figures, direct URLs),
  everything to an admin; nothing of it is under public/;
- the dashboard's figures change in the browser, without a reload, when a rating is pushed.

Usage: python Tests/admin/test_admin.py path/to/ft   (exits 1 on any failure)
"""
import atexit
import csv
import email
import email.policy
import io
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime

import openpyxl

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "browser"))
from harness import chromium  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

FT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("FT", ".build/debug/ft"))
TEMPLATES = os.path.join(os.path.dirname(__file__), "..", "..", "site-templates")
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL", message)


def ft(*arguments, expect_success=True):
    result = subprocess.run([FT, *arguments], capture_output=True, text=True, timeout=300)
    if expect_success and result.returncode != 0:
        raise SystemExit(f"ft {' '.join(arguments)} failed: {result.stderr}")
    return result


def dashboard_figures(html):
    return {key: value for key, value in re.findall(r'<tr data-kpi="([a-z_]+)"><th scope="row">[^<]*</th><td class="kpi-value" data-value="([^"]*)"', html)}


def expected_figures(database):
    db = sqlite3.connect(database)
    one = lambda sql: db.execute(sql).fetchone()[0]
    figures = {
        "clients": one("SELECT count(*) FROM client JOIN user ON user.id = client.userId WHERE user.active = 1"),
        "experts_active": one("SELECT count(*) FROM expert e JOIN user u ON u.id = e.userId WHERE e.approval = 'approved' AND e.active = 1 AND u.active = 1"),
        "experts_pending": one("SELECT count(*) FROM expert WHERE approval = 'pending'"),
        "dossiers": one("SELECT count(*) FROM dossier"),
        "amount_estimated": one("SELECT total(estimatedCents) FROM dossier WHERE status IN ('eligible', 'in_progress', 'done')"),
        "amount_recovered": one("SELECT total(obtainedCents) FROM dossier WHERE status = 'done'"),
        "rating_count": one("SELECT count(*) FROM rating"),
        "rating_average": one("SELECT avg(score) FROM rating"),
    }
    for status in ["eligible", "in_progress", "done", "ineligible", "cancelled"]:
        figures["dossiers_" + status] = one(f"SELECT count(*) FROM dossier WHERE status = '{status}'")
    for status in ["pending", "assigned", "in_progress", "completed", "cancelled"]:
        figures["assignments_" + status] = one(f"SELECT count(*) FROM expertAssignment WHERE status = '{status}'")
    figures["conversion"] = figures["dossiers_done"] / (figures["dossiers_eligible"] + figures["dossiers_in_progress"] + figures["dossiers_done"])
    # First response, computed here in Python: per conversation, the client's first message and
    # the first expert message after it.
    parse = lambda text: datetime.fromisoformat(text.replace(" ", "T"))
    waits = []
    messages = db.execute("SELECT m.conversationId, m.createdAt, u.role FROM message m JOIN user u ON u.id = m.authorId ORDER BY m.conversationId, m.createdAt").fetchall()
    by_conversation = {}
    for conversation, created, role in messages:
        by_conversation.setdefault(conversation, []).append((created, role))
    for rows in by_conversation.values():
        asked = min((created for created, role in rows if role == "client"), default=None)
        if asked is None:
            continue
        answers = [created for created, role in rows if role == "expert" and created > asked]
        if answers:
            waits.append((parse(min(answers)) - parse(asked)).total_seconds())
    figures["first_response"] = statistics.median(waits) if waits else None
    return figures


def compare_figures(html, database, label):
    shown = dashboard_figures(html)
    expected = expected_figures(database)
    check(set(expected) <= set(shown), f"{label}: figures missing from the dashboard: {set(expected) - set(shown)}")
    for key, value in expected.items():
        if key not in shown:
            continue
        if value is None:
            check(shown[key] == "", f"{label}: {key} shows {shown[key]!r}, expected nothing")
        elif isinstance(value, float):
            check(shown[key] != "" and abs(float(shown[key]) - value) <= 1e-5 * max(1, abs(value)) + (1 if key == "first_response" else 0),
                  f"{label}: {key} shows {shown[key]}, SQL says {value}")
        else:
            check(shown[key] == str(value), f"{label}: {key} shows {shown[key]}, SQL says {value}")
    return len(expected)


def request(port, path, token=None, cookie=None, method="GET", body=None):
    headers = {"FT-Protocol": "1", "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if cookie:
        headers["Cookie"] = cookie
    data = json.dumps(body).encode() if body is not None else None
    try:
        with urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method, headers=headers), timeout=30) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def sign_in(port, email):
    status, body, headers = request(port, "/api/v1/session", method="POST", body={"email": email, "password": "demo-financialtracker"})
    assert status == 201, (email, status, body)
    cookie = headers.get("Set-Cookie", "").split(";")[0]
    return json.loads(body)["token"], cookie


def post_form(port, path, fields, cookie, origin):
    data = urllib.parse.urlencode(fields, doseq=True).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    if origin:
        headers["Origin"] = origin
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method="POST", headers=headers), timeout=30) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def alert_centre(port, driver, database, cookie):
    """The alert centre: open alerts as SQL has them, acknowledged from the page; a rule changed
    (a value out of bounds refused, naming it); a dead e-mail sent again; another site's post refused."""
    with sqlite3.connect(database) as db:
        open_alerts = db.execute("SELECT count(*) FROM alert WHERE resolvedAt IS NULL").fetchone()[0]
        user = db.execute("SELECT id FROM user WHERE email = 'client@financialtracker.example'").fetchone()[0]
        notification = db.execute("INSERT INTO notification (userId, kind, title, body, createdAt) VALUES (?, 'document', 'Relevé', '', '2026-11-20 08:00:00.000')", (user,)).lastrowid
        db.execute("INSERT INTO notificationDelivery (notificationId, userId, channel, status, attempts, notBefore, mailId, lastError) VALUES (?, ?, 'email', 'dead', 6, '2026-11-20 08:00:00.000', 'ft-dead-1@test', '550 boîte inconnue')", (notification, user))
    # A page being replaced may hand back elements of the one before.
    wait = WebDriverWait(driver, 20, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException))
    driver.get(f"http://127.0.0.1:{port}/admin/alertes.html")
    wait.until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Centre d'alertes")
    link = driver.find_element(By.LINK_TEXT, "Alertes")
    check(link.is_displayed(), "the admin menu shows 'Alertes'")
    rows = driver.find_elements(By.CSS_SELECTOR, "#open-alerts tbody tr")
    check(open_alerts > 0 and len(rows) == min(open_alerts, 500), f"open alerts listed: {len(rows)}, SQL has {open_alerts}")
    first = rows[0]
    alert_id = int(first.get_attribute("data-alert"))
    button = first.find_element(By.CSS_SELECTOR, "button")
    check(button.is_displayed() and button.text == "Acquitter", f"each open alert has 'Acquitter': {button.text!r}")
    button.click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "p.notice, p.problem"))
    notice = driver.find_element(By.CSS_SELECTOR, "p.notice, p.problem")
    check(notice.is_displayed() and "acquittée" in notice.text, f"the page says it: {notice.text!r}")
    with sqlite3.connect(database) as db:
        acknowledged = db.execute("SELECT acknowledgedBy IS NOT NULL FROM alert WHERE id = ?", (alert_id,)).fetchone()[0]
        audited = db.execute("SELECT count(*) FROM auditLog WHERE action = 'alert.acknowledge' AND entityId = ?", (str(alert_id),)).fetchone()[0]
    check(acknowledged == 1 and audited == 1, f"alert {alert_id} acknowledged and audited: {acknowledged}, {audited}")
    row = driver.find_element(By.CSS_SELECTOR, f'#open-alerts tr[data-alert="{alert_id}"]')
    check("Acquittée par" in row.text and not row.find_elements(By.TAG_NAME, "button"), f"the row says who acknowledged it: {row.text!r}")

    # A rule: out of bounds is refused, naming the field; then saved.
    form = driver.find_element(By.ID, "rule-sla_at_risk")
    threshold = form.find_element(By.NAME, "threshold")
    driver.execute_script("arguments[0].removeAttribute('min'); arguments[0].value = '150'", threshold)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "p.problem"))
    problem = driver.find_element(By.CSS_SELECTOR, "p.problem")
    check(problem.is_displayed() and "Le seuil" in problem.text and "150" in problem.text, f"the refusal names the threshold: {problem.text!r}")
    with sqlite3.connect(database) as db:
        check(db.execute("SELECT threshold FROM alertRule WHERE kind = 'sla_at_risk'").fetchone()[0] == 75, "a refused change changes nothing")
    form = driver.find_element(By.ID, "rule-sla_at_risk")
    threshold = form.find_element(By.NAME, "threshold")
    threshold.clear()
    threshold.send_keys("80")
    form.find_element(By.CSS_SELECTOR, "input[name=channels][value=push]").click()
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "p.notice") and "enregistrée" in d.find_element(By.CSS_SELECTOR, "p.notice").text)
    check("Délai de traitement menacé" in driver.find_element(By.CSS_SELECTOR, "p.notice").text, "the page says the rule was saved")
    with sqlite3.connect(database) as db:
        saved = db.execute("SELECT threshold, channels, recipients, active FROM alertRule WHERE kind = 'sla_at_risk'").fetchone()
    check(saved == (80, "email", "expert,admins", 1), f"the rule as saved: {saved}")
    check(driver.find_element(By.ID, "threshold-sla_at_risk").get_attribute("value") == "80", "the form shows the new threshold")

    # A dead e-mail, sent again from the page; the delivery figures count it first.
    stats = driver.find_element(By.ID, "delivery-stats")
    check(stats.is_displayed() and "Documents" in stats.text, f"delivery figures per kind and channel: {stats.text[:120]!r}")
    dead = driver.find_element(By.ID, "dead-mails")
    check(dead.is_displayed() and "550 boîte inconnue" in dead.text, f"the dead e-mail and its error: {dead.text!r}")
    dead.find_element(By.CSS_SELECTOR, "button").click()
    wait.until(lambda d: "remis dans la file" in d.find_element(By.TAG_NAME, "body").text)
    with sqlite3.connect(database) as db:
        status = db.execute("SELECT status, attempts FROM notificationDelivery WHERE mailId = 'ft-dead-1@test'").fetchone()
    check(status[0] in ("pending", "sent", "dead") and status != ("dead", 6), f"the e-mail is back in the queue: {status}")

    # Another site cannot make an admin's browser act; a wrong form says what is wrong.
    status, _, _ = post_form(port, "/admin/alertes/acquitter", {"id": alert_id}, cookie, "http://evil.example")
    check(status == 403, f"a post from another origin: {status}")
    status, _, _ = post_form(port, "/admin/alertes/regle", {"kind": "sla_at_risk", "threshold": "90", "reminderHours": "24", "maxReminders": "3", "recipients": "admins"}, cookie, None)
    check(status == 403, f"a post with the cookie and no origin: {status}")
    with sqlite3.connect(database) as db:
        check(db.execute("SELECT threshold FROM alertRule WHERE kind = 'sla_at_risk'").fetchone()[0] == 80, "refused posts changed nothing")
    origin = f"http://127.0.0.1:{port}"
    status, body, headers = post_form(port, "/admin/alertes/regle", {"kind": "sla_at_risk", "threshold": "90", "reminderHours": "24", "maxReminders": "3", "recipients": ["admins", "client"], "active": "1"}, cookie, origin)
    check(status == 303 and headers.get("Location") == "/admin/alertes.html?fait=saved:sla_at_risk", f"a same-origin post: {status} {headers.get('Location')}")
    status, body, _ = post_form(port, "/admin/alertes/regle", {"kind": "sla_at_risk", "threshold": "90", "reminderHours": "24", "maxReminders": "3", "recipients": "robots"}, cookie, origin)
    check(status == 400 and "recipients" in body.decode(), f"an unknown recipient: {status}")
    status, body, _ = post_form(port, "/admin/alertes/regle", {"kind": "weather"}, cookie, origin)
    check(status == 400 and "kind" in body.decode(), f"an unknown rule: {status}")

    # A commit wakes the rules (the server runs them hourly here): an expert sets a step due
    # tomorrow, and its alert is open, and the client told, within seconds.
    with sqlite3.connect(database) as db:
        step, client_user = db.execute("""
            SELECT s.id, c.userId FROM dossierStep s JOIN dossier d ON d.id = s.dossierId JOIN client c ON c.id = d.clientId
            JOIN expertAssignment a ON a.dossierId = d.id AND a.status IN ('assigned', 'in_progress') JOIN expert e ON e.id = a.expertId
            JOIN user u ON u.id = e.userId
            WHERE u.email = 'expert@financialtracker.example' AND s.status <> 'completed' AND d.status IN ('eligible', 'in_progress')
              AND NOT EXISTS (SELECT 1 FROM alert WHERE subject = 'step:' || s.id AND resolvedAt IS NULL) LIMIT 1""").fetchone()
    token, _ = sign_in(port, "expert@financialtracker.example")
    now = int(time.time() * 1000)
    change = {"id": f"due-{now}", "collection": "step", "action": "update", "record": str(step), "fields": {"dueAt": now + 86_400_000},
              "hlc": f"{now:016d}-00000-admintest"}
    status, body, _ = request(port, "/api/v1/sync/push", token=token, method="POST", body={"operations": [change]})
    check(status == 200 and json.loads(body)["results"][0]["status"] == "accepted", f"the expert's due date was accepted: {body[:200]}")
    def opened():
        with sqlite3.connect(database) as db:
            return db.execute("""SELECT count(*) FROM alert a JOIN alertRule r ON r.id = a.ruleId
                WHERE a.subject = ? AND r.kind = 'step_due' AND a.resolvedAt IS NULL""", (f"step:{step}",)).fetchone()[0] == 1
    started = time.time()
    while not opened() and time.time() - started < 20:
        time.sleep(0.5)
    check(opened(), f"a commit made the server look at the rules: step {step} due tomorrow has an alert after {time.time() - started:.1f} s")
    with sqlite3.connect(database) as db:
        told = db.execute("SELECT count(*) FROM notification WHERE userId = ? AND kind = 'step_due' AND title LIKE '%à terminer le%'", (client_user,)).fetchone()[0]
    check(told >= 1, f"the client is told of the step due: {told}")


def announcements(port, driver, database, cookie, data):
    """The announcements page: a segment counted as SQL counts it; an announcement sent from the
    browser to that segment only, in the app and by e-mail within each one's preferences (the
    e-mails are the server's `.eml` files); a refusal that names the field and keeps what was
    typed; another site's post refused."""
    wait = WebDriverWait(driver, 20, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException))
    with sqlite3.connect(database) as db:
        region = db.execute("""SELECT c.region FROM client c JOIN user u ON u.id = c.userId WHERE u.active = 1
            GROUP BY c.region ORDER BY count(*) DESC, c.region LIMIT 1""").fetchone()[0]
        expected = {row[0] for row in db.execute("""SELECT u.id FROM user u JOIN client c ON c.userId = u.id
            WHERE u.active = 1 AND c.region = ?""", (region,))}
        # One of them turned the announcements' e-mails off.
        quiet = min(expected)
        db.execute("INSERT OR REPLACE INTO notificationPreference (userId, kind, channel, enabled) VALUES (?, 'announcement', 'email', 0)", (quiet,))
        addresses = dict(db.execute("SELECT id, email FROM user").fetchall())
        before = db.execute("SELECT count(*) FROM announcement").fetchone()[0]
    title, body = "Nouveau : l’export <PDF> & vous", "Bonjour,\nDès lundi, vos dossiers s’exportent en PDF."
    driver.get(f"http://127.0.0.1:{port}/admin/annonces.html")
    wait.until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Annonces")
    check(driver.find_element(By.LINK_TEXT, "Annonces").is_displayed(), "the admin menu shows 'Annonces'")
    driver.find_element(By.ID, "announcement-title").send_keys(title)
    driver.find_element(By.ID, "announcement-body").send_keys(body)
    Select(driver.find_element(By.ID, "announcement-role")).select_by_value("client")
    Select(driver.find_element(By.ID, "announcement-region")).select_by_value(region)
    driver.find_element(By.CSS_SELECTOR, "input[name=channels][value=push]").click()
    driver.find_element(By.XPATH, "//button[normalize-space()='Compter les destinataires']").click()
    wait.until(lambda d: d.find_elements(By.ID, "announcement-audience"))
    audience = driver.find_element(By.ID, "announcement-audience")
    check(audience.is_displayed() and f"{len(expected)} utilisateur" in audience.text, f"the count is SQL's ({len(expected)}): {audience.text!r}")
    check(driver.find_element(By.ID, "announcement-title").get_attribute("value") == title
          and Select(driver.find_element(By.ID, "announcement-region")).first_selected_option.get_attribute("value") == region
          and not driver.find_element(By.CSS_SELECTOR, "input[name=channels][value=push]").is_selected(),
          "the form keeps what was typed and chosen after the count")
    driver.find_element(By.XPATH, "//button[normalize-space()=\"Envoyer l'annonce\"]").click()
    wait.until(lambda d: d.find_elements(By.ID, "announcement-notice"))
    notice = driver.find_element(By.ID, "announcement-notice")
    check(notice.is_displayed() and f"envoyée à {len(expected)} utilisateur" in notice.text, f"the page says to how many: {notice.text!r}")
    row = driver.find_element(By.CSS_SELECTOR, "#announcement-history tbody tr")
    check(row.is_displayed() and title in row.text and region in row.text and "Clients" in row.text and "e-mail" in row.text and "push" not in row.text,
          f"the history shows it, its segment and channels: {row.text!r}")
    with sqlite3.connect(database) as db:
        told = {row[0] for row in db.execute("SELECT userId FROM notification WHERE kind = 'announcement' AND title = ?", (title,))}
        channels = {row[0] for row in db.execute("SELECT channels FROM notification WHERE kind = 'announcement' AND title = ?", (title,))}
        audited = db.execute("SELECT count(*) FROM auditLog WHERE action = 'announcement.send'").fetchone()[0]
    check(told == expected and channels == {"email"}, f"in the app of exactly the segment ({len(told)} vs {len(expected)}), by e-mail only: {channels}")
    check(audited == before + 1, "the sending is in the audit log")

    # The e-mails, as the server wrote them (no --smtp): the segment but the one who said no.
    folder = os.path.join(data, "mail")
    def mails():
        found = {}
        # Only finished e-mails: a file being written is a hidden temporary one, renamed when whole.
        for name in [name for name in os.listdir(folder) if name.endswith(".eml")] if os.path.isdir(folder) else []:
            with open(os.path.join(folder, name), "rb") as handle:
                message = email.message_from_bytes(handle.read(), policy=email.policy.default)
            if message["Subject"] == title:
                found[message["To"].addresses[0].addr_spec.lower()] = message
        return found
    wanted = {addresses[user].lower() for user in expected - {quiet}}
    deadline = time.time() + 20
    while set(mails()) != wanted and time.time() < deadline:
        time.sleep(0.5)
    sent = mails()
    check(set(sent) == wanted, f"e-mailed to the segment but the one who turned it off: {len(sent)} of {len(wanted)}")
    if sent:
        message = next(iter(sent.values()))
        text, html = message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()
        check("Dès lundi, vos dossiers s’exportent en PDF." in text, "the text part holds the whole announcement")
        check("&lt;PDF&gt; &amp; vous" in html and "<PDF>" not in html, "the HTML part escapes it")
        check(message["List-Unsubscribe"] is not None, "it can be turned off from the e-mail")

    # Refusals: a region nobody is in (named, what was typed kept, nothing sent); another site;
    # a client.
    origin = f"http://127.0.0.1:{port}"
    fields = {"title": "Deuxième annonce", "body": "Texte", "role": "client", "region": "Atlantide", "channels": "email"}
    status, page, _ = post_form(port, "/admin/annonces/envoyer", fields, cookie, origin)
    page = page.decode()
    check(status == 400 and "Atlantide" in page and "« region »" in page and 'value="Deuxième annonce"' in page, f"an unknown region is refused by name, the title kept: {status}")
    status, page, _ = post_form(port, "/admin/annonces/envoyer", {**fields, "region": region, "channels": "pigeon"}, cookie, origin)
    check(status == 400 and "pigeon" in page.decode(), f"an unknown channel is refused by name: {status}")
    status, _, _ = post_form(port, "/admin/annonces/envoyer", {**fields, "region": region}, cookie, "http://evil.example")
    check(status == 403, f"a post from another origin: {status}")
    _, client_cookie = sign_in(port, "client@financialtracker.example")
    status, _, _ = post_form(port, "/admin/annonces/envoyer", {**fields, "region": region}, client_cookie, origin)
    check(status == 403, f"a client's post: {status}")
    with sqlite3.connect(database) as db:
        check(db.execute("SELECT count(*) FROM announcement").fetchone()[0] == before + 1, "refused posts sent nothing")


def main():
    folder = tempfile.mkdtemp(prefix="ft-admin-")
    atexit.register(shutil.rmtree, folder, True)
    data, site = os.path.join(folder, "data"), os.path.join(folder, "public")
    database = os.path.join(data, "financialtracker.sqlite")
    ft("seed", "--data-dir", data, "--experts", "30", "--clients", "60", "--today", "2026-11-20")
    with sqlite3.connect(database) as db:
        db.execute("UPDATE user SET displayName = '<b>Zoé & \"Fils\"</b>' WHERE email = 'client2@financialtracker.example'")
    generated = ft("generate", "--data-dir", data, "--out", site, "--templates", TEMPLATES)
    check("admin dashboard" in generated.stdout, f"ft generate does not mention the dashboard: {generated.stdout}")
    admin = os.path.join(data, "admin")
    with open(os.path.join(admin, "index.html"), encoding="utf-8") as handle:
        figures = compare_figures(handle.read(), database, "generated dashboard")

    # The lists: every open assignment, open step and user, once, escaped.
    def listed(prefix):
        ids, page = [], 1
        while os.path.exists(os.path.join(admin, f"{prefix}-{page}.html")):
            with open(os.path.join(admin, f"{prefix}-{page}.html"), encoding="utf-8") as handle:
                text = handle.read()
            ids += [int(value) for value in re.findall(r'<tr data-id="(\d+)"', text)]
            page += 1
        return ids, text if page > 1 else ""
    with sqlite3.connect(database) as db:
        open_assignments = [row[0] for row in db.execute("SELECT id FROM expertAssignment WHERE status IN ('pending', 'assigned', 'in_progress')")]
        open_steps = [row[0] for row in db.execute("SELECT s.id FROM dossierStep s JOIN dossier d ON d.id = s.dossierId WHERE s.status <> 'completed' AND d.status IN ('eligible', 'in_progress')")]
        users = [row[0] for row in db.execute("SELECT id FROM user")]
    for prefix, expected in [("suivi/affectations", open_assignments), ("suivi/etapes", open_steps), ("utilisateurs/page", users)]:
        ids, _ = listed(prefix)
        check(sorted(ids) == sorted(expected), f"{prefix}: {len(ids)} rows listed, SQL has {len(expected)}")
    user_pages = "".join(open(os.path.join(admin, "utilisateurs", name), encoding="utf-8").read() for name in os.listdir(os.path.join(admin, "utilisateurs")))
    check("&lt;b&gt;Zoé &amp; &quot;Fils&quot;&lt;/b&gt;" in user_pages and "<b>Zoé" not in user_pages, "a user's name is not escaped on the users' list")

    refused = ft("generate", "--data-dir", data, "--out", site, "--templates", TEMPLATES, "--admin-out", os.path.join(site, "admin"), expect_success=False)
    check(refused.returncode != 0 and "inside the public site" in refused.stderr, f"an admin folder inside public/ was not refused: {refused.stderr}")

    # Reports: a week with activity, in every format; XLSX cells = CSV cells; CSV round-trips.
    report = ft("report", "--data-dir", data, "--templates", TEMPLATES, "--period", "weekly", "--date", "2026-11-18")
    base = os.path.join(admin, "rapports", "weekly", "2026-W47")
    # The CSV as French spreadsheets read it: a byte-order mark, semicolons, decimal commas, French headers.
    with open(base + ".csv", "rb") as handle:
        check(handle.read(3) == b"\xef\xbb\xbf", "the CSV does not start with a UTF-8 byte-order mark")
    with open(base + ".csv", newline="", encoding="utf-8-sig") as handle:
        raw = handle.read()
    rows = list(csv.reader(io.StringIO(raw, newline=""), delimiter=";"))
    check(len(rows) > 5 and rows[0][:3] == ["Section", "Code", "Libellé"] and "Dossiers ouverts" in rows[0], f"unexpected CSV header/rows: {rows[:2]}")
    check(any(row[0] == "experts" for row in rows) and rows[-1][0] == "total", "the CSV lacks the experts or the total rows")
    check(any("," in cell and cell.replace(",", "").isdigit() for row in rows[1:] for cell in row[3:]), "no decimal comma in the CSV's figures")
    check(not any("." in cell and cell.replace(".", "").isdigit() for row in rows[1:] for cell in row[3:]), "a decimal point in the CSV's figures")
    rewritten = io.StringIO(newline="")
    csv.writer(rewritten, delimiter=";", lineterminator="\r\n").writerows(rows)
    check(rewritten.getvalue() == raw, "the CSV does not round-trip through Python's csv module byte for byte")
    report_page = open(base + ".html", encoding="utf-8").read()
    check("semaine 47, du 16 au 22 novembre 2026" in report_page, "the weekly report is not named in French (semaine 47, du 16 au 22 novembre 2026)")
    sheet = openpyxl.load_workbook(base + ".xlsx").worksheets[0]
    cells = [["" if value is None else value for value in row] for row in sheet.iter_rows(values_only=True)]
    check(len(cells) == len(rows), f"XLSX has {len(cells)} rows, CSV {len(rows)}")
    for line, (xlsx_row, csv_row) in enumerate(zip(cells, rows), start=1):
        xlsx_row = list(xlsx_row) + [""] * (len(csv_row) - len(xlsx_row))
        for column, (x, c) in enumerate(zip(xlsx_row, csv_row), start=1):
            same = (float(x) == float(c.replace(",", "."))) if isinstance(x, (int, float)) and c != "" else str(x) == c
            check(same, f"XLSX cell {line}:{column} is {x!r}, CSV has {c!r}")
    totals = rows[-1]
    with sqlite3.connect(database) as db:
        opened = db.execute("SELECT count(*) FROM dossier WHERE createdAt >= '2026-11-16' AND createdAt < '2026-11-23'").fetchone()[0]
        closed = db.execute("SELECT count(*) FROM dossier WHERE closedAt >= '2026-11-16' AND closedAt < '2026-11-23'").fetchone()[0]
    check(totals[3] == str(opened) and totals[4] == str(closed), f"report totals {totals[3:5]} vs SQL opened {opened}, closed {closed}")
    if os.path.exists("/usr/bin/chromium"):
        with open(base + ".pdf", "rb") as handle:
            check(handle.read(5) == b"%PDF-", "the PDF report is not a PDF")
        info = subprocess.run(["pdfinfo", base + ".pdf"], capture_output=True, text=True).stdout
        check("(A4)" in info, f"the PDF report is not on A4: {[line for line in info.splitlines() if 'size' in line]}")
    check("weekly report for 2026-W47" in report.stdout, f"ft report output: {report.stdout}")

    empty = ft("report", "--data-dir", data, "--templates", TEMPLATES, "--period", "daily", "--date", "2019-06-01", "--no-pdf")
    check("no activity" in empty.stdout, f"an empty period is not reported as such: {empty.stdout}")
    with open(os.path.join(admin, "rapports", "daily", "2019-06-01.html"), encoding="utf-8") as handle:
        page = handle.read()
    check('data-empty="true"' in page and "Aucune activité sur cette période" in page, "the empty report does not say so")
    for arguments, word in [(["--period", "yearly"], "--period must be daily, weekly, monthly or all"), (["--period", "daily", "--date", "2026-02-30"], "--date must be a calendar day")]:
        bad = ft("report", "--data-dir", data, "--templates", TEMPLATES, *arguments, expect_success=False)
        check(bad.returncode != 0 and word in bad.stderr, f"ft report {arguments}: status {bad.returncode}, stderr {bad.stderr!r}")

    # Nothing of it under public/.
    for root, _, files in os.walk(site):
        for name in files:
            with open(os.path.join(root, name), "rb") as handle:
                content = handle.read()
            check(b"Tableau de bord" not in content and b"2026-W47" not in content and not name.endswith((".xlsx", ".csv")),
                  f"admin content found in public/: {os.path.join(root, name)}")

    # The server: /admin/ for admins only, on every file.
    port = random.randint(20000, 40000)
    server = subprocess.Popen([FT, "serve", "--data-dir", data, "--public", site, "--templates", TEMPLATES, "--port", str(port), "--log-level", "warning",
                               "--alert-interval", "3600", "--quiet-hours", "none", "--mail-interval", "1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    driver = None
    try:
        for _ in range(200):
            try:
                if request(port, "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        paths = ["/admin/", "/admin/index.html", "/admin/admin.css", "/admin/metrics.json", "/admin/suivi/affectations-1.html",
                 "/admin/utilisateurs/page-1.html", "/admin/rapports/index.html", "/admin/rapports/weekly/2026-W47.xlsx", "/admin/rapports/weekly/2026-W47.csv",
                 "/admin/alertes.html"]
        for path in paths:
            status, body, _ = request(port, path)
            check(status == 401 and b"2026-W47" not in body and b"data-kpi" not in body, f"visitor: {path} → {status}")
        for email in ["client@financialtracker.example", "expert@financialtracker.example"]:
            token, cookie = sign_in(port, email)
            for path in paths:
                for credentials in [{"cookie": cookie}, {"token": token}]:
                    status, body, _ = request(port, path, **credentials)
                    check(status == 403 and b"data-kpi" not in body and "Dossiers ouverts".encode() not in body, f"{email} {list(credentials)[0]}: {path} → {status}")
        admin_token, admin_cookie = sign_in(port, "admin@financialtracker.example")
        for path in paths:
            status, body, headers = request(port, path, cookie=admin_cookie)
            check(status == 200 and "no-store" in headers.get("Cache-Control", ""), f"admin: {path} → {status}")
        status, body, _ = request(port, "/admin/rapports/weekly/2026-W47.csv", token=admin_token)
        check(status == 200 and body.decode("utf-8-sig") == raw, "the admin does not get the report's CSV as written")
        for path in ["/admin/../financialtracker.sqlite", "/admin/%2e%2e/financialtracker.sqlite", "/admin/rapports/..%2f..%2f..%2fdocument.key", "/admin/.ft-manifest"]:
            status, body, _ = request(port, path, cookie=admin_cookie)
            check(status == 404 and b"SQLite" not in body, f"admin: {path} → {status}")
        status, body, _ = request(port, "/admin/metrics.json", cookie=admin_cookie)
        live = json.loads(body)["values"]
        check(live["rating_count"] == expected_figures(database)["rating_count"], "metrics.json disagrees with SQL")

        # The browser: sign in on the page, then watch a figure change without a reload.
        driver = chromium()
        driver.get(f"http://127.0.0.1:{port}/admin/")
        driver.find_element(By.ID, "email").send_keys("admin@financialtracker.example")
        driver.find_element(By.ID, "password").send_keys("demo-financialtracker")
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        cell = lambda: driver.find_element(By.CSS_SELECTOR, 'tr[data-kpi="rating_count"] .kpi-value')
        WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, 'tr[data-kpi="rating_count"]'))
        WebDriverWait(driver, 20).until(lambda d: "à jour" in d.find_element(By.ID, "live-status").text)
        before = int(cell().get_attribute("data-value"))
        marker = driver.execute_script("window.ftMarker = 'same page'; return window.ftMarker")
        with sqlite3.connect(database) as db:
            # A demo client (they have a password) and an expert it has not rated yet, whose
            # mission is completed (a review follows the work).
            client, expert, client_email, assignment = db.execute("""
                SELECT c.id, e.id, u.email, a.id FROM client c JOIN user u ON u.id = c.userId JOIN dossier d ON d.clientId = c.id
                JOIN expertAssignment a ON a.dossierId = d.id AND a.status <> 'cancelled' JOIN expert e ON e.id = a.expertId
                WHERE NOT EXISTS (SELECT 1 FROM rating r WHERE r.clientId = c.id AND r.expertId = e.id) AND u.active = 1
                AND u.email LIKE '%@financialtracker.example' ORDER BY a.status = 'completed' DESC LIMIT 1""").fetchone()
            db.execute("UPDATE expertAssignment SET status = 'completed', completedAt = coalesce(completedAt, requestedAt) WHERE id = ?", (assignment,))
        token, _ = sign_in(port, client_email)
        rating = {"id": f"admin-live-{time.time_ns()}", "collection": "rating", "action": "insert", "record": f"{client}:{expert}",
                  "fields": {"score": 4, "comment": "Très réactif"}, "hlc": f"{int(time.time() * 1000):016d}-00000-test"}
        status, body, _ = request(port, "/api/v1/sync/push", token=token, method="POST", body={"operations": [rating]})
        check(status == 200 and json.loads(body)["results"][0]["status"] == "accepted", f"the rating was not accepted: {body[:200]}")
        try:
            WebDriverWait(driver, 15).until(lambda d: int(cell().get_attribute("data-value")) == before + 1)
        except Exception:
            check(False, f"the dashboard's rating count stayed at {cell().get_attribute('data-value')} (expected {before + 1})")
        check(driver.execute_script("return window.ftMarker") == marker, "the dashboard reloaded instead of updating in place")
        # The server renders the dashboard's file again after the change (debounced, in the background).
        regenerated = None
        for _ in range(100):
            status, body, _ = request(port, "/admin/index.html", cookie=admin_cookie)
            regenerated = dashboard_figures(body.decode()).get("rating_count")
            if regenerated == str(before + 1):
                break
            time.sleep(0.2)
        check(regenerated == str(before + 1), f"the served dashboard file was not rendered again after the change (rating_count {regenerated}, expected {before + 1})")
        alert_centre(port, driver, database, admin_cookie)
        announcements(port, driver, database, admin_cookie, data)
    finally:
        if driver:
            driver.quit()
        server.terminate()
        server.wait(timeout=15)

    print(f"admin: {figures} dashboard figures checked against SQL, report cells {len(rows)}×{len(rows[0])} XLSX = CSV, "
          f"access checked on {len(paths)} paths × 4 kinds of visitor; {len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
