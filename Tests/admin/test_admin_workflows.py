"""Issue 20, the admins' workflow templates (/admin/modeles.html), end to end (headless Chromium,
the real `ft serve`, SQLite):
- "Modèles de dossiers" in the admin nav lists every scheme with its version;
- a scheme's editor: a step moved with "Monter" (the keyboard's way; the focus stays on it), one
  removed, one added; "Aperçu" shows the steps a dossier would get, in the new order, without
  saving; "Enregistrer" saves version N+1 with those steps (and an audit line), and a dossier
  opened afterwards through sync gets them while one opened before keeps its own;
- a step depending on a later one (a cycle) or on a key that does not exist is refused with the
  step named, and nothing is saved;
- the scheme's eligibility questions are edited on the same page: a question added (asked at once
  in the app's "Nouveau dossier", its refusal shown when the answer does not meet it); refused with
  the question named: a dependency on a question asked after it, a choice question with one choice,
  an answer the question cannot take, removing a question a step's condition reads;
- axe-core finds no serious or critical violation on the editor.

Usage: python Tests/admin/test_admin_workflows.py path/to/ft   (exits 1 on any failure)
"""
import json
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "notifications"))
from support import call, check, demo, finish, serve_with_mail, smtp_sink, wait_for  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "browser"))
from harness import app_sign_in, chromium, settled  # noqa: E402
from test_html import axe_here  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

FT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("FT", ".build/debug/ft"))
TEMPLATES = os.path.join(os.path.dirname(__file__), "..", "..", "site-templates")


def keys_of(driver):
    return driver.execute_script("return [...document.querySelectorAll('#step-rows > .step-row')].map(r => r.querySelector('input[name^=key_]').value)")


# TICPE's answers that make a dossier eligible (FTSeed's questions for it).
ANSWERS = json.dumps({"transport": "oui", "poids": "oui", "litres": "50000", "flotte": "Camions"})


def open_dossier(port, token, product, record):
    body = {"operations": [{"id": f"op-{record}", "collection": "dossier", "action": "insert", "record": record,
                            "fields": {"product": product, "description": "Essai", "amount": 20000, "answers": ANSWERS},
                            "hlc": f"{int(time.time() * 1000):016d}-00000-wf", "actor": {"user": 0, "role": "client"}}]}
    status, answer = call(port, "POST", "/api/v1/sync/push", body, token=token)
    return status, answer


def main():
    root, data, environment, database = demo(FT, TEMPLATES, "ft-admin-workflows-", 20, 10)
    sink, controller, smtp_port = smtp_sink()
    server, driver = None, None
    try:
        server, port, base = serve_with_mail(FT, data, os.path.join(data, "public"), TEMPLATES, smtp_port, root, environment)
        with sqlite3.connect(database) as db:
            product, name = db.execute("SELECT id, name FROM eligibleProduct WHERE code = 'TICPE'").fetchone()
            version, steps = db.execute("SELECT version, steps FROM workflowTemplate WHERE productId = ? ORDER BY version DESC LIMIT 1", (product,)).fetchone()
        before_keys = [step["key"] for step in json.loads(steps)]
        _, session = call(port, "POST", "/api/v1/session", {"email": "client@financialtracker.example", "password": "demo-financialtracker"})
        client = session["token"]
        status, answer = open_dossier(port, client, product, "wf-before")
        check(status == 200 and answer["results"][0]["status"] == "accepted", f"a dossier opened before the edit: {answer}")

        driver = chromium(window="1280,1000")
        app_sign_in(driver, base, "admin@financialtracker.example")
        driver.get(f"{base}/admin/index.html")
        driver.find_element(By.LINK_TEXT, "Modèles de dossiers").click()
        settled(driver, 10).until(lambda d: d.find_element(By.ID, "workflow-list").is_displayed())
        row = driver.find_element(By.CSS_SELECTOR, f"#workflow-list tr[data-product='{product}']")
        check(row.is_displayed() and str(version) in row.text, f"the list shows the scheme and its version ({row.text!r})")
        row.find_element(By.TAG_NAME, "a").click()
        settled(driver, 10).until(lambda d: d.find_element(By.ID, "workflow-form").is_displayed())
        check(keys_of(driver) == before_keys, f"the editor holds the saved steps in order ({keys_of(driver)})")
        found = axe_here(driver)
        check(not found, f"axe finds no serious or critical violation on the editor: {found}")

        # Move the third step up with its button (TICPE's second and third steps both wait for the
        # first: either order holds); the focus stays on it.
        third = driver.find_elements(By.CSS_SELECTOR, "#step-rows > .step-row")[2]
        third.find_element(By.CSS_SELECTOR, ".move-up").click()
        moved = before_keys[:1] + [before_keys[2], before_keys[1]] + before_keys[3:]
        check(keys_of(driver) == moved, f"'Monter' moves the step up ({keys_of(driver)})")
        check(driver.switch_to.active_element.get_attribute("class") == "secondary move-up", "the focus stays on the moved step's button")
        check(driver.find_element(By.CSS_SELECTOR, "#step-rows > .step-row:nth-child(2) .step-number").text == "2.", "the steps are numbered again")
        # Remove the last step; add one that waits for the first.
        rows = driver.find_elements(By.CSS_SELECTOR, "#step-rows > .step-row")
        rows[-1].find_element(By.CSS_SELECTOR, ".remove input").click()
        driver.find_element(By.ID, "add-step").click()
        added = driver.find_elements(By.CSS_SELECTOR, "#step-rows > .step-row")[-1]
        added.find_element(By.CSS_SELECTOR, "input[name^=title_]").send_keys("Appel de découverte")
        added.find_element(By.CSS_SELECTOR, "input[name^=key_]").send_keys("appel")
        Select(added.find_element(By.CSS_SELECTOR, "select[name^=assignee_]")).select_by_value("expert")
        added.find_element(By.CSS_SELECTOR, "input[name^=depends_]").send_keys(before_keys[0])
        expected = moved[:-1] + ["appel"]

        # Preview: the steps in the new order, nothing saved.
        driver.find_element(By.XPATH, "//button[text()='Aperçu']").click()
        settled(driver, 10).until(lambda d: d.find_element(By.ID, "workflow-preview").is_displayed())
        shown = [cell.text for cell in driver.find_elements(By.CSS_SELECTOR, "#workflow-preview tbody tr td:nth-child(2)")]
        # The example dossier (30,000 €) leaves out the check for dossiers of 50,000 € or more.
        check(shown[-1] == "Appel de découverte" and len(shown) == len(expected) - 1 and "Contre-vérification (dossier de plus de 50 000 €)" not in shown,
              f"the preview lists the steps a dossier would get ({shown})")
        check(keys_of(driver) == expected, f"the editor keeps the rows as posted ({keys_of(driver)})")
        with sqlite3.connect(database) as db:
            check(db.execute("SELECT max(version) FROM workflowTemplate WHERE productId = ?", (product,)).fetchone()[0] == version, "a preview saves nothing")

        # Save: version N+1.
        driver.find_element(By.XPATH, "//button[text()='Enregistrer une nouvelle version']").click()
        settled(driver, 10).until(lambda d: d.find_elements(By.ID, "workflow-notice"))
        check(f"Version {version + 1} enregistrée" in driver.find_element(By.ID, "workflow-notice").text, "the page says which version was saved")
        with sqlite3.connect(database) as db:
            saved = db.execute("SELECT version, steps FROM workflowTemplate WHERE productId = ? ORDER BY version DESC LIMIT 1", (product,)).fetchone()
            audit = db.execute("SELECT count(*) FROM auditLog WHERE action = 'workflow.save' AND entityId = ?", (str(product),)).fetchone()[0]
        check(saved[0] == version + 1 and [s["key"] for s in json.loads(saved[1])] == expected, f"version {version + 1} holds the new steps ({saved})")
        check(audit == 1, "the save is in the audit log")

        # New dossiers take it; the one in progress keeps its own.
        status, answer = open_dossier(port, client, product, "wf-after")
        with sqlite3.connect(database) as db:
            titles = {record: [t for (t,) in db.execute("""SELECT s.title FROM dossierStep s JOIN dossier d ON d.id = s.dossierId
                WHERE d.requestId = ? ORDER BY s.position""", (record,))] for record in ("wf-before", "wf-after")}
        check("Appel de découverte" in titles["wf-after"] and "Appel de découverte" not in titles["wf-before"] and len(titles["wf-before"]) == len(before_keys) - 1,
              f"a new dossier gets the new steps, the one in progress keeps its own ({titles})")

        # A cycle: the first step waits for the last.
        driver.get(f"{base}/admin/modeles.html?dispositif={product}")
        first = driver.find_elements(By.CSS_SELECTOR, "#step-rows > .step-row")[0]
        first.find_element(By.CSS_SELECTOR, "input[name^=depends_]").send_keys("appel")
        driver.find_element(By.XPATH, "//button[text()='Enregistrer une nouvelle version']").click()
        settled(driver, 10).until(lambda d: d.find_elements(By.ID, "workflow-problems"))
        problems = driver.find_element(By.ID, "workflow-problems").text
        check("étape 1" in problems and "cycle" in problems, f"a cycle is refused, the step named ({problems!r})")
        # A dependency on a step that does not exist.
        first = driver.find_elements(By.CSS_SELECTOR, "#step-rows > .step-row")[0]
        field = first.find_element(By.CSS_SELECTOR, "input[name^=depends_]")
        field.clear()
        field.send_keys("disparue")
        driver.find_element(By.XPATH, "//button[text()='Enregistrer une nouvelle version']").click()
        settled(driver, 10).until(lambda d: "n’existe pas" in d.find_element(By.ID, "workflow-problems").text)
        with sqlite3.connect(database) as db:
            check(db.execute("SELECT max(version) FROM workflowTemplate WHERE productId = ?", (product,)).fetchone()[0] == version + 1, "a refused template saves nothing")
        if os.environ.get("SCREENSHOTS"):
            driver.save_screenshot(os.path.join(os.environ["SCREENSHOTS"], "admin-workflow-problems.png"))

        # The questions: the saved ones are rows to edit.
        with sqlite3.connect(database) as db:
            saved_questions = json.loads(db.execute("SELECT eligibilityQuestions FROM eligibleProduct WHERE id = ?", (product,)).fetchone()[0])
        driver.get(f"{base}/admin/modeles.html?dispositif={product}")
        settled(driver, 10).until(lambda d: d.find_element(By.ID, "question-rows").is_displayed())
        question_keys = lambda: driver.execute_script("return [...document.querySelectorAll('#question-rows > .step-row')].map(r => r.querySelector('input[name^=qkey_]').value)")
        check(question_keys() == [q["key"] for q in saved_questions], f"the editor holds the scheme's questions in order ({question_keys()})")
        legend = driver.find_element(By.CSS_SELECTOR, "#question-rows > .step-row .step-legend")
        check(legend.is_displayed() and legend.text == saved_questions[0]["text"], f"each question shows its text ({legend.text!r})")

        def add_question(key, text, kind="yes_no", **fields):
            driver.find_element(By.ID, "add-question").click()
            row = driver.find_elements(By.CSS_SELECTOR, "#question-rows > .step-row")[-1]
            check(driver.switch_to.active_element.get_attribute("name").startswith("qtext_"), "a question added takes the focus")
            row.find_element(By.CSS_SELECTOR, "input[name^=qtext_]").send_keys(text)
            row.find_element(By.CSS_SELECTOR, "input[name^=qkey_]").send_keys(key)
            Select(row.find_element(By.CSS_SELECTOR, "select[name^=qkind_]")).select_by_value(kind)
            for name, value in fields.items():
                row.find_element(By.CSS_SELECTOR, f"input[name^=q{name}_]").send_keys(value)
            return row

        def save():
            driver.find_element(By.XPATH, "//button[text()='Enregistrer une nouvelle version']").click()
            settled(driver, 10).until(lambda d: d.find_elements(By.ID, "workflow-problems") or d.find_elements(By.ID, "workflow-notice"))

        # Refused, nothing saved, the question named: a dependency on a question asked after it, a
        # choice question with one choice, an answer the question cannot take.
        add_question("suite", "Question qui dépend d’une autre posée après", when="plus_tard", whenanswers="oui")
        add_question("plus_tard", "Combien de véhicules ?", kind="number")
        add_question("unique", "Un seul choix ?", kind="choice", choices="Seul")
        add_question("mauvaise", "Réponse exigée impossible", accepted="peut-être")
        save()
        problems = driver.find_element(By.ID, "workflow-problems").text
        count = len(saved_questions)
        for expected in [f"question {count + 1} : elle dépend de « plus_tard », qui n’est pas une question posée avant elle",
                         f"question {count + 3} : une question à choix en propose au moins deux",
                         f"question {count + 4} : « peut-être » n’est pas une réponse possible (oui, non)"]:
            check(expected in problems, f"refused: {expected!r} ({problems!r})")
        with sqlite3.connect(database) as db:
            check(json.loads(db.execute("SELECT eligibilityQuestions FROM eligibleProduct WHERE id = ?", (product,)).fetchone()[0]) == saved_questions,
                  "a refused edit keeps the questions as they were")
        check(len(question_keys()) == count + 4, "the rows come back as typed, to correct")

        # Removing a question that a step's condition reads is refused, the step named.
        conditioned = next((step for step in json.loads(saved[1]) if (step.get("condition") or {}).get("question")), None)
        if conditioned:
            driver.get(f"{base}/admin/modeles.html?dispositif={product}")
            settled(driver, 10).until(lambda d: d.find_element(By.ID, "question-rows").is_displayed())
            index = question_keys().index(conditioned["condition"]["question"])
            driver.find_elements(By.CSS_SELECTOR, "#question-rows > .step-row .remove input")[index].click()
            save()
            problems = driver.find_element(By.ID, "workflow-problems").text
            check(f"porte sur la question « {conditioned['condition']['question']} », que le dispositif ne pose pas" in problems,
                  f"a question a step's condition reads cannot go ({problems!r})")

        # Added, saved, and asked in the app once the site is rebuilt.
        driver.get(f"{base}/admin/modeles.html?dispositif={product}")
        settled(driver, 10).until(lambda d: d.find_element(By.ID, "question-rows").is_displayed())
        refusal = "Le dispositif demande trois ans d’existence."
        add_question("anciennete", "Votre entreprise a-t-elle au moins trois ans ?", accepted="oui", refusal=refusal)
        save()
        check(bool(driver.find_elements(By.ID, "workflow-notice")), "the questions are saved with a new version")
        with sqlite3.connect(database) as db:
            now_asked = json.loads(db.execute("SELECT eligibilityQuestions FROM eligibleProduct WHERE id = ?", (product,)).fetchone()[0])
        check([q["key"] for q in now_asked] == [q["key"] for q in saved_questions] + ["anciennete"] and now_asked[-1]["requirement"] == {"anyOf": ["oui"]}
              and now_asked[-1]["refusal"] == refusal, f"the new question is stored with its requirement ({now_asked[-1]})")
        if os.environ.get("SCREENSHOTS"):
            driver.get(f"{base}/admin/modeles.html?dispositif={product}")
            driver.save_screenshot(os.path.join(os.environ["SCREENSHOTS"], "admin-workflow-questions.png"))

        client_driver = chromium(window="1280,1000")
        try:
            app_sign_in(client_driver, base, "client@financialtracker.example")

            def asked_in_app():
                client_driver.get(f"{base}/app/dossier.html?dispositif=TICPE")
                return client_driver.execute_script("return document.querySelector(\"[data-question='anciennete']\")?.checkVisibility() ?? false")
            check(wait_for(asked_in_app, 30, step=1), "the app's 'Nouveau dossier' asks the new question (the site rebuilt)")
            # Every other question answered as the scheme wants, as they appear; the new one "non".
            done = set()
            for _ in range(len(now_asked) + 1):
                shown = client_driver.execute_script("return [...document.querySelectorAll('#question-list [data-question]')].filter(e => e.checkVisibility()).map(e => e.dataset.question)")
                pending = [q for q in now_asked if q["key"] in shown and q["key"] not in done]
                if not pending:
                    break
                question = pending[0]
                requirement = question.get("requirement") or {}
                item = client_driver.find_element(By.CSS_SELECTOR, f"[data-question='{question['key']}']")
                if question["key"] == "anciennete":
                    item.find_element(By.CSS_SELECTOR, "input[value='non']").click()
                elif question["kind"] == "yes_no":
                    item.find_element(By.CSS_SELECTOR, f"input[value='{(requirement.get('anyOf') or ['oui'])[0]}']").click()
                elif question["kind"] == "number":
                    field = item.find_element(By.TAG_NAME, "input")
                    field.send_keys(str(max(requirement.get("atLeast") or 1, 1) * 10) + "\t")
                else:
                    Select(item.find_element(By.TAG_NAME, "select")).select_by_value((requirement.get("anyOf") or question["choices"])[0])
                done.add(question["key"])
            verdict = client_driver.find_element(By.ID, "verdict")
            check(verdict.is_displayed() and verdict.get_attribute("data-state") == "ineligible" and refusal in verdict.text,
                  f"answering 'non' makes it ineligible, with the question's reason ({verdict.text!r})")
        finally:
            client_driver.quit()
    finally:
        if driver:
            driver.quit()
        finish(server, [controller], root)


if __name__ == "__main__":
    main()
