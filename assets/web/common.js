// Shared by every page: the session (with its CSRF token), JSON calls, formatting. No framework.
"use strict";

const Admix = (() => {
  let session = null;

  async function api(path, options = {}) {
    const headers = Object.assign({ "Accept": "application/json" }, options.headers || {});
    const init = { method: options.method || "GET", headers, credentials: "same-origin" };
    if (options.poll) headers["X-Admix-Poll"] = "1";
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    if (init.method !== "GET" && session) headers["X-CSRF-Token"] = session.csrf;
    const res = await fetch(path, init);
    if (res.status === 401 && !options.noRedirect) {
      location.href = "/login.html?expired=1";
      throw new Error("signed out");
    }
    const type = res.headers.get("Content-Type") || "";
    const data = type.startsWith("application/json") ? await res.json() : await res.text();
    if (!res.ok) {
      const err = new Error((data && data.error) || ("HTTP " + res.status));
      err.status = res.status;
      err.data = typeof data === "object" ? data : null; // the field a refusal names, flags, ...
      throw err;
    }
    return data;
  }

  async function start(role) {
    session = await api("/api/v1/session");
    if (role && session.role !== role) { location.href = session.home; throw new Error("wrong role"); }
    const who = document.getElementById("who");
    if (who) who.textContent = session.display_name + " (" + session.role + ")";
    return session;
  }

  // Sign out works from the moment the page is shown, not only once start() has fetched the session:
  // a click before then (a slow network, a quick hand) used to do nothing. The logout needs the
  // session's CSRF token, so a click that comes first fetches the session itself.
  async function signOut() {
    try {
      if (!session) session = await api("/api/v1/session", { noRedirect: true });
      await api("/api/v1/logout", { method: "POST", body: {} });
    } catch (e) {
      // Signed out already (401) or the server is gone: the login page is the right place either way.
    } finally {
      location.href = "/login.html";
    }
  }
  // Every form on these pages is sent by its script. One submitted before the script has attached its
  // handler (while the session loads) must not fall back to the browser's own GET of the page.
  document.addEventListener("submit", (ev) => ev.preventDefault(), true);
  const signOutButton = document.getElementById("signout");
  if (signOutButton) signOutButton.addEventListener("click", signOut);

  function el(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  const pad = (n) => String(n).padStart(2, "0");
  // Local 24-hour time with the date (ISMP: dates with times).
  function when(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    if (isNaN(d)) return iso;
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }
  function minutes(m) {
    const sign = m < 0 ? "-" : "";
    m = Math.abs(m);
    return sign + (m >= 60 ? Math.floor(m / 60) + " h " + (m % 60) + " min" : m + " min");
  }
  // Leading zero, no trailing zero (ISMP): 0.5 mL, 5 mL, 11.13 mL.
  function ml(v) {
    if (v === null || v === undefined) return "—";
    return Number(v.toFixed(2)).toString() + " mL";
  }
  function setMessage(id, text, ok) {
    const m = document.getElementById(id);
    m.className = "msg " + (ok ? "ok" : "error");
    m.textContent = text;
    if (text) m.focus();
  }
  return { api, start, el, when, minutes, ml, setMessage, get session() { return session; } };
})();
