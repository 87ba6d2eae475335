"use strict";
(async () => {
  const { api, el, when, ml } = Admix;
  await Admix.start("pharmacist");
  const number = new URLSearchParams(location.search).get("n") || "";
  const base = "/api/v1/preps/" + encodeURIComponent(number);
  let prep;

  function facts(id, pairs) {
    const dl = document.getElementById(id);
    dl.replaceChildren();
    for (const [k, v] of pairs) dl.append(el("dt", { text: k }), el("dd", {}, v));
  }
  function body(id) { const t = document.querySelector("#" + id + " tbody"); t.replaceChildren(); return t; }

  function render(p) {
    prep = p;
    document.title = "Admix — " + p.number;
    document.getElementById("title").textContent = p.number + " — " + p.title;
    const o = p.order || {};
    const dose = o.dose && o.dose.value !== undefined ? o.dose.value + " " + o.dose.unit : "(recipe dose)";
    const pi = o.patient_info || {};
    facts("order", [["Patient", o.patient + " (" + o.mrn + ")"],
      ["Weight / height", (pi.weight_kg ?? "—") + " kg / " + (pi.height_cm ?? "—") + " cm"],
      ["Order", o.number], ["Dose ordered", dose], ["Route", o.route],
      ["Priority", el("span", { class: "badge pri-" + o.priority, text: (o.priority || "").toUpperCase() })],
      ["Due", when(o.due)], ["Prescriber", o.prescriber], ["Entered by", o.entered_by],
      ["Comments", o.comments ? el("span", { class: "comments", text: o.comments }) : "—"]]);
    facts("prep", [["Product", p.title], ["Dose", p.dose], ["Recipe", p.recipe + " version " + p.recipe_version],
      ["Category", p.category + (p.hazardous ? " " : ""), p.hazardous ? el("span", { class: "hazard", text: "HAZARDOUS" }) : ""],
      ["Storage", p.storage], ["Final container", p.final_container], ["Technician", p.technician],
      ["Room / PEC", p.room + " / " + p.pec], ["Started", when(p.started)], ["Completed", when(p.completed)],
      ["Status", el("strong", { text: p.status })]]);

    const ov = document.getElementById("overrides");
    ov.replaceChildren();
    // A stop from the pharmacy system (order changed or discontinued): approval is refused.
    if (o.stop) ov.append(el("div", { class: "override-box stop", role: "alert" },
      el("strong", { text: "STOP: " }), o.stop.reason, " (" + when(o.stop.at) + "). Approval will be refused."));
    // The recipe version it was made from was retired since: the pharmacist decides, warned.
    if (p.recipe_retired) ov.append(el("div", { class: "override-box stop", role: "alert", id: "recipe-retired" },
      el("strong", { text: "RECIPE RETIRED since this was made: " }), p.recipe_retired,
      ". Check it against the current formulary before you approve."));
    for (const x of p.overrides) ov.append(el("div", { class: "override-box", role: "note" },
      el("strong", { text: "Override at step " + (x.step + 1) + ": " }), x.message, " (" + x.by + ", " + when(x.at) + ")"));

    const ing = body("ingredients");
    for (const r of p.ingredients) {
      ing.append(el("tr", { class: r.overridden ? "override" : null },
        el("td", { text: (r.step + 1) + ". " + r.title }),
        el("td", { text: r.product + (r.what ? " (" + r.what + ")" : "") }),
        el("td", { text: r.lot }), el("td", { text: r.expiry }),
        el("td", { class: "num", text: ml(r.target_ml) }),
        el("td", { class: "num", text: ml(r.low_ml) + " to " + ml(r.high_ml) + " (±" + r.tolerance_pct.toFixed(1) + "%)" }),
        el("td", { class: "num", text: ml(r.measured_ml) }),
        el("td", { class: r.pass ? "pass" : "fail" }, r.pass ? "PASS" : "FAIL", r.overridden ? " — OVERRIDDEN" : "")));
    }
    const steps = body("steps");
    for (const s of p.steps) {
      const rec = Object.entries(s.result || {}).filter(([k]) => ["lot", "expiry", "volume_ml", "net_g", "printer", "confirmed", "photo"].includes(k))
        .map(([k, v]) => k + ": " + (typeof v === "number" ? Number(v.toFixed(3)) : v)).join("; ");
      steps.append(el("tr", { class: s.state === "overridden" ? "override" : null },
        el("td", { class: "num", text: s.index + 1 }), el("td", { text: s.title }),
        el("td", { class: s.state === "passed" ? "pass" : s.state === "overridden" ? "fail" : "" }, s.state),
        el("td", { class: "num", text: s.attempts }), el("td", { text: rec })));
    }
    const photos = document.getElementById("photos");
    photos.replaceChildren();
    p.photos.forEach((ph, i) => {
      const img = el("img", { src: ph.url, alt: "Photo of step " + (ph.step + 1) + ": " + ph.title, loading: "lazy", tabindex: 0, "data-index": i });
      img.addEventListener("click", () => openViewer(ph));
      img.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); openViewer(ph); } });
      photos.append(el("figure", {}, img, el("figcaption", {}, "Step " + (ph.step + 1) + ": " + ph.title + " — " + ph.width + "×" + ph.height + ", " + when(ph.at))));
    });
    const sel = document.getElementById("reason-code");
    if (!sel.options.length) for (const r of p.reject_reasons) sel.append(el("option", { value: r.code, text: r.text }));
    const decided = document.getElementById("decided");
    decided.replaceChildren();
    document.getElementById("forms").hidden = !p.may_check;
    if (!p.may_check) decided.append(el("p", { class: p.recalled ? "panel msg error" : "panel" }, p.why_not,
      p.checked_by ? " — checked by " + p.checked_by + (p.check_reason ? ": " + p.check_reason : "") : ""));
    // Refused attempts with their reasons (the station's own words), then the audit trail in words.
    const refused = body("refused");
    const attempts = p.events.filter((e) => e.outcome === "fail" || e.kind === "skip" || e.kind === "stop");
    if (attempts.length === 0) refused.append(el("tr", {}, el("td", { colspan: 4, text: "No attempt was refused." })));
    for (const e of attempts) refused.append(el("tr", { class: "refused" }, el("td", { class: "nowrap", text: when(e.at) }),
      el("td", { text: e.step >= 0 && e.step < p.steps.length ? (e.step + 1) + ". " + p.steps[e.step].title : "" }),
      el("td", { text: e.by }), el("td", { text: e.message })));
    const audit = body("audit");
    for (const a of p.audit) audit.append(el("tr", { class: a.refused ? "refused" : null }, el("td", { class: "nowrap", text: when(a.at) }),
      el("td", { text: a.actor }), el("td", { text: a.action }), el("td", { text: a.text })));
  }

  // Full-size viewer with zoom.
  const viewer = document.getElementById("viewer"), vimg = document.getElementById("viewer-img");
  let zoom = 1, lastFocus = null;
  function applyZoom() { vimg.style.width = (vimg.naturalWidth * zoom) + "px"; }
  function openViewer(ph) {
    lastFocus = document.activeElement;
    vimg.src = ph.url; vimg.alt = "Step " + (ph.step + 1) + ": " + ph.title;
    document.getElementById("viewer-caption").textContent = "Step " + (ph.step + 1) + ": " + ph.title;
    viewer.hidden = false; zoom = 1;
    vimg.onload = applyZoom; if (vimg.complete) applyZoom();
    document.getElementById("viewer-close").focus();
  }
  function closeViewer() { viewer.hidden = true; if (lastFocus) lastFocus.focus(); }
  const step = (f) => { zoom = Math.min(8, Math.max(0.1, zoom * f)); applyZoom(); };
  document.getElementById("zoom-in").onclick = () => step(1.25);
  document.getElementById("zoom-out").onclick = () => step(0.8);
  document.getElementById("zoom-full").onclick = () => { zoom = 1; applyZoom(); };
  document.getElementById("zoom-fit").onclick = () => { zoom = Math.min(1, (window.innerWidth - 20) / vimg.naturalWidth); applyZoom(); };
  document.getElementById("viewer-close").onclick = closeViewer;
  document.addEventListener("keydown", (ev) => {
    if (viewer.hidden) return;
    if (ev.key === "Escape") closeViewer();
    else if (ev.key === "+" || ev.key === "=") step(1.25);
    else if (ev.key === "-") step(0.8);
  });

  async function load() {
    try { render(await api(base)); } catch (e) { Admix.setMessage("message", "Could not load " + number + ": " + e.message); }
  }
  async function decide(kind, payload, passwordInput, button) {
    button.disabled = true;
    try {
      const r = await api(base + "/" + kind, { method: "POST", body: payload });
      Admix.setMessage("message", r.number + " " + r.status + " (signed " + when(r.signed_at) + ").", true);
      await load();
    } catch (e) {
      Admix.setMessage("message", e.message);
    } finally {
      passwordInput.value = "";
      button.disabled = false;
    }
  }
  document.getElementById("approve").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const pw = document.getElementById("approve-password");
    decide("approve", { password: pw.value, comment: document.getElementById("approve-comment").value }, pw, document.getElementById("approve-button"));
  });
  document.getElementById("reject").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const pw = document.getElementById("reject-password");
    decide("reject", { password: pw.value, reason_code: document.getElementById("reason-code").value,
      reason: document.getElementById("reason-text").value,
      disposition: document.querySelector("input[name=disposition]:checked").value }, pw, document.getElementById("reject-button"));
  });
  await load();
})();
