#!/usr/bin/env python3
"""How fast each page type shows on a slow phone: headless Chromium with DevTools' classic
"Fast 3G" network (562.5 ms latency per request, 1.6 Mbit/s down at 90 %, 750 kbit/s up) and its CPU
slowed 4×, an empty cache, `ft serve` serving the site (gzip, as users get it). For each page
type: the bytes received (Network.loadingFinished's encodedDataLength, headers included), the
requests, and the Largest Contentful Paint; for the search page, also when its first results
are on screen. Targets: LCP under 1 s, the search's first results under 1.5 s.

Beside each figure, the floor the network alone sets in the same run: one request's latency, plus
the latency of each further round trip the page needs before it can paint (a stylesheet), plus
its bytes at the emulated rate; for the search's results, two round trips (the page, then all its
files at once) and every byte received. Nothing can show before that.

    FT=/path/to/ft .venv/bin/python Tests/browser/bench_page_speed.py DATA_DIR PUBLIC_DIR

Prints a table; exits 0 (a benchmark: the figures go to the closing note), 2 when it could not run."""
import os
import re
import sys
import time

from harness import chromium, ft_serve, received

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FT = os.environ.get("FT", os.path.join(ROOT, ".build", "debug", "ft"))
LATENCY_MS = 562.5
DOWN = 1.6 * 1000 * 1000 / 8 * 0.9  # bytes per second
UP = 750 * 1000 / 8 * 0.9
CPU_SLOWDOWN = 4
LCP_TARGET_MS = 1_000
SEARCH_TARGET_MS = 1_500

LCP = """
const done = arguments[arguments.length - 1];
new PerformanceObserver((list) => {
  const entries = list.getEntries();
  done(entries.length ? entries[entries.length - 1].startTime : null);
}).observe({type: "largest-contentful-paint", buffered: true});
setTimeout(() => done(null), 3000);
"""


def pages(public):
    """One address per page type, found in the generated site."""
    listing = open(os.path.join(public, "experts", "index.html"), encoding="utf-8").read()
    profile = re.search(r'href="(/experts/[a-z0-9-]+/)"', listing.split("<main", 1)[-1]).group(1)
    region = sorted(os.listdir(os.path.join(public, "regions")))[0]
    scheme = sorted(os.listdir(os.path.join(public, "dispositifs")))[0]
    return [
        ("home", "/"), ("all experts", "/experts/"), ("all experts, page 2", "/experts/page/2/"),
        ("scheme", f"/dispositifs/{scheme}/"), ("region", f"/regions/{region}/"), ("profile", profile),
        ("search (Lyon, 30 km, TICPE)", "/recherche/?q=ticpe&pres=Lyon&rayon=30"), ("feed page", "/flux/"),
        ("legal page", "/mentions-legales/"), ("not found", "/nimportequoi/"), ("app (signed out)", "/app/index.html"),
    ]


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    data, public = sys.argv[1], sys.argv[2]
    server, base = ft_serve(FT, data, public, os.path.join(ROOT, "site-templates"))
    driver = None
    try:
        driver = chromium("412,915", performance_log=True)
        driver.set_script_timeout(30)
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        print(f"page speed, cold cache, Fast 3G ({LATENCY_MS} ms per request, {DOWN / 1000:.0f} KB/s down) and CPU slowed {CPU_SLOWDOWN}×:")
        print(f"{'page':32} {'KB':>6} {'req':>4} {'floor ms':>9} {'LCP ms':>7} {'× floor':>8}  verdict")
        met = 0
        rows = pages(public)
        for name, path in rows:
            driver.get("about:blank")
            driver.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": 1})
            driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
            driver.execute_cdp_cmd("Network.clearBrowserCache", {})
            received(driver)
            driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": False, "latency": LATENCY_MS, "downloadThroughput": DOWN, "uploadThroughput": UP})
            driver.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
            driver.get(base + path)
            shown_at = None
            if path.startswith("/recherche/"):
                deadline = time.monotonic() + 60
                while shown_at is None and time.monotonic() < deadline:
                    shown_at = driver.execute_script("return document.getElementById('search-status')?.dataset.shownAt ?? null")
                    time.sleep(0.05)
            lcp = driver.execute_async_script(LCP)
            files = received(driver)
            total = sum(size for size, _ in files.values())
            # Before the first paint: the page, then its stylesheet (one more round trip).
            blocking = sum(size for url, (size, kind) in files.items() if kind in ("Document", "Stylesheet"))
            round_trips = 1 + any(kind == "Stylesheet" for _, kind in files.values())
            floor = round_trips * LATENCY_MS + blocking / DOWN * 1000
            ok = lcp is not None and lcp < LCP_TARGET_MS
            verdict = "LCP < 1 s" if ok else "LCP ≥ 1 s"
            if shown_at is not None:
                results_ok = float(shown_at) < SEARCH_TARGET_MS
                # The page, then everything else at once (its preloads): two round trips and every byte.
                results_floor = 2 * LATENCY_MS + total / DOWN * 1000
                verdict += (f"; first results at {float(shown_at):.0f} ms ({'< 1.5 s' if results_ok else '≥ 1.5 s'}),"
                            f" floor {results_floor:.0f} ms, {float(shown_at) / results_floor:.2f}× floor")
                ok = ok and results_ok
            met += ok
            print(f"{name:32} {total / 1024:6.1f} {len(files):4} {floor:9.0f} {lcp or 0:7.0f} {(lcp or 0) / floor:8.2f}  {verdict}")
        print(f"page speed: {met} of {len(rows)} page types within target")
    finally:
        if driver:
            driver.quit()
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
