"use strict";
// The formulary page: pharmacists and technicians view; pharmacists edit one product or recipe as a
// draft (checked by the import's validator), sign a draft in as a new version, and approve recipe
// versions, each with their password as e-signature. All text goes in with textContent.
(async () => {
  const { api, el, when } = Admix;
  const session = await Admix.start();
  if (session.role !== "pharmacist" && session.role !== "technician") { location.href = session.home; return; }
  const $ = (id) => document.getElementById(id);
  const mayEdit = session.role === "pharmacist";
  $("view-only").hidden = mayEdit;
  if (mayEdit) $("nav").append(el("a", { href: "/queue.html", text: "Check queue" }), " ", el("a", { href: "/orders.html", text: "Orders" }));
  let openItem = null; // { kind, id, fields }

  function changeList(changes) {
    return el("ul", { class: "changes" }, changes.map((c) => el("li", {},
      el("strong", { text: c.change + " " + c.what + " " + c.id }),
      c.fields.length && c.change === "changed" ? el("ul", {}, c.fields.map((f) => el("li", { "data-field": f.field },
        el("code", { text: f.field }), ": " + (f.before === "" ? "(none)" : f.before) + " → " + (f.after === "" ? "(none)" : f.after)))) : null)));
  }

  function passwordForm(idPrefix, buttonText, onSubmit) {
    const pw = el("input", { id: idPrefix + "-password", type: "password", autocomplete: "current-password", maxlength: 256, required: true });
    const comment = el("input", { id: idPrefix + "-comment", type: "text", maxlength: 500 });
    const button = el("button", { type: "submit", class: "primary", id: idPrefix + "-button", text: buttonText });
    const form = el("form", { class: "sign" },
      el("label", { for: idPrefix + "-comment", text: "Comment (optional)" }), comment,
      el("label", { for: idPrefix + "-password", text: "Your password (e-signature)" }), pw, " ", button);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      button.disabled = true;
      try { await onSubmit(pw.value, comment.value); } catch (e) { Admix.setMessage("message", e.message); } finally { pw.value = ""; button.disabled = false; }
    });
    return form;
  }

  function renderDrafts(drafts) {
    $("drafts-section").hidden = drafts.length === 0;
    const box = $("drafts");
    box.replaceChildren();
    for (const d of drafts) {
      const panel = el("div", { class: "panel draft", "data-draft": d.id },
        el("h3", { text: "Draft " + d.id + ": " + d.kind + " " + d.item + (d.kind === "recipe" ? " version " + d.item_version : "") }),
        el("p", { class: "muted", text: "Made by " + d.created_by + " on " + when(d.created_at) + " from formulary version " + d.base_version + "." }),
        changeList(d.changes),
        d.back_to_draft.length ? el("p", {}, "After it is stored, these recipe versions are draft until a pharmacist approves them: " + d.back_to_draft.join(", ") +
          (d.kind === "recipe" ? " (the new version " + d.item + " v" + d.item_version + " is approved by this signature)." : ".")) : null);
      if (mayEdit) {
        panel.append(passwordForm("draft-" + d.id, "Sign and store as a new version", async (password, comment) => {
          const r = await api("/api/v1/formulary/drafts/" + d.id + "/approve", { method: "POST", body: { password, comment } });
          Admix.setMessage("message", "Draft " + d.id + " stored as formulary version " + r.formulary_version + (r.recipe_approved ? "; " + r.recipe_approved + " approved" : "") + " (signed " + when(r.signed_at) + ").", true);
          await refresh();
        }));
        const reason = el("input", { type: "text", maxlength: 500, placeholder: "reason (required)", "aria-label": "Reason to discard draft " + d.id });
        const discard = el("button", { type: "button", class: "danger", text: "Discard draft", onclick: async () => {
          try {
            await api("/api/v1/formulary/drafts/" + d.id + "/discard", { method: "POST", body: { reason: reason.value } });
            Admix.setMessage("message", "Draft " + d.id + " discarded.", true);
            await refresh();
          } catch (e) { Admix.setMessage("message", e.message); }
        } });
        panel.append(el("p", {}, reason, " ", discard));
      }
      box.append(panel);
    }
  }

  function render(data) {
    const v = data.version;
    $("version").textContent = data.problem ? data.problem : "Formulary version " + v.number + ", signed by " + v.signed_by + " on " + when(v.signed_at) + ".";
    const products = $("products").querySelector("tbody");
    products.replaceChildren();
    if (data.products.length === 0) products.append(el("tr", {}, el("td", { colspan: 7, text: "No product matches." })));
    for (const p of data.products) products.append(el("tr", { "data-product": p.id },
      el("td", {}, el("strong", { text: p.name }), el("br"), el("span", { class: "muted", text: p.id + " (" + p.drug + ")" })),
      el("td", {}, p.ndc, el("br"), el("span", { class: "muted", text: p.gtin })),
      el("td", { text: p.strength }),
      el("td", { text: p.package_size + " × " + (p.multiple_dose ? "multiple-dose" : "single-dose") }),
      el("td", { text: p.storage }),
      el("td", {}, p.hazard ? el("span", { class: "hazard", text: p.hazard }) : "", p.schedule ? " " + p.schedule : ""),
      el("td", {}, el("button", { type: "button", "data-open-product": p.id, text: mayEdit ? "Open / edit" : "Open", onclick: () => openEditor("product", p.id) }))));
    const recipes = $("recipes").querySelector("tbody");
    recipes.replaceChildren();
    if (data.recipes.length === 0) recipes.append(el("tr", {}, el("td", { colspan: 6, text: "No recipe matches." })));
    for (const r of data.recipes) {
      const actions = el("td", {}, el("button", { type: "button", "data-open-recipe": r.id, text: mayEdit ? "Open / edit" : "Open", onclick: () => openEditor("recipe", r.id) }));
      if (mayEdit && r.state === "draft") {
        actions.append(passwordForm("recipe-" + r.id + "-v" + r.version, "Sign and approve v" + r.version, async (password, comment) => {
          const x = await api("/api/v1/formulary/recipes/" + encodeURIComponent(r.id) + "/" + r.version + "/approve", { method: "POST", body: { password, comment } });
          Admix.setMessage("message", x.recipe + " v" + x.version + " approved (signed " + when(x.signed_at) + ").", true);
          await refresh();
        }));
      }
      recipes.append(el("tr", { "data-recipe": r.id, "data-version": r.version },
        el("td", {}, el("strong", { text: r.name }), el("br"), el("span", { class: "muted", text: r.id })),
        el("td", { class: "num", text: r.version }), el("td", { text: r.route }),
        el("td", { class: "state state-" + r.state, text: r.state }),
        el("td", { text: r.changed_by ? r.changed_by + ", " + when(r.changed_at) : "" }), actions));
    }
    renderDrafts(data.drafts);
  }

  function input(f) {
    const id = "f-" + f.key;
    const attrs = { id, "data-key": f.key, disabled: !mayEdit };
    let control;
    if (f.type === "boolean") control = el("input", Object.assign({ type: "checkbox", checked: f.value === "true" }, attrs));
    else if (f.type === "choice") {
      control = el("select", attrs, f.choices.map((c) => el("option", { value: c, text: c === "" ? "(none)" : c })));
      if (!f.choices.includes(f.value)) control.prepend(el("option", { value: f.value, text: f.value === "" ? "(not set)" : f.value }));
      control.value = f.value;
    } else if (f.type === "lines") control = el("textarea", Object.assign({ rows: 4, maxlength: 4000 }, attrs), f.value);
    else control = el("input", Object.assign({ type: "text", value: f.value, maxlength: 400, inputmode: f.type === "text" ? null : "decimal" }, attrs));
    if (f.type === "boolean")
      return el("div", { class: "field" }, el("label", { class: "check", for: id }, control, " " + f.label), f.help ? el("p", { class: "muted", text: f.help }) : null);
    return el("div", { class: "field" }, el("label", { for: id, text: f.label }), control, f.help ? el("p", { class: "muted", text: f.help }) : null);
  }
  function valueOf(f) {
    const c = $("f-" + f.key);
    return f.type === "boolean" ? (c.checked ? "true" : "false") : c.value;
  }

  async function openEditor(kind, id) {
    try {
      const item = await api("/api/v1/formulary/" + (kind === "product" ? "products/" : "recipes/") + encodeURIComponent(id));
      openItem = { kind, id, fields: item.fields };
      $("editor").hidden = false;
      $("editor-title").textContent = (kind === "product" ? "Product " : "Recipe ") + id + (kind === "recipe" ? " (an edit makes the next version)" : "");
      $("editor-facts").textContent = kind === "product"
        ? "GTIN-14 " + (item.facts ? item.facts.gtin : "") + "; strength " + (item.facts ? item.facts.strength : "") + "; used by " + (item.used_by.length ? item.used_by.join(", ") : "no recipe") + "."
        : "";
      $("editor-fields").replaceChildren(...item.fields.map(input));
      $("editor-actions").hidden = !mayEdit;
      const hist = $("recipe-history");
      hist.replaceChildren();
      if (item.history) hist.append(el("h3", { text: "States of " + id }), el("ul", {}, item.history.map((h) =>
        el("li", { text: "v" + h.version + " " + h.state + " by " + h.by + " on " + when(h.at) + " (formulary version " + h.formulary_version + ")" }))));
      $("editor").scrollIntoView();
    } catch (e) { Admix.setMessage("message", e.message); }
  }

  $("editor-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!openItem) return;
    for (const e of $("editor-form").querySelectorAll("[aria-invalid]")) e.removeAttribute("aria-invalid");
    for (const e of $("editor-form").querySelectorAll(".field-error")) e.remove();
    const fields = {};
    for (const f of openItem.fields) { const v = valueOf(f); if (v !== f.value) fields[f.key] = v; }
    if (Object.keys(fields).length === 0) { Admix.setMessage("message", "Nothing changed: edit a field first."); return; }
    $("save-draft").disabled = true;
    try {
      const r = await api("/api/v1/formulary/drafts", { method: "POST", body: { kind: openItem.kind, id: openItem.id, fields } });
      Admix.setMessage("message", "Saved as draft " + r.draft.id + ": nothing changes on the station until a pharmacist signs it.", true);
      $("editor").hidden = true;
      openItem = null;
      await refresh();
    } catch (e) {
      Admix.setMessage("message", e.message);
      const field = e.data && e.data.field;
      const c = field ? $("f-" + field) : null;
      if (c) { c.setAttribute("aria-invalid", "true"); c.insertAdjacentElement("afterend", el("p", { class: "field-error", text: e.message })); }
    } finally { $("save-draft").disabled = false; }
  });
  $("close-editor").addEventListener("click", () => { $("editor").hidden = true; openItem = null; });

  function renderHistory(h) {
    const box = $("history");
    box.replaceChildren(
      el("h3", { text: "Formulary versions" }),
      el("table", { id: "versions" }, el("thead", {}, el("tr", {}, ["Version", "Signed by", "When", "Meaning", "What changed"].map((t) => el("th", { scope: "col", text: t })))),
        el("tbody", {}, h.versions.map((v) => el("tr", { "data-version": v.version }, el("td", { class: "num", text: v.version }), el("td", { text: v.signed_by }),
          el("td", { class: "nowrap", text: when(v.signed_at) }), el("td", { text: v.note }), el("td", {}, Array.isArray(v.changes) ? changeList(v.changes) : ""))))),
      el("h3", { text: "Recipe states" }),
      el("table", { id: "recipe-states" }, el("thead", {}, el("tr", {}, ["When", "Recipe", "State", "By", "Formulary version"].map((t) => el("th", { scope: "col", text: t })))),
        el("tbody", {}, h.recipe_states.map((s) => el("tr", {}, el("td", { class: "nowrap", text: when(s.at) }), el("td", { text: s.recipe + " v" + s.version }),
          el("td", { text: s.state }), el("td", { text: s.by }), el("td", { class: "num", text: s.formulary_version }))))),
      el("h3", { text: "Drafts" }),
      el("table", { id: "draft-history" }, el("thead", {}, el("tr", {}, ["Draft", "Made", "State", "Decided", "What"].map((t) => el("th", { scope: "col", text: t })))),
        el("tbody", {}, h.drafts.map((d) => el("tr", { "data-draft": d.id }, el("td", { text: d.id + ": " + d.kind + " " + d.item }),
          el("td", { text: d.created_by + ", " + when(d.created_at) }), el("td", { text: d.state + (d.result_version ? " as version " + d.result_version : "") }),
          el("td", { text: d.decided_by ? d.decided_by + ", " + when(d.decided_at) + (d.note ? ": " + d.note : "") : "" }), el("td", {}, changeList(d.changes)))))));
  }

  async function refresh() {
    try {
      const q = $("search").value.trim();
      render(await api("/api/v1/formulary" + (q ? "?q=" + encodeURIComponent(q) : "")));
      renderHistory(await api("/api/v1/formulary/history"));
    } catch (e) { Admix.setMessage("message", e.message); }
  }
  let timer = null;
  $("search").addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 250); });
  await refresh();
})();
