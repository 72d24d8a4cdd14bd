// node --test: French plurals in the app (sync/ui.js `count`) and in the locale file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { count } from "../../sync/ui.js";

const locale = JSON.parse(readFileSync(new URL("../../site-templates/locales/fr.json", import.meta.url), "utf8"));

test("0 and 1 take the singular, 2 and more the plural, and a zero text wins for 0", () => {
  const strings = { unreadOne: "{n} non lue", unreadOther: "{n} non lues", foundZero: "Aucun message trouvé", foundOne: "{n} message trouvé", foundOther: "{n} messages trouvés" };
  assert.equal(count(strings, "unread", 0), "0 non lue");
  assert.equal(count(strings, "unread", 1), "1 non lue");
  assert.equal(count(strings, "unread", 2), "2 non lues");
  assert.equal(count(strings, "found", 0), "Aucun message trouvé");
  assert.equal(count(strings, "found", 1), "1 message trouvé");
  assert.equal(count(strings, "found", 1500), "1\u202f500 messages trouvés", "thousands grouped the French way");
});

test("other values are filled in beside the count", () => {
  assert.equal(count({ ofOne: "Expert : {names}", ofOther: "Experts : {names}" }, "of", 2, { names: "A, B" }), "Experts : A, B");
});

test("the locale file has no « (s) » and every singular has its plural", () => {
  for (const [key, text] of Object.entries(locale)) {
    assert.ok(!/\(s\)|\(e\)|\(es\)/.test(text), `${key}: ${text}`);
    if (key.endsWith("_one")) assert.ok(`${key.slice(0, -4)}_other` in locale || `${key.slice(0, -4)}_many` in locale, `${key} has no _other`);
  }
});
