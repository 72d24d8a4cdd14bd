// @ts-check
// "Mes dossiers" (a client) / "Mes missions" (an expert): the conversations, the dossiers'
// documents and every step with its progress, updated live; a step can be moved from here.

import { emptyDirectory } from "./directory.js";
import { STEP_STATUSES_BY_ROLE } from "./validate.js";
import { boot, byId, el, fill, formatDate } from "./ui.js";
import { conversationsOf, dossiersOf, documentsOf, messagesOf, stepsOf } from "./views.js";

/** @typedef {import("./ui.js").Strings} Strings */

/** "in_progress" → the strings' key "statusInProgress". @param {string} prefix @param {string} value */
const key = (prefix, value) => prefix + value.split("_").map((part) => part[0].toUpperCase() + part.slice(1)).join("");

/** @param {{engine: import("./engine.js").Engine, strings: Strings}} app */
async function render({ engine, strings }) {
  const session = engine.session;
  if (!session) return;
  const role = session.user.role;
  /** @type {HTMLElement} */ (document.querySelector("main h1")).textContent = strings[key("heading", role)] ?? "";
  document.title = `${strings[key("heading", role)]} · FinancialTracker`;
  byId("who").textContent = `${session.user.displayName} (${session.user.email})`;
  byId("admin-note").hidden = role !== "admin";
  byId("admin-note").textContent = strings.adminNote ?? "";
  byId("home").hidden = false;
  const replica = engine.shown;
  /** @type {import("./directory.js").Directory} */
  const directory = (await engine.store.meta("directory")) ?? emptyDirectory();

  const conversations = conversationsOf(replica);
  byId("conversation-list").replaceChildren(...(conversations.length ? conversations.map((conversation) => {
    const dossier = directory.conversations[conversation];
    const query = new URLSearchParams({ conversation: String(conversation) });
    if (dossier !== undefined) {
      query.set("dossier", String(dossier));
      if (directory.ratings[dossier]) query.set("note", directory.ratings[dossier]);
    }
    const messages = messagesOf(replica, conversation).filter((message) => !message.deleted);
    const last = messages.at(-1);
    return el("li", { dataset: { conversation: String(conversation) } },
      el("a", { href: `/app/conversation.html?${query}` }, fill(strings.conversation, { n: conversation })),
      dossier !== undefined ? ` · ${fill(strings.dossier, { n: dossier })}` : "",
      last ? el("p", { class: "muted snippet" }, `${formatDate(last.at)} — ${last.body.slice(0, 120)}`) : null);
  }) : [el("li", { class: "muted" }, strings.none ?? "")]));

  const dossiers = [...new Set([...dossiersOf(replica), ...Object.values(directory.conversations)])].sort((a, b) => a - b);
  byId("dossier-list").replaceChildren(...(dossiers.length ? dossiers.map((dossier) => el("li", { dataset: { dossier: String(dossier) } },
    el("a", { href: `/app/documents.html?dossier=${dossier}` }, fill(strings.documentsOf, { n: dossier })),
    ` (${documentsOf(replica, dossier).length})`)) : [el("li", { class: "muted" }, strings.none ?? "")]));

  const list = byId("step-list");
  if (list.contains(document.activeElement) && document.activeElement?.tagName === "SELECT") return; // not while choosing
  const allowed = STEP_STATUSES_BY_ROLE[role] ?? [];
  const steps = stepsOf(replica);
  list.replaceChildren(...(steps.length ? steps.map((step) => {
    const label = fill(strings.step, { n: step.id });
    const select = el("select", { id: `step-${step.id}-status`, name: "status" },
      ...allowed.map((status) => el("option", { value: status, selected: status === step.status }, strings[key("status", status)] ?? status)));
    const form = el("form", { class: "step-move", onsubmit: async (/** @type {SubmitEvent} */ event) => {
      event.preventDefault();
      const status = /** @type {HTMLSelectElement} */ (select).value;
      /** @type {Record<string, number | string>} */
      const fields = { status };
      if (status === "completed") fields.progress = 100;
      await engine.change("step", "update", step.id, fields);
    } },
      el("label", { for: `step-${step.id}-status` }, `${strings.moveTo} `), select, " ", el("button", { type: "submit", class: "secondary" }, strings.save ?? "OK"));
    return el("li", { dataset: { step: step.id, status: step.status, progress: String(step.progress) } },
      el("strong", {}, label), " — ", el("span", { class: `step-status status-${step.status}` }, strings[key("status", step.status)] ?? step.status),
      ` · ${strings[key("priority", step.priority)] ?? step.priority}`,
      step.dueAt ? ` · ${strings.due} ${formatDate(step.dueAt)}` : "",
      el("progress", { max: 100, value: step.progress, "aria-label": `${label} : ${step.progress} %` }), ` ${step.progress} %`,
      step.conflicts.length ? el("p", { class: "muted" }, `${strings.conflicts} : ${step.conflicts.map((c) => `${c.field} = ${c.value}`).join(", ")}`) : null,
      allowed.length ? form : null);
  }) : [el("li", { class: "muted" }, strings.none ?? "")]));
}

boot({ render });
