"""What the browser tests and benchmarks share: a static server for a generated site, headless
Chromium driven by Selenium with the local driver, and waiting for the search page's answer."""
import http.server
import threading
from functools import partial

from selenium import webdriver
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


def chromium():
    """Headless Chromium from Debian's packages (no download by Selenium Manager)."""
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def search_status(driver, timeout=20):
    """The search page's status element once it has answered (it carries data-count)."""
    return WebDriverWait(driver, timeout).until(
        lambda d: d.find_element(By.ID, "search-status") if d.find_element(By.ID, "search-status").get_attribute("data-count") else None)
