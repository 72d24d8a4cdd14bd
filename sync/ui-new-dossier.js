// @ts-check
// "Nouveau dossier": a client picks a scheme, answers its eligibility questions (a question may
// appear only after an earlier answer), sees at once whether the answers make it eligible and why
// not, gives an estimate and a description, and opens the dossier — a `dossier` insert through
// sync, so it works offline and is sent when the network comes back. The server checks it again
// (the same rules: sync/eligibility.js, sync/validate.js) and opens the dossier with the scheme's
// steps; an expert asked for from their profile (`?expert=…&nom=…&dispositifs=…`) gets the offer.

import { asked, decide } from "./eligibility.js";
import { boot, byId, el, fill } from "./ui.js";
import { checkForm, checkPermission } from "./validate.js";

/** @typedef {import("./eligibility.js").Question} Question */
/** @typedef {{id: number, code: string, questions: Question[]}} Scheme */

/** @type {Scheme[]} */
const schemes = JSON.parse(byId("scheme-questions")?.textContent || "[]");
const form = /** @type {HTMLFormElement} */ (byId("new-dossier-form"));
const text = /** @type {Record<string, string>} */ (form.dataset);
const select = /** @type {HTMLSelectElement} */ (byId("scheme"));
const params = new URLSearchParams(location.search);

/** The expert asked for from a profile, and the schemes they take. */
const requested = (() => {
  const id = Number(params.get("expert"));
  if (!Number.isSafeInteger(id) || id < 1) return null;
  const codes = (params.get("dispositifs") ?? "").split(",").filter(Boolean);
  return { id, name: (params.get("nom") ?? "").slice(0, 120), codes };
})();

/** @type {Record<string, string>} */
let answers = {};

/** @returns {Scheme | undefined} */
const chosenScheme = () => schemes.find((scheme) => String(scheme.id) === select.value);

/** Only the schemes the requested expert takes; a scheme named in the link is chosen. */
function prepareSchemes() {
  if (requested && requested.codes.length) {
    for (const option of select.querySelectorAll("option[data-code]")) {
      const element = /** @type {HTMLOptionElement} */ (option);
      if (!requested.codes.includes(element.dataset.code ?? "")) element.remove();
    }
    for (const group of select.querySelectorAll("optgroup")) if (!group.querySelector("option")) group.remove();
  }
  const wanted = params.get("dispositif") ?? (requested?.codes.length === 1 ? requested.codes[0] : null);
  const option = wanted ? /** @type {HTMLOptionElement | null} */ (select.querySelector(`option[data-code="${CSS.escape(wanted)}"]`)) : null;
  if (option) select.value = option.value;
  if (requested) {
    const note = byId("requested-expert");
    note.textContent = fill(text.requested, { name: requested.name || `n° ${requested.id}` });
    if (requested.codes.length) note.append(" ", text.expertOtherSchemes ?? "");
    note.hidden = false;
  }
}

/** One question as a field: yes/no as two radios, a number, a choice as a list. @param {Question} question */
function questionField(question) {
  const id = `q-${question.key}`;
  const current = answers[question.key] ?? "";
  const record = (/** @type {string} */ value) => {
    if (value === "") delete answers[question.key];
    else answers[question.key] = value;
    renderQuestions();
  };
  if (question.kind === "yes_no") {
    const radio = (/** @type {string} */ value, /** @type {string} */ label) => el("label", { class: "choice" },
      el("input", { type: "radio", name: id, value, checked: current === value, onchange: () => record(value) }), ` ${label}`);
    return el("fieldset", { class: "question", dataset: { question: question.key } },
      el("legend", {}, question.text), radio("oui", text.yes ?? "Oui"), radio("non", text.no ?? "Non"));
  }
  if (question.kind === "choice") {
    return el("div", { class: "question", dataset: { question: question.key } },
      el("label", { for: id }, question.text),
      el("select", { id, onchange: (/** @type {Event} */ event) => record(/** @type {HTMLSelectElement} */ (event.target).value) },
        el("option", { value: "" }, text.choose ?? "…"),
        ...(question.choices ?? []).map((choice) => el("option", { value: choice, selected: current === choice }, choice))));
  }
  return el("div", { class: "question", dataset: { question: question.key } },
    el("label", { for: id }, question.text),
    el("input", { id, type: "number", inputmode: "numeric", min: 0, step: 1, value: current,
      onchange: (/** @type {Event} */ event) => record(/** @type {HTMLInputElement} */ (event.target).value.trim()) }));
}

/** The questions the answers so far ask, and the verdict; answers to questions no longer asked are dropped. */
function renderQuestions() {
  const scheme = chosenScheme();
  const fieldset = byId("questions");
  const verdict = byId("verdict");
  if (!scheme) {
    fieldset.hidden = true;
    verdict.hidden = true;
    return;
  }
  const shown = asked(scheme.questions, answers);
  const keys = new Set(shown.map((question) => question.key));
  for (const key of Object.keys(answers)) if (!keys.has(key)) delete answers[key];
  // Keep the focus where the person was: rebuild, then put it back on the same control.
  const focused = document.activeElement?.closest("[data-question]")?.getAttribute("data-question");
  byId("question-list").replaceChildren(...shown.map(questionField));
  if (focused) /** @type {HTMLElement | null} */ (byId("question-list").querySelector(`[data-question="${CSS.escape(focused)}"] input:checked, [data-question="${CSS.escape(focused)}"] input, [data-question="${CSS.escape(focused)}"] select`))?.focus();
  fieldset.hidden = shown.length === 0;
  verdict.hidden = false;
  const result = decide(scheme.questions, answers);
  if (scheme.questions.length === 0) {
    verdict.dataset.state = "eligible";
    verdict.textContent = text.noQuestions ?? "";
  } else if ("problem" in result) {
    verdict.dataset.state = "unanswered";
    verdict.textContent = text.unanswered ?? "";
  } else if (result.eligible) {
    verdict.dataset.state = "eligible";
    verdict.textContent = text.eligible ?? "";
  } else {
    verdict.dataset.state = "ineligible";
    verdict.textContent = fill(text.ineligible, { reasons: result.reasons.join(" ") });
  }
}

/** Shows (or clears) the error under a field. @param {string} name @param {string} [message] */
function fieldError(name, message) {
  const error = byId(`${name}-error`);
  const input = byId(name);
  error.textContent = message ?? "";
  error.hidden = !message;
  if (message) input?.setAttribute("aria-invalid", "true");
  else input?.removeAttribute("aria-invalid");
  return Boolean(message);
}

/** @param {import("./ui.js").App} app */
async function submit({ engine, strings }) {
  const scheme = chosenScheme();
  const amountText = /** @type {HTMLInputElement} */ (byId("amount")).value.trim();
  const description = /** @type {HTMLTextAreaElement} */ (byId("description")).value.trim();
  const amount = Number(amountText);
  const wrong = [
    fieldError("scheme", scheme ? undefined : text.required),
    fieldError("amount", /^[0-9]{1,9}$/.test(amountText) && amount <= 100_000_000 ? undefined : text.amountInvalid),
    fieldError("description", description ? undefined : text.required),
  ];
  const error = byId("new-dossier-error");
  error.hidden = true;
  if (!scheme || wrong.some(Boolean)) {
    /** @type {HTMLElement | null} */ (form.querySelector("[aria-invalid=true]"))?.focus();
    return;
  }
  /** @type {Record<string, string | number>} */
  const fields = { product: scheme.id, description, amount, answers: JSON.stringify(answers) };
  if (requested) fields.expert = requested.id;
  const session = engine.session;
  if (!session) return;
  const operation = { id: "check", collection: "dossier", action: "insert", record: "check", fields, hlc: "0000000000000000-00000-d", actor: { user: session.user.id, role: session.user.role } };
  // The scheme's facts as this page knows them; whether the expert still takes it is the server's to say.
  const refusal = checkForm(operation, Date.now()) ?? checkPermission(operation, { actorSeesDossier: true, exists: false, scheme: { active: true, questions: scheme.questions } });
  if (refusal) {
    const question = refusal.field?.startsWith("answers.") ? form.querySelector(`[data-question="${CSS.escape(refusal.field.slice(8))}"] input, [data-question="${CSS.escape(refusal.field.slice(8))}"] select`) : null;
    error.textContent = `${strings.refused ?? ""} : ${refusal.message}`;
    error.hidden = false;
    /** @type {HTMLElement | null} */ (question)?.focus();
    return;
  }
  await engine.change("dossier", "insert", engine.newRecordId(), fields);
  form.hidden = true;
  const done = byId("new-dossier-done");
  byId("new-dossier-done-text").textContent = navigator.onLine ? text.sent ?? "" : text.queued ?? "";
  done.hidden = false;
  done.focus();
}

boot({
  ready(app) {
    const client = app.engine.session?.user.role === "client";
    byId("new-dossier").hidden = false;
    byId("new-dossier-not-client").hidden = client;
    form.hidden = !client;
    if (!client) return;
    prepareSchemes();
    select.addEventListener("change", () => {
      answers = {};
      fieldError("scheme");
      renderQuestions();
    });
    renderQuestions();
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submit(app).catch((error) => {
        const message = byId("new-dossier-error");
        message.textContent = String(error?.message ?? error);
        message.hidden = false;
      });
    });
  },
  render() {},
});
