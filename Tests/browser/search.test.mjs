// node --test: the search logic of site-templates/assets/search.js, without a browser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fold, distance, findPlace, search } from "../../site-templates/assets/search.js";

const index = {
  v: 1,
  products: [["TICPE", "Remboursement TICPE", 0], ["URSSAF", "Audit URSSAF", 1], ["CEE", "Certificats", 2]],
  categories: ["tax", "social", "energy"],
  regions: ["Auvergne-Rhône-Alpes", "Occitanie"],
  languages: ["fr", "en"],
  places: [["Béziers", "34500", 43.3442, 3.2158], ["Lyon", "69001", 45.764, 4.8357], ["Toulouse", "31000", 43.6047, 1.4442]],
  experts: [
    ["helene-durand", "Hélène Durand", "Béziers", 1, 43.3442, 3.2158, 46, 12, [0], [0, 1], 4, "helene durand durand conseil ticpe pour transporteurs beziers occitanie"],
    ["marc-petit", "Marc Petit", "Lyon", 0, 45.764, 4.8357, 38, 5, [1, 2], [0], 24, "marc petit petit audit urssaf lyon auvergne-rhone-alpes"],
    ["ines-roux", "Inès Roux", "Toulouse", 1, 43.6047, 1.4442, 0, 0, [2], [0], 8, "ines roux roux energie toulouse occitanie"],
  ],
};

const slugs = (query) => search(index, query).rows.map((row) => row.expert[0]);

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
  assert.equal(findPlace(index, "beziers")[0], "Béziers");
  assert.equal(findPlace(index, "69001")[0], "Lyon");
  assert.equal(findPlace(index, "69008")[0], "Lyon", "same département");
  assert.equal(findPlace(index, "Nulle-Part"), null);
  assert.deepEqual(slugs({ pres: "Toulouse", rayon: "200", tri: "distance" }), ["ines-roux", "helene-durand"]);
  assert.deepEqual(slugs({ pres: "Toulouse", rayon: "50" }), ["ines-roux"]);
  assert.equal(search(index, { pres: "Nulle-Part" }).unknownPlace, true);
});

test("sorts", () => {
  assert.deepEqual(slugs({ tri: "avis" }), ["helene-durand", "marc-petit", "ines-roux"]);
  assert.deepEqual(slugs({ tri: "nom" }), ["helene-durand", "ines-roux", "marc-petit"]);
});
