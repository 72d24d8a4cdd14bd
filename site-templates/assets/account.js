// The account pages of the public site (/compte/…): sign-up, an expert's application, "mot de
// passe oublié" and the new password a reset e-mail leads to. Each form posts JSON to the sync
// server's account API and shows its answer; the server checks everything again. Text only ever
// goes in with textContent (the bio's preview is the server's cmark-gfm output, as the profile
// pages embed it).
import { markField, readProfile, setUpProfileForm } from "/app/sync/profile-form.js";

const form = /** @type {HTMLFormElement | null} */ (document.getElementById("account-form"));
const status = /** @type {HTMLElement} */ (document.getElementById("account-status"));

/** @param {string} text @param {"ok" | "refused" | "busy"} state */
function show(text, state) {
  status.textContent = text;
  status.dataset.state = state;
  status.focus();
}

/** @param {string} path @param {object} body */
async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", "FT-Protocol": "1" },
    body: JSON.stringify(body),
  });
  let answer = {};
  try { answer = await response.json(); } catch { /* an empty or non-JSON body */ }
  return { status: response.status, answer: /** @type {{message?: string, field?: string}} */ (answer) };
}

/** The reset link's token, from the address's fragment (never sent to any server but ours, in a body). */
const token = new URLSearchParams(location.hash.slice(1)).get("jeton") ?? "";

/** @param {{message?: string, field?: string}} answer */
function refuse(answer) {
  show(answer.message ?? "La demande a été refusée.", "refused");
  if (form) markField(form, answer.field);
}

async function submit() {
  if (!form) return;
  const values = Object.fromEntries(new FormData(form).entries());
  markField(form, undefined);
  const button = form.querySelector("button[type=submit]");
  if (button) button.disabled = true;
  show("Envoi…", "busy");
  try {
    const action = form.dataset.action;
    const { status: code, answer } = action === "signup" ? await post("/api/v1/accounts", values)
      : action === "expert" ? await post("/api/v1/expert-applications", { ...readProfile(form), email: values.email, password: values.password })
      : action === "forgot" ? await post("/api/v1/password-resets", values)
      : await post("/api/v1/password-resets/confirm", { token, password: values.password });
    if (code >= 200 && code < 300) {
      form.hidden = true;
      show(answer.message ?? "C’est fait.", "ok");
      if (action === "reset") {
        // The used link leaves the address bar and the history.
        history.replaceState(null, "", location.pathname);
        const link = document.createElement("a");
        link.href = "/app/index.html";
        link.className = "button";
        link.textContent = "Se connecter";
        status.after(link);
      }
    } else {
      refuse(answer);
    }
  } catch {
    show("Le serveur ne répond pas : vérifiez votre connexion et réessayez.", "refused");
  } finally {
    if (button) button.disabled = false;
  }
}

if (form?.dataset.action === "expert") {
  setUpProfileForm(form, { offline: form.dataset.previewOffline ?? "", empty: form.dataset.previewEmpty ?? "" });
}

form?.addEventListener("submit", (event) => {
  event.preventDefault();
  submit();
});

// The new-password page checks its link first, so that an expired one says so before any typing.
if (form?.dataset.action === "reset") {
  const intro = /** @type {HTMLElement} */ (document.getElementById("reset-intro"));
  if (!token) {
    intro.textContent = "Ce lien est incomplet : ouvrez-le depuis l’e-mail reçu, ou demandez-en un nouveau.";
  } else {
    post("/api/v1/password-resets/check", { token }).then(({ status: code, answer }) => {
      if (code === 200) {
        intro.textContent = answer.message ?? "";
        form.hidden = false;
        /** @type {HTMLInputElement} */ (form.elements.namedItem("password")).focus();
      } else {
        intro.textContent = answer.message ?? "Ce lien ne fonctionne plus.";
      }
    }, () => { intro.textContent = "Le serveur ne répond pas : vérifiez votre connexion et réessayez."; });
  }
}
