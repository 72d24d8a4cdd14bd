// @ts-check
// A dossier's documents: every version (the newest current), its validation, a download; adding
// a file as a new document or a new version of one, by picking or dropping it, with progress.
// Uploading needs the network (the bytes go straight to the server, which then creates the
// version through sync); creating the document itself is an ordinary synced change.

import { dossierById, hintsFromSearch } from "./directory.js";
import { PROTOCOL_VERSION } from "./protocol.js";
import { boot, byId, el, fill, formatBytes, formatDate } from "./ui.js";
import { createDocument, uploadVersion } from "./upload.js";
import { documentNeeds, documentsOf } from "./views.js";

const dossier = hintsFromSearch(location.search).dossier;

/** @param {string} prefix @param {string} value */
const key = (prefix, value) => prefix + value[0].toUpperCase() + value.slice(1);

/** @param {import("./ui.js").App} app */
function render({ engine, strings, account }) {
  if (dossier === null) return;
  byId("documents").hidden = false;
  const info = dossierById(account.account, dossier);
  const title = fill(strings.documentsOf, { n: dossier }) + (info ? ` — ${info.productName}` : "");
  byId("documents-title").textContent = title;
  document.title = `${title} · FinancialTracker`;
  const documents = documentsOf(engine.shown, dossier);
  const list = byId("document-list");
  const text = /** @type {Record<string, string>} */ (list.dataset);
  const role = engine.session?.user.role;
  // An expert or an admin checks the current version; a client sees the verdict and sends again.
  const mayValidate = role === "expert" || role === "admin";
  // Not while a reason is being written: the list would be rebuilt under the person.
  if (list.contains(document.activeElement) && document.activeElement?.tagName === "INPUT") return;
  const needs = documentNeeds(info?.steps ?? [], documents);
  byId("needs").hidden = needs.length === 0;
  byId("need-list").replaceChildren(...needs.map((step) => el("li", { dataset: { position: String(step.position), completed: String(step.completed) } },
    el("strong", {}, `${step.position}. ${step.title ?? strings[key("stepType", step.type)] ?? step.type}`), " — ",
    ...step.needs.flatMap((need, index) => [index ? ", " : "",
      el("span", { class: `need need-${need.state}`, dataset: { category: need.category, state: need.state } },
        `${strings[key("category", need.category)] ?? need.category} : ${byId("need-list").dataset[need.state] ?? need.state}`)]))));
  list.replaceChildren(...(documents.length ? documents.map((document) => el("li", { dataset: { document: document.id } },
    el("h2", {}, document.title), el("p", { class: "muted" }, strings[key("category", document.category)] ?? document.category),
    verdictFor(engine, text, document, mayValidate),
    el("ol", { class: "versions" }, ...[...document.versions].reverse().map((version) => el("li", { dataset: { version: version.id } },
      el("span", {}, version.fileName), ` · ${formatBytes(strings, version.byteCount)} · ${formatDate(version.at)} · `,
      el("span", { class: `validation-${version.validation}` }, strings[key("validation", version.validation)] ?? version.validation),
      version.reason ? ` (${version.reason})` : "",
      ` · ${version.current ? strings.current : strings.archived} `,
      el("button", { type: "button", class: "link", onclick: () => download(engine, version.id, version.fileName) }, strings.download ?? "")))))) :
    [el("li", { class: "muted" }, strings.none ?? "")]));

  const target = byId("upload-target");
  const chosen = target.value;
  target.replaceChildren(el("option", { value: "" }, strings.newDocument ?? ""),
    ...documents.map((document) => el("option", { value: document.id, selected: document.id === chosen }, document.title)));
  byId("new-document-fields").hidden = target.value !== "";
}

/**
 * The current version's verdict controls: for an expert or an admin, "Valider" and "Refuser" (a
 * reason is required to refuse, and goes to the client) while it waits; for the client, a refused
 * version says why and leads to sending a new one. Validation is a synced change (offline too).
 * @param {import("./engine.js").Engine} engine @param {Record<string, string>} text
 * @param {import("./views.js").DocumentView} document @param {boolean} mayValidate
 */
function verdictFor(engine, text, document, mayValidate) {
  const current = document.versions.at(-1);
  if (!current) return null;
  if (mayValidate && current.validation === "pending") {
    const reasonId = `reason-${current.id}`;
    const reason = /** @type {HTMLInputElement} */ (el("input", { id: reasonId, maxlength: 500, "aria-describedby": `${reasonId}-error` }));
    const error = el("p", { id: `${reasonId}-error`, class: "error", hidden: true });
    const decide = (/** @type {string} */ validation) => {
      const why = reason.value.trim();
      if (validation === "rejected" && !why) {
        error.textContent = text.reasonNeeded ?? "";
        error.hidden = false;
        reason.focus();
        return;
      }
      /** @type {Record<string, string>} */
      const fields = { validation };
      if (why && validation === "rejected") fields.reason = why;
      engine.change("documentVersion", "update", current.id, fields).catch(() => {});
    };
    return el("div", { class: "verdict-form", dataset: { version: current.id } },
      el("p", { class: "verdict-buttons" },
        el("button", { type: "button", class: "validate", onclick: () => decide("validated") }, text.validate ?? ""), " ",
        el("button", { type: "button", class: "secondary reject", onclick: () => decide("rejected") }, text.reject ?? "")),
      el("label", { for: reasonId }, text.reason ?? ""), reason, error);
  }
  if (!mayValidate && current.validation === "rejected") {
    return el("div", { class: "notice rejected", dataset: { version: current.id } },
      el("p", {}, fill(text.sendAgain, { reason: current.reason ?? "" })),
      el("button", { type: "button", class: "secondary", onclick: () => {
        const target = /** @type {HTMLSelectElement} */ (byId("upload-target"));
        target.value = document.id;
        target.dispatchEvent(new Event("change"));
        byId("upload-file").focus();
      } }, text.newVersion ?? ""));
  }
  return null;
}

/** Downloads a version with the session's token (a plain link could not carry it). @param {import("./engine.js").Engine} engine @param {string} version @param {string} fileName */
async function download(engine, version, fileName) {
  const response = await fetch(`/api/v1/documents/versions/${encodeURIComponent(version)}/content`, {
    headers: { authorization: `Bearer ${engine.api.token}`, "FT-Protocol": String(PROTOCOL_VERSION) },
  });
  if (!response.ok) return;
  const url = URL.createObjectURL(await response.blob());
  const link = el("a", { href: url, download: fileName });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** @param {{engine: import("./engine.js").Engine, strings: import("./ui.js").Strings}} app */
function ready({ engine, strings }) {
  if (dossier === null) return;
  const form = byId("upload");
  const fileInput = byId("upload-file");
  const state = byId("upload-state");
  const bar = byId("upload-progress");
  byId("upload-target").addEventListener("change", () => (byId("new-document-fields").hidden = byId("upload-target").value !== ""));
  const zone = byId("drop-zone");
  zone.addEventListener("dragover", (/** @type {DragEvent} */ event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (/** @type {DragEvent} */ event) => {
    event.preventDefault();
    zone.classList.remove("over");
    if (event.dataTransfer?.files.length) fileInput.files = event.dataTransfer.files;
  });
  form.addEventListener("submit", async (/** @type {SubmitEvent} */ event) => {
    event.preventDefault();
    /** @type {File | undefined} */
    const file = fileInput.files?.[0];
    if (!file) return;
    if (!navigator.onLine) {
      state.textContent = strings.uploadOffline ?? "";
      return;
    }
    try {
      let document = byId("upload-target").value;
      if (!document) {
        const title = byId("upload-title").value.trim() || file.name;
        document = await createDocument(engine, { dossier, title, category: byId("upload-category").value }, strings.refused ?? "");
      }
      bar.hidden = false;
      await uploadVersion(engine, document, file, (percent) => {
        bar.value = percent;
        state.textContent = fill(strings.uploading, { n: percent });
      });
      state.textContent = strings.uploaded ?? "";
      form.reset();
      await engine.pull();
    } catch (error) {
      state.textContent = fill(strings.uploadFailed, { message: error instanceof Error ? error.message : String(error) });
    } finally {
      bar.hidden = true;
    }
  });
}

boot({ render, ready });
