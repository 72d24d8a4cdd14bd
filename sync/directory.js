// @ts-check
// What links into the app say that the sync data does not: which dossier a conversation belongs
// to, and the rating key (`<client>:<expert>`) of a dossier's assignment. The sync API has no
// dossier collection yet (see sync/README.md), so a link such as
// `conversation.html?conversation=1&dossier=1&note=1:1` carries it, and the app remembers it
// (meta "directory") so that the same pages work offline and the dossier list can group by it.

/** @typedef {{conversations: Record<string, number>, ratings: Record<string, string>}} Directory */

const RATING_KEY = /^[0-9]{1,18}:[0-9]{1,18}$/;

/** @returns {Directory} */
export const emptyDirectory = () => ({ conversations: {}, ratings: {} });

/**
 * The ids a page's query string names: `dossier`, `conversation`, `note` (a rating key).
 * @param {string} search @returns {{dossier: number | null, conversation: number | null, rating: string | null}}
 */
export function hintsFromSearch(search) {
  const query = new URLSearchParams(search);
  /** @param {string} name */
  const id = (name) => {
    const text = query.get(name) ?? "";
    return /^[0-9]{1,15}$/.test(text) ? Number(text) : null;
  };
  const rating = query.get("note") ?? "";
  return { dossier: id("dossier"), conversation: id("conversation"), rating: RATING_KEY.test(rating) ? rating : null };
}

/**
 * The directory with a page's hints added (a new object; the old one is left alone).
 * @param {Directory} directory @param {ReturnType<typeof hintsFromSearch>} hints @returns {Directory}
 */
export function withHints(directory, hints) {
  const next = { conversations: { ...directory.conversations }, ratings: { ...directory.ratings } };
  if (hints.conversation !== null && hints.dossier !== null) next.conversations[hints.conversation] = hints.dossier;
  if (hints.dossier !== null && hints.rating !== null) next.ratings[hints.dossier] = hints.rating;
  return next;
}

/** The dossier of a conversation, if known. @param {Directory} directory @param {number} conversation */
export const dossierOfConversation = (directory, conversation) => directory.conversations[conversation] ?? null;
