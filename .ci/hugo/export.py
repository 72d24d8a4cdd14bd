#!/usr/bin/env python3
"""Exports the published experts of a FinancialTracker database as a Hugo site with the same
pages as `ft generate` (a profile per expert with its Markdown bio and latest reviews, paginated
listings of all experts and per scheme, domain and region), for `make bench`'s comparison."""
import json
import os
import shutil
import sqlite3
import sys


def main(database, destination):
    here = os.path.dirname(os.path.abspath(__file__))
    shutil.rmtree(destination, ignore_errors=True)
    shutil.copytree(os.path.join(here, "layouts"), os.path.join(destination, "layouts"))
    with open(os.path.join(destination, "hugo.toml"), "w") as config:
        config.write('baseURL = "https://ft.example/"\nlanguageCode = "fr"\ntitle = "FinancialTracker"\n'
                     'disableKinds = ["RSS"]\n[pagination]\npagerSize = 24\n'
                     '[taxonomies]\ndispositif = "dispositifs"\ncategorie = "categories"\nregion = "regions"\n')
    content = os.path.join(destination, "content", "experts")
    os.makedirs(content)
    db = sqlite3.connect(database)
    rows = db.execute("""
        SELECT e.id, e.slug, e.firstName || ' ' || e.lastName, e.company, e.headline, e.city, e.region, e.bioMarkdown,
               e.certifications, e.languages, e.yearsOfExperience, e.dayRate, coalesce(e.lastActiveDay, ""),
               (SELECT avg(score) FROM rating r WHERE r.expertId = e.id), (SELECT count(*) FROM rating r WHERE r.expertId = e.id)
        FROM expert e JOIN user u ON u.id = e.userId
        WHERE e.approval = 'approved' AND e.active = 1 AND u.active = 1
    """).fetchall()
    specialties = {}
    for expert_id, code, category in db.execute(
            "SELECT s.expertId, p.code, p.category FROM expertSpecialty s JOIN eligibleProduct p ON p.id = s.productId"):
        specialties.setdefault(expert_id, []).append((code, category))
    reviews = {}
    for expert_id, score, comment in db.execute("""
            SELECT expertId, score, comment FROM (SELECT expertId, score, comment,
              row_number() OVER (PARTITION BY expertId ORDER BY updatedAt DESC, id DESC) AS n FROM rating) WHERE n <= 5"""):
        reviews.setdefault(expert_id, []).append({"score": score, "comment": comment})
    for row in rows:
        codes = specialties.get(row[0], [])
        front = {
            "title": row[2], "company": row[3], "headline": row[4], "city": row[5],
            "dispositifs": sorted({c for c, _ in codes}), "categories": sorted({k for _, k in codes}), "regions": [row[6]],
            "certifications": json.loads(row[8]), "languages": json.loads(row[9]), "years": row[10],
            "dayRate": row[11], "response": row[12], "rating": round(row[13] or 0, 1), "reviewCount": row[14],
            "reviews": reviews.get(row[0], []),
        }
        with open(os.path.join(content, row[1] + ".md"), "w") as page:
            page.write(json.dumps(front, ensure_ascii=False) + "\n\n" + row[7] + "\n")
    print(f"exported {len(rows)} experts")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
