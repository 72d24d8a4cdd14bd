#!/usr/bin/env python3
"""Issue 6's "Done when", in headless Chromium against the real server and a real SQLite file.

Three browsers — the client and the expert of one dossier, and another client — each reach
`ft serve` through its own counting TCP proxy, so the test knows exactly what each browser sent.
The client goes offline (the page AND its service worker, both through the DevTools protocol),
reloads the conversation (served by the service worker), writes 3 messages, rates the expert and
moves a step; the expert writes 2 meanwhile; the proxy must have carried nothing from the client.
Back online, both show the same 5 new messages in the same order and the same step state; a forced
resend of the client's outbox duplicates nothing; the other client's IndexedDB holds none of it; a
tab closed with a pending change sends it when the app next opens; the rating is on the expert's
public page after `ft generate`. Also: the dossiers listed per dossier from the account API (ids
come from /api/v1/me and /api/v1/me/dossiers; SQLite only checks the server's state), the
notification centre (live unread count, mark all read, offline from IndexedDB), the worker's scope
/ (public pages and search still work; offline, a visited public page from the cache, an unvisited
one the offline page), attachments picked and dropped in the conversation, and its search.
Exits non-zero on any failure; prints 'N passed, N failed'.

    FT=/path/to/ft /work/main/.venv/bin/python Tests/browser/test_offline.py
"""
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import types
import urllib.parse
import urllib.request

from selenium.webdriver.common.by import By
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.support.ui import WebDriverWait

from harness import DevTools, chromium

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FT = os.environ.get("FT", os.path.join(ROOT, ".build", "debug", "ft"))
PASSWORD = "demo-financialtracker"
RESULTS = {"passed": 0, "failed": 0}


def check(ok, what):
    RESULTS["passed" if ok else "failed"] += 1
    print(f"{'ok' if ok else 'FAIL'} {what}", flush=True)
    return ok


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CountingProxy:
    """A TCP proxy in front of the server for one browser: counts the connections and bytes it
    carries, and, while `offline`, carries nothing (like a network that is gone) and records what
    the browser tried to send — so the test knows which requests the DevTools cut did not stop."""

    def __init__(self, upstream_port):
        self.upstream = upstream_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.connections = 0
        self.bytes_up = 0
        self.offline = False
        self.blocked = []  # first line of each request refused while offline
        self.blocked_at = []  # and when
        self.open = set()
        threading.Thread(target=self.accept, daemon=True).start()

    def counters(self):
        with self.lock:
            return self.connections, self.bytes_up

    def set_offline(self, offline):
        with self.lock:
            self.offline = offline
            sockets = list(self.open) if offline else []
        for s in sockets:  # the network goes: open connections (the live channel too) break
            self.close(s)

    def close(self, s):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()

    def block(self, data):
        self.blocked.append(data.split(b"\r\n", 1)[0].decode("latin-1"))
        self.blocked_at.append(time.time())

    def accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.offline:
                threading.Thread(target=self.refuse, args=(client,), daemon=True).start()
                continue
            try:
                server = socket.create_connection(("127.0.0.1", self.upstream))
            except OSError:
                client.close()
                continue
            with self.lock:
                self.connections += 1
                self.open |= {client, server}
            threading.Thread(target=self.pipe, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self.pipe, args=(server, client, False), daemon=True).start()

    def refuse(self, client):
        client.settimeout(2)
        try:
            data = client.recv(65536)
            if data:
                self.block(data)
        except OSError:
            pass
        self.close(client)

    def pipe(self, source, target, upstream):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if upstream:
                    with self.lock:
                        if self.offline:
                            self.block(data)
                            break
                        self.bytes_up += len(data)
                target.sendall(data)
        except OSError:
            pass
        finally:
            with self.lock:
                self.open -= {source, target}
            for s in (source, target):
                self.close(s)


class Browser:
    """One Chromium, its origin (a proxy) and a DevTools connection to the browser itself."""

    def __init__(self, name, origin):
        self.name = name
        self.origin = origin
        self.driver = chromium("420,900")
        self.devtools = DevTools(self.driver)
        self.send = self.devtools.send
        self.worker_sessions = []

    def set_offline(self, offline):
        """The page (through chromedriver) and every service worker of the origin (through the
        browser's DevTools target) are cut off from the network, or given it back."""
        conditions = {"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.driver.execute_cdp_cmd("Network.emulateNetworkConditions", conditions)
        if offline:
            targets = self.send("Target.getTargets")["targetInfos"]
            workers = [t for t in targets if t["type"] == "service_worker" and t["url"].startswith(self.origin)]
            assert workers, f"{self.name}: no service worker target"
            self.worker_sessions = []
            for worker in workers:
                session = self.send("Target.attachToTarget", {"targetId": worker["targetId"], "flatten": True})["sessionId"]
                self.send("Network.enable", {}, session)
                self.send("Network.emulateNetworkConditions", conditions, session)
                self.worker_sessions.append((worker["targetId"], session))
        else:
            # A worker replaced by a new deploy's is gone: its session would never answer.
            alive = {t["targetId"] for t in self.send("Target.getTargets")["targetInfos"]}
            for target, session in self.worker_sessions:
                if target in alive:
                    self.send("Network.emulateNetworkConditions", conditions, session)
            self.worker_sessions = []

    def get(self, path):
        self.driver.get(self.origin + path)

    def wait(self, condition, timeout=15, what="condition"):
        # Pages re-render live: an element may be replaced between finding and reading it.
        return WebDriverWait(self.driver, timeout, poll_frequency=0.2, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)).until(
            lambda d: condition(), message=f"{self.name}: {what}")

    def step_status(self, step):
        return self.driver.execute_script("return document.querySelector(`li[data-step='${arguments[0]}']`)?.dataset.status ?? null", step)

    def unread(self):
        """The unread count a person sees in the header (None while "Notifications" is not shown)."""
        toggle = self.driver.find_elements(By.ID, "notifications-toggle")
        if not toggle or not toggle[0].is_displayed():
            return None
        return int(self.driver.find_element(By.ID, "unread-count").text)

    def sign_in(self, email):
        self.get("/app/index.html")
        self.wait(lambda: self.driver.find_element(By.ID, "sign-in").is_displayed(), what="sign-in form")
        self.driver.find_element(By.ID, "email").send_keys(email)
        self.driver.find_element(By.ID, "password").send_keys(PASSWORD)
        self.driver.find_element(By.CSS_SELECTOR, "#sign-in button[type=submit]").click()
        self.wait(lambda: self.driver.find_element(By.ID, "home").is_displayed(), what="home after sign-in")
        # What a person sees: the form gone, the header's "Se déconnecter" there.
        self.wait(lambda: not self.driver.find_element(By.ID, "sign-in").is_displayed() and self.driver.find_element(By.ID, "sign-out").is_displayed(),
                  timeout=5, what="sign-in form hidden and 'Se déconnecter' shown after sign-in")

    def worker_controls(self):
        return self.driver.execute_script("return !!navigator.serviceWorker.controller")

    def messages(self):
        return self.driver.execute_script(
            "return [...document.querySelectorAll('#messages li')].map(li => [li.dataset.id, li.querySelector('.body')?.textContent ?? null])")

    def send_message(self, text):
        area = self.driver.find_element(By.ID, "body")
        area.send_keys(text)
        self.driver.find_element(By.CSS_SELECTOR, "#composer button[type=submit]").click()
        self.wait(lambda: text in [body for _, body in self.messages()], what=f"message {text!r} shown")

    def act_on_message(self, text, label):
        """Clicks a message's button ("Modifier", "Supprimer"), found by the message's text."""
        self.wait(lambda: self.driver.execute_script("""
            const [text, label] = arguments;
            const item = [...document.querySelectorAll('#messages li.own')].find(li => li.querySelector('.body')?.textContent === text);
            const button = item && [...item.querySelectorAll('button')].find(b => b.textContent === label);
            if (!button) return false;
            setTimeout(() => button.click(), 0);
            return true;
        """, text, label), what=f"{label} on {text!r}")

    def move_step(self, step, status):
        """Chooses a status in a step's form and submits it (in one go: the list re-renders live)."""
        self.wait(lambda: self.driver.execute_script("""
            const [step, status] = arguments;
            const select = document.getElementById(`step-${step}-status`);
            if (!select) return false;
            select.value = status;
            select.form.requestSubmit();
            return true;
        """, step, status), what=f"move step {step}")

    def idb(self, store):
        return self.driver.execute_async_script("""
            const [store, done] = arguments;
            const open = indexedDB.open("financialtracker");
            open.onsuccess = () => {
              const db = open.result;
              if (!db.objectStoreNames.contains(store)) { done([]); return; }
              const request = db.transaction(store).objectStore(store).getAll();
              request.onsuccess = () => { done(JSON.parse(JSON.stringify(request.result))); db.close(); };
              request.onerror = () => done(null);
            };
            open.onerror = () => done(null);
        """, store)

    def put_outbox(self, operations):
        return self.driver.execute_async_script("""
            const [operations, done] = arguments;
            const open = indexedDB.open("financialtracker");
            open.onsuccess = () => {
              const tx = open.result.transaction("outbox", "readwrite");
              for (const operation of operations) tx.objectStore("outbox").put(operation);
              tx.oncomplete = () => { open.result.close(); done(true); };
              tx.onerror = () => done(false);
            };
        """, operations)

    def quit(self):
        try:
            self.devtools.close()
        finally:
            self.driver.quit()


def api(port, method, path, token=None, body=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                     data=None if body is None else json.dumps(body).encode())
    request.add_header("content-type", "application/json")
    request.add_header("FT-Protocol", "1")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


def visible_to(port, email):
    """What `email` may see through the sync API: its user id, conversations and steps."""
    session = api(port, "POST", "/api/v1/session", body={"email": email, "password": PASSWORD})
    operations, cursor = [], 0
    while True:
        page = api(port, "GET", f"/api/v1/sync/pull?cursor={cursor}", token=session["token"])
        operations += page.get("snapshot", []) + [change["operation"] for change in page["changes"]]
        cursor = page["cursor"]
        if not page["hasMore"]:
            break
    conversations = {o["fields"]["conversation"] for o in operations if o["collection"] == "message" and "conversation" in o["fields"]}
    conversations |= {int(o["record"].split(":")[0]) for o in operations if o["collection"] == "readReceipt"}
    steps = {o["record"] for o in operations if o["collection"] == "step"}
    return session["user"]["id"], conversations, steps



def conversation_unread(port, token, conversation):
    """The server's unread notifications leading to a conversation, and its unread count."""
    answer = api(port, "GET", "/api/v1/me/notifications?limit=200", token=token)
    return sum(1 for n in answer["notifications"] if n.get("target") == f"conversation:{conversation}" and not n.get("readAt")), answer["unread"]


def poll(condition, timeout=5):
    """Waits until `condition()` is true (or the time is up); answers its last value."""
    deadline = time.time() + timeout
    while True:
        value = condition()
        if value or time.time() > deadline:
            return value
        time.sleep(0.2)


PHONE_REPORT = """
    const tall = 40;
    const visible = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
    const name = (e) => e.id || e.getAttribute('aria-label') || e.textContent.trim().slice(0, 24) || e.tagName;
    const wide = [...document.querySelectorAll('body *')].filter(visible)
      .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5).map(e => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`).slice(0, 8);
    const targets = 'button, select, textarea, input:not([type=hidden]):not([type=radio]):not([type=checkbox]), .top nav a, .score-choices label';
    const small = [...document.querySelectorAll(targets)].filter(visible)
      .map(e => [name(e), Math.round(e.getBoundingClientRect().height)]).filter(([, height]) => height < tall);
    return {width: window.innerWidth, scrollWidth: document.documentElement.scrollWidth, wide, small};
"""


def phone_layout(browser, pages):
    """Each page in a 375×740 window: nothing wider than the screen, every button, field, header
    link and score choice at least 40 px high. Answers {page: report} for the pages that fail."""
    browser.driver.set_window_size(375, 740)
    failures = {}
    try:
        for path, ready in pages:
            browser.get(path)
            browser.wait(lambda: ready(browser), what=f"{path} on a phone")
            time.sleep(0.2)
            report = browser.driver.execute_script(PHONE_REPORT)
            if report["width"] != 375 or report["scrollWidth"] > report["width"] or report["small"]:
                failures[path] = report
    finally:
        browser.driver.set_window_size(420, 900)
    return failures


def settle_offline(browser):
    """Once the page knows it is offline, a live-channel reconnection it had already scheduled
    (the backoff starts at 250-500 ms) has had time to run; only then is the proxy cut, so that
    what the proxy sees afterwards is what the offline app tried, not a race with the emulation."""
    browser.wait(lambda: browser.driver.execute_script("return navigator.onLine") is False, what="navigator.onLine false")
    time.sleep(1.5)

def scenario(prefix, experts, clients, body, alerts=True, serve_options=()):
    """A seeded data folder, its site generated and `ft serve` on a free port; `body(setup,
    browsers)` runs against them (a step that cannot even run counts as a failure); the browsers,
    the server and the folder are gone at the end whatever happens. Returns the exit status.
    `alerts`: the server's alert rounds, which mark the steps past their due date overdue (the
    data is seeded as of 2026-11-20: on any later day, some steps are). `serve_options`: more of
    `ft serve`'s options (an SMTP server, say)."""
    started = time.time()
    workdir = tempfile.mkdtemp(prefix=prefix)
    data, site = os.path.join(workdir, "data"), os.path.join(workdir, "site")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL}
    subprocess.run([FT, "seed", "--data-dir", data, "--experts", str(experts), "--clients", str(clients), "--today", "2026-11-20"], check=True, **quiet)
    # `ft seed` made the document key (DATA_DIR/document.key) for its demo documents.

    def generate(templates=os.path.join(ROOT, "site-templates")):
        return [FT, "generate", "--data-dir", data, "--templates", templates, "--out", site, "--base-url", base]

    subprocess.run(generate(), check=True, **quiet)
    setup = types.SimpleNamespace(port=port, base=base, data=data, site=site, workdir=workdir, generate=generate)
    log = open(os.path.join(workdir, "serve.log"), "w")
    server = subprocess.Popen([FT, "serve", "--data-dir", data, "--public", site, "--port", str(port), "--no-rebuild", "--log-level", "info",
                               *([] if alerts else ["--alert-interval", "0"]), *serve_options],
                              stdout=log, stderr=subprocess.STDOUT)
    browsers = []
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz").read()
                break
            except OSError:
                time.sleep(0.1)
        body(setup, browsers)
    except Exception as error:
        traceback.print_exc()
        check(False, f"unexpected {type(error).__name__}: {error}")
    finally:
        for browser in browsers:
            try:
                browser.quit()
            except Exception:
                pass
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed in {time.time() - started:.0f} s")
    return 1 if RESULTS["failed"] else 0


def main():
    # No alert rounds: on a day after the seed's, the server would mark the step this test moves
    # overdue again, whatever the client set.
    return scenario("ft-offline-", 20, 40, lambda setup, browsers: run(setup.port, setup.base, setup.data, setup.site, setup.generate(), browsers), alerts=False)


def run(port, base, data, site, generate, browsers):
    db = sqlite3.connect(os.path.join(data, "financialtracker.sqlite"))
    # The dossier: the conversation and steps both the client and the expert see through the API.
    client_user, client_conversations, client_steps = visible_to(port, "client@financialtracker.example")
    expert_user, expert_conversations, expert_steps = visible_to(port, "expert@financialtracker.example")
    _, other_conversations, other_steps = visible_to(port, "client2@financialtracker.example")
    shared = sorted(client_conversations & expert_conversations)
    assert shared, "the client and the expert share no conversation"
    conversation = shared[0]
    # The expert's mission on this dossier is completed: the client may rate it (a review follows the work).
    db.execute("""UPDATE expertAssignment SET status = 'completed', completedAt = coalesce(completedAt, requestedAt)
                  WHERE dossierId = (SELECT dossierId FROM conversation WHERE id = ?) AND status <> 'cancelled'
                  AND expertId = (SELECT id FROM expert WHERE userId = ?)""", (conversation, expert_user))
    db.commit()
    # What sync records do not carry, from the account API (GET /api/v1/me, /api/v1/me/dossiers):
    # the dossier of the conversation, its steps, and the rating key <client>:<expert>.
    session = api(port, "POST", "/api/v1/session", body={"email": "client@financialtracker.example", "password": PASSWORD})
    me = api(port, "GET", "/api/v1/me", token=session["token"])
    listed = api(port, "GET", "/api/v1/me/dossiers", token=session["token"])["dossiers"]
    info = next(d for d in listed if d.get("conversation") == conversation)
    dossier, client_id = info["id"], me["client"]
    check(info["clientId"] == client_id and info["clientUserId"] == client_user, f"/api/v1/me names client {client_id}, the owner of dossier {dossier}")
    expert_info = next(e for e in info["experts"] if e["userId"] == expert_user)
    expert_id, slug, expert_name = expert_info["id"], expert_info["slug"], expert_info["name"]
    steps_in_order = sorted(info["steps"], key=lambda s: s["position"])
    step = str(next(s["id"] for s in steps_in_order if s["assigneeRole"] == "client" and s["status"] in ("pending", "overdue")))
    refused_step = str(next(s["id"] for s in steps_in_order if s["assigneeRole"] != "client" and s["status"] != "in_progress"))
    assert step in client_steps and step in expert_steps
    other_slug = next(name for name in sorted(os.listdir(os.path.join(site, "experts"))) if name != slug and os.path.isdir(os.path.join(site, "experts", name)))
    check(conversation not in other_conversations and step not in other_steps, f"client2 sees neither conversation {conversation} nor step {step} through the API")
    path = f"/app/conversation.html?conversation={conversation}"

    proxies = {name: CountingProxy(port) for name in ("client", "expert", "client2")}
    client = Browser("client", f"http://127.0.0.1:{proxies['client'].port}")
    browsers.append(client)
    expert = Browser("expert", f"http://127.0.0.1:{proxies['expert'].port}")
    browsers.append(expert)
    other = Browser("client2", f"http://127.0.0.1:{proxies['client2'].port}")
    browsers.append(other)

    for browser, email in ((client, "client@financialtracker.example"), (expert, "expert@financialtracker.example"), (other, "client2@financialtracker.example")):
        browser.sign_in(email)
    check("Mes dossiers" in client.driver.find_element(By.CSS_SELECTOR, "main h1").text and "Mes missions" in expert.driver.find_element(By.CSS_SELECTOR, "main h1").text,
          "signed in: 'Mes dossiers' for the client, 'Mes missions' for the expert")
    # "Mes dossiers" / "Mes missions" grouped per dossier, from the account API.
    item = f"#dossier-list li[data-dossier='{dossier}']"
    for browser, who in ((client, expert_name), (expert, info["company"])):
        browser.wait(lambda b=browser: b.driver.find_elements(By.CSS_SELECTOR, item), what="dossier listed")
        text = browser.driver.find_element(By.CSS_SELECTOR, item).text
        links = browser.driver.execute_script("return [...document.querySelectorAll(arguments[0] + ' .links a')].map(a => a.getAttribute('href'))", item)
        shown_steps = browser.driver.execute_script("return [...document.querySelectorAll(arguments[0] + ' li[data-step]')].map(li => li.dataset.step)", item)
        check(info["productName"] in text and who in text and f"/app/conversation.html?conversation={conversation}" in links
              and f"/app/documents.html?dossier={dossier}" in links and shown_steps == [str(s["id"]) for s in steps_in_order],
              f"{browser.name}: dossier {dossier} listed with its product, {who!r}, its {len(shown_steps)} steps in order and links {links}")
    check(not client.driver.find_elements(By.ID, f"step-{refused_step}-status") and client.driver.find_elements(By.ID, f"step-{step}-status"),
          "the client may move its own step, and is offered no move on the expert's")
    unread_before = client.unread()
    check(unread_before is not None and unread_before == api(port, "GET", "/api/v1/me/notifications", token=session["token"])["unread"],
          f"the header shows the client's unread notifications: {unread_before}")

    # With the worker in control of the whole site (scope /), public pages work as before.
    client.wait(lambda: client.driver.execute_script("return navigator.serviceWorker.getRegistration('/').then(r => r ? new URL(r.scope).pathname : null)") == "/", what="worker registered for /")
    client.get(f"/experts/{slug}/")
    client.wait(lambda: client.worker_controls(), what="worker controls a public page")
    public_title = client.driver.title
    client.get("/recherche/?q=" + urllib.parse.quote(expert_name.split()[-1]))
    try:
        client.wait(lambda: client.driver.find_elements(By.CSS_SELECTOR, f"#search-results [data-slug='{slug}']"), timeout=8, what="search results")
        searched = True
    except Exception:
        searched = False
    check(expert_name in public_title and searched and client.worker_controls(),
          f"with the worker in control, the expert's public page ({public_title!r}) and the search page work")

    # Installable: Chromium's own verdict on the app's home page (manifest, icons, worker).
    client.get("/app/index.html")
    client.wait(lambda: client.worker_controls(), what="worker controls the app")
    errors = client.driver.execute_cdp_cmd("Page.getInstallabilityErrors", {}).get("installabilityErrors", [])
    manifest = client.driver.execute_cdp_cmd("Page.getAppManifest", {})
    check(not errors and not manifest.get("errors"), f"Chromium finds the app installable (errors: {errors}, manifest errors: {manifest.get('errors')})")

    for browser in (client, expert):
        browser.get(path)
        browser.wait(lambda b=browser: b.worker_controls(), what="service worker in control")
    initial = db.execute("SELECT count(*) FROM message WHERE conversationId = ?", (conversation,)).fetchone()[0]
    for browser in (client, expert):
        browser.wait(lambda b=browser: len(b.messages()) == initial, what=f"{initial} messages")
    check(client.messages() == expert.messages(), f"both browsers show the conversation's {initial} messages")
    # Opening the conversation read its notifications (the seed's, if any): the badge follows the server.
    poll(lambda: conversation_unread(port, session["token"], conversation) == (0, client.unread()))
    unread_before = client.unread()
    check(conversation_unread(port, session["token"], conversation) == (0, unread_before),
          f"the open conversation's notifications are read (server {conversation_unread(port, session['token'], conversation)}, badge {unread_before})")
    other.get("/app/index.html")
    other.wait(lambda: other.driver.find_element(By.ID, "home").is_displayed(), what="client2 home")

    # The client goes offline: page and service worker.
    client.set_offline(True)
    settle_offline(client)
    proxies["client"].set_offline(True)
    cut_connections, cut_bytes = proxies["client"].counters()
    cut_at = time.time()
    client.driver.refresh()
    client.wait(lambda: len(client.messages()) == initial, what="conversation shown offline")
    check(client.driver.execute_script("return navigator.onLine") is False and client.driver.find_element(By.ID, "connection").get_attribute("data-state") == "offline",
          "offline: the reloaded conversation page comes from the service worker and says it is offline")
    participants = client.driver.find_element(By.ID, "participants").text
    check(expert_name in participants and client.driver.find_element(By.ID, "rating").is_displayed() and client.unread() == unread_before,
          f"offline, from IndexedDB: the participants ({participants!r}), the rating form (no key in the link) and the unread count ({client.unread()})")
    client.get(f"/experts/{slug}/")
    cached_title = client.driver.title
    client.get(f"/experts/{other_slug}/")
    unvisited = client.driver.find_element(By.TAG_NAME, "h1").text
    check(expert_name in cached_title and "indisponible hors ligne" in unvisited,
          f"offline: a visited public page comes from the cache ({cached_title!r}), an unvisited one is the offline page ({unvisited!r})")
    client.get(path)
    client.wait(lambda: len(client.messages()) == initial, what="conversation shown offline again")
    client_texts = [f"Hors ligne {n} — client" for n in (1, 2, 3)]
    for text in client_texts:
        client.send_message(text)
    client.driver.find_element(By.CSS_SELECTOR, "#rating-form input[name=score][value='4']").click()
    comment = "Très bon accompagnement, noté hors ligne"
    client.driver.find_element(By.ID, "rating-comment").send_keys(comment)
    client.driver.find_element(By.CSS_SELECTOR, "#rating-form button[type=submit]").click()
    client.get("/app/index.html")
    client.wait(lambda: client.driver.find_elements(By.CSS_SELECTOR, f"#dossier-list li[data-step='{step}']"), what="steps offline")
    client.move_step(step, "in_progress")
    client.wait(lambda: client.step_status(step) == "in_progress",
                what="step shown in progress at once")
    pending = client.driver.find_element(By.ID, "pending")
    outbox = client.idb("outbox")
    kinds = sorted(f"{o['collection']}.{o['action']}" for o in outbox)
    check(pending.is_displayed() and "modifications en attente de synchronisation" in pending.text and int(pending.get_attribute("data-count")) == len(outbox) >= 5,
          f"pending shown: {pending.text!r}; outbox {kinds}")

    # Meanwhile the expert, online, writes 2 messages.
    expert_texts = [f"En ligne {n} — expert" for n in (1, 2)]
    for text in expert_texts:
        expert.send_message(text)
    # The expert then leaves the conversation: the client's messages will be counted as unread.
    expert_session = api(port, "POST", "/api/v1/session", body={"email": "expert@financialtracker.example", "password": PASSWORD})
    expert.get("/app/index.html")
    expert.wait(lambda: expert.unread() is not None and expert.unread() == conversation_unread(port, expert_session["token"], conversation)[1], what="expert's unread count")
    expert_unread_before = expert.unread()
    time.sleep(0.5)
    connections, sent = proxies["client"].counters()
    blocked = list(proxies["client"].blocked)
    # Chromium's own service worker update check (sw.js and the modules it imports, fetched by the
    # browser on navigation) is not cut by DevTools' network emulation; the proxy refuses it like a
    # dead network. Anything else here would be the page or its worker getting past the cut.
    worker_update = lambda line: line.startswith("GET /app/sw.js ") or line.startswith("GET /app/sync/")
    check((connections, sent) == (cut_connections, cut_bytes) and all(worker_update(line) for line in blocked),
          f"nothing from the client browser reached the server while offline ({time.time() - cut_at:.1f} s); "
          f"the page and its worker tried nothing; the browser's worker update check tried {len(blocked)} requests, refused")
    if not all(worker_update(line) for line in blocked):
        print("   tried while offline (s after the cut):", [(round(at - cut_at, 1), line) for at, line in zip(proxies["client"].blocked_at, blocked)])
    in_db = db.execute("SELECT count(*) FROM message WHERE conversationId = ? AND body LIKE 'Hors ligne %'", (conversation,)).fetchone()[0]
    check(in_db == 0, "the server has none of the client's offline messages yet")

    # Back online: both converge within a few seconds.
    # The client comes back on its home page (on the conversation, its notifications would be read at once).
    proxies["client"].set_offline(False)
    client.set_offline(False)
    client.get("/app/index.html")
    client.wait(lambda: int(client.driver.find_element(By.ID, "pending").get_attribute("data-count")) == 0, timeout=10, what="outbox empty")
    check(client.idb("outbox") == [], "the client's outbox is empty")

    # Notifications: the client's 3 messages reach the expert's open home page live (no reload), one
    # notification per push and conversation ("3 nouveaux messages de …" when the outbox sent them
    # together); the client's counts the expert's 2; "mark all read" reaches the server.
    def messages_notified():
        answer = api(port, "GET", "/api/v1/me/notifications", token=expert_session["token"])
        new = answer["notifications"][:answer["unread"] - expert_unread_before]
        counts = [int(m.group(1)) if (m := re.match(r"(\d+) nouveaux messages de ", e["title"])) else 1 for e in new if e["kind"] == "message"]
        return answer["unread"] - expert_unread_before, sum(counts)
    notified = poll(lambda: messages_notified()[1] == 3 and messages_notified(), timeout=8) or messages_notified()
    try:
        expert.wait(lambda: expert.unread() == expert_unread_before + notified[0], timeout=8, what="expert's unread")
    except Exception:
        pass
    check(notified[1] == 3 and 1 <= notified[0] <= 3 and expert.unread() == expert_unread_before + notified[0],
          f"the expert's unread count went {expert_unread_before} → {expert.unread()} live, without a reload: "
          f"{notified[0]} notification(s) for {notified[1]} of the client's 3 messages")
    try:
        client.wait(lambda: client.unread() == unread_before + 2, timeout=8, what="client's unread +2")
    except Exception:
        pass
    client.driver.find_element(By.ID, "notifications-toggle").click()
    kinds = client.driver.execute_script("return [...document.querySelectorAll('#notification-list li[data-notification]')].map(li => [li.dataset.kind, li.dataset.read, li.querySelector('a')?.getAttribute('href')])")
    unread_links = [href for kind, read, href in kinds if kind == "message" and read == "false"]
    check(client.unread() == unread_before + 2 and len(unread_links) == 2 and all(href == path for href in unread_links),
          f"the client's notification centre: {client.unread()} unread, the expert's 2 messages linking to the conversation")
    client.driver.find_element(By.ID, "notifications-read-all").click()
    client.wait(lambda: client.unread() == 0, what="all read")
    poll(lambda: api(port, "GET", "/api/v1/me/notifications", token=session["token"])["unread"] == 0)
    server_unread = api(port, "GET", "/api/v1/me/notifications", token=session["token"])["unread"]
    check(server_unread == 0, f"'tout marquer comme lu': 0 unread shown, {server_unread} on the server")

    # The expert opens the conversation: its notifications are read, on the server and the badge.
    # (The step the client moved offline told the expert too: that notice is not the conversation's.)
    step_notices = db.execute("""SELECT count(*) FROM notification n JOIN user u ON u.id = n.userId
        WHERE u.email = 'expert@financialtracker.example' AND n.kind = 'step_changed' AND n.readAt IS NULL""").fetchone()[0]
    expected_after = expert_unread_before + step_notices
    expert.get(path)
    try:
        expert.wait(lambda: expert.unread() == expected_after, timeout=8, what="expert's conversation read")
        poll(lambda: conversation_unread(port, expert_session["token"], conversation) == (0, expected_after))
    except Exception:
        pass
    server_side = conversation_unread(port, expert_session["token"], conversation)
    check(expert.unread() == expected_after and server_side == (0, expected_after),
          f"opening the conversation reads its notifications: badge {expected_after + notified[0]} → {expert.unread()}, server (conversation, all) {server_side}; {step_notices} step notice(s) stay")

    # Both browsers on the conversation show the same 5 new messages in the same order.
    client.get(path)
    expected = initial + 5
    try:
        for browser in (client, expert):
            browser.wait(lambda b=browser: len(b.messages()) == expected, timeout=10, what=f"{expected} messages")
        ok = client.messages() == expert.messages()
    except Exception:
        ok = False
    new = [body for _, body in client.messages()][initial:]
    check(ok and sorted(new) == sorted(client_texts + expert_texts), f"both browsers show the same {expected} messages in the same order: {new}")
    status = db.execute("SELECT status FROM dossierStep WHERE id = ?", (int(step),)).fetchone()[0]
    expert.get("/app/index.html")
    expert.wait(lambda: expert.driver.find_elements(By.CSS_SELECTOR, f"#dossier-list li[data-step='{step}']"), what="expert steps")
    expert_status = expert.step_status(step)
    check(status == "in_progress" and expert_status == "in_progress", f"step {step}: server {status}, expert's browser {expert_status}")
    rating = db.execute("SELECT score, comment FROM rating WHERE clientId = ? AND expertId = ?", (client_id, expert_id)).fetchone()
    check(rating == (4, comment), f"rating stored: {rating}")

    # A forced retry of the whole outbox (as after a lost answer): acknowledged, never applied twice.
    client.put_outbox(outbox)
    client.driver.refresh()
    client.wait(lambda: client.idb("outbox") == [], timeout=10, what="resent outbox emptied")
    count = db.execute("SELECT count(*) FROM message WHERE conversationId = ?", (conversation,)).fetchone()[0]
    expert.get(path)
    for browser in (client, expert):
        browser.wait(lambda b=browser: len(b.messages()) == expected, what="messages after the retry")
    check(count == expected and len(client.messages()) == expected and len(expert.messages()) == expected,
          f"after resending {len(outbox)} operations: {count} messages on the server, {len(client.messages())} shown")

    # Live, both online: typing shows on the other side; an edit and a deletion reach the client.
    client.get(path)
    client.wait(lambda: len(client.messages()) == expected, what="client conversation")
    expert.driver.find_element(By.ID, "body").send_keys("Je rédige")
    try:
        client.wait(lambda: client.driver.find_element(By.ID, "typing").text != "", timeout=5, what="typing indicator")
        typing = client.driver.find_element(By.ID, "typing").text
    except Exception:
        typing = ""
    check("écrit" in typing, f"typing indicator on the client's page: {typing!r}")
    expert.driver.find_element(By.ID, "body").clear()
    expert.act_on_message(expert_texts[0], "Modifier")
    area = expert.wait(lambda: expert.driver.find_element(By.CSS_SELECTOR, "#messages li.own form textarea"), what="edit form")
    area.clear()
    area.send_keys(expert_texts[0] + " (corrigé)")
    expert.driver.find_element(By.CSS_SELECTOR, "#messages li.own form button[type=submit]").click()
    expert.wait(lambda: (expert_texts[0] + " (corrigé)") in [b for _, b in expert.messages()], what="edit shown")
    expert.act_on_message(expert_texts[1], "Supprimer")
    expert.wait(lambda: expert.driver.switch_to.alert, what="confirmation").accept()
    try:
        client.wait(lambda: (expert_texts[0] + " (corrigé)") in [b for _, b in client.messages()] and
                    client.driver.execute_script("return document.querySelectorAll('#messages li[data-deleted=true]').length") == 1, timeout=8, what="edit and delete")
        live_ok = len(client.messages()) == expected
    except Exception:
        live_ok = False
    check(live_ok, "the expert's edit and deletion show on the client's page (the deleted message stays as 'Message supprimé')")
    receipt = client.driver.execute_script("return [...document.querySelectorAll('#messages li.own .receipt')].map(e => e.textContent)")
    check(any("Lu" in r for r in receipt), f"read receipts on the client's messages: {receipt}")

    # A change the server refuses (the page offers no move on the expert's step, so it is put in
    # the outbox as a stale tab or another device would leave it): sent on start, undone and said.
    client.get("/app/index.html")
    client.wait(lambda: client.driver.find_elements(By.CSS_SELECTOR, f"#dossier-list li[data-step='{refused_step}']"), what="steps")
    before_status = client.step_status(refused_step)
    client.put_outbox([{"id": f"refused-{int(time.time() * 1000)}", "collection": "step", "action": "update", "record": refused_step,
                        "fields": {"status": "in_progress"}, "hlc": f"{int(time.time() * 1000):016d}-00000-testrefusal1",
                        "actor": {"user": client_user, "role": "client"}}])
    client.driver.refresh()
    try:
        client.wait(lambda: client.driver.find_element(By.ID, "notices").is_displayed(), timeout=8, what="refusal notice")
        notice = client.driver.find_element(By.ID, "notice-list").text
    except Exception:
        notice = ""
    after_status = client.step_status(refused_step)
    check("refusé" in notice and after_status == before_status and client.idb("outbox") == [],
          f"refused step change undone ({before_status} → {after_status}) and shown: {notice!r}")

    # A document uploaded with progress, then listed with its version.
    upload_path = os.path.join(os.path.dirname(data), "releve-offline.txt")
    with open(upload_path, "w") as f:
        f.write("Relevé de test pour le dossier\n" * 2000)
    client.get(f"/app/documents.html?dossier={dossier}")
    client.wait(lambda: client.driver.find_element(By.ID, "documents").is_displayed(), what="documents page")
    client.driver.find_element(By.ID, "upload-title").send_keys("Relevé envoyé par le test")
    client.driver.find_element(By.ID, "upload-file").send_keys(upload_path)
    client.driver.find_element(By.CSS_SELECTOR, "#upload button[type=submit]").click()
    try:
        client.wait(lambda: "releve-offline.txt" in client.driver.find_element(By.ID, "document-list").text, timeout=10, what="uploaded version listed")
        state = client.driver.find_element(By.ID, "upload-state").text
    except Exception:
        state = client.driver.find_element(By.ID, "upload-state").text + " (not listed)"
    stored = db.execute("SELECT count(*) FROM documentVersion WHERE fileName = 'releve-offline.txt'").fetchone()[0]
    check(stored == 1 and "envoyé" in state, f"upload: {state!r}, {stored} version stored")

    # Attachments in the conversation, one picked and one dropped: each becomes a document of the
    # dossier (uploaded with progress) and a message linking to the dossier's documents.
    client.get(path)
    client.wait(lambda: len(client.messages()) == expected, what="conversation for attachments")
    picked = os.path.join(os.path.dirname(data), "piece-choisie.txt")
    with open(picked, "w") as f:
        f.write("Pièce jointe choisie\n" * 20000)
    client.driver.execute_script("""
        window.progressSeen = [];
        new MutationObserver(() => window.progressSeen.push(document.getElementById('attach-progress').value))
          .observe(document.getElementById('attach-progress'), {attributes: true});""")
    client.driver.find_element(By.ID, "attach-file").send_keys(picked)
    has = lambda b, name: any(name in (body or "") for _, body in b.messages())
    client.wait(lambda: has(client, "piece-choisie.txt"), timeout=10, what="picked attachment's message")
    client.driver.execute_script("""
        const transfer = new DataTransfer();
        transfer.items.add(new File(["Pièce déposée par glisser-déposer\\n".repeat(100)], "piece-deposee.txt", {type: "text/plain"}));
        const area = document.getElementById('conversation');
        area.dispatchEvent(new DragEvent('dragover', {dataTransfer: transfer, bubbles: true, cancelable: true}));
        area.dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));""")
    client.wait(lambda: has(client, "piece-deposee.txt"), timeout=10, what="dropped attachment's message")
    expected += 2
    links = client.driver.execute_script("return [...document.querySelectorAll('#messages li .body a')].map(a => a.getAttribute('href'))")
    versions = db.execute("SELECT count(*) FROM documentVersion WHERE fileName IN ('piece-choisie.txt', 'piece-deposee.txt')").fetchone()[0]
    state = client.driver.find_element(By.ID, "attach-state").text
    check(versions == 2 and links.count(f"/app/documents.html?dossier={dossier}") == 2 and "envoyé" in state,
          f"attachments: {versions} versions stored, messages link to the dossier's documents, {state!r}; progress seen {client.driver.execute_script('return window.progressSeen')[:6]}")
    try:
        expert.wait(lambda: has(expert, "piece-choisie.txt") and has(expert, "piece-deposee.txt"), timeout=8, what="attachments at the expert's")
        expert_sees = True
    except Exception:
        expert_sees = False
    client.get(f"/app/documents.html?dossier={dossier}")
    client.wait(lambda: "piece-deposee.txt" in client.driver.find_element(By.ID, "document-list").text, what="attachments among the documents")
    check(expert_sees, "the expert's open conversation shows both attachment messages live; both files are among the dossier's documents")

    # Searching the conversation: accents and case ignored, offline too (over IndexedDB).
    client.get(path)
    client.wait(lambda: len(client.messages()) == expected, what="conversation for search")
    search = lambda text: client.driver.execute_script(
        "const input = document.getElementById('message-search'); input.value = arguments[0]; input.dispatchEvent(new Event('input'));", text)
    bodies = lambda: [body for _, body in client.messages()]
    search("HORS ligne 2")
    first_search = poll(lambda: bodies() == [client_texts[1]] and bodies())
    search("corrige")
    second_search = poll(lambda: bodies() == [expert_texts[0] + " (corrigé)"] and bodies())
    search("")
    cleared = poll(lambda: len(client.messages()) == expected)
    check(first_search and second_search and cleared, f"search: 'HORS ligne 2' → {bodies() if not first_search else first_search}, 'corrige' → {second_search}, cleared → all {expected}")

    # The other client never received any of it.
    records = other.idb("records")
    texts = client_texts + expert_texts + [comment]
    leaked = [r for r in records if any(t in json.dumps(r, ensure_ascii=False) for t in texts)
              or (r["collection"] == "step" and r["record"] == step)
              or (r["collection"] == "message" and r["state"].get("content") and r["state"]["content"]["value"]["conversation"] == conversation)
              or (r["collection"] == "rating" and r["record"] == f"{client_id}:{expert_id}")]
    check(records is not None and len(records) > 0 and not leaked, f"client2's IndexedDB ({len(records or [])} records) holds nothing of the dossier")

    # A tab closed with a pending change sends it the next time the app opens.
    client.driver.find_element(By.CSS_SELECTOR, "#notice-list button").click()
    client.get(path)
    client.wait(lambda: len(client.messages()) == expected, what="conversation before closing")
    client.set_offline(True)
    settle_offline(client)
    proxies["client"].set_offline(True)
    closing = "Écrit avant de fermer l'onglet"
    client.send_message(closing)
    check(any(o["fields"].get("body") == closing for o in client.idb("outbox")), "the closed tab's message waits in IndexedDB")
    # An attachment chosen offline: the file waits in IndexedDB as a Blob.
    offline_file = os.path.join(os.path.dirname(data), "piece-hors-ligne.txt")
    with open(offline_file, "w") as f:
        f.write("Pièce jointe choisie hors ligne\n" * 3000)
    client.driver.find_element(By.ID, "attach-file").send_keys(offline_file)
    client.wait(lambda: "piece-hors-ligne.txt" in client.driver.find_element(By.ID, "attach-state").text, what="attachment queued")
    queued = lambda: client.driver.execute_async_script("""
        const done = arguments[0];
        const open = indexedDB.open("financialtracker");
        open.onsuccess = () => {
          const request = open.result.transaction("meta").objectStore("meta").getAll(IDBKeyRange.bound("upload:", "upload:\\uffff"));
          request.onsuccess = () => { done(request.result.map(u => [u.name, u.blob instanceof Blob, u.blob.size])); open.result.close(); };
        };""")
    waiting_upload = queued()
    check(waiting_upload == [["piece-hors-ligne.txt", True, os.path.getsize(offline_file)]] and client.driver.find_element(By.ID, "uploads-pending").is_displayed(),
          f"offline, the attachment waits in IndexedDB as a Blob: {waiting_upload}; shown: {client.driver.find_element(By.ID, 'uploads-pending').text!r}")
    first = client.driver.current_window_handle
    client.driver.switch_to.new_window("tab")
    client.driver.switch_to.window(first)
    client.driver.close()
    client.driver.switch_to.window(client.driver.window_handles[0])
    time.sleep(1)
    before = db.execute("SELECT count(*) FROM message WHERE body = ?", (closing,)).fetchone()[0]
    proxies["client"].set_offline(False)
    client.get("/app/index.html")  # the new tab is online; the worker is still cut off, so only the page can send it
    # Only the closed tab's message: the attachment's message joins the outbox once its upload is
    # done, which may happen in between (it is checked below).
    closing_left = lambda: [o for o in (client.idb("outbox") or []) if o["fields"].get("body") == closing]
    try:
        # Stored on the server, then (once the answer is back in the page) gone from the outbox:
        # the commit shows in the database before the browser has read the answer.
        client.wait(lambda: db.execute("SELECT count(*) FROM message WHERE body = ?", (closing,)).fetchone()[0] == 1 and closing_left() == [],
                    timeout=10, what="closed tab's message sent")
        sent_after = True
    except Exception:
        sent_after = False
        print("   outbox:", client.idb("outbox"), "onLine:", client.driver.execute_script("return navigator.onLine"),
              "status:", client.driver.find_element(By.ID, "connection").text, "tried:", proxies["client"].blocked[-5:])
    left = closing_left()
    check(before == 0 and sent_after and left == [], "a closed tab's pending message is sent when the app opens again"
          + ("" if before == 0 and sent_after and left == [] else f" (on the server before: {before}, sent: {sent_after}, outbox: {left})"))
    attachment_sql = "SELECT (SELECT count(*) FROM documentVersion WHERE fileName = 'piece-hors-ligne.txt'), (SELECT count(*) FROM message WHERE conversationId = ? AND body LIKE 'Pièce jointe : piece-hors-ligne.txt%')"
    try:
        client.wait(lambda: db.execute(attachment_sql, (conversation,)).fetchone() == (1, 1) and queued() == [] and client.idb("outbox") == [],
                    timeout=15, what="queued attachment sent")
    except Exception:
        pass
    outbox = client.idb("outbox")
    check(db.execute(attachment_sql, (conversation,)).fetchone() == (1, 1) and queued() == [] and outbox == [] and not client.driver.find_element(By.ID, "uploads-pending").is_displayed(),
          f"back online, the attachment chosen offline is uploaded, then its message sent (versions, messages: {db.execute(attachment_sql, (conversation,)).fetchone()}), the queue and the outbox are empty (outbox: {outbox})")
    client.set_offline(False)

    # Phone-sized screens: every app page fits 375 px, its tap targets are at least 40 px high.
    shown = lambda element: lambda b: b.driver.find_element(By.ID, element).is_displayed()
    def with_centre(b):
        if not b.driver.find_element(By.ID, "home").is_displayed() or not b.driver.find_elements(By.CSS_SELECTOR, f"#dossier-list li[data-step='{step}']"):
            return False
        if b.driver.find_element(By.ID, "notification-centre").is_displayed():
            return True
        b.driver.find_element(By.ID, "notifications-toggle").click()
        return False
    failures = phone_layout(client, [
        ("/app/index.html", with_centre),
        (path, lambda b: len(b.messages()) == expected + 2 and b.driver.find_element(By.ID, "rating").is_displayed()),
        (f"/app/documents.html?dossier={dossier}", lambda b: "piece-deposee.txt" in b.driver.find_element(By.ID, "document-list").text),
        ("/app/offline.html", lambda b: b.driver.find_elements(By.TAG_NAME, "h1")),
    ])
    check(not failures, f"on a 375×740 screen the 4 app pages fit the width and their tap targets are ≥ 40 px{'' if not failures else ': ' + json.dumps(failures, ensure_ascii=False)}")

    # The rating on the expert's public page after regeneration.
    subprocess.run(generate, check=True, stdout=subprocess.DEVNULL)
    with urllib.request.urlopen(f"{base}/experts/{slug}/") as answer:
        page = answer.read().decode()
    check(comment in page, f"the rating's comment is on /experts/{slug}/ after ft generate")


if __name__ == "__main__":
    sys.exit(main())
