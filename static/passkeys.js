// Gatehouse passkeys: runs the WebAuthn ceremonies for the pages that offer them (loaded with <script src>:
// the CSP allows no inline script). The server makes every option and checks every answer; this file only
// carries them between it and navigator.credentials, with the page's CSRF token in X-CSRFToken.
"use strict";

const b64urlToBytes = (text) => {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
};
const bytesToB64url = (buffer) =>
  btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

function creationOptions(json) {
  if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  return {
    ...json,
    challenge: b64urlToBytes(json.challenge),
    user: { ...json.user, id: b64urlToBytes(json.user.id) },
    excludeCredentials: (json.excludeCredentials || []).map((c) => ({ ...c, id: b64urlToBytes(c.id) })),
  };
}

function requestOptions(json) {
  if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  return {
    ...json,
    challenge: b64urlToBytes(json.challenge),
    allowCredentials: (json.allowCredentials || []).map((c) => ({ ...c, id: b64urlToBytes(c.id) })),
  };
}

function credentialJSON(credential) {
  if (credential.toJSON) return credential.toJSON();
  const r = credential.response;
  const response = { clientDataJSON: bytesToB64url(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = bytesToB64url(r.attestationObject);
    response.transports = r.getTransports ? r.getTransports() : [];
  } else {
    response.authenticatorData = bytesToB64url(r.authenticatorData);
    response.signature = bytesToB64url(r.signature);
    if (r.userHandle) response.userHandle = bytesToB64url(r.userHandle);
  }
  return { id: credential.id, rawId: bytesToB64url(credential.rawId), type: credential.type, response,
           clientExtensionResults: credential.getClientExtensionResults() };
}

async function post(url, token, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": token, Accept: "application/json" },
    body: JSON.stringify(body || {}),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || "Something went wrong. Reload the page and try again.");
  return data;
}

function showError(box, error) {
  if (!box) return;
  // A cancelled or timed-out browser prompt is the user's choice, not a failure to explain at length.
  box.textContent = error.name === "NotAllowedError" ? "No passkey was used. Try again when you are ready." : error.message;
  box.hidden = false;
}

// The security page: make a passkey, then store it under the name typed.
function setUpRegistration(form) {
  form.hidden = false;
  document.getElementById("passkey-unsupported")?.setAttribute("hidden", "");
  const token = form.querySelector("input[name=csrf_token]").value;
  const errorBox = document.getElementById("passkey-add-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errorBox.hidden = true;
    try {
      const name = form.querySelector("input[name=name]").value.trim();
      if (!name) throw new Error("Give the passkey a name, such as the device it is on.");
      const options = await post(form.dataset.options, token);
      const credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
      const done = await post(form.dataset.register, token, { name, credential: credentialJSON(credential) });
      window.location.assign(done.redirect);
    } catch (error) {
      showError(errorBox, error);
    }
  });
}

// One get() ceremony: fresh options (a new server-side challenge), the browser's answer, then the verify route.
async function signInWith(button, token, { mediation, signal, fetched } = {}) {
  const optionsAsked = post(button.dataset.options, token);
  if (fetched) fetched(optionsAsked);
  const options = await optionsAsked;
  const publicKey = requestOptions(options);
  const credential = await navigator.credentials.get(mediation ? { publicKey, mediation, signal } : { publicKey });
  const remember = document.getElementById(button.dataset.remember || "")?.checked === true;
  const body = { credential: credentialJSON(credential), next: button.dataset.next || "", remember };
  const done = await post(button.dataset.verify, token, body);
  window.location.assign(done.redirect);
}

// Conditional UI (passkey autofill): the email field (autocomplete="username webauthn") lists this site's passkeys.
let autofill = null; // the waiting conditional get(): { controller, options } (its options request)

async function startAutofill(button, token) {
  const check = PublicKeyCredential.isConditionalMediationAvailable;
  if (!check || !(await check.call(PublicKeyCredential).catch(() => false))) return;
  if (button.disabled) return; // the button was pressed meanwhile: its own ceremony runs
  const controller = new AbortController();
  const waiting = { controller, options: Promise.resolve() };
  autofill = waiting;
  try {
    await signInWith(button, token, {
      mediation: "conditional",
      signal: controller.signal,
      fetched: (asked) => {
        waiting.options = asked.catch(() => {});
        // Marked when get() is called, right after its options arrive (the browser test waits for it).
        asked.then(() => { if (!controller.signal.aborted) button.dataset.autofill = "waiting"; }, () => {});
      },
    });
  } catch {
    // Silent: nobody asked for the autofill (aborted for the button, or refused, e.g. an IP address is no RP ID);
    // the button still works and says why it fails.
  } finally {
    if (autofill === waiting) autofill = null;
    delete button.dataset.autofill;
  }
}

// Pressing the button ends a waiting autofill first: its options must not land after the button's (one challenge
// per browser session, the last one issued wins).
async function stopAutofill() {
  const waiting = autofill;
  autofill = null;
  if (!waiting) return;
  await waiting.options;
  waiting.controller.abort();
}

// The sign-in page (any passkey of this site) and the second step (the user's own): get(), then sign in.
function setUpSignIn(button) {
  button.hidden = false;
  document.getElementById("passkey-unsupported")?.setAttribute("hidden", "");
  // The CSRF token of the page's own form (sign-in, confirm or code), sent in the X-CSRFToken header.
  const token = document.querySelector("input[name=csrf_token]")?.value || "";
  const errorBox = document.getElementById(button.dataset.errors);
  button.addEventListener("click", async () => {
    if (errorBox) errorBox.hidden = true;
    button.disabled = true;
    try {
      await stopAutofill();
      await signInWith(button, token);
    } catch (error) {
      showError(errorBox, error);
      button.disabled = false;
      if (button.dataset.conditional === "on") startAutofill(button, token); // offer autofill again
    }
  });
  if (button.dataset.conditional === "on") startAutofill(button, token);
}

if (window.PublicKeyCredential) {
  const form = document.getElementById("passkey-add");
  if (form) setUpRegistration(form);
  document.querySelectorAll("button[data-passkey-sign-in]").forEach(setUpSignIn);
}
