// @ts-check
// The marketplace's search, entirely in the browser: loads the prebuilt index once, filters and
// sorts it on every change, and keeps the query in the address bar. No dependencies.

/** @typedef {[string, string, string, number, number, number, number, number, number[], number[], number, string]} ExpertRow */
/** @typedef {{v: number, products: [string, string, number][], categories: string[], regions: string[], languages: string[], experts: ExpertRow[]}} SearchIndex */
/** A line of a places file: name, postcodes (space-separated), latitude, longitude, kind ("P": préfecture, "A": arrondissement).
 * @typedef {[string, string, number, number, string]} PlaceRow */
/** @typedef {{name: string, latitude: number, longitude: number, departement: string | null}} Place */

const SHOWN = 100;

/** Lowercase without accents, as the index was folded. @param {string} text */
export function fold(text) {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
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
 * @param {SearchIndex} index
 * @param {{q?: string, dispositif?: string, categorie?: string, region?: string, note?: string, langue?: string, pres?: string, rayon?: string, tri?: string}} query
 * @param {Place | null} place `query.pres` found (`findPlace`); null: no distance filter
 * @returns {{rows: {expert: ExpertRow, km: number | null, score: number}[], place: Place | null, unknownPlace: boolean}}
 */
export function search(index, query, place = null) {
  const words = fold(query.q ?? "").split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const product = query.dispositif ? index.products.findIndex((p) => p[0] === query.dispositif) : -1;
  const category = query.categorie ? index.categories.indexOf(query.categorie) : -1;
  const region = query.region ? index.regions.indexOf(query.region) : -1;
  const minimum = query.note ? Math.round(Number(query.note) * 10) : 0;
  const language = query.langue ? index.languages.indexOf(query.langue) : -1;
  const radius = Number(query.rayon) > 0 ? Number(query.rayon) : 50;
  const productsOfCategory = new Set(index.products.flatMap((p, i) => (p[2] === category ? [i] : [])));

  const rows = [];
  for (const expert of index.experts) {
    if (product >= 0 && !expert[8].includes(product)) continue;
    if (category >= 0 && !expert[8].some((p) => productsOfCategory.has(p))) continue;
    if (region >= 0 && expert[3] !== region) continue;
    if (minimum > 0 && (expert[7] === 0 || expert[6] < minimum)) continue;
    if (language >= 0 && !expert[9].includes(language)) continue;
    let score = 0;
    if (words.length) {
      const text = expert[11];
      let matched = true;
      for (const word of words) {
        const at = text.indexOf(word);
        if (at < 0) { matched = false; break; }
        score += at === 0 || text[at - 1] === " " ? 2 : 1;
      }
      if (!matched) continue;
    }
    let km = null;
    if (place) {
      km = distance(place.latitude, place.longitude, expert[4], expert[5]);
      if (km > radius) continue;
    }
    rows.push({ expert, km, score });
  }
  const byName = (a, b) => a.expert[1].localeCompare(b.expert[1], "fr");
  const sorts = {
    note: (a, b) => b.expert[6] - a.expert[6] || b.expert[7] - a.expert[7] || byName(a, b),
    avis: (a, b) => b.expert[7] - a.expert[7] || b.expert[6] - a.expert[6] || byName(a, b),
    distance: (a, b) => (a.km ?? 0) - (b.km ?? 0) || byName(a, b),
    nom: byName,
    pertinence: (a, b) => b.score - a.score || b.expert[6] - a.expert[6] || byName(a, b),
  };
  rows.sort(sorts[query.tri ?? "pertinence"] ?? sorts.pertinence);
  return { rows, place, unknownPlace: Boolean(query.pres?.trim() && !place) };
}

/** @param {string} tag @param {string} [className] @param {string} [text] */
function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A result card, built with textContent only: nothing from the index is parsed as HTML. */
function card(index, { expert, km }) {
  const article = element("article", "card");
  const initials = expert[1].split(" ").map((part) => part[0] ?? "").join("").slice(0, 2);
  const avatar = element("div", "avatar", initials);
  avatar.setAttribute("aria-hidden", "true");
  const body = element("div", "card-body");
  const heading = element("h3");
  const link = element("a", undefined, expert[1]);
  link.href = `/experts/${expert[0]}/`;
  heading.append(link);
  body.append(heading, element("p", "place", `${expert[2]} · ${index.regions[expert[3]] ?? ""}${km === null ? "" : ` · ${Math.round(km)} km`}`));
  const tags = element("ul", "tags");
  for (const p of expert[8].slice(0, 3)) {
    const item = element("li");
    const tag = element("a", undefined, index.products[p][0]);
    tag.href = `/dispositifs/${fold(index.products[p][0]).replace(/[^a-z0-9]+/g, "-")}/`;
    tag.title = index.products[p][1];
    item.append(tag);
    tags.append(item);
  }
  body.append(tags);
  const rating = element("p", "rating");
  if (expert[7]) {
    const rounded = Math.round(expert[6] / 10);
    const stars = element("span", "stars", "★".repeat(rounded) + "☆".repeat(5 - rounded));
    stars.setAttribute("aria-hidden", "true");
    rating.append(stars, ` ${(expert[6] / 10).toFixed(1).replace(".", ",")} (${expert[7]} avis)`);
  } else {
    rating.textContent = "Pas encore d'avis";
  }
  body.append(rating, element("p", "facts", `Répond en ${expert[10]} h`));
  article.append(avatar, body);
  article.dataset.slug = expert[0];
  return article;
}

async function start() {
  const form = /** @type {HTMLFormElement | null} */ (document.getElementById("search"));
  const status = document.getElementById("search-status");
  const results = document.getElementById("search-results");
  if (!form || !status || !results) return;
  status.textContent = "Chargement de l'index…";
  /** @type {SearchIndex} */
  let index;
  try {
    const response = await fetch("/recherche/experts.json");
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    index = await response.json();
  } catch (error) {
    status.textContent = "La recherche est indisponible pour le moment ; parcourez les experts par dispositif ou par région.";
    status.dataset.error = String(error);
    return;
  }

  const params = new URLSearchParams(location.search);
  for (const [name, value] of params) {
    const field = form.elements.namedItem(name);
    if (field && "value" in field) field.value = value;
  }

  // The places files, each fetched once, when a visitor first types a place it holds.
  /** @type {Map<string, Promise<PlaceRow[] | null>>} */
  const placeFiles = new Map();
  /** @param {string} text @returns {Promise<{place: Place | null, unavailable: boolean}>} */
  const locate = async (text) => {
    if (!text.trim()) return { place: null, unavailable: false };
    const key = COORDINATES.test(text) ? null : placeKey(text);
    if (!key) return { place: findPlace([], text), unavailable: false };
    if (!placeFiles.has(key)) {
      placeFiles.set(key, fetch(`/recherche/lieux/${key}.json`).then((r) => (r.ok ? r.json() : r.status === 404 ? [] : null), () => null));
    }
    const places = await placeFiles.get(key);
    if (!places) placeFiles.delete(key);
    return { place: places ? findPlace(places, text) : null, unavailable: !places };
  };

  let latest = 0;
  const run = async () => {
    const turn = ++latest;
    const started = performance.now();
    const query = Object.fromEntries(new FormData(form).entries());
    const located = await locate(String(query.pres ?? ""));
    if (turn !== latest) return; // a newer query is already on its way
    const { rows, place, unknownPlace } = search(index, /** @type {any} */ (query), located.place);
    results.replaceChildren(...rows.slice(0, SHOWN).map((row) => card(index, row)));
    const elapsed = performance.now() - started;
    const found = rows.length === 0 ? "Aucun expert trouvé" : rows.length === 1 ? "1 expert trouvé" : `${rows.length.toLocaleString("fr-FR")} experts trouvés`;
    const shown = rows.length > SHOWN ? ` (les ${SHOWN} premiers affichés)` : "";
    const radius = Number(query.rayon) > 0 ? Number(query.rayon) : 50;
    const near = place
      ? ` à moins de ${radius} km de ${place.name}${place.departement ? ` (code postal inconnu : préfecture du département ${place.departement})` : ""}`
      : unknownPlace
        ? located.unavailable
          ? ` — les lieux sont indisponibles pour le moment : « ${query.pres} » n'est pas appliqué`
          : ` — lieu « ${query.pres} » inconnu : aucun filtre de distance appliqué`
        : "";
    status.textContent = `${found}${near}${shown}.`;
    status.dataset.count = String(rows.length);
    status.dataset.milliseconds = elapsed.toFixed(1);
    status.dataset.place = place ? `${place.name};${place.latitude};${place.longitude}` : unknownPlace ? "unknown" : "";
    const url = new URL(location.href);
    url.search = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== "")).toString();
    history.replaceState(null, "", url);
  };
  form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
  form.addEventListener("change", run);

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

if (typeof document !== "undefined") start();
