// Gatehouse: small page helpers, loaded with <script src> (the CSP allows no inline script).
// Every page works without them; they only add a show-password switch, copy and download buttons.
"use strict";

// A "Show what you type" checkbox under each password field: a long password is easier to type on a phone
// when you can see it. Not "Show password": a label containing "password" would also name the field's own box.
function addShowPassword(input) {
  const field = input.closest(".field");
  if (!field) return;
  const box = document.createElement("input");
  box.type = "checkbox";
  box.id = input.id + "-show";
  box.setAttribute("aria-controls", input.id);
  const label = document.createElement("label");
  label.htmlFor = box.id;
  label.textContent = "Show what you type";
  const row = document.createElement("div");
  row.className = "field checkbox";
  row.append(box, label);
  field.after(row);
  box.addEventListener("change", () => {
    input.type = box.checked ? "text" : "password";
  });
  // Never leave a password readable in the page once the form is sent (or kept by the back button).
  input.form?.addEventListener("submit", () => {
    input.type = "password";
  });
}

// Text to copy or download: the button's data-text, else the text of the element data-source names.
function sourceText(button) {
  if (button.dataset.text) return button.dataset.text;
  const source = document.getElementById(button.dataset.source);
  return source ? source.innerText.trim() : "";
}

function confirmDone(button, words) {
  const label = button.textContent;
  button.textContent = words;
  setTimeout(() => { button.textContent = label; }, 2000);
}

function addCopy(button) {
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(sourceText(button));
      confirmDone(button, "Copied");
    } catch {
      confirmDone(button, "Copy failed: select the text instead");
    }
  });
}

// The file is made here from the page's own text (a Blob), so no second server address ever hands out the codes.
function addDownload(button) {
  button.hidden = false;
  button.addEventListener("click", () => {
    const blob = new Blob([sourceText(button) + "\n"], { type: "text/plain" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = button.dataset.download || "gatehouse.txt";
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  });
}

document.querySelectorAll("input[type=password]").forEach(addShowPassword);
document.querySelectorAll("button[data-copy]").forEach(addCopy);
document.querySelectorAll("button[data-download]").forEach(addDownload);
