// node --test: the search logic of site-templates/assets/search.js, without a browser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { addCoordinates, catalogue, countText, distance, findPlace, fold, has, placeKey, placeName, queryWords, responseText, search, slugOf, wordKey, wordMatches } from "../../site-templates/assets/search.js";
import { recommend, wantedFrom } from "../../sync/recommend.js";

// Three experts in listing order (by last name), encoded as SearchFiles.swift writes the index and
// its facet and coordinate columns.
const experts = [
  { slug: "helene-durand", name: "Hélène Durand", city: "Béziers", region: 1, lat: 43.3442, lon: 3.2158, rating: 46, reviews: 12, products: [0], languages: [0, 1], hours: 4, text: "helene durand durand conseil ticpe pour transporteurs beziers occitanie" },
  { slug: "marc-petit", name: "Marc Petit", city: "Lyon", region: 0, lat: 45.764, lon: 4.8357, rating: 38, reviews: 5, products: [1, 2], languages: [0], hours: 24, text: "marc petit petit audit urssaf lyon auvergne-rhone-alpes" },
  { slug: "ines-roux-2", name: "Inès Roux", city: "Toulouse", region: 1, lat: 43.6047, lon: 1.4442, rating: 0, reviews: 0, products: [2], languages: [0], hours: 8, text: "ines roux roux energie toulouse occitanie" },
];
const stop = ["de", "des", "la", "le", "les", "pour"];
const index = {
  v: 2,
  count: experts.length,
  products: [["TICPE", "Remboursement TICPE", 0], ["URSSAF", "Audit URSSAF", 1], ["CEE", "Certificats", 2]],
  categories: ["tax", "social", "energy"],
  regions: ["Auvergne-Rhône-Alpes", "Occitanie"],
  languages: ["fr", "en"],
  cities: experts.map((e) => [e.city, e.region, Math.round(e.lat * 1e4) - 7, Math.round(e.lon * 1e4) + 9]),
  names: experts.map((e) => e.name),
  slugs: {},
  layout: [["city", 2], ["suffix", 1], ["rating", 1], ["reviews", 2], ["hours", 2], ["products", 1], ["languages", 1]],
  stop,
  words: [],
};
const n = experts.length;
const facets = new Uint8Array(10 * n);
const coordinates = new Uint8Array(4 * n);
experts.forEach((e, i) => {
  const put16 = (column, value) => { facets[column * n + i] = value & 255; facets[(column + 1) * n + i] = value >> 8; };
  put16(0, i);
  facets[2 * n + i] = Number(/-(\d+)$/.exec(e.slug)?.[1] ?? 0);
  facets[3 * n + i] = e.rating;
  put16(4, e.reviews);
  put16(6, e.hours);
  facets[8 * n + i] = e.products.reduce((bits, p) => bits | (1 << p), 0);
  facets[9 * n + i] = e.languages.reduce((bits, l) => bits | (1 << l), 0);
  const dLat = new Uint16Array([7])[0];
  const dLon = new Uint16Array([-9])[0];
  coordinates[i] = dLat & 255; coordinates[n + i] = dLat >> 8;
  coordinates[2 * n + i] = dLon & 255; coordinates[3 * n + i] = dLon >> 8;
});
// The word files, as SearchFiles.swift cuts them.
const wordFiles = {};
experts.forEach((e, i) => {
  for (const word of new Set(queryWords(e.text, stop))) {
    const file = (wordFiles[wordKey(word)] ??= {});
    (file[word] ??= []).push(i);
  }
});
for (const file of Object.values(wordFiles)) {
  for (const [word, positions] of Object.entries(file)) file[word] = positions.map((p, k) => p - (positions[k - 1] ?? 0));
}
index.words = Object.keys(wordFiles).sort();
const decoded = catalogue(index, facets);
addCoordinates(decoded, coordinates);

// As the places files hold them (most populous first): name, postcodes, latitude, longitude, kind.
const places = [
  ["Lyon", "69001 69002 69003 69004 69005 69006 69007 69008 69009", 45.7677, 4.8354, "P"],
  ["Toulouse", "31000 31100 31200 31300 31400 31500", 43.604, 1.443, "P"],
  ["Paris 15e Arrondissement", "75015", 48.8412, 2.3003, "A"],
  ["Lyon 3e Arrondissement", "69003", 45.7603, 4.849, "A"],
  ["Paris 8e Arrondissement", "75008", 48.8778, 2.3175, "A"],
  ["Saint-Étienne", "42000 42100 42230", 45.4396, 4.3875, "P"],
  ["Béziers", "34500", 43.3442, 3.2158, ""],
  ["Saint-Étienne-du-Rouvray", "76800", 49.3785, 1.1012, ""],
  ["Villeurbanne", "69100", 45.7667, 4.8803, ""],
  ["Le Mans", "72000 72100", 48.0061, 0.1996, "P"],
  ["L'Île-d'Yeu", "85350", 46.7245, -2.3484, ""],
];
const near = (text) => findPlace(places, text);
const matches = (q) => queryWords(q ?? "", stop).map((word) => wordMatches(wordFiles[wordKey(word)] ?? {}, word));
const slugs = (query) => search(decoded, query, query.pres ? near(query.pres) : null, matches(query.q)).rows.map((row) => slugOf(decoded, row.i));

test("the count of results follows the locale file's French plural: the singular for 0 and 1", async () => {
  const { readFile } = await import("node:fs/promises");
  const strings = JSON.parse(await readFile(new URL("../../site-templates/locales/fr.json", import.meta.url), "utf8"));
  const forms = { zero: strings.search_count_zero, one: strings.search_count_one, other: strings.search_count_other };
  assert.equal(countText(0, forms), "Aucun expert trouvé");
  assert.equal(countText(1, forms), "1 expert trouvé");
  assert.equal(countText(12, forms), "12 experts trouvés");
  assert.equal(countText(1234, forms), "1\u202f234 experts trouvés");
  // Without the page's forms (an old page), the same words.
  assert.equal(countText(2, {}), "2 experts trouvés");
  assert.equal(strings.search_any_region, "Toutes les régions");
});

test("text search ignores accents and case and needs every word", () => {
  assert.equal(fold("Hélène ÉNERGIE"), "helene energie");
  assert.deepEqual(slugs({ q: "HELENE" }), ["helene-durand"]);
  assert.deepEqual(slugs({ q: "Béziers ticpe" }), ["helene-durand"]);
  assert.deepEqual(slugs({ q: "béziers urssaf" }), []);
});

test("a word matches the words it starts, the word itself first; stop words and single letters are ignored", () => {
  assert.deepEqual(slugs({ q: "occ" }).sort(), ["helene-durand", "ines-roux-2"]);
  assert.deepEqual(slugs({ q: "rou" }), ["ines-roux-2"], "'rou' starts 'roux', not 'durand'");
  assert.deepEqual(slugs({ q: "cee" }), [], "not inside a word");
  assert.deepEqual(queryWords("Le conseil d'un expert, pour la TICPE", stop), ["conseil", "un", "expert", "ticpe"]);
  assert.deepEqual(slugs({ q: "pour le petit" }), ["marc-petit"]);
  const scores = search(decoded, {}, null, matches("petit")).rows.map((row) => row.score);
  assert.deepEqual(scores, [2]);
  assert.equal(wordMatches({ petite: [1], petit: [1] }, "petit").get(1), 2);
});

test("slugs come from the name and its number suffix unless the index says otherwise; word files by their first two characters", () => {
  assert.equal(slugOf(decoded, 0), "helene-durand");
  assert.equal(slugOf(decoded, 2), "ines-roux-2");
  assert.equal(slugOf({ ...decoded, index: { ...index, slugs: { 1: "marc-petit-conseil" } } }, 1), "marc-petit-conseil");
  assert.equal(wordKey("ticpe"), "ti");
  assert.equal(wordKey("œuvre"), "u153-75");
});

test("coordinates are the town's reference point plus the expert's offset, exactly", () => {
  assert.equal(decoded.latitude[1], 45.764);
  assert.equal(decoded.longitude[1], 4.8357);
  assert.throws(() => catalogue(index, facets.subarray(1)), /facets: 29 bytes, 30 expected/);
});

test("filters combine", () => {
  assert.deepEqual(slugs({ region: "Occitanie", tri: "nom" }), ["helene-durand", "ines-roux-2"]);
  assert.deepEqual(slugs({ categorie: "energy", tri: "nom" }), ["marc-petit", "ines-roux-2"]);
  assert.deepEqual(slugs({ dispositif: "INCONNU" }), [], "a scheme the index does not know matches nobody");
  assert.deepEqual(slugs({ dispositif: "URSSAF" }), ["marc-petit"]);
  assert.deepEqual(slugs({ note: "4" }), ["helene-durand"]);
  assert.deepEqual(slugs({ note: "3.5", tri: "note" }), ["helene-durand", "marc-petit"]);
  assert.deepEqual(slugs({ langue: "en" }), ["helene-durand"]);
});

test("an expert without reviews never passes a minimum rating", () => {
  assert.ok(!slugs({ note: "3" }).includes("ines-roux-2"));
});

test("distance from a town or a postcode", () => {
  assert.ok(Math.abs(distance(45.764, 4.8357, 48.8566, 2.3522) - 392) < 5);
  assert.equal(near("beziers").name, "Béziers");
  assert.equal(near("69001").name, "Lyon");
  assert.equal(near("69003").name, "Lyon 3e Arrondissement", "a postcode of the city and of one arrondissement: the arrondissement");
  assert.equal(near("75008").name, "Paris 8e Arrondissement");
  assert.equal(near("Paris 8e").name, "Paris 8e Arrondissement");
  assert.equal(near("saint etienne").name, "Saint-Étienne", "hyphens and accents folded, the name itself before longer ones");
  assert.equal(near("Saint-Étienne-du").name, "Saint-Étienne-du-Rouvray");
  assert.equal(near("Nulle-Part"), null);
  assert.equal(near("le mans").name, "Le Mans");
  assert.equal(near("Mans").name, "Le Mans", "without its article");
  assert.equal(near("ile d yeu").name, "L'Île-d'Yeu");
  assert.deepEqual(slugs({ pres: "Toulouse", rayon: "200", tri: "distance" }), ["ines-roux-2", "helene-durand"]);
  assert.deepEqual(slugs({ pres: "Toulouse", rayon: "50" }), ["ines-roux-2"]);
  assert.equal(search(decoded, { pres: "Nulle-Part" }, near("Nulle-Part")).unknownPlace, true);
});

test("an unknown postcode falls back on its département's préfecture, and says so", () => {
  const place = near("69999");
  assert.equal(place.name, "Lyon");
  assert.equal(place.departement, "69");
  assert.equal(near("69008").departement, null, "a postcode of the list is exact");
  assert.equal(near("99999"), null);
});

test("an unknown place keeps the other filters", () => {
  const { rows, unknownPlace } = search(decoded, { pres: "Nulle-Part", region: "Occitanie" }, null);
  assert.equal(unknownPlace, true);
  assert.deepEqual(rows.map((row) => slugOf(decoded, row.i)).sort(), ["helene-durand", "ines-roux-2"]);
});

test("coordinates from « Autour de moi »", () => {
  const place = findPlace([], "45.7640,4.8357");
  assert.deepEqual([place.name, place.latitude, place.longitude], ["votre position", 45.764, 4.8357]);
  assert.equal(findPlace([], "95.1,4.8"), null);
});

test("the places file a text is looked up in", () => {
  assert.equal(placeKey("Lyon"), "ly");
  assert.equal(placeKey("  Île-de-Ré"), "il");
  assert.equal(placeKey("L'Haÿ-les-Roses"), "lh");
  assert.equal(placeKey("75008"), "cp75");
  assert.equal(placeKey("7"), null);
  assert.equal(placeKey("L"), null);
  assert.equal(placeName("Saint-Étienne-du-Rouvray"), "saint etienne du rouvray");
});

test("sorts", () => {
  assert.deepEqual(slugs({ tri: "avis" }), ["helene-durand", "marc-petit", "ines-roux-2"]);
  assert.deepEqual(slugs({ tri: "nom" }), ["helene-durand", "marc-petit", "ines-roux-2"], "the listing's order: by last name");
});

test("a card words the measured response time as the site's cards do, and says when there is none", () => {
  assert.equal(responseText(0), "Délai de réponse pas encore mesuré");
  assert.equal(responseText(1), "Répond en moins d'une heure");
  assert.equal(responseText(4), "Répond en 4 h");
  assert.equal(responseText(47), "Répond en 47 h");
  assert.equal(responseText(48), "Répond en 2 jours");
  assert.equal(responseText(49), "Répond en 3 jours");
});

test("recommendations: the schemes of the client's open dossiers, not its own experts, more schemes first, then rating and nearness, each with its reason", () => {
  const helpers = { distance, slugOf, has };
  const dossiers = [
    { productCode: "CEE", status: "in_progress", experts: [] },
    { productCode: "URSSAF", status: "eligible", experts: [] },
    { productCode: "TICPE", status: "done", experts: [{ slug: "helene-durand" }] },
  ];
  const wanted = wantedFrom(dossiers);
  assert.deepEqual(wanted.schemes, ["CEE", "URSSAF"]);
  assert.deepEqual([...wanted.known], ["helene-durand"]);

  // From Toulouse: Marc holds both schemes (Lyon, 3,8/5) and comes before Inès (one scheme, next door, no review).
  const toulouse = near("31000");
  const chosen = recommend(decoded, { ...wanted, origin: toulouse }, helpers);
  assert.deepEqual(chosen.map((expert) => expert.slug), ["marc-petit", "ines-roux-2"]);
  const km = Math.round(distance(toulouse.latitude, toulouse.longitude, decoded.latitude[1], decoded.longitude[1]));
  assert.equal(chosen[0].reason, `Recommandé : CEE, URSSAF, ${km} km, 3,8/5`);
  assert.equal(chosen[1].reason, "Recommandé : CEE, 0 km, pas encore d'avis");

  // With the same schemes held, the better rated and nearer comes first; the client's own expert never shows.
  const ticpe = recommend(decoded, { schemes: ["TICPE"], known: new Set(), origin: near("34500") }, helpers);
  assert.deepEqual(ticpe.map((expert) => [expert.slug, expert.reason]), [["helene-durand", "Recommandé : TICPE, 0 km, 4,6/5"]]);
  assert.deepEqual(recommend(decoded, { schemes: ["TICPE"], known: new Set(["helene-durand"]), origin: null }, helpers), []);
  // Without a town, no distance in the reason; a scheme nobody holds recommends nobody.
  assert.equal(recommend(decoded, { schemes: ["URSSAF"], known: new Set(), origin: null }, helpers)[0].reason, "Recommandé : URSSAF, 3,8/5");
  assert.deepEqual(recommend(decoded, { schemes: ["JEI"], known: new Set(), origin: null }, helpers), []);
  // Closed dossiers only: their schemes are still what the client knows it needs.
  assert.deepEqual(wantedFrom([{ productCode: "TICPE", status: "done", experts: [] }]).schemes, ["TICPE"]);
});

test("recommendations: an expert with no room is left out, the others are 'disponible'; unknown, nothing is claimed", () => {
  const helpers = { distance, slugOf, has };
  const wanted = { schemes: ["CEE"], known: new Set(), origin: near("Toulouse") };
  assert.deepEqual(recommend(decoded, { ...wanted, full: new Set(["ines-roux-2"]) }, helpers).map((expert) => [expert.slug, expert.reason.endsWith(", disponible")]),
    [["marc-petit", true]]);
  assert.deepEqual(recommend(decoded, { ...wanted, full: new Set() }, helpers).map((expert) => expert.reason.endsWith(", disponible")), [true, true]);
  assert.ok(recommend(decoded, { ...wanted, full: null }, helpers).every((expert) => !expert.reason.includes("disponible")));
});

test("recommendations: between equals, the nearer expert first", () => {
  const helpers = { distance, slugOf, has };
  const fromLyon = recommend(decoded, { schemes: ["CEE"], known: new Set(["marc-petit"]), origin: near("Lyon") }, helpers);
  assert.deepEqual(fromLyon.map((expert) => expert.slug), ["ines-roux-2"]);
  const both = recommend(decoded, { schemes: ["CEE"], known: new Set(), origin: near("Toulouse") }, helpers);
  // Marc is better rated (3,8 with 5 reviews against none), Inès is in Toulouse itself: nearness wins here.
  assert.deepEqual(both.map((expert) => expert.slug), ["ines-roux-2", "marc-petit"]);
});

test("the search page's inline script asks for the files search.js will ask for, before it runs", async () => {
  const { readFile } = await import("node:fs/promises");
  const page = await readFile(new URL("../../site-templates/search.mustache", import.meta.url), "utf8");
  const code = /<script id="search-preload">([\s\S]*?)<\/script>/.exec(page)?.[1];
  assert.ok(code, "the script is in the page");
  const asked = (search) => {
    const hrefs = [];
    const document = { createElement: () => ({}), head: { append: (link) => { assert.equal(link.as, "fetch"); assert.equal(link.crossOrigin, "anonymous"); hrefs.push(link.href); } } };
    new Function("location", "document", code)({ search }, document);
    return hrefs.sort();
  };
  const expected = (q, pres) => {
    const files = queryWords(q, []).map(wordKey).filter((key) => key.length === 2).map((key) => `/recherche/mots/${key}.json`);
    if (pres.trim()) {
      files.push("/recherche/coordonnees.bin");
      const key = /^\s*-?\d{1,2}(?:\.\d+)?\s*,/.test(pres) ? null : placeKey(pres);
      if (key) files.push(`/recherche/lieux/${key}.json`);
    }
    return [...new Set(files)].sort();
  };
  for (const [q, pres] of [["ticpe", ""], ["Audit URSSAF audit", "Saint-Étienne"], ["", "75008"], ["", "7"], ["énergie Œuvre", "Île-de-France"], ["", "45.76,4.83"], ["x", "  "]]) {
    const search = "?" + new URLSearchParams({ q, pres }).toString();
    assert.deepEqual(asked(search), expected(q, pres), `${q} / ${pres}`);
  }
});
