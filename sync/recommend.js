// @ts-check
// Experts to recommend to a signed-in client, chosen on the device: from the public search files
// (the catalogue `/assets/search.js` decodes) and what the app already holds (the client's
// dossiers and town). Nothing about the client leaves the device. Pure, so node's tests check it.

/** @typedef {import("../site-templates/assets/search.js").Catalogue} Catalogue */
/**
 * @typedef {{i: number, slug: string, name: string, schemes: string[], km: number | null,
 *   rating: number | null, reviews: number, reason: string}} Recommendation
 */

/** Dossier statuses whose scheme the client still needs an expert for. */
const OPEN = ["eligible", "in_progress"];

/** A rating's weight against the prior: an expert with few reviews counts near 3.5/5. */
const PRIOR = { mean: 3.5, weight: 5 };

/**
 * The schemes to recommend experts for: those of the client's open dossiers, else of all of them;
 * and the experts already on its dossiers (by slug), who are not recommended again.
 * @param {{productCode: string, status: string, experts: {slug: string}[]}[]} dossiers
 */
export function wantedFrom(dossiers) {
  const open = dossiers.filter((dossier) => OPEN.includes(dossier.status));
  const schemes = [...new Set((open.length ? open : dossiers).map((dossier) => dossier.productCode))];
  const known = new Set(dossiers.flatMap((dossier) => dossier.experts.map((expert) => expert.slug)));
  return { schemes, known };
}

/**
 * Up to `limit` experts, best first: those holding more of the wanted schemes first, then by a
 * blend of their rating (pulled towards 3.5 while reviews are few) and nearness to `origin`;
 * each with the reason it is shown ("Recommandé : TICPE, 12 km, 4,8/5, disponible"). `full`: the
 * experts (slugs) with no room for another dossier, left out — the others are "disponible"; null
 * when unknown (offline), and then availability is not claimed.
 * @param {Catalogue} experts with coordinates when `origin` is given
 * @param {{schemes: string[], known: Set<string>, origin: {latitude: number, longitude: number} | null, full?: Set<string> | null, limit?: number}} wanted
 * @param {{distance: (lat1: number, lon1: number, lat2: number, lon2: number) => number, slugOf: (experts: Catalogue, i: number) => string,
 *   has: (planes: Uint8Array[], i: number, bit: number) => number}} helpers search.js' own
 * @returns {Recommendation[]}
 */
export function recommend(experts, wanted, { distance, slugOf, has }) {
  const codes = experts.index.products.map((product) => product[0]);
  const bits = wanted.schemes.map((code) => codes.indexOf(code)).filter((bit) => bit >= 0);
  if (!bits.length) return [];
  const { latitude, longitude } = experts;
  const near = wanted.origin && latitude && longitude ? { origin: wanted.origin, latitude, longitude } : null;
  /** @type {{i: number, held: number[], km: number | null, score: number}[]} */
  const candidates = [];
  for (let i = 0; i < experts.count; i++) {
    const held = bits.filter((bit) => has(experts.products, i, bit));
    if (!held.length) continue;
    const km = near ? distance(near.origin.latitude, near.origin.longitude, near.latitude[i], near.longitude[i]) : null;
    const reviews = experts.reviews[i];
    const quality = (experts.rating[i] / 10 * reviews + PRIOR.mean * PRIOR.weight) / (reviews + PRIOR.weight);
    const nearness = km === null ? 0.5 : 1 / (1 + km / 50);
    candidates.push({ i, held, km, score: held.length * 10 + (quality / 5) * 0.6 + nearness * 0.4 });
  }
  candidates.sort((a, b) => b.score - a.score || a.i - b.i);
  /** @type {Recommendation[]} */
  const chosen = [];
  for (const candidate of candidates) {
    if (chosen.length >= (wanted.limit ?? 4)) break;
    const slug = slugOf(experts, candidate.i);
    if (wanted.known.has(slug) || wanted.full?.has(slug)) continue;
    const reviews = experts.reviews[candidate.i];
    const rating = reviews ? experts.rating[candidate.i] / 10 : null;
    const schemes = candidate.held.map((bit) => codes[bit]);
    const parts = [schemes.join(", ")];
    if (candidate.km !== null) parts.push(`${Math.round(candidate.km)} km`);
    parts.push(rating === null ? "pas encore d'avis" : `${rating.toFixed(1).replace(".", ",")}/5`);
    if (wanted.full) parts.push("disponible");
    chosen.push({ i: candidate.i, slug, name: experts.index.names[candidate.i], schemes, km: candidate.km, rating, reviews, reason: `Recommandé : ${parts.join(", ")}` });
  }
  return chosen;
}
