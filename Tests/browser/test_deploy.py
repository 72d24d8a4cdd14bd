#!/usr/bin/env python3
"""Issue 6: "a new deploy takes over cleanly", in headless Chromium against the real server.

The client's conversation is open and controlled by the service worker of build A; offline (page
and worker cut through DevTools, the proxy carrying nothing), it writes 2 messages, which wait in
the outbox. Build B is deployed: a copy of the templates and of sync/ with one module changed
(`ui.js` marks the page), `ft generate` into the same public folder. The network comes back for
the browser (the proxy) while the page stays offline: a reload (served by A's worker, A's code)
makes Chromium find B's worker, which installs, takes over and deletes A's cache; the page, still
running A's code, offers "Une nouvelle version est disponible — Recharger"; the button reloads into
B's code. The 2 messages survive all of it and reach the server once each when the page is online.
Then build C is deployed while the page (of B) stays open and online: the page's own check (on
`online`) finds it and offers the reload again. Exits non-zero on any failure.

    FT=/path/to/ft /work/main/.venv/bin/python Tests/browser/test_deploy.py
"""
import os
import re
import shutil
import sqlite3
import subprocess
import sys

from selenium.webdriver.common.by import By

import test_offline as common
from test_offline import Browser, CountingProxy, api, check, settle_offline

ROOT = common.ROOT
MARK = "document.documentElement.dataset.deploy"


def build_of(site):
    with open(os.path.join(site, "app", "sw.js")) as f:
        return re.search(r'const BUILD = "([^"]+)"', f.read()).group(1)


def deploy(workdir, name, marker, generate):
    """A copy of the templates and sync/ side by side, ui.js changed, generated into the site."""
    copy = os.path.join(workdir, name)
    shutil.copytree(os.path.join(ROOT, "site-templates"), os.path.join(copy, "site-templates"))
    shutil.copytree(os.path.join(ROOT, "sync"), os.path.join(copy, "sync"))
    with open(os.path.join(copy, "sync", "ui.js"), "a") as f:
        f.write(f'\n{MARK} = "{marker}";\n')
    subprocess.run(generate(os.path.join(copy, "site-templates")), check=True, stdout=subprocess.DEVNULL)


def cache_names(browser):
    return browser.driver.execute_async_script("const done = arguments[0]; caches.keys().then(done, () => done(null))")


def controller_build(browser):
    return browser.driver.execute_async_script("""
        const done = arguments[0];
        const controller = navigator.serviceWorker.controller;
        if (!controller) return done(null);
        navigator.serviceWorker.addEventListener('message', (event) => { if (event.data?.type === 'build') done(event.data.build); });
        controller.postMessage({type: 'build'});
        setTimeout(() => done(null), 3000);""")


def update_offered(browser):
    """The build the "new version" banner offers, if a person sees it (None otherwise)."""
    banner = browser.driver.find_elements(By.ID, "update-ready")
    return (banner[0].get_attribute("data-build") or "(no build named)") if banner and banner[0].is_displayed() else None


def run(port, data, site, generate, workdir, browsers):
    db = sqlite3.connect(os.path.join(data, "financialtracker.sqlite"))
    session = api(port, "POST", "/api/v1/session", body={"email": "client@financialtracker.example", "password": common.PASSWORD})
    dossiers = api(port, "GET", "/api/v1/me/dossiers", token=session["token"])["dossiers"]
    conversation = next(d["conversation"] for d in dossiers if d.get("conversation"))
    path = f"/app/conversation.html?conversation={conversation}"
    proxy = CountingProxy(port)
    client = Browser("client", f"http://127.0.0.1:{proxy.port}")
    browsers.append(client)
    client.sign_in("client@financialtracker.example")
    client.get(path)
    client.wait(lambda: client.worker_controls(), what="worker in control")
    initial = db.execute("SELECT count(*) FROM message WHERE conversationId = ?", (conversation,)).fetchone()[0]
    client.wait(lambda: len(client.messages()) == initial, what=f"{initial} messages")
    build_a = build_of(site)
    client.wait(lambda: f"ft-app-{build_a}" in (cache_names(client) or []), what="build A's cache")
    check(client.driver.execute_script("return document.body.dataset.build") == build_a and controller_build(client) == build_a
          and update_offered(client) is None,
          f"build A ({build_a}): the page and its worker agree, no update offered")

    # Offline: two messages wait in the outbox.
    client.set_offline(True)
    settle_offline(client)
    proxy.set_offline(True)
    texts = ["Avant la mise à jour 1", "Avant la mise à jour 2"]
    for text in texts:
        client.send_message(text)
    waiting = lambda: sorted(o["fields"].get("body") for o in client.idb("outbox") if o["collection"] == "message")
    check(waiting() == texts, f"offline, the 2 messages wait in the outbox: {waiting()}")

    # Build B: one module changed, generated into the same public folder.
    deploy(workdir, "build-b", "B", generate)
    build_b = build_of(site)
    check(build_b != build_a, f"a changed module makes a new build: {build_a} → {build_b}")

    # The network is back for the browser, not for the page: its reload is served by A's worker
    # (A's code); Chromium's update check on that navigation finds B's worker, which takes over.
    proxy.set_offline(False)
    client.driver.refresh()
    try:
        client.wait(lambda: update_offered(client) == build_b, timeout=20, what="update offered")
        offered = True
    except Exception:
        offered = False
    check(offered and client.driver.execute_script(f"return {MARK} ?? null") is None,
          f"the open page (A's code, {client.driver.execute_script('return document.body.dataset.build')}) offers to reload into build B")
    only = lambda build: (lambda names: f"ft-app-{build}" in names and not any(n.startswith("ft-app-") and n != f"ft-app-{build}" for n in names))(cache_names(client) or [])
    common.poll(lambda: only(build_b))  # the old cache goes in the new worker's `activate`, just after it takes control
    names = cache_names(client) or []
    check(f"ft-app-{build_b}" in names and not any(n.startswith("ft-app-") and n != f"ft-app-{build_b}" for n in names) and controller_build(client) == build_b,
          f"B's worker controls the page, A's cache is deleted: {names}")
    in_db = lambda text: db.execute("SELECT count(*) FROM message WHERE conversationId = ? AND body = ?", (conversation, text)).fetchone()[0]
    kept = [text for text in texts if text in waiting() or in_db(text) == 1]
    check(kept == texts, f"nothing pending lost in the update: {kept}")

    client.driver.find_element(By.ID, "update-reload").click()
    try:
        client.wait(lambda: client.driver.execute_script(f"return document.body.dataset.build === arguments[0] && {MARK} === 'B'", build_b), timeout=10, what="B's code")
        runs_b = True
    except Exception:
        runs_b = False
    check(runs_b and update_offered(client) is None, f"'Recharger' runs build B's code (marker {client.driver.execute_script(f'return {MARK} ?? null')!r}), no offer left")
    client.wait(lambda: len(client.messages()) == initial + 2, what="messages after the reload")
    kept = [text for text in texts if text in waiting() or in_db(text) == 1]
    check(kept == texts and [b for _, b in client.messages()][-2:] == texts, f"after the reload the 2 messages are still shown and pending: {kept}")

    # Online: sent once each.
    client.set_offline(False)
    client.driver.execute_script("window.dispatchEvent(new Event('online'))")  # CDP's emulation does not always fire it
    try:
        client.wait(lambda: all(in_db(text) == 1 for text in texts) and client.idb("outbox") == [], timeout=15, what="messages sent")
        sent = True
    except Exception:
        sent = False
    check(sent and [in_db(text) for text in texts] == [1, 1], f"online with build B, the messages reach the server once each: {[in_db(t) for t in texts]}, outbox {len(client.idb('outbox'))}")

    # Build C while B's page stays open and online: the page's own check (on `online`) finds it.
    deploy(workdir, "build-c", "C", generate)
    build_c = build_of(site)
    client.driver.execute_script("window.dispatchEvent(new Event('online'))")
    try:
        client.wait(lambda: update_offered(client) == build_c, timeout=20, what="update C offered")
        offered = True
    except Exception:
        offered = False
    common.poll(lambda: only(build_c))
    names = cache_names(client) or []
    check(offered and names.count(f"ft-app-{build_c}") == 1 and not any(n.startswith("ft-app-") and n != f"ft-app-{build_c}" for n in names),
          f"an open, online page finds build C by itself and offers it; caches {names}")
    client.driver.find_element(By.ID, "update-reload").click()
    try:
        client.wait(lambda: client.driver.execute_script(f"return {MARK} === 'C'"), timeout=10, what="C's code")
        client.wait(lambda: len(client.messages()) == initial + 2, what="messages with C")
        runs_c = True
    except Exception:
        runs_c = False
    check(runs_c and [in_db(text) for text in texts] == [1, 1], "build C runs after 'Recharger', nothing duplicated")


def main():
    return common.scenario("ft-deploy-", 5, 8, lambda setup, browsers: run(setup.port, setup.data, setup.site, setup.generate, setup.workdir, browsers))


if __name__ == "__main__":
    sys.exit(main())
