// @ts-check
// "Mes dossiers" (a client) / "Mes missions" (an expert): one entry per dossier (from the account,
// cached for offline use): product, status, the expert(s) or the client's company, the links to
// its conversation and documents, and its steps in order with their progress — the progress and
// status from the synced replica, so they move live; a step can be moved from here. Steps and
// conversations the account does not place (not fetched yet) are listed apart.

import { dossiersForHome, participantsOf } from "./directory.js";
import { recommend, wantedFrom } from "./recommend.js";
import { STEP_STATUSES_BY_ROLE } from "./validate.js";
import { boot, byId, count, el, fill, formatDate } from "./ui.js";
import { CLOSED_DOSSIER_STATUSES, conversationsOf, documentsOf, dossierRequestsOf, messagesOf, stepChoices, stepsOf } from "./views.js";

/** @typedef {import("./ui.js").Strings} Strings */
/** @typedef {import("./views.js").StepView} StepView */

/** "in_progress" → the strings' key "statusInProgress". @param {string} prefix @param {string} value */
const key = (prefix, value) => prefix + value.split("_").map((part) => part[0].toUpperCase() + part.slice(1)).join("");

/** The schemes' names by id (the page holds them, for requests the account does not list yet). */
const schemeNames = new Map(/** @type {{id: number, name: string}[]} */ (JSON.parse(byId("scheme-questions")?.textContent || "[]")).map((scheme) => [scheme.id, scheme.name]));

/** @param {import("./ui.js").App} app */
async function render({ engine, strings, account }) {
  const session = engine.session;
  if (!session) return;
  const role = session.user.role;
  /** @type {HTMLElement} */ (document.querySelector("main h1")).textContent = strings[key("heading", role)] ?? "";
  document.title = `${strings[key("heading", role)]} · FinancialTracker`;
  byId("who").textContent = `${session.user.displayName} (${session.user.email})`;
  byId("admin-note").hidden = role !== "admin";
  byId("admin-note").textContent = strings.adminNote ?? "";
  byId("home").hidden = false;
  const stale = byId("directory-stale");
  stale.hidden = navigator.onLine || account.account.fetchedAt === 0;
  stale.textContent = fill(strings.directoryStale, { date: formatDate(account.account.fetchedAt) });

  // Not while the user is choosing a step's status or writing a reason: the list would be rebuilt under them.
  if (byId("home").contains(document.activeElement) && ["SELECT", "TEXTAREA"].includes(document.activeElement?.tagName ?? "")) return;
  const replica = engine.shown;
  const live = new Map(stepsOf(replica).map((step) => [step.id, step]));
  const allowed = STEP_STATUSES_BY_ROLE[role] ?? [];
  const dossiers = dossiersForHome(account.account);
  const placedSteps = new Set();
  const placedConversations = new Set();
  byId("new-dossier-cta").hidden = role !== "client";
  // Dossiers opened here (or on another device) that the account does not list yet: still in the
  // outbox, or sent and waiting for the next refresh of the account.
  const requestList = byId("request-list");
  const requests = dossierRequestsOf(replica, new Set(dossiers.map((dossier) => dossier.request).filter((id) => id !== undefined)));
  const pendingRecords = new Set(engine.pendingOperations.filter((operation) => operation.collection === "dossier").map((operation) => operation.record));
  requestList.replaceChildren(...requests.map((request) => el("li", { class: "dossier request", dataset: { request: request.id, state: pendingRecords.has(request.id) ? "pending" : "sent" } },
    el("h2", {}, schemeNames.get(request.product) ?? `n° ${request.product}`, " ", el("span", { class: "dossier-status" }, `· ${pendingRecords.has(request.id) ? requestList.dataset.pending : requestList.dataset.waiting}`)),
    el("p", { class: "muted" }, `${request.amount.toLocaleString("fr-FR")} € · ${request.description.slice(0, 160)}`))));

  byId("dossier-list").replaceChildren(...(dossiers.length ? dossiers.map((dossier) => {
    const people = participantsOf(dossier, session.user.id);
    // An offer not answered yet is not an expert at work: said as such.
    const offered = new Set(dossier.experts.filter((expert) => expert.assignmentStatus === "pending").map((expert) => expert.userId));
    const experts = people.filter((person) => person.role === "expert" && !offered.has(person.user)).map((person) => person.name);
    const offeredTo = people.filter((person) => person.role === "expert" && offered.has(person.user)).map((person) => person.name);
    const listData = byId("dossier-list").dataset;
    const who = role === "client"
      ? (experts.length ? count(strings, "expertsOf", experts.length, { names: experts.join(", ") })
        : offeredTo.length ? fill(listData.offered, { names: offeredTo.join(", ") }) : strings.noExpert ?? "")
      : fill(strings.clientOf, { name: dossier.company });
    if (dossier.conversation !== undefined) placedConversations.add(dossier.conversation);
    // A step's status as shown: the replica's when it has one (it moves live), else the account's.
    const statusAt = new Map(dossier.steps.map((step) => [step.position, live.get(String(step.id))?.status ?? step.status]));
    const steps = [...dossier.steps].sort((a, b) => a.position - b.position).map((step) => {
      placedSteps.add(String(step.id));
      const synced = live.get(String(step.id));
      const waitsFor = (step.dependsOn ?? []).filter((position) => statusAt.get(position) !== "completed");
      return stepItem(engine, strings, allowed, synced ?? { id: String(step.id), status: step.status, progress: step.progress, priority: "normal", dueAt: step.dueAt ? Date.parse(step.dueAt) : null, conflicts: [] },
        { type: step.type, title: step.title, assignee: step.assigneeRole, position: step.position, dossierStatus: dossier.status, waitsFor });
    });
    const documentCount = documentsOf(replica, dossier.id).length;
    return el("li", { id: `dossier-${dossier.id}`, class: "dossier", dataset: { dossier: String(dossier.id), status: dossier.status } },
      el("h2", {}, dossier.productName, " ", el("span", { class: `dossier-status status-badge status-${dossier.status}` }, strings[key("dossierStatus", dossier.status)] ?? dossier.status)),
      el("p", { class: "muted" }, fill(strings.dossier, { n: dossier.id }), ` · ${role === "client" ? dossier.company : ""}${role === "client" ? " · " : ""}`, el("span", { class: "participants" }, who)),
      el("p", { class: "links" },
        dossier.conversation !== undefined ? el("a", { class: "conversation-link", href: `/app/conversation.html?conversation=${dossier.conversation}` }, strings.conversationOf ?? "") : null,
        dossier.conversation !== undefined ? " · " : "",
        el("a", { class: "documents-link", href: `/app/documents.html?dossier=${dossier.id}` }, `${strings.documents ?? ""} (${documentCount})`)),
      role === "expert" && offered.has(session.user.id) ? offerAnswer(engine, listData, dossier, session.user.id) : null,
      dossier.ineligibleReasons?.length ? el("p", { class: "notice ineligible" }, fill(listData.ineligible, { reasons: dossier.ineligibleReasons.join(" ") })) : null,
      nextStep(strings, listData, dossier, statusAt, live),
      conversationSnippet(replica, dossier.conversation),
      el("ol", { class: "app-list steps timeline" }, ...steps),
      dossier.events?.length ? el("details", { class: "history" }, el("summary", {}, listData.history ?? ""),
        el("ul", {}, ...dossier.events.map((event) => el("li", { dataset: { kind: event.kind } }, `${formatDate(Date.parse(event.at))} — ${event.text}`)))) : null);
  }) : requests.length ? [] : [el("li", { class: "muted empty" },
    (role === "client" ? strings.myDossiersEmptyClient : role === "expert" ? strings.myDossiersEmptyExpert : undefined) ?? strings.myDossiersEmpty ?? "")]));
  if (role === "client") showRecommendations(account.account);

  // What the account does not place yet (first start offline, or a dossier just assigned).
  const conversations = conversationsOf(replica).filter((conversation) => !placedConversations.has(conversation));
  const directory = account.directory;
  byId("conversation-list").replaceChildren(...conversations.map((conversation) => {
    const dossier = directory.conversations[conversation];
    return el("li", { dataset: { conversation: String(conversation) } },
      el("a", { href: `/app/conversation.html?conversation=${conversation}` }, fill(strings.conversation, { n: conversation })),
      dossier !== undefined ? ` · ${fill(strings.dossier, { n: dossier })}` : "", conversationSnippet(replica, conversation));
  }));
  const others = [...live.values()].filter((step) => !placedSteps.has(step.id));
  byId("step-list").replaceChildren(...others.map((step) => stepItem(engine, strings, allowed, step, null)));
  byId("others").hidden = conversations.length === 0 && others.length === 0;
}

/** The account fetch the recommendations shown were worked out for. */
let recommendedFor = "";

/**
 * "Experts recommandés pour vous": worked out once per account fetch, on the device, from the
 * public search files (the site's own `/assets/search.js` fetches and decodes them). Offline and
 * never fetched, or nothing to recommend: the section stays hidden (and the next render tries again).
 * @param {import("./directory.js").Account} account
 */
function showRecommendations(account) {
  const me = account.me;
  const key = `${me?.id}:${account.fetchedAt}`;
  if (!me || recommendedFor === key) return;
  recommendedFor = key;
  recommendationsFor(me, account.dossiers, account.full).then((chosen) => {
    byId("recommendation-list").replaceChildren(...chosen.map((expert) => el("li", { dataset: { slug: expert.slug } },
      el("a", { href: `/experts/${expert.slug}/` }, expert.name), el("p", { class: "muted" }, expert.reason))));
    byId("recommendations").hidden = chosen.length === 0;
  }, () => { recommendedFor = ""; });
}

/**
 * The experts to recommend, near the client's town: its postcode, else (an unknown one) its name;
 * those with no room for another dossier (`full`, when the server said) left out.
 * @param {import("./directory.js").Me} me @param {import("./directory.js").DossierInfo[]} dossiers @param {string[]} [full]
 */
async function recommendationsFor(me, dossiers, full) {
  const search = await import("/assets/search.js");
  const files = new search.Files();
  /** @param {string} text */
  const place = async (text) => {
    const key = search.placeKey(text);
    return key ? search.findPlace(await files.get(`/recherche/lieux/${key}.json`, "json", []), text) : null;
  };
  const town = me.place;
  const [index, facets, coordinates, byPostcode] = await Promise.all([
    files.get("/recherche/index.json", "json"), files.get("/recherche/facettes.bin", "bytes"),
    files.get("/recherche/coordonnees.bin", "bytes"), town ? place(town.postcode) : null,
  ]);
  const experts = search.catalogue(index, facets);
  search.addCoordinates(experts, coordinates);
  const origin = town && (!byPostcode || byPostcode.departement) ? (await place(town.city)) ?? byPostcode : byPostcode;
  return recommend(experts, { ...wantedFrom(dossiers), origin, full: full ? new Set(full) : null }, search);
}

/**
 * "Prochaine étape": the first step not completed whose dependencies are, with who acts and when
 * it is due; none on a closed dossier.
 * @param {Record<string, string | undefined>} strings @param {Record<string, string | undefined>} text
 * @param {import("./directory.js").DossierInfo} dossier @param {Map<number, string>} statusAt
 * @param {Map<string, StepView>} live
 */
function nextStep(strings, text, dossier, statusAt, live) {
  if (CLOSED_DOSSIER_STATUSES.includes(dossier.status)) return null;
  const next = [...dossier.steps].sort((a, b) => a.position - b.position)
    .find((step) => statusAt.get(step.position) !== "completed" && (step.dependsOn ?? []).every((position) => statusAt.get(position) === "completed"));
  if (!next) return null;
  const dueAt = live.get(String(next.id))?.dueAt ?? (next.dueAt ? Date.parse(next.dueAt) : null);
  const title = next.title ?? strings[key("stepType", next.type)] ?? next.type;
  return el("p", { class: "next-step", dataset: { position: String(next.position) } },
    el("strong", {}, text.next ?? ""), ` ${next.position}. ${title} — ${strings[key("assignee", next.assigneeRole)] ?? next.assigneeRole}`,
    dueAt ? ` · ${strings.due} ${new Date(dueAt).toLocaleDateString("fr-FR", { day: "numeric", month: "long" })}` : "");
}

/**
 * A dossier offered to this expert: what it is, and "Accepter" / "Décliner" (with an optional
 * reason), sent as an `offer` answer through sync; once answered here, what was answered.
 * @param {import("./engine.js").Engine} engine @param {Record<string, string | undefined>} text
 * @param {import("./directory.js").DossierInfo} dossier @param {number} me
 */
function offerAnswer(engine, text, dossier, me) {
  const offer = dossier.experts.find((expert) => expert.userId === me && expert.assignmentStatus === "pending");
  if (!offer) return null;
  const record = String(offer.assignment);
  const state = engine.shown.get("offer", record);
  if (state?.kind === "offer" && state.answer) {
    return el("p", { class: "notice offered", dataset: { answered: state.answer.value.answer } },
      state.answer.value.answer === "accepted" ? text.answeredAccepted ?? "" : text.answeredDeclined ?? "");
  }
  const reasonId = `offer-${record}-reason`;
  const reason = el("textarea", { id: reasonId, rows: 2, maxlength: 1000 });
  const send = (/** @type {string} */ answer) => {
    /** @type {Record<string, string>} */
    const fields = { answer };
    const why = /** @type {HTMLTextAreaElement} */ (reason).value.trim();
    if (answer === "declined" && why) fields.reason = why;
    engine.change("offer", "update", record, fields).catch(() => {});
  };
  return el("div", { class: "notice offered offer-answer", dataset: { offer: record } },
    el("p", {}, text.offeredToMe ?? ""),
    el("p", { class: "offer-buttons" },
      el("button", { type: "button", class: "accept", onclick: () => send("accepted") }, text.accept ?? ""), " ",
      el("button", { type: "button", class: "secondary decline", onclick: () => send("declined") }, text.decline ?? "")),
    el("label", { for: reasonId }, text.reason ?? ""), reason);
}

/** The last message of a conversation, as a line. @param {import("./merge.js").Replica} replica @param {number | undefined} conversation */
function conversationSnippet(replica, conversation) {
  if (conversation === undefined) return null;
  const last = messagesOf(replica, conversation).filter((message) => !message.deleted).at(-1);
  return last ? el("p", { class: "muted snippet" }, `${formatDate(last.at)} — ${last.body.slice(0, 120)}`) : null;
}

/**
 * A step with its state, progress and (when the role may, on an open dossier) a form to move it:
 * only the statuses the role may set are choices; the current one is selected, and shown but not
 * offered when the role may not set it (an expert's overdue step).
 * @param {import("./engine.js").Engine} engine @param {Strings} strings @param {readonly string[]} allowed @param {StepView} step
 * @param {{type: string, title?: string, assignee: string, position: number, dossierStatus: string, waitsFor?: number[]} | null} about
 */
function stepItem(engine, strings, allowed, step, about) {
  const label = about ? `${about.position}. ${about.title ?? strings[key("stepType", about.type)] ?? about.type}` : fill(strings.step, { n: step.id });
  const select = el("select", { id: `step-${step.id}-status`, name: "status" },
    ...stepChoices(allowed, step.status).map((choice) => el("option", {
      value: choice.status, selected: choice.selected,
      // A step completes once those it waits for are (the server says the same).
      disabled: choice.disabled || (choice.status === "completed" && !choice.selected && (about?.waitsFor?.length ?? 0) > 0),
    }, strings[key("status", choice.status)] ?? choice.status)));
  const form = el("form", { class: "step-move", onsubmit: async (/** @type {SubmitEvent} */ event) => {
    event.preventDefault();
    const status = /** @type {HTMLSelectElement} */ (select).value;
    if (!allowed.includes(status)) return; // the current status, not one this role sets
    /** @type {Record<string, number | string>} */
    const fields = { status };
    if (status === "completed") fields.progress = 100;
    await engine.change("step", "update", step.id, fields);
  } },
    el("label", { for: `step-${step.id}-status` }, `${strings.moveTo} `), select, " ", el("button", { type: "submit", class: "secondary" }, strings.save ?? "OK"));
  const mayMove = allowed.length > 0 && !(about && CLOSED_DOSSIER_STATUSES.includes(about.dossierStatus))
    && (!about || about.assignee === engine.session?.user.role || engine.session?.user.role === "admin");
  return el("li", { dataset: { step: step.id, status: step.status, progress: String(step.progress) } },
    el("strong", {}, label), " — ", el("span", { class: `step-status status-${step.status}` }, strings[key("status", step.status)] ?? step.status),
    about ? ` · ${strings[key("assignee", about.assignee)] ?? about.assignee}` : ` · ${strings[key("priority", step.priority)] ?? step.priority}`,
    step.dueAt ? ` · ${strings.due} ${formatDate(step.dueAt)}` : "",
    el("progress", { max: 100, value: step.progress, "aria-label": `${label} : ${step.progress} %` }), ` ${step.progress} %`,
    step.conflicts.length ? el("p", { class: "muted" }, `${strings.conflicts} : ${step.conflicts.map((c) => `${c.field} = ${c.value}`).join(", ")}`) : null,
    about?.waitsFor?.length && step.status !== "completed" ? el("p", { class: "muted waits" }, count(byId("dossier-list").dataset, "waits", about.waitsFor.length, { steps: about.waitsFor.join(", ") })) : null,
    mayMove ? form : null);
}

boot({ render });
