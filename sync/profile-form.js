// @ts-check
// An expert's profile form (the partial `_expert_fields`), shared by the public application page
// (/compte/devenir-expert/, `assets/account.js`) and the app's profile page (/app/profile.html):
// reading it into the API's JSON, filling it from the API's answer, pointing at the field a
// refusal names, the portfolio's extra references, and the live preview of the bio, rendered by
// the server with the public site's own Markdown rules (`POST /api/v1/markdown-preview`).

/**
 * @typedef {{title: string, summary: string, amountRecovered: number | null, year: number}} PortfolioItem
 * @typedef {{firstName: string, lastName: string, company: string, siret: string, postcode: string, headline: string,
 *   schemes: string[], dayRate: number | null, successFeePercent: number | null, languages: string[], certifications: string[],
 *   portfolio: PortfolioItem[], yearsOfExperience: number, bio: string}} Profile
 * @typedef {{profile: Profile, approval: "pending" | "approved" | "rejected", rejectionReason?: string, published: boolean,
 *   page: string, city: string, region: string, updatedAt: string, message?: string}} ProfileAnswer
 */

/** @param {HTMLFormElement} form @param {string} name */
const input = (form, name) => /** @type {HTMLInputElement | HTMLTextAreaElement | null} */ (form.elements.namedItem(name));

/** @param {HTMLFormElement} form @param {string} name */
const text = (form, name) => input(form, name)?.value ?? "";

/** A whole number, or null for an empty box (the server names a wrong one). @param {string} value */
const number = (value) => (value.trim() === "" ? null : Number(value.trim().replace(/\s/g, "").replace(",", ".")));

/** @param {HTMLFormElement} form @param {string} name */
const checked = (form, name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((box) => /** @type {HTMLInputElement} */ (box).value);

/** The portfolio's slots, in order. @param {HTMLFormElement} form */
const slots = (form) => /** @type {HTMLElement[]} */ ([...form.querySelectorAll("[data-portfolio-slot]")]);

/**
 * The form's fields as the API takes them.
 * @param {HTMLFormElement} form @returns {Profile}
 */
export function readProfile(form) {
  return {
    firstName: text(form, "firstName"),
    lastName: text(form, "lastName"),
    company: text(form, "company"),
    siret: text(form, "siret"),
    postcode: text(form, "postcode"),
    headline: text(form, "headline"),
    schemes: checked(form, "schemes"),
    dayRate: number(text(form, "dayRate")),
    successFeePercent: number(text(form, "successFeePercent")),
    languages: checked(form, "languages"),
    certifications: text(form, "certifications").split("\n"),
    portfolio: slots(form).map((slot) => {
      const field = (/** @type {string} */ name) => /** @type {HTMLInputElement} */ (slot.querySelector(`[data-name="${name}"]`)).value;
      return { title: field("title"), summary: field("summary"), amountRecovered: number(field("amount")), year: number(field("year")) ?? 0 };
    }).filter((item) => item.title.trim() !== "" || item.summary.trim() !== ""),
    yearsOfExperience: number(text(form, "yearsOfExperience")) ?? -1,
    bio: text(form, "bio"),
  };
}

/**
 * Fills the form from a saved profile.
 * @param {HTMLFormElement} form @param {Profile} profile
 */
export function fillProfile(form, profile) {
  for (const name of ["firstName", "lastName", "company", "siret", "postcode", "headline", "bio"]) {
    const box = input(form, name);
    if (box) box.value = /** @type {any} */ (profile)[name] ?? "";
  }
  for (const name of ["dayRate", "successFeePercent", "yearsOfExperience"]) {
    const box = input(form, name);
    const value = /** @type {any} */ (profile)[name];
    if (box) box.value = value === null || value === undefined ? "" : String(value);
  }
  /** @type {HTMLTextAreaElement} */ (input(form, "certifications")).value = profile.certifications.join("\n");
  for (const [name, values] of /** @type {const} */ ([["schemes", profile.schemes], ["languages", profile.languages]])) {
    for (const box of form.querySelectorAll(`input[name="${name}"]`)) {
      /** @type {HTMLInputElement} */ (box).checked = values.includes(/** @type {HTMLInputElement} */ (box).value);
    }
  }
  slots(form).forEach((slot, index) => {
    const item = profile.portfolio[index];
    for (const [name, value] of [["title", item?.title], ["summary", item?.summary], ["amount", item?.amountRecovered], ["year", item?.year]]) {
      /** @type {HTMLInputElement} */ (slot.querySelector(`[data-name="${name}"]`)).value = value === null || value === undefined ? "" : String(value);
    }
    slot.hidden = index > 0 && !item;
  });
  showAddReference(form);
}

/**
 * Marks the field a refusal names (`field` of the API's error) and takes the focus there.
 * @param {HTMLFormElement} form @param {string | undefined} field
 */
export function markField(form, field) {
  for (const element of form.querySelectorAll("[aria-invalid]")) element.removeAttribute("aria-invalid");
  if (!field) return;
  const target = input(form, field) instanceof RadioNodeList ? null : input(form, field);
  const box = target ?? /** @type {HTMLElement | null} */ (form.querySelector(`[data-field="${field}"] input, [data-field="${field}"] textarea`));
  if (!box) return;
  box.setAttribute("aria-invalid", "true");
  box.focus();
}

/** "Ajouter une référence" shows while a slot is hidden. @param {HTMLFormElement} form */
function showAddReference(form) {
  const add = form.querySelector("[data-add-reference]");
  if (add) /** @type {HTMLElement} */ (add).hidden = !slots(form).some((slot) => slot.hidden);
}

/**
 * The form's behaviour: the portfolio's "Ajouter une référence", and the bio's live preview
 * (after a pause in typing; the server's HTML is cmark-gfm's safe output, as the public page
 * embeds it). `offline` is said in the preview when the server cannot be reached.
 * @param {HTMLFormElement} form @param {{offline: string, empty: string, fetch?: typeof fetch}} options
 */
export function setUpProfileForm(form, { offline, empty, fetch: request = (...args) => fetch(...args) }) {
  const add = /** @type {HTMLButtonElement | null} */ (form.querySelector("[data-add-reference]"));
  add?.addEventListener("click", () => {
    const next = slots(form).find((slot) => slot.hidden);
    if (next) {
      next.hidden = false;
      /** @type {HTMLInputElement} */ (next.querySelector("input")).focus();
    }
    showAddReference(form);
  });
  showAddReference(form);

  const bio = /** @type {HTMLTextAreaElement} */ (input(form, "bio"));
  const preview = /** @type {HTMLElement} */ (form.querySelector("#bio-preview"));
  /** @type {any} */
  let timer = null;
  let asked = 0;
  const render = async () => {
    const ask = ++asked;
    if (bio.value.trim() === "") {
      preview.textContent = empty;
      preview.dataset.state = "empty";
      return;
    }
    try {
      const response = await request("/api/v1/markdown-preview", {
        method: "POST",
        headers: { "Content-Type": "application/json", accept: "application/json" },
        body: JSON.stringify({ markdown: bio.value }),
      });
      const answer = await response.json();
      if (ask !== asked) return;
      if (response.ok) {
        preview.innerHTML = answer.html;
        preview.dataset.state = "ready";
      } else {
        preview.textContent = answer.message ?? offline;
        preview.dataset.state = "refused";
      }
    } catch {
      if (ask !== asked) return;
      preview.textContent = offline;
      preview.dataset.state = "offline";
    }
  };
  bio.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(render, 250);
  });
  return { preview: render };
}
