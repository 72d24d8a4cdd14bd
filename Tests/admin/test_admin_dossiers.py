"""Issue 20, an admin reassigns a dossier by hand (/admin/dossiers/{id}.html), end to end (headless
Chromium, the real `ft serve`, SQLite, an SMTP server on loopback):
- a dossier opened through sync with no expert asked for is offered by the rules; the assignments
  list links to its page, which shows who has it, its steps and history, and the experts the rules
  rank next, each with why;
- the admin gives it to the second of them with a reason: the first expert's offer is withdrawn
  (told why), the chosen one gets an offer (and its e-mail), the history and the audit log say who
  did what and why;
- "À l'expert suivant selon les règles" offers it to the expert the page ranked first;
- refused, nothing changed, the field named: no reason, an expert who does not hold the scheme,
  an e-mail or a number that is no expert; a client gets 403; a form without the session's token 403;
- axe-core finds no serious or critical violation; nothing is wider than a 375 px screen.

Usage: python Tests/admin/test_admin_dossiers.py path/to/ft   (exits 1 on any failure)
"""
import json
import os
import re
import sqlite3
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "notifications"))
from support import call, check, demo, finish, serve_with_mail, smtp_sink, wait_for  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "browser"))
from harness import app_sign_in, chromium, settled  # noqa: E402
from test_html import axe_here  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

FT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("FT", ".build/debug/ft"))
TEMPLATES = os.path.join(os.path.dirname(__file__), "..", "..", "site-templates")
PASSWORD = "demo-financialtracker"


def holds(condition, answer):
    """Whether `answer` meets an eligibility condition (`anyOf`, `atLeast`, `atMost`)."""
    if condition.get("anyOf") is not None and answer not in condition["anyOf"]:
        return False
    if condition.get("atLeast") is not None or condition.get("atMost") is not None:
        number = int(answer)
        return (condition.get("atLeast") is None or number >= condition["atLeast"]) and (condition.get("atMost") is None or number <= condition["atMost"])
    return True


def eligible_answers(questions):
    """Answers meeting every requirement, each question answered once it is asked."""
    answers = {}
    while True:
        asked = [q for q in questions if not q.get("askedWhen")
                 or (q["askedWhen"]["question"] in answers and holds(q["askedWhen"]["condition"], answers[q["askedWhen"]["question"]]))]
        pending = [q for q in asked if q["key"] not in answers]
        if not pending:
            return answers
        question, requirement = pending[0], pending[0].get("requirement") or {}
        if question["kind"] == "yes_no":
            answers[question["key"]] = (requirement.get("anyOf") or ["oui"])[0]
        elif question["kind"] == "number":
            answers[question["key"]] = str(max(requirement.get("atLeast") or 1, 1) * 10)
        else:
            answers[question["key"]] = (requirement.get("anyOf") or question["choices"])[0]


def open_dossier(port, token, product, answers, record):
    body = {"operations": [{"id": f"op-{record}", "collection": "dossier", "action": "insert", "record": record,
                            "fields": {"product": product, "description": "Demande d’accompagnement", "amount": 20000, "answers": json.dumps(answers)},
                            "hlc": f"{int(time.time() * 1000):016d}-00000-ad", "actor": {"user": 0, "role": "client"}}]}
    return call(port, "POST", "/api/v1/sync/push", body, token=token)


def open_assignments(db, dossier):
    return db.execute("SELECT expertId, status FROM expertAssignment WHERE dossierId = ? AND status IN ('pending', 'assigned', 'in_progress')", (dossier,)).fetchall()


def submit(driver, expert=None, other="", reason=""):
    """Fills the reassignment form and sends it (the browser's own check of the reason turned off,
    so that the server's is the one tried); returns once the answer's page is there."""
    driver.execute_script("document.getElementById('reason').removeAttribute('required')")
    if expert is not None:
        driver.find_element(By.CSS_SELECTOR, f"#candidates input[value='{expert}']").click()
    field = driver.find_element(By.ID, "other-expert")
    field.clear()
    field.send_keys(other)
    box = driver.find_element(By.ID, "reason")
    box.clear()
    box.send_keys(reason)
    driver.execute_script("window.leaving = true")
    driver.find_element(By.CSS_SELECTOR, "#reassign-form button[type=submit]").click()
    # The answer is a new page: wait for it, not for what the old one shows.
    settled(driver, 10).until(lambda d: d.execute_script("return !window.leaving && document.readyState === 'complete'"))


def candidates(driver):
    return driver.execute_script("""return [...document.querySelectorAll('#candidates input[data-rank]')]
        .filter(i => i.checkVisibility()).map(i => [Number(i.value), i.closest('label').textContent.trim()])""")


def main():
    root, data, environment, database = demo(FT, TEMPLATES, "ft-admin-dossiers-", 120, 10)
    sink, controller, smtp_port = smtp_sink()
    server, driver = None, None
    try:
        server, port, base = serve_with_mail(FT, data, os.path.join(data, "public"), TEMPLATES, smtp_port, root, environment)
        db = sqlite3.connect(database, isolation_level=None)
        # The scheme with the most approved experts in the demo client's region: several to rank.
        product, questions = db.execute("""
            SELECT p.id, p.eligibilityQuestions FROM eligibleProduct p JOIN expertSpecialty s ON s.productId = p.id JOIN expert e ON e.id = s.expertId
            WHERE e.approval = 'approved' AND p.active = 1 AND e.region = (SELECT c.region FROM client c JOIN user u ON u.id = c.userId WHERE u.email = 'client@financialtracker.example')
            GROUP BY p.id ORDER BY count(*) DESC, p.id LIMIT 1""").fetchone()
        _, session = call(port, "POST", "/api/v1/session", {"email": "client@financialtracker.example", "password": PASSWORD})
        status, answer = open_dossier(port, session["token"], product, eligible_answers(json.loads(questions)), "admin-reassign")
        check(status == 200 and answer["results"][0]["status"] == "accepted", f"a dossier is opened through sync: {answer}")
        dossier = db.execute("SELECT id FROM dossier WHERE requestId = 'admin-reassign'").fetchone()[0]
        first = open_assignments(db, dossier)
        check(len(first) == 1 and first[0][1] == "pending", f"the rules offered it to one expert ({first})")
        first_expert = first[0][0]

        # A client may not see the page.
        request = urllib.request.Request(f"{base}/admin/dossiers/{dossier}.html", headers={"Authorization": f"Bearer {session['token']}"})
        try:
            urllib.request.urlopen(request, timeout=10)
            check(False, "a client is refused the dossier's admin page")
        except urllib.error.HTTPError as error:
            check(error.code == 403, f"a client is refused the dossier's admin page ({error.code})")

        driver = chromium(window="1280,1000")
        app_sign_in(driver, base, "admin@financialtracker.example", PASSWORD)

        # The assignments list (rebuilt after the change) links to the dossier's page.
        def linked():
            driver.get(f"{base}/admin/suivi/affectations-1.html")
            return driver.find_elements(By.CSS_SELECTOR, f"a[href='/admin/dossiers/{dossier}.html']")
        links = wait_for(linked, 30, step=1)
        check(bool(links) and links[0].is_displayed(), "the assignments list links to the dossier's page")
        if links:
            links[0].click()
        else:
            driver.get(f"{base}/admin/dossiers/{dossier}.html")
        settled(driver, 10).until(lambda d: d.find_element(By.ID, "reassign-form").is_displayed())
        first_name = db.execute("SELECT firstName || ' ' || lastName FROM expert WHERE id = ?", (first_expert,)).fetchone()[0]
        current = driver.find_element(By.ID, "dossier-current").text
        check(first_name in current and "En attente" in current, f"the page says who has it ({current!r})")
        history = driver.find_element(By.ID, "dossier-history").text
        check(f"Proposé à {first_name}" in history, f"the history says whom the rules chose ({history[:200]!r})")
        steps = driver.find_elements(By.CSS_SELECTOR, "#step-table tbody tr")
        check(len(steps) >= 3 and all(s.is_displayed() for s in steps), f"the dossier's steps are listed ({len(steps)})")
        ranked = candidates(driver)
        check(len(ranked) >= 2 and first_expert not in [e for e, _ in ranked], f"the experts the rules rank next, without the one who has it ({ranked[:3]})")
        check(all(re.search(r"\(\d+ dossiers? ouverts? sur \d+, (note \d,\d|pas encore d’avis)(, \d+ km)?\)$", text) for _, text in ranked),
              "each with why (open dossiers against capacity, rating, distance)")
        found = axe_here(driver)
        check(not found, f"axe finds no serious or critical violation on the dossier's page: {found}")
        if os.environ.get("SCREENSHOTS"):
            driver.save_screenshot(os.path.join(os.environ["SCREENSHOTS"], "admin-dossier.png"))

        # Refusals: nothing changes, the field is named.
        holds = {e for (e,) in db.execute("SELECT expertId FROM expertSpecialty WHERE productId = ?", (product,))}
        outsider = db.execute(f"""SELECT u.email FROM expert e JOIN user u ON u.id = e.userId
            WHERE e.approval = 'approved' AND e.active = 1 AND u.active = 1 AND e.id NOT IN ({','.join(map(str, holds))}) LIMIT 1""").fetchone()[0]
        for expert, other, reason, expected in [
            (ranked[1][0], "", "   ", "Motif manquant (champ « motif »)"),
            (None, outsider, "Essai", "ne traite pas « "),
            (None, "personne@nulle-part.example", "Essai", "Aucun expert n’a l’adresse « personne@nulle-part.example » (champ « autre »)"),
        ]:
            submit(driver, expert, other, reason)
            settled(driver, 10).until(lambda d: d.find_elements(By.ID, "dossier-problem"))
            problem = driver.find_element(By.ID, "dossier-problem")
            check(problem.is_displayed() and expected in problem.text, f"refused, saying why ({problem.text!r})")
            check(open_assignments(db, dossier) == first, "and nothing changed")

        # Given by hand to the second-ranked expert.
        chosen, chosen_text = ranked[1]
        chosen_name, chosen_email = db.execute("SELECT e.firstName || ' ' || e.lastName, u.email FROM expert e JOIN user u ON u.id = e.userId WHERE e.id = ?", (chosen,)).fetchone()
        submit(driver, chosen, "", "Le client préfère un expert qui parle anglais.")
        settled(driver, 10).until(lambda d: d.find_elements(By.ID, "dossier-notice"))
        notice = driver.find_element(By.ID, "dossier-notice")
        check(notice.is_displayed() and chosen_name in notice.text, f"the page says to whom it went ({notice.text!r})")
        check(open_assignments(db, dossier) == [(chosen, "pending")], f"the chosen expert has the offer ({open_assignments(db, dossier)})")
        check(db.execute("SELECT status FROM expertAssignment WHERE dossierId = ? AND expertId = ?", (dossier, first_expert)).fetchone()[0] == "cancelled",
              "the first expert's offer is withdrawn")
        told = db.execute("""SELECT body FROM notification n JOIN expert e ON e.userId = n.userId WHERE e.id = ? AND n.title LIKE ?""",
                          (first_expert, f"Dossier n° {dossier} confié%")).fetchone()
        check(told is not None and "parle anglais" in told[0], f"the first expert is told why ({told})")
        admin_name = db.execute("SELECT displayName FROM user WHERE email = 'admin@financialtracker.example'").fetchone()[0]
        lines = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#dossier-history li")]
        line = next((text for text in lines if "Réattribué par un administrateur" in text), "")
        check(f"il était à {first_name}" in line and f"confié à {chosen_name}" in line and "parle anglais" in line and admin_name in line,
              f"the history says who did what and why ({line!r})")
        check(lines[0].endswith(f"Proposé à {chosen_name} (choisi par un administrateur)."), f"then the offer, newest first ({lines[0]!r})")
        audit = db.execute("SELECT detail FROM auditLog WHERE action = 'dossier.reassign' AND entityId = ?", (str(dossier),)).fetchall()
        check(len(audit) == 1 and json.loads(audit[0][0])["to"] == str(chosen), f"the audit log records it ({audit})")
        mail = wait_for(lambda: [m for to, m in sink.parsed() if chosen_email in to and "Nouveau dossier proposé" in str(m["Subject"])], 20)
        check(bool(mail), f"the chosen expert is e-mailed the offer ({chosen_email})")

        # By the rules: the expert the page ranks first.
        ranked = candidates(driver)
        driver.find_element(By.CSS_SELECTOR, "#candidates input[value='']").click()
        submit(driver, None, "", "L’expert choisi est en congé.")
        settled(driver, 10).until(lambda d: "Dossier réattribué" in d.find_element(By.ID, "dossier-notice").text)
        check(open_assignments(db, dossier) == [(ranked[0][0], "pending")], f"the rules offer it to the page's first ({ranked[0]}, {open_assignments(db, dossier)})")

        # Posted by hand: a number that is no expert, a word that is neither an e-mail nor a number.
        driver.execute_script("document.getElementById('other-expert').type = 'text'")
        for other, expected in [("999999", "Aucun expert n° 999999 (champ « expert »)"), ("douze", "« douze » n’est ni l’e-mail ni le numéro d’un expert (champ « autre »)")]:
            before = open_assignments(db, dossier)
            submit(driver, None, other, "Essai")
            settled(driver, 10).until(lambda d: d.find_elements(By.ID, "dossier-problem"))
            problem = driver.find_element(By.ID, "dossier-problem").text
            check(expected in problem and open_assignments(db, dossier) == before, f"refused, saying why, nothing changed ({problem!r})")
            driver.execute_script("document.getElementById('other-expert').type = 'text'")

        # A form without the session's token.
        status, body = call(port, "POST", f"/admin/dossiers/{dossier}/reattribuer", form="expert=&motif=x", token=session["token"])
        check(status == 403, f"a client's post is refused ({status})")

        driver.set_window_size(375, 800)
        driver.get(f"{base}/admin/dossiers/{dossier}.html")
        wide = driver.execute_script("return document.documentElement.scrollWidth")
        check(wide <= 375, f"nothing is wider than a 375 px screen ({wide})")
        if os.environ.get("SCREENSHOTS"):
            driver.save_screenshot(os.path.join(os.environ["SCREENSHOTS"], "admin-dossier-phone.png"))
    finally:
        if driver:
            driver.quit()
        finish(server, [controller], root)


if __name__ == "__main__":
    main()
