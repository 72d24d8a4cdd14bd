"""Web Push end to end: the real `ft serve` (SQLite file, HTTP server), a push service on loopback
(this file's HTTP server) and headless Chromium running the app and its service worker.

- In the app's preferences page a person turns notifications on with the button; the server
  records the browser's subscription. Chromium's own push service (Google's) cannot be reached
  from here, so `PushManager.subscribe` is the one part replaced: it returns a subscription whose
  endpoint is the local push service and whose keys this test holds. Everything else is real.
- A client's message makes the server POST to that endpoint: the VAPID token is checked with
  `py-vapid` against the key the server publishes, the body decrypted with `http-ece` and the
  browser's private key, and the payload is exactly the notification the server stored.
- That payload, delivered to the real service worker through DevTools
  (`ServiceWorker.deliverPushMessage`), shows a French notification (`getNotifications()`).
- A push service answering 410 makes the server drop the subscription; "Désactiver" removes it.
- Endpoints that reach inside are refused with a 400 naming `endpoint`: a private address even
  with the test switch, loopback without it.

Usage: python Tests/notifications/test_push.py path/to/ft   (exits 1 on any failure)
"""
import base64
import http.server
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import http_ece
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from py_vapid import Vapid02
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from support import check, demo, failures, free_port, wait_for

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "browser"))
from harness import DevTools, chromium  # noqa: E402

FT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("FT", ".build/debug/ft"))
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
TEMPLATES = os.path.join(ROOT, "site-templates")
CLIENT = "client@financialtracker.example"
EXPERT = "expert@financialtracker.example"
PASSWORD = "demo-financialtracker"
SHOTS = os.environ.get("FT_SCREENSHOTS")



def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PushService:
    """A push service (RFC 8030) on loopback: keeps each POST, answers 201 or what it is told."""

    def __init__(self):
        self.received = []
        self.answers = {}
        self.lock = threading.Lock()
        service = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with service.lock:
                    service.received.append((self.path, dict(self.headers), body))
                    status = service.answers.get(self.path, 201)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def posts(self, path):
        with self.lock:
            return [entry for entry in self.received if entry[0] == path]



def call(port, method, path, body=None, token=None):
    headers = {"FT-Protocol": "1", "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = response.read()
            return response.status, json.loads(payload or b"null")
    except urllib.error.HTTPError as error:
        text = error.read()
        return error.code, (json.loads(text) if text.startswith(b"{") else text)



def start_server(data, port, log, environment, *extra):
    process = subprocess.Popen([
        FT, "serve", "--data-dir", data, "--port", str(port), "--public", os.path.join(data, "public"), "--templates", TEMPLATES,
        "--no-rebuild", "--compact-days", "0", "--archive-every", "0", "--no-mail", "--quiet-hours", "none", "--push-interval", "1", *extra,
    ], env=environment, stdout=subprocess.DEVNULL, stderr=open(log, "ab"))

    def answers():
        try:
            return process.poll() is None and call(port, "GET", "/healthz")[0] == 200
        except OSError:
            return False
    if not wait_for(answers, 30):
        raise SystemExit("ft serve did not start:\n" + open(log).read()[-2000:])
    return process


def fake_push_manager(endpoint, keys):
    """The page's PushManager, answering with the local push service and this test's keys."""
    return """
    (() => {
      const endpoint = %s, keys = %s;
      let current = null;
      const make = () => ({ endpoint, expirationTime: null, options: {}, getKey: () => null,
        toJSON: () => ({ endpoint, expirationTime: null, keys }),
        unsubscribe: async () => { current = null; localStorage.removeItem("fake-push"); return true; } });
      if (localStorage.getItem("fake-push")) current = make();
      PushManager.prototype.subscribe = async function (options) {
        if (!options || options.userVisibleOnly !== true || !(options.applicationServerKey instanceof Uint8Array) || options.applicationServerKey.length !== 65) {
          throw new DOMException("bad subscribe options", "InvalidAccessError");
        }
        localStorage.setItem("fake-push", "1");
        return (current = make());
      };
      PushManager.prototype.getSubscription = async function () { return current; };
    })();
    """ % (json.dumps(endpoint), json.dumps(keys))


def main():
    root, data, environment, database = demo(FT, TEMPLATES, "ft-push-", 6, 12)
    log = os.path.join(root, "serve.log")
    service = PushService()
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    server = start_server(data, port, log, environment, "--unsafe-push-endpoints")
    driver = None
    try:
        # The browser's keys (RFC 8291): this test decrypts with the private one.
        browser_key = ec.generate_private_key(ec.SECP256R1())
        auth = os.urandom(16)
        keys = {"p256dh": b64url(browser_key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)), "auth": b64url(auth)}
        endpoint = f"http://127.0.0.1:{service.port}/push/chromium"

        driver = chromium("420,900")
        tools = DevTools(driver)
        tools.send("Browser.grantPermissions", {"permissions": ["notifications"], "origin": origin})
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": fake_push_manager(endpoint, keys)})
        wait = WebDriverWait(driver, 20, poll_frequency=0.2, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException))

        # Sign in as the expert, then the preferences page from the header.
        driver.get(origin + "/app/index.html")
        wait.until(lambda d: d.find_element(By.ID, "sign-in").is_displayed())
        driver.find_element(By.ID, "email").send_keys(EXPERT)
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        driver.find_element(By.CSS_SELECTOR, "#sign-in button[type=submit]").click()
        wait.until(lambda d: d.find_element(By.ID, "sign-out").is_displayed())
        link = driver.find_element(By.LINK_TEXT, "Préférences")
        check(link.is_displayed(), "the header shows 'Préférences'")
        link.click()
        wait.until(lambda d: d.find_element(By.ID, "push-settings").is_displayed())
        state = driver.find_element(By.ID, "push-state")
        wait.until(lambda d: state.text)
        check("désactivées" in state.text, f"the page says push is off here: {state.text!r}")
        enable = driver.find_element(By.ID, "push-enable")
        check(enable.is_displayed() and enable.text == "Activer les notifications", f"the button shows: {enable.text!r}")
        check(not driver.find_element(By.ID, "push-disable").is_displayed(), "no 'Désactiver' while off")
        if SHOTS:
            driver.save_screenshot(os.path.join(SHOTS, "preferences-off.png"))
        enable.click()
        wait.until(lambda d: "activées" in d.find_element(By.ID, "push-state").text and "désactivées" not in d.find_element(By.ID, "push-state").text)
        check(driver.find_element(By.ID, "push-disable").is_displayed() and not driver.find_element(By.ID, "push-enable").is_displayed(),
              "once on: 'Désactiver sur cet appareil' shown, 'Activer' hidden")
        if SHOTS:
            driver.save_screenshot(os.path.join(SHOTS, "preferences-on.png"))
        db = sqlite3.connect(database)
        expert_id = db.execute("SELECT id FROM user WHERE email = ?", (EXPERT,)).fetchone()[0]
        rows = db.execute("SELECT userId, endpoint, p256dh, auth FROM pushSubscription").fetchall()
        check(rows == [(expert_id, endpoint, unb64url(keys["p256dh"]), auth)], f"the server recorded the subscription for the expert: {rows}")

        # A client's message in a conversation of the expert's → a push to that browser.
        status, session = call(port, "POST", "/api/v1/session", {"email": CLIENT, "password": PASSWORD})
        client_token = session["token"]
        conversation = db.execute("""
            SELECT c.id FROM conversation c JOIN dossier d ON d.id = c.dossierId JOIN client cl ON cl.id = d.clientId
            JOIN user cu ON cu.id = cl.userId JOIN expertAssignment a ON a.dossierId = d.id JOIN expert e ON e.id = a.expertId
            WHERE cu.email = ? AND e.userId = ? AND a.status <> 'cancelled' LIMIT 1""", (CLIENT, expert_id)).fetchone()[0]
        db.close()

        def push_message(record, body):
            now = int(time.time() * 1000)
            status, answer = call(port, "POST", "/api/v1/sync/push", {"operations": [{
                "id": record, "collection": "message", "action": "insert", "record": record,
                "fields": {"conversation": conversation, "body": body}, "hlc": f"{now:016d}-00000-pushtest"}]}, token=client_token)
            check(status == 200 and answer["results"][0]["status"] == "accepted", f"push {record} accepted ({status})")

        text = "Bonjour, le devis signé est prêt – à valider avant jeudi."
        push_message("push-1", text)
        posts = wait_for(lambda: service.posts("/push/chromium"), 20)
        check(len(posts) == 1, f"one POST reached the push service ({len(posts)})")
        _, headers, body = posts[0]
        headers = {name.lower(): value for name, value in headers.items()}
        check(headers.get("content-encoding") == "aes128gcm", f"Content-Encoding: {headers.get('content-encoding')}")
        check(headers.get("ttl") == "172800" and headers.get("urgency") == "normal", f"TTL {headers.get('ttl')}, Urgency {headers.get('urgency')}")
        # VAPID (RFC 8292): the key is the one the server publishes, the token checks against it.
        _, published = call(port, "GET", "/api/v1/push/key")
        authorization = headers.get("authorization", "")
        parts = dict(part.strip().split("=", 1) for part in authorization[len("vapid "):].split(","))
        check(authorization.startswith("vapid ") and parts.get("k") == published["publicKey"], "Authorization: vapid, k = GET /api/v1/push/key")
        # py-vapid splits on the last space: it reads the RFC's "t=…, k=…" once the space is gone.
        check(Vapid02.verify(authorization.replace(", ", ",")), "py-vapid verifies the JWT's ES256 signature")
        claims = json.loads(unb64url(parts["t"].split(".")[1]))
        check(claims["aud"] == f"http://127.0.0.1:{service.port}", f"JWT aud is the push service's origin: {claims['aud']}")
        check(0 < claims["exp"] - time.time() <= 24 * 3600 and claims["sub"].startswith("mailto:"), f"JWT exp within 24 h, sub {claims['sub']}")
        # RFC 8291: http-ece decrypts with the browser's private key and auth secret.
        payload = json.loads(http_ece.decrypt(body, private_key=browser_key, auth_secret=auth, version="aes128gcm"))
        db = sqlite3.connect(database)
        stored = db.execute("SELECT id, title, body FROM notification WHERE userId = ? ORDER BY id DESC LIMIT 1", (expert_id,)).fetchone()
        db.close()
        expected = {"id": stored[0], "kind": "message", "title": stored[1], "body": text,
                    "url": f"/app/conversation.html?conversation={conversation}", "tag": f"conversation:{conversation}"}
        check(payload == expected, f"the decrypted payload is the stored notification: {payload} vs {expected}")
        check(headers.get("topic") == f"n{stored[0]}", f"Topic n<id> (a resend replaces an undelivered copy): {headers.get('topic')}")

        # The real service worker shows it.
        page = next(t for t in tools.send("Target.getTargets")["targetInfos"] if t["type"] == "page" and t["url"].startswith(origin))
        page_session = tools.send("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True})["sessionId"]
        tools.send("ServiceWorker.enable", {}, page_session)
        tools.read_events(1.5)
        registrations = [r for e in tools.events if e["method"] == "ServiceWorker.workerRegistrationUpdated"
                         for r in e["params"]["registrations"] if r["scopeURL"] == origin + "/" and not r["isDeleted"]]
        check(bool(registrations), "the app's service worker is registered with scope /")
        tools.send("ServiceWorker.deliverPushMessage", {"origin": origin, "registrationId": registrations[-1]["registrationId"], "data": json.dumps(payload)}, page_session)
        shown = wait_for(lambda: driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((list) => done(list.map((n) => ({ title: n.title, body: n.body, tag: n.tag, lang: n.lang, icon: n.icon, url: n.data && n.data.url })))).catch((e) => done(String(e)));
        """), 10)
        check(isinstance(shown, list) and len(shown) == 1, f"the worker shows one notification: {shown}")
        if isinstance(shown, list) and shown:
            check(shown[0]["title"] == stored[1] and shown[0]["body"] == text, f"its title and text: {shown[0]['title']!r}, {shown[0]['body']!r}")
            check(shown[0]["tag"] == f"conversation:{conversation}" and shown[0]["lang"] == "fr", f"tag {shown[0]['tag']}, lang {shown[0]['lang']}")
            check(shown[0]["url"] == f"/app/conversation.html?conversation={conversation}" and shown[0]["icon"].endswith("/assets/app-icon-192.png"),
                  f"it opens the conversation, with the app's icon: {shown[0]['url']}, {shown[0]['icon']}")

        # Preferences: the expert turns push off for new messages while offline; it reaches the
        # server once back online, and the next message makes no push (still one in the app).
        table = driver.find_element(By.ID, "notification-preferences")
        wait.until(lambda d: table.is_displayed())
        kinds = [th.text.replace("en attente de synchronisation", "").strip() for th in table.find_elements(By.CSS_SELECTOR, "tbody th[scope=row]")]
        check(kinds[:2] == ["Nouveaux messages", "Missions et affectations"] and kinds[-1] == "Compte et sécurité" and "Avis" in kinds,
              f"the expert's kinds, in French: {kinds}")
        box = table.find_element(By.CSS_SELECTOR, "input[data-kind=message][data-channel=push]")
        check(box.is_displayed() and box.is_selected() and box.get_attribute("aria-label") == "Nouveaux messages par notification push",
              f"'Nouveaux messages par notification push' is ticked: {box.get_attribute('aria-label')!r}")
        rating_mail = table.find_element(By.CSS_SELECTOR, "input[data-kind=rating][data-channel=email]")
        check(not rating_mail.is_selected(), "the role's default shows: no e-mail per rating")
        account = table.find_element(By.CSS_SELECTOR, "input[data-kind=system][data-channel=email]")
        check(account.is_selected() and not account.is_enabled(), "account messages: ticked and cannot be unticked")
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
        box.click()
        stored = lambda: sqlite3.connect(database).execute(
            "SELECT enabled FROM notificationPreference WHERE userId = ? AND kind = 'message' AND channel = 'push'", (expert_id,)).fetchone()
        marker = table.find_element(By.CSS_SELECTOR, "tr[data-kind=message] .pref-pending") if table.find_elements(By.CSS_SELECTOR, "tr[data-kind=message]") else None
        offline_pending = wait_for(lambda: marker is not None and marker.is_displayed(), 5)
        check(bool(offline_pending), "offline, the row says 'en attente de synchronisation'")
        check(stored() in (None, (1,)), f"nothing reached the server while offline: {stored()}")
        if SHOTS:
            driver.save_screenshot(os.path.join(SHOTS, "preferences-pending.png"))
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
        driver.execute_script("window.dispatchEvent(new Event('online'))")
        check(wait_for(lambda: stored() == (0,), 20), f"back online, the server has it: {stored()}")
        check(wait_for(lambda: not marker.is_displayed(), 10), "and the marker goes")
        before = len(service.posts("/push/chromium"))
        push_message("push-muted", "Sans notification push")
        time.sleep(6)
        check(len(service.posts("/push/chromium")) == before, "push off for messages: no POST to the push service")
        notified = sqlite3.connect(database).execute("SELECT count(*) FROM notification WHERE userId = ? AND body = 'Sans notification push'", (expert_id,)).fetchone()[0]
        check(notified == 1, f"still in the app's notifications: {notified}")
        driver.refresh()
        table = driver.find_element(By.ID, "notification-preferences")
        wait.until(lambda d: table.is_displayed())
        box = table.find_element(By.CSS_SELECTOR, "input[data-kind=message][data-channel=push]")
        check(not box.is_selected(), "after a reload the box stays unticked")
        box.click()
        check(wait_for(lambda: stored() == (1,), 20), "ticked again: the server has it")

        # 410 Gone: the server drops the subscription.
        service.answers["/push/chromium"] = 410
        push_message("push-2", "Un second message")
        gone = wait_for(lambda: len(service.posts("/push/chromium")) >= 2 and not sqlite3.connect(database).execute("SELECT count(*) FROM pushSubscription").fetchone()[0], 20)
        check(bool(gone), "a 410 from the push service removes the subscription")

        # On again, then off with the button: the server forgets it.
        service.answers.pop("/push/chromium")
        driver.refresh()
        wait.until(lambda d: d.find_element(By.ID, "push-disable").is_displayed())
        driver.find_element(By.ID, "push-disable").click()
        wait.until(lambda d: "désactivées" in d.find_element(By.ID, "push-state").text)
        check(driver.find_element(By.ID, "push-enable").is_displayed(), "after 'Désactiver', 'Activer' is back")
        driver.find_element(By.ID, "push-enable").click()
        wait.until(lambda d: d.find_element(By.ID, "push-disable").is_displayed())
        count = lambda: sqlite3.connect(database).execute("SELECT count(*) FROM pushSubscription").fetchone()[0]
        check(wait_for(lambda: count() == 1, 5), "on again: one subscription")
        driver.find_element(By.ID, "push-disable").click()
        wait.until(lambda d: "désactivées" in d.find_element(By.ID, "push-state").text)
        check(wait_for(lambda: count() == 0, 5), "'Désactiver sur cet appareil' removes it on the server")

        # Endpoints that reach inside: refused, naming the field, even with the test switch.
        _, session = call(port, "POST", "/api/v1/session", {"email": EXPERT, "password": PASSWORD})
        for bad in ("http://10.0.0.1/push/x", "https://169.254.169.254/latest/meta-data/"):
            status, answer = call(port, "POST", "/api/v1/me/push-subscriptions", {"endpoint": bad, "keys": keys}, token=session["token"])
            check(status == 400 and answer.get("field") == "endpoint", f"{bad}: {status} {answer}")
    finally:
        if driver:
            driver.quit()
        server.terminate()
        server.wait(timeout=15)

    # Without the test switch, loopback is refused too.
    server = start_server(data, port, log, environment)
    try:
        _, session = call(port, "POST", "/api/v1/session", {"email": EXPERT, "password": PASSWORD})
        status, answer = call(port, "POST", "/api/v1/me/push-subscriptions", {"endpoint": "https://127.0.0.1/push/x", "keys": keys}, token=session["token"])
        check(status == 400 and answer.get("field") == "endpoint" and "loopback" in answer.get("message", ""), f"https://127.0.0.1/… without the switch: {status} {answer}")
    finally:
        server.terminate()
        server.wait(timeout=15)
        shutil.rmtree(root, ignore_errors=True)
    print(f"push: {len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
