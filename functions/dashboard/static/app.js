// The leadflow dashboard: the numbers that need attention, the funnel, speed to lead, sources, the report panels
// (reports.js), and from any number the leads behind it; a lead's page; the possible-duplicates queue; a rep's
// queue. Everything is read from the API with the key the user entered, kept in sessionStorage (this tab only). Lead
// data is only ever inserted as text (text nodes and textContent), never as HTML, so a lead named "<script>..." shows
// as those characters.
"use strict";

(function () {
  const KEY = "leadflow.apiKey";
  const ACTOR = "dashboard";
  const view = document.getElementById("view");
  const status = document.getElementById("status");
  const charts = [];

  // ------------------------------------------------------------------ DOM, always as text
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "className") node.className = value;
      else if (name === "dataset") Object.assign(node.dataset, value);
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function table(headers, rows) {
    return el("table", {}, el("tr", {}, headers.map((h) => el("th", {}, h))),
      rows.map((row) => el("tr", {}, row.map((cell) =>
        cell instanceof Node ? el("td", {}, cell) : el("td", { className: typeof cell === "number" ? "number" : "" }, fmt(cell))))));
  }

  function fmt(value) {
    if (value === null || value === undefined || value === "") return "—";
    if (typeof value === "number") return Number.isInteger(value) ? value.toLocaleString("en") : value.toFixed(2);
    return String(value);
  }

  function percent(ratio) {
    return ratio === null || ratio === undefined ? "—" : (ratio * 100).toFixed(1) + "%";
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    if (seconds < 120) return Math.round(seconds) + " s";
    if (seconds < 7200) return (seconds / 60).toFixed(1) + " min";
    if (seconds < 172800) return (seconds / 3600).toFixed(1) + " h";
    return (seconds / 86400).toFixed(1) + " d";
  }

  // A headline's value, target and usual range in its unit: "seconds", "ratio" or "leads".
  function inUnit(value, unit) {
    if (unit === "seconds") return duration(value);
    if (unit === "ratio") return percent(value);
    return fmt(value);
  }

  function personName(lead) {
    const name = [lead.first_name, lead.last_name].filter(Boolean).join(" ");
    return name || lead.email || lead.lead_id;
  }

  function say(message, isError) {
    status.textContent = message || "";
    status.classList.toggle("error", Boolean(isError));
  }

  // ------------------------------------------------------------------ the API, with the key
  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(path, options) {
    const key = sessionStorage.getItem(KEY);
    const init = Object.assign({ headers: {} }, options || {});
    init.headers = Object.assign({ "x-api-key": key || "", accept: "application/json" }, init.headers);
    const response = await fetch(path, init);
    const text = await response.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch (e) { body = { message: text }; }
    // API Gateway answers a route it does not have with 403 too ("Missing Authentication Token"): not the key's fault.
    const refused = response.status === 401 || (response.status === 403 && !(body && body.message === "Missing Authentication Token"));
    if (refused) {
      sessionStorage.removeItem(KEY);
      showLogin("The API refused the key: enter it again.");
      throw new ApiError(response.status, "API key refused");
    }
    if (!response.ok) throw new ApiError(response.status, (body && body.message) || response.statusText);
    return body;
  }

  function post(path, document) {
    return api(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(document) });
  }

  function query(params) {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) if (value !== null && value !== undefined && value !== "") search.set(name, value);
    return search.toString();
  }

  // ------------------------------------------------------------------ routing between views
  function route() {
    for (const chart of charts.splice(0)) chart.destroy();
    view.replaceChildren();
    say("");
    const [path, search] = location.hash.replace(/^#/, "").split("?");
    const params = new URLSearchParams(search || "");
    const parts = (path || "/").split("/").filter(Boolean);
    const show = { "": overview, drill: drill, lead: leadPage, duplicates: duplicates, queue: repQueue }[parts[0] || ""];
    if (!show) return overview(params);
    return show(params, parts.slice(1).map(decodeURIComponent)).catch((error) => {
      if (!(error instanceof ApiError && (error.status === 401 || error.status === 403))) say(error.message, true);
    });
  }

  function go(hash) {
    location.hash = hash;
  }

  function drillButton(label, drill) {
    return el("button", { type: "button", className: "drill", dataset: { dimension: drill.dimension, value: drill.value, counter: drill.counter },
      onclick: () => go("#/drill?" + query(drill)) }, label);
  }

  function leadLink(leadId, label) {
    return el("a", { href: "#/lead/" + encodeURIComponent(leadId), className: "lead-link", dataset: { lead: leadId } }, label || leadId);
  }

  // ------------------------------------------------------------------ overview
  function isoDay(date) {
    return date.toISOString().slice(0, 10);
  }

  function defaultRange(params) {
    const to = params.get("to") || isoDay(new Date());
    const from = params.get("from") || isoDay(new Date(Date.parse(to) - 29 * 86400000));
    return { from, to };
  }

  async function overview(params) {
    const range = defaultRange(params);
    const from = el("input", { type: "date", id: "from", value: range.from });
    const to = el("input", { type: "date", id: "to", value: range.to });
    view.append(el("form", { className: "range", onsubmit: (e) => { e.preventDefault(); go("#/?" + query({ from: from.value, to: to.value })); } },
      el("label", {}, "From ", from), el("label", {}, "To ", to), el("button", { type: "submit" }, "Show")));
    const headlines = el("div", { id: "headlines", className: "headlines" });
    const funnelCanvas = el("canvas", { id: "funnel-chart" });
    const speedCanvas = el("canvas", { id: "speed-chart" });
    const sources = el("div", { id: "sources" });
    view.append(el("h2", {}, "Where to act"), headlines,
      el("div", { className: "charts" },
        el("div", {}, el("h2", {}, "Funnel"), el("div", { className: "chart" }, funnelCanvas)),
        el("div", {}, el("h2", {}, "Speed to lead per rep"), el("div", { className: "chart" }, speedCanvas))),
      el("h2", {}, "Sources"), sources);
    const panels = el("div", { id: "report-panels" });
    view.append(panels);
    const [heads, funnel, speed] = await Promise.all([
      api("v1/reports/headlines").catch((error) => error),
      api("v1/reports/funnel?" + query({ ...range, group_by: "source" })),
      api("v1/reports/speed-to-lead?" + query({ ...range, group_by: "rep" })),
    ]);
    showHeadlines(headlines, heads);
    funnelChart(funnelCanvas, funnel.total);
    speedChart(speedCanvas, speed.rows);
    sources.append(sourceTable(funnel, range));
    // SLA, cohorts, attribution, velocity and experiments (reports.js), for the same range.
    if (window.leadflowReports) {
      await window.leadflowReports.render({ el, fmt, percent, duration, api, query, say, charts }, panels, range, heads);
    }
  }

  function showHeadlines(box, answer) {
    if (answer instanceof Error) {
      box.append(el("p", { className: "muted" }, "The headline numbers are not available: " + answer.message));
      return;
    }
    box.dataset.asOf = answer.as_of;
    for (const h of answer.headlines) {
      const attention = h.status === "attention";
      const value = el("div", { className: "value" }, inUnit(h.value, h.unit));
      const usual = h.usual_low !== null && h.usual_low !== undefined
        ? el("div", { className: "muted" }, "usual " + inUnit(h.usual_low, h.unit) + "–" + inUnit(h.usual_high, h.unit)) : null;
      box.append(el("div", { className: attention ? "headline attention" : "headline", dataset: { id: h.id, value: String(h.value), status: h.status } },
        el("div", { className: "label" }, h.label),
        h.drill ? drillButton(value, h.drill) : value,
        attention ? el("div", { className: "flag" }, "Needs attention") : null,
        h.target !== null && h.target !== undefined ? el("div", { className: "muted" }, "target " + inUnit(h.target, h.unit)) : null,
        usual,
        el("div", { className: "explain" }, h.explain || "")));
    }
  }

  const STAGES = ["leads", "mql", "sal", "sql", "opportunity", "customer"];

  function funnelChart(canvas, total) {
    if (!window.Chart || !total) return;
    charts.push(new window.Chart(canvas, {
      type: "bar",
      data: { labels: STAGES.map((s) => s.toUpperCase()), datasets: [{ label: "Leads", data: STAGES.map((s) => total[s] || 0), backgroundColor: "#3b6fd8" }] },
      options: { indexAxis: "y", animation: false, maintainAspectRatio: false, plugins: { legend: { display: false } } },
    }));
  }

  function speedChart(canvas, rows) {
    if (!window.Chart) return;
    const minutes = (s) => (s === null || s === undefined ? null : s / 60);
    charts.push(new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: rows.map((r) => r.group),
        datasets: [
          { label: "Capture → assigned p50 (min)", data: rows.map((r) => minutes(r.capture_to_assigned.p50_seconds)), backgroundColor: "#7aa5f0" },
          { label: "Capture → first touch p50 (min)", data: rows.map((r) => minutes(r.capture_to_first_touch.p50_seconds)), backgroundColor: "#3b6fd8" },
          { label: "Capture → first touch p90 (min)", data: rows.map((r) => minutes(r.capture_to_first_touch.p90_seconds)), backgroundColor: "#1d3c7a" },
        ],
      },
      options: { animation: false, maintainAspectRatio: false },
    }));
  }

  function sourceTable(funnel, range) {
    const counters = ["leads", "mql", "sql", "opportunity", "customer", "disqualified"];
    const cell = (row, counter) => {
      const n = row[counter] || 0;
      return n && row.group !== "total" ? drillButton(fmt(n), { ...range, dimension: "source", value: row.group, counter }) : el("span", {}, fmt(n));
    };
    const rows = [...funnel.rows, funnel.total].map((row) => [
      row.group, ...counters.map((c) => cell(row, c)), percent(row.conversion.mql_to_sql.rate), fmt(row.won_amount),
    ]);
    return table(["source", ...counters, "MQL→SQL", "won"], rows);
  }

  // ------------------------------------------------------------------ drill-down: the leads behind a number
  async function drill(params) {
    const drillParams = {};
    for (const name of ["from", "to", "dimension", "value", "counter", "cursor"]) if (params.get(name)) drillParams[name] = params.get(name);
    const page = await api("v1/reports/leads?" + query(drillParams));
    view.append(el("h2", {}, "Leads behind " + (params.get("counter") || "") + " — " + (params.get("dimension") || "") + " " + (params.get("value") || "")));
    const body = el("tbody", {});
    view.append(el("table", { id: "drill" }, el("tr", {}, ["lead", "name", "company", "stage", "day"].map((h) => el("th", {}, h))), body));
    if (!page.items.length) view.append(el("p", { className: "muted" }, "No leads."));
    if (page.next_cursor) {
      view.append(el("button", { type: "button", onclick: () => go("#/drill?" + query({ ...drillParams, cursor: page.next_cursor })) }, "Next page"));
    }
    // The page's leads are read in parallel for their names; a lead erased since it was counted shows its id only.
    await Promise.all(page.items.map(async (item) => {
      const row = el("tr", {}, el("td", {}, leadLink(item.lead_id)));
      body.append(row);
      const lead = await api("v1/leads/" + encodeURIComponent(item.lead_id)).catch(() => null);
      row.append(el("td", {}, lead ? personName(lead) : "—"), el("td", {}, (lead && lead.company) || "—"),
        el("td", {}, lead ? lead.stage : "—"), el("td", {}, item.day));
    }));
  }

  // ------------------------------------------------------------------ a lead's page
  async function leadPage(params, [leadId]) {
    const lead = await api("v1/leads/" + encodeURIComponent(leadId));
    const box = el("div", { id: "lead", dataset: { lead: lead.lead_id } });
    view.append(box);
    box.append(el("h2", { id: "lead-name" }, personName(lead)),
      el("dl", {},
        el("dt", {}, "Email"), el("dd", {}, lead.email),
        el("dt", {}, "Company"), el("dd", {}, lead.company || "—"),
        el("dt", {}, "Title"), el("dd", {}, lead.title || "—"),
        el("dt", {}, "Stage"), el("dd", { id: "lead-stage" }, lead.stage),
        el("dt", {}, "Owner"), el("dd", {}, lead.owner_id || "—"),
        el("dt", {}, "Source"), el("dd", {}, lead.first_source ? [lead.first_source.utm_source, lead.first_source.utm_medium, lead.first_source.utm_campaign].filter(Boolean).join(" / ") || "—" : "—"),
        lead.merged_into ? [el("dt", {}, "Merged into"), el("dd", {}, leadLink(lead.merged_into))] : null));
    const score = lead.score;
    box.append(el("h2", {}, "Score"));
    if (score) {
      box.append(el("p", {}, "Grade " + score.grade + score.level + ": fit " + fmt(score.fit) + " + engagement " + fmt(score.engagement) + " = " + fmt(score.total)),
        el("div", { id: "score-lines" }, table(["rule", "kind", "points", "why"], score.lines.map((l) => [l.rule_id, l.kind, l.points, l.reason]))));
    } else box.append(el("p", { className: "muted" }, "Not scored yet."));
    box.append(el("h2", {}, "Assignment"), assignment(lead.assignment, lead.sla));
    box.append(el("h2", {}, "Nurture"), el("div", { id: "nurture" }, lead.nurture.length
      ? table(["track", "status", "enrolled", "step", "next", "emails", "why it ended"], lead.nurture.map((e) =>
        [e.track_id + " v" + e.track_version, e.status, e.enrolled_at, e.current_step, e.wake_at, e.emails_sent, e.exit_reason]))
      : el("p", { className: "muted" }, "Not enrolled.")));
    const duplicates = lead.possible_duplicates || [];
    if (duplicates.length) {
      box.append(el("h2", {}, "Possible duplicates"), table(["lead", "probability", "found"],
        duplicates.map((d) => [leadLink(d.other_id), percent(d.probability), d.found_at])));
    }
    box.append(el("h2", {}, "History"), el("ol", { id: "timeline", className: "timeline" }, (lead.history || []).map((entry) =>
      el("li", {}, el("span", { className: "when" }, entry.at), el("span", { className: "kind" }, entry.kind), describe(entry.detail)))));
  }

  function assignment(a, sla) {
    if (!a) return el("p", { id: "assignment", className: "muted" }, "Not assigned.");
    const skipped = Object.entries(a.skipped || {}).map(([rep, why]) => rep + ": " + why).join("; ");
    return el("dl", { id: "assignment" },
      el("dt", {}, "Owner"), el("dd", {}, a.rep_name + " (" + a.rep_id + ")"),
      el("dt", {}, "Why"), el("dd", {}, a.reason || ("rule " + a.rule)),
      el("dt", {}, "Rule"), el("dd", {}, a.rule + (a.strategy ? " · " + a.strategy : "") + (a.team ? " · team " + a.team : "")),
      el("dt", {}, "Candidates"), el("dd", {}, (a.candidates || []).join(", ") || "—"),
      el("dt", {}, "Skipped"), el("dd", {}, skipped || "—"),
      el("dt", {}, "Assigned"), el("dd", {}, a.assigned_at),
      sla ? [el("dt", {}, "SLA"), el("dd", {}, sla.status + " · deadline " + sla.deadline)] : null);
  }

  function describe(detail) {
    const parts = Object.entries(detail || {}).filter(([, v]) => v !== null && typeof v !== "object").map(([k, v]) => k + ": " + v);
    return el("span", {}, parts.join(" · "));
  }

  // ------------------------------------------------------------------ the possible-duplicates queue
  async function duplicates(params) {
    const page = await api("v1/duplicates?" + query({ cursor: params.get("cursor") }));
    view.append(el("h2", {}, "Possible duplicates"));
    const body = el("tbody", {});
    view.append(el("table", { id: "duplicates" }, el("tr", {}, ["lead", "possible duplicate", "probability", "evidence", "found", ""].map((h) => el("th", {}, h))), body));
    if (!page.items.length) view.append(el("p", { className: "muted", id: "no-duplicates" }, "No possible duplicates are waiting."));
    if (page.next_cursor) view.append(el("button", { type: "button", onclick: () => go("#/duplicates?" + query({ cursor: page.next_cursor })) }, "Next page"));
    await Promise.all(page.items.map(async (link) => {
      const [lead, other] = await Promise.all([link.lead_id, link.other_id].map((id) => api("v1/leads/" + encodeURIComponent(id)).catch(() => null)));
      // Both leads of a pair often share name and company: the addresses tell them apart.
      const label = (l, id) => leadLink(id, l ? personName(l) + " · " + l.email + (l.company ? " · " + l.company : "") : id);
      const decide = (action) => async (event) => {
        event.target.disabled = true;
        try {
          await post("v1/leads/" + encodeURIComponent(link.lead_id) + "/duplicates/" + encodeURIComponent(link.other_id), { action, actor: ACTOR });
          say(action === "merge" ? "Merged." : "Dismissed: they are different people.");
          row.remove();
        } catch (error) {
          event.target.disabled = false;
          say(error.message, true);
        }
      };
      const evidence = (link.evidence || []).map((e) => e.field + (e.similarity !== undefined ? " " + percent(e.similarity) : "")).join(", ");
      const row = el("tr", { dataset: { lead: link.lead_id, other: link.other_id } },
        el("td", {}, label(lead, link.lead_id)), el("td", {}, label(other, link.other_id)), el("td", {}, percent(link.probability)),
        el("td", {}, evidence), el("td", {}, link.found_at),
        el("td", {}, el("button", { type: "button", className: "merge", onclick: decide("merge") }, "Merge"), " ",
          el("button", { type: "button", className: "dismiss", onclick: decide("dismiss") }, "Dismiss")));
      body.append(row);
    }));
  }

  // ------------------------------------------------------------------ a rep's queue
  async function repQueue(params) {
    const roster = await api("v1/reps");
    const chosen = params.get("rep") || (roster.reps[0] && roster.reps[0].rep_id);
    const select = el("select", { id: "rep", onchange: () => go("#/queue?" + query({ rep: select.value })) },
      roster.reps.map((r) => el("option", { value: r.rep_id, selected: r.rep_id === chosen }, r.name + " (" + r.open_leads + " open)")));
    view.append(el("h2", {}, "Rep queue"), el("label", {}, "Rep ", select));
    if (!chosen) return;
    const page = await api("v1/leads?" + query({ owner: chosen, cursor: params.get("cursor") }));
    view.append(el("div", { id: "queue" }, table(["lead", "company", "stage", "grade", "SLA", "assigned"], page.items.map((lead) => [
      leadLink(lead.lead_id, personName(lead)), lead.company, lead.stage, lead.score ? lead.score.grade + lead.score.level : null,
      lead.sla ? lead.sla.status + " · " + lead.sla.deadline : null, lead.assignment ? lead.assignment.assigned_at : null]))));
    if (page.next_cursor) view.append(el("button", { type: "button", onclick: () => go("#/queue?" + query({ rep: chosen, cursor: page.next_cursor })) }, "Next page"));
  }

  // ------------------------------------------------------------------ the key, once per tab
  const login = document.getElementById("login");
  const nav = document.getElementById("nav");

  function showLogin(message) {
    view.replaceChildren();
    nav.hidden = true;
    login.hidden = false;
    say(message || "");
    document.getElementById("api-key").focus();
  }

  function start() {
    login.hidden = true;
    nav.hidden = false;
    route();
  }

  login.addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY, document.getElementById("api-key").value);
    document.getElementById("api-key").value = "";
    start();
  });
  document.getElementById("forget-key").addEventListener("click", () => {
    sessionStorage.removeItem(KEY);
    showLogin("The key is forgotten.");
  });
  // The local runtime's own panel (clock, schedules, outbox) exists only on a developer's machine.
  document.getElementById("local-panel").hidden = !["localhost", "127.0.0.1", "[::1]"].includes(location.hostname);
  window.addEventListener("hashchange", () => { if (sessionStorage.getItem(KEY)) route(); });
  if (sessionStorage.getItem(KEY)) start(); else showLogin();
})();
