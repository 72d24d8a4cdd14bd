// @ts-check
// The expert's profile page: the public profile as its owner edits it (the same fields as the
// application, `profile-form.js`), where the admins' review stands, and a link to the public page
// once it is published. Loading and saving need the server (`GET`/`PUT /api/v1/me/expert-profile`):
// offline, the page says so and keeps what was typed.

import { fillProfile, markField, readProfile, setUpProfileForm } from "./profile-form.js";
import { boot, byId, fill } from "./ui.js";

/** @param {unknown} error */
const offline = (error) => /** @type {any} */ (error)?.status === 0;

/**
 * Where the review stands, in the page's words.
 * @param {HTMLFormElement} form @param {import("./profile-form.js").ProfileAnswer} answer
 */
function showState(form, answer) {
  const state = byId("profile-state");
  const words = form.dataset;
  state.dataset.state = answer.approval;
  state.textContent = answer.approval === "rejected" ? fill(words.rejected ?? "", { reason: answer.rejectionReason ?? "" })
    : answer.approval === "pending" ? words.pending ?? ""
    : answer.published ? words.approved ?? "" : words.unpublished ?? "";
  const link = /** @type {HTMLAnchorElement} */ (byId("profile-page"));
  link.href = answer.page;
  byId("profile-page-link").hidden = !answer.published;
}

/** @param {import("./ui.js").App} app */
async function ready({ engine, strings }) {
  const section = byId("profile");
  const form = /** @type {HTMLFormElement} */ (byId("profile-form"));
  const saveState = byId("profile-save-state");
  section.hidden = false;
  if (engine.session?.user.role !== "expert") {
    byId("profile-not-expert").hidden = false;
    return;
  }
  setUpProfileForm(form, { offline: form.dataset.previewOffline ?? "", empty: form.dataset.previewEmpty ?? "" });
  const load = async () => {
    try {
      const answer = await engine.api.expertProfile();
      fillProfile(form, answer.profile);
      showState(form, answer);
      form.hidden = false;
      saveState.textContent = "";
      /** @type {HTMLTextAreaElement} */ (form.elements.namedItem("bio")).dispatchEvent(new Event("input"));
    } catch (error) {
      saveState.dataset.state = "refused";
      saveState.textContent = offline(error) ? form.dataset.offline ?? "" : /** @type {any} */ (error)?.message ?? String(error);
    }
  };
  await load();
  // Opened offline: loads once the connection is back.
  addEventListener("online", () => {
    if (form.hidden) load();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = /** @type {HTMLButtonElement} */ (form.querySelector("button[type=submit]"));
    markField(form, undefined);
    button.disabled = true;
    saveState.dataset.state = "busy";
    saveState.textContent = form.dataset.saving ?? "";
    try {
      const answer = await engine.api.saveExpertProfile(readProfile(form));
      fillProfile(form, answer.profile);
      showState(form, answer);
      saveState.dataset.state = "ok";
      saveState.textContent = answer.message ?? "";
    } catch (error) {
      saveState.dataset.state = "refused";
      saveState.textContent = offline(error) ? form.dataset.offline ?? strings.networkFailed ?? "" : /** @type {any} */ (error)?.message ?? String(error);
      markField(form, /** @type {any} */ (error)?.field);
    } finally {
      button.disabled = false;
      if (!/** @type {any} */ (document.activeElement)?.getAttribute?.("aria-invalid")) saveState.focus();
    }
  });
}

boot({ render: () => {}, ready });
