"use strict";
// Order entry for pharmacists: the form builds the order JSON of `admix order add` and the station
// plans it on entry. Refusals come back with the field they concern (highlighted here).
(async () => {
  const { api, el, when } = Admix;
  await Admix.start("pharmacist");
  const $ = (id) => document.getElementById(id);
  const form = $("order-form");
  let recipes = [];
  let warningsText = ""; // the plan's warnings as last shown; acknowledged only exactly these

  // Numbers as typed: a number when it reads as one, else the text (the station names the field).
  function num(text) {
    const t = text.trim();
    if (t === "") return undefined;
    return /^[0-9]+(\.[0-9]+)?$/.test(t) ? Number(t) : t;
  }
  function dueIso(local) {
    if (!local) return undefined;
    const d = new Date(local);
    return isNaN(d) ? local : d.toISOString().replace(/\.\d{3}Z$/, "Z");
  }
  function orderJson() {
    const patient = { mrn: $("mrn").value, name: $("name").value };
    const put = (obj, key, value) => { if (value !== undefined && value !== "") obj[key] = value; };
    put(patient, "birth_date", $("birth-date").value);
    put(patient, "sex", $("sex").value);
    put(patient, "weight_kg", num($("weight").value));
    put(patient, "height_cm", num($("height").value));
    if (!$("scr-box").hidden) put(patient, "scr_mg_dl", num($("scr").value));
    const order = { patient, recipe: $("recipe").value, route: $("route").value, priority: $("priority").value,
      prescriber: $("prescriber").value };
    put(order, "id", $("order-id").value.trim());
    put(order, "due", dueIso($("due").value));
    put(order, "comment", $("comment").value);
    const dose = num($("dose").value);
    if (dose !== undefined) order.dose = { value: dose, unit: $("dose-unit").textContent };
    return order;
  }

  function clearFieldErrors() {
    for (const e of form.querySelectorAll("[aria-invalid]")) e.removeAttribute("aria-invalid");
    for (const e of form.querySelectorAll(".field-error")) e.remove();
  }
  function showFieldError(field, text) {
    if (!field) return;
    if (field === "order id") field = "id"; // the engine's name for it
    const input = form.querySelector(`[data-field="${CSS.escape(field)}"]`) || form.querySelector(`[data-field="${CSS.escape(field.split(".")[0])}"]`);
    if (!input) return;
    input.setAttribute("aria-invalid", "true");
    input.insertAdjacentElement("afterend", el("p", { class: "field-error", text }));
  }
  function resetWarnings() {
    warningsText = "";
    $("warnings-box").hidden = true;
    $("ack-warnings").checked = false;
    $("enter-button").disabled = false;
  }

  function chooseRecipe() {
    const r = recipes.find((x) => x.id === $("recipe").value);
    $("dose-unit").textContent = r ? r.dose_unit : "";
    $("route").value = r ? r.route : "";
    $("dose").value = r && r.default_dose !== null ? r.default_dose : "";
    $("scr-box").hidden = !(r && r.needs.scr);
    $("recipe-facts").textContent = r ? r.name + " (version " + r.version + ")" + r.ingredients.map((i) =>
      "; " + i.drug + " " + i.rule.replace("_", " ") + " in " + i.unit + (i.min !== null ? ", from " + i.min : "") + (i.max !== null ? " to " + i.max : "")).join("") +
      (r.needs.weight ? "; needs the weight" : "") + (r.needs.height ? " and height" : "") + (r.needs.scr ? "; needs serum creatinine, age and sex" : "") : "";
  }

  function render(data) {
    const problem = $("formulary-problem");
    problem.hidden = !data.formulary_problem;
    problem.textContent = data.formulary_problem ? "No order can be entered: " + data.formulary_problem : "";
    const select = $("recipe");
    if (!recipes.length || JSON.stringify(recipes.map((r) => r.id)) !== JSON.stringify(data.recipes.map((r) => r.id))) {
      recipes = data.recipes;
      const keep = select.value;
      select.replaceChildren(...recipes.map((r) => el("option", { value: r.id, text: r.name + " (" + r.id + ")" })));
      if (keep && recipes.some((r) => r.id === keep)) select.value = keep; else chooseRecipe();
    }
    const rows = $("rows");
    rows.replaceChildren();
    if (data.items.length === 0) rows.append(el("tr", {}, el("td", { colspan: 8, text: "No order." })));
    for (const o of data.items) {
      const dose = o.dose && o.dose.value !== undefined ? o.dose.value + " " + o.dose.unit : "(recipe dose)";
      const cancelCell = el("td", {});
      if (o.status === "open" || o.status === "in_progress") {
        const reason = el("input", { type: "text", maxlength: 500, "aria-label": "Reason to cancel " + o.number, placeholder: "reason (required)", "data-cancel-reason": o.number });
        const button = el("button", { type: "button", class: "danger", "data-cancel": o.number, text: "Cancel order" });
        button.addEventListener("click", async () => {
          if (!reason.value.trim()) { Admix.setMessage("message", "Give the reason to cancel " + o.number + " (it is shown at the hood)."); reason.focus(); return; }
          button.disabled = true;
          try {
            const r = await api("/api/v1/orders/" + encodeURIComponent(o.number) + "/cancel", { method: "POST", body: { reason: reason.value } });
            Admix.setMessage("message", "Cancelled " + r.number + (r.preparation_stops ? ": its preparation stops at the next step and the hood shows the reason." : "."), true);
            await refresh();
          } catch (e) { Admix.setMessage("message", e.message); button.disabled = false; }
        });
        cancelCell.append(reason, " ", button);
      } else if (o.cancel_reason) {
        cancelCell.append(o.cancel_reason);
      }
      rows.append(el("tr", { "data-order": o.number, "data-order-id": o.order_id },
        el("td", {}, o.number, o.order_id ? [el("br"), el("span", { class: "muted", text: o.order_id })] : null),
        el("td", {}, o.patient, el("br"), el("span", { class: "muted", text: o.mrn })),
        el("td", { text: o.recipe + ", " + dose + " " + o.route }),
        el("td", {}, el("span", { class: "badge pri-" + o.priority, text: (o.priority || "").toUpperCase() })),
        el("td", { class: "nowrap", text: when(o.due) }),
        el("td", { text: o.entered_by + ", " + when(o.created) }),
        el("td", { class: "status", text: o.status.replace("_", " ") + (o.preparation ? " (" + o.preparation + ")" : "") }),
        cancelCell));
    }
  }
  async function refresh() {
    try {
      const status = $("status").value;
      render(await api("/api/v1/orders" + (status ? "?status=" + encodeURIComponent(status) : "")));
    } catch (e) { Admix.setMessage("message", e.message); }
  }

  $("recipe").addEventListener("change", () => { chooseRecipe(); resetWarnings(); });
  $("status").addEventListener("change", refresh);
  // Any change after the warnings were shown asks for a new look at the plan.
  form.addEventListener("input", (ev) => { if (ev.target.id !== "ack-warnings" && warningsText) resetWarnings(); });
  $("ack-warnings").addEventListener("change", () => { $("enter-button").disabled = !$("ack-warnings").checked; });

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearFieldErrors();
    const button = $("enter-button");
    if (warningsText && !$("ack-warnings").checked) { Admix.setMessage("message", "Acknowledge the warnings first (the box under them)."); return; }
    button.disabled = true;
    try {
      const r = await api("/api/v1/orders", { method: "POST", body: { order: orderJson(), acknowledged_warnings: warningsText } });
      Admix.setMessage("message", "Entered order " + r.number + (r.order_id ? " (" + r.order_id + ")" : "") +
        (r.warnings.length ? "; acknowledged: " + r.warnings.map((w) => w.code).join(", ") : "") + ".", true);
      resetWarnings();
      for (const id of ["order-id", "mrn", "name", "birth-date", "weight", "height", "scr", "comment"]) $(id).value = "";
      await refresh();
    } catch (e) {
      const d = e.data || {};
      Admix.setMessage("message", e.message);
      showFieldError(d.field, e.message);
      if (d.warnings_text) {
        warningsText = d.warnings_text;
        $("warnings").replaceChildren(...d.warnings.map((w) => el("li", {}, el("strong", { text: w.code }), ": " + w.message)));
        $("warnings-box").hidden = false;
        $("ack-warnings").checked = false;
        button.disabled = true;
        $("ack-warnings").focus();
        return;
      }
      button.disabled = false;
    }
  });
  await refresh();
})();
