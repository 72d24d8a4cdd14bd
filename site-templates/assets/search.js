// @ts-check
// The marketplace's search, entirely in the browser: loads the prebuilt index once, filters and
// sorts it on every change, and keeps the query in the address bar. No dependencies.

/** @typedef {[string, string, string, number, number, number, number, number, number[], number[], number, string]} ExpertRow */
/** @typedef {{v: number, products: [string, string, number][], categories: string[], regions: string[], languages: string[], experts: ExpertRow[], places: [string, string, number, number][]}} SearchIndex */

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

/**
 * The town a person typed: a name (accents and case ignored) or a postcode (exact, else the
 * first town of the same département).
 * @param {SearchIndex} index @param {string} text
 */
export function findPlace(index, text) {
  const wanted = fold(text.trim());
  if (!wanted) return null;
  if (/^\d{2,5}$/.test(wanted)) {
    return index.places.find((p) => p[1] === wanted) ?? index.places.find((p) => p[1].startsWith(wanted.slice(0, 2))) ?? null;
  }
  return index.places.find((p) => fold(p[0]) === wanted) ?? index.places.find((p) => fold(p[0]).startsWith(wanted)) ?? null;
}

/**
 * The experts matching `query`, sorted.
 * @param {SearchIndex} index
 * @param {{q?: string, dispositif?: string, categorie?: string, region?: string, note?: string, langue?: string, pres?: string, rayon?: string, tri?: string}} query
 * @returns {{rows: {expert: ExpertRow, km: number | null, score: number}[], place: [string, string, number, number] | null, unknownPlace: boolean}}
 */
export function search(index, query) {
  const words = fold(query.q ?? "").split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const product = query.dispositif ? index.products.findIndex((p) => p[0] === query.dispositif) : -1;
  const category = query.categorie ? index.categories.indexOf(query.categorie) : -1;
  const region = query.region ? index.regions.indexOf(query.region) : -1;
  const minimum = query.note ? Math.round(Number(query.note) * 10) : 0;
  const language = query.langue ? index.languages.indexOf(query.langue) : -1;
  const place = query.pres ? findPlace(index, query.pres) : null;
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
      km = distance(place[2], place[3], expert[4], expert[5]);
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
  return { rows, place, unknownPlace: Boolean(query.pres && !place) };
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

  const run = () => {
    const started = performance.now();
    const query = Object.fromEntries(new FormData(form).entries());
    const { rows, place, unknownPlace } = search(index, /** @type {any} */ (query));
    results.replaceChildren(...rows.slice(0, SHOWN).map((row) => card(index, row)));
    const elapsed = performance.now() - started;
    const found = rows.length === 1 ? "1 expert trouvé" : `${rows.length} experts trouvés`;
    const shown = rows.length > SHOWN ? ` (les ${SHOWN} premiers affichés)` : "";
    const near = place ? ` autour de ${place[0]}` : unknownPlace ? " — ville ou code postal inconnu" : "";
    status.textContent = `${found}${near}${shown}.`;
    status.dataset.count = String(rows.length);
    status.dataset.milliseconds = elapsed.toFixed(1);
    const url = new URL(location.href);
    url.search = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== "")).toString();
    history.replaceState(null, "", url);
  };
  form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
  form.addEventListener("change", run);
  run();
}

if (typeof document !== "undefined") start();
