// @ts-check
// The preferences page: push notifications in this browser, on or off. The browser's permission
// is asked only here, from the button.

import { disablePush, enablePush, pushState, PushSetupError } from "./push.js";
import { boot, byId, fill } from "./ui.js";

/** @param {import("./ui.js").Strings} strings @param {string} state */
const stateText = (strings, state) =>
  ({ on: strings.pushOn, off: strings.pushOff, denied: strings.pushDenied, unsupported: strings.pushUnsupported })[state] ?? "";

/** @param {import("./ui.js").Strings} strings @param {unknown} error */
function errorText(strings, error) {
  if (!(error instanceof PushSetupError)) return fill(strings.pushFailed, { message: error instanceof Error ? error.message : String(error) });
  return { unsupported: strings.pushUnsupported, denied: strings.pushDenied, serverOff: strings.pushServerOff, offline: strings.pushOffline }[error.code]
    ?? fill(strings.pushFailed, { message: error.message });
}

async function registration() {
  if (!("serviceWorker" in navigator)) return null;
  // The worker is registered by every page (ui.js); its first install may still be under way.
  return Promise.race([navigator.serviceWorker.ready, new Promise((resolve) => setTimeout(() => resolve(null), 5_000))]);
}

/** @param {import("./ui.js").App} app */
async function ready({ engine, strings }) {
  byId("push-settings").hidden = false;
  const status = byId("push-state");
  const enable = byId("push-enable");
  const disable = byId("push-disable");
  const notification = "Notification" in globalThis ? globalThis.Notification : undefined;
  const show = async (/** @type {string | null} */ message = null) => {
    const state = await pushState(/** @type {any} */ (await registration()), notification);
    status.dataset.state = state;
    status.textContent = message ?? stateText(strings, state);
    enable.hidden = state === "on" || state === "unsupported";
    disable.hidden = state !== "on";
    enable.disabled = disable.disabled = false;
  };
  /** @param {() => Promise<void>} change */
  const act = async (change) => {
    enable.disabled = disable.disabled = true;
    status.textContent = strings.pushWorking ?? "";
    try {
      await change();
      await show();
    } catch (error) {
      await show(errorText(strings, error));
    }
  };
  enable.addEventListener("click", () => act(async () => enablePush({ api: engine.api, registration: /** @type {any} */ (await registration()), notification })));
  disable.addEventListener("click", () => act(async () => disablePush({ api: engine.api, registration: /** @type {any} */ (await registration()) })));
  await show();
}

boot({ render: () => {}, ready });
