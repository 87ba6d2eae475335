// Draws one monitoring series with uPlot: the values, each action level as a red line, excursions
// as red points. Shared by the dashboard and the printable report.
"use strict";
const EmPlot = (() => {
  const labels = { viable_air: "Viable air", surface: "Surface", particles: "Particles ≥0.5 µm", pressure: "Pressure difference",
    temperature: "Temperature", humidity: "Relative humidity", fridge: "Refrigerator", freezer: "Freezer" };
  function title(s) { return (labels[s.kind] || s.kind) + " — " + (s.location || "room") + " (" + s.unit + ")"; }
  // range: [from, to] in Unix seconds (the period asked for), so that a lone result sits in its period.
  function draw(container, s, range) {
    const fig = Admix.el("figure", { class: "plot", "data-kind": s.kind, "data-location": s.location });
    fig.append(Admix.el("h4", { text: title(s) }));
    const levels = s.levels || [];
    const exc = s.v.map((v, i) => (s.excursion[i] ? v : null));
    const data = [s.t, s.v, exc, ...levels.map((l) => s.t.map(() => l.value))];
    const series = [{}, { label: s.kind, stroke: "#0b4f9c", width: 2, points: { show: s.t.length < 80, size: 5 } },
      { label: "excursion", stroke: "#b00020", width: 0, points: { show: true, size: 9, fill: "#b00020" } },
      ...levels.map((l) => ({ label: l.label + " " + l.value, stroke: "#b00020", width: 2, dash: [8, 6], points: { show: false } }))];
    container.append(fig);
    const width = Math.max(280, fig.clientWidth - 16);
    const x = { time: true };
    if (range) x.range = () => range;
    const opts = { width, height: 240, series, scales: { x },
      axes: [{ stroke: "#111", grid: { stroke: "#ccc" } }, { stroke: "#111", grid: { stroke: "#ccc" }, size: 70 }],
      legend: { live: false } };
    // Summary for screen readers and print: count, range, excursions.
    const min = Math.min(...s.v), max = Math.max(...s.v), n = s.excursion.filter(Boolean).length;
    fig.append(Admix.el("figcaption", { class: "muted", text: s.v.length + " results, " + min + " to " + max + " " + s.unit +
      "; " + n + " beyond the action level" + (levels.length ? " (" + levels.map((l) => l.label + ": " + l.value).join(", ") + ")" : "") }));
    if (typeof uPlot === "function") new uPlot(opts, data, fig);
    else fig.append(Admix.el("p", { class: "msg error", text: "The plotting library (uPlot) is missing: run scripts/setup.sh." }));
    return fig;
  }
  return { draw, title };
})();
