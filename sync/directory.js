// @ts-check
// What the sync records do not say, and the pages need: which dossier a conversation belongs to,
// what the dossier is (product, status, company), who takes part in it (the client, the experts),
// its steps in order, and the rating key (`<clientId>:<expertId>`) of the client's assignment.
// It comes from `GET /api/v1/me` and `GET /api/v1/me/dossiers` (account.js fetches and caches it
// in IndexedDB, meta "account"); links of the older form
// `conversation.html?conversation=1&dossier=1&note=1:1` still work: their hints fill what the
// cached account does not know yet (meta "directory"). Pure, so node's tests check it.

/**
 * @typedef {{id: number, email: string, role: string, displayName: string, client?: number, expert?: number, place?: {city: string, postcode: string}}} Me
 * @typedef {{id: number, userId: number, name: string, slug: string, assignment: number, assignmentStatus: string}} DossierExpert
 * @typedef {{id: number, position: number, type: string, assigneeRole: string, status: string, progress: number, dueAt?: string,
 *   title?: string, dependsOn?: number[], documents?: string[]}} DossierStep
 * @typedef {{kind: string, text: string, at: string}} DossierEvent
 * @typedef {{id: number, status: string, productCode: string, productName: string, clientId: number, clientUserId: number,
 *   company: string, conversation?: number, estimatedCents: number, obtainedCents?: number, createdAt: string,
 *   experts: DossierExpert[], steps: DossierStep[], request?: string, description?: string, ineligibleReasons?: string[],
 *   events?: DossierEvent[]}} DossierInfo
 * @typedef {{me: Me | null, dossiers: DossierInfo[], total: number, fetchedAt: number, full?: string[]}} Account
 * @typedef {{conversations: Record<string, number>, ratings: Record<string, string>}} Directory
 * @typedef {{user: number, name: string, role: "client" | "expert"}} Participant
 */

const RATING_KEY = /^[0-9]{1,18}:[0-9]{1,18}$/;

/** @returns {Directory} */
export const emptyDirectory = () => ({ conversations: {}, ratings: {} });

/** @returns {Account} */
export const emptyAccount = () => ({ me: null, dossiers: [], total: 0, fetchedAt: 0 });

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

/**
 * The rating key of a dossier's assignment: the client and the expert working on it (an open
 * assignment first, else the latest listed), or null without an expert.
 * @param {DossierInfo} dossier @returns {string | null}
 */
export function ratingKeyOf(dossier) {
  const experts = dossier.experts ?? [];
  const expert = experts.find((candidate) => candidate.assignmentStatus !== "cancelled") ?? experts.at(-1);
  return expert ? `${dossier.clientId}:${expert.id}` : null;
}

/**
 * Whether the server would take this client's rating of the expert under `key`
 * (`<clientId>:<expertId>`): the rule of `SyncLocator`'s `ratingAllowed` — the signed-in client is
 * the rating's client and the expert has completed an assignment on one of its dossiers (any of
 * them: the rating is one per client and expert). Without the account
 * (not fetched yet) nothing is offered.
 * @param {Account | null | undefined} account @param {string | null | undefined} key @returns {boolean}
 */
export function mayRate(account, key) {
  // Two numbers spelled as the server spells them (no sign, no leading zero: `RecordID.pair`).
  if (!key || !/^[1-9][0-9]{0,17}:[1-9][0-9]{0,17}$/.test(key) || !account?.me || account.me.role !== "client") return false;
  const [client, expert] = key.split(":").map(Number);
  if (account.me.client !== client) return false;
  return account.dossiers.some((dossier) => dossier.clientId === client
    && (dossier.experts ?? []).some((candidate) => candidate.id === expert && candidate.assignmentStatus === "completed"));
}

/**
 * The directory the pages read: the account's dossiers first (the server's word), then the old
 * links' hints for what the account does not cover.
 * @param {Account | null | undefined} account @param {Directory | null | undefined} [hints] @returns {Directory}
 */
export function directoryOf(account, hints) {
  const directory = { conversations: { ...(hints?.conversations ?? {}) }, ratings: { ...(hints?.ratings ?? {}) } };
  for (const dossier of account?.dossiers ?? []) {
    if (dossier.conversation !== undefined && dossier.conversation !== null) directory.conversations[dossier.conversation] = dossier.id;
    const key = ratingKeyOf(dossier);
    if (key) directory.ratings[dossier.id] = key;
  }
  return directory;
}

/** The dossier of a conversation, if known. @param {Directory} directory @param {number} conversation */
export const dossierOfConversation = (directory, conversation) => directory.conversations[conversation] ?? null;

/** A dossier of the account by id. @param {Account | null | undefined} account @param {number | null} id @returns {DossierInfo | null} */
export const dossierById = (account, id) => (id === null ? null : account?.dossiers.find((dossier) => dossier.id === id) ?? null);

/**
 * Who takes part in a dossier: its client (named by the company) and its experts (cancelled
 * assignments left out unless none other), the signed-in user excluded.
 * @param {DossierInfo} dossier @param {number} [me] @returns {Participant[]}
 */
export function participantsOf(dossier, me) {
  const open = dossier.experts.filter((expert) => expert.assignmentStatus !== "cancelled");
  /** @type {Participant[]} */
  const people = [{ user: dossier.clientUserId, name: dossier.company, role: "client" },
    ...(open.length ? open : dossier.experts).map((expert) => ({ user: expert.userId, name: expert.name, role: /** @type {const} */ ("expert") }))];
  const seen = new Set();
  return people.filter((person) => person.user !== me && !seen.has(person.user) && seen.add(person.user));
}

/** The account's dossiers in the order the page lists them: open ones first, newest first. @param {Account | null | undefined} account */
export function dossiersForHome(account) {
  const closed = new Set(["done", "cancelled", "ineligible"]);
  return [...(account?.dossiers ?? [])].sort((a, b) =>
    Number(closed.has(a.status)) - Number(closed.has(b.status)) || (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : b.id - a.id));
}
