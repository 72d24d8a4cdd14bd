#!/usr/bin/env python3
"""The search is light when cold: on a 10,000-expert site served by `ft serve` (gzip, as users get
it), headless Chromium with an empty cache opens ten filtered queries; for each, every byte the
browser received (Network.loadingFinished's encodedDataLength: headers and compressed bodies, the
page, stylesheet, script and data files) until the results are on screen must stay under 150 KB.
Exits non-zero on any failure; prints each query's bytes and files.

FT: the ft binary (default .build/debug/ft); FT_SEARCH_DATA and FT_SEARCH_PUBLIC: an existing data
folder and its generated site (skips seeding; `make bench` measures its own 10,000-expert site)."""
import os
import shutil
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlencode

from selenium.webdriver.common.by import By

from harness import chromium, ft_serve, received, search_status

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FT = os.environ.get("FT", os.path.join(ROOT, ".build", "debug", "ft"))
LIMIT = 150 * 1024
EXPERTS = 10_000

QUERIES = [
    {"q": "ticpe"},
    {"q": "audit urssaf", "note": "4"},
    {"region": "Occitanie", "tri": "note"},
    {"pres": "Lyon", "rayon": "30"},
    {"pres": "Saint-Étienne", "rayon": "80", "dispositif": "TICPE"},
    {"pres": "75008", "rayon": "20", "q": "conseil"},
    {"categorie": "energy", "langue": "en", "tri": "avis"},
    {"dispositif": "CIR", "region": "Île-de-France", "tri": "distance"},
    {"q": "remboursement taxe fonciere", "pres": "Marseille", "rayon": "100"},
    {"note": "4.5", "tri": "nom"},
]


def main():
    workdir = None
    if os.environ.get("FT_SEARCH_DATA"):
        data, public = os.environ["FT_SEARCH_DATA"], os.environ["FT_SEARCH_PUBLIC"]
    else:
        workdir = tempfile.mkdtemp(prefix="ft-weight-")
        data = os.path.join(workdir, "data")
        public = os.path.join(data, "public")
        started = time.monotonic()
        subprocess.run([FT, "seed", "--data-dir", data, "--experts", str(EXPERTS), "--clients", "1000", "--seed", "7", "--today", "2026-11-20"],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run([FT, "generate", "--data-dir", data, "--out", public, "--no-admin",
                        "--templates", os.path.join(ROOT, "site-templates")], check=True, stdout=subprocess.DEVNULL)
        print(f"seeded and generated the {EXPERTS:,}-expert site in {time.monotonic() - started:.0f} s")
    log = open(os.path.join(workdir or tempfile.gettempdir(), "weight-serve.log"), "w")
    server, base = ft_serve(FT, data, public, os.path.join(ROOT, "site-templates"), log=log)
    driver = None
    failed = 0
    try:
        driver = chromium(performance_log=True)
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        for query in QUERIES:
            driver.get("about:blank")
            driver.execute_cdp_cmd("Network.clearBrowserCache", {})
            received(driver)
            driver.get(f"{base}/recherche/?{urlencode(query)}")
            status = search_status(driver, 60)
            files = {url: size for url, (size, _) in received(driver).items()}
            total = sum(files.values())
            count = int(status.get_attribute("data-count"))
            cards = driver.find_elements(By.CSS_SELECTOR, "#search-results article")
            shown = sum(1 for card in cards[:3] if card.is_displayed())
            ok = total <= LIMIT and count > 0 and shown == min(3, count) and status.is_displayed()
            failed += not ok
            names = ", ".join(f"{url.removeprefix(base)} {size / 1024:.1f}" for url, size in sorted(files.items(), key=lambda item: -item[1]))
            print(f"{'ok' if ok else 'FAIL'} {query}: {total / 1024:.1f} KB before {count} results ({status.text!r}); {names}")
    finally:
        if driver:
            driver.quit()
        server.terminate()
        server.wait(timeout=30)
        if workdir:
            shutil.rmtree(workdir, True)
    print(f"{len(QUERIES) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
