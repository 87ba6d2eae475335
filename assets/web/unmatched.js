"use strict";
(async () => {
  const { api, el, when } = Admix;
  await Admix.start("pharmacist");
  const rows = document.getElementById("rows");

  function render(data) {
    rows.replaceChildren();
    if (data.items.length === 0) rows.append(el("tr", {}, el("td", { colspan: 6, text: "Every order is matched." })));
    for (const o of data.items) {
      const select = el("select", { "aria-label": "Recipe for order " + o.placer },
        el("option", { value: "", text: "Choose a recipe…" }),
        data.recipes.map((r) => el("option", { value: r.id, text: r.name + " (" + r.id + ")" })));
      const mixture = !!o.additive;
      const what = mixture
        ? ["additive ", el("code", { text: o.additive.code }), " " + (o.additive.text || ""),
           o.base ? [el("br"), "base ", el("code", { text: o.base.code }), " " + (o.base.text || "")] : null]
        : ["give code ", el("code", { text: o.give_code || "" }), " " + (o.give_text || "")];
      const button = el("button", { type: "button", text: "Map and queue", onclick: async () => {
        if (!select.value) { Admix.setMessage("message", "Choose a recipe first.", false); return; }
        button.disabled = true;
        try {
          const body = mixture
            ? { kind: "additive", code: o.additive.code, base_code: o.base ? o.base.code : "", recipe: select.value }
            : { kind: "give", code: o.give_code, base_code: "", recipe: select.value };
          const r = await api("/api/v1/hl7/maps", { method: "POST", body });
          Admix.setMessage("message", "Mapped to " + r.mapped + ": " + r.queued + " order(s) entered the queue.", true);
          await refresh();
        } catch (e) {
          Admix.setMessage("message", e.message, false);
          button.disabled = false;
        }
      } });
      rows.append(el("tr", {},
        el("td", { text: when(o.received) }),
        el("td", {}, o.placer, el("br"), el("span", { class: "muted", text: o.control_id })),
        el("td", {}, o.patient || "", el("br"), el("span", { class: "muted", text: o.mrn || "" })),
        el("td", {}, what),
        el("td", { text: o.reason }),
        el("td", {}, select, " ", button)));
    }
  }
  async function refresh() {
    try {
      render(await api("/api/v1/hl7/unmatched"));
    } catch (e) {
      Admix.setMessage("message", e.message, false);
    }
  }
  await refresh();
})();
