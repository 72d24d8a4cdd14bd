// @ts-check
// The preferences page: which notifications the user gets, kind by kind, in the app, by e-mail
// and by push (synced `preference` records, edited offline like any other: the server's snapshot
// holds one per kind of the user's role and channel), and push notifications in this browser, on
// or off. The browser's permission is asked only here, from the button.

import { disablePush, enablePush, pushState, PushSetupError } from "./push.js";
import { setUpAccount } from "./ui-account.js";
import { boot, byId, el, fill } from "./ui.js";
import { CRITICAL_KINDS, Rejection } from "./validate.js";
import { PREFERENCE_CHANNELS, preferencesOf } from "./views.js";

/**
 * `step_due` → `StepDue`, for the strings' keys (`data-pref-kind-step-due` is `prefKindStepDue`).
 * @param {string} raw
 */
const camel = (raw) => raw.split("_").map((part) => part[0].toUpperCase() + part.slice(1)).join("");

/**
 * Whether a change to one of the records starting with `prefix` waits in the outbox.
 * @param {import("./engine.js").Engine} engine @param {string} prefix
 */
const waiting = (engine, prefix) => engine.pendingOperations.some((operation) => operation.collection === "preference" && operation.record.startsWith(prefix));

/** The kinds shown, joined: the table is built again only when they change (focus stays put otherwise). */
let shownKinds = "";

/**
 * The table of the signed-in user's preferences: a row per kind the replica holds (display
 * order), a checkbox per channel; account and security messages always on.
 * @param {import("./ui.js").App} app
 */
function render({ engine, strings }) {
  if (!engine.session) return;
  const me = engine.session.user.id;
  const preferences = preferencesOf(engine.shown, me);
  const kinds = [...preferences.keys()];
  byId("preference-table-wrap").hidden = kinds.length === 0;
  byId("preferences-empty").hidden = kinds.length > 0;
  byId("preferences-system-note").hidden = !kinds.some((kind) => CRITICAL_KINDS.includes(kind));
  const body = byId("preference-rows");
  if (kinds.join(" ") !== shownKinds) {
    shownKinds = kinds.join(" ");
    body.replaceChildren(...kinds.map((kind) => {
      const label = strings[`prefKind${camel(kind)}`] ?? kind;
      return el("tr", { dataset: { kind } },
        el("th", { scope: "row" }, label, " ", el("span", { class: "pref-pending", hidden: true }, strings.prefPending ?? "")),
        ...PREFERENCE_CHANNELS.map((channel) => el("td", {}, el("label", { class: "pref-cell" },
          el("input", { type: "checkbox", dataset: { kind, channel }, "aria-label": fill(strings[`prefCheckbox${camel(channel)}`], { kind: label }) })))));
    }));
  }
  for (const row of body.querySelectorAll("tr")) {
    const kind = row.dataset.kind ?? "";
    const channels = preferences.get(kind) ?? {};
    const critical = CRITICAL_KINDS.includes(kind);
    for (const box of row.querySelectorAll("input[type=checkbox]")) {
      const value = channels[/** @type {keyof import("./views.js").ChannelPreferences} */ (box.dataset.channel)];
      box.disabled = critical;
      box.checked = critical || value === true;
      // No record for this channel (the server names them all): neither on nor off until chosen.
      box.indeterminate = !critical && value === undefined;
    }
    row.querySelector(".pref-pending").hidden = !waiting(engine, `${me}:${kind}:`);
  }
}

/**
 * A checkbox changed: the preference's new value, stamped, shown and queued (sent now, or once
 * online). A change the device's own checks refuse is said here and the table shows the replica
 * again; one the server refuses comes back as a notice (ui.js's list, and a line here), the
 * replica rebuilt without it and the table with it.
 * @param {import("./ui.js").App} app @param {HTMLInputElement} box
 */
async function toggle(app, box) {
  const { engine, strings } = app;
  const state = byId("preferences-state");
  state.textContent = "";
  if (!engine.session) return;
  const { kind, channel } = box.dataset;
  try {
    await engine.change("preference", "update", `${engine.session.user.id}:${kind}:${channel}`, { enabled: box.checked });
  } catch (error) {
    const message = error instanceof Rejection || error instanceof Error ? error.message : String(error);
    state.textContent = fill(strings.prefFailed, { message });
    render(app);
  }
}

/**
 * Says on the page when the server refused a preference change (the notices list says why).
 * @param {import("./ui.js").App} app @param {Set<string>} seen the notices already there
 */
function showRefusals({ engine, strings }, seen) {
  const fresh = engine.notices.filter((notice) => !seen.has(notice.id));
  for (const notice of fresh) seen.add(notice.id);
  if (fresh.some((notice) => notice.operation?.collection === "preference")) byId("preferences-state").textContent = strings.prefRefused ?? "";
}

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
async function ready(app) {
  const { engine, strings } = app;
  const section = byId("notification-preferences");
  section.hidden = false;
  byId("preference-rows").addEventListener("change", (/** @type {Event} */ event) => {
    const box = /** @type {HTMLInputElement} */ (event.target);
    if (box.matches?.("input[type=checkbox][data-kind][data-channel]")) toggle(app, box);
  });
  engine.addEventListener("session", () => {
    section.hidden = engine.session === null;
  });
  const seen = new Set(engine.notices.map((notice) => notice.id));
  engine.addEventListener("notices", () => showRefusals(app, seen));
  render(app);
  setUpAccount(app);
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

boot({ render, ready });
