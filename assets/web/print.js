"use strict";
(async () => {
  const { api, el, when } = Admix;
  const session = await Admix.start("quality");
  const report = document.getElementById("report");
  const daysSel = document.getElementById("days");
  document.getElementById("print").onclick = () => window.print();
  function table(head, rows) {
    return el("table", {}, el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, ...rows.map((r) => el("tr", {}, ...r.map((c) => el("td", { text: c }))))));
  }
  async function build() {
    report.replaceChildren();
    const days = daysSel.value;
    document.getElementById("generated").textContent = "Generated " + when(new Date().toISOString()) + " by " + session.display_name +
      " from the station's records; period: the last " + days + " days. Times are local.";
    const [rooms, exc, due, quals] = await Promise.all([api("/api/v1/em/rooms"), api("/api/v1/excursions?state=all"), api("/api/v1/due"), api("/api/v1/qualifications")]);
    report.append(el("h2", { text: "Rooms and PECs" }), table(["Room", "Name", "ISO", "Pressure", "Certified", "PECs"],
      rooms.rooms.map((r) => [r.code, r.name, r.iso, r.pressure, r.certified || "never", r.pecs.map((p) => p.code + " (" + p.type + ", certified " + (p.certified || "never") + ")").join("; ")])));
    for (const r of rooms.rooms) {
      const data = await api("/api/v1/em/series?room=" + encodeURIComponent(r.code) + "&days=" + days);
      report.append(el("h2", { text: "Trends: " + r.code + " — " + r.name }));
      const grid = el("div", { class: "plots" });
      report.append(grid);
      for (const s of data.series) EmPlot.draw(grid, s, [Date.parse(data.from) / 1000, Date.parse(data.to) / 1000]);
    }
    report.append(el("h2", { text: "Excursions" }), table(["#", "Room", "Kind", "Result", "Sampled", "Investigation", "Genus", "Remediation", "Closed"],
      exc.excursions.map((x) => [x.id, x.room, x.kind, x.summary, when(x.sampled), x.investigation, x.genus, x.remediation,
        x.open ? "OPEN" : x.closure.signer + " " + when(x.closure.at) + ": " + x.closure.reason])));
    report.append(el("h2", { text: "Due and overdue" }), table(["Task", "Subject", "Last", "Due", "State"],
      due.due.map((d) => [d.task, d.subject, d.last || "never", d.due, d.state.replace("_", " ")])));
    report.append(el("h2", { text: "Personnel qualification" }), table(["Person", ...quals.categories.map((c) => c === "immediate" ? "Immediate use" : "Category " + c)],
      quals.people.map((p) => [p.name + " (" + p.role + ")", ...quals.categories.map((c) => { const q = p.categories[c] || {}; return q.qualified ? "qualified until " + q.until : "NOT qualified" + (q.reasons && q.reasons.length ? ": " + q.reasons.join("; ") : ""); })])));
  }
  daysSel.onchange = build;
  try { await build(); } catch (e) { report.append(el("p", { class: "msg error", text: "Could not build the report: " + e.message })); }
})();
