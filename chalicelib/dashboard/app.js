// Learnloop dashboard: asks for an API key, then draws the analytics API's figures as inline SVG.
// No build step and no library: charts are small functions below. Every drawn mark carries its
// figure in data attributes (data-series, data-date, data-value) so tests can read what is shown.
"use strict";

(() => {
  const KEY = "learnloop.key";
  const NS = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);
  const state = { days: 30 };
  const RANGES = [7, 30, 90];

  // The range lives in the address (#days=7), so a view can be bookmarked or shared.
  function readRange() {
    const m = location.hash.match(/days=(\d+)/);
    state.days = m && RANGES.includes(Number(m[1])) ? Number(m[1]) : 30;
    document.getElementById("range").value = String(state.days);
  }

  // --- talking to the API ----------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(path) {
    // Relative to the page, so the dashboard works under any stage prefix (/api/dashboard on API Gateway).
    const res = await fetch(path, { headers: { Authorization: `Bearer ${sessionStorage.getItem(KEY)}` } });
    const body = await res.json().catch(() => null);
    if (!res.ok) throw new ApiError(res.status, (body && body.error && body.error.message) || res.statusText);
    return body;
  }

  async function all(path) {
    let items = [];
    let cursor = null;
    do {
      const page = await api(path + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""));
      items = items.concat(page.items);
      cursor = page.next_cursor;
    } while (cursor);
    return items;
  }

  // --- formatting --------------------------------------------------------------------------------

  const nf = new Intl.NumberFormat("en-US");
  const fmt = {
    int: (v) => (v == null ? "–" : nf.format(Math.round(v))),
    pct: (v) => (v == null ? "–" : `${(v * 100).toFixed(1)}%`),
    stars: (v) => (v == null ? "–" : `${v.toFixed(2)} ★`),
    usd: (v) => (v == null ? "–" : v >= 100 ? `$${nf.format(Math.round(v))}` : `$${v.toFixed(v < 1 ? 4 : 2)}`),
    ms: (v) => (v == null ? "–" : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`),
    score: (v) => (v == null ? "–" : v.toFixed(3)),
    compact: (v) => (v == null ? "–" : Intl.NumberFormat("en-US", { notation: "compact" }).format(v)),
  };
  const shortDate = (iso) => new Date(`${iso}T00:00:00Z`).toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" });

  function el(tag, attrs = {}, children = []) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value == null) continue;
      if (name === "text") node.textContent = value;
      else if (name === "width%") node.style.width = `${value}%`; // CSSOM, which the page's CSP allows
      else node.setAttribute(name, value);
    }
    for (const child of [].concat(children)) if (child != null) node.append(child);
    return node;
  }

  function svg(tag, attrs = {}, parent = null) {
    const node = document.createElementNS(NS, tag);
    for (const [name, value] of Object.entries(attrs)) if (value != null) node.setAttribute(name, value);
    if (parent) parent.append(node);
    return node;
  }

  function tip(node, text) {
    svg("title", {}, node).textContent = text;
    return node;
  }

  // --- charts ----------------------------------------------------------------------------------

  // A chart over days: `series` are bars (side by side) or lines; y runs from 0 (or `min`) to a round maximum.
  function dayChart(container, { name, dates, series, max, min = 0, format, wide = false }) {
    const W = wide ? 1240 : 640, H = wide ? 250 : 220, left = 52, right = 12, top = 10, bottom = 26;
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "data-chart": name, "aria-label": name });
    const values = series.flatMap((s) => s.values).filter((v) => v != null);
    const top_ = max != null ? max : niceMax(Math.max(0, ...values));
    const y = (v) => top + (H - top - bottom) * (1 - (v - min) / (top_ - min || 1));
    const step = (W - left - right) / Math.max(1, dates.length);
    const axis = svg("g", { class: "axis" }, root);
    for (let i = 0; i <= 4; i++) {
      const v = min + ((top_ - min) * i) / 4;
      svg("line", { class: "grid-line", x1: left, x2: W - right, y1: y(v), y2: y(v) }, axis);
      svg("text", { x: left - 8, y: y(v) + 4, "text-anchor": "end" }, axis).textContent = format(v);
    }
    const every = Math.ceil(dates.length / 10);
    dates.forEach((d, i) => {
      if (i % every === 0 || i === dates.length - 1) {
        svg("text", { x: left + step * (i + 0.5), y: H - 6, "text-anchor": "middle" }, axis).textContent = shortDate(d);
      }
    });
    const bars = series.filter((s) => s.kind === "bar");
    const width = Math.max(2, (step * 0.72) / Math.max(1, bars.length));
    bars.forEach((s, k) => {
      const g = svg("g", { class: "series", "data-series": s.name }, root);
      s.values.forEach((v, i) => {
        const x = left + step * i + (step - width * bars.length) / 2 + width * k;
        const h = v ? Math.max(1, y(min) - y(v)) : 0;
        tip(
          svg("rect", { class: "bar", x, y: y(min) - h, width, height: h, rx: 2, fill: s.color, "data-date": dates[i], "data-value": v ?? 0 }, g),
          `${shortDate(dates[i])} · ${s.label}: ${format(v ?? 0)}`,
        );
      });
    });
    series.filter((s) => s.kind === "line").forEach((s) => {
      const g = svg("g", { class: "series", "data-series": s.name }, root);
      let path = "";
      s.values.forEach((v, i) => {
        if (v == null) return;
        const x = left + step * (i + 0.5);
        path += `${path && s.values[i - 1] != null ? "L" : "M"}${x.toFixed(1)},${y(v).toFixed(1)}`;
      });
      svg("path", { d: path, fill: "none", stroke: s.color, "stroke-width": 2.2, "stroke-linejoin": "round" }, g);
      s.values.forEach((v, i) => {
        if (v == null) return;
        tip(
          svg("circle", { class: "point", cx: left + step * (i + 0.5), cy: y(v), r: 3.2, fill: "#fff", stroke: s.color, "stroke-width": 2, "data-date": dates[i], "data-value": v }, g),
          `${shortDate(dates[i])} · ${s.label}: ${format(v)}`,
        );
      });
    });
    if (!values.length) svg("text", { class: "empty", x: W / 2, y: H / 2, "text-anchor": "middle" }, root).textContent = "nothing recorded in this range yet";
    container.replaceChildren(root);
  }

  function niceMax(v) {
    if (v <= 0) return 1;
    const p = 10 ** Math.floor(Math.log10(v));
    return [1, 2, 2.5, 5, 10].map((m) => m * p).find((m) => m >= v);
  }

  // --- sections --------------------------------------------------------------------------------

  function kpis(s) {
    const tiles = [
      ["total_sessions", "Sessions", fmt.int(s.total_sessions), `${fmt.int(s.generations)} generations`],
      ["feedback_rate", "Feedback rate", fmt.pct(s.feedback_rate), `${fmt.int(s.rated_sessions)} rated sessions`],
      ["average_rating", "Average rating", fmt.stars(s.average_rating), `${fmt.int(s.ratings)} star ratings`],
      ["success_rate", "Success rate", fmt.pct(s.success_rate), `${fmt.int(s.successes)} of ${fmt.int(s.rated_feedback)} rated`],
      ["total_cost_usd", "Cost", fmt.usd(s.total_cost_usd), `${fmt.compact(s.total_tokens)} tokens`],
      ["processing_time_ms", "Processing time", fmt.ms(s.processing_time_ms.p50), `p95 ${fmt.ms(s.processing_time_ms.p95)}`],
    ];
    $("kpis").replaceChildren(
      ...tiles.map(([key, label, value, note]) =>
        el("div", { class: "kpi", "data-kpi": key }, [el("div", { class: "label", text: label }), el("div", { class: "value", text: value }), el("div", { class: "note", text: note })]),
      ),
    );
  }

  function charts(s) {
    const dates = s.daily.map((d) => d.date);
    const col = (name) => s.daily.map((d) => d[name]);
    const css = (v) => getComputedStyle(document.documentElement).getPropertyValue(v).trim();
    dayChart($("chart-sessions"), {
      name: "sessions", dates, format: fmt.compact, wide: true,
      series: [
        { name: "sessions", label: "sessions", kind: "bar", color: css("--c1"), values: col("sessions") },
        { name: "rated_sessions", label: "rated sessions", kind: "bar", color: css("--c2"), values: col("rated_sessions") },
      ],
    });
    dayChart($("chart-rates"), {
      name: "rates", dates, max: 1, format: (v) => `${Math.round(v * 100)}%`,
      series: [
        { name: "feedback_rate", label: "feedback rate", kind: "line", color: css("--c3"), values: col("feedback_rate") },
        { name: "success_rate", label: "success rate", kind: "line", color: css("--c4"), values: col("success_rate") },
      ],
    });
    dayChart($("chart-rating"), {
      name: "rating", dates, min: 1, max: 5, format: (v) => v.toFixed(1),
      series: [{ name: "average_rating", label: "average rating", kind: "line", color: css("--c5"), values: col("average_rating") }],
    });
    dayChart($("chart-cost"), {
      name: "cost", dates, format: (v) => `$${v < 1 ? v.toFixed(3) : v.toFixed(0)}`,
      series: [{ name: "cost_usd", label: "cost", kind: "bar", color: css("--c6"), values: col("cost_usd") }],
    });
    dayChart($("chart-tokens"), {
      name: "tokens", dates, format: fmt.compact,
      series: [{ name: "tokens", label: "tokens", kind: "bar", color: css("--c1"), values: col("tokens") }],
    });
  }

  function leaderboard(rows) {
    const box = $("leaderboard");
    if (!rows.length) {
      box.replaceChildren(el("p", { class: "empty-note", text: "No model has served a task yet." }));
      return;
    }
    const byTask = {};
    for (const row of rows) (byTask[row.category_key] ||= []).push(row);
    const score = (r) => (r.recommendation_score == null ? -1 : r.recommendation_score);
    box.replaceChildren(
      ...Object.keys(byTask).sort().map((task) => {
        const ranked = byTask[task].sort((a, b) => score(b) - score(a) || b.total_requests - a.total_requests);
        const requests = ranked.reduce((n, r) => n + r.total_requests, 0);
        const head = el("tr", {}, ["Model", "Score", "Success", "Quality", "Like ratio", "Requests", "Speed", "Cost"].map((h, i) => el("th", { class: i > 1 ? "num" : null, text: h })));
        const body = ranked.map((r, i) =>
          el("tr", { "data-model": r.model_id, "data-category": task, "data-requests": r.total_requests, "data-score": r.recommendation_score }, [
            el("td", {}, [el("span", { class: `rank${i === 0 ? " first" : ""}`, text: String(i + 1) }), r.model_id]),
            el("td", {}, [el("span", { class: "meter" }, el("i", { "width%": Math.max(0, score(r)) * 100 })), fmt.score(r.recommendation_score)]),
            el("td", { class: "num", text: fmt.pct(r.success_rate) }),
            el("td", { class: "num", text: fmt.stars(r.average_quality_rating) }),
            el("td", { class: "num", text: fmt.pct(r.like_ratio) }),
            el("td", { class: "num", text: fmt.int(r.total_requests) }),
            el("td", { class: "num", text: fmt.ms(r.average_speed_ms) }),
            el("td", { class: "num", text: fmt.usd(r.total_cost_usd) }),
          ]),
        );
        return el("div", { class: "task", "data-task": task }, [
          el("h3", {}, [task, el("span", { text: ` · ${fmt.int(requests)} requests` })]),
          el("table", {}, [el("thead", {}, head), el("tbody", {}, body)]),
        ]);
      }),
    );
  }

  function trafficBar(variants) {
    const palette = ["--c1", "--c3", "--c4", "--c5", "--c6", "--c2"].map((v) => getComputedStyle(document.documentElement).getPropertyValue(v).trim());
    const root = svg("svg", { viewBox: "0 0 1200 34", "data-chart": "traffic" });
    let x = 0;
    variants.forEach((v, i) => {
      const w = 1200 * v.traffic_share;
      tip(svg("rect", { x, y: 4, width: Math.max(0, w - 2), height: 22, rx: 4, fill: palette[i % palette.length], "data-variant": v.variant_id, "data-share": v.traffic_share }, root), `${v.name}: ${fmt.pct(v.traffic_share)} of new users`);
      if (w > 120) svg("text", { class: "on", x: x + 10, y: 21 }, root).textContent = `${v.name} · ${fmt.pct(v.traffic_share)}`;
      x += w;
    });
    return el("div", { class: "traffic" }, root);
  }

  async function experiments() {
    const box = $("experiments");
    const running = (await all("v1/experiments?limit=200")).filter((e) => e.status === "running");
    if (!running.length) {
      box.replaceChildren(el("p", { class: "empty-note", text: "No experiment is running." }));
      return;
    }
    const cards = [];
    for (const e of running) {
      cards.push(await (async () => {
        const results = await api(`v1/experiments/${encodeURIComponent(e.id)}/results`);
        const comparisons = Object.fromEntries(results.comparisons.map((c) => [c.variant_id, c]));
        const head = el("tr", {}, ["Variant", "Traffic", "Sessions", "Rated", "Success", "Avg rating", "Confidence", "Chance to beat control"].map((h, i) => el("th", { class: i ? "num" : null, text: h })));
        const rows = results.variants.map((v) => {
          const c = comparisons[v.variant_id];
          const verdict = c && c.significant ? (c.difference > 0 ? "win" : "loss") : null;
          return el("tr", { "data-variant": v.variant_id, "data-share": v.traffic_share, "data-confidence": c ? c.confidence : "" }, [
            el("td", {}, [v.name, v.is_control ? el("span", { class: "badge", text: " control" }) : null, verdict ? el("span", { class: `badge ${verdict}`, text: verdict === "win" ? " ahead" : " behind" }) : null]),
            el("td", { class: "num", text: fmt.pct(v.traffic_share) }),
            el("td", { class: "num", text: fmt.int(v.sessions) }),
            el("td", { class: "num", text: fmt.int(v.rated) }),
            el("td", { class: "num", text: fmt.pct(v.success_rate) }),
            el("td", { class: "num", text: fmt.stars(v.average_rating) }),
            el("td", { class: "num", text: c ? fmt.pct(c.confidence) : "–" }),
            el("td", { class: "num", text: c ? fmt.pct(c.chance_to_beat_control) : "–" }),
          ]);
        });
        return el("div", { class: "experiment", "data-experiment": e.id }, [
          el("header", {}, [el("strong", { text: e.name }), el("span", { class: "badge running", text: "running" }), el("span", { class: "muted small", text: `metric ${e.metric}${e.auto_optimize ? " · auto-optimised" : ""}` })]),
          trafficBar(results.variants),
          el("table", {}, [el("thead", {}, head), el("tbody", {}, rows)]),
        ]);
      })());
    }
    box.replaceChildren(...cards);
  }

  // The stored thumbnail's bytes, fetched with the key and shown as a blob: URL (the page's CSP loads no S3 link).
  async function thumbnail(designId) {
    const res = await fetch(`v1/designs/${encodeURIComponent(designId)}/thumbnail`, {
      headers: { Authorization: `Bearer ${sessionStorage.getItem(KEY)}`, Accept: "image/png" },
    });
    if (!res.ok) throw new ApiError(res.status, res.statusText);
    return URL.createObjectURL(await res.blob());
  }

  async function designs() {
    const box = $("designs");
    const ranked = await api("v1/designs/ranked?count=3");
    if (!ranked.rated) {
      box.replaceChildren(el("p", { class: "empty-note", text: "No design has been rated yet." }));
      return;
    }
    const row = async (title, which, list) => {
      const tiles = [];
      for (const d of list) {
        const src = d.images.length ? await thumbnail(d.id) : null;
        tiles.push(
          el("figure", { class: "design", "data-design": d.id, "data-rank": which, "data-rating": d.quality_rating }, [
            src ? el("img", { src, alt: d.user_prompt || d.prompt, width: 128, height: 128 }) : null,
            el("figcaption", {}, [el("b", { text: fmt.stars(d.quality_rating) }), ` · ${d.ratings} rating${d.ratings === 1 ? "" : "s"} · ${d.generation_metadata.model_id || ""}`]),
          ]),
        );
      }
      return el("div", { class: "design-row", "data-designs": which }, [el("h3", { text: title }), el("div", { class: "tiles" }, tiles)]);
    };
    box.replaceChildren(await row("Best rated", "best", ranked.best), await row("Worst rated", "worst", ranked.worst));
  }

  async function report() {
    const box = $("report");
    let r;
    try {
      r = await api("v1/analytics/reports/latest");
    } catch (err) {
      if (err.status !== 404) throw err;
      box.replaceChildren(el("p", { class: "empty-note", text: "No report yet: the weekly task performance-report writes one (an admin can run it now)." }));
      return;
    }
    const badge = (t) => el("span", { class: `badge ${t}`, text: { improving: "▲ improving", declining: "▼ declining", stable: "● stable" }[t] });
    const head = el("tr", {}, ["Model", "Task", "Sessions", "Success before", "Success now", "Change", "p-value", "Trend"].map((h, i) => el("th", { class: i > 1 && i < 7 ? "num" : null, text: h })));
    const rows = r.models.map((m) =>
      el("tr", { "data-model": m.model_id, "data-category": m.category_key, "data-trend": m.trend }, [
        el("td", { text: m.model_id }),
        el("td", { text: m.category_key }),
        el("td", { class: "num", text: fmt.int(m.current.sessions) }),
        el("td", { class: "num", text: fmt.pct(m.previous.success_rate) }),
        el("td", { class: "num", text: fmt.pct(m.current.success_rate) }),
        el("td", { class: "num", text: m.change == null ? "–" : `${m.change > 0 ? "+" : ""}${(m.change * 100).toFixed(1)} pts` }),
        el("td", { class: "num", text: m.p_value == null ? "–" : m.p_value.toFixed(3) }),
        el("td", {}, badge(m.trend)),
      ]),
    );
    const t = r.totals;
    box.replaceChildren(
      el("div", { class: "report-head", "data-week": r.week_start }, [
        el("span", {}, ["Week of ", el("b", { text: `${shortDate(r.week_start)} – ${shortDate(r.week_end)}` }), ` against ${shortDate(r.previous_week_start)} – ${shortDate(r.previous_week_end)}`]),
        el("span", {}, ["Sessions ", el("b", { text: `${fmt.int(t.previous.sessions)} → ${fmt.int(t.current.sessions)}` })]),
        el("span", {}, ["Success rate ", el("b", { text: `${fmt.pct(t.previous.success_rate)} → ${fmt.pct(t.current.success_rate)}` }), " ", badge(t.trend)]),
      ]),
      r.models.length ? el("table", {}, [el("thead", {}, head), el("tbody", {}, rows)]) : el("p", { class: "empty-note", text: "No model served a task in these two weeks." }),
    );
  }

  // --- the page --------------------------------------------------------------------------------

  async function load(current) {
    // One request at a time: a handful of small reads, and gentle with the local stack's threaded server.
    const tenant = await api("v1/tenants/me");
    const summary = await api(`v1/analytics/summary?days=${state.days}`);
    $("tenant-name").textContent = tenant.name;
    kpis(summary);
    charts(summary);
    leaderboard(await all("v1/analytics/models?period=all_time&limit=200"));
    await designs();
    await experiments();
    await report();
    if (!current()) return; // a newer load (another range) owns the page now
    $("updated").textContent = `Figures as of ${new Date().toLocaleString()} · ${summary.from} to ${summary.to} (UTC days)`;
    document.body.dataset.loaded = "true";
  }

  function showLogin(message) {
    $("app").hidden = true;
    $("login").hidden = false;
    $("login-error").textContent = message || "";
    $("key").focus();
  }

  let generation = 0;

  async function start() {
    const mine = ++generation;
    document.body.dataset.loaded = "false";
    if (!sessionStorage.getItem(KEY)) return showLogin();
    $("login").hidden = true;
    $("app").hidden = false;
    try {
      await load(() => mine === generation);
    } catch (err) {
      if (err.status === 401 || err.status === 403) {
        sessionStorage.removeItem(KEY);
        return showLogin(err.status === 401 ? "That key is not known (or was revoked)." : "That key may not read analytics.");
      }
      $("updated").textContent = `Could not load everything: ${err.message}`;
      document.body.dataset.loaded = "error";
    }
  }

  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY, $("key").value.trim());
    $("key").value = "";
    start();
  });
  $("logout").addEventListener("click", () => {
    sessionStorage.removeItem(KEY);
    showLogin();
  });
  $("refresh").addEventListener("click", start);
  $("range").addEventListener("change", (event) => {
    location.hash = `days=${event.target.value}`;
  });
  window.addEventListener("hashchange", () => {
    readRange();
    start();
  });
  readRange();
  start();
})();
