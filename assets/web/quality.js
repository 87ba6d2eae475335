"use strict";
(async () => {
  const { api, el, when } = Admix;
  await Admix.start("quality");
  const roomSel = document.getElementById("room"), locSel = document.getElementById("location"), daysSel = document.getElementById("days");
  const plotArea = document.getElementById("plot-area");
  let rooms = [], closing = null, lastSeries = [], lastRange = null, roomRequest = 0;

  function drawPlots() {
    plotArea.replaceChildren();
    const loc = locSel.value;
    const shown = lastSeries.filter((s) => !loc || s.location === loc);
    if (!shown.length) plotArea.append(el("p", { text: "No monitoring results in this period." }));
    for (const s of shown) EmPlot.draw(plotArea, s, lastRange);
  }
  async function loadRoom() {
    const room = roomSel.value;
    const r = rooms.find((x) => x.code === room);
    document.getElementById("room-facts").textContent = r ? r.name + ": " + r.iso + ", " + r.pressure + " pressure" +
      (r.hazardous ? ", hazardous drugs" : "") + "; certified " + (r.certified || "never") + "; PECs: " +
      (r.pecs.map((p) => p.code + " (" + p.type + ")").join(", ") || "none") : "";
    document.getElementById("export-em").href = "/api/v1/em/export.csv?room=" + encodeURIComponent(room) + "&days=" + daysSel.value;
    // A quicker change of room or period may answer before a slower earlier one: only the newest
    // request's answer is drawn, and the plot area says which room and period it shows.
    const request = ++roomRequest;
    try {
      const data = await api("/api/v1/em/series?room=" + encodeURIComponent(room) + "&days=" + daysSel.value);
      if (request !== roomRequest) return;
      lastSeries = data.series;
      lastRange = [Date.parse(data.from) / 1000, Date.parse(data.to) / 1000];
      const locs = [...new Set(data.series.map((s) => s.location))].sort();
      const keep = locSel.value;
      locSel.replaceChildren(el("option", { value: "", text: "all locations" }), ...locs.map((l) => el("option", { value: l, text: l || "(room)" })));
      if (locs.includes(keep)) locSel.value = keep;
      drawPlots();
      plotArea.dataset.shown = room + "/" + daysSel.value;
    } catch (e) { Admix.setMessage("message", "Could not load the monitoring data: " + e.message); }
    await loadDue();
  }
  async function loadExcursions() {
    const state = document.getElementById("exc-state").value;
    const data = await api("/api/v1/excursions?state=" + state);
    const tb = document.querySelector("#excursions tbody");
    tb.replaceChildren();
    for (const x of data.excursions) {
      const detail = [x.investigation && "investigation: " + x.investigation, x.genus && "genus: " + x.genus,
        x.remediation && "remediation: " + x.remediation, x.resample_id && ("re-sample #" + x.resample_id + (x.resample_passed ? " passed" : " not passed"))]
        .filter(Boolean).join("; ");
      let state;
      if (!x.open) state = el("td", { class: "pass" }, "closed by " + x.closure.signer + ", " + when(x.closure.at));
      else if (x.missing_for_closure.length) state = el("td", { class: "fail" }, "open — missing: " + x.missing_for_closure.join(", "));
      else state = el("td", {}, el("button", { type: "button", class: "primary", "data-close": x.id, onclick: () => openClose(x) }, "Close excursion " + x.id));
      tb.append(el("tr", {}, el("td", { class: "num", text: x.id }), el("td", { text: x.room }), el("td", { text: x.kind }),
        el("td", { text: x.summary }), el("td", { text: when(x.sampled) }), el("td", { text: detail || "—" }), state));
    }
  }
  function openClose(x) {
    closing = x;
    const f = document.getElementById("close-form");
    f.hidden = false;
    document.getElementById("close-title").textContent = "Close excursion " + x.id + " (" + x.room + ", " + x.kind + ")";
    document.getElementById("close-reason").focus();
  }
  document.getElementById("close-cancel").onclick = () => { document.getElementById("close-form").hidden = true; closing = null; };
  document.getElementById("close-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const pw = document.getElementById("close-password");
    try {
      await api("/api/v1/excursions/" + closing.id + "/close", { method: "POST",
        body: { password: pw.value, reason: document.getElementById("close-reason").value } });
      Admix.setMessage("message", "Excursion " + closing.id + " closed with your e-signature.", true);
      document.getElementById("close-form").hidden = true;
      await loadExcursions();
    } catch (e) { Admix.setMessage("message", e.message); } finally { pw.value = ""; }
  });
  async function loadDue() {
    const data = await api("/api/v1/due?room=" + encodeURIComponent(roomSel.value));
    const tb = document.querySelector("#due tbody");
    tb.replaceChildren();
    for (const d of data.due) tb.append(el("tr", {}, el("td", { text: d.task }), el("td", { text: d.subject }), el("td", { text: d.last || "never" }),
      el("td", { text: d.due }), el("td", { class: d.state, text: d.state.replace("_", " ") })));
  }
  async function loadQuals() {
    const data = await api("/api/v1/qualifications");
    const table = document.getElementById("quals");
    table.tHead.replaceChildren(el("tr", {}, el("th", { scope: "col", text: "Person" }), ...data.categories.map((c) => el("th", { scope: "col", text: c === "immediate" ? "Immediate use" : "Category " + c }))));
    const tb = table.tBodies[0];
    tb.replaceChildren();
    for (const p of data.people) tb.append(el("tr", {}, el("th", { scope: "row", text: p.name + " (" + p.role + ")" }),
      ...data.categories.map((c) => { const q = p.categories[c] || {}; return el("td", { class: q.qualified ? "q-yes" : "q-no", title: (q.reasons || []).join("; ") },
        q.qualified ? "qualified until " + q.until : (q.lapsed ? "lapsed " + q.until : "not qualified"), q.qualified ? null : el("div", { class: "muted", text: (q.reasons || []).join("; ") })); })));
  }

  try {
    rooms = (await api("/api/v1/em/rooms")).rooms;
    for (const r of rooms) roomSel.append(el("option", { value: r.code, text: r.code + " — " + r.name }));
    roomSel.onchange = loadRoom; daysSel.onchange = loadRoom; locSel.onchange = drawPlots;
    document.getElementById("exc-state").onchange = loadExcursions;
    await Promise.all([loadRoom(), loadExcursions(), loadQuals()]);
  } catch (e) { Admix.setMessage("message", "Could not load: " + e.message); }
})();
