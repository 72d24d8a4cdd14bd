#!/usr/bin/env python3
"""Issue 20's journey, in headless Chromium against the real server (and the e-mails it writes):

- A visitor on an expert's public profile presses "Contacter cet expert"; the app's "Nouveau
  dossier" asks to sign in; the visitor creates an account ("Créer un compte"), confirms the address
  by the e-mail's link (sent over SMTP to a real SMTP server on loopback), comes back and signs in; the
  page names the expert and offers only the schemes that expert takes.
- The scheme's eligibility questions appear one after the other; the verdict follows the answers.
- The dossier is opened while offline, listed "En cours d'envoi", opened by the server once online
  with the steps of the scheme's template; the requested expert is notified (in the app and by an
  e-mail whose link opens the app) and accepts.
- Client and expert see each other online in the conversation and exchange messages (its figures).
- Documents: the steps' required pieces; the client sends one, the expert refuses it with a reason,
  the client reads why and sends it again, the expert validates it.
- The steps complete in order (a waiting step is not offered); the last closes the dossier; the
  client rates the expert; the rating is on the public profile after the build.
- Ineligible answers open a closed dossier that says why; an expert is told that only clients open
  dossiers; a scheme's public page has "Démarrer un dossier"; at phone width nothing is too wide.
SCREENSHOTS=folder saves each state. Exits non-zero on any failure; prints 'N passed, N failed'.

    FT=/path/to/ft /work/main/.venv/bin/python Tests/browser/test_new_dossier.py
"""
import json
import os
import sqlite3
import subprocess
import sys
import time

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import test_offline as common
from test_offline import Browser, api, check, poll, settle_offline

PASSWORD = common.PASSWORD
CLIENT = "client@financialtracker.example"
EXPERT = "expert@financialtracker.example"
SCREENSHOTS = os.environ.get("SCREENSHOTS")
NEW_CLIENT = "claire.morel@transports-morel.example"
NEW_PASSWORD = "Camions-du-Rhone-2026"


def one_page_pdf(text):
    """A one-page PDF saying `text`, with a correct cross-reference table."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET"
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
               f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream", "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = "%PDF-1.4\n", []
    for index, body in enumerate(objects):
        offsets.append(len(out))
        out += f"{index + 1} 0 obj\n{body}\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n" + "".join(f"{offset:010d} 00000 n \n" for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    return out.encode("ascii")


def luhn_siren(base):
    """A SIREN made of 8 digits and their Luhn key."""
    for key in range(10):
        digits = f"{base}{key}"
        total = sum((int(c) * 2 - 9 if int(c) * 2 > 9 else int(c) * 2) if i % 2 else int(c) for i, c in enumerate(reversed(digits)))
        if total % 10 == 0:
            return digits


# The SMTP server `ft serve` sends its e-mails to (aiosmtpd on loopback, as in the notifications'
# tests): what a person finds in their mailbox.
SINK = None


def mail_link(address, subject, path):
    """The first link holding `path` in the plain-text part of an e-mail to `address` whose subject
    holds `subject`, as the SMTP server received it; None before it has come."""
    for recipients, message in SINK.parsed():
        if address in recipients and subject in str(message["Subject"]):
            text = message.get_body(("plain",)).get_content()
            return next((word.strip("<>()") for word in text.split() if path in word), None)
    return None


def shown_css(browser, css):
    return browser.driver.execute_script("return document.querySelector(arguments[0])?.checkVisibility() ?? false", css)


def shown(browser, element_id):
    found = browser.driver.find_elements(By.ID, element_id)
    return bool(found) and found[0].is_displayed()


def screenshot(browser, name):
    if not SCREENSHOTS:
        return
    os.makedirs(SCREENSHOTS, exist_ok=True)
    browser.driver.save_screenshot(os.path.join(SCREENSHOTS, f"{name}.png"))


def sign_in_here(browser, email, password=PASSWORD):
    """Signs in with the form the current app page shows."""
    browser.wait(lambda: shown(browser, "sign-in"), what="sign-in form")
    browser.driver.find_element(By.ID, "email").send_keys(email)
    browser.driver.find_element(By.ID, "password").send_keys(password)
    browser.driver.find_element(By.CSS_SELECTOR, "#sign-in button[type=submit]").click()
    browser.wait(lambda: not shown(browser, "sign-in"), what="signed in")


def click(browser, css, what):
    """Clicks the element once a person can see it, found and clicked in one go: the lists
    re-render live, so an element found a moment earlier may be gone."""
    browser.wait(lambda: browser.driver.execute_script("""
        const element = document.querySelector(arguments[0]);
        if (!element || !element.checkVisibility()) return false;
        element.click();
        return true;
    """, css), timeout=20, what=what)


def axe_checked(browser, what):
    """axe-core on the page as it stands: no serious or critical violation."""
    from test_html import axe_here
    found = axe_here(browser.driver)
    check(not found, f"axe finds no serious or critical violation on {what}: {found}")


def text_of(browser, css):
    """What a person reads in the element (read in one go: the lists re-render live)."""
    return browser.driver.execute_script("return document.querySelector(arguments[0])?.innerText ?? ''", css)


def type_into(browser, css, text):
    """Types into a field, found again if the page replaced it meanwhile."""
    for _ in range(5):
        try:
            browser.driver.find_element(By.CSS_SELECTOR, css).send_keys(text)
            return
        except StaleElementReferenceException:
            time.sleep(0.2)
    raise AssertionError(f"{browser.name}: {css} kept being replaced")


def shown_questions(browser):
    return browser.driver.execute_script(
        "return [...document.querySelectorAll('#question-list [data-question]')].filter(e => e.checkVisibility()).map(e => e.dataset.question)")


def answer(browser, question, value):
    """Answers a question as a person does: a radio clicked, a number typed, a choice picked."""
    item = browser.driver.find_element(By.CSS_SELECTOR, f"[data-question='{question['key']}']")
    if question["kind"] == "yes_no":
        item.find_element(By.CSS_SELECTOR, f"input[value='{value}']").click()
    elif question["kind"] == "number":
        field = item.find_element(By.TAG_NAME, "input")
        field.clear()
        field.send_keys(value)
        field.send_keys("\t")
    else:
        Select(item.find_element(By.TAG_NAME, "select")).select_by_value(value)


def meets(question):
    """An answer that meets the question's requirement."""
    requirement = question.get("requirement") or {}
    if question["kind"] == "yes_no":
        return (requirement.get("anyOf") or ["oui"])[0]
    if question["kind"] == "number":
        return str(max(requirement.get("atLeast") or 1, 1) * 10)
    return question["choices"][0]


def verdict(browser):
    element = browser.driver.find_element(By.ID, "verdict")
    return element.get_attribute("data-state") if element.is_displayed() else None


def run(setup, browsers):
    db = sqlite3.connect(os.path.join(setup.data, "financialtracker.sqlite"))
    expert_id, slug, expert_name = db.execute("""
        SELECT e.id, e.slug, e.firstName || ' ' || e.lastName FROM expert e JOIN user u ON u.id = e.userId WHERE u.email = ?""", (EXPERT,)).fetchone()
    held = [row for row in db.execute("""
        SELECT p.id, p.code, p.name, p.eligibilityQuestions FROM eligibleProduct p JOIN expertSpecialty s ON s.productId = p.id
        WHERE s.expertId = ? ORDER BY p.id""", (expert_id,))]
    product_id, code, scheme_name, questions_json = held[0]
    questions = json.loads(questions_json)
    template = json.loads(db.execute("SELECT steps FROM workflowTemplate WHERE productId = ? ORDER BY version DESC LIMIT 1", (product_id,)).fetchone()[0])

    client = Browser("client", setup.base)
    browsers.append(client)
    client.get(f"/experts/{slug}/")
    contact = client.driver.find_element(By.LINK_TEXT, "Contacter cet expert")
    check(contact.is_displayed(), "the profile shows 'Contacter cet expert'")
    contact.click()
    client.wait(lambda: "/app/dossier.html" in client.driver.current_url, what="the new-dossier page")
    client.wait(lambda: shown(client, "sign-in"), what="the sign-in form")
    check(not shown(client, "new-dossier-form"), "not signed in: the sign-in form, not the dossier form")
    contact_url = client.driver.current_url
    # No account yet: "Créer un compte", the e-mail's link, then back to the expert.
    client.driver.find_element(By.CSS_SELECTOR, "#sign-in .sign-in-links a[href='/compte/inscription/']").click()
    client.wait(lambda: shown(client, "account-form"), what="the sign-up form")
    sirens = {row[0] for row in db.execute("SELECT siren FROM client")}
    siren = next(s for s in (luhn_siren(f"{n:08d}") for n in range(51234560, 51235560)) if s not in sirens)
    for name, value in {"company": "Transports Morel", "siren": siren, "postcode": "69007", "contactName": "Claire Morel",
                        "email": NEW_CLIENT, "password": NEW_PASSWORD}.items():
        client.driver.find_element(By.ID, name).send_keys(value)
    client.driver.find_element(By.CSS_SELECTOR, "#account-form button").click()
    client.wait(lambda: client.driver.find_element(By.ID, "account-status").get_attribute("data-state") == "ok", timeout=20, what="the sign-up sent")
    link = poll(lambda: mail_link(NEW_CLIENT, "Confirmez", "/api/v1/accounts/verify/"), timeout=20)
    check(bool(link), "the confirmation e-mail reaches the SMTP server, with its link")
    client.driver.get(setup.base + link[link.index("/api/v1/accounts/verify/"):])
    click(client, "form button", "confirm the address")
    client.wait(lambda: client.driver.find_element(By.TAG_NAME, "h1").text == "Adresse confirmée", what="the address confirmed")
    client.driver.get(contact_url)
    sign_in_here(client, NEW_CLIENT, NEW_PASSWORD)
    client.wait(lambda: shown(client, "new-dossier-form"), what="the dossier form after sign-in")
    note = client.driver.find_element(By.ID, "requested-expert")
    check(note.is_displayed() and expert_name in note.text, f"the expert asked for is named ({note.text!r})")
    offered = client.driver.execute_script("return [...document.querySelectorAll('#scheme option[data-code]')].map(o => o.dataset.code)")
    check(sorted(offered) == sorted(code for _, code, _, _ in held), f"only the expert's schemes are offered ({offered})")
    screenshot(client, "new-dossier-empty")

    Select(client.driver.find_element(By.ID, "scheme")).select_by_value(str(product_id))
    client.wait(lambda: verdict(client) is not None, what="a verdict line")
    first = [q["key"] for q in questions if not q.get("askedWhen")]
    check(shown_questions(client) == first, f"only the questions that depend on nothing at first ({shown_questions(client)} vs {first})")
    check(verdict(client) in ("unanswered", "eligible"), "before answering: 'Répondez aux questions…'")
    # Answer, one question at a time, as they appear.
    for _ in range(len(questions) + 1):
        pending = [q for q in questions if q["key"] in shown_questions(client)
                   and not client.driver.execute_script("""
                       const item = document.querySelector(`[data-question='${arguments[0]}']`);
                       return !!item.querySelector('input:checked') || [...item.querySelectorAll('input[type=number], select')].some(e => e.value !== '');
                   """, q["key"])]
        if not pending:
            break
        answer(client, pending[0], meets(pending[0]))
    check(verdict(client) == "eligible", f"every answer meets its requirement: eligible ({client.driver.find_element(By.ID, 'verdict').text!r})")
    check("éligible" in client.driver.find_element(By.ID, "verdict").text, "the verdict is said in words")
    client.driver.find_element(By.ID, "amount").send_keys("24000")
    client.driver.find_element(By.ID, "description").send_keys("Flotte de 12 camions ; trois années à reprendre.")
    screenshot(client, "new-dossier-filled")
    axe_checked(client, "the new-dossier form, its questions answered")

    # Offline, the dossier is kept and sent later.
    client.set_offline(True)
    settle_offline(client)
    before = db.execute("SELECT count(*) FROM dossier").fetchone()[0]
    client.driver.find_element(By.CSS_SELECTOR, "#new-dossier-form button[type=submit]").click()
    client.wait(lambda: shown(client, "new-dossier-done"), what="the dossier saved")
    check("hors ligne" in client.driver.find_element(By.ID, "new-dossier-done-text").text, "offline, the page says it will be sent once back online")
    check(not shown(client, "new-dossier-form"), "the form is gone once the dossier is saved")
    time.sleep(1)
    check(db.execute("SELECT count(*) FROM dossier").fetchone()[0] == before, "offline, nothing reached the server")
    client.get("/app/index.html")
    client.wait(lambda: client.driver.execute_script("return document.querySelector('#request-list li')?.checkVisibility() ?? false"), what="the request listed")
    request = text_of(client, "#request-list li")
    check(scheme_name in request and "En cours d’envoi" in request, f"the list shows the dossier being sent ({request!r})")
    screenshot(client, "list-offline")

    client.set_offline(False)
    row = poll(lambda: db.execute("SELECT id, requestedExpertId, status FROM dossier WHERE requestId IS NOT NULL ORDER BY id DESC LIMIT 1").fetchone(), timeout=20)
    check(row is not None and row[1] == expert_id and row[2] == "eligible", f"online, the server opened the dossier for the requested expert ({row})")
    dossier = row[0] if row else None
    client.wait(lambda: client.driver.execute_script(f"return document.getElementById('dossier-{dossier}')?.checkVisibility() ?? false"), timeout=20, what="the new dossier listed")
    titles = client.driver.execute_script(f"return [...document.querySelectorAll('#dossier-{dossier} ol.steps > li > strong')].map(e => e.textContent)")
    expected = [step["title"] for step in template if not step.get("condition")]
    check([t.split(". ", 1)[1] for t in titles] == expected, f"the steps of the scheme's template, in order ({titles})")
    check(not client.driver.execute_script("return document.querySelector('#request-list li')?.checkVisibility() ?? false"), "the request is no longer listed apart")
    offer = db.execute("SELECT status FROM expertAssignment WHERE dossierId = ? AND expertId = ?", (dossier, expert_id)).fetchone()
    check(offer == ("pending",), f"the requested expert has the offer ({offer})")
    screenshot(client, "list-online")
    axe_checked(client, "the client's list: a dossier card, its next step and timeline")

    expert = Browser("expert", setup.base)
    browsers.append(expert)
    expert.sign_in(EXPERT)
    expert.wait(lambda: (expert.unread() or 0) > 0, what="the expert's unread count")
    titles = expert.driver.execute_script("return [...document.querySelectorAll('#notification-list li')].map(li => li.textContent)")
    check(any("Nouveau dossier proposé" in t for t in titles), "the expert is told of the offer")
    offer_link = poll(lambda: mail_link(EXPERT, "Nouveau dossier proposé", "/app/"), timeout=20)
    check(bool(offer_link) and offer_link.startswith(setup.base + "/app/"), f"the expert is e-mailed the offer, with a link into the app ({offer_link})")
    if offer_link:
        expert.driver.get(offer_link)
    expert.wait(lambda: expert.driver.execute_script(f"return document.getElementById('dossier-{dossier}')?.checkVisibility() ?? false"), what="the offered dossier in the expert's list")
    check(not shown(expert, "new-dossier-cta"), "an expert has no 'Ouvrir un nouveau dossier'")
    # The expert accepts: the dossier is under way, the client is told.
    labels = expert.driver.execute_script(f"return [...document.querySelectorAll('#dossier-{dossier} .offer-buttons button')].filter(b => b.checkVisibility()).map(b => b.textContent)")
    check(labels == ["Accepter le dossier", "Décliner"], f"the offer shows 'Accepter le dossier' and 'Décliner' ({labels})")
    screenshot(expert, "offer")
    axe_checked(expert, "the expert's list with an offer to answer")
    click(expert, f"#dossier-{dossier} button.accept", "accept the offer")
    # At once "Vous avez accepté ce dossier." (then, once the server's answer is in, the dossier as any other).
    expert.wait(lambda: not expert.driver.execute_script(f"return document.querySelector('#dossier-{dossier} .offer-buttons')?.checkVisibility() ?? false"),
                what="the offer's buttons gone once answered")
    state = poll(lambda: db.execute("SELECT a.status, d.status FROM expertAssignment a JOIN dossier d ON d.id = a.dossierId WHERE a.dossierId = ? AND a.expertId = ?", (dossier, expert_id)).fetchone() == ("assigned", "in_progress"), timeout=20)
    check(state, "accepted: the assignment starts and the dossier is in progress")
    client.get("/app/index.html")
    client.wait(lambda: (client.unread() or 0) > 0 and any("prend votre dossier" in t for t in client.driver.execute_script(
        "return [...document.querySelectorAll('#notification-list li')].map(li => li.textContent)")), timeout=20, what="the client told the expert accepted")
    client.wait(lambda: f"Expert : {expert_name}" in text_of(client, f"#dossier-{dossier}"), timeout=20, what="the client's list names the expert at work")
    click(client, f"#dossier-{dossier} details.history summary", "open the history")
    history = text_of(client, f"#dossier-{dossier} details.history")
    check("Accepté par" in history and "Proposé à" in history, f"the dossier's history says who was offered it and who accepted ({history!r})")
    expert.get("/app/dossier.html")
    expert.wait(lambda: shown(expert, "new-dossier-not-client"), what="the expert told only clients open dossiers")
    check(not shown(expert, "new-dossier-form"), "an expert sees no dossier form")

    # The conversation: who is there, a message each way, the conversation's own figures.
    conversation = db.execute("SELECT id FROM conversation WHERE dossierId = ?", (dossier,)).fetchone()[0]
    client.get(f"/app/conversation.html?conversation={conversation}")
    expert.get(f"/app/conversation.html?conversation={conversation}")
    for me, other in ((client, expert_name), (expert, None)):
        me.wait(lambda: shown(me, "presence"), timeout=20, what="the other participant shown online")
    check(expert_name in text_of(client, "#presence"), f"the client sees the expert online ({text_of(client, '#presence')!r})")
    check("En ligne" in text_of(expert, "#presence"), "the expert sees the client online")
    client.send_message("Bonjour, voici notre dossier.")
    expert.wait(lambda: "Bonjour, voici notre dossier." in [body for _, body in expert.messages()], timeout=20, what="the client's message at the expert's")
    expert.send_message("Merci, je regarde vos factures.")
    client.wait(lambda: "Merci, je regarde vos factures." in [body for _, body in client.messages()], timeout=20, what="the expert's answer at the client's")
    client.wait(lambda: text_of(client, "#figures").startswith("2 messages · réponse en"), timeout=10, what="the conversation's figures")
    check("une réponse" in text_of(client, "#figures"), f"the figures count the answer ({text_of(client, '#figures')!r})")
    # An attachment: a real one-page PDF; the other side sees its first page under the message.
    statement = os.path.join(setup.workdir, "releve-carburant.pdf")
    with open(statement, "wb") as handle:
        handle.write(one_page_pdf("Releve carburant 2025"))
    client.driver.find_element(By.ID, "attach-file").send_keys(statement)
    client.wait(lambda: any("releve-carburant.pdf" in (body or "") for _, body in client.messages()), timeout=20, what="the attachment's message")
    expert.wait(lambda: expert.driver.execute_script(
        "const img = document.querySelector('img.attachment-preview'); return !!img && img.checkVisibility() && img.complete && img.naturalWidth === 480"),
        timeout=30, what="the attachment's preview at the expert's")
    check("Aperçu de releve-carburant.pdf" == expert.driver.execute_script("return document.querySelector('img.attachment-preview').alt"), "the preview says what it shows")
    screenshot(client, "conversation")
    axe_checked(expert, "the conversation with presence, figures and a preview")

    # Documents: the steps' required pieces, sent by the client, refused then validated by the expert.
    documents_page = f"/app/documents.html?dossier={dossier}"
    client.get(documents_page)
    client.wait(lambda: shown(client, "needs"), what="the pieces the steps ask for")
    needs = client.driver.execute_script("return [...document.querySelectorAll('#need-list .need')].map(e => [e.dataset.category, e.dataset.state])")
    wanted = sorted({c for step in template if not step.get("condition") for c in step.get("documents", [])})
    check(sorted(c for c, _ in needs) == sorted(c for step in template if not step.get("condition") for c in step.get("documents", []))
          and all(state == "missing" for _, state in needs), f"every piece the steps ask for shows as missing ({needs})")
    piece = os.path.join(setup.workdir, "factures-2025.pdf")
    with open(piece, "wb") as handle:
        handle.write(b"%PDF-1.4 factures 2025\n")
    Select(client.driver.find_element(By.ID, "upload-category")).select_by_value(wanted[0] if wanted else "invoice")
    client.driver.find_element(By.ID, "upload-title").send_keys("Factures 2025")
    client.driver.find_element(By.ID, "upload-file").send_keys(piece)
    client.driver.find_element(By.CSS_SELECTOR, "#upload button[type=submit]").click()
    client.wait(lambda: client.driver.execute_script("return document.querySelector('#need-list .need-pending') !== null"), timeout=20, what="the piece sent, waiting")
    # The piece's own verdict form (the conversation's attachment is a document of the dossier too).
    piece_document = poll(lambda: (db.execute("SELECT id FROM document WHERE dossierId = ? AND title = 'Factures 2025'", (dossier,)).fetchone() or [None])[0], timeout=20)
    form = f"li[data-document='{piece_document}'] .verdict-form"
    expert.get(documents_page)
    expert.wait(lambda: shown_css(expert, f"{form} button.reject"), timeout=20, what="the expert's verdict buttons")
    click(expert, f"{form} button.reject", "refuse without a reason")
    expert.wait(lambda: shown_css(expert, f"{form} .error"), what="the reason asked for")
    check("raison" in expert.driver.execute_script("return document.querySelector(arguments[0]).textContent", f"{form} .error"), "refusing without a reason asks for one")
    type_into(expert, f"{form} input", "Page 2 illisible")
    click(expert, f"{form} button.reject", "refuse with the reason")
    verdict_row = lambda: db.execute("SELECT validation, validationReason FROM documentVersion WHERE documentId = ?", (piece_document,)).fetchone()
    poll(lambda: verdict_row() == ("rejected", "Page 2 illisible"), timeout=20)
    refused = verdict_row()
    check(refused == ("rejected", "Page 2 illisible"), f"the refusal and its reason reach the server ({refused})")
    client.get(documents_page)
    client.wait(lambda: client.driver.execute_script("return document.querySelector('.notice.rejected')?.checkVisibility() ?? false"), timeout=20, what="the client sees the refusal")
    check("Page 2 illisible" in client.driver.execute_script("return document.querySelector('.notice.rejected').textContent"), "the client reads why")
    screenshot(client, "document-refused")
    axe_checked(client, "the documents page: pieces asked for, a refused version")
    click(client, ".notice.rejected button", "'Envoyer une nouvelle version'")
    client.wait(lambda: client.driver.switch_to.active_element.get_attribute("id") == "upload-file", timeout=5, what="the file field focused")
    check(client.driver.switch_to.active_element.get_attribute("id") == "upload-file", "'Envoyer une nouvelle version' leads to the file field, this document chosen")
    client.driver.find_element(By.ID, "upload-file").send_keys(piece)
    client.driver.find_element(By.CSS_SELECTOR, "#upload button[type=submit]").click()
    poll(lambda: db.execute("SELECT count(*) FROM documentVersion WHERE documentId = ?", (piece_document,)).fetchone()[0] == 2, timeout=20)
    expert.get(documents_page)
    expert.wait(lambda: shown_css(expert, f"{form} button.validate"), timeout=20, what="the new version to check")
    screenshot(expert, "document-to-check")
    click(expert, f"{form} button.validate", "validate the new version")
    validated = poll(lambda: db.execute("SELECT validation FROM documentVersion WHERE documentId = ? ORDER BY uploadedAt, id", (piece_document,)).fetchall()
                     == [("rejected",), ("validated",)], timeout=20)
    check(validated, "the new version validated")
    client.get(documents_page)
    client.wait(lambda: client.driver.execute_script("return document.querySelector('#need-list .need-validated') !== null"), timeout=20, what="the piece shown validated")

    # The steps complete in order (the expert moves them; a step waiting for another cannot be
    # completed yet); the last one closes the dossier; the client rates the expert; the rating is
    # on the public profile after the site's build.
    steps = db.execute("SELECT id, position, dependsOn, assigneeRole FROM dossierStep WHERE dossierId = ? ORDER BY position", (dossier,)).fetchall()
    admin_token = api(setup.port, "POST", "/api/v1/session", body={"email": "admin@financialtracker.example", "password": PASSWORD})["token"]
    client.get("/app/index.html")
    expert.get("/app/index.html")
    for browser in (client, expert):
        browser.wait(lambda: shown_css(browser, f"#dossier-{dossier} ol.steps"), timeout=20, what="the dossier's steps")
    waiting = next(step for step in steps if step[2] != "[]" and step[3] == "expert")
    disabled = expert.driver.execute_script("return document.querySelector(`#step-${arguments[0]}-status option[value=completed]`)?.disabled ?? null", waiting[0])
    check(disabled is True, "a step waiting for another does not offer 'Terminé'")
    for step_id, position, _, assignee in steps:
        if assignee == "admin":
            # FinancialTracker's own steps are moved by its admins (not from the phone app).
            api(setup.port, "POST", "/api/v1/sync/push", token=admin_token, body={"operations": [{
                "id": f"admin-step-{step_id}", "collection": "step", "action": "update", "record": str(step_id),
                "fields": {"status": "completed", "progress": 100}, "hlc": f"{int(time.time() * 1000):016d}-00000-admin"}]})
        else:
            browser = client if assignee == "client" else expert
            browser.wait(lambda: browser.driver.execute_script("return document.querySelector(`#step-${arguments[0]}-status option[value=completed]`)?.disabled === false", step_id),
                         timeout=20, what=f"step {position} completable by the {assignee}")
            browser.move_step(step_id, "completed")
        poll(lambda: db.execute("SELECT status FROM dossierStep WHERE id = ?", (step_id,)).fetchone()[0] == "completed", timeout=20)
    # The client was told of the steps the expert moved.
    client.get("/app/index.html")
    client.wait(lambda: any("Étape terminée" in t for t in client.driver.execute_script(
        "return [...document.querySelectorAll('#notification-list li')].map(li => li.textContent)")), timeout=20, what="the client told of a step the expert completed")
    closed_state = poll(lambda: db.execute("SELECT status FROM dossier WHERE id = ?", (dossier,)).fetchone()[0] == "done", timeout=20)
    check(closed_state, "the last step completed closes the dossier")
    client.get(f"/app/conversation.html?conversation={conversation}")
    client.wait(lambda: shown(client, "rating"), timeout=30, what="the client's rating form once the dossier is done")
    click(client, "#rating-form input[name=score][value='5']", "five stars")
    comment = "Dossier TICPE mené de bout en bout, merci"
    type_into(client, "#rating-comment", comment)
    click(client, "#rating-form button[type=submit]", "send the rating")
    rated = poll(lambda: db.execute("SELECT score FROM rating r JOIN expert e ON e.id = r.expertId WHERE e.id = ? AND r.comment = ?", (expert_id, comment)).fetchone(), timeout=20)
    check(rated == (5,), f"the rating reaches the server ({rated})")
    subprocess.run(setup.generate(), check=True, stdout=subprocess.DEVNULL)
    client.get(f"/experts/{slug}/")
    check(comment in client.driver.find_element(By.TAG_NAME, "main").text, "the rating is on the expert's public profile after the build")

    # Ineligible: the first question answered against its requirement.
    client.get("/app/index.html")
    client.wait(lambda: shown(client, "new-dossier-cta"), what="'Ouvrir un nouveau dossier'")
    start = client.driver.find_element(By.LINK_TEXT, "Ouvrir un nouveau dossier")
    check(start.is_displayed(), "the client's list has 'Ouvrir un nouveau dossier'")
    start.click()
    client.wait(lambda: shown(client, "new-dossier-form"), what="the form")
    Select(client.driver.find_element(By.ID, "scheme")).select_by_value(str(product_id))
    blocking = next(q for q in questions if not q.get("askedWhen") and q.get("requirement"))
    wrong = "non" if meets(blocking) == "oui" else ("oui" if blocking["kind"] == "yes_no" else "0")
    answer(client, blocking, wrong)
    for q in questions:
        if q["key"] in shown_questions(client) and q is not blocking:
            answer(client, q, meets(q))
    check(verdict(client) == "ineligible" and blocking["refusal"] in client.driver.find_element(By.ID, "verdict").text,
          "the verdict says why not, in the scheme's words")
    screenshot(client, "new-dossier-ineligible")
    client.driver.find_element(By.ID, "amount").send_keys("1000")
    client.driver.find_element(By.ID, "description").send_keys("Essai")
    client.driver.find_element(By.CSS_SELECTOR, "#new-dossier-form button[type=submit]").click()
    client.wait(lambda: shown(client, "new-dossier-done"), what="the ineligible dossier saved")
    closed = poll(lambda: db.execute("SELECT id, status FROM dossier WHERE requestId IS NOT NULL AND id <> ? ORDER BY id DESC LIMIT 1", (dossier,)).fetchone(), timeout=20)
    check(closed is not None and closed[1] == "ineligible", f"ineligible answers open a closed dossier ({closed})")
    client.get("/app/index.html")
    client.wait(lambda: client.driver.execute_script(f"return document.querySelector('#dossier-{closed[0]} .ineligible')?.checkVisibility() ?? false"), timeout=20, what="the ineligible dossier says why")
    check(blocking["refusal"] in text_of(client, f"#dossier-{closed[0]} .ineligible"), "the list says why it is not eligible")

    # A scheme's public page starts a dossier for it.
    client.get(f"/dispositifs/{code.lower()}/")
    begin = client.driver.find_element(By.LINK_TEXT, "Démarrer un dossier")
    check(begin.is_displayed(), "a scheme's page shows 'Démarrer un dossier'")
    begin.click()
    client.wait(lambda: shown(client, "new-dossier-form"), what="the form from the scheme's page")
    check(Select(client.driver.find_element(By.ID, "scheme")).first_selected_option.get_attribute("data-code") == code, "the scheme is chosen")
    check(not shown(client, "requested-expert"), "no expert named when none was asked for")

    failures = common.phone_layout(client, [("/app/dossier.html", lambda b: shown(b, "new-dossier-form")), ("/app/index.html", lambda b: shown(b, "home"))])
    check(not failures, f"at phone width nothing is wider than the screen, every control at least 40 px high ({failures})")
    if SCREENSHOTS:
        client.driver.set_window_size(375, 740)
        client.get("/app/dossier.html")
        client.wait(lambda: shown(client, "new-dossier-form"), what="form")
        screenshot(client, "new-dossier-phone")


def main():
    global SINK
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "notifications"))
    from support import smtp_sink
    SINK, controller, smtp_port = smtp_sink()
    try:
        return common.scenario("ft-dossier-", 20, 40, run, alerts=False,
                               serve_options=["--smtp", f"smtp://127.0.0.1:{smtp_port}", "--mail-interval", "1", "--quiet-hours", "none"])
    finally:
        controller.stop()


if __name__ == "__main__":
    sys.exit(main())
