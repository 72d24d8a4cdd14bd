// node --test: the search logic of site-templates/assets/search.js, without a browser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fold, distance, findPlace, placeKey, placeName, search } from "../../site-templates/assets/search.js";

const index = {
  v: 1,
  products: [["TICPE", "Remboursement TICPE", 0], ["URSSAF", "Audit URSSAF", 1], ["CEE", "Certificats", 2]],
  categories: ["tax", "social", "energy"],
  regions: ["Auvergne-Rhône-Alpes", "Occitanie"],
  languages: ["fr", "en"],
  experts: [
    ["helene-durand", "Hélène Durand", "Béziers", 1, 43.3442, 3.2158, 46, 12, [0], [0, 1], 4, "helene durand durand conseil ticpe pour transporteurs beziers occitanie"],
    ["marc-petit", "Marc Petit", "Lyon", 0, 45.764, 4.8357, 38, 5, [1, 2], [0], 24, "marc petit petit audit urssaf lyon auvergne-rhone-alpes"],
    ["ines-roux", "Inès Roux", "Toulouse", 1, 43.6047, 1.4442, 0, 0, [2], [0], 8, "ines roux roux energie toulouse occitanie"],
  ],
};

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
const slugs = (query) => search(index, query, query.pres ? near(query.pres) : null).rows.map((row) => row.expert[0]);

test("text search ignores accents and case and needs every word", () => {
  assert.equal(fold("Hélène ÉNERGIE"), "helene energie");
  assert.deepEqual(slugs({ q: "HELENE" }), ["helene-durand"]);
  assert.deepEqual(slugs({ q: "Béziers ticpe" }), ["helene-durand"]);
  assert.deepEqual(slugs({ q: "béziers urssaf" }), []);
});

test("filters combine", () => {
  assert.deepEqual(slugs({ region: "Occitanie", tri: "nom" }), ["helene-durand", "ines-roux"]);
  assert.deepEqual(slugs({ categorie: "energy", tri: "nom" }), ["ines-roux", "marc-petit"]);
  assert.deepEqual(slugs({ dispositif: "URSSAF" }), ["marc-petit"]);
  assert.deepEqual(slugs({ note: "4" }), ["helene-durand"]);
  assert.deepEqual(slugs({ note: "3.5", tri: "note" }), ["helene-durand", "marc-petit"]);
  assert.deepEqual(slugs({ langue: "en" }), ["helene-durand"]);
});

test("an expert without reviews never passes a minimum rating", () => {
  assert.ok(!slugs({ note: "3" }).includes("ines-roux"));
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
  assert.deepEqual(slugs({ pres: "Toulouse", rayon: "200", tri: "distance" }), ["ines-roux", "helene-durand"]);
  assert.deepEqual(slugs({ pres: "Toulouse", rayon: "50" }), ["ines-roux"]);
  assert.equal(search(index, { pres: "Nulle-Part" }, near("Nulle-Part")).unknownPlace, true);
});

test("an unknown postcode falls back on its département's préfecture, and says so", () => {
  const place = near("69999");
  assert.equal(place.name, "Lyon");
  assert.equal(place.departement, "69");
  assert.equal(near("69008").departement, null, "a postcode of the list is exact");
  assert.equal(near("99999"), null);
});

test("an unknown place keeps the other filters", () => {
  const { rows, unknownPlace } = search(index, { pres: "Nulle-Part", region: "Occitanie" }, null);
  assert.equal(unknownPlace, true);
  assert.deepEqual(rows.map((row) => row.expert[0]).sort(), ["helene-durand", "ines-roux"]);
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
  assert.deepEqual(slugs({ tri: "avis" }), ["helene-durand", "marc-petit", "ines-roux"]);
  assert.deepEqual(slugs({ tri: "nom" }), ["helene-durand", "ines-roux", "marc-petit"]);
});
