// The overview's report panels: SLA compliance per rep, cohorts, attribution by model, velocity per source and
// experiments, for the overview's date range. Loaded before app.js, which hands `render` its helpers (DOM built as
// text only, the API with the key, the charts to destroy when the view changes). Every figure a cell shows also sits
// raw in its `data-value`, so what is shown can be held against the API's answer.
"use strict";

window.leadflowReports = (function () {
  const WINDOWS = [7, 30, 90];
  const RATES = [["mql", "MQL"], ["sql", "SQL"], ["customer", "customer"]];
  const MODELS = [["linear", "Linear (equal shares)"], ["first_touch", "First touch"], ["last_touch", "Last touch"],
    ["u_shaped", "U-shaped (40% first, 20% between, 40% last)"]];

  function render(ui, box, range, headlines) {
    const { el } = ui;
    // The SLA flag uses the target the headline numbers are judged against, so the two never disagree.
    const headline = headlines && !(headlines instanceof Error) ? headlines.headlines.find((h) => h.id === "sla_compliance") : null;
    const slaTarget = headline && headline.target !== null && headline.target !== undefined ? headline.target : null;

    // Amounts as recorded, whatever their currency: grouped thousands and cents.
    const money = (v) => (v === null || v === undefined ? "—" : v.toLocaleString("en", { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
    const days = (d) => (d === null || d === undefined ? "—" : ui.duration(d * 86400));
    const count = (n) => ui.fmt(n);

    // A cell: its text for people, its raw figure in data-value.
    function cell(text, value, attrs) {
      const data = Object.assign({}, (attrs && attrs.dataset) || {});
      if (value !== undefined) data.value = value === null ? "null" : String(value);
      return el("td", Object.assign({ className: value === undefined ? "" : "number" }, attrs || {}, { dataset: data }), text);
    }

    function grid(id, headers, rows) {
      const head = headers.map((h) => (h instanceof Node ? h : el("th", {}, h)));
      return el("table", { id }, el("thead", {}, el("tr", {}, head)), el("tbody", {}, rows));
    }

    function panel(id, title, load) {
      const section = el("section", { id, className: "panel" }, el("h2", {}, title));
      box.append(section);
      return load(section).catch((error) => {
        if (!(error instanceof Error && (error.status === 401 || error.status === 403))) {
          section.append(el("p", { className: "muted" }, "Not available: " + error.message));
        }
      });
    }

    function report(kind, params) {
      return ui.api("v1/reports/" + kind + "?" + ui.query({ ...range, ...params }));
    }

    // ---------------------------------------------------------------- SLA compliance per rep
    async function sla(section) {
      const answer = await report("sla", { group_by: "rep" });
      if (!answer.rows.length) return section.append(el("p", { className: "muted" }, "No lead with an SLA in this range."));
      const rows = [...answer.rows, answer.total].map((row) => {
        const rate = row.compliance.rate;
        const below = slaTarget !== null && rate !== null && rate < slaTarget;
        return el("tr", { dataset: { group: row.group } }, el("td", {}, row.group),
          ...["leads_with_sla", "met_in_time", "breached_leads", "turns", "turns_missed"].map((f) => cell(count(row[f]), row[f], { dataset: { field: f } })),
          cell([ui.percent(rate), below ? el("span", { className: "flag" }, " below target") : null], rate, {
            className: below ? "number below-target" : "number",
            dataset: { field: "compliance", flagged: String(below) },
            title: row.compliance.numerator + " of " + row.compliance.denominator + " turns met",
          }),
          ...["breaches", "reassignments", "escalations"].map((f) => cell(count(row[f]), row[f], { dataset: { field: f } })));
      });
      section.append(grid("sla", ["rep", "leads with SLA", "met in time", "breached", "turns", "turns missed", "compliance",
        "breaches", "reassignments", "escalations"], rows),
      el("p", { className: "muted" }, "Compliance: the owner turns decided without a breach, of all turns decided. " +
        (slaTarget === null ? "No target is set." : "Flagged below the target of " + ui.percent(slaTarget) + ".")));
    }

    // ---------------------------------------------------------------- cohorts: weeks x 7/30/90-day rates
    async function cohorts(section) {
      const answer = await report("cohorts", { group_by: "week" });
      if (!answer.rows.length) return section.append(el("p", { className: "muted" }, "No leads captured in this range."));
      const top = el("tr", {}, el("th", { rowspan: 2 }, "week of"), el("th", { rowspan: 2 }, "leads"),
        WINDOWS.map((d) => el("th", { colspan: RATES.length }, "within " + d + " days")));
      const sub = el("tr", {}, WINDOWS.flatMap(() => RATES.map(([, label]) => el("th", {}, label))));
      let immature = false;
      const rows = answer.rows.map((row) => el("tr", { dataset: { group: row.group } }, el("td", {}, row.group),
        cell(count(row.leads), row.leads, { dataset: { field: "leads" } }),
        WINDOWS.flatMap((d) => {
          const window = row.windows.find((w) => w.days === d);
          if (!window) return RATES.map(() => cell("—", null));
          immature = immature || !window.mature;
          return RATES.map(([rate]) => cell(ui.percent(window[rate].rate), window[rate].rate, {
            className: window.mature ? "number" : "number immature",
            dataset: { days: String(d), rate, mature: String(window.mature) },
            title: window[rate].numerator + " of " + window[rate].denominator +
              (window.mature ? "" : "; not every lead is " + d + " days old yet"),
          }));
        })));
      section.append(el("table", { id: "cohorts" }, el("thead", {}, top, sub), el("tbody", {}, rows)));
      if (immature) {
        section.append(el("p", { className: "muted immature-note" },
          "Greyed: a window not every lead of the week has lived through yet, so its rate can still grow."));
      }
    }

    // ---------------------------------------------------------------- attribution, with its model
    async function attribution(section) {
      const select = el("select", { id: "attribution-model" }, MODELS.map(([value, label]) => el("option", { value }, label)));
      const canvas = el("canvas", { id: "attribution-chart" });
      const body = el("div", { id: "attribution-body" });
      section.append(el("label", {}, "Model ", select), el("div", { className: "chart" }, canvas), body);
      let chart = null;
      let asked = 0;
      async function show() {
        const mine = ++asked;  // a slower answer for a model no longer chosen is dropped
        const model = select.value;
        const answer = await report("attribution", { model });
        if (mine !== asked) return;
        if (chart) {
          ui.charts.splice(ui.charts.indexOf(chart), 1);
          chart.destroy();
          chart = null;
        }
        body.replaceChildren();
        body.dataset.model = model;
        if (!answer.rows.length) return body.append(el("p", { className: "muted" }, "No opportunity in this range."));
        if (window.Chart) {
          chart = new window.Chart(canvas, {
            type: "bar",
            data: { labels: answer.rows.map((r) => r.group), datasets: [{ label: "Opportunities credited", data: answer.rows.map((r) => r.opportunities), backgroundColor: "#3b6fd8" }] },
            options: { animation: false, maintainAspectRatio: false, plugins: { legend: { display: false } } },
          });
          ui.charts.push(chart);
        }
        body.append(grid("attribution", ["channel", "opportunities credited", "won amount"], [...answer.rows, answer.total].map((row) =>
          el("tr", { dataset: { group: row.group } }, el("td", {}, row.group),
            cell(row.opportunities.toFixed(2), row.opportunities, { dataset: { field: "opportunities" } }),
            cell(money(row.won_amount), row.won_amount, { dataset: { field: "won_amount" } })))));
      }
      select.addEventListener("change", () => show().catch((error) => ui.say(error.message, true)));
      await show();
    }

    // ---------------------------------------------------------------- velocity per source
    async function velocity(section) {
      const answer = await report("velocity", { group_by: "source" });
      if (!answer.rows.length) return section.append(el("p", { className: "muted" }, "No leads captured in this range."));
      const all = [...answer.rows, answer.total];
      const stages = [...new Set(all.flatMap((row) => row.days_in_stage.map((s) => s.stage)))];
      const spent = all.some((row) => row.spend !== null && row.spend !== undefined);  // spend is known by source only
      const costs = spent ? ["spend", "cost_per_mql", "cost_per_sql"] : [];
      const rows = all.map((row) => el("tr", { dataset: { group: row.group } }, el("td", {}, row.group),
        ...["opportunities", "won", "lost"].map((f) => cell(count(row[f]), row[f], { dataset: { field: f } })),
        cell(ui.percent(row.win_rate.rate), row.win_rate.rate, { dataset: { field: "win_rate" }, title: row.win_rate.numerator + " won of " + row.win_rate.denominator + " decided" }),
        cell(money(row.average_deal), row.average_deal, { dataset: { field: "average_deal" } }),
        cell(days(row.average_cycle_days), row.average_cycle_days, { dataset: { field: "average_cycle_days" } }),
        cell(money(row.velocity_per_day), row.velocity_per_day, { dataset: { field: "velocity_per_day" } }),
        ...stages.map((stage) => {
          const stay = row.days_in_stage.find((s) => s.stage === stage);
          return stay ? cell(days(stay.average_days), stay.average_days, { dataset: { stage }, title: stay.left + " left the stage" }) : cell("—", null, { dataset: { stage } });
        }),
        ...costs.map((f) => cell(money(row[f]), row[f], { dataset: { field: f } }))));
      const both = (label) => el("th", { rowspan: 2 }, label);
      const top = el("tr", {}, ["source", "opportunities", "won", "lost", "win rate", "average deal", "cycle", "velocity / day"].map(both),
        stages.length ? el("th", { colspan: stages.length }, "average time in stage") : null,
        spent ? el("th", { colspan: 3 }, "marketing spend") : null);
      const sub = el("tr", {}, stages.map((stage) => el("th", {}, stage)), spent ? ["in range", "per MQL", "per SQL"].map((h) => el("th", {}, h)) : null);
      section.append(el("div", { className: "wide" }, el("table", { id: "velocity" }, el("thead", {}, top, sub), el("tbody", {}, rows))),
      el("p", { className: "muted" }, "Cycle: capture to won deal. Velocity: opportunities × win rate × average deal ÷ cycle days."));
    }

    // ---------------------------------------------------------------- experiments
    const EXPERIMENT_KINDS = { nurture_variant: "Nurture email variants", routing_version: "Routing rule versions" };

    function pValue(p) {
      if (p === null || p === undefined) return "not enough data";
      return p < 0.001 ? "< 0.001" : p.toFixed(3);
    }

    function points(difference) {
      if (difference === null || difference === undefined) return "—";
      return (difference > 0 ? "+" : "") + (difference * 100).toFixed(1) + " pp";
    }

    async function experiments(section) {
      const answer = await ui.api("v1/reports/experiments?" + ui.query(range));
      if (!answer.experiments.length) return section.append(el("p", { className: "muted" }, "No experiment in this range."));
      for (const x of answer.experiments) {
        const arms = grid(null, ["arm", "successes", "trials", "rate"], x.arms.map((arm) => el("tr", { dataset: { arm: arm.name } },
          el("td", {}, arm.name), cell(count(arm.successes), arm.successes, { dataset: { field: "successes" } }),
          cell(count(arm.trials), arm.trials, { dataset: { field: "trials" } }), cell(ui.percent(arm.rate), arm.rate, { dataset: { field: "rate" } }))));
        const comparisons = grid(null, ["control", "challenger", "difference", "z", "p-value", "verdict"], x.comparisons.map((c) => {
          const verdict = c.p_value === null ? "not enough data" : c.significant ? "significant" : "not significant";
          return el("tr", { className: c.significant ? "significant" : "", dataset: { challenger: c.challenger, significant: String(c.significant) } },
            el("td", {}, c.control), el("td", {}, c.challenger), cell(points(c.difference), c.difference, { dataset: { field: "difference" } }),
            cell(c.z === null ? "—" : c.z.toFixed(2), c.z, { dataset: { field: "z" } }),
            cell(pValue(c.p_value), c.p_value, { dataset: { field: "p_value" } }),
            el("td", { className: "verdict", dataset: { field: "verdict" } }, c.significant ? "★ " + verdict : verdict));
        }));
        arms.className = "arms";
        comparisons.className = "comparisons";
        section.append(el("div", { className: "experiment", dataset: { kind: x.kind, id: x.id, metric: x.metric } },
          el("h3", {}, (EXPERIMENT_KINDS[x.kind] || x.kind) + ": " + x.id + " · " + x.metric), arms, comparisons));
      }
      section.append(el("p", { className: "muted" }, "Each arm against the first, two-proportion z-test; ★ significant at p < 0.05."));
    }

    return Promise.all([
      panel("sla-panel", "SLA compliance per rep", sla),
      panel("cohorts-panel", "Cohorts: conversion within 7, 30 and 90 days", cohorts),
      panel("attribution-panel", "Attribution", attribution),
      panel("velocity-panel", "Velocity per source", velocity),
      panel("experiments-panel", "Experiments", experiments),
    ]);
  }

  return { render };
})();
