// @ts-check
// The "Mon compte" part of the preferences page: a new password (the current one asked again),
// "Télécharger mes données" (the JSON file of everything the server holds about the user),
// "Se déconnecter partout" and "Supprimer mon compte" (the password asked again; the page then
// says it is done, with nothing of the account left on the device). They need the server:
// offline, they say so and change nothing.

import { byId } from "./ui.js";

/** @param {unknown} error @param {import("./ui.js").Strings} strings */
const message = (error, strings) => {
  const caught = /** @type {any} */ (error);
  return caught?.status === 0 ? strings.networkFailed ?? "" : caught?.message ?? String(error);
};

/** @param {import("./ui.js").App} app */
export function setUpAccount({ engine, strings }) {
  const section = byId("account-settings");
  const form = /** @type {HTMLFormElement} */ (byId("password-form"));
  const state = byId("password-state");
  section.hidden = engine.session === null;
  engine.addEventListener("session", () => {
    section.hidden = engine.session === null;
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const current = /** @type {HTMLInputElement} */ (byId("current-password"));
    const next = /** @type {HTMLInputElement} */ (byId("new-password"));
    const button = /** @type {HTMLButtonElement} */ (form.querySelector("button"));
    for (const input of [current, next]) input.removeAttribute("aria-invalid");
    button.disabled = true;
    state.dataset.state = "busy";
    state.textContent = strings.passwordWorking ?? "";
    try {
      await engine.api.changePassword(current.value, next.value);
      current.value = next.value = "";
      state.dataset.state = "ok";
      state.textContent = strings.passwordChanged ?? "";
    } catch (error) {
      state.dataset.state = "refused";
      state.textContent = message(error, strings);
      const field = /** @type {any} */ (error)?.field;
      const input = field === "current" ? current : field === "password" ? next : null;
      input?.setAttribute("aria-invalid", "true");
      input?.focus();
    } finally {
      button.disabled = false;
    }
  });
  byId("export-data").addEventListener("click", async () => {
    const state = byId("export-state");
    state.textContent = strings.exportWorking ?? "";
    try {
      const file = await engine.api.personalData();
      const link = document.createElement("a");
      link.href = URL.createObjectURL(file);
      link.download = "financialtracker-mes-donnees.json";
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
      state.textContent = strings.exportDone ?? "";
    } catch (error) {
      state.textContent = message(error, strings);
    }
  });
  setUpDeletion(engine, strings);
  byId("sign-out-everywhere").addEventListener("click", async () => {
    const everywhere = byId("everywhere-state");
    try {
      await engine.signOutEverywhere();
    } catch (error) {
      everywhere.textContent = message(error, strings);
    }
  });
}

/** "Supprimer mon compte". @param {import("./engine.js").Engine} engine @param {import("./ui.js").Strings} strings */
function setUpDeletion(engine, strings) {
  const form = /** @type {HTMLFormElement} */ (byId("delete-account-form"));
  const password = /** @type {HTMLInputElement} */ (byId("delete-password"));
  const state = byId("delete-state");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = /** @type {HTMLButtonElement} */ (form.querySelector("button[type=submit]"));
    password.removeAttribute("aria-invalid");
    button.disabled = true;
    state.dataset.state = "busy";
    state.textContent = strings.deleteWorking ?? "";
    try {
      const said = await engine.deleteAccount(password.value);
      form.reset();
      state.textContent = "";
      const done = byId("account-deleted");
      byId("account-deleted-text").textContent = said;
      done.hidden = false;
      done.focus();
    } catch (error) {
      state.dataset.state = "refused";
      const caught = /** @type {any} */ (error);
      state.textContent = caught?.status === 0 ? strings.deleteOffline ?? "" : message(error, strings);
      if (caught?.field === "password") {
        password.setAttribute("aria-invalid", "true");
        password.focus();
      }
    } finally {
      button.disabled = false;
    }
  });
}
