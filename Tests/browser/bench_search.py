#!/usr/bin/env python3
"""Times the search page's queries in headless Chromium on a generated site (e.g. the
10,000-expert one of `make bench`): the time from the form's change to the results on screen, as
search.js measures it, for a few typical queries; prints each median."""
import http.server
import statistics
import sys
import threading
from functools import partial
from urllib.parse import urlencode

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

QUERIES = [
    {"q": "ticpe"},
    {"q": "audit urssaf", "note": "4"},
    {"region": "Occitanie", "tri": "note"},
    {"pres": "Lyon", "rayon": "100", "tri": "distance"},
    {"categorie": "energy", "langue": "en", "tri": "avis"},
]


def main(site):
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=site)
    http.server.SimpleHTTPRequestHandler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        for query in QUERIES:
            times = []
            for _ in range(7):
                driver.get(f"{base}/recherche/?{urlencode(query)}")
                status = WebDriverWait(driver, 30).until(
                    lambda d: d.find_element(By.ID, "search-status") if d.find_element(By.ID, "search-status").get_attribute("data-count") else None)
                # Re-run on a change event, as a person changing a filter does; the page times itself.
                driver.execute_script("document.getElementById('search').dispatchEvent(new Event('change'))")
                times.append(float(status.get_attribute("data-milliseconds")))
            count = status.get_attribute("data-count")
            print(f"search {query}: {count} results, median {statistics.median(times):.1f} ms over {len(times)} runs")
    finally:
        driver.quit()
        server.shutdown()


if __name__ == "__main__":
    main(sys.argv[1])
