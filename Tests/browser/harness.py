"""What the browser tests and benchmarks share: a static server for a generated site, `ft serve` on
a free port, headless
Chromium driven by Selenium with the local driver, a DevTools connection to the browser itself,
and waiting for the search page's answer."""
import http.server
import json
import socket
import subprocess
import threading
import time
import urllib.request
from functools import partial

import websocket

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def serve(site):
    """Serves `site` on a free loopback port; returns (server, base URL)."""
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=site)
    http.server.SimpleHTTPRequestHandler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def ft_serve(ft, data, public, templates, log=subprocess.DEVNULL):
    """`ft serve` of `data` and its site `public` on a free loopback port, without mail or rebuilds,
    once it answers /healthz; returns (process, base URL). Terminate the process when done."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([ft, "serve", "--data-dir", data, "--public", public, "--port", str(port),
                               "--no-rebuild", "--no-mail", "--templates", templates], stdout=log, stderr=subprocess.STDOUT)
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/healthz").read()
            break
        except OSError:
            time.sleep(0.1)
    return server, base


def received(driver):
    """Requests finished since the last call (the performance log is drained by reading it): url →
    (bytes received, headers and compressed body, as Network.loadingFinished counts them; resource type)."""
    urls, types, sizes = {}, {}, {}
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent":
            urls[params["requestId"]] = params["request"]["url"]
            types[params["requestId"]] = params.get("type", "")
        elif message["method"] == "Network.loadingFinished":
            sizes[params["requestId"]] = params["encodedDataLength"]
    return {urls.get(key, key): (size, types.get(key, "")) for key, size in sizes.items()}


def chromium(window=None, performance_log=False):
    """Headless Chromium from Debian's packages (no download by Selenium Manager); `window`:
    "WIDTH,HEIGHT", else Chromium's default; `performance_log`: DevTools events readable with
    driver.get_log("performance")."""
    options = webdriver.ChromeOptions()
    if performance_log:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    options.binary_location = "/usr/bin/chromium"
    # --remote-allow-origins: DevTools (below) may connect to the browser.
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--remote-allow-origins=*"):
        options.add_argument(flag)
    if window:
        options.add_argument(f"--window-size={window}")
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


class DevTools:
    """The browser's own DevTools connection (beside chromedriver's page-only one): commands to any
    target, and the events it is sent, kept in `events`."""

    def __init__(self, driver):
        address = driver.capabilities["goog:chromeOptions"]["debuggerAddress"]
        with urllib.request.urlopen(f"http://{address}/json/version") as answer:
            url = json.load(answer)["webSocketDebuggerUrl"]
        self.socket = websocket.create_connection(url, suppress_origin=True, timeout=10)
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.socket.send(json.dumps(message))
        while True:
            answer = json.loads(self.socket.recv())
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            if "method" in answer:
                self.events.append(answer)

    def read_events(self, seconds):
        """Keeps what is sent for `seconds`."""
        self.socket.settimeout(seconds)
        try:
            while True:
                answer = json.loads(self.socket.recv())
                if "method" in answer:
                    self.events.append(answer)
        except websocket.WebSocketTimeoutException:
            pass
        finally:
            self.socket.settimeout(10)

    def close(self):
        self.socket.close()


def settled(driver, timeout):
    """A wait that outlasts navigations: an element read while its page is being replaced is read
    again — also when chromedriver answers that the node "does not belong to the document" (an
    element found in the page being left, read in the page arriving: seen once in test_admin_users)."""
    return _Settled(WebDriverWait(driver, timeout, poll_frequency=0.2, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)))


class _Settled:
    """`WebDriverWait.until`, a navigation race counted as "not yet"."""

    def __init__(self, wait):
        self.wait = wait

    def until(self, method, message=""):
        def guarded(driver):
            try:
                return method(driver)
            except WebDriverException as error:
                if "does not belong to the document" in str(error):
                    return False
                raise
        return self.wait.until(guarded, message)


def app_sign_in(driver, base, email, password="demo-financialtracker"):
    """Signs `email` in through the app's form (`/app/index.html`), as a person does; returns once
    "Se déconnecter" shows. The session cookie then opens the admin pages too."""
    driver.get(f"{base}/app/index.html")
    settled(driver, 20).until(lambda d: d.find_element(By.ID, "sign-in").is_displayed())
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "#sign-in button").click()
    settled(driver, 20).until(lambda d: d.find_element(By.ID, "sign-out").is_displayed())


def search_status(driver, timeout=20):
    """The search page's status element once it has answered (it carries data-count)."""
    return WebDriverWait(driver, timeout).until(
        lambda d: d.find_element(By.ID, "search-status") if d.find_element(By.ID, "search-status").get_attribute("data-count") else None)
