"""Accounts, end to end, as a new client does it (headless Chromium, the real `ft serve` and SQLite
file, a real SMTP server on loopback read with Python's `email` package):

- from the home page's "Créer un compte": a common password is refused on the field, then the
  account is made; it cannot sign in before its address is confirmed (and says so); the
  confirmation e-mail's link confirms it; the app signs in;
- in the app's "Mon compte": a wrong current password is refused; the password changes;
- signed out, "Mot de passe oublié ?" sends the reset e-mail; its link sets a new password once
  (a second use is refused), and ends the other sessions;
- "Se déconnecter partout" ends every session: another device's token is refused at once;
- without leaks: a wrong password for an unknown and a known address answers the same text in
  comparable time (medians over repeated tries); a reset and a sign-up answer the same whether
  the address has an account or not (the e-mails differ); the 11th wrong password within a minute
  is a 429 with Retry-After, and even the right one is refused then;
- bad input names its field (a SIREN whose key is wrong, an unknown postcode), the database keeps
  no link token, only hashes.

Usage: python Tests/notifications/test_accounts.py path/to/ft   (exits 1 on any failure)
"""
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time

from support import call, check, demo, finish, free_port, serving, smtp_sink, wait_for

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "browser"))
from harness import chromium, settled  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

FT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("FT", ".build/debug/ft"))
TEMPLATES = os.path.join(os.path.dirname(__file__), "..", "..", "site-templates")
EMAIL = "jeanne.martin@boulangerie.example"
FIRST, SECOND, THIRD = "farine et levain chaque matin", "une autre phrase pour le pain", "la pâte lève toute la nuit"


def luhn_siren(base):
    """A SIREN made of 8 digits and their Luhn key."""
    for key in range(10):
        digits = f"{base}{key}"
        total = sum((int(c) * 2 - 9 if int(c) * 2 > 9 else int(c) * 2) if i % 2 else int(c) for i, c in enumerate(reversed(digits)))
        if total % 10 == 0:
            return digits


def mails_to(sink, address, subject):
    return [m for to, m in sink.parsed() if to == [address] and m["Subject"] == subject]


def link_in(message, marker):
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    link = next((word for word in text.split() if marker in word), "")
    return link, text, html


def shown(driver, element_id, seconds=20):
    return settled(driver, seconds).until(lambda d: d.find_element(By.ID, element_id) if d.find_element(By.ID, element_id).is_displayed() else None)


def sign_in(port, email, password):
    started = time.perf_counter()
    status, body = call(port, "POST", "/api/v1/session", {"email": email, "password": password})
    return status, body, time.perf_counter() - started


def main():
    root, data, environment, database = demo(FT, TEMPLATES, "ft-accounts-", 20, 10)
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
            taken_email = db.execute("SELECT email FROM user WHERE role = 'client' AND email <> 'client@financialtracker.example' LIMIT 1").fetchone()[0]
            sirens = {row[0] for row in db.execute("SELECT siren FROM client")}
        siren = next(s for s in (luhn_siren(f"{n:08d}") for n in range(73282930, 73283930)) if s not in sirens)

        # Without leaks, first (before the tries below count against this address): a wrong
        # password for an address with no account and for one with an account, alternately.
        unknown, known = [], []
        for attempt in range(6):
            status_u, body_u, seconds_u = sign_in(port, f"personne{attempt}@exemple.fr", "pas le bon mot de passe")
            status_k, body_k, seconds_k = sign_in(port, "expert@financialtracker.example", "pas le bon mot de passe")
            unknown.append(seconds_u)
            known.append(seconds_k)
        check(status_u == status_k == 401 and body_u == body_k, f"the same answer for an unknown and a known address: {status_u} {body_u!r} / {status_k} {body_k!r}")
        ratio = statistics.median(unknown) / statistics.median(known)
        check(0.6 < ratio < 1.6, f"in comparable time: median {statistics.median(unknown) * 1000:.0f} ms unknown, {statistics.median(known) * 1000:.0f} ms known ({ratio:.2f}×)")

        # From the home page's header.
        driver = chromium(window="1280,900")
        driver.get(f"http://127.0.0.1:{port}/")
        link = driver.find_element(By.LINK_TEXT, "Créer un compte")
        sign_in_link = driver.find_element(By.LINK_TEXT, "Se connecter")
        check(link.is_displayed() and sign_in_link.is_displayed(), "the home page's header offers 'Se connecter' and 'Créer un compte'")
        link.click()
        settled(driver, 10).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Créer un compte entreprise")
        fields = {"company": "Boulangerie Martin", "siren": f"{siren[:3]} {siren[3:6]} {siren[6:]}", "postcode": "69003",
                  "contactName": "Jeanne Martin", "email": EMAIL, "password": "Motdepasse2026!"}
        for name, value in fields.items():
            driver.find_element(By.ID, name).send_keys(value)
        driver.find_element(By.CSS_SELECTOR, "#account-form button").click()
        status = settled(driver, 20).until(lambda d: d.find_element(By.ID, "account-status") if d.find_element(By.ID, "account-status").get_attribute("data-state") == "refused" else None)
        password = driver.find_element(By.ID, "password")
        check(status.is_displayed() and "trop courant" in status.text and password.get_attribute("aria-invalid") == "true",
              f"a common password is refused on its field: {status.text!r}")
        password.clear()
        password.send_keys(FIRST)
        driver.find_element(By.CSS_SELECTOR, "#account-form button").click()
        status = settled(driver, 20).until(lambda d: d.find_element(By.ID, "account-status") if d.find_element(By.ID, "account-status").get_attribute("data-state") == "ok" else None)
        check(status.is_displayed() and EMAIL in status.text and not driver.find_element(By.ID, "account-form").is_displayed(),
              f"the page says an e-mail left: {status.text!r}")

        # Not yet confirmed: the right password says so, the wrong one does not.
        code, body, _ = sign_in(port, EMAIL, FIRST)
        check(code == 403 and json.loads(body)["error"] == "email_unverified" and "confirmée" in json.loads(body)["message"],
              f"no session before the address is confirmed, and it says why: {code} {body!r}")
        verification = wait_for(lambda: mails_to(sink, EMAIL, "Confirmez votre adresse e-mail"), 30)
        check(verification, f"the confirmation e-mail arrived: {[m['Subject'] for _, m in sink.parsed()]}")
        if not verification:
            raise SystemExit(1)
        confirm, text, html = link_in(verification[0], "/api/v1/accounts/verify/")
        check(confirm.startswith(f"http://127.0.0.1:{port}/api/v1/accounts/verify/") and confirm in html and "Jeanne Martin" in text,
              f"its link, in both parts, to the person by name: {confirm!r}")
        token = confirm.rsplit("/", 1)[-1]

        driver.get(confirm)
        button = driver.find_element(By.CSS_SELECTOR, "form button")
        check(driver.find_element(By.TAG_NAME, "h1").text == "Confirmer votre adresse" and button.is_displayed(), "the link asks to confirm, with a button")
        check(sign_in(port, EMAIL, FIRST)[0] == 403, "opening the link changed nothing")
        button.click()
        settled(driver, 10).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Adresse confirmée")
        onwards = driver.find_element(By.LINK_TEXT, "Se connecter")
        check(onwards.is_displayed(), "the page leads on to the sign-in")
        onwards.click()

        # The app signs in.
        shown(driver, "sign-in")
        check(driver.find_element(By.LINK_TEXT, "Mot de passe oublié ?").is_displayed(), "the sign-in form offers 'Mot de passe oublié ?'")
        driver.find_element(By.ID, "email").send_keys(EMAIL)
        driver.find_element(By.ID, "password").send_keys(FIRST)
        driver.find_element(By.CSS_SELECTOR, "#sign-in button").click()
        shown(driver, "sign-out")
        check(not driver.find_element(By.ID, "sign-in").is_displayed(), "signed in: the form is gone")

        # "Mon compte": a new password.
        driver.get(f"http://127.0.0.1:{port}/app/preferences.html")
        shown(driver, "account-settings")
        driver.find_element(By.ID, "current-password").send_keys("pas le bon mot de passe")
        driver.find_element(By.ID, "new-password").send_keys(SECOND)
        driver.find_element(By.CSS_SELECTOR, "#password-form button").click()
        state = settled(driver, 20).until(lambda d: d.find_element(By.ID, "password-state") if d.find_element(By.ID, "password-state").get_attribute("data-state") == "refused" else None)
        check("actuel" in state.text and driver.find_element(By.ID, "current-password").get_attribute("aria-invalid") == "true", f"a wrong current password is refused: {state.text!r}")
        current = driver.find_element(By.ID, "current-password")
        current.clear()
        current.send_keys(FIRST)
        driver.find_element(By.CSS_SELECTOR, "#password-form button").click()
        state = settled(driver, 20).until(lambda d: d.find_element(By.ID, "password-state") if d.find_element(By.ID, "password-state").get_attribute("data-state") == "ok" else None)
        check(state.is_displayed() and "changé" in state.text, f"the password is changed: {state.text!r}")
        check(sign_in(port, EMAIL, FIRST)[0] == 401 and sign_in(port, EMAIL, SECOND)[0] == 201, "the old password no longer works, the new one does")

        # "Télécharger mes données": the file the browser saves holds the account, and no secret.
        downloads = os.path.join(root, "downloads")
        os.makedirs(downloads)
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
        button = driver.find_element(By.ID, "export-data")
        check(button.is_displayed() and button.text == "Télécharger mes données", "'Mon compte' offers 'Télécharger mes données'")
        button.click()
        saved = os.path.join(downloads, "financialtracker-mes-donnees.json")
        check(wait_for(lambda: os.path.exists(saved) and os.path.getsize(saved) > 0, 20), f"the browser saved the file: {os.listdir(downloads)}")
        if os.path.exists(saved):
            export = json.load(open(saved, encoding="utf-8"))
            check(export["account"]["email"] == EMAIL and export["client"]["companyName"] == "Boulangerie Martin" and "passwordHash" not in export["account"]
                  and all("tokenHash" not in session for session in export["sessions"]), f"it holds the account and the company, without secrets: {sorted(export)}")
        check("téléchargé" in driver.find_element(By.ID, "export-state").text, "the page says it is downloaded")

        # Signed out, "Mot de passe oublié ?".
        driver.get(f"http://127.0.0.1:{port}/app/index.html")
        shown(driver, "sign-out").click()
        shown(driver, "sign-in")
        driver.find_element(By.LINK_TEXT, "Mot de passe oublié ?").click()
        settled(driver, 10).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Mot de passe oublié")
        driver.find_element(By.ID, "email").send_keys(EMAIL)
        driver.find_element(By.CSS_SELECTOR, "#account-form button").click()
        status = settled(driver, 20).until(lambda d: d.find_element(By.ID, "account-status") if d.find_element(By.ID, "account-status").get_attribute("data-state") == "ok" else None)
        check(status.is_displayed() and EMAIL in status.text, f"the page says an e-mail left: {status.text!r}")
        other_device = sign_in(port, EMAIL, SECOND)[1]["token"]
        reset = wait_for(lambda: mails_to(sink, EMAIL, "Choisissez un nouveau mot de passe"), 30)
        check(reset, "the reset e-mail arrived")
        if not reset:
            raise SystemExit(1)
        link, text, html = link_in(reset[0], "/compte/nouveau-mot-de-passe/")
        check(link.startswith(f"http://127.0.0.1:{port}/compte/nouveau-mot-de-passe/#jeton=") and link in html and "30 minutes" in text,
              f"the reset link, in both parts, valid 30 minutes: {link!r}")
        driver.get(link)
        shown(driver, "account-form")
        driver.find_element(By.ID, "password").send_keys(THIRD)
        driver.find_element(By.CSS_SELECTOR, "#account-form button").click()
        status = settled(driver, 20).until(lambda d: d.find_element(By.ID, "account-status") if d.find_element(By.ID, "account-status").get_attribute("data-state") in ("ok", "refused") else None)
        check(status.get_attribute("data-state") == "ok" and "sessions" in status.text and driver.find_element(By.LINK_TEXT, "Se connecter").is_displayed(), f"the new password is set: {status.text!r}")
        check(call(port, "GET", "/api/v1/me", token=other_device)[0] == 401, "the reset ended the other device's session")
        driver.get(link)
        driver.refresh()
        intro = settled(driver, 10).until(lambda d: d.find_element(By.ID, "reset-intro") if "déjà servi" in d.find_element(By.ID, "reset-intro").text else None)
        check(intro.is_displayed() and not driver.find_element(By.ID, "account-form").is_displayed(), f"the link works once: {intro.text!r}")
        check(sign_in(port, EMAIL, SECOND)[0] == 401 and sign_in(port, EMAIL, THIRD)[0] == 201, "the password is the one set from the e-mail")

        # "Se déconnecter partout".
        driver.get(f"http://127.0.0.1:{port}/app/index.html")
        shown(driver, "sign-in")
        driver.find_element(By.ID, "email").send_keys(EMAIL)
        driver.find_element(By.ID, "password").send_keys(THIRD)
        driver.find_element(By.CSS_SELECTOR, "#sign-in button").click()
        shown(driver, "sign-out")
        phone = sign_in(port, EMAIL, THIRD)[1]["token"]
        check(call(port, "GET", "/api/v1/me", token=phone)[0] == 200, "another device is signed in")
        driver.get(f"http://127.0.0.1:{port}/app/preferences.html")
        shown(driver, "sign-out-everywhere").click()
        shown(driver, "sign-in")
        check(call(port, "GET", "/api/v1/me", token=phone)[0] == 401, "'Se déconnecter partout' ended the other device's session at once")

        # The same answers whether an address has an account: a reset, a sign-up.
        code_u, body_u = call(port, "POST", "/api/v1/password-resets", {"email": "personne@exemple.fr"})
        code_k, body_k = call(port, "POST", "/api/v1/password-resets", {"email": taken_email})
        check(code_u == code_k == 202 and body_u["message"].replace("personne@exemple.fr", "X") == body_k["message"].replace(taken_email, "X"),
              f"a reset answers the same: {body_u!r} / {body_k!r}")
        check(wait_for(lambda: mails_to(sink, "personne@exemple.fr", "Aucun compte FinancialTracker à cette adresse"), 30), "the address without an account is told so by e-mail")
        other = {**fields, "email": "autre@boulangerie.example", "password": FIRST, "siren": luhn_siren("73282931") if luhn_siren("73282931") not in sirens | {siren} else siren}
        code_n, body_n = call(port, "POST", "/api/v1/accounts", other)
        code_t, body_t = call(port, "POST", "/api/v1/accounts", {**other, "email": taken_email, "siren": siren})
        check(code_n == code_t == 202 and body_n["message"].replace(other["email"], "X") == body_t["message"].replace(taken_email, "X"),
              f"a sign-up answers the same for a taken address: {body_n!r} / {body_t!r}")
        check(wait_for(lambda: mails_to(sink, taken_email, "Vous avez déjà un compte FinancialTracker"), 30), "the taken address is told by e-mail")

        # Bad input names its field.
        for change, field in (({"siren": siren[:-1] + str((int(siren[-1]) + 1) % 10)}, "siren"), ({"postcode": "99999"}, "postcode"),
                              ({"email": "pas-une-adresse"}, "email"), ({"password": "court"}, "password")):
            code, body = call(port, "POST", "/api/v1/accounts", {**other, "email": "encore@exemple.fr", **change})
            check(code == 400 and b'"field":"' + field.encode() + b'"' in body, f"{change} → 400 naming {field}: {code} {body[:200]!r}")

        # The 11th wrong password within a minute.
        codes = [sign_in(port, "client@financialtracker.example", "pas le bon mot de passe")[0] for _ in range(10)]
        code, body, _ = sign_in(port, "client@financialtracker.example", "pas le bon mot de passe")
        right, _, _ = sign_in(port, "client@financialtracker.example", "demo-financialtracker")
        check(codes == [401] * 10 and code == 429 and right == 429, f"10 wrong passwords then 429, even for the right one: {codes} {code} {right}")
        request = __import__("urllib.request").request.Request(f"http://127.0.0.1:{port}/api/v1/session", data=b'{"email":"client@financialtracker.example","password":"x"}',
                                                              method="POST", headers={"Content-Type": "application/json"})
        try:
            __import__("urllib.request").request.urlopen(request, timeout=10)
        except __import__("urllib.error").error.HTTPError as error:
            retry = int(error.headers.get("Retry-After", "0"))
            check(error.code == 429 and 1 <= retry <= 60, f"with Retry-After: {error.code} {retry}")

        # Only hashes: no link token in the database.
        stored = b""
        for suffix in ("", "-wal"):
            if os.path.exists(database + suffix):
                with open(database + suffix, "rb") as handle:
                    stored += handle.read()
        check(token.encode() not in stored and link.rsplit("=", 1)[-1].encode() not in stored, "the database holds no link token")
    finally:
        if driver:
            driver.quit()
        finish(server, [controller], root)


if __name__ == "__main__":
    main()
