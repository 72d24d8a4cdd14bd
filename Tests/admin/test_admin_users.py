"""The admins' users pages, end to end (headless Chromium, the real `ft serve` rebuilding the
public pages, SQLite, an SMTP server on loopback):

- "Utilisateurs": search, role and state filters, pages; an expert waiting for approval is found
  by "Candidatures à valider";
- "Valider la candidature" publishes the expert's page (the targeted build) and tells the expert
  by e-mail; "Refuser" needs a reason, which the expert receives;
- "Désactiver": the account's live socket closes within a second, its token is refused, its
  public page disappears; the account's page shows it in its history (who, when, before, after);
- a role changes (the account signs in again); an admin cannot demote or deactivate themself;
- CSRF: a form without the session's token, or posted from another origin, is refused (403) and
  changes nothing;
- "Se déconnecter" ends the admin's session; a client who opens /admin/ is refused with
  "Changer de compte", which leads to the sign-in;
- the CSV export has French headers, semicolons, and the accounts the filters find.

Usage: python Tests/admin/test_admin_users.py path/to/ft   (exits 1 on any failure)
"""
import os
import sqlite3
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "notifications"))
from support import call, check, demo, finish, live_socket, serve_with_mail, smtp_sink, wait_for  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "browser"))
from harness import chromium, settled  # noqa: E402
from test_html import axe_here  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

FT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("FT", ".build/debug/ft"))
TEMPLATES = os.path.join(os.path.dirname(__file__), "..", "..", "site-templates")


def status_of(url):
    """The status of a GET of `url` (a string or a Request)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def post_form(port, path, fields, cookie=None, origin=None):
    """A form post as a browser sends it: (status, body)."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if cookie:
        headers["Cookie"] = f"ft_session={cookie}"
    if origin:
        headers["Origin"] = origin
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=urllib.parse.urlencode(fields).encode(), method="POST", headers=headers)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def row_of(driver, user_id):
    return driver.find_element(By.CSS_SELECTOR, f'#users-table tr[data-id="{user_id}"]')


def main():
    root, data, environment, database = demo(FT, TEMPLATES, "ft-admin-users-", 30, 10)
    sink, controller, smtp_port = smtp_sink()
    public = os.path.join(data, "public")
    server, driver = None, None
    try:
        server, port, base = serve_with_mail(FT, data, public, TEMPLATES, smtp_port, root, environment)
        with sqlite3.connect(database) as db:
            pending = db.execute("""
                SELECT u.id, u.email, e.slug, e.firstName || ' ' || e.lastName FROM expert e JOIN user u ON u.id = e.userId
                WHERE e.approval = 'pending' AND u.active = 1 ORDER BY e.id""").fetchall()
            expert_password = db.execute("SELECT passwordHash FROM user WHERE email = 'expert@financialtracker.example'").fetchone()[0]
            client = db.execute("SELECT id, displayName FROM user WHERE role = 'client' AND email <> 'client@financialtracker.example' ORDER BY id LIMIT 1").fetchone()
            admin_id = db.execute("SELECT id FROM user WHERE email = 'admin@financialtracker.example'").fetchone()[0]
            # The pending experts sign in with the demo password, as their e-mails would let them.
            db.executemany("UPDATE user SET passwordHash = ? WHERE id = ?", [(expert_password, row[0]) for row in pending])
        check(len(pending) >= 2, f"the demo has experts waiting for approval: {len(pending)}")
        approved, rejected = pending[0], pending[1]
        check(status_of(f"{base}/experts/{approved[2]}/") == 404, "a pending expert has no public page")

        # The admin signs in, in the app, and opens "Utilisateurs".
        driver = chromium(window="1280,1000")
        driver.get(f"{base}/app/index.html")
        settled(driver, 20).until(lambda d: d.find_element(By.ID, "sign-in").is_displayed())
        driver.find_element(By.ID, "email").send_keys("admin@financialtracker.example")
        driver.find_element(By.ID, "password").send_keys("demo-financialtracker")
        driver.find_element(By.CSS_SELECTOR, "#sign-in button").click()
        settled(driver, 20).until(lambda d: d.find_element(By.ID, "sign-out").is_displayed())
        cookie = driver.get_cookie("ft_session")["value"]
        driver.get(f"{base}/admin/index.html")
        driver.find_element(By.LINK_TEXT, "Utilisateurs").click()
        settled(driver, 10).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Utilisateurs")
        check("/admin/comptes.html" in driver.current_url and driver.find_element(By.ID, "users-table").is_displayed(), "the nav leads to the users page")

        found = axe_here(driver)
        check(not found, f"axe finds no serious or critical violation on the users page: {found}")

        # Filters: the applications waiting.
        driver.find_element(By.CSS_SELECTOR, '#users-state option[value="en-attente"]').click()
        driver.find_element(By.CSS_SELECTOR, "#users-filters button").click()
        settled(driver, 10).until(lambda d: "etat=en-attente" in d.current_url)
        rows = driver.find_elements(By.CSS_SELECTOR, "#users-table tbody tr")
        check(len(rows) == len(pending) and driver.find_element(By.ID, "users-total").text.startswith(f"{len(pending)} compte"),
              f"'Candidatures à valider' lists the {len(pending)} experts waiting: {len(rows)} rows, {driver.find_element(By.ID, 'users-total').text!r}")
        driver.get(f"{base}/admin/comptes.html?q={urllib.parse.quote(approved[1])}")
        check([r.get_attribute("data-id") for r in driver.find_elements(By.CSS_SELECTOR, "#users-table tbody tr")] == [str(approved[0])], "a search by e-mail finds that account only")

        # Approve one.
        row_of(driver, approved[0]).find_element(By.XPATH, ".//button[text()='Valider la candidature']").click()
        notice = settled(driver, 10).until(lambda d: d.find_element(By.ID, "users-notice"))
        check(notice.is_displayed() and "validée" in notice.text and approved[3].split()[0] in notice.text, f"the page says it is done: {notice.text!r}")
        published = wait_for(lambda: status_of(f"{base}/experts/{approved[2]}/") == 200, 30)
        check(published, "the expert's public page appears (targeted build)")
        told = wait_for(lambda: [m for to, m in sink.parsed() if to == [approved[1]] and "validé" in m.get_body(("plain",)).get_content()], 30)
        check(told, f"the expert is told by e-mail: {[m['Subject'] for to, m in sink.parsed() if to == [approved[1]]]}")

        # Reject another: a reason is needed, and sent.
        token = driver.find_element(By.NAME, "csrf").get_attribute("value")
        code, body = post_form(port, f"/admin/comptes/{rejected[0]}/refuser", {"csrf": token, "raison": " "}, cookie=cookie, origin=base)
        check(code == 400 and "raison" in body, f"a rejection without a reason is refused: {code}")
        driver.get(f"{base}/admin/comptes.html?etat=en-attente")
        form = row_of(driver, rejected[0]).find_element(By.CSS_SELECTOR, "form.reject")
        form.find_element(By.NAME, "raison").send_keys("Il manque l’attestation d’assurance <RC Pro>.")
        form.find_element(By.TAG_NAME, "button").click()
        notice = settled(driver, 10).until(lambda d: d.find_element(By.ID, "users-notice"))
        check("refusée" in notice.text, f"the page says it is refused: {notice.text!r}")
        told = wait_for(lambda: [m for to, m in sink.parsed() if to == [rejected[1]] and "attestation d’assurance <RC Pro>" in m.get_body(("plain",)).get_content()], 30)
        check(told, "the expert receives the reason by e-mail")

        # Deactivate the approved expert, signed in with a live socket open.
        _, signed = call(port, "POST", "/api/v1/session", {"email": approved[1], "password": "demo-financialtracker"})
        check(isinstance(signed, dict) and "token" in signed, f"the approved expert signs in: {signed!r}")
        welcome, closed, when = live_socket(port, signed["token"])
        check(welcome.get("type") == "welcome", f"its live channel is open: {welcome!r}")
        driver.get(f"{base}/admin/comptes/{approved[0]}.html")
        button = driver.find_element(By.XPATH, "//button[text()='Désactiver']")
        started = time.perf_counter()
        button.click()
        check(closed.wait(5) and when[0] - started < 1.0, f"its live socket closed within 1 s: {(when[0] - started) if when else None!r}")
        notice = settled(driver, 10).until(lambda d: d.find_element(By.ID, "users-notice"))
        check("désactivé" in notice.text, f"the page says it: {notice.text!r}")
        check(call(port, "GET", "/api/v1/me", token=signed["token"])[0] == 401, "its token is refused")
        check(wait_for(lambda: status_of(f"{base}/experts/{approved[2]}/") == 404, 30), "its public page disappears")
        found = axe_here(driver)
        check(not found, f"axe finds no serious or critical violation on an account's page: {found}")
        history = driver.find_element(By.ID, "audit-table").text
        check("Compte désactivé" in history and "actif → désactivé" in history and "Candidature validée" in history and "en attente → validée" in history,
              f"the account's page shows what was done, by whom, before and after: {history!r}")

        # A role change; the admin's own account.
        driver.get(f"{base}/admin/comptes/{client[0]}.html")
        form = driver.find_element(By.XPATH, "//form[contains(@action, '/role')]")
        form.find_element(By.CSS_SELECTOR, 'option[value="admin"]').click()
        form.find_element(By.TAG_NAME, "button").click()
        notice = settled(driver, 10).until(lambda d: d.find_element(By.ID, "users-notice"))
        check("administrateur" in notice.text, f"the role is changed: {notice.text!r}")
        with sqlite3.connect(database) as db:
            check(db.execute("SELECT role FROM user WHERE id = ?", (client[0],)).fetchone()[0] == "admin", "in the database too")
        driver.get(f"{base}/admin/comptes/{admin_id}.html")
        check(not driver.find_elements(By.XPATH, "//button[text()='Désactiver']") and "Votre compte" in driver.find_element(By.CSS_SELECTOR, ".actions").text,
              "the admin's own page offers no deactivation nor role change")
        code, body = post_form(port, f"/admin/comptes/{admin_id}/role", {"csrf": csrf_of(driver, base, approved[0]), "role": "client"}, cookie=cookie, origin=base)
        check(code == 400 and "propre rôle" in body, f"an admin cannot drop their own role: {code}")

        # CSRF: without the token, with a wrong one, from another origin.
        right = csrf_of(driver, base, client[0])
        for fields, origin, label in [({}, base, "without the token"), ({"csrf": "x" * 43}, base, "with a wrong token"), ({"csrf": right}, "https://evil.example", "from another origin")]:
            code, _ = post_form(port, f"/admin/comptes/{client[0]}/desactiver", fields, cookie=cookie, origin=origin)
            check(code == 403, f"a deactivation {label} is refused: {code}")
        with sqlite3.connect(database) as db:
            check(db.execute("SELECT active FROM user WHERE id = ?", (client[0],)).fetchone()[0] == 1, "and changed nothing")

        # CSV.
        driver.get(f"{base}/admin/comptes.html?etat=desactives")
        csv_url = driver.find_element(By.LINK_TEXT, "Exporter en CSV").get_attribute("href")
        request = urllib.request.Request(csv_url, headers={"Cookie": f"ft_session={cookie}"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            body = answer.read()
        check(body.startswith(b"\xef\xbb\xbf"), "the CSV starts with a UTF-8 byte-order mark (so that Excel reads the accents)")
        text = body.decode("utf-8-sig")
        lines = text.strip().split("\r\n")
        check(lines[0].startswith("Nom;E-mail;Rôle") and any(approved[1] in line for line in lines[1:]) and all(";non;" in line for line in lines[1:]),
              f"the CSV: French headers, semicolons, the deactivated accounts: {lines[:3]!r}")

        # Signing out of the admin pages, from their nav: a page with a button, then the sign-in.
        driver.get(f"{base}/admin/index.html")
        driver.find_element(By.LINK_TEXT, "Se déconnecter").click()
        settled(driver, 10).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Se déconnecter")
        driver.find_element(By.CSS_SELECTOR, "form button").click()
        settled(driver, 10).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Connexion administrateur")
        request = urllib.request.Request(f"{base}/admin/index.html", headers={"Cookie": f"ft_session={cookie}"})
        check(status_of(request) == 401, "the admin's session is over: its cookie opens nothing")

        # A client signed in meets the refusal, and switches accounts from it.
        driver.get(f"{base}/app/index.html")
        settled(driver, 20).until(lambda d: d.find_element(By.ID, "sign-in").is_displayed())
        driver.find_element(By.ID, "email").send_keys("client@financialtracker.example")
        driver.find_element(By.ID, "password").send_keys("demo-financialtracker")
        driver.find_element(By.CSS_SELECTOR, "#sign-in button").click()
        settled(driver, 20).until(lambda d: d.find_element(By.ID, "sign-out").is_displayed())
        driver.get(f"{base}/admin/comptes.html")
        switch = driver.find_element(By.XPATH, "//button[text()='Changer de compte']")
        check(driver.find_element(By.TAG_NAME, "h1").text == "Accès refusé" and switch.is_displayed(), "a client is refused, with 'Changer de compte'")
        switch.click()
        settled(driver, 10).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Connexion administrateur")
        driver.find_element(By.ID, "email").send_keys("admin@financialtracker.example")
        driver.find_element(By.ID, "password").send_keys("demo-financialtracker")
        driver.find_element(By.CSS_SELECTOR, "form button").click()
        settled(driver, 20).until(lambda d: d.find_elements(By.LINK_TEXT, "Utilisateurs"))
        driver.get(f"{base}/admin/comptes.html")
        check(driver.find_element(By.TAG_NAME, "h1").text == "Utilisateurs", "signed in again as an admin, the users page opens")
    finally:
        if driver:
            driver.quit()
        finish(server, [controller], root)


def csrf_of(driver, base, user_id):
    """The form token of the admin's session, as the users pages carry it."""
    driver.get(f"{base}/admin/comptes/{user_id}.html")
    return driver.find_element(By.NAME, "csrf").get_attribute("value")


if __name__ == "__main__":
    main()
