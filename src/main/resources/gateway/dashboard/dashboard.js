// FreshRec dashboard: asks for a gateway token, keeps it in this tab's sessionStorage and sends it as a bearer header
// with every call; polls /v1/timeline (only what is new since the last answer) and /v1/model every 2 s and draws each
// series as a plain SVG chart; looks users' lists and items' neighbours up. Whatever the gateway sends reaches the page
// through textContent and SVG attributes only, never as HTML.
"use strict";

(() => {
  const POLL_MS = 2000;
  const KEEP_MS = 30 * 60 * 1000; // the gateway keeps as much
  const TOKEN_KEY = "freshrec.gateway.token";
  const SVG_NS = "http://www.w3.org/2000/svg";
  const PALETTE = ["#2563eb", "#f97316", "#16a34a", "#8b5cf6", "#db2777", "#0d9488", "#ca8a04", "#64748b", "#dc2626"];
  const BASELINE = "#7b8794";

  const state = {
    samples: [], // the timeline's samples, oldest first
    versions: [], // {version, seenAt, recallRolling, ndcgRolling}, oldest first
    since: 0, // the next /v1/timeline?since=
    hoverAt: null, // the sample time under the pointer, shared by every chart
    emptyText: "no token: no figures", // what a chart without points says
    timer: null,
    generation: 0, // bumped by every start and sign-out: answers of an older one are dropped
  };

  const $ = (id) => document.getElementById(id);

  // ---- talking to the gateway ----

  class GatewayError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  async function api(path) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) {
      throw new GatewayError(401, "no-token", "no token given");
    }
    let response;
    try {
      response = await fetch(path, {
        headers: { Authorization: "Bearer " + token, Accept: "application/json" },
        cache: "no-store",
      });
    } catch (failure) {
      throw new GatewayError(0, "unreachable", failure.message);
    }
    let body = null;
    try {
      body = await response.json();
    } catch (notJson) {
      // an answer without a JSON body: described by its status below
    }
    if (!response.ok) {
      throw new GatewayError(
        response.status,
        (body && body.code) || "http-" + response.status,
        (body && body.message) || response.statusText || "no message");
    }
    return body;
  }

  /** One sentence a person can act on. */
  function describe(error) {
    if (!(error instanceof GatewayError)) {
      return "The dashboard failed: " + error.message;
    }
    const what = `(${error.status} ${error.code}): ${error.message}`;
    if (error.code === "no-token") {
      return "Enter a gateway token first.";
    }
    switch (error.status) {
      case 0: return `The gateway does not answer (${error.message}); trying again every ${POLL_MS / 1000} s.`;
      case 401: return `The gateway refused the token (401): ${error.message}. Enter a valid token.`;
      case 403: return `The token's client may not do this ${what}.`;
      case 404: return `Not found ${what}`;
      case 429: return `Too many requests ${what}`;
      case 503: return `No job to answer ${what}`;
      default: return `The gateway answered ${what}`;
    }
  }

  function showMessage(text, kind) {
    const box = $("message");
    box.textContent = text;
    box.className = "message" + (kind === "notice" ? " notice" : "");
    box.hidden = false;
  }

  function clearMessage() {
    $("message").hidden = true;
    $("message").textContent = "";
  }

  // ---- the token ----

  /** Forgets what an earlier token showed: the figures, and the lookups' answers. */
  function reset(emptyText) {
    state.generation++;
    clearTimeout(state.timer);
    Object.assign(state, { samples: [], versions: [], since: 0, hoverAt: null, emptyText });
    for (const kind of ["user", "item"]) {
      $(kind + "-summary").textContent = "";
      $(kind + "-result").hidden = true;
      $(kind + "-result").tBodies[0].replaceChildren();
    }
    drawAll();
    drawVersionTable();
  }

  function start() {
    reset("waiting for figures\u2026");
    $("token-form").hidden = true;
    $("change-token").hidden = false;
    poll(state.generation);
  }

  function signOut(message) {
    reset("no token: no figures");
    sessionStorage.removeItem(TOKEN_KEY);
    showStatus(null);
    $("updated").textContent = "not polled: no token";
    $("change-token").hidden = true;
    $("token-form").hidden = false;
    if (message) {
      showMessage(message, "error");
    } else {
      clearMessage();
    }
    $("token-input").focus();
  }

  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("token-input").value.trim();
    if (!token) {
      showMessage("Enter the token of a client in the gateway's token file.", "error");
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    $("token-input").value = "";
    clearMessage();
    start();
  });

  $("change-token").addEventListener("click", () => signOut(null));

  // ---- polling ----

  async function poll(generation) {
    try {
      const [timeline, model] = await Promise.all([api("/v1/timeline?since=" + state.since), api("/v1/model")]);
      if (generation !== state.generation) {
        return;
      }
      merge(timeline);
      showStatus(model);
      if (model.job && model.job.running) {
        clearMessage();
      } else {
        showMessage("No job to show: " + ((model.job && model.job.problem) || "none is running") +
          ". The figures resume when it runs.", "notice");
      }
    } catch (error) {
      if (generation !== state.generation) {
        return;
      }
      if (error.status === 401) {
        signOut(describe(error));
        return;
      }
      showMessage(describe(error), error.status === 0 || error.status === 503 ? "notice" : "error");
      if (error.status === 403) {
        state.emptyText = "this token may not read the figures";
        drawAll();
      }
    }
    state.timer = setTimeout(() => poll(generation), POLL_MS);
  }

  function merge(timeline) {
    for (const sample of timeline.samples) {
      if (sample.at >= state.since) {
        state.samples.push(sample);
      }
    }
    const seen = new Set(state.versions.map((v) => v.version + "@" + v.seenAt));
    for (const version of timeline.versions) {
      if (!seen.has(version.version + "@" + version.seenAt)) {
        state.versions.push(version);
      }
    }
    if (state.samples.length > 0) {
      const newest = state.samples[state.samples.length - 1].at;
      state.since = newest + 1;
      const cutoff = newest - KEEP_MS;
      state.samples = state.samples.filter((s) => s.at >= cutoff);
      state.versions = state.versions.filter((v) => v.seenAt >= cutoff);
    }
    $("updated").textContent = "updated " + clock(Date.now()) + ", " + state.samples.length + " samples";
    drawAll();
    drawVersionTable();
  }

  // ---- the header ----

  function setStatus(id, text, tone, title) {
    const field = $(id);
    field.textContent = text;
    field.className = tone || "";
    field.title = title || "";
  }

  function showStatus(model) {
    const f = (model && model.figures) || null;
    if (!model) {
      ["status-job", "status-version", "status-breaker", "status-rate", "status-freshness"]
        .forEach((id) => setStatus(id, "\u2014"));
      return;
    }
    const running = model.job && model.job.running;
    setStatus("status-job", running ? "running" : "not running", running ? "good" : "bad",
      running ? "job " + model.job.id : model.job && model.job.problem);
    setStatus("status-version", model.modelVersion != null ? String(model.modelVersion) : "\u2014", "",
      model.modelVersionSeenAt ? "first seen " + model.modelVersionSeenAt : "");
    const breaker = model.breaker;
    if (!breaker) {
      setStatus("status-breaker", "\u2014");
    } else if (breaker.state === "open") {
      setStatus("status-breaker", "open: serving v" + breaker.frozenModelVersion, "bad",
        "quality below the baseline " + fixed(breaker.baseline, 4));
    } else if (breaker.state === "closed") {
      setStatus("status-breaker", "closed", "good", "baseline recall@10 " + fixed(breaker.baseline, 4));
    } else {
      setStatus("status-breaker", "learning baseline", "warn");
    }
    setStatus("status-rate", f ? compact(f.eventsPerSecond) : "\u2014");
    setStatus("status-freshness", f && f.freshnessP99Ms != null ? millis(f.freshnessP99Ms) : "\u2014");
  }

  // ---- formatting ----

  function fixed(value, digits) {
    return value == null || !isFinite(value) ? "\u2014" : Number(value).toFixed(digits);
  }

  function compact(value) {
    if (value == null || !isFinite(value)) return "\u2014";
    const a = Math.abs(value);
    if (a >= 1e6) return (value / 1e6).toFixed(a >= 1e7 ? 0 : 1) + "M";
    if (a >= 1e3) return (value / 1e3).toFixed(a >= 1e4 ? 0 : 1) + "k";
    if (a >= 100 || Number.isInteger(value)) return value.toFixed(0);
    return value.toFixed(a >= 10 ? 1 : 2);
  }

  function millis(value) {
    if (value == null || !isFinite(value)) return "\u2014";
    return value >= 1000 ? (value / 1000).toFixed(value >= 10000 ? 0 : 1) + " s" : value.toFixed(0) + " ms";
  }

  function clock(ms, withSeconds = true) {
    const d = new Date(ms);
    const two = (n) => String(n).padStart(2, "0");
    return two(d.getHours()) + ":" + two(d.getMinutes()) + (withSeconds ? ":" + two(d.getSeconds()) : "");
  }

  // ---- the charts ----

  const field = (key) => (sample) => (sample[key] == null ? null : sample[key]);
  /** Series read straight from the samples: [label, field] pairs. */
  const fields = (...pairs) => () => pairs.map(([label, key]) => ({ label, value: field(key) }));
  const ratio = (value) => fixed(value, 4);
  const breakerOpen = (sample) => sample.breakerOpen === true;
  const baseline = {
    label: "baseline",
    color: BASELINE,
    dash: true,
    value: (s) => (s.qualityBaseline > 0 ? s.qualityBaseline : null), // 0 while the breaker learns it
  };

  /** What each chart shows: its series (label, colour, value of a sample), how values read, and extras. */
  const CHARTS = [
    { id: "throughput", format: compact, series: fields(["events/s", "eventsPerSecond"]) },
    { id: "freshness", format: millis, series: fields(["p50", "freshnessP50Ms"], ["p99", "freshnessP99Ms"]) },
    {
      id: "recall",
      format: ratio,
      band: breakerOpen,
      series: () => fields(["rolling", "recallRolling"], ["total", "recallTotal"])().concat(baseline),
    },
    { id: "ndcg", format: ratio, band: breakerOpen, series: fields(["rolling", "ndcgRolling"], ["total", "ndcgTotal"]) },
    { id: "drift", format: ratio, series: fields(["divergence", "popularityShift"]) },
    {
      id: "growth",
      format: compact,
      series: fields(["users/s", "newUsersPerSecond"], ["items/s", "newItemsPerSecond"]),
    },
    { id: "dead-letters", format: compact, integer: true, stacked: true, series: deadLetterSeries },
    {
      id: "versions",
      format: (v) => (v == null ? "\u2014" : "v" + v),
      integer: true,
      fromZero: false,
      step: true,
      marks: () => state.versions.map((v) => ({
        at: v.seenAt,
        value: v.version,
        title: `version ${v.version}, first seen ${clock(v.seenAt)}: recall@10 ${ratio(v.recallRolling)}, ` +
          `NDCG@10 ${ratio(v.ndcgRolling)} (rolling)`,
      })),
      series: fields(["model version", "modelVersion"]),
    },
  ];

  /** A series per dead-letter reason (stacked); the total alone while no reason has been counted. */
  function deadLetterSeries(samples) {
    const reasons = new Set();
    samples.forEach((s) => Object.keys(s.deadLettersByReason || {}).forEach((r) => reasons.add(r)));
    if (reasons.size === 0) {
      return [{ label: "all reasons", value: field("deadLetters") }];
    }
    return [...reasons].sort().map((reason) => ({
      label: reason,
      value: (s) => (s.deadLettersByReason ? s.deadLettersByReason[reason] || 0 : null),
    }));
  }

  function svgElement(name, attributes, parent) {
    const element = document.createElementNS(SVG_NS, name);
    for (const [key, value] of Object.entries(attributes || {})) {
      element.setAttribute(key, value);
    }
    if (parent) {
      parent.appendChild(element);
    }
    return element;
  }

  function svgText(parent, x, y, text, attributes) {
    const element = svgElement("text", Object.assign({ x, y }, attributes), parent);
    element.textContent = text;
    return element;
  }

  /** Round ticks covering [lo, hi]: steps of 1, 2 or 5 times a power of ten (whole numbers when integer). */
  function niceTicks(lo, hi, count, integer) {
    const raw = (hi - lo) / count;
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const ratio = raw / power;
    let step = power * (ratio >= 5 ? 10 : ratio >= 2 ? 5 : ratio >= 1 ? 2 : 1);
    if (integer) {
      step = Math.max(1, Math.round(step));
    }
    const ticks = [];
    for (let t = Math.floor(lo / step) * step; t <= hi + step * 0.999; t += step) {
      ticks.push(Number(t.toFixed(10)));
    }
    return { ticks, step };
  }

  const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600].map((s) => s * 1000);

  function timeTicks(t0, t1, maxTicks) {
    const step = TIME_STEPS.find((s) => (t1 - t0) / s <= maxTicks) || TIME_STEPS[TIME_STEPS.length - 1];
    const ticks = [];
    for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
      ticks.push(t);
    }
    return { ticks, step };
  }

  /** Each series' values, one a sample; stacked series also get their lower and upper edges. */
  function seriesOf(chart, samples) {
    const lines = chart.series(samples).map((line, i) => ({
      label: line.label,
      color: line.color || PALETTE[i % PALETTE.length],
      dash: line.dash === true,
      values: samples.map(line.value),
    }));
    if (chart.stacked) {
      const floor = samples.map(() => 0);
      for (const line of lines) {
        line.lower = floor.slice();
        line.upper = line.values.map((v, i) => (v == null ? null : (floor[i] += v)));
      }
    }
    return lines;
  }

  /** Runs of consecutive indexes whose value is there: a gap (no figures) breaks a line. */
  function runs(values) {
    const out = [];
    let current = null;
    values.forEach((v, i) => {
      if (v == null) {
        current = null;
      } else {
        if (!current) out.push((current = []));
        current.push(i);
      }
    });
    return out;
  }

  const layouts = new WeakMap(); // svg -> where its plot area and time axis are, for the pointer

  /** Redraws one chart from the samples: legend, axes, the breaker's band, the series, marks, the cursor. */
  function drawChart(chart) {
    const svg = $("chart-" + chart.id);
    const width = Math.max(260, Math.round(svg.clientWidth || 600));
    const height = Math.round(svg.clientHeight || 230);
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.replaceChildren();
    const samples = state.samples;
    const lines = seriesOf(chart, samples);
    const counted = samples.filter((s, i) => lines.some((line) => line.values[i] != null)).length;
    svg.dataset.points = String(counted);
    const hovered = state.hoverAt == null ? -1 : samples.findIndex((s) => s.at === state.hoverAt);

    const legendBottom = drawLegend(svg, chart, lines, hovered, width);
    const frame = frameOf(chart, lines, samples, { top: legendBottom + 12, bottom: height - 20, width });
    layouts.set(svg, frame);
    drawAxes(svg, frame, height);
    if (chart.band) {
      drawBand(svg, frame, samples, chart.band);
    }
    if (counted === 0) {
      svgText(svg, (frame.left + frame.right) / 2, (frame.top + frame.bottom) / 2, state.emptyText,
        { "text-anchor": "middle", class: "empty" });
      return;
    }
    lines.forEach((line) => drawLine(svg, frame, samples, line, chart.step));
    for (const mark of chart.marks ? chart.marks() : []) {
      if (mark.at >= frame.t0 && mark.at <= frame.t1) {
        const dot = svgElement("circle", {
          cx: frame.px(mark.at), cy: frame.py(mark.value), r: 4.5, fill: "#ffffff", stroke: lines[0].color,
          "stroke-width": 2,
        }, svg);
        svgElement("title", {}, dot).textContent = mark.title;
      }
    }
    if (hovered >= 0) {
      drawCursor(svg, frame, samples[hovered].at);
    }
  }

  /** Each series with its latest value (or the one under the pointer), wrapped to the width; returns its bottom. */
  function drawLegend(svg, chart, lines, hovered, width) {
    let x = 0;
    let y = 12;
    for (const line of lines) {
      const index = hovered >= 0 ? hovered : lastIndex(line.values);
      const item = svgElement("g", {}, svg);
      svgElement("line", {
        x1: 0, y1: -4, x2: 16, y2: -4, stroke: line.color, "stroke-width": 3,
        "stroke-dasharray": line.dash ? "4 3" : "none",
      }, item);
      const label = svgText(item, 21, 0, line.label, { class: "legend-label" });
      const valueAt = 21 + label.getComputedTextLength() + 6;
      const value = svgText(item, valueAt, 0, chart.format(index >= 0 ? line.values[index] : null),
        { class: "legend-value" });
      const itemWidth = valueAt + value.getComputedTextLength() + 18;
      if (x > 0 && x + itemWidth > width) {
        x = 0;
        y += 17;
      }
      item.setAttribute("transform", `translate(${x},${y})`);
      x += itemWidth;
    }
    return y;
  }

  /** The plot area and its scales: time across, the series' values (from 0 unless fromZero is false) up. */
  function frameOf(chart, lines, samples, { top, bottom, width }) {
    const values = [];
    lines.forEach((line) => (line.upper || line.values).forEach((v) => v != null && values.push(v)));
    (chart.marks ? chart.marks() : []).forEach((mark) => values.push(mark.value));
    let lo = chart.fromZero === false && values.length ? Math.min(...values) : 0;
    let hi = values.length ? Math.max(...values) : 1;
    if (hi - lo < (chart.integer ? 1 : 1e-9)) {
      hi = lo + (chart.integer ? 1 : lo > 0 ? lo * 0.1 : 1);
    }
    const y = niceTicks(lo, hi, 4, chart.integer);
    lo = y.ticks[0];
    hi = y.ticks[y.ticks.length - 1];
    const digits = Math.max(0, -Math.floor(Math.log10(y.step)));
    const tickText = (v) => (chart.integer || y.step >= 1 ? compact(v) : v.toFixed(digits));
    const left = 10 + Math.max(...y.ticks.map((t) => tickText(t).length)) * 6.6;
    const right = width - 10;
    const t1 = samples.length ? samples[samples.length - 1].at : Date.now();
    const t0 = samples.length > 1 ? samples[0].at : t1 - POLL_MS;
    return {
      left, right, top, bottom, t0, t1, yTicks: y.ticks, tickText,
      px: (t) => left + ((t - t0) / (t1 - t0)) * (right - left),
      py: (v) => bottom - ((v - lo) / (hi - lo)) * (bottom - top),
    };
  }

  function drawAxes(svg, f, height) {
    for (const tick of f.yTicks) {
      svgElement("line", { x1: f.left, x2: f.right, y1: f.py(tick), y2: f.py(tick), class: "grid-line" }, svg);
      svgText(svg, f.left - 6, f.py(tick) + 4, f.tickText(tick), { "text-anchor": "end" });
    }
    const x = timeTicks(f.t0, f.t1, Math.max(2, Math.floor((f.right - f.left) / 80)));
    for (const tick of x.ticks) {
      svgElement("line", { x1: f.px(tick), x2: f.px(tick), y1: f.bottom, y2: f.bottom + 4, class: "axis" }, svg);
      svgText(svg, f.px(tick), height - 5, clock(tick, x.step < 60000), { "text-anchor": "middle" });
    }
    svgElement("line", { x1: f.left, x2: f.right, y1: f.bottom, y2: f.bottom, class: "axis" }, svg);
  }

  /** A shaded stretch wherever inBand holds for a sample, up to the next sample. */
  function drawBand(svg, f, samples, inBand) {
    samples.forEach((s, i) => {
      if (inBand(s)) {
        const end = i + 1 < samples.length ? samples[i + 1].at : s.at;
        svgElement("rect", {
          x: f.px(s.at), y: f.top, width: Math.max(2, f.px(end) - f.px(s.at)), height: f.bottom - f.top,
          class: "band",
        }, svg);
      }
    });
  }

  /** A series as a line (a step line for step charts; filled down to the one below when stacked), a dot last. */
  function drawLine(svg, f, samples, line, step) {
    const point = (i) => [f.px(samples[i].at), f.py(line.upper ? line.upper[i] : line.values[i])];
    for (const run of runs(line.values)) {
      if (line.upper) {
        const floor = run.slice().reverse().map((i) => [f.px(samples[i].at), f.py(line.lower[i])]);
        svgElement("polygon", {
          points: run.map(point).concat(floor).map((p) => p.join(",")).join(" "), fill: line.color,
          "fill-opacity": 0.3,
        }, svg);
      }
      const d = run.map((i, n) => {
        const [x, y] = point(i);
        return n === 0 ? `M${x},${y}` : step ? `H${x}V${y}` : `L${x},${y}`;
      }).join("");
      svgElement("path", {
        d, fill: "none", stroke: line.color, "stroke-width": line.dash ? 1.5 : 2,
        "stroke-dasharray": line.dash ? "5 4" : "none", "stroke-linejoin": "round",
      }, svg);
      if (run.length === 1) {
        svgElement("circle", { cx: point(run[0])[0], cy: point(run[0])[1], r: 2.5, fill: line.color }, svg);
      }
    }
    const last = lastIndex(line.values);
    if (last >= 0 && !line.dash) {
      svgElement("circle", { cx: point(last)[0], cy: point(last)[1], r: 3.5, fill: line.color }, svg);
    }
  }

  /** The pointer's moment: a dashed line, its time on the side with room. */
  function drawCursor(svg, f, at) {
    const x = f.px(at);
    svgElement("line", { x1: x, x2: x, y1: f.top, y2: f.bottom, class: "cursor" }, svg);
    const onLeft = x > (f.left + f.right) / 2;
    svgText(svg, onLeft ? x - 5 : x + 5, f.top + 10, clock(at), { "text-anchor": onLeft ? "end" : "start" });
  }

  function lastIndex(values) {
    for (let i = values.length - 1; i >= 0; i--) {
      if (values[i] != null) return i;
    }
    return -1;
  }

  let drawPending = false;

  function drawAll() {
    CHARTS.forEach(drawChart);
  }

  function drawSoon() {
    if (!drawPending) {
      drawPending = true;
      requestAnimationFrame(() => {
        drawPending = false;
        drawAll();
      });
    }
  }

  /** The pointer over any chart moves one cursor across all of them: the nearest sample's values in each legend. */
  for (const chart of CHARTS) {
    const svg = $("chart-" + chart.id);
    svg.addEventListener("pointermove", (event) => {
      const layout = layouts.get(svg);
      const samples = state.samples;
      if (!layout || samples.length === 0) return;
      const box = svg.getBoundingClientRect();
      const xIn = event.clientX - box.left;
      const t = layout.t0 + ((xIn - layout.left) / (layout.right - layout.left)) * (layout.t1 - layout.t0);
      let best = 0;
      samples.forEach((s, i) => {
        if (Math.abs(s.at - t) < Math.abs(samples[best].at - t)) best = i;
      });
      if (state.hoverAt !== samples[best].at) {
        state.hoverAt = samples[best].at;
        drawSoon();
      }
    });
    svg.addEventListener("pointerleave", () => {
      state.hoverAt = null;
      drawSoon();
    });
  }
  window.addEventListener("resize", drawSoon);

  function drawVersionTable() {
    const body = $("versions-table").tBodies[0];
    const rows = state.versions.slice(-8).reverse().map((v) => tableRow([
      "v" + v.version,
      clock(v.seenAt),
      [fixed(v.recallRolling, 4), "num"],
      [fixed(v.ndcgRolling, 4), "num"],
    ]));
    body.replaceChildren(...rows);
  }

  // ---- lookups ----

  /** A table row; a cell is text, [text, class], or a node. */
  function tableRow(cells) {
    const row = document.createElement("tr");
    for (const cell of cells) {
      const td = document.createElement("td");
      if (cell instanceof Node) {
        td.appendChild(cell);
      } else if (Array.isArray(cell)) {
        td.textContent = cell[0];
        td.className = cell[1];
      } else {
        td.textContent = cell;
      }
      row.appendChild(td);
    }
    return row;
  }

  /** An item id that looks its neighbours up when clicked. */
  function itemButton(item) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link";
    button.textContent = String(item);
    button.dataset.item = String(item);
    button.title = "look up item " + item + "'s neighbours";
    return button;
  }

  function lookup(form, path, render) {
    const [kind] = form.id.split("-");
    const summary = $(kind + "-summary");
    const table = $(kind + "-result");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const id = $(kind + "-id").value.trim();
      const k = $(kind + "-k").value.trim() || "10";
      summary.className = "summary";
      summary.textContent = "looking up " + kind + " " + id + "\u2026";
      try {
        const answer = await api(path(encodeURIComponent(id), encodeURIComponent(k)));
        summary.textContent = render(answer, table.tBodies[0]);
        table.hidden = false;
      } catch (error) {
        table.hidden = true;
        table.tBodies[0].replaceChildren();
        summary.className = "summary error";
        summary.textContent = describe(error);
        if (error.status === 401) {
          signOut(describe(error));
        }
      }
    });
    table.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-item]");
      if (button) {
        $("item-id").value = button.dataset.item;
        $("item-form").requestSubmit();
      }
    });
  }

  lookup($("user-form"), (id, k) => `/v1/users/${id}/recommendations?k=${k}`, (list, body) => {
    body.replaceChildren(...list.items.map((entry, i) => tableRow([
      [String(i + 1), "num"],
      itemButton(entry.item),
      [fixed(entry.score, 4), "num"],
    ])));
    const trending = list.fromTrending > 0 ? `, ${list.fromTrending} from trending` : "";
    return `user ${list.user}: model version ${list.modelVersion}, computed ${list.computedAt} ` +
      `(event time ${list.eventTime})${trending}; from ${list.source}`;
  });

  lookup($("item-form"), (id, k) => `/v1/items/${id}/similar?k=${k}`, (item, body) => {
    body.replaceChildren(...item.neighbours.map((n, i) => tableRow([
      [String(i + 1), "num"],
      itemButton(n.item),
      [fixed(n.cooccurrence, 4), "num"],
      [fixed(n.confidence, 4), "num"],
    ])));
    return `item ${item.item}: norm ${fixed(item.norm, 3)}, trending ${fixed(item.trending, 3)}, ` +
      `${item.candidates} neighbour candidates`;
  });

  // ---- start ----

  if (sessionStorage.getItem(TOKEN_KEY)) {
    start();
  } else {
    signOut(null);
  }
})();
