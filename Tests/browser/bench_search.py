#!/usr/bin/env python3
"""Times the search page's queries in headless Chromium on a generated site (e.g. the
10,000-expert one of `make bench`), warm (files loaded): the time from the form's change to the
results on screen, and the search itself (filters, words, sort) within it, as search.js measures
them, for a few typical queries; prints each median."""
import statistics
import sys
from urllib.parse import urlencode

from selenium.webdriver.common.by import By

from harness import chromium, search_status, serve

QUERIES = [
    {"q": "ticpe"},
    {"q": "audit urssaf", "note": "4"},
    {"region": "Occitanie", "tri": "note"},
    {"pres": "Lyon", "rayon": "100", "tri": "distance"},
    {"categorie": "energy", "langue": "en", "tri": "avis"},
]


def main(site):
    server, base = serve(site)
    driver = chromium()
    try:
        for query in QUERIES:
            times, searches = [], []
            for _ in range(7):
                driver.get(f"{base}/recherche/?{urlencode(query)}")
                status = search_status(driver, 30)
                # Re-run on a change event, as a person changing a filter does; the page times itself.
                driver.execute_script("document.getElementById('search').dispatchEvent(new Event('change'))")
                times.append(float(status.get_attribute("data-milliseconds")))
                searches.append(float(status.get_attribute("data-search-milliseconds")))
            count = status.get_attribute("data-count")
            print(f"search {query}: {count} results, median {statistics.median(times):.1f} ms to the results on screen, "
                  f"of which the search {statistics.median(searches):.2f} ms, over {len(times)} runs")
    finally:
        driver.quit()
        server.shutdown()


if __name__ == "__main__":
    main(sys.argv[1])
