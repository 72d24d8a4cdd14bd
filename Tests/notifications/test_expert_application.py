"""An expert joins, end to end (headless Chromium, the real `ft serve` rebuilding the public pages,
the SQLite file, a real SMTP server on loopback):

- from the footer's "Proposer votre profil d'expert": the application form; a SIRET whose key is
  wrong is refused on its field; the bio's live preview shows the Markdown as the public page will
  (a heading, bold, a list; raw HTML never passes); the application is sent; it waits for the
  admins (no public page) until the address is confirmed from the e-mail and an admin approves it
  in /admin/, where the account's page shows the application;
- the same address again gets the same answer (that address is told by e-mail instead); a scheme
  that does not exist or no rate at all is refused naming the field, and stores nothing;
- the expert signs in to the app, "Mon profil" opens the profile filled in; a new bio is saved and
  the public page follows (timed); an empty headline is refused on its field and changes nothing;
- a client and a visitor cannot read or change a profile (403, 401);
- the admin deactivates the expert: its live socket closes within 1 s, its token is refused, its
  public page disappears;
- the application page and the profile page: axe-core finds no serious or critical violation, and
  neither scrolls sideways at 375 px.

Usage: python Tests/notifications/test_expert_application.py path/to/ft   (exits 1 on any failure)
"""
import json
import os
import re
import sqlite3
import sys
import time
import urllib.error
import urllib.request

from support import call, check, demo, finish, live_socket, serve_with_mail, smtp_sink, wait_for

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "browser"))
from harness import chromium, settled  # noqa: E402
from test_html import axe_here, vnu  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

FT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("FT", ".build/debug/ft"))
TEMPLATES = os.path.join(os.path.dirname(__file__), "..", "..", "site-templates")
EMAIL = "anais.rousseau@cabinet-rousseau.example"
PASSWORD = "les dossiers avancent au printemps"
BIO = "## Ma méthode\n\nJe récupère **le crédit d’impôt recherche** pour les PME.\n\n- un audit gratuit\n- un dossier solide\n\n<script>window.owned = 1</script>"
NEW_BIO = "Nouvelle présentation : **vingt ans** de dossiers CIR en Nouvelle-Aquitaine."


def luhn_ok(digits):
    total = 0
    for index, character in enumerate(reversed(digits)):
        value = int(character) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def siret(base13):
    """A SIRET made of 13 digits and their Luhn key."""
    return next(f"{base13}{key}" for key in range(10) if luhn_ok(f"{base13}{key}"))


def status_of(url, token=None):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def page_text(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.read().decode()
    except urllib.error.HTTPError:
        return ""


def admin_cookie(port):
    """An admin's session cookie, as the app's sign-in sets it."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/session", method="POST",
                                     data=json.dumps({"email": "admin@financialtracker.example", "password": "demo-financialtracker"}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return re.search(r"ft_session=([^;]+)", answer.headers["Set-Cookie"]).group(1)


def no_sideways_scroll(driver):
    return driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


def fill_application(driver, siret_number):
    fields = {"firstName": "Anaïs", "lastName": "Rousseau", "company": "Cabinet Rousseau", "siret": siret_number, "postcode": "33000",
              "headline": "Spécialiste du CIR pour les PME industrielles", "yearsOfExperience": "12", "dayRate": "900",
              "certifications": "Expert-comptable inscrite à l’Ordre", "email": EMAIL, "password": PASSWORD}
    for name, value in fields.items():
        box = driver.find_element(By.ID, name)
        box.clear()
        box.send_keys(value)
    for box in driver.find_elements(By.CSS_SELECTOR, 'input[name="schemes"]')[:2]:
        if not box.is_selected():
            box.click()
    english = driver.find_element(By.CSS_SELECTOR, 'input[name="languages"][value="en"]')
    if not english.is_selected():
        english.click()
    driver.find_element(By.ID, "portfolio-title-0").send_keys("CIR d’un atelier de mécanique")
    driver.find_element(By.ID, "portfolio-year-0").send_keys("2024")
    driver.find_element(By.ID, "portfolio-amount-0").send_keys("180000")
    driver.find_element(By.ID, "portfolio-summary-0").send_keys("Trois années rattrapées.")


def main():
    root, data, environment, database = demo(FT, TEMPLATES, "ft-expert-application-", 20, 10)
    sink, controller, smtp_port = smtp_sink()
    server, driver = None, None
    try:
        server, port, base = serve_with_mail(FT, data, os.path.join(data, "public"), TEMPLATES, smtp_port, root, environment)
        with sqlite3.connect(database) as db:
            experts_before = db.execute("SELECT count(*) FROM expert").fetchone()[0]
            client_email = db.execute("SELECT email FROM user WHERE role = 'client' AND email <> 'client@financialtracker.example' LIMIT 1").fetchone()[0]
        good_siret = siret("7328293200001")
        wrong_siret = good_siret[:-1] + str((int(good_siret[-1]) + 1) % 10)

        # From the footer of the home page to the application form.
        driver = chromium(window="1280,1000")
        driver.get(f"{base}/")
        link = driver.find_element(By.LINK_TEXT, "Proposer votre profil d’expert")
        check(link.is_displayed(), "the footer offers 'Proposer votre profil d’expert'")
        link.click()
        settled(driver, 10).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Devenir expert sur FinancialTracker")
        found = axe_here(driver)
        check(not found, f"axe finds no serious or critical violation on the application page: {found}")
        fill_application(driver, wrong_siret)

        # The live preview, by the site's own rules.
        driver.find_element(By.ID, "bio").send_keys(BIO)
        preview = settled(driver, 10).until(lambda d: d.find_element(By.ID, "bio-preview") if d.find_element(By.ID, "bio-preview").get_attribute("data-state") == "ready" else None)
        strong = preview.find_elements(By.TAG_NAME, "strong")
        heading = preview.find_elements(By.TAG_NAME, "h4")
        check(preview.is_displayed() and strong and strong[0].is_displayed() and strong[0].text == "le crédit d’impôt recherche"
              and heading and heading[0].text == "Ma méthode" and len(preview.find_elements(By.TAG_NAME, "li")) == 2,
              f"the preview shows the heading, the bold words and the list: {preview.get_attribute('innerHTML')[:200]!r}")
        check(not preview.find_elements(By.TAG_NAME, "script") and driver.execute_script("return window.owned") is None,
              "raw HTML does not pass into the preview")
        check(no_sideways_scroll(driver), "the application page does not scroll sideways at 1280 px")

        driver.find_element(By.CSS_SELECTOR, "#account-form > button[type=submit]").click()
        status = settled(driver, 20).until(lambda d: d.find_element(By.ID, "account-status") if d.find_element(By.ID, "account-status").get_attribute("data-state") == "refused" else None)
        field = driver.find_element(By.ID, "siret")
        check(status.is_displayed() and "SIRET" in status.text and field.get_attribute("aria-invalid") == "true",
              f"a SIRET whose key is wrong is refused on its field: {status.text!r}")
        field.clear()
        field.send_keys(f"{good_siret[:3]} {good_siret[3:6]} {good_siret[6:9]} {good_siret[9:]}")
        driver.find_element(By.CSS_SELECTOR, "#account-form > button[type=submit]").click()
        status = settled(driver, 20).until(lambda d: d.find_element(By.ID, "account-status") if d.find_element(By.ID, "account-status").get_attribute("data-state") == "ok" else None)
        check(status.is_displayed() and EMAIL in status.text and not driver.find_element(By.ID, "account-form").is_displayed(),
              f"the application is received: {status.text!r}")

        with sqlite3.connect(database) as db:
            row = db.execute("""
                SELECT e.id, e.slug, e.approval, e.siret, e.city, e.region, e.dayRate, e.languages, u.emailVerified, u.id, u.role,
                       (SELECT count(*) FROM expertSpecialty s WHERE s.expertId = e.id), e.portfolio
                FROM expert e JOIN user u ON u.id = e.userId WHERE u.email = ?""", (EMAIL,)).fetchone()
        check(row is not None and row[2] == "pending" and row[3] == good_siret and row[4] == "Bordeaux" and row[5] == "Nouvelle-Aquitaine"
              and row[6] == 900 and json.loads(row[7]) == ["fr", "en"] and row[8] == 0 and row[10] == "expert" and row[11] == 2
              and json.loads(row[12])[0]["amountRecovered"] == 180000,
              f"a pending expert with its SIRET, town, rate, languages, schemes and reference: {row}")
        expert_id, slug, user_id = row[0], row[1], row[9]
        check(status_of(f"{base}/experts/{slug}/") == 404, "a pending application has no public page")

        # The same address again: the same answer; the address is told instead. Bad input stores nothing.
        application = {"firstName": "Autre", "lastName": "Personne", "company": "X", "siret": good_siret, "postcode": "69003",
                       "headline": "Autre", "schemes": ["CIR"], "dayRate": 500, "successFeePercent": None, "languages": ["fr"],
                       "certifications": [], "portfolio": [], "yearsOfExperience": 3, "bio": "Bonjour", "email": EMAIL, "password": PASSWORD}
        with sqlite3.connect(database) as db:
            application["schemes"] = [db.execute("SELECT code FROM eligibleProduct WHERE active = 1 LIMIT 1").fetchone()[0]]
        code, body = call(port, "POST", "/api/v1/expert-applications", application)
        check(code == 202 and EMAIL in body["message"], f"the same address again gets the same answer: {code} {body!r}")
        told = wait_for(lambda: [m for to, m in sink.parsed() if to == [EMAIL] and m["Subject"] == "Vous avez déjà un compte FinancialTracker"], 30)
        check(told, "and that address is told by e-mail that it has an account")
        for change, field_name in [({"schemes": ["NEXISTEPAS"]}, "schemes"), ({"dayRate": None}, "dayRate"), ({"siret": "123"}, "siret")]:
            code, body = call(port, "POST", "/api/v1/expert-applications", {**application, **change, "email": f"autre.{field_name.lower()}@exemple.fr"})
            answer = json.loads(body) if isinstance(body, bytes) else body
            check(code == 400 and answer.get("field") == field_name, f"{change} is refused naming {field_name}: {code} {answer!r}")
        with sqlite3.connect(database) as db:
            check(db.execute("SELECT count(*) FROM expert").fetchone()[0] == experts_before + 1, "and stores nothing")

        # The address is confirmed from the e-mail.
        verification = wait_for(lambda: [m for to, m in sink.parsed() if to == [EMAIL] and m["Subject"] == "Confirmez votre adresse e-mail"], 30)
        check(verification, "the confirmation e-mail arrived")
        if not verification:
            raise SystemExit(1)
        confirm = next(word for word in verification[0].get_body(("plain",)).get_content().split() if "/api/v1/accounts/verify/" in word)
        driver.get(confirm)
        driver.find_element(By.CSS_SELECTOR, "form button").click()
        settled(driver, 10).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Adresse confirmée")
        check("candidature" in driver.find_element(By.TAG_NAME, "body").text, "the page says the application is being reviewed")

        # An admin reviews it in /admin/ and approves it.
        cookie = admin_cookie(port)
        driver.get(f"{base}/")
        driver.add_cookie({"name": "ft_session", "value": cookie, "path": "/"})
        driver.get(f"{base}/admin/comptes.html?etat=en-attente")
        row_link = driver.find_element(By.LINK_TEXT, "Anaïs Rousseau")
        check(row_link.is_displayed(), "the application is among those waiting")
        row_link.click()
        section = settled(driver, 10).until(lambda d: d.find_element(By.ID, "application"))
        bio = driver.find_element(By.ID, "application-bio")
        check(section.is_displayed() and good_siret in section.text and "Bordeaux" in section.text and "900" in section.text and "Français, Anglais" in section.text
              and bio.find_element(By.TAG_NAME, "strong").text == "le crédit d’impôt recherche",
              f"the account's page shows the application: {section.text[:300]!r}")
        driver.find_element(By.XPATH, "//button[text()='Valider la candidature']").click()
        notice = settled(driver, 10).until(lambda d: d.find_element(By.ID, "users-notice"))
        check("validée" in notice.text, f"approved: {notice.text!r}")
        check(wait_for(lambda: status_of(f"{base}/experts/{slug}/") == 200, 30), "the expert's public page appears")
        check("le crédit d’impôt recherche" in page_text(f"{base}/experts/{slug}/"), "with the bio")

        # The expert signs in to the app and edits the profile.
        driver.delete_all_cookies()
        driver.get(f"{base}/app/index.html")
        settled(driver, 20).until(lambda d: d.find_element(By.ID, "sign-in").is_displayed())
        driver.find_element(By.ID, "email").send_keys(EMAIL)
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        driver.find_element(By.CSS_SELECTOR, "#sign-in button").click()
        profile_link = settled(driver, 20).until(lambda d: d.find_element(By.ID, "profile-link") if d.find_element(By.ID, "profile-link").is_displayed() else None)
        profile_link.click()
        form = settled(driver, 20).until(lambda d: d.find_element(By.ID, "profile-form") if d.find_element(By.ID, "profile-form").is_displayed() else None)
        state = driver.find_element(By.ID, "profile-state")
        check(driver.find_element(By.ID, "firstName").get_attribute("value") == "Anaïs" and "publié" in state.text
              and driver.find_element(By.ID, "profile-page").is_displayed(),
              f"'Mon profil' opens the profile, filled in, published, with its page's link: {state.text!r}")
        check(driver.find_element(By.ID, "portfolio-title-0").get_attribute("value") == "CIR d’un atelier de mécanique"
              and driver.find_element(By.CSS_SELECTOR, 'input[name="languages"][value="en"]').is_selected(), "its reference and languages too")
        found = axe_here(driver)
        check(not found, f"axe finds no serious or critical violation on the profile page: {found}")

        bio_box = driver.find_element(By.ID, "bio")
        bio_box.clear()
        bio_box.send_keys(NEW_BIO)
        started = time.perf_counter()
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        saved = settled(driver, 20).until(lambda d: d.find_element(By.ID, "profile-save-state") if d.find_element(By.ID, "profile-save-state").get_attribute("data-state") == "ok" else None)
        check(saved.is_displayed() and "page publique est à jour" in saved.text, f"the save says the public page is up to date: {saved.text!r}")
        followed = wait_for(lambda: "vingt ans" in page_text(f"{base}/experts/{slug}/"), 10)
        check(followed, f"the public page follows the new bio ({(time.perf_counter() - started) * 1000:.0f} ms from the click, debug build)")

        headline = driver.find_element(By.ID, "headline")
        headline.clear()
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        refused = settled(driver, 20).until(lambda d: d.find_element(By.ID, "profile-save-state") if d.find_element(By.ID, "profile-save-state").get_attribute("data-state") == "refused" else None)
        check(refused.is_displayed() and "accroche" in refused.text.lower() and headline.get_attribute("aria-invalid") == "true",
              f"an empty headline is refused on its field: {refused.text!r}")
        with sqlite3.connect(database) as db:
            check(db.execute("SELECT headline FROM expert WHERE id = ?", (expert_id,)).fetchone()[0] == "Spécialiste du CIR pour les PME industrielles",
                  "and changes nothing")

        driver.set_window_size(375, 812)
        driver.get(f"{base}/app/profile.html")
        settled(driver, 20).until(lambda d: d.find_element(By.ID, "profile-form").is_displayed())
        check(no_sideways_scroll(driver), "the profile page does not scroll sideways at 375 px")
        driver.get(f"{base}/compte/devenir-expert/")
        check(no_sideways_scroll(driver), "nor the application page")

        # The pages of this journey, as the server sends them, through the HTML validator: the
        # application and profile pages, and the admins' pages rendered on request.
        pages = {"devenir-expert.html": f"{base}/compte/devenir-expert/", "profile.html": f"{base}/app/profile.html",
                 "comptes.html": f"{base}/admin/comptes.html?etat=en-attente", "compte.html": f"{base}/admin/comptes/{user_id}.html"}
        files = []
        for name, url in pages.items():
            with urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": f"ft_session={cookie}"}), timeout=30) as answer:
                path = os.path.join(root, name)
                open(path, "wb").write(answer.read())
                files.append(path)
        errors = vnu(files)
        check(not errors, f"the validator finds no error on the application, profile and admin users pages: {errors[:5]}")

        # Who may read or change a profile.
        _, client = call(port, "POST", "/api/v1/session", {"email": client_email, "password": "demo-financialtracker"})
        code, _ = call(port, "GET", "/api/v1/me/expert-profile", token=client["token"])
        check(code == 403, f"a client cannot read a profile: {code}")
        code, _ = call(port, "PUT", "/api/v1/me/expert-profile", {**application}, token=client["token"])
        check(code == 403, f"nor change one: {code}")
        code, _ = call(port, "GET", "/api/v1/me/expert-profile")
        check(code == 401, f"a visitor neither: {code}")

        # The admin deactivates the expert.
        _, signed = call(port, "POST", "/api/v1/session", {"email": EMAIL, "password": PASSWORD})
        welcome, closed, when = live_socket(port, signed["token"])
        check(welcome.get("type") == "welcome", f"the expert's live channel is open: {welcome}")
        request = urllib.request.Request(f"{base}/admin/comptes/{user_id}.html", headers={"Cookie": f"ft_session={cookie}"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            csrf = re.search(r'name="csrf" value="([^"]+)"', answer.read().decode()).group(1)
        started = time.perf_counter()
        deactivate = urllib.request.Request(f"{base}/admin/comptes/{user_id}/desactiver", method="POST",
                                            data=f"csrf={csrf}&retour=/admin/comptes/{user_id}.html".encode(),
                                            headers={"Cookie": f"ft_session={cookie}", "Origin": base, "Content-Type": "application/x-www-form-urlencoded"})

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None
        try:
            urllib.request.build_opener(NoRedirect).open(deactivate, timeout=30)
        except urllib.error.HTTPError as error:
            check(error.code == 303, f"the deactivation is done: {error.code}")
        check(closed.wait(5) and when[0] - started < 1, f"its live socket closed within 1 s: {when[0] - started if when else None}")
        check(status_of(f"{base}/api/v1/me", signed["token"]) == 401, "its token is refused")
        check(wait_for(lambda: status_of(f"{base}/experts/{slug}/") == 404, 30), "its public page disappears")
    finally:
        if driver:
            driver.quit()
        finish(server, [controller], root)


if __name__ == "__main__":
    main()
