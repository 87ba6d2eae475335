"use strict";
(async () => {
  const { api, el, when, minutes } = Admix;
  await Admix.start("pharmacist");
  const rows = document.getElementById("rows");
  const recent = document.getElementById("recent");

  function render(data) {
    rows.replaceChildren();
    if (data.items.length === 0) rows.append(el("tr", {}, el("td", { colspan: 7, text: "Nothing awaits a check." })));
    for (const p of data.items) {
      const link = el("a", { href: "/prep.html?n=" + encodeURIComponent(p.number), "data-prep": p.number }, p.number);
      const dueClass = p.due_in_minutes < 0 ? "overdue" : "";
      rows.append(el("tr", { class: "clickable", "data-prep": p.number },
        el("td", {}, el("span", { class: "badge pri-" + p.priority, text: p.priority.toUpperCase() })),
        el("td", {}, link, p.hazardous ? [" ", el("span", { class: "hazard", text: "HAZARDOUS" })] : null),
        el("td", { text: p.title }),
        el("td", { class: dueClass }, when(p.due), el("br"), p.due_in_minutes < 0 ? "overdue " + minutes(-p.due_in_minutes) : "in " + minutes(p.due_in_minutes)),
        el("td", { class: "num", text: minutes(p.waiting_minutes) }),
        el("td", { text: p.technician }),
        el("td", { text: p.room + " / " + p.pec })));
    }
    recent.replaceChildren();
    for (const p of data.recent) {
      recent.append(el("tr", {},
        el("td", { text: p.number }), el("td", { text: p.title }),
        el("td", { class: p.status === "released" ? "pass" : "fail", text: p.status }),
        el("td", { text: p.checked_by }), el("td", { text: when(p.checked_at) })));
    }
    document.getElementById("updated").textContent = when(data.generated);
  }
  rows.addEventListener("click", (ev) => {
    const tr = ev.target.closest("tr[data-prep]");
    if (tr && ev.target.tagName !== "A") location.href = "/prep.html?n=" + encodeURIComponent(tr.dataset.prep);
  });
  async function refresh(poll) {
    try {
      render(await api("/api/v1/queue", { poll }));
      Admix.setMessage("message", "", true);
    } catch (e) {
      Admix.setMessage("message", "Could not update the queue: " + e.message);
    }
  }
  await refresh(false);
  setInterval(() => refresh(true), 5000);
})();
