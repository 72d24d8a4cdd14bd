#!/usr/bin/env python3
"""Issue 17, what a person sees in the app (/app/), in headless Chromium against the real server.

- `hidden` wins over the stylesheet on every app page: before sign-in the "Connexion" form shows
  and neither "Se déconnecter", "Notifications" nor "Une nouvelle version…" does (the banner not
  even once the service worker is in control: nothing is waiting); after sign-in the form is gone
  and the header's controls show; on no page does an element with `hidden` take up room.
- A fresh device after changes: the client sends a message and a rating from one Chromium profile;
  a brand-new profile that signs in afterwards shows, page by page, what the server's pull from
  cursor 0 holds (snapshot and changes): every conversation's messages, "Documents (N)" per
  dossier, each dossier's documents and versions on its documents page (seeded ones included).
- Only controls the server would accept: the rating form only where SyncLocator's ratingAllowed
  holds (checked against the server itself by pushing the rating afterwards), no step moves on a
  closed dossier, and a step's select showing its current status — an expert's overdue step reads
  "En retard", selected, not offered as a choice.

Uses Tests/browser/test_offline.py's scenario and browser helpers. Exits non-zero on any failure;
prints 'N passed, N failed'.

    FT=/path/to/ft /work/main/.venv/bin/python Tests/browser/test_app_views.py
"""
import os
import sqlite3
import sys
import time
import urllib.request

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import test_offline as common
from test_offline import Browser, api, check, poll

PASSWORD = common.PASSWORD
CLIENT = "client@financialtracker.example"
EXPERT = "expert@financialtracker.example"
ADMIN = "admin@financialtracker.example"
SCREENSHOTS = os.environ.get("SCREENSHOTS")  # a folder: each page checked is saved there, desktop and 375 px wide

# Elements that carry `hidden` yet take up room on the page (a class or id rule's display won).
HIDDEN_BUT_SHOWN = """
    return [...document.querySelectorAll('[hidden]')]
      .filter(e => getComputedStyle(e).display !== 'none' || e.getClientRects().length > 0)
      .map(e => `${e.tagName.toLowerCase()}#${e.id} (display: ${getComputedStyle(e).display})`);
"""


def shown(browser, element_id):
    """Whether a person sees the element (Selenium's is_displayed), False when it is not there."""
    found = browser.driver.find_elements(By.ID, element_id)
    return bool(found) and found[0].is_displayed()


def pull_everything(port, token):
    """The server's pull from cursor 0 (snapshot and every page of changes), as a Replica-like
    summary: messages per conversation (id → deleted?), documents per dossier, versions per document."""
    operations, cursor = [], 0
    while True:
        page = api(port, "GET", f"/api/v1/sync/pull?cursor={cursor}", token=token)
        operations += page.get("snapshot", []) + [change["operation"] for change in page["changes"]]
        cursor = page["cursor"]
        if not page["hasMore"]:
            break
    messages, documents, versions = {}, {}, {}
    for o in operations:
        if o["collection"] == "message" and o["action"] == "insert":
            messages.setdefault(o["fields"]["conversation"], {}).setdefault(o["record"], False)
        elif o["collection"] == "message" and o["action"] == "delete":
            for conversation in messages.values():
                if o["record"] in conversation:
                    conversation[o["record"]] = True
        elif o["collection"] == "document" and o["action"] == "insert":
            documents.setdefault(o["fields"]["dossier"], {})[o["record"]] = o["fields"]["title"]
        elif o["collection"] == "documentVersion" and o["action"] == "insert":
            versions.setdefault(o["fields"]["document"], set()).add(o["fields"]["fileName"])
    return operations, messages, documents, versions


def screenshot(browser, name):
    if not SCREENSHOTS:
        return
    os.makedirs(SCREENSHOTS, exist_ok=True)
    driver = browser.driver
    for label, width in (("desktop", 1280), ("phone", 375)):
        driver.set_window_size(width, 900)
        time.sleep(0.4)
        height = driver.execute_script("return Math.min(document.documentElement.scrollHeight, 4000)")
        driver.set_window_size(width, max(900, height))
        time.sleep(0.3)
        driver.save_screenshot(os.path.join(SCREENSHOTS, f"{name}-{label}.png"))
    driver.set_window_size(420, 900)


def rating_key(dossier):
    """directory.js's ratingKeyOf: the open assignment's expert, else the latest listed."""
    experts = dossier.get("experts") or []
    expert = next((e for e in experts if e["assignmentStatus"] != "cancelled"), experts[-1] if experts else None)
    return f"{dossier['clientId']}:{expert['id']}" if expert else None


def run(port, browsers, data):
    client_session = api(port, "POST", "/api/v1/session", body={"email": CLIENT, "password": PASSWORD})
    token = client_session["token"]
    dossiers = api(port, "GET", "/api/v1/me/dossiers?limit=200", token=token)["dossiers"]
    conversations = [d["conversation"] for d in dossiers if d.get("conversation")]
    assert conversations, "the demo client has no conversation"

    # 1. Signed out, a first visit: only the sign-in form; no update banner once the worker is in control.
    first = Browser("first", f"http://127.0.0.1:{port}")
    browsers.append(first)
    first.get("/app/index.html")
    first.wait(lambda: shown(first, "sign-in"), what="sign-in form")
    first.wait(lambda: first.worker_controls(), timeout=20, what="worker in control")
    time.sleep(1.5)  # the page asked the worker for its build on `controllerchange`: the answer is in
    header = {name: shown(first, name) for name in ("sign-in", "sign-out", "notifications-toggle", "update-ready", "notification-centre")}
    check(header == {"sign-in": True, "sign-out": False, "notifications-toggle": False, "update-ready": False, "notification-centre": False},
          f"signed out, first visit: only the sign-in form is seen ({header})")
    leaks = first.driver.execute_script(HIDDEN_BUT_SHOWN)
    check(leaks == [], f"signed out: no element with `hidden` takes up room: {leaks}")
    screenshot(first, "signed-out")
    first.driver.refresh()
    first.wait(lambda: shown(first, "sign-in"), what="sign-in form after a reload")
    time.sleep(1.5)
    check(not shown(first, "update-ready"), "a reload served by the worker of the same build offers no update")

    first.sign_in(CLIENT)
    first.wait(lambda: shown(first, "sign-out"), what="sign-out shown")
    header = {name: shown(first, name) for name in ("sign-in", "sign-out", "notifications-toggle", "update-ready")}
    check(header == {"sign-in": False, "sign-out": True, "notifications-toggle": True, "update-ready": False},
          f"signed in: the sign-in form is gone, 'Se déconnecter' and 'Notifications' are seen, no update banner ({header})")

    # 1b. Recommendations, worked out on the device: experts for the schemes of the client's open
    #     dossiers, none of its own experts, each with its reason, each a real profile.
    me = api(port, "GET", "/api/v1/me", token=token)
    check(bool(me.get("place", {}).get("postcode")), f"/api/v1/me gives a client its town ({me.get('place')})")
    open_schemes = {d["productCode"] for d in dossiers if d["status"] in ("eligible", "in_progress")} or {d["productCode"] for d in dossiers}
    own = {e["slug"] for d in dossiers for e in d["experts"]}
    first.get("/app/index.html")
    first.wait(lambda: shown(first, "recommendations"), timeout=20, what="recommendations shown")
    def recommendations():
        """(shown, slug, reason) of each item; the list is drawn again when the directory
        refreshes, so a read that finds a removed item starts again."""
        for _ in range(20):
            try:
                return [(item.is_displayed(), item.get_attribute("data-slug"), item.find_element(By.CSS_SELECTOR, "p").text)
                        for item in first.driver.find_elements(By.CSS_SELECTOR, "#recommendation-list li")]
            except StaleElementReferenceException:
                time.sleep(0.25)
        return []
    items = recommendations()
    check(1 <= len(items) <= 4 and all(seen for seen, _, _ in items), f"1 to 4 recommendations are seen ({len(items)})")
    # Experts with no room for another dossier (capacity reached, by SQL) are not recommended; the others say so.
    with sqlite3.connect(os.path.join(data, "financialtracker.sqlite")) as db:
        full = {slug for (slug,) in db.execute("""SELECT e.slug FROM expert e WHERE e.capacity <= (SELECT count(*) FROM expertAssignment a
            WHERE a.expertId = e.id AND a.status IN ('pending', 'assigned', 'in_progress'))""")}
    check(not ({slug for _, slug, _ in items} & full) and all(reason.endswith(", disponible") for _, _, reason in items),
          f"only experts with room, each 'disponible' ({[reason for _, _, reason in items]})")
    for _, slug, reason in items:
        named = reason.removeprefix("Recommandé : ").split(", ")
        schemes = [part for part in named if not part.endswith(" km") and "/5" not in part and part not in ("pas encore d'avis", "disponible")]
        check(reason.startswith("Recommandé : ") and schemes and set(schemes) <= open_schemes,
              f"{slug}: the reason names schemes of the client's open dossiers ({reason!r}, open: {sorted(open_schemes)})")
        check(any(part.endswith(" km") for part in named), f"{slug}: the reason gives the distance from the client's town ({reason!r})")
        check(slug not in own, f"{slug} is not one of the client's own experts")
        profile = urllib.request.urlopen(f"http://127.0.0.1:{port}/experts/{slug}/").read().decode()
        check(all(f">{code}</a>" in profile for code in schemes), f"{slug}'s profile lists {schemes}")
    screenshot(first, "recommendations")

    # 2. Changes from this profile: a message in the first conversation, a rating where it is allowed
    #    (an expert's completed mission).
    conversation = conversations[0]
    text = "Envoyé avant qu'un nouvel appareil se connecte"
    first.get(f"/app/conversation.html?conversation={conversation}")
    first.wait(lambda: shown(first, "conversation") and first.messages(), what="conversation shown")
    first.send_message(text)
    rated = next((d for d in dossiers if d.get("conversation") and rating_key(d)
                  and any(e["assignmentStatus"] == "completed" for e in d["experts"])), None)
    if rated:
        first.get(f"/app/conversation.html?conversation={rated['conversation']}")
        first.wait(lambda: shown(first, "rating"), what="rating form")
        first.driver.find_element(By.CSS_SELECTOR, "#rating-form input[name=score][value='5']").click()
        first.driver.find_element(By.ID, "rating-comment").send_keys("Noté avant le nouvel appareil")
        first.driver.find_element(By.CSS_SELECTOR, "#rating-form button[type=submit]").click()
    first.wait(lambda: first.idb("outbox") == [], timeout=15, what="changes sent")
    check(True, f"the first profile sent a message in conversation {conversation}" + (f" and rated on dossier {rated['id']}" if rated else ""))

    # 3. A brand-new profile signs in afterwards: every page shows what the server's pull holds.
    operations, pulled_messages, pulled_documents, pulled_versions = pull_everything(port, token)
    fresh = Browser("fresh", f"http://127.0.0.1:{port}")
    browsers.append(fresh)
    fresh.sign_in(CLIENT)
    for dossier in dossiers:
        expected = len(pulled_documents.get(dossier["id"], {}))
        selector = f"#dossier-{dossier['id']} .documents-link"
        try:
            fresh.wait(lambda: fresh.driver.find_element(By.CSS_SELECTOR, selector).text.endswith(f"({expected})"), timeout=10, what="documents count")
        except Exception:
            pass
        seen = fresh.driver.find_element(By.CSS_SELECTOR, selector).text
        check(seen.endswith(f"({expected})"), f"fresh profile, home: dossier {dossier['id']} shows {seen!r}, the pull holds {expected} document(s)")
    screenshot(fresh, "home-client")
    for number in conversations:
        want = sorted(pulled_messages.get(number, {}))
        fresh.get(f"/app/conversation.html?conversation={number}")
        fresh.wait(lambda: shown(fresh, "conversation"), what="conversation")
        # The page shows the newest 20; "Messages plus anciens" brings the rest.
        got = poll(lambda: sorted(i for i, _ in fresh.messages()) if len(fresh.messages()) == min(20, len(want)) else None, timeout=10) or []
        while shown(fresh, "older"):
            fresh.driver.find_element(By.ID, "older").click()
            time.sleep(0.2)
        got = sorted(i for i, _ in fresh.messages())
        visible = all(li.is_displayed() for li in fresh.driver.find_elements(By.CSS_SELECTOR, "#messages li"))
        check(got == want and visible, f"fresh profile, conversation {number}: {len(got)} messages seen, the pull holds {len(want)}"
              + ("" if got == want else f" (missing {sorted(set(want) - set(got))[:5]}, extra {sorted(set(got) - set(want))[:5]})"))
        if number == conversation:
            check(text in [b for _, b in fresh.messages()], "the message sent from the other profile is among them")

    # 4. Documents pages: each dossier lists the pull's documents (seeded ones too) with their versions.
    for dossier in dossiers:
        docs = pulled_documents.get(dossier["id"], {})
        fresh.get(f"/app/documents.html?dossier={dossier['id']}")
        fresh.wait(lambda: shown(fresh, "documents"), what="documents page")
        try:
            fresh.wait(lambda: len(fresh.driver.find_elements(By.CSS_SELECTOR, "#document-list > li[data-document]")) == len(docs), timeout=10, what="documents listed")
        except Exception:
            pass
        items = fresh.driver.find_elements(By.CSS_SELECTOR, "#document-list > li[data-document]")
        listed = {li.get_attribute("data-document"): li for li in items}
        titles_ok = set(listed) == set(docs) and all(listed[d].is_displayed() and title in listed[d].text for d, title in docs.items())
        versions_ok = all(all(name in listed[d].text for name in pulled_versions.get(d, ())) for d in docs if d in listed)
        nothing = fresh.driver.find_element(By.ID, "document-list").text.strip() == "Rien pour l'instant."
        check(titles_ok and versions_ok and nothing == (not docs),
              f"fresh profile, documents of dossier {dossier['id']}: {len(listed)} seen with their versions, the pull holds {len(docs)}"
              + ("" if titles_ok and versions_ok else f" (seen {fresh.driver.find_element(By.ID, 'document-list').text[:200]!r})"))
        if docs and SCREENSHOTS and not os.path.exists(os.path.join(SCREENSHOTS, "documents-desktop.png")):
            screenshot(fresh, "documents")
        leaks = fresh.driver.execute_script(HIDDEN_BUT_SHOWN)
        if leaks:
            check(False, f"documents page: elements with `hidden` take up room: {leaks}")

    # 5. The rating form only where the server takes a rating: checked by pushing one afterwards.
    offered = {}
    for dossier in dossiers:
        if not dossier.get("conversation"):
            continue
        fresh.get(f"/app/conversation.html?conversation={dossier['conversation']}")
        fresh.wait(lambda: shown(fresh, "conversation") and fresh.driver.find_element(By.ID, "conversation-title").text.endswith(dossier["productName"]), what="conversation with its dossier")
        time.sleep(0.3)
        offered[dossier["id"]] = shown(fresh, "rating")
        leaks = fresh.driver.execute_script(HIDDEN_BUT_SHOWN)
        if leaks:
            check(False, f"conversation page: elements with `hidden` take up room: {leaks}")
        if dossier["status"] == "cancelled" and SCREENSHOTS and not os.path.exists(os.path.join(SCREENSHOTS, "conversation-cancelled-desktop.png")):
            screenshot(fresh, "conversation-cancelled")
    hlc_base = int(time.time() * 1000)
    accepted = {}
    for index, dossier in enumerate(d for d in dossiers if d["id"] in offered):
        key = rating_key(dossier)
        if not key:
            accepted[dossier["id"]] = False
            continue
        operation = {"id": f"rating-probe-{index}-{hlc_base}", "collection": "rating", "action": "update", "record": key,
                     "fields": {"score": 4, "comment": ""}, "hlc": f"{hlc_base + index:016d}-00000-probe"}
        answer = api(port, "POST", "/api/v1/sync/push", token=token, body={"operations": [operation]})
        accepted[dossier["id"]] = answer["results"][0]["status"] == "accepted"
    statuses = {d["id"]: f"{d['status']}/{'+'.join(e['assignmentStatus'] for e in d['experts']) or 'no expert'}" for d in dossiers if d["id"] in offered}
    check(offered == accepted, f"the rating form is seen exactly where the server accepts a rating: seen {offered}, accepted {accepted} ({statuses})")

    # 6. Steps: no move on a closed dossier; the select shows the current status.
    fresh.get("/app/index.html")
    fresh.wait(lambda: fresh.driver.find_elements(By.CSS_SELECTOR, "#dossier-list li[data-step]"), what="steps")
    closed = [d for d in dossiers if d["status"] in ("done", "cancelled", "ineligible")]
    moves = steady(lambda: {d["id"]: [f for f in fresh.driver.find_elements(By.CSS_SELECTOR, f"#dossier-{d['id']} form.step-move") if f.is_displayed()] for d in closed})
    check(closed and all(not forms for forms in moves.values()),
          f"no 'Passer à … Enregistrer' on the client's closed dossiers ({[(d['id'], d['status']) for d in closed]})")
    check_selects(fresh, "client")

    # An expert's step that is overdue (set so by an admin, who may): the expert cannot set "overdue".
    expert_token = api(port, "POST", "/api/v1/session", body={"email": EXPERT, "password": PASSWORD})["token"]
    admin_token = api(port, "POST", "/api/v1/session", body={"email": ADMIN, "password": PASSWORD})["token"]
    missions = api(port, "GET", "/api/v1/me/dossiers?limit=200", token=expert_token)["dossiers"]
    late = next(s for d in missions if d["status"] not in ("done", "cancelled", "ineligible") for s in d["steps"] if s["assigneeRole"] == "expert")
    stamp = int(time.time() * 1000)
    answer = api(port, "POST", "/api/v1/sync/push", token=admin_token, body={"operations": [
        {"id": f"overdue-{stamp}", "collection": "step", "action": "update", "record": str(late["id"]), "fields": {"status": "overdue"}, "hlc": f"{stamp:016d}-00000-admin"}]})
    assert answer["results"][0]["status"] == "accepted", answer

    expert = Browser("expert", f"http://127.0.0.1:{port}")
    browsers.append(expert)
    expert.sign_in(EXPERT)
    expert.wait(lambda: expert.driver.find_elements(By.CSS_SELECTOR, "#dossier-list li[data-step]"), what="expert's steps")
    check_selects(expert, "expert")
    screenshot(expert, "home-expert")

    # Steps the server found past their due date (at start: the seed's dates are behind us) reach
    # the expert's device as the server's own changes, and read "En retard".
    found, cursor = [], 0
    while True:
        page = api(port, "GET", f"/api/v1/sync/pull?cursor={cursor}", token=expert_token)
        found += [c["operation"] for c in page["changes"] if c["operation"]["id"].startswith("server:overdue:")]
        cursor = page["cursor"]
        if not page["hasMore"]:
            break
    marked = {o["record"] for o in found if o["actor"] == {"user": 0, "role": "admin"}} - {str(late["id"])}
    late_rows = steady(lambda: {row.get_attribute("data-step"): row.find_element(By.CSS_SELECTOR, ".step-status")
                            for row in expert.driver.find_elements(By.CSS_SELECTOR, "#dossier-list li[data-step]") if row.get_attribute("data-step") in marked})
    late_labels = steady(lambda: {step: (label.text, label.is_displayed()) for step, label in late_rows.items()})
    check(marked and late_labels and all(text == "En retard" and displayed for text, displayed in late_labels.values()),
          f"the steps the server found overdue ({len(marked)}) read 'En retard' on the expert's page: {dict(list(late_labels.items())[:4])}")


def steady(read):
    """`read()`, again when the list was re-rendered under the reading (the account's refresh, a live change)."""
    for _ in range(9):
        try:
            return read()
        except StaleElementReferenceException:
            time.sleep(0.5)
    return read()


def check_selects(browser, role):
    """Every step's select shows the step's status, and offers only what the role may set."""
    steady(lambda: read_selects(browser, role))


def read_selects(browser, role):
    settable = {"client": {"in_progress", "completed"}, "expert": {"pending", "in_progress", "completed"}}[role]
    rows = browser.driver.find_elements(By.CSS_SELECTOR, "#dossier-list li[data-step]")
    wrong, other_status = [], []
    for row in rows:
        selects = row.find_elements(By.TAG_NAME, "select")
        if not selects or not selects[0].is_displayed():
            continue
        status = row.get_attribute("data-status")
        select = Select(selects[0])
        chosen = select.first_selected_option
        enabled = {o.get_attribute("value") for o in select.options if o.is_enabled()}
        label = row.find_element(By.CSS_SELECTOR, ".step-status").text
        if chosen.get_attribute("value") != status or chosen.text != label or enabled != settable:
            wrong.append((row.get_attribute("data-step"), status, chosen.text, sorted(enabled)))
        if status not in settable:
            other_status.append((row.get_attribute("data-step"), status, chosen.text, chosen.is_enabled()))
    rows = len(rows)
    check(rows and not wrong, f"{role}: each step's select shows its current status and offers only {sorted(settable)}" + (f"; wrong: {wrong[:5]}" if wrong else ""))
    check(other_status and all(not enabled for *_, enabled in other_status),
          f"{role}: a current status the {role} may not set is shown selected, not as a choice: {other_status[:4]}")


def main():
    return common.scenario("ft-views-", 30, 60, lambda setup, browsers: run(setup.port, browsers, setup.data))


if __name__ == "__main__":
    sys.exit(main())
