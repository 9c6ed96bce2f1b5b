// The dashboard's page: one HTML file and one script, drawn with the canvas 2D API (no chart library,
// nothing fetched from elsewhere). The script keeps its state on window.dashboard, so a test (or a
// curious user's console) can read what it drew.

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tensorgrad training</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<style>
body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:1000px;color:#222;padding:0 1em}
h1{font-size:1.4em;margin:0 0 .2em}
#meta{color:#555;margin:0 0 .3em}
#status{font-weight:600;margin:0 0 1em}
#status.finished{color:#2a7a2a}#status.stopped{color:#a33}
.charts{display:flex;flex-wrap:wrap;gap:1em}
figure{margin:0;border:1px solid #e3e3e3;padding:.4em;background:#fff}
figcaption{font-size:.95em;color:#333;margin:0 0 .2em}
canvas{display:block;width:460px;height:270px}
</style></head>
<body>
<h1 id="title">tensorgrad training</h1>
<p id="meta">connecting…</p>
<p id="status">waiting for the first epoch…</p>
<div class="charts">
<figure><figcaption>Loss</figcaption><canvas id="loss" width="460" height="270"></canvas></figure>
<figure><figcaption id="metric-caption">Metric</figcaption><canvas id="metric" width="460" height="270"></canvas></figure>
<figure><figcaption>Learning rate</figcaption><canvas id="lr" width="460" height="270"></canvas></figure>
</div>
<script src="/dashboard.js"></script>
</body></html>
`;

export const DASHBOARD_JS = String.raw`"use strict";
(() => {
  const TRAIN = "#1f77b4", VAL = "#ff7f0e";
  const state = { info: null, records: [], draws: 0, state: "connecting" };
  window.dashboard = state;
  const $ = (id) => document.getElementById(id);
  const names = { accuracy: "Accuracy", mae: "Mean absolute error" };

  function ticks(lo, hi, count) {
    if (!(hi > lo)) { const d = Math.abs(lo) * 0.1 || 1; lo -= d; hi += d; }
    const raw = (hi - lo) / count, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
    // The axis runs from the tick at or below the lowest value to the one at or above the highest.
    const first = Math.floor(lo / step + 1e-9), last = Math.ceil(hi / step - 1e-9);
    const out = [];
    for (let k = first; k <= last; k++) out.push(k * step);
    return { lo: first * step, hi: last * step, out, step };
  }
  function label(v, step) {
    if (v === 0) return "0";
    if (Math.abs(v) >= 1e5 || step < 1e-6) return v.toExponential(1);
    return v.toFixed(Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
  }

  // series: [{ label, color, points: [[epoch, value], ...] }]
  function draw(id, series) {
    const canvas = $(id), dpr = window.devicePixelRatio || 1;
    const w = 460, h = 270;
    if (canvas.width !== w * dpr) { canvas.width = w * dpr; canvas.height = h * dpr; }
    const g = canvas.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    g.font = "12px system-ui, sans-serif";
    const pts = series.flatMap((s) => s.points).filter((p) => p[1] !== null && Number.isFinite(p[1]));
    const box = { l: 62, r: w - 12, t: 12, b: h - 34 };
    if (pts.length === 0) {
      g.fillStyle = "#888"; g.textAlign = "center"; g.fillText("no values yet", w / 2, h / 2);
      return;
    }
    const xs = ticks(1, Math.max(2, ...pts.map((p) => p[0])), 6), ys = ticks(Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1])), 5);
    const X = (x) => box.l + ((x - xs.lo) / (xs.hi - xs.lo)) * (box.r - box.l);
    const Y = (y) => box.b - ((y - ys.lo) / (ys.hi - ys.lo)) * (box.b - box.t);
    g.strokeStyle = "#e6e6e6"; g.lineWidth = 1; g.fillStyle = "#555";
    g.textAlign = "right"; g.textBaseline = "middle";
    for (const v of ys.out) { g.beginPath(); g.moveTo(box.l, Y(v)); g.lineTo(box.r, Y(v)); g.stroke(); g.fillText(label(v, ys.step), box.l - 6, Y(v)); }
    g.textAlign = "center"; g.textBaseline = "top";
    for (const v of xs.out) if (Number.isInteger(v)) g.fillText(String(v), X(v), box.b + 5);
    g.fillText("epoch", (box.l + box.r) / 2, box.b + 19);
    g.strokeStyle = "#333"; g.beginPath(); g.moveTo(box.l, box.t); g.lineTo(box.l, box.b); g.lineTo(box.r, box.b); g.stroke();
    for (const s of series) {
      g.strokeStyle = s.color; g.fillStyle = s.color; g.lineWidth = 2; g.beginPath();
      let on = false;
      for (const [x, y] of s.points) {
        if (y === null || !Number.isFinite(y)) { on = false; continue; }
        if (on) g.lineTo(X(x), Y(y)); else g.moveTo(X(x), Y(y));
        on = true;
      }
      g.stroke();
      if (s.points.length <= 60) for (const [x, y] of s.points) if (y !== null && Number.isFinite(y)) { g.beginPath(); g.arc(X(x), Y(y), 3, 0, 2 * Math.PI); g.fill(); }
    }
    // Legend, in the right-hand corner (top or bottom) with fewer points under it.
    g.textAlign = "left"; g.textBaseline = "middle";
    const shown = series.filter((s) => s.points.length);
    const lw = Math.max(...shown.map((s) => g.measureText(s.label).width)) + 36, lh = shown.length * 18 + 4;
    const under = (top) => pts.filter((p) => X(p[0]) >= box.r - lw - 10 && Y(p[1]) >= top - 6 && Y(p[1]) <= top + lh + 6).length;
    const top = under(box.t + 2) <= under(box.b - lh - 2) ? box.t + 2 : box.b - lh - 2;
    let y = top + 10;
    g.fillStyle = "rgba(255,255,255,.9)"; g.fillRect(box.r - lw - 6, top, lw, lh);
    for (const s of shown) {
      g.strokeStyle = s.color; g.lineWidth = 2; g.beginPath(); g.moveTo(box.r - lw, y); g.lineTo(box.r - lw + 20, y); g.stroke();
      g.fillStyle = "#222"; g.fillText(s.label, box.r - lw + 26, y);
      y += 18;
    }
  }

  function line(key, name, color) {
    return { label: name, color, points: state.records.filter((r) => key in r).map((r) => [r.epoch, r[key]]) };
  }

  function render() {
    const m = state.info ? state.info.metric : "accuracy";
    const cap = m.charAt(0).toUpperCase() + m.slice(1);
    draw("loss", [line("loss", "training", TRAIN), line("valLoss", "validation", VAL)]);
    draw("metric", [line(m, "training", TRAIN), line("val" + cap, "validation", VAL)]);
    draw("lr", [line("lr", "learning rate", TRAIN)]);
    state.draws++;
    const last = state.records[state.records.length - 1];
    if (state.state === "training" && last) {
      const total = state.info ? state.info.epochs : "?";
      const parts = ["loss", "valLoss", m, "val" + cap].filter((k) => typeof last[k] === "number").map((k) => k + " " + last[k].toFixed(4));
      $("status").textContent = "training: epoch " + last.epoch + " of " + total + " done — " + parts.join(", ");
    }
  }

  const source = new EventSource("/events");
  source.addEventListener("info", (e) => {
    const info = JSON.parse(e.data);
    state.info = info;
    state.state = "training";
    $("title").textContent = "tensorgrad: " + info.run;
    $("meta").textContent = info.model + " · " + info.data + " · " + info.epochs + " epochs";
    $("metric-caption").textContent = names[info.metric] || info.metric;
    render();
  });
  source.addEventListener("epoch", (e) => {
    state.records.push(JSON.parse(e.data));
    render();
  });
  source.addEventListener("done", (e) => {
    // Closed here, before the server goes, so the browser does not try to reconnect.
    source.close();
    const done = JSON.parse(e.data).state;
    state.state = done;
    const s = $("status");
    s.className = done;
    s.textContent = (done === "finished" ? "finished after " : "stopped after ") + state.records.length + " epochs; the report is in the run folder";
  });
  source.onerror = () => {
    if (state.state === "training" || state.state === "connecting") $("status").textContent = "connection lost; is the training still running?";
  };
})();
`;
