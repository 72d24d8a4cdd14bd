// @ts-check
// The marketplace's search, entirely in the browser. A query loads only the files it needs, all
// at once (see SearchFiles.swift for their layout): the index (names, tables), the facets (byte
// columns), the coordinates when a place is typed, one word file per word of the query, one
// places file for the place. Filters and sorts on every change; keeps the query in the address bar.
// No dependencies.

/** @typedef {{v: number, count: number, products: [string, string, number][], categories: string[], regions: string[], languages: string[],
 *   cities: [string, number, number, number][], names: string[], slugs: Record<string, string>, layout: [string, number][], stop: string[], words: string[]}} SearchIndex */
/** The experts decoded from the index and its facets: one entry per expert in each typed array (region: -1 for none).
 * @typedef {{index: SearchIndex, count: number, region: Int16Array, city: Uint16Array, suffix: Uint8Array, rating: Uint8Array, reviews: Uint16Array,
 *   hours: Uint16Array, products: Uint8Array[], languages: Uint8Array[], latitude: Float64Array | null, longitude: Float64Array | null}} Catalogue */
/** A line of a places file: name, postcodes (space-separated), latitude, longitude, kind ("P": préfecture, "A": arrondissement).
 * @typedef {[string, string, number, number, string]} PlaceRow */
/** @typedef {{name: string, latitude: number, longitude: number, departement: string | null}} Place */
/** Per word of the query, the experts whose text holds a word starting with it: listing position → 2 (the word itself) or 1 (a longer word).
 * @typedef {Map<number, number>} WordMatches */

const SHOWN = 100;

/** Lowercase without accents, as the index was folded. @param {string} text */
export function fold(text) {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

/**
 * The experts of the index and its facets file (`recherche/facettes.bin`).
 * @param {SearchIndex} index @param {Uint8Array} facets @returns {Catalogue}
 */
export function catalogue(index, facets) {
  const n = index.count;
  /** @type {Record<string, {at: number, width: number}>} */
  const columns = {};
  let at = 0;
  for (const [name, width] of index.layout) {
    columns[name] = { at, width };
    at += width * n;
  }
  if (facets.length !== at) throw new Error(`facets: ${facets.length} bytes, ${at} expected`);
  /** @param {string} name @param {number} k */
  const plane = (name, k) => facets.subarray(columns[name].at + k * n, columns[name].at + (k + 1) * n);
  /** @param {string} name */
  const planes = (name) => Array.from({ length: columns[name].width }, (_, k) => plane(name, k));
  /** @param {string} name */
  const number16 = (name) => {
    const out = new Uint16Array(n);
    const [low, high] = planes(name);
    for (let i = 0; i < n; i++) out[i] = low[i] | ((high?.[i] ?? 0) << 8);
    return out;
  };
  const city = number16("city");
  const region = new Int16Array(n);
  for (let i = 0; i < n; i++) region[i] = index.cities[city[i]]?.[1] ?? -1;
  return {
    index, count: n, region, city, suffix: plane("suffix", 0), rating: plane("rating", 0), reviews: number16("reviews"),
    hours: number16("hours"), products: planes("products"), languages: planes("languages"), latitude: null, longitude: null,
  };
}

/**
 * Adds each expert's coordinates (`recherche/coordonnees.bin`) to the catalogue.
 * @param {Catalogue} experts @param {Uint8Array} bytes
 */
export function addCoordinates(experts, bytes) {
  const n = experts.count;
  if (bytes.length !== 4 * n) throw new Error(`coordinates: ${bytes.length} bytes, ${4 * n} expected`);
  const view = (/** @type {number} */ k) => {
    const out = new Int16Array(n);
    for (let i = 0; i < n; i++) out[i] = bytes[2 * k * n + i] | (bytes[(2 * k + 1) * n + i] << 8);
    return out;
  };
  const [dLatitude, dLongitude] = [view(0), view(1)];
  experts.latitude = new Float64Array(n);
  experts.longitude = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const city = experts.index.cities[experts.city[i]];
    // Exact: an integer divided by 1e4 is the double the database's 4-decimal value reads as.
    experts.latitude[i] = (city[2] + dLatitude[i]) / 1e4;
    experts.longitude[i] = (city[3] + dLongitude[i]) / 1e4;
  }
}

/** Whether bit `bit` of a bit-set column is set for expert `i`. @param {Uint8Array[]} planes @param {number} i @param {number} bit */
export function has(planes, i, bit) {
  return ((planes[bit >> 3]?.[i] ?? 0) >> (bit & 7)) & 1;
}

/** An expert's slug: the index's, else made from the name as SearchFiles.slug(of:) does, with its number suffix. @param {Catalogue} experts @param {number} i */
export function slugOf(experts, i) {
  const made = fold(experts.index.names[i]).replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return experts.index.slugs[String(i)] ?? (experts.suffix[i] ? `${made}-${experts.suffix[i]}` : made);
}

/** The words of a query that are looked up: folded, two characters or more, stop words left out. @param {string} text @param {string[]} stop */
export function queryWords(text, stop) {
  const ignored = new Set(stop);
  return fold(text).split(/[^\p{L}\p{N}]+/u).filter((word) => Array.from(word).length >= 2 && !ignored.has(word));
}

/** The word file a word is in, as SearchFiles.wordKey(_:) names it: "ti" for "ticpe". @param {string} word */
export function wordKey(word) {
  const first = Array.from(word).slice(0, 2);
  return first.every((c) => /^[a-z0-9]$/.test(c)) ? first.join("") : `u${first.map((c) => (c.codePointAt(0) ?? 0).toString(16)).join("-")}`;
}

/**
 * The experts with a word starting with `word`, from its word file (`{word: [position differences]}`).
 * @param {Record<string, number[]>} file @param {string} word @returns {WordMatches}
 */
export function wordMatches(file, word) {
  /** @type {WordMatches} */
  const found = new Map();
  for (const [candidate, differences] of Object.entries(file)) {
    if (!candidate.startsWith(word)) continue;
    const score = candidate === word ? 2 : 1;
    let position = 0;
    for (const difference of differences) {
      position += difference;
      if ((found.get(position) ?? 0) < score) found.set(position, score);
    }
  }
  return found;
}

/** Great-circle distance in km. */
export function distance(lat1, lon1, lat2, lon2) {
  const rad = Math.PI / 180;
  const a = Math.sin((lat2 - lat1) * rad / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin((lon2 - lon1) * rad / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** A place name as names are compared: folded, hyphens and apostrophes as spaces. @param {string} text */
export function placeName(text) {
  return fold(text).replace(/[-'’]/g, " ").replace(/\s+/g, " ").trim();
}

/** The same without a leading article: "le mans" → "mans", "l ile d yeu" → "ile d yeu". @param {string} name */
function bare(name) {
  return name.replace(/^(le|la|les|l) /, "");
}

/**
 * The places file a text is looked up in (`recherche/lieux/<key>.json`): the first two letters
 * of a name ("ly" for "Lyon"), "cp" and the first two digits of a postcode ("cp75" for "75008");
 * null when there is too little to go on.
 * @param {string} text
 */
export function placeKey(text) {
  const wanted = fold(text.trim());
  if (/^\d/.test(wanted)) return /^\d{2}/.test(wanted) ? `cp${wanted.slice(0, 2)}` : null;
  const key = wanted.replace(/[^a-z0-9]/g, "").slice(0, 2);
  return key.length === 2 ? key : null;
}

/** Coordinates, as "Autour de moi" writes them: "45.7640,4.8357". */
const COORDINATES = /^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$/;

/**
 * The place a person typed, among `places` (the file `placeKey` names): coordinates; a postcode
 * (exact — "75008" is Paris 8e, not Paris —, else the préfecture of its département, with
 * `departement` set to say so); or a name,
 * accents, case and hyphens ignored (the name itself, else the most populous that begins with it:
 * "Paris 8e" is "Paris 8e Arrondissement").
 * @param {PlaceRow[]} places @param {string} text @returns {Place | null}
 */
export function findPlace(places, text) {
  const coordinates = COORDINATES.exec(text);
  if (coordinates) {
    const latitude = Number(coordinates[1]);
    const longitude = Number(coordinates[2]);
    if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return null;
    return { name: "votre position", latitude, longitude, departement: null };
  }
  /** @param {PlaceRow | undefined} row @param {string | null} departement */
  const place = (row, departement = null) => (row ? { name: row[0], latitude: row[2], longitude: row[3], departement } : null);
  const wanted = fold(text.trim());
  if (/^\d{2,5}$/.test(wanted)) {
    // An arrondissement before its city (Paris holds every 750xx), else the most populous.
    const exact = places.filter((p) => p[1].split(" ").includes(wanted));
    if (exact.length) return place(exact.find((p) => p[4] === "A") ?? exact[0]);
    const departement = wanted.startsWith("97") ? wanted.slice(0, 3) : wanted.slice(0, 2);
    if (wanted.length < departement.length) return null;
    return place(places.find((p) => p[4] === "P" && p[1].split(" ").some((code) => code.startsWith(departement))), departement);
  }
  const name = placeName(text);
  if (!name) return null;
  const names = places.map((p) => placeName(p[0]));
  const at = (/** @type {(n: string) => boolean} */ test) => places[names.findIndex(test)];
  return place(at((n) => n === name) ?? at((n) => bare(n) === name) ?? at((n) => n.startsWith(name)) ?? at((n) => bare(n).startsWith(name)));
}

/**
 * The experts matching `query`, sorted.
 * @param {Catalogue} experts
 * @param {{q?: string, dispositif?: string, categorie?: string, region?: string, note?: string, langue?: string, pres?: string, rayon?: string, tri?: string}} query
 * @param {Place | null} place `query.pres` found (`findPlace`); null: no distance filter
 * @param {WordMatches[]} matches one per word of the query (`queryWords`), from its word file
 * @returns {{rows: {i: number, km: number | null, score: number}[], place: Place | null, unknownPlace: boolean}}
 */
export function search(experts, query, place = null, matches = []) {
  const index = experts.index;
  const product = query.dispositif ? index.products.findIndex((p) => p[0] === query.dispositif) : -1;
  const category = query.categorie ? index.categories.indexOf(query.categorie) : -1;
  const region = query.region ? index.regions.indexOf(query.region) : -1;
  const minimum = query.note ? Math.round(Number(query.note) * 10) : 0;
  const language = query.langue ? index.languages.indexOf(query.langue) : -1;
  const radius = Number(query.rayon) > 0 ? Number(query.rayon) : 50;
  const ofCategory = index.products.flatMap((p, i) => (p[2] === category ? [i] : []));
  const located = place && experts.latitude && experts.longitude ? place : null;

  // A filter named in the query but unknown to the index matches nobody.
  const unknown = (query.dispositif && product < 0) || (query.categorie && category < 0) || (query.region && region < 0) || (query.langue && language < 0);
  const rows = [];
  // With words, only the experts of the rarest word are candidates.
  const candidates = matches.length ? [...matches.reduce((a, b) => (b.size < a.size ? b : a)).keys()].sort((a, b) => a - b) : null;
  const total = unknown ? 0 : candidates ? candidates.length : experts.count;
  for (let k = 0; k < total; k++) {
    const i = candidates ? candidates[k] : k;
    if (product >= 0 && !has(experts.products, i, product)) continue;
    if (category >= 0 && !ofCategory.some((p) => has(experts.products, i, p))) continue;
    if (region >= 0 && experts.region[i] !== region) continue;
    if (minimum > 0 && (experts.reviews[i] === 0 || experts.rating[i] < minimum)) continue;
    if (language >= 0 && !has(experts.languages, i, language)) continue;
    let score = 0;
    let matched = true;
    for (const words of matches) {
      const found = words.get(i);
      if (!found) { matched = false; break; }
      score += found;
    }
    if (!matched) continue;
    let km = null;
    if (located && experts.latitude && experts.longitude) {
      km = distance(located.latitude, located.longitude, experts.latitude[i], experts.longitude[i]);
      if (km > radius) continue;
    }
    rows.push({ i, km, score });
  }
  // Ties go to the listing's order, which is by last name then first name.
  const sorts = {
    note: (a, b) => experts.rating[b.i] - experts.rating[a.i] || experts.reviews[b.i] - experts.reviews[a.i] || a.i - b.i,
    avis: (a, b) => experts.reviews[b.i] - experts.reviews[a.i] || experts.rating[b.i] - experts.rating[a.i] || a.i - b.i,
    distance: (a, b) => (a.km ?? 0) - (b.km ?? 0) || a.i - b.i,
    nom: (a, b) => a.i - b.i,
    pertinence: (a, b) => b.score - a.score || experts.rating[b.i] - experts.rating[a.i] || a.i - b.i,
  };
  rows.sort(sorts[query.tri ?? "pertinence"] ?? sorts.pertinence);
  return { rows, place: located, unknownPlace: Boolean(query.pres?.trim() && !place) };
}

/** @param {string} tag @param {string} [className] @param {string} [text] */
function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * "Aucun expert trouvé", "1 expert trouvé", "1 234 experts trouvés": the count in the page's
 * language, its three forms (zero, one, other; `{n}` the number) given by the page
 * (`search_count_*` in the locale file). French takes the singular for 0 and 1.
 * @param {number} n
 * @param {{zero?: string, one?: string, other?: string}} forms
 */
export function countText(n, forms) {
  const form = n === 0 ? forms.zero ?? "Aucun expert trouvé" : n === 1 ? forms.one ?? "{n} expert trouvé" : forms.other ?? "{n} experts trouvés";
  return form.replace("{n}", n.toLocaleString("fr-FR"));
}

/** The measured median response in whole hours (0: not measured), worded as the site's cards word it. */
export function responseText(hours) {
  if (!hours) return "Délai de réponse pas encore mesuré";
  if (hours <= 1) return "Répond en moins d'une heure";
  if (hours < 48) return `Répond en ${hours} h`;
  return `Répond en ${Math.ceil(hours / 24)} jours`;
}

/** A result card, built with textContent only: nothing from the index is parsed as HTML. @param {Catalogue} experts */
function card(experts, { i, km }) {
  const index = experts.index;
  const name = index.names[i];
  const article = element("article", "card");
  const initials = name.split(" ").map((part) => part[0] ?? "").join("").slice(0, 2);
  const avatar = element("div", "avatar", initials);
  avatar.setAttribute("aria-hidden", "true");
  const body = element("div", "card-body");
  const heading = element("h3");
  const link = element("a", undefined, name);
  const slug = slugOf(experts, i);
  link.href = `/experts/${slug}/`;
  heading.append(link);
  const region = index.regions[experts.region[i]] ?? "";
  body.append(heading, element("p", "place", `${index.cities[experts.city[i]]?.[0] ?? ""} · ${region}${km === null ? "" : ` · ${Math.round(km)} km`}`));
  const tags = element("ul", "tags");
  const held = index.products.flatMap((_, p) => (has(experts.products, i, p) ? [p] : []));
  for (const p of held.slice(0, 3)) {
    const item = element("li");
    const tag = element("a", undefined, index.products[p][0]);
    tag.href = `/dispositifs/${fold(index.products[p][0]).replace(/[^a-z0-9]+/g, "-")}/`;
    tag.title = index.products[p][1];
    item.append(tag);
    tags.append(item);
  }
  body.append(tags);
  const rating = element("p", "rating");
  const reviews = experts.reviews[i];
  if (reviews) {
    const rounded = Math.round(experts.rating[i] / 10);
    const stars = element("span", "stars", "★".repeat(rounded) + "☆".repeat(5 - rounded));
    stars.setAttribute("aria-hidden", "true");
    rating.append(stars, ` ${(experts.rating[i] / 10).toFixed(1).replace(".", ",")} (${reviews} avis)`);
  } else {
    rating.textContent = "Pas encore d'avis";
  }
  body.append(rating, element("p", "facts", responseText(experts.hours[i])));
  article.append(avatar, body);
  article.dataset.slug = slug;
  return article;
}

/** Each file fetched once; a failure is forgotten, so that the next query asks again. (The app's
 * recommendations fetch through it too: sync/ui-index.js.) */
export class Files {
  constructor() {
    /** @type {Map<string, Promise<any>>} */
    this.loading = new Map();
  }

  /** @param {string} path @param {"json" | "bytes"} kind @param {any} [missing] what a 404 stands for */
  get(path, kind, missing) {
    let pending = this.loading.get(path);
    if (!pending) {
      pending = fetch(path).then(async (response) => {
        if (response.status === 404 && missing !== undefined) return missing;
        if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
        return kind === "json" ? response.json() : new Uint8Array(await response.arrayBuffer());
      });
      pending.catch(() => this.loading.delete(path));
      this.loading.set(path, pending);
    }
    return pending;
  }
}

async function start() {
  const form = /** @type {HTMLFormElement | null} */ (document.getElementById("search"));
  const status = document.getElementById("search-status");
  const results = document.getElementById("search-results");
  if (!form || !status || !results) return;
  status.textContent = "Chargement…";

  const params = new URLSearchParams(location.search);
  for (const [name, value] of params) {
    const field = form.elements.namedItem(name);
    if (field && "value" in field) field.value = value;
  }

  const files = new Files();
  /** @type {Promise<Catalogue>} */
  const loaded = Promise.all([files.get("/recherche/index.json", "json"), files.get("/recherche/facettes.bin", "bytes")])
    .then(([index, facets]) => catalogue(index, facets));
  // The coordinates, added to the experts the first time a query has a place.
  const withCoordinates = async () => {
    const [experts, bytes] = await Promise.all([loaded, files.get("/recherche/coordonnees.bin", "bytes")]);
    if (!experts.latitude) addCoordinates(experts, bytes);
  };

  /** @param {string} text @returns {Promise<{place: Place | null, unavailable: boolean}>} */
  const locate = async (text) => {
    if (!text.trim()) return { place: null, unavailable: false };
    const key = COORDINATES.test(text) ? null : placeKey(text);
    if (!key) return { place: findPlace([], text), unavailable: false };
    try {
      const places = await files.get(`/recherche/lieux/${key}.json`, "json", []);
      return { place: findPlace(places, text), unavailable: false };
    } catch {
      return { place: null, unavailable: true };
    }
  };

  let latest = 0;
  const run = async () => {
    const turn = ++latest;
    const started = performance.now();
    const query = /** @type {Record<string, string>} */ (Object.fromEntries(new FormData(form).entries()));
    const pres = String(query.pres ?? "");
    // Everything the query needs, asked for at once.
    const place = locate(pres);
    const coordinates = pres.trim() ? withCoordinates() : null;
    coordinates?.catch(() => {}); // awaited below, unless this run ends first
    let experts;
    /** @type {WordMatches[]} */
    let matches;
    try {
      experts = await loaded;
      const words = queryWords(String(query.q ?? ""), experts.index.stop);
      const known = new Set(experts.index.words);
      matches = await Promise.all(words.map(async (word) => {
        const key = wordKey(word);
        return known.has(key) ? wordMatches(await files.get(`/recherche/mots/${key}.json`, "json", {}), word) : new Map();
      }));
    } catch (error) {
      if (turn !== latest) return;
      status.textContent = "La recherche est indisponible pour le moment ; parcourez les experts par dispositif ou par région.";
      status.dataset.error = String(error);
      return;
    }
    const found = await place;
    let coordinatesMissing = false;
    if (found.place && coordinates) {
      try { await coordinates; } catch { coordinatesMissing = true; }
    }
    if (turn !== latest) return; // a newer query is already on its way
    const searching = performance.now();
    const { rows, place: near, unknownPlace } = search(experts, /** @type {any} */ (query), coordinatesMissing ? null : found.place, matches);
    status.dataset.searchMilliseconds = (performance.now() - searching).toFixed(2);
    results.replaceChildren(...rows.slice(0, SHOWN).map((row) => card(experts, row)));
    const elapsed = performance.now() - started;
    const count = countText(rows.length, { zero: status.dataset.countZero, one: status.dataset.countOne, other: status.dataset.countOther });
    const shown = rows.length > SHOWN ? ` (les ${SHOWN} premiers affichés)` : "";
    const radius = Number(query.rayon) > 0 ? Number(query.rayon) : 50;
    const where = near
      ? ` à moins de ${radius} km de ${near.name}${near.departement ? ` (code postal inconnu : préfecture du département ${near.departement})` : ""}`
      : found.unavailable || coordinatesMissing
        ? ` — les lieux sont indisponibles pour le moment : « ${pres} » n'est pas appliqué`
        : unknownPlace
          ? ` — lieu « ${pres} » inconnu : aucun filtre de distance appliqué`
          : "";
    status.textContent = `${count}${where}${shown}.`;
    status.dataset.count = String(rows.length);
    status.dataset.milliseconds = elapsed.toFixed(1);
    // Since the navigation began: when the first results were on screen (make bench reads it).
    status.dataset.shownAt ??= performance.now().toFixed(0);
    status.dataset.place = near ? `${near.name};${near.latitude};${near.longitude}` : unknownPlace ? "unknown" : "";
    const url = new URL(location.href);
    url.search = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== "")).toString();
    history.replaceState(null, "", url);
  };
  form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
  form.addEventListener("change", run);
  startAlert(form);

  // "Autour de moi": the browser's position, asked for only when the visitor clicks.
  const around = document.getElementById("autour-de-moi");
  const near = /** @type {HTMLInputElement | null} */ (form.elements.namedItem("pres"));
  if (around && near && "geolocation" in navigator) {
    around.hidden = false;
    around.addEventListener("click", () => {
      status.textContent = "Recherche de votre position…";
      navigator.geolocation.getCurrentPosition(
        (position) => {
          near.value = `${position.coords.latitude.toFixed(4)},${position.coords.longitude.toFixed(4)}`;
          run();
        },
        (error) => {
          status.textContent = error.code === error.PERMISSION_DENIED
            ? "Votre position n'est pas partagée : tapez une ville ou un code postal."
            : "Votre position est introuvable pour le moment : tapez une ville ou un code postal.";
        },
        { timeout: 10_000, maximumAge: 600_000 },
      );
    });
  }
  run();
}

/** The search's criteria a saved search keeps (the place, rating and sort are not). */
export const ALERT_FIELDS = Object.freeze(["q", "dispositif", "categorie", "region", "langue"]);

/**
 * "Alertes de nouveaux experts": saves the search's current criteria with the visitor's e-mail
 * address (POST /api/v1/search-alerts); the server sends a confirmation e-mail (double opt-in).
 * @param {HTMLFormElement} search
 */
function startAlert(search) {
  const form = /** @type {HTMLFormElement | null} */ (document.getElementById("alerte-form"));
  const status = document.getElementById("alerte-status");
  if (!form || !status) return;
  form.hidden = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const criteria = new FormData(search);
    /** @type {Record<string, string>} */
    const body = { email: String(new FormData(form).get("email") ?? "") };
    for (const name of ALERT_FIELDS) body[name] = String(criteria.get(name) ?? "");
    const button = form.querySelector("button");
    if (button) button.disabled = true;
    status.textContent = "Envoi…";
    delete status.dataset.state;
    try {
      const answer = await fetch("/api/v1/search-alerts", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      const reply = await answer.json().catch(() => ({}));
      status.textContent = typeof reply.message === "string" ? reply.message : `L'alerte n'a pas pu être créée (erreur ${answer.status}).`;
      status.dataset.state = answer.ok ? "sent" : "refused";
    } catch {
      status.textContent = "Le serveur est injoignable pour le moment : réessayez dans un instant.";
      status.dataset.state = "refused";
    } finally {
      if (button) button.disabled = false;
    }
  });
}

if (typeof document !== "undefined") start();
