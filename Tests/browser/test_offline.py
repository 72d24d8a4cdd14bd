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
public page after `ft generate`. Exits non-zero on any failure; prints 'N passed, N failed'.

    FT=/path/to/ft /work/main/.venv/bin/python Tests/browser/test_offline.py
"""
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request

import websocket
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.support.ui import WebDriverWait

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


def chromium():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--remote-allow-origins=*", "--window-size=420,900"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


class Browser:
    """One Chromium, its origin (a proxy) and a DevTools connection to the browser itself."""

    def __init__(self, name, origin):
        self.name = name
        self.origin = origin
        self.driver = chromium()
        address = self.driver.capabilities["goog:chromeOptions"]["debuggerAddress"]
        with urllib.request.urlopen(f"http://{address}/json/version") as answer:
            url = json.load(answer)["webSocketDebuggerUrl"]
        self.cdp = websocket.create_connection(url, suppress_origin=True, timeout=10)
        self.next_id = 0
        self.worker_sessions = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.cdp.send(json.dumps(message))
        while True:
            answer = json.loads(self.cdp.recv())
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})

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
                self.worker_sessions.append(session)
        else:
            for session in self.worker_sessions:
                self.send("Network.emulateNetworkConditions", conditions, session)
            self.worker_sessions = []

    def get(self, path):
        self.driver.get(self.origin + path)

    def wait(self, condition, timeout=15, what="condition"):
        # Pages re-render live: an element may be replaced between finding and reading it.
        return WebDriverWait(self.driver, timeout, poll_frequency=0.2, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)).until(
            lambda d: condition(), message=f"{self.name}: {what}")

    def step_status(self, step):
        return self.driver.execute_script("return document.querySelector(`#step-list li[data-step='${arguments[0]}']`)?.dataset.status ?? null", step)

    def sign_in(self, email):
        self.get("/app/index.html")
        self.wait(lambda: self.driver.find_element(By.ID, "sign-in").is_displayed(), what="sign-in form")
        self.driver.find_element(By.ID, "email").send_keys(email)
        self.driver.find_element(By.ID, "password").send_keys(PASSWORD)
        self.driver.find_element(By.CSS_SELECTOR, "#sign-in button[type=submit]").click()
        self.wait(lambda: self.driver.find_element(By.ID, "home").is_displayed(), what="home after sign-in")

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
            self.cdp.close()
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



def settle_offline(browser):
    """Once the page knows it is offline, a live-channel reconnection it had already scheduled
    (the backoff starts at 250-500 ms) has had time to run; only then is the proxy cut, so that
    what the proxy sees afterwards is what the offline app tried, not a race with the emulation."""
    browser.wait(lambda: browser.driver.execute_script("return navigator.onLine") is False, what="navigator.onLine false")
    time.sleep(1.5)

def main():
    started = time.time()
    workdir = tempfile.mkdtemp(prefix="ft-offline-")
    data, site = os.path.join(workdir, "data"), os.path.join(workdir, "site")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL}
    subprocess.run([FT, "seed", "--data-dir", data, "--experts", "20", "--clients", "40", "--today", "2026-11-20"], check=True, **quiet)
    subprocess.run([FT, "keygen", "--data-dir", data], check=True, **quiet)
    generate = [FT, "generate", "--data-dir", data, "--templates", os.path.join(ROOT, "site-templates"), "--out", site, "--base-url", base]
    subprocess.run(generate, check=True, **quiet)
    log_path = os.path.join(workdir, "serve.log")
    log = open(log_path, "w")
    server = subprocess.Popen([FT, "serve", "--data-dir", data, "--public", site, "--port", str(port), "--no-rebuild", "--log-level", "info"],
                              stdout=log, stderr=subprocess.STDOUT)
    browsers = []
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz").read()
                break
            except OSError:
                time.sleep(0.1)
        run(port, base, data, site, generate, browsers)
    except Exception as error:  # a step that could not even run counts as a failure
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


def run(port, base, data, site, generate, browsers):
    db = sqlite3.connect(os.path.join(data, "financialtracker.sqlite"))
    # The dossier: the conversation and steps both the client and the expert see through the API.
    client_user, client_conversations, client_steps = visible_to(port, "client@financialtracker.example")
    expert_user, expert_conversations, expert_steps = visible_to(port, "expert@financialtracker.example")
    _, other_conversations, other_steps = visible_to(port, "client2@financialtracker.example")
    shared = sorted(client_conversations & expert_conversations)
    assert shared, "the client and the expert share no conversation"
    conversation = shared[0]
    # What the sync API does not carry (see sync/README.md), from the database: the dossier of the
    # conversation, the step the client may move, and the rating key <client>:<expert>.
    dossier = db.execute("SELECT dossierId FROM conversation WHERE id = ?", (conversation,)).fetchone()[0]
    step = str(db.execute("SELECT id FROM dossierStep WHERE dossierId = ? AND assigneeRole = 'client' AND status IN ('pending', 'overdue') ORDER BY position LIMIT 1",
                          (dossier,)).fetchone()[0])
    assert step in client_steps and step in expert_steps
    client_id = db.execute("SELECT id FROM client WHERE userId = ?", (client_user,)).fetchone()[0]
    expert_id, slug = db.execute("SELECT id, slug FROM expert WHERE userId = ?", (expert_user,)).fetchone()
    check(conversation not in other_conversations and step not in other_steps, f"client2 sees neither conversation {conversation} nor step {step} through the API")
    path = f"/app/conversation.html?conversation={conversation}&dossier={dossier}&note={client_id}:{expert_id}"

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
    for browser in (client, expert):
        browser.get(path)
        browser.wait(lambda b=browser: b.worker_controls(), what="service worker in control")
    initial = db.execute("SELECT count(*) FROM message WHERE conversationId = ?", (conversation,)).fetchone()[0]
    for browser in (client, expert):
        browser.wait(lambda b=browser: len(b.messages()) == initial, what=f"{initial} messages")
    check(client.messages() == expert.messages(), f"both browsers show the conversation's {initial} messages")
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
    client_texts = [f"Hors ligne {n} — client" for n in (1, 2, 3)]
    for text in client_texts:
        client.send_message(text)
    client.driver.find_element(By.CSS_SELECTOR, "#rating-form input[name=score][value='4']").click()
    comment = "Très bon accompagnement, noté hors ligne"
    client.driver.find_element(By.ID, "rating-comment").send_keys(comment)
    client.driver.find_element(By.CSS_SELECTOR, "#rating-form button[type=submit]").click()
    client.get("/app/index.html")
    client.wait(lambda: client.driver.find_elements(By.CSS_SELECTOR, f"#step-list li[data-step='{step}']"), what="steps offline")
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
    time.sleep(1)
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
        print("   tried while offline:", blocked)
    in_db = db.execute("SELECT count(*) FROM message WHERE conversationId = ? AND body LIKE 'Hors ligne %'", (conversation,)).fetchone()[0]
    check(in_db == 0, "the server has none of the client's offline messages yet")

    # Back online: both converge within a few seconds.
    proxies["client"].set_offline(False)
    client.set_offline(False)
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
    client.wait(lambda: int(client.driver.find_element(By.ID, "pending").get_attribute("data-count")) == 0, timeout=10, what="outbox empty")
    check(client.idb("outbox") == [], "the client's outbox is empty")
    status = db.execute("SELECT status FROM dossierStep WHERE id = ?", (int(step),)).fetchone()[0]
    expert.get("/app/index.html")
    expert.wait(lambda: expert.driver.find_elements(By.CSS_SELECTOR, f"#step-list li[data-step='{step}']"), what="expert steps")
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

    # A change the server refuses: the client moves the expert's step; it is undone and said.
    refused_step = str(db.execute("SELECT id FROM dossierStep WHERE dossierId = ? AND assigneeRole <> 'client' AND status <> 'in_progress' ORDER BY position LIMIT 1", (dossier,)).fetchone()[0])
    client.get("/app/index.html")
    client.wait(lambda: client.driver.find_elements(By.CSS_SELECTOR, f"#step-list li[data-step='{refused_step}']"), what="steps")
    before_status = client.step_status(refused_step)
    client.move_step(refused_step, "in_progress")
    try:
        client.wait(lambda: client.driver.find_element(By.ID, "notices").is_displayed(), timeout=8, what="refusal notice")
        notice = client.driver.find_element(By.ID, "notice-list").text
    except Exception:
        notice = ""
    after_status = client.step_status(refused_step)
    check("refusé" in notice and after_status == before_status, f"refused step change undone ({before_status} → {after_status}) and shown: {notice!r}")

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
    first = client.driver.current_window_handle
    client.driver.switch_to.new_window("tab")
    client.driver.switch_to.window(first)
    client.driver.close()
    client.driver.switch_to.window(client.driver.window_handles[0])
    time.sleep(1)
    before = db.execute("SELECT count(*) FROM message WHERE body = ?", (closing,)).fetchone()[0]
    proxies["client"].set_offline(False)
    client.get("/app/index.html")  # the new tab is online; the worker is still cut off, so only the page can send it
    try:
        client.wait(lambda: db.execute("SELECT count(*) FROM message WHERE body = ?", (closing,)).fetchone()[0] == 1, timeout=10, what="closed tab's message sent")
        sent_after = True
    except Exception:
        sent_after = False
        print("   outbox:", client.idb("outbox"), "onLine:", client.driver.execute_script("return navigator.onLine"),
              "status:", client.driver.find_element(By.ID, "connection").text, "tried:", proxies["client"].blocked[-5:])
    check(before == 0 and sent_after and client.idb("outbox") == [], "a closed tab's pending message is sent when the app opens again")
    client.set_offline(False)

    # The rating on the expert's public page after regeneration.
    subprocess.run(generate, check=True, stdout=subprocess.DEVNULL)
    with urllib.request.urlopen(f"{base}/experts/{slug}/") as answer:
        page = answer.read().decode()
    check(comment in page, f"the rating's comment is on /experts/{slug}/ after ft generate")


if __name__ == "__main__":
    sys.exit(main())
