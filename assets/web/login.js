"use strict";
(() => {
  const form = document.getElementById("login");
  const message = document.getElementById("message");
  const params = new URLSearchParams(location.search);
  const show = (text) => { message.className = "msg error"; message.textContent = text; message.focus(); };
  if (params.has("expired")) show("Your session ended (signed out, or idle too long). Sign in again.");
  if (params.has("norole")) show("Your role has no remote functions: the remote pages are for pharmacists, quality staff and (the formulary, to view) technicians.");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = { username: form.username.value.trim(), password: form.password.value };
    let res;
    try {
      res = await fetch("/api/v1/login", { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json" }, body: JSON.stringify(body) });
    } catch (e) { show("The station does not answer: " + e.message); return; }
    const data = await res.json().catch(() => ({}));
    form.password.value = "";
    if (!res.ok) { show(data.error || ("Sign-in refused (HTTP " + res.status + ")")); return; }
    location.href = data.home;
  });
})();
